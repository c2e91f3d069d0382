"""Reads of gift cards: a balance enquiry, the limits, the cards of an order, report figures."""

from __future__ import annotations

from sqlalchemy import ColumnElement, case, func, select

from posapp.i18n import _
from posapp.models import GiftCard, GiftCardMovement, GiftCardMovementKind
from posapp.services.coupons import mask_code
from posapp.services.customers.giftcards.cards import gift_card_limits
from posapp.services.customers.giftcards.codes import card_key
from posapp.services.customers.giftcards.dto import (
    CardFigures,
    GiftCardDTO,
    GiftCardLimits,
    GiftCardRefused,
    IssuedCard,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import ACTIONS, Permission, authorize, permissions_of

__all__ = ["card_balance", "card_figures", "card_limits", "order_cards"]

K = GiftCardMovementKind
ACTIONS["customers.giftcards.queries.card_balance"] = Permission.SELL
ACTIONS["customers.giftcards.queries.card_limits"] = Permission.SELL


def card_balance(uow: UnitOfWork, actor: UserDTO | None, code: str) -> GiftCardDTO:
    """A card's balance and expiry, for the register's enquiry key and ``posapp giftcard``.

    ``actor`` None is the trusted local command line. Staff without ``MANAGE_COUPONS`` get the
    code masked like a coupon code (they typed it; the answer need not spell it out again).

    Raises:
        GiftCardRefused: not a card code (look-alike, invisible or foreign characters), or no
            card has it.
    """
    key = card_key(code)
    with uow:
        whole = True
        if actor is not None:
            user = authorize(uow, actor, Permission.SELL)
            whole = Permission.MANAGE_COUPONS in permissions_of(user.role)
        card = uow.session.scalar(select(GiftCard).where(GiftCard.code_key == key))
        if card is None:
            raise GiftCardRefused(
                "unknown", _("There is no gift card with this code (sold by another shop?).")
            )
        expired = card.expires_at is not None and card.expires_at <= uow.now()
        return GiftCardDTO(
            card.code if whole else mask_code(card.code),
            card.balance_minor,
            card.loaded_minor,
            card.expires_at,
            expired,
            card.created_at,
        )


def card_limits(uow: UnitOfWork, actor: UserDTO) -> GiftCardLimits:
    """The shop's gift card limits and expiry (settings), for the register."""
    with uow:
        authorize(uow, actor, Permission.SELL)
        return gift_card_limits(uow)


def order_cards(uow: UnitOfWork, order_id: int) -> tuple[IssuedCard, ...]:
    """The cards sold or reloaded on an order, whole codes (the receipt), inside a unit of work."""
    rows = uow.session.execute(
        select(
            GiftCard.code,
            GiftCardMovement.amount_minor,
            GiftCardMovement.balance_after_minor,
            GiftCard.expires_at,
            GiftCardMovement.kind,
        )
        .join(GiftCard, GiftCard.id == GiftCardMovement.card_id)
        .where(
            GiftCardMovement.order_id == order_id,
            GiftCardMovement.kind.in_((K.ISSUE.value, K.RELOAD.value)),
        )
        .order_by(GiftCardMovement.id)
    ).all()
    return tuple(
        IssuedCard(code, int(amount), int(balance), expires, kind == K.RELOAD.value)
        for code, amount, balance, expires, kind in rows
    )


def card_figures(uow: UnitOfWork, *where: ColumnElement[bool]) -> CardFigures:
    """Cards sold (and reloaded), spent and refunded to, over movements matching ``where``."""
    m = GiftCardMovement
    sold = m.kind.in_((K.ISSUE.value, K.RELOAD.value))
    row = uow.session.execute(
        select(
            func.count(m.id).filter(sold),
            func.coalesce(func.sum(case((sold, m.amount_minor), else_=0)), 0),
            func.coalesce(func.sum(case((m.kind == K.REDEEM.value, -m.amount_minor), else_=0)), 0),
            func.coalesce(func.sum(case((m.kind == K.REFUND.value, m.amount_minor), else_=0)), 0),
        ).where(*where)
    ).one()
    return CardFigures(int(row[0]), int(row[1]), int(row[2]), int(row[3]))
