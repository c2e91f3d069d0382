"""Gift cards inside a sale: checking the card lines, selling or reloading them, paying by card.

A gift card line is not a product line: its amount is added to the order's subtotal and total
(the customer pays it) and kept apart in ``orders.gift_card_minor`` (never in sales: a liability
until spent). The cards are sold or reloaded, and card payments spent, by the gift cards system
(:mod:`posapp.services.customers.giftcards`; a card payment in
:func:`posapp.services.sales.checkout_rows.write_payments`) inside the checkout's own
transaction: a refused card undoes the whole sale, and nothing is half-written.
"""

from __future__ import annotations

import uuid
from typing import Final

from posapp.i18n import _
from posapp.services.customers import (
    card_key,
    check_card_amount,
    gift_card_limits,
    issue_card,
    reload_card,
)
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.checkout_rows import SaleContext
from posapp.services.sales.dto import GiftCardLine, PaymentKind, SaleDraft

__all__ = ["MAX_CARDS", "card_lines_minor", "check_card_lines", "sell_cards"]

MAX_CARDS: Final = 20
"""Most gift cards sold or reloaded on one sale."""


def check_card_lines(draft: SaleDraft) -> tuple[GiftCardLine, ...]:
    """Refuse malformed card lines before the database is touched (the limits are checked later).

    Raises:
        ValidationError: too many cards, a card reloaded twice, a card bought with a card.
        GiftCardRefused: a zero, negative or non-integer amount; a reload code that is no code.
    """
    cards = draft.gift_cards
    if len(cards) > MAX_CARDS:
        raise ValidationError(
            _("At most {max_cards} gift cards on one sale.").format(max_cards=MAX_CARDS)
        )
    keys = [card_key(card.reload_code) for card in cards if card.reload_code.strip()]
    if len(set(keys)) != len(keys):
        raise ValidationError(_("The same gift card is reloaded twice on this sale."))
    for card in cards:
        check_card_amount(card.amount_minor)  # type and sign now; the shop's limits later
    if cards and any(p.method is PaymentKind.GIFT_CARD for p in draft.payments):
        raise ValidationError(_("A gift card cannot be paid for with a gift card."))
    return tuple(
        GiftCardLine(
            card.amount_minor, card_key(card.reload_code) if card.reload_code.strip() else ""
        )
        for card in cards
    )


def card_lines_minor(draft: SaleDraft) -> int:
    """What the sale's gift card lines add to its total."""
    return sum(card.amount_minor for card in draft.gift_cards)


def sell_cards(uow: UnitOfWork, ctx: SaleContext, sale_uuid: uuid.UUID, draft: SaleDraft) -> None:
    """Sell (or reload) the draft's cards on the placed order, in the sale's transaction.

    Raises:
        GiftCardRefused: an amount outside the shop's limits, a reloaded card unknown, expired
            or too full.
    """
    if not draft.gift_cards:
        return
    limits = gift_card_limits(uow)
    for index, card in enumerate(draft.gift_cards):
        key = uuid.uuid5(sale_uuid, f"gift_card:{index}")
        if card.reload_code:
            reload_card(
                uow,
                code=card.reload_code,
                amount_minor=card.amount_minor,
                key=key,
                order_id=ctx.order_id,
                user_id=ctx.user_id,
                till_id=ctx.till_id,
                limits=limits,
            )
        else:
            issue_card(
                uow,
                amount_minor=card.amount_minor,
                key=key,
                order_id=ctx.order_id,
                store_id=ctx.store_id,
                user_id=ctx.user_id,
                till_id=ctx.till_id,
                limits=limits,
            )
