"""Read models of the customer email outbox and the mail server settings (no SQLAlchemy)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from posapp.i18n import N_
from posapp.services.staff import Permission

PROMOTION_PERMISSION: Final = Permission.SEND_PROMOTIONS
"""Who may write promotions to the customers who opted in: managers and admins."""
OUTBOX_PERMISSION: Final = Permission.MANAGE_ACCOUNTS
"""Who may see the outbox (it shows customers' addresses) and retry emails: managers, admins."""
OPT_IN_PERMISSION: Final = Permission.MANAGE_ACCOUNTS
"""Who may record a customer's choice about offers."""
SMTP_PERMISSION: Final = Permission.MANAGE_NOTIFICATIONS
"""Who may see and change the mail server settings: admins."""

SmtpSecurity = Literal["none", "starttls", "tls"]
SECURITY_MODES: Final[tuple[SmtpSecurity, ...]] = ("none", "starttls", "tls")
SECURITY_LABELS: Final = {
    "none": N_("None (plain text: only on a trusted network)"),
    "starttls": N_("STARTTLS (usually port 587)"),
    "tls": N_("TLS from the start (usually port 465)"),
}
DEFAULT_PORTS: Final = {"none": 25, "starttls": 587, "tls": 465}

OUTBOX_STATUS_LABELS: Final = {"pending": N_("Waiting"), "sent": N_("Sent"), "failed": N_("Failed")}
OUTBOX_KIND_LABELS: Final = {
    "order_placed": N_("Order placed"),
    "order_ready": N_("Ready for pickup"),
    "order_collected": N_("Collected"),
    "order_refunded": N_("Refunded"),
    "promotion": N_("Promotion"),
    "purchase_order": N_("Purchase order"),
    "receipt": N_("Receipt"),
}


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to reach the mail server. The password is never part of it (see ``mailer``).

    Attributes:
        host: The server's host name; empty means email is not set up.
        port: The TCP port.
        security: ``none``, ``starttls`` or ``tls``.
        username: The log-in name; empty means the server takes mail without logging in.
        from_address: The sender address customers see and reply to.
        from_name: The sender name customers see (the shop's name).
        timeout_s: Seconds to wait for the server before an attempt fails.
    """

    host: str = ""
    port: int = 587
    security: SmtpSecurity = "starttls"
    username: str = ""
    from_address: str = ""
    from_name: str = ""
    timeout_s: int = 30

    @property
    def configured(self) -> bool:
        """Whether there is enough to try sending."""
        return bool(self.host and self.from_address)


@dataclass(frozen=True, slots=True)
class OutboxRowDTO:
    """One outgoing email as the outbox view lists it (without its body)."""

    id: int
    created_at: datetime
    to_address: str
    to_name: str
    subject: str
    kind: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    sent_at: datetime | None
    order_id: int | None
    customer_account_id: int | None


@dataclass(frozen=True, slots=True)
class OutboxMessageDTO:
    """One outgoing email with its body, for reading it in full."""

    row: OutboxRowDTO
    body: str


@dataclass(frozen=True, slots=True)
class OutboxFilter:
    """Which outbox rows to list: a keyset page, newest first."""

    status: str = ""
    before_id: int | None = None
    limit: int = 200


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    """How many emails are waiting, sent and failed."""

    pending: int = 0
    sent: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class PromotionAudience:
    """Who a promotion would reach, before sending it."""

    recipients: int
    unused_codes: int | None = None
    """Unused codes of the chosen campaign (None without a campaign)."""


@dataclass(frozen=True, slots=True)
class CampaignChoice:
    """A running campaign with single-use codes, offered when writing a promotion."""

    id: int
    name: str
    unused_codes: int


@dataclass(frozen=True, slots=True)
class SendReport:
    """What one round of the sender did.

    Attributes:
        sent: Delivered to the server.
        retried: Failed this time, scheduled again later.
        failed: Failed for the last time (status ``failed``).
        skipped: Why nothing was tried (e.g. email not set up), or ``""``.
    """

    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: str = ""

    @property
    def attempted(self) -> int:
        """How many emails were tried."""
        return self.sent + self.retried + self.failed
