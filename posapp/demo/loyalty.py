"""The demo's loyalty points and gift cards: the rules an admin sets, cards sold at the tills.

The admin turns loyalty on before the first day (a point per whole unit spent, 100 points pay
1.00, points kept a year), so every sale to a customer with an account earns points as the
register's would, and a sale paid from an account or with points moves them in its transaction.
On the first trading day each storefront sells a few gift cards for cash, one of which is
reloaded a week later, so the gift card figures of the X/Z and sales reports have something to
show.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial

from posapp.demo.shop import Shop, Storefront
from posapp.services.sales import GiftCardLine, PaymentDraft, PaymentKind, SaleDraft, place_order
from posapp.services.sales import order_detail as read_order
from posapp.services.shop import change_settings

__all__ = ["schedule_gift_cards", "set_up_loyalty"]

LOYALTY_SETTINGS = {
    "loyalty.earn_points_per_unit": "1",
    "loyalty.redeem_points_per_unit": "100",
    "loyalty.expiry_days": "365",
}
_CARDS_MINOR = (2_500, 5_000, 10_000)
_RELOAD_MINOR = 2_000
_RELOAD_AFTER_DAYS = 7


def set_up_loyalty(shop: Shop) -> None:
    """The admin turns the loyalty points on (Settings → Loyalty points)."""
    change_settings(shop.uow(), shop.admin, LOYALTY_SETTINGS)


def schedule_gift_cards(shop: Shop, days: Sequence[date]) -> None:
    """Plan the gift cards sold on the first trading day, and a reload a week later."""
    if not days:
        return
    first = days[0]
    for n, store in enumerate(shop.storefronts):
        codes: list[str] = []
        for k, amount in enumerate(_CARDS_MINOR):
            at = shop.local(first, 10 + n, 5 + 7 * k)
            shop.timeline.at(at, partial(_sell_card, shop, store, amount, codes))
        later = [day for day in days if (day - first).days >= _RELOAD_AFTER_DAYS]
        if later:
            at = shop.local(later[0], 11 + n, 20)
            shop.timeline.at(at, partial(_reload, shop, store, codes))


def _cash(shop: Shop, amount: int) -> PaymentDraft:
    return PaymentDraft(shop.new_uuid(), PaymentKind.CASH, amount, amount)


def _sell_card(shop: Shop, store: Storefront, amount: int, codes: list[str]) -> None:
    """A customer buys a gift card for cash; the code is on the receipt."""
    draft = SaleDraft(
        shop.new_uuid(), (), (_cash(shop, amount),), gift_cards=(GiftCardLine(amount),)
    )
    placed = place_order(shop.uow(store.register), shop.cashier(store), draft)
    shop.orders += 1
    detail = read_order(shop.read_uow(store.register), shop.cashier(store), placed.order_id)
    codes.extend(card.code for card in detail.gift_cards)


def _reload(shop: Shop, store: Storefront, codes: list[str]) -> None:
    """Someone puts more money on the first card sold at this store."""
    if not codes:
        return
    draft = SaleDraft(
        shop.new_uuid(),
        (),
        (_cash(shop, _RELOAD_MINOR),),
        gift_cards=(GiftCardLine(_RELOAD_MINOR, codes[0]),),
    )
    place_order(shop.uow(store.register), shop.cashier(store), draft)
    shop.orders += 1
