"""One sale at a demo till, rung up as the register does it, and what may happen to it later.

A basket is picked from what is on the shelf, priced with the register's own pricing
(:func:`posapp.services.sales.pricing.price_cart`), a coupon is quoted the way the register quotes
it, and the sale is placed and paid by :func:`posapp.services.sales.checkout.place_order`. Later
the order may be cancelled (before payment), collected (click and collect), or partly or wholly
returned, each through its own use case at its own moment.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from posapp.demo.coupons import handed_over, use_up
from posapp.demo.shop import Customer, Item, Shop, Storefront
from posapp.services.accounts import get_account
from posapp.services.coupons import CouponRefused
from posapp.services.sales import (
    BasketItem,
    Discount,
    DraftLine,
    PaymentDraft,
    PaymentKind,
    PricedCart,
    PriceLine,
    ReturnLineRequest,
    ReturnRequest,
    SaleDraft,
    advance_order,
    cancel_order,
    order_detail,
    place_order,
    price_cart,
    quote_sale_coupon,
    return_items,
)

_LINE_COUNTS, _LINE_COUNT_WEIGHTS = (1, 2, 3, 4, 5, 6), (30, 25, 18, 12, 9, 6)
_QUANTITIES, _QUANTITY_WEIGHTS = (1, 2, 3, 4, 6), (72, 17, 6, 3, 2)
_P_CUSTOMER, _P_ACCOUNT_PAY, _P_CARD = 0.25, 0.1, 0.55
_P_LINE_DISCOUNT, _P_PICKUP, _P_WRITE_OFF = 0.03, 0.1, 0.3
_CARD_LAST4 = ("4242", "4242", "1881", "0005", "5100")
_CASH_STEPS = (100, 500, 1000, 2000, 5000)
CLOSING_HOUR = 20


class _Fate(enum.Enum):
    """What becomes of a sale."""

    KEPT = enum.auto()
    CANCELLED = enum.auto()
    RETURNED = enum.auto()
    PART_RETURNED = enum.auto()


_FATES, _FATE_WEIGHTS = tuple(_Fate), (945, 20, 15, 20)


def sell(shop: Shop, store: Storefront) -> None:
    """The store's cashier rings up one basket (if anything wanted is on the shelf)."""
    rng = shop.rng
    picked = _pick(shop, store)
    if not picked:
        return
    customer = rng.choice(shop.customers) if shop.customers and rng.random() < _P_CUSTOMER else None
    lines = tuple(
        DraftLine(
            no,
            item.product.id,
            quantity,
            discount=Discount.percent(1000) if rng.random() < _P_LINE_DISCOUNT else None,
        )
        for no, (item, quantity) in enumerate(picked, start=1)
    )
    prices = [
        PriceLine(
            line.line_no,
            line.quantity,
            item.product.price_minor,
            item.product.tax_rate_bp,
            item.product.tax_included,
            line.discount,
        )
        for line, (item, _) in zip(lines, picked, strict=True)
    ]
    cart = price_cart(prices)
    code, shares = _coupon(shop, store, picked, cart, customer)
    if shares:
        cart = price_cart(prices, coupon_shares=shares)
    fate = rng.choices(_FATES, _FATE_WEIGHTS)[0]
    pickup = customer is not None and rng.random() < _P_PICKUP
    draft = SaleDraft(
        sale_uuid=shop.new_uuid(),
        lines=lines,
        payments=() if fate is _Fate.CANCELLED else (_payment(shop, store, cart, customer),),
        coupon_codes=(code,) if code else (),
        customer_account_id=customer.id if customer else None,
        expected_total_minor=cart.total_minor,
        pickup=pickup and fate is not _Fate.CANCELLED,
    )
    placed = place_order(shop.uow(store.register), shop.cashier(store), draft)
    shop.orders += 1
    for item, quantity in picked:
        shop.on_hand[store.id, item.product.id] -= quantity
    if customer is not None and code == shop.coupons.welcome:
        customer.welcomed = True
    taken = {item.product.id: quantity for item, quantity in picked}
    _follow_up(shop, store, placed.order_id, fate, draft.pickup, taken)


def _pick(shop: Shop, store: Storefront) -> list[tuple[Item, int]]:
    """What the customer takes off the shelves (a wanted product that is out is skipped)."""
    rng = shop.rng
    if not shop.items:
        return []
    count = rng.choices(_LINE_COUNTS, _LINE_COUNT_WEIGHTS)[0]
    wanted = rng.choices(shop.items, cum_weights=shop.cum_weights, k=count)
    picked: dict[int, tuple[Item, int]] = {}
    for item in wanted:
        quantity = rng.choices(_QUANTITIES, _QUANTITY_WEIGHTS)[0]
        if item.product.id not in picked and shop.on_hand[store.id, item.product.id] >= quantity:
            picked[item.product.id] = (item, quantity)
    return list(picked.values())


def _coupon(
    shop: Shop,
    store: Storefront,
    picked: Sequence[tuple[Item, int]],
    cart: PricedCart,
    customer: Customer | None,
) -> tuple[str, dict[int, int]]:
    """Maybe the customer hands over a coupon: quoted as the register quotes it.

    Returns:
        The code and its discount per line number (none when the code is refused).
    """
    code = handed_over(shop, cart.total_minor, customer)
    if not code:
        return "", {}
    basket = [
        BasketItem(
            line.line_no,
            item.product.id,
            item.product.category_id,
            quantity,
            line.before_coupon_minor,
        )
        for line, (item, quantity) in zip(cart.lines, picked, strict=True)
    ]
    try:
        quote = quote_sale_coupon(
            shop.read_uow(store.register),
            shop.cashier(store),
            code,
            basket,
            customer_account_id=customer.id if customer else None,
        )
    except CouponRefused:  # the customer keeps the code (it stays theirs to try again)
        return "", {}
    use_up(shop, code)
    return code, dict(quote.line_discounts)


def _payment(
    shop: Shop, store: Storefront, cart: PricedCart, customer: Customer | None
) -> PaymentDraft:
    """From the customer's account if they want and it has the money, else by card or cash."""
    rng, total = shop.rng, cart.total_minor
    if customer is not None and rng.random() < _P_ACCOUNT_PAY:
        account = get_account(shop.read_uow(store.register), shop.cashier(store), customer.id)
        if account.available_minor >= total:
            return PaymentDraft(
                shop.new_uuid(),
                PaymentKind.ACCOUNT,
                total,
                account_number=customer.number,
                pin=customer.pin,
            )
    if rng.random() < _P_CARD:
        return PaymentDraft(
            shop.new_uuid(),
            PaymentKind.CARD,
            total,
            card_reference=f"AUTH{rng.randint(100_000, 999_999)}",
            card_last4=rng.choice(_CARD_LAST4),
        )
    step = rng.choice(_CASH_STEPS)
    return PaymentDraft(shop.new_uuid(), PaymentKind.CASH, total, -(-total // step) * step)


# -- later ---------------------------------------------------------------------------------


def _follow_up(
    shop: Shop, store: Storefront, order_id: int, fate: _Fate, pickup: bool, taken: dict[int, int]
) -> None:
    rng, timeline = shop.rng, shop.timeline
    if fate is _Fate.CANCELLED:
        cancel = partial(_cancel, shop, store, order_id, taken)
        timeline.at(shop.later(rng.randint(30, 600)), cancel)
        return
    if pickup:
        day = shop.clock.at.astimezone(shop.zone).date() + timedelta(days=rng.randint(1, 3))
        at = shop.local(day, rng.randint(10, 18), rng.randrange(60))
        timeline.at(at, partial(_collect, shop, store, order_id))
    if fate in {_Fate.RETURNED, _Fate.PART_RETURNED}:
        whole = fate is _Fate.RETURNED
        timeline.at(_return_time(shop), partial(_return, shop, store, order_id, whole))


def _return_time(shop: Shop) -> datetime:
    """Later today while the till is open, else tomorrow morning."""
    rng = shop.rng
    today = shop.clock.at.astimezone(shop.zone).date()
    at = shop.later(rng.randint(20 * 60, 5 * 3600))
    if at >= shop.local(today, CLOSING_HOUR - 1):
        day = today + timedelta(days=1)
        at = shop.local(day, rng.randint(9, 12), rng.randrange(60), rng.randrange(60))
    return at


def _cancel(shop: Shop, store: Storefront, order_id: int, taken: dict[int, int]) -> None:
    """The manager cancels an unpaid order: its stock goes back on the shelf."""
    cancel_order(
        shop.uow(store.register),
        shop.manager,
        order_id,
        shop.rng.choice(("Customer changed their mind", "Customer left without paying")),
    )
    for product_id, quantity in taken.items():
        shop.on_hand[store.id, product_id] += quantity


def _collect(shop: Shop, store: Storefront, order_id: int) -> None:
    """The customer collects a click-and-collect order."""
    advance_order(shop.uow(store.register), shop.cashier(store), order_id, "collect")


def _return(shop: Shop, store: Storefront, order_id: int, whole: bool) -> None:
    """The customer brings back everything, or some of one line, with the receipt."""
    cashier = shop.cashier(store)
    detail = order_detail(shop.read_uow(store.register), cashier, order_id)
    if detail.status not in {"fulfilled", "collected"}:
        return  # not yet collected: nothing to bring back
    if whole:
        lines = tuple(ReturnLineRequest(line.id, line.quantity) for line in detail.lines)
        reason = "Returned with the receipt"
    else:
        line = shop.rng.choice(detail.lines)
        written_off = shop.rng.random() < _P_WRITE_OFF
        lines = (ReturnLineRequest(line.id, 1, restock=not written_off),)
        reason = "Damaged: written off" if written_off else "Not wanted"
    request = ReturnRequest(shop.new_uuid(), order_id, lines, reason=reason)
    return_items(shop.uow(store.register), cashier, request)
    products = {line.id: line.product_id for line in detail.lines}
    for wanted in lines:
        if wanted.restock:
            shop.on_hand[store.id, products[wanted.order_line_id]] += wanted.quantity
