"""What the notification and outbox screens need from the services (``backend.notifications``).

``posapp.services.notifications.api.NotificationApi`` implements these protocols; the UI never
imports it (that would bring SQLAlchemy in), it receives it from the backend, like
``backend.orders`` and ``backend.coupons``. Tests may pass small fakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, cast

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


class NotificationsPort(Protocol):
    """A user's notifications and the rules that make them."""

    def list_notifications(self, user: UserDTO, flt: NotificationFilter) -> list[NotificationDTO]:
        """A page of the user's notifications, newest first."""
        ...

    def notifications_by_ids(self, user: UserDTO, ids: Sequence[int]) -> list[NotificationDTO]:
        """The user's notifications among ``ids``, oldest first."""
        ...

    def unread_count(self, user: UserDTO) -> int:
        """How many are unread."""
        ...

    def mark_read(self, user: UserDTO, ids: Sequence[int], *, read: bool = True) -> int:
        """Mark some read (or unread); return how many changed."""
        ...

    def mark_all_read(self, user: UserDTO, kind: str = "") -> int:
        """Mark all (of ``kind``) read; return how many changed."""
        ...

    def get_rules(self, user: UserDTO) -> list[NotificationRule]:
        """Every trigger's rule (admins)."""
        ...

    def save_rules(
        self, user: UserDTO, rules: Sequence[NotificationRule]
    ) -> list[NotificationRule]:
        """Store rules (admins); return every rule as saved."""
        ...

    def staff_choices(self, user: UserDTO) -> list[StaffChoice]:
        """Staff users a rule may name (admins)."""
        ...


class OutboxPort(Protocol):
    """The customer email outbox, promotions and the mail server settings."""

    def list_outbox(self, user: UserDTO, flt: OutboxFilter) -> list[OutboxRowDTO]:
        """A page of the outbox, newest first."""
        ...

    def outbox_counts(self, user: UserDTO) -> OutboxCounts:
        """Waiting, sent and failed counts."""
        ...

    def outbox_message(self, user: UserDTO, email_id: int) -> OutboxMessageDTO:
        """One email with its body."""
        ...

    def retry_emails(self, user: UserDTO, ids: Sequence[int]) -> int:
        """Try emails again now; return how many will be."""
        ...

    def wake_sender(self) -> bool:
        """Send now if a sender runs here."""
        ...

    def promotion_campaigns(self, user: UserDTO) -> list[CampaignChoice]:
        """Campaigns whose codes a promotion can hand out."""
        ...

    def promotion_audience(self, user: UserDTO, campaign_id: int | None) -> PromotionAudience:
        """Who a promotion would reach."""
        ...

    def send_promotion(
        self, user: UserDTO, subject: str, body: str, campaign_id: int | None
    ) -> int:
        """Queue a promotion; return how many emails."""
        ...

    def get_smtp_settings(self, user: UserDTO) -> SmtpSettings:
        """The mail server settings."""
        ...

    def save_smtp_settings(
        self, user: UserDTO, settings: SmtpSettings, password: str | None
    ) -> SmtpSettings:
        """Save the settings and, unless None, the password."""
        ...

    def has_smtp_password(self, user: UserDTO) -> bool:
        """Whether a password is stored."""
        ...


class NotificationsApiPort(NotificationsPort, OutboxPort, Protocol):
    """Both halves: what ``backend.notifications`` provides."""


def notifications_of(backend: object) -> NotificationsApiPort | None:
    """The backend's notification services, or None when the composition root has not wired them."""
    return cast("NotificationsApiPort | None", getattr(backend, "notifications", None))
