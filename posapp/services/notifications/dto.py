"""Read models and rule definitions of staff notifications (no SQLAlchemy: the UI imports this)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from posapp.i18n import N_
from posapp.money import MAX_MINOR
from posapp.services.staff import Permission

ThresholdKind = Literal["none", "percent", "money"]
LinkKind = Literal["", "order", "product", "campaign", "account", "user", "report"]
"""What a notification can open; ``report`` is a campaign's final report (``link_id`` is the
campaign), opened as a PDF from the reports folder."""

RULES_PERMISSION: Final = Permission.MANAGE_NOTIFICATIONS
"""Who may read and edit the notification rules: admins."""

ROLES: Final = ("admin", "manager", "cashier")
"""Every staff role, in the order the rules dialog shows them."""

STAFF: Final = ROLES
MANAGERS_AND_ADMINS: Final = ("admin", "manager")


@dataclass(frozen=True, slots=True)
class NotificationDTO:
    """One stored notification of one user."""

    id: int
    user_id: int
    kind: str
    level: str
    title: str
    body: str
    link_kind: str
    link_id: int | None
    created_at: datetime
    read_at: datetime | None = None

    @property
    def unread(self) -> bool:
        """Whether the user has not marked it read yet."""
        return self.read_at is None


@dataclass(frozen=True, slots=True)
class NotificationFilter:
    """Which of a user's notifications to list: a keyset page, newest first.

    Attributes:
        unread_only: Only those not yet read.
        kind: Only this trigger (``""`` for every kind).
        before_id: Only those older than this id (the last id of the previous page).
        limit: The page size.
    """

    unread_only: bool = False
    kind: str = ""
    before_id: int | None = None
    limit: int = 200


@dataclass(frozen=True, slots=True)
class TriggerSpec:
    """One situation that can notify staff, and its default rule.

    Attributes:
        key: Stable identifier, stored in rules and as the notification's ``kind``.
        event: The domain event type name that can fire it.
        label: What the rules dialog and the centre's filter call it.
        description: One sentence for the rules dialog.
        level: The notification's level (``warning`` toasts stay up longer).
        threshold: What the rule's threshold means: nothing, a percentage, or money (minor units).
        default_enabled: Whether it is on in a new shop.
        default_roles: Who it notifies in a new shop.
        default_threshold: The threshold in a new shop (None when it has none).
    """

    key: str
    event: str
    label: str
    description: str
    level: str = "info"
    threshold: ThresholdKind = "none"
    default_enabled: bool = True
    default_roles: tuple[str, ...] = ()
    default_threshold: int | None = None

    def default_rule(self) -> NotificationRule:
        """The rule a new shop starts with."""
        return NotificationRule(
            self.key, self.default_enabled, self.default_roles, (), self.default_threshold
        )


@dataclass(frozen=True, slots=True)
class NotificationRule:
    """Who is notified when a trigger fires.

    Attributes:
        trigger: A :class:`TriggerSpec` key.
        enabled: Off means nobody is notified.
        roles: Every active user with one of these roles (for a store's notices — low stock,
            pickups, ready and refunded orders — only those of that store or of all stores).
        user_ids: These users too, whatever their role.
        threshold: The trigger's threshold (percent, or minor units), when it has one.
    """

    trigger: str
    enabled: bool = True
    roles: tuple[str, ...] = ()
    user_ids: tuple[int, ...] = ()
    threshold: int | None = None


TRIGGERS: Final[tuple[TriggerSpec, ...]] = (
    TriggerSpec(
        "stock_low",
        "StockLow",
        N_("Stock running low"),
        N_("A sale or adjustment takes a product's stock down to its reorder point."),
        level="warning",
        default_roles=MANAGERS_AND_ADMINS,
    ),
    TriggerSpec(
        "sync_conflict",
        "SyncConflictRaised",
        N_("Offline sale conflict"),
        N_(
            "A sale taken while the register was offline sold more than was in stock, an "
            "archived product, or at a price changed meanwhile."
        ),
        level="warning",
        default_roles=("manager",),
    ),
    TriggerSpec(
        "pickup_placed",
        "OrderPlaced",
        N_("Pickup order placed"),
        N_("An order to be collected later is placed."),
        default_roles=STAFF,
    ),
    TriggerSpec(
        "order_ready",
        "OrderStatusChanged",
        N_("Order ready for pickup"),
        N_("An order is marked ready for the customer to collect."),
        default_roles=STAFF,
    ),
    TriggerSpec(
        "order_refunded",
        "OrderStatusChanged",
        N_("Order refunded"),
        N_("An order is refunded in whole or in part."),
        default_roles=("manager",),
    ),
    TriggerSpec(
        "coupon_near_limit",
        "CouponRedeemed",
        N_("Campaign nearly used up"),
        N_("Redemptions of a campaign reach this share of its usage limit (once per campaign)."),
        level="warning",
        threshold="percent",
        default_roles=("admin",),
        default_threshold=90,
    ),
    TriggerSpec(
        "campaign_ended",
        "CampaignEnded",
        N_("Campaign ended"),
        N_("A coupon campaign is used up, expires or is ended."),
        default_roles=("admin",),
    ),
    TriggerSpec(
        "campaign_report",
        "CampaignEnded",
        N_("Campaign final report"),
        N_("A campaign has ended and its final effectiveness report is in the reports folder."),
        default_roles=("admin",),
    ),
    TriggerSpec(
        "account_large_movement",
        "AccountMoved",
        N_("Large account movement"),
        N_("Money of at least this amount moves on a customer account."),
        level="warning",
        threshold="money",
        default_roles=("manager",),
        default_threshold=50_000,
    ),
    TriggerSpec(
        "user_changed",
        "UserChanged",
        N_("Staff changed"),
        N_("A staff user is added, edited, activated, deactivated or has a new role."),
        default_roles=("admin",),
    ),
    TriggerSpec(
        "product_changed",
        "ProductChanged",
        N_("Product changed"),
        N_(
            "A product is created, edited, archived or restored; products are imported "
            "(one notice)."
        ),
        default_enabled=False,
        default_roles=("manager",),
    ),
)
"""Every trigger, in the order the rules dialog lists them."""

TRIGGERS_BY_KEY: Final = {spec.key: spec for spec in TRIGGERS}

PERCENT_RANGE: Final = (1, 100)
MONEY_THRESHOLD_MAX: Final = MAX_MINOR  # the largest amount posapp accepts anywhere


def trigger_label(kind: str) -> str:
    """The human name of a notification kind (the kind itself when unknown)."""
    spec = TRIGGERS_BY_KEY.get(kind)
    return spec.label if spec is not None else kind.replace("_", " ").capitalize()


def default_rules() -> list[NotificationRule]:
    """The rules of a new shop, one per trigger."""
    return [spec.default_rule() for spec in TRIGGERS]


@dataclass(frozen=True, slots=True)
class StaffChoice:
    """A staff user the rules dialog can name individually."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool
