"""The notification and outbox system as one object for the UI (``backend.notifications``).

Each method runs in its own unit of work from the :class:`ServiceContext`; most are use cases
declared with :func:`~posapp.services.platform.facade.writes` or
:func:`~posapp.services.platform.facade.reads` (their signatures and docstrings are their own).
The composition root (:func:`posapp.app_services.start_services`) sets
:attr:`NotificationsApi.sender` to the running outbox sender, so that queuing an email wakes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from posapp.services.notifications import mailer, outbox
from posapp.services.notifications import staff as notifications
from posapp.services.notifications.outbox_dto import SmtpSettings
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.facade import Facade, reads, writes
from posapp.services.platform.runner import Job

if TYPE_CHECKING:
    from posapp.services.platform.context import ServiceContext


class NotificationsApi(Facade):
    """Notifications, rules, the outbox and mail settings for one application.

    Args:
        context: Where units of work come from.
        sender: The outbox sender's job on the running background runner, if any:
            :meth:`wake_sender` wakes it.
        password_store: Where the SMTP password is kept (the default store when None).
    """

    def __init__(
        self,
        context: ServiceContext,
        *,
        sender: Job | None = None,
        password_store: mailer.PasswordStore | None = None,
    ) -> None:
        super().__init__(context)
        self.sender = sender
        self._store = password_store

    # ---- a user's notifications -----------------------------------------------------------

    list_notifications = reads(notifications.list_notifications)
    notifications_by_ids = reads(notifications.notifications_by_ids)
    unread_count = reads(notifications.unread_count)
    mark_read = writes(notifications.mark_read)
    mark_all_read = writes(notifications.mark_all_read)

    # ---- rules ------------------------------------------------------------------------------

    get_rules = reads(notifications.get_rules)
    save_rules = writes(notifications.save_rules)
    staff_choices = reads(notifications.staff_choices)

    # ---- the outbox ---------------------------------------------------------------------------

    list_outbox = reads(outbox.list_outbox)
    outbox_counts = reads(outbox.outbox_counts)
    outbox_message = reads(outbox.outbox_message)

    def retry_emails(self, user: UserDTO, ids: Sequence[int]) -> int:
        """Try emails again now; then nudge the sender."""
        changed = outbox.retry_emails(self._context.uow(), user, ids)
        if changed:
            self.wake_sender()
        return changed

    def wake_sender(self) -> bool:
        """Ask the background sender to send now; False when none runs here."""
        if self.sender is None or not self.sender.running:
            return False
        self.sender.wake()
        return True

    promotion_campaigns = reads(outbox.promotion_campaigns)
    promotion_audience = reads(outbox.promotion_audience)

    def send_promotion(
        self, user: UserDTO, subject: str, body: str, campaign_id: int | None
    ) -> int:
        """Queue a promotion; return how many emails were queued."""
        count = outbox.send_promotion(self._context.uow(), user, subject, body, campaign_id)
        self.wake_sender()
        return count

    # ---- mail server ----------------------------------------------------------------------------

    get_smtp_settings = reads(mailer.get_smtp_settings)

    def save_smtp_settings(
        self, user: UserDTO, settings: SmtpSettings, password: str | None
    ) -> SmtpSettings:
        """Save the settings; ``password`` (unless None) goes to the keyring or 0600 file."""
        saved = mailer.save_smtp_settings(
            self._context.uow(), user, settings, password, store=self._store
        )
        self.wake_sender()
        return saved

    def has_smtp_password(self, user: UserDTO) -> bool:
        """Whether a password is stored for the configured username."""
        settings = self.get_smtp_settings(user)
        return (self._store or mailer.PasswordStore()).get(settings.username) is not None
