"""The notification and outbox system as one object for the UI (``backend.notifications``).

Each method runs in its own unit of work from the :class:`ServiceContext`. The composition root
(:func:`posapp.app_services.start_services`) sets :attr:`NotificationsApi.sender` to the running
outbox sender, so that queuing an email wakes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from posapp.services.notifications import mailer, outbox
from posapp.services.notifications import staff as notifications
from posapp.services.notifications.dto import (
    NotificationDTO,
    NotificationFilter,
    NotificationRule,
    StaffChoice,
)
from posapp.services.notifications.outbox_dto import (
    CampaignChoice,
    OutboxCounts,
    OutboxFilter,
    OutboxMessageDTO,
    OutboxRowDTO,
    PromotionAudience,
    SmtpSettings,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.runner import Job

if TYPE_CHECKING:
    from posapp.services.platform.context import ServiceContext


class NotificationsApi:
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
        self._context = context
        self.sender = sender
        self._store = password_store

    # ---- a user's notifications -----------------------------------------------------------

    def list_notifications(self, user: UserDTO, flt: NotificationFilter) -> list[NotificationDTO]:
        """A page of the user's notifications, newest first."""
        return notifications.list_notifications(self._context.read_uow(), user, flt)

    def notifications_by_ids(self, user: UserDTO, ids: Sequence[int]) -> list[NotificationDTO]:
        """The user's notifications among ``ids``."""
        return notifications.notifications_by_ids(self._context.read_uow(), user, ids)

    def unread_count(self, user: UserDTO) -> int:
        """How many of the user's notifications are unread."""
        return notifications.unread_count(self._context.read_uow(), user)

    def mark_read(self, user: UserDTO, ids: Sequence[int], *, read: bool = True) -> int:
        """Mark notifications read (or unread)."""
        return notifications.mark_read(self._context.uow(), user, ids, read=read)

    def mark_all_read(self, user: UserDTO, kind: str = "") -> int:
        """Mark every unread notification (of ``kind``) read."""
        return notifications.mark_all_read(self._context.uow(), user, kind)

    # ---- rules ------------------------------------------------------------------------------

    def get_rules(self, user: UserDTO) -> list[NotificationRule]:
        """Every trigger's rule."""
        return notifications.get_rules(self._context.read_uow(), user)

    def save_rules(
        self, user: UserDTO, rules: Sequence[NotificationRule]
    ) -> list[NotificationRule]:
        """Store the rules; return them as saved."""
        return notifications.save_rules(self._context.uow(), user, rules)

    def staff_choices(self, user: UserDTO) -> list[StaffChoice]:
        """Staff users a rule may name."""
        return notifications.staff_choices(self._context.read_uow(), user)

    # ---- the outbox ---------------------------------------------------------------------------

    def list_outbox(self, user: UserDTO, flt: OutboxFilter) -> list[OutboxRowDTO]:
        """A page of the outbox, newest first."""
        return outbox.list_outbox(self._context.read_uow(), user, flt)

    def outbox_counts(self, user: UserDTO) -> OutboxCounts:
        """Waiting, sent and failed counts."""
        return outbox.outbox_counts(self._context.read_uow(), user)

    def outbox_message(self, user: UserDTO, email_id: int) -> OutboxMessageDTO:
        """One email with its body."""
        return outbox.outbox_message(self._context.read_uow(), user, email_id)

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

    def promotion_campaigns(self, user: UserDTO) -> list[CampaignChoice]:
        """Campaigns whose codes a promotion can hand out."""
        return outbox.promotion_campaigns(self._context.read_uow(), user)

    def promotion_audience(self, user: UserDTO, campaign_id: int | None) -> PromotionAudience:
        """Who a promotion would reach."""
        return outbox.promotion_audience(self._context.read_uow(), user, campaign_id)

    def send_promotion(
        self, user: UserDTO, subject: str, body: str, campaign_id: int | None
    ) -> int:
        """Queue a promotion; return how many emails were queued."""
        count = outbox.send_promotion(self._context.uow(), user, subject, body, campaign_id)
        self.wake_sender()
        return count

    # ---- mail server ----------------------------------------------------------------------------

    def get_smtp_settings(self, user: UserDTO) -> SmtpSettings:
        """The mail server settings (no password)."""
        return mailer.get_smtp_settings(self._context.read_uow(), user)

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
