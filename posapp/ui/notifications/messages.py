"""Short human sentences for the domain events that deserve a toast."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import QLocale

from posapp.events import (
    AccountMoved,
    CouponRedeemed,
    DomainEvent,
    OrderPlaced,
    StockLow,
    UserChanged,
)
from posapp.ui.kit.formatting import money_text
from posapp.ui.notifications.toasts import ToastLevel


@dataclass(frozen=True, slots=True)
class ToastMessage:
    """What a toast says about an event."""

    title: str
    body: str
    level: ToastLevel = "info"


def toast_message(
    event: DomainEvent,
    *,
    store_names: Mapping[int, str] | None = None,
    locale: QLocale | None = None,
) -> ToastMessage | None:
    """Return the toast for ``event``, or None when the event is not worth interrupting for.

    Args:
        event: A committed domain event.
        store_names: Store names by id, to say "at Main Street" instead of an id.
        locale: The locale for money (the default locale when None).
    """
    stores = store_names or {}

    def store(store_id: int) -> str:
        return stores.get(store_id, f"store #{store_id}")

    def money(minor: int) -> str:
        return money_text(minor, locale)

    match event:
        case OrderPlaced():
            return ToastMessage(
                f"Order {event.number} placed",
                f"{money(event.total_minor)} at {store(event.store_id)}.",
            )
        case StockLow():
            return ToastMessage(
                "Stock is running low",
                f"Product #{event.product_id} at {store(event.store_id)}: {event.on_hand} left "
                f"(reorder point {event.reorder_point}).",
                "warning",
            )
        case CouponRedeemed():
            return ToastMessage(
                "Coupon redeemed", f"{money(event.discount_minor)} off order #{event.order_id}."
            )
        case UserChanged():
            return ToastMessage("Staff updated", f"{event.username} {event.change_text}.")
        case AccountMoved():
            kind = event.kind.replace("_", " ").capitalize()
            return ToastMessage(
                f"Account #{event.account_id}",
                f"{kind} of {money(abs(event.amount_minor))}. "
                f"Balance {money(event.balance_minor)}.",
            )
        case _:
            return None
