"""Gift card movements inside the caller's unit of work: sell, reload, spend, refund.

These run *inside the checkout's or the return's transaction* (they never open, commit or roll
back the unit of work), so a card is sold, reloaded, spent or refunded in the same transaction
as the sale or return that does it, or not at all.

Money: the shop's one gift-card liability account (``LedgerAccountKind.GIFT_CARDS``, created on
first use) holds what every card is owed. Selling or reloading a card posts +amount to it and
-amount to the sales clearing account (the payment for the card is money the shop holds for the
bearer, never revenue); spending posts the reverse, and a refund to a card posts like a sale.
Each card's own balance is one guarded UPDATE (``balance_minor >= amount`` and not expired), so
sixteen registers spending one card at once can never take more than it holds; the liability
account's balance always equals the sum of the cards' balances (the reliability invariant).

Codes never reach the audit log whole (they are bearer money): an audit row names the card's
id and its code masked like a coupon code's.
"""

from __future__ import annotations

import uuid
from calendar import monthrange
from datetime import datetime, time, timedelta
from typing import Final

from sqlalchemy import insert, select, update

from posapp import formats
from posapp.i18n import _
from posapp.models import GiftCard, GiftCardMovement, GiftCardMovementKind, LedgerAccountKind
from posapp.money import MAX_MINOR, format_money
from posapp.services.accounts import Leg, post, shop_ledger_account
from posapp.services.coupons import mask_code
from posapp.services.customers.giftcards.codes import card_key, new_card_code
from posapp.services.customers.giftcards.dto import GiftCardLimits, GiftCardRefused, IssuedCard
from posapp.services.platform import registry
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.uow import UnitOfWork
from posapp.services.platform.zone import shop_zone

__all__ = [
    "check_card_amount",
    "gift_card_limits",
    "issue_card",
    "redeem_card",
    "refund_to_card",
    "reload_card",
]

K = GiftCardMovementKind
_CODE_TRIES: Final = 5


def gift_card_limits(uow: UnitOfWork) -> GiftCardLimits:
    """The shop's settings for selling cards (read inside the caller's unit of work)."""
    return GiftCardLimits(
        registry.read(uow, registry.GIFT_CARD_MIN),
        registry.read(uow, registry.GIFT_CARD_MAX),
        registry.read(uow, registry.GIFT_CARD_EXPIRY_MONTHS),
    )


def check_card_amount(
    amount_minor: int, limits: GiftCardLimits | None = None, *, what: str = "card"
) -> int:
    """Refuse a gift card amount that is not a positive whole number (within ``limits``).

    Raises:
        GiftCardRefused: ``amount``: not an int, zero or negative; ``limit``: outside the limits.
    """
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise GiftCardRefused("amount", _("A gift card amount is a whole number of cents."))
    if amount_minor <= 0:
        raise GiftCardRefused("amount", _("A gift card amount must be above zero."))
    if amount_minor > MAX_MINOR:
        raise GiftCardRefused("amount", _("That gift card amount is far too large."))
    if limits is not None and not limits.min_minor <= amount_minor <= limits.max_minor:
        raise GiftCardRefused(
            "limit",
            _("A gift {what} is between {min_minor} and {max_minor} (the shop's settings).").format(
                what=what,
                min_minor=format_money(limits.min_minor),
                max_minor=format_money(limits.max_minor),
            ),
        )
    return amount_minor


def _expiry(uow: UnitOfWork, now: datetime, months: int) -> datetime | None:
    """The end of the day ``months`` after today (shop's time), or None when cards never expire."""
    if months <= 0:
        return None
    zone = shop_zone(uow)
    today = now.astimezone(zone).date()
    year, month = divmod(today.month - 1 + months, 12)
    year += today.year
    day = min(today.day, monthrange(year, month + 1)[1])
    last = today.replace(year=year, month=month + 1, day=day)
    return datetime.combine(last + timedelta(days=1), time(), zone)


def _post(
    uow: UnitOfWork,
    *,
    key: uuid.UUID,
    amount: int,
    kind: str,
    user_id: int,
    order_id: int,
    till_id: int | None,
    memo: str,
) -> int:
    """Post ``amount`` (+ owed to cards, - spent) against the sales clearing account."""
    liability = shop_ledger_account(uow, LedgerAccountKind.GIFT_CARDS)
    clearing = shop_ledger_account(uow, LedgerAccountKind.SALES_CLEARING)
    posted = post(
        uow,
        key=key,
        kind=kind,
        legs=(Leg(liability, amount), Leg(clearing, -amount)),
        user_id=user_id,
        memo=memo,
        order_id=order_id,
        till_session_id=till_id,
    )
    return posted.transaction_id


def _movement(
    uow: UnitOfWork,
    card_id: int,
    kind: K,
    amount: int,
    balance: int,
    *,
    order_id: int,
    payment_id: int | None,
    ledger_id: int,
    till_id: int | None,
    user_id: int,
) -> None:
    uow.session.execute(
        insert(GiftCardMovement).values(
            card_id=card_id,
            kind=kind.value,
            amount_minor=amount,
            balance_after_minor=balance,
            order_id=order_id,
            payment_id=payment_id,
            ledger_transaction_id=ledger_id,
            till_session_id=till_id,
            user_id=user_id,
            created_at=uow.now(),
        )
    )


def _audit(
    uow: UnitOfWork,
    action: str,
    user_id: int,
    card_id: int,
    code: str,
    amount: int,
    balance: int,
    order_id: int,
) -> None:
    uow.audit(
        AuditRecord(
            action,
            user_id,
            "gift_card",
            card_id,
            after={
                "code": mask_code(code),
                "amount_minor": amount,
                "balance_minor": balance,
                "order_id": order_id,
            },
        )
    )


_LOAD_WORDS: Final = {
    K.ISSUE: ("gift_card_sale", "sold", "gift_card.sold"),
    K.RELOAD: ("gift_card_reload", "reloaded", "gift_card.reloaded"),
}
"""A load's ledger kind, the word of its memo and its audit action, by movement kind."""


def _record_load(
    uow: UnitOfWork,
    kind: K,
    card_id: int,
    code: str,
    amount: int,
    balance: int,
    key: uuid.UUID,
    order_id: int,
    user_id: int,
    till_id: int | None,
) -> None:
    """Book money put on a card (sold or reloaded): the ledger, the card's movement, the audit."""
    ledger_kind, word, action = _LOAD_WORDS[kind]
    ledger_id = _post(
        uow,
        key=key,
        amount=amount,
        kind=ledger_kind,
        user_id=user_id,
        order_id=order_id,
        till_id=till_id,
        memo=f"Gift card {mask_code(code)} {word}",
    )
    _movement(
        uow,
        card_id,
        kind,
        amount,
        balance,
        order_id=order_id,
        payment_id=None,
        ledger_id=ledger_id,
        till_id=till_id,
        user_id=user_id,
    )
    _audit(uow, action, user_id, card_id, code, amount, balance, order_id)


def issue_card(
    uow: UnitOfWork,
    *,
    amount_minor: int,
    key: uuid.UUID,
    order_id: int,
    store_id: int,
    user_id: int,
    till_id: int | None,
    limits: GiftCardLimits,
) -> IssuedCard:
    """Sell a new card holding ``amount_minor`` on order ``order_id``.

    Raises:
        GiftCardRefused: the amount is outside the shop's limits.
    """
    amount = check_card_amount(amount_minor, limits)
    now = uow.now()
    expires = _expiry(uow, now, limits.expiry_months)
    for _unused in range(_CODE_TRIES):
        code, code_key = new_card_code()
        taken = uow.session.scalar(select(GiftCard.id).where(GiftCard.code_key == code_key))
        if taken is None:
            break
    else:  # pragma: no cover - 79 bits: five collisions in a row do not happen
        raise RuntimeError("could not find a free gift card code")
    card = GiftCard(
        code=code,
        code_key=code_key,
        store_id=store_id,
        order_id=order_id,
        balance_minor=amount,
        loaded_minor=amount,
        expires_at=expires,
        created_at=now,
    )
    uow.session.add(card)
    uow.flush()
    _record_load(uow, K.ISSUE, card.id, code, amount, amount, key, order_id, user_id, till_id)
    return IssuedCard(code, amount, amount, expires, reload=False)


def _find(uow: UnitOfWork, code_text: str, *, lock: bool = False) -> GiftCard:
    key = card_key(code_text)
    query = select(GiftCard).where(GiftCard.code_key == key)
    if lock:
        query = query.with_for_update()
    card = uow.session.scalar(query.execution_options(populate_existing=True))
    if card is None:
        raise GiftCardRefused(
            "unknown", _("There is no gift card with this code (sold by another shop?): check it.")
        )
    return card


def _refuse_expired(uow: UnitOfWork, card: GiftCard) -> None:
    if card.expires_at is not None and card.expires_at <= uow.now():
        day = (card.expires_at.astimezone(shop_zone(uow)) - timedelta(days=1)).date()
        raise GiftCardRefused(
            "expired", _("This gift card expired after {day}.").format(day=formats.date_text(day))
        )


def reload_card(
    uow: UnitOfWork,
    *,
    code: str,
    amount_minor: int,
    key: uuid.UUID,
    order_id: int,
    user_id: int,
    till_id: int | None,
    limits: GiftCardLimits,
) -> IssuedCard:
    """Put ``amount_minor`` more on an existing, unexpired card (at most the largest card).

    Raises:
        GiftCardRefused: unknown or expired card, amount outside the limits or the card full.
    """
    amount = check_card_amount(amount_minor, limits, what="card reload")
    card = _find(uow, code, lock=True)
    _refuse_expired(uow, card)
    if card.balance_minor + amount > limits.max_minor:
        raise GiftCardRefused(
            "limit",
            _("A card holds at most {max_minor}; this one holds {balance_minor} already.").format(
                max_minor=format_money(limits.max_minor),
                balance_minor=format_money(card.balance_minor),
            ),
        )
    balance = _change(uow, card.id, amount)
    uow.session.execute(
        update(GiftCard)
        .where(GiftCard.id == card.id)
        .values(loaded_minor=GiftCard.loaded_minor + amount)
        .execution_options(synchronize_session=False)
    )
    _record_load(
        uow, K.RELOAD, card.id, card.code, amount, balance, key, order_id, user_id, till_id
    )
    return IssuedCard(card.code, amount, balance, card.expires_at, reload=True)


def _change(uow: UnitOfWork, card_id: int, amount: int) -> int:
    """Add ``amount`` to a card's balance (guarded when negative); the new balance or -1."""
    stmt = update(GiftCard).where(GiftCard.id == card_id)
    if amount < 0:
        stmt = stmt.where(GiftCard.balance_minor >= -amount)
    balance = uow.session.execute(
        stmt.values(balance_minor=GiftCard.balance_minor + amount)
        .returning(GiftCard.balance_minor)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    return -1 if balance is None else int(balance)


def redeem_card(
    uow: UnitOfWork,
    *,
    code: str,
    amount_minor: int,
    key: uuid.UUID,
    order_id: int,
    payment_id: int,
    user_id: int,
    till_id: int | None,
) -> int:
    """Spend ``amount_minor`` of a card for payment ``payment_id``; return the balance left.

    The balance is taken by one guarded UPDATE, never read-check-write.

    Raises:
        GiftCardRefused: not a code, unknown, expired, zero or negative amount, or the card
            holds less than the amount (the message says how much it holds).
    """
    check_card_amount(amount_minor)
    card = _find(uow, code)
    _refuse_expired(uow, card)
    balance = _change(uow, card.id, -amount_minor)
    if balance < 0:
        held = uow.session.scalar(select(GiftCard.balance_minor).where(GiftCard.id == card.id))
        raise GiftCardRefused(
            "insufficient",
            _(
                "The gift card holds {value}, less than {amount_minor}: take the rest another way."
            ).format(value=format_money(int(held or 0)), amount_minor=format_money(amount_minor)),
        )
    ledger_id = _post(
        uow,
        key=key,
        amount=-amount_minor,
        kind="gift_card_redeem",
        user_id=user_id,
        order_id=order_id,
        till_id=till_id,
        memo=f"Gift card {mask_code(card.code)} spent",
    )
    _movement(
        uow,
        card.id,
        K.REDEEM,
        -amount_minor,
        balance,
        order_id=order_id,
        payment_id=payment_id,
        ledger_id=ledger_id,
        till_id=till_id,
        user_id=user_id,
    )
    _audit(uow, "gift_card.redeemed", user_id, card.id, card.code, -amount_minor, balance, order_id)
    return balance


def refund_to_card(
    uow: UnitOfWork,
    *,
    source_payment_id: int,
    refund_payment_id: int,
    amount_minor: int,
    key: uuid.UUID,
    order_id: int,
    user_id: int,
    till_id: int | None,
) -> int:
    """Give ``amount_minor`` back to the card that made payment ``source_payment_id``.

    A refund goes back to the card even after it expired: the money is the bearer's either way,
    and the card is where it came from. Returns the card's new balance.

    Raises:
        GiftCardRefused: ``amount``: not above zero; ``unknown``: the payment spent no card.
    """
    if amount_minor <= 0:
        raise GiftCardRefused("amount", _("A refund to a gift card must be above zero."))
    card_id = uow.session.scalar(
        select(GiftCardMovement.card_id).where(
            GiftCardMovement.payment_id == source_payment_id,
            GiftCardMovement.kind == K.REDEEM.value,
        )
    )
    if card_id is None:
        raise GiftCardRefused("unknown", _("That payment was not made with a gift card."))
    balance = _change(uow, int(card_id), amount_minor)
    code = uow.session.scalar(select(GiftCard.code).where(GiftCard.id == card_id)) or ""
    ledger_id = _post(
        uow,
        key=key,
        amount=amount_minor,
        kind="gift_card_refund",
        user_id=user_id,
        order_id=order_id,
        till_id=till_id,
        memo=f"Refund to gift card {mask_code(code)}",
    )
    _movement(
        uow,
        int(card_id),
        K.REFUND,
        amount_minor,
        balance,
        order_id=order_id,
        payment_id=refund_payment_id,
        ledger_id=ledger_id,
        till_id=till_id,
        user_id=user_id,
    )
    _audit(uow, "gift_card.refunded", user_id, int(card_id), code, amount_minor, balance, order_id)
    return balance
