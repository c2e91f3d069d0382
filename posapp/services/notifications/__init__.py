"""Notifications: staff notifications and their rules, the email outbox, the mailer.

This is the package's face: other packages import only from here. The edges reach its use cases
through :class:`NotificationsApi` (``Backend.notifications``); other service packages call the
functions below inside their own unit of work. Modules inside the package import each other
directly, never this face (so importing the package never runs into itself).
"""

from posapp.services.notifications.api import NotificationsApi
from posapp.services.notifications.dto import (
    MANAGERS_AND_ADMINS,
    MONEY_THRESHOLD_MAX,
    PERCENT_RANGE,
    ROLES,
    RULES_PERMISSION,
    STAFF,
    TRIGGERS,
    TRIGGERS_BY_KEY,
    LinkKind,
    NotificationDTO,
    NotificationFilter,
    NotificationRule,
    StaffChoice,
    ThresholdKind,
    TriggerSpec,
    default_rules,
    trigger_label,
)
from posapp.services.notifications.listener import (
    HANDLED_EVENTS,
    NotificationListener,
    notify_final_report,
)
from posapp.services.notifications.mailer import TransportFactory, send_due
from posapp.services.notifications.outbox import enqueue_order_status_email
from posapp.services.notifications.outbox_dto import (
    DEFAULT_PORTS,
    OPT_IN_PERMISSION,
    OUTBOX_KIND_LABELS,
    OUTBOX_PERMISSION,
    OUTBOX_STATUS_LABELS,
    PROMOTION_PERMISSION,
    SECURITY_LABELS,
    SECURITY_MODES,
    SMTP_PERMISSION,
    CampaignChoice,
    OutboxCounts,
    OutboxFilter,
    OutboxMessageDTO,
    OutboxRowDTO,
    PromotionAudience,
    SendReport,
    SmtpSecurity,
    SmtpSettings,
)

__all__ = [
    "DEFAULT_PORTS",
    "HANDLED_EVENTS",
    "MANAGERS_AND_ADMINS",
    "MONEY_THRESHOLD_MAX",
    "OPT_IN_PERMISSION",
    "OUTBOX_KIND_LABELS",
    "OUTBOX_PERMISSION",
    "OUTBOX_STATUS_LABELS",
    "PERCENT_RANGE",
    "PROMOTION_PERMISSION",
    "ROLES",
    "RULES_PERMISSION",
    "SECURITY_LABELS",
    "SECURITY_MODES",
    "SMTP_PERMISSION",
    "STAFF",
    "TRIGGERS",
    "TRIGGERS_BY_KEY",
    "CampaignChoice",
    "LinkKind",
    "NotificationDTO",
    "NotificationFilter",
    "NotificationListener",
    "NotificationRule",
    "NotificationsApi",
    "OutboxCounts",
    "OutboxFilter",
    "OutboxMessageDTO",
    "OutboxRowDTO",
    "PromotionAudience",
    "SendReport",
    "SmtpSecurity",
    "SmtpSettings",
    "StaffChoice",
    "ThresholdKind",
    "TransportFactory",
    "TriggerSpec",
    "default_rules",
    "enqueue_order_status_email",
    "notify_final_report",
    "send_due",
    "trigger_label",
]
