"""Domain events: frozen facts published only after the transaction that caused them commits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol, get_args


@dataclass(frozen=True, slots=True)
class OrderPlaced:
    """An order was placed: stock is taken and the sale is recorded."""

    order_id: int
    number: str
    store_id: int
    total_minor: int
    at: datetime


@dataclass(frozen=True, slots=True)
class OrderStatusChanged:
    """An order moved from one lifecycle state to another."""

    order_id: int
    number: str
    old_status: str
    new_status: str
    at: datetime


@dataclass(frozen=True, slots=True)
class PaymentConfirmed:
    """A payment (or refund, with a negative amount) was recorded against an order."""

    order_id: int
    payment_id: int
    method: str
    amount_minor: int
    at: datetime


@dataclass(frozen=True, slots=True)
class CouponRedeemed:
    """A coupon code was used on an order."""

    code_id: int
    campaign_id: int
    order_id: int
    discount_minor: int
    at: datetime


@dataclass(frozen=True, slots=True)
class CampaignEnded:
    """A coupon campaign was used up or passed its end."""

    campaign_id: int
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class StockLow:
    """On-hand stock of a product at a store fell below its reorder point."""

    store_id: int
    product_id: int
    on_hand: int
    reorder_point: int
    at: datetime


@dataclass(frozen=True, slots=True)
class SyncConflictRaised:
    """A sale taken offline, placed later, found the server different (#21): a manager looks.

    ``kind`` is ``stock_shortfall``, ``archived_product`` or ``price_changed``.
    """

    conflict_id: int
    kind: str
    store_id: int
    product_id: int
    order_id: int
    number: str
    at: datetime


@dataclass(frozen=True, slots=True)
class StockMoved:
    """Stock of a product changed at a store (receive, adjust, transfer, count, sale, return)."""

    store_id: int
    product_id: int
    kind: str
    quantity: int
    at: datetime


@dataclass(frozen=True, slots=True)
class AccountMoved:
    """Money moved on a customer account (deposit, withdrawal, transfer, payment, refund…)."""

    account_id: int
    transaction_id: int
    kind: str
    amount_minor: int
    balance_minor: int
    at: datetime


_USER_CHANGES: Final[Mapping[str, str]] = {
    "added": "was added",
    "activated": "was activated",
    "deactivated": "was deactivated",
    "role_changed": "has a new role",
    "password_reset": "had the password reset",
    "edited": "was edited",
    "unlocked": "was unlocked",
}


@dataclass(frozen=True, slots=True)
class UserChanged:
    """A staff user was added, changed, activated or deactivated."""

    user_id: int
    username: str
    change: str
    at: datetime

    @property
    def change_text(self) -> str:
        """The change as the end of a sentence about the user: ``was added``."""
        return _USER_CHANGES.get(self.change, self.change.replace("_", " "))


@dataclass(frozen=True, slots=True)
class UserLoggedIn:
    """A staff user logged in on a register."""

    user_id: int
    username: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ProductChanged:
    """A product was created, edited, archived or restored."""

    product_id: int
    change: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ProductsImported:
    """A CSV import created and updated products: one event for the whole file.

    (One :class:`ProductChanged` per row would flood the bus, the notification worker and the
    other registers with 100,000 events for a 100,000-row file.)
    """

    created: int
    updated: int
    at: datetime


@dataclass(frozen=True, slots=True)
class NotificationCreated:
    """A notification was stored for a user."""

    notification_id: int
    user_id: int
    title: str
    level: str
    at: datetime


@dataclass(frozen=True, slots=True)
class SettingChanged:
    """A shop setting was changed; listeners read its new value (values can be long)."""

    key: str
    username: str
    """Who changed it; empty for the command line."""
    at: datetime


@dataclass(frozen=True, slots=True)
class PurchaseOrderChanged:
    """A purchase order was created, sent, received (partly or fully), closed or cancelled."""

    order_id: int
    status: str
    at: datetime


DomainEvent = (
    OrderPlaced
    | OrderStatusChanged
    | PaymentConfirmed
    | CouponRedeemed
    | CampaignEnded
    | StockLow
    | StockMoved
    | AccountMoved
    | UserChanged
    | UserLoggedIn
    | ProductChanged
    | ProductsImported
    | NotificationCreated
    | SettingChanged
    | PurchaseOrderChanged
    | SyncConflictRaised
)

ALL_EVENT_TYPES: tuple[type[DomainEvent], ...] = get_args(DomainEvent)
"""Every event type, in the order of :data:`DomainEvent` (the union is the one list of them)."""


class Publisher(Protocol):
    """Something that takes a committed domain event and hands it on."""

    def __call__(self, event: DomainEvent) -> None:
        """Publish one event."""


class RecordingPublisher:
    """A publisher that keeps what it is given: for tests and for Qt-free tools such as the CLI."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def __call__(self, event: DomainEvent) -> None:
        """Record one event."""
        self.events.append(event)


def null_publisher(event: DomainEvent) -> None:
    """Drop an event (the CLI has no listeners)."""
