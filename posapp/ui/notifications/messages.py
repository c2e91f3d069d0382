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
from posapp.i18n import _
from posapp.services.accounts import movement_label
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
        return stores.get(store_id, _("store #{id}").format(id=store_id))

    def money(minor: int) -> str:
        return money_text(minor, locale)

    match event:
        case OrderPlaced():
            return ToastMessage(
                _("Order {number} placed").format(number=event.number),
                _("{amount} at {store}.").format(
                    amount=money(event.total_minor), store=store(event.store_id)
                ),
            )
        case StockLow():
            return ToastMessage(
                _("Stock is running low"),
                _("Product #{id} at {store}: {left} left (reorder point {point}).").format(
                    id=event.product_id,
                    store=store(event.store_id),
                    left=event.on_hand,
                    point=event.reorder_point,
                ),
                "warning",
            )
        case CouponRedeemed():
            return ToastMessage(
                _("Coupon redeemed"),
                _("{amount} off order #{id}.").format(
                    amount=money(event.discount_minor), id=event.order_id
                ),
            )
        case UserChanged():
            return ToastMessage(_("Staff updated"), f"{event.username} {event.change_text}.")
        case AccountMoved():
            kind = movement_label(event.kind)
            return ToastMessage(
                _("Account #{id}").format(id=event.account_id),
                _("{kind} of {amount}. Balance {balance}.").format(
                    kind=kind,
                    amount=money(abs(event.amount_minor)),
                    balance=money(event.balance_minor),
                ),
            )
        case _:
            return None
