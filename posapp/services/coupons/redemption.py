"""Coupons at the till: quote a typed code against a basket, redeem it, give it back.

These three functions run *inside the checkout's unit of work* (they never open, commit or roll
it back), so the use of a code is counted in the same transaction as the sale:

* :func:`quote_coupon` only reads: one statement finds the code, its campaign and (for a campaign
  with a limit per customer) the customer's live uses; a scoped campaign reads which of the
  basket's products or categories it covers, a second code the other codes' campaigns. Then it
  applies every rule, or raises :class:`CouponRefused` whose ``reason`` says why and whose text
  is a sentence for the cashier.
* :func:`redeem_coupon` counts the use of a code quoted in the same transaction with *guarded*
  UPDATEs (``used_count + 1 WHERE used_count < limit``, plus the campaign's state and dates) on
  the code and on the campaign, checks the per-customer limit, and inserts the redemption row
  (unique per code and order). A refusal undoes what it had counted: nothing is left behind.
* :func:`release_redemptions` marks an order's live redemptions reversed (recorded, never deleted)
  and gives the uses back with guarded decrements.

Rules (see also the campaign's fields in :mod:`posapp.models.coupons`):

* Typed codes are matched case-insensitively, spaces and dashes ignored (:func:`code_key`).
* A campaign is valid while ``starts_at <= now < ends_at`` (UTC; the end is exclusive).
* The minimum spend is measured on the whole basket; the discount applies to the eligible lines:
  every line, the chosen products, or the chosen categories *and their subcategories*.
* A percentage is rounded half-to-even on the eligible amount; a fixed amount never exceeds it;
  ``max_discount_minor`` caps both. The discount is shared over the eligible lines in proportion
  to their amounts (:func:`posapp.money.allocate`), so no line gets more than it costs.
* One code per order, unless every campaign involved stacks; never two codes of one campaign.
  For a second (stacking) code, pass the lines' amounts *less* the discounts already applied.

The hot statements are prepared Core statements (:mod:`posapp.services.coupons.sql`): a sale with
a code costs one statement to quote it and three to redeem it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, NoReturn

from sqlalchemy import Connection, or_, select, update

from posapp.events import CampaignEnded, CouponRedeemed
from posapp.i18n import _
from posapp.models import CouponCampaign, CouponCode, CouponRedemption
from posapp.services.coupons import sql
from posapp.services.coupons.codes import code_key, is_possible_key
from posapp.services.coupons.discount import (
    REASONS,
    BasketLine,
    CouponRefused,
    CouponRule,
    refuse,
    rule_discount,
)
from posapp.services.coupons.dto import SCOPE_CATEGORIES, SCOPE_ORDER, SCOPE_PRODUCTS
from posapp.services.platform.errors import ConflictError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.platform.zone import shop_zone

__all__ = [
    "REASONS",
    "BasketLine",
    "CouponQuote",
    "CouponRefused",
    "CouponRule",
    "code_key",
    "quote_coupon",
    "redeem_coupon",
    "release_redemptions",
    "rule_discount",
    "unknown_code",
]

_SHOWN_CODE_MAX: Final = 32


@dataclass(frozen=True, slots=True)
class CouponQuote:
    """What a code takes off this basket; ``line_discounts`` sums exactly to the discount.

    Lines the discount does not touch are absent from ``line_discounts``.
    """

    code_id: int
    campaign_id: int
    code: str
    campaign_name: str
    discount_minor: int
    line_discounts: dict[int, int]
    stacks: bool
    basket: tuple[BasketLine, ...] = field(default=(), repr=False, compare=False)
    """The lines the code was quoted on: :func:`redeem_coupon` counts it on these only."""


def _local(uow: UnitOfWork, at: datetime) -> str:
    return at.astimezone(shop_zone(uow)).strftime("%d %b %Y %H:%M")


# -- finding a code --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Found:
    """A code's row and its campaign's (the columns of :mod:`posapp.services.coupons.sql`)."""

    code_id: int
    code: str
    key: str
    max_uses: int | None
    code_used: int
    code_active: bool
    campaign_id: int
    name: str
    kind: str
    value: int
    scope: str
    min_spend_minor: int
    max_discount_minor: int | None
    starts_at: datetime
    ends_at: datetime | None
    usage_limit: int | None
    per_customer_limit: int | None
    stacks: bool
    campaign_active: bool
    campaign_used: int
    customer_uses: int = 0
    """The customer's live uses of the campaign (counted only when it has a per-customer limit)."""

    @classmethod
    def of(cls, row: Sequence[Any]) -> _Found:
        return cls(*tuple(row))


def _unknown(code_text: str) -> CouponRefused:
    shown = " ".join(code_text.split())
    if shown and len(shown) <= _SHOWN_CODE_MAX and is_possible_key(code_key(shown)):
        return refuse(
            "unknown",
            _("There is no coupon with the code {shown}: check it and retry.").format(shown=shown),
        )
    return refuse("unknown", _("That is not a coupon code: check it and type it again."))


def unknown_code(code_text: str) -> CouponRefused:
    """The refusal of a code nobody has (it names the code when it could be one)."""
    return _unknown(code_text)


# -- the rules -------------------------------------------------------------------------------


def _check_validity(uow: UnitOfWork, found: _Found, now: datetime) -> None:
    """Enabled, started and not ended (the campaign's dates are said in the shop's time)."""
    code, name = found.code, found.name
    if not found.campaign_active:
        raise refuse(
            "disabled",
            _("Coupon {code} cannot be used: the campaign {name} is disabled.").format(
                code=code, name=name
            ),
        )
    if not found.code_active:
        raise refuse("disabled", _("Coupon {code} has been disabled.").format(code=code))
    if now < found.starts_at:
        when = _local(uow, found.starts_at)
        raise refuse(
            "not_yet_valid",
            _("Coupon {code} is not valid yet: it starts on {when}.").format(code=code, when=when),
        )
    if found.ends_at is not None and now >= found.ends_at:
        when = _local(uow, found.ends_at)
        raise refuse(
            "expired",
            _("Coupon {code} has expired: it ended on {when}.").format(code=code, when=when),
        )


def _customer_refusal(
    code: str, name: str, limit: int, customer_id: int | None, uses: int
) -> CouponRefused | None:
    if customer_id is None:
        return refuse(
            "needs_customer",
            _("Coupon {code} is for known customers: attach the customer's account first.").format(
                code=code
            ),
        )
    if uses >= limit:
        message = (
            _("This customer has already used {name}.")
            if limit == 1
            else _("This customer has already used {name} {limit} times, the limit per customer.")
        )
        return refuse(
            "already_used_by_customer",
            message.format(name=name, limit=limit),
        )
    return None


def _check_state(uow: UnitOfWork, found: _Found, customer_id: int | None, now: datetime) -> None:
    _check_validity(uow, found, now)
    code, name = found.code, found.name
    if found.max_uses is not None and found.code_used >= found.max_uses:
        message = (
            _("Coupon {code} has already been used.")
            if found.max_uses == 1
            else _("Coupon {code} has already been used {limit} times, its limit.")
        )
        raise refuse(
            "used_up",
            message.format(code=code, limit=found.max_uses),
        )
    if found.usage_limit is not None and found.campaign_used >= found.usage_limit:
        raise refuse(
            "used_up",
            _("Coupon {code} is used up: all {usage_limit} uses of {name} are taken.").format(
                code=code, usage_limit=found.usage_limit, name=name
            ),
        )
    if found.per_customer_limit is not None:
        refusal = _customer_refusal(
            code, name, found.per_customer_limit, customer_id, found.customer_uses
        )
        if refusal is not None:
            raise refusal


def _check_stacking(uow: UnitOfWork, found: _Found, other_keys: Iterable[str]) -> None:
    others = sorted({key for key in other_keys if is_possible_key(key)})
    if not others:
        return
    if found.key in others:
        raise refuse(
            "does_not_stack", _("Coupon {code} is already on this sale.").format(code=found.code)
        )
    rows = sql.other_codes(len(others)).all(
        uow.session.connection(), {f"k{n}": key for n, key in enumerate(others)}
    )
    for other_code, campaign_id, stacks in rows:
        if campaign_id == found.campaign_id:
            raise refuse(
                "does_not_stack",
                _("Only one code of {found_name} can be used on a sale.").format(
                    found_name=found.name
                ),
            )
        if not (stacks and found.stacks):
            raise refuse(
                "does_not_stack",
                _(
                    "Coupon {code} cannot be combined with {other_code}: one coupon per sale."
                ).format(code=found.code, other_code=other_code),
            )


def _eligible(uow: UnitOfWork, found: _Found, lines: Sequence[BasketLine]) -> list[BasketLine]:
    if found.scope == SCOPE_ORDER:
        return list(lines)
    if found.scope == SCOPE_PRODUCTS:
        wanted = sorted({line.product_id for line in lines})
        if not wanted:
            return []
        params: dict[str, int] = {f"p{n}": product_id for n, product_id in enumerate(wanted)}
        params["campaign_id"] = found.campaign_id
        rows = sql.covered_products(len(wanted)).all(uow.session.connection(), params)
        covered = {row[0] for row in rows}
        return [line for line in lines if line.product_id in covered]
    if found.scope == SCOPE_CATEGORIES:
        cats = sorted({line.category_id for line in lines if line.category_id is not None})
        if not cats:
            return []
        params = {f"c{n}": category_id for n, category_id in enumerate(cats)}
        params["campaign_id"] = found.campaign_id
        rows = sql.covered_categories(len(cats)).all(uow.session.connection(), params)
        covered = {row[0] for row in rows}
        return [line for line in lines if line.category_id in covered]
    return []  # pragma: no cover - the CHECK constraint allows no other scope


def _evaluate(
    uow: UnitOfWork,
    found: _Found,
    lines: Sequence[BasketLine],
    customer_id: int | None,
    other_keys: Iterable[str],
    now: datetime,
) -> CouponQuote:
    if len({line.line_no for line in lines}) != len(lines):
        raise ValueError("basket lines must have distinct line numbers")
    _check_state(uow, found, customer_id, now)
    _check_stacking(uow, found, other_keys)
    eligible = _eligible(uow, found, lines)
    off, line_discounts = rule_discount(found, lines, eligible)
    return CouponQuote(
        code_id=found.code_id,
        campaign_id=found.campaign_id,
        code=found.code,
        campaign_name=found.name,
        discount_minor=off,
        line_discounts=line_discounts,
        stacks=found.stacks,
        basket=tuple(lines),
    )


def quote_coupon(
    uow: UnitOfWork,
    code_text: str,
    lines: Sequence[BasketLine],
    *,
    customer_account_id: int | None,
    other_codes: Sequence[str] = (),
    now: datetime | None = None,
) -> CouponQuote:
    """Work out what ``code_text`` takes off this basket, inside the caller's unit of work.

    Read-only: nothing is counted until :func:`redeem_coupon`. A code on a whole-order campaign
    costs one statement (the code, its campaign and the customer's uses in one row); a scoped
    campaign one more; a second code on the sale one more for the stacking rule.

    Args:
        uow: The running unit of work of the caller (not opened or committed here).
        code_text: The code as typed or scanned.
        lines: The sale's lines.
        customer_account_id: The customer attached to the sale, if any.
        other_codes: Codes already applied to this sale (for the stacking rule).
        now: The time to judge validity at (default: the unit of work's clock).

    Raises:
        CouponRefused: the code cannot be used; ``reason`` and the message say why.
    """
    key = code_key(code_text)
    if not is_possible_key(key):
        raise _unknown(code_text)
    conn = uow.session.connection()
    if customer_account_id is None:
        row = sql.FIND_BY_KEY.one(conn, {"key": key})
    else:
        row = sql.FIND_FOR_CUSTOMER.one(conn, {"key": key, "customer_id": customer_account_id})
    if row is None:
        raise _unknown(code_text)
    return _evaluate(
        uow,
        _Found.of(row),
        lines,
        customer_account_id,
        [code_key(other) for other in other_codes],
        now or uow.now(),
    )


# -- counting a use --------------------------------------------------------------------------


def _refused_use(
    uow: UnitOfWork, conn: Connection, quote: CouponQuote, now: datetime, *, code_taken: bool
) -> NoReturn:
    """Say why a guarded UPDATE took no use (the rare path: one more read to find the reason)."""
    row = sql.FIND_BY_ID.one(conn, {"code_id": quote.code_id})
    if row is None:
        raise refuse("unknown", _("Coupon {code} no longer exists.").format(code=quote.code))
    found = _Found.of(row)
    _check_validity(uow, found, now)  # disabled, or ended, since the quote
    if not code_taken:
        raise refuse(
            "used_up",
            _("Coupon {code} has just been used up at another till.").format(code=found.code),
        )
    raise refuse(
        "used_up",
        _("Coupon {code} is used up: {found_name} has no uses left.").format(
            code=found.code, found_name=found.name
        ),
    )


def _give_back(conn: Connection, quote: CouponQuote, *, campaign: bool) -> None:
    """Undo the uses this call took before refusing (guarded decrements, as on a cancel)."""
    sql.GIVE_BACK_CODE.run(conn, {"code_id": quote.code_id})
    if campaign:
        sql.GIVE_BACK_CAMPAIGN.run(conn, {"campaign_id": quote.campaign_id})


def _end_campaign(uow: UnitOfWork, campaign_id: int, reason: str, now: datetime) -> None:
    ended = sql.END_CAMPAIGN.one(uow.session.connection(), {"campaign_id": campaign_id, "now": now})
    if ended is not None:
        uow.record(CampaignEnded(campaign_id=campaign_id, reason=reason, at=now))


def redeem_coupon(
    uow: UnitOfWork,
    quote: CouponQuote,
    *,
    order_id: int,
    customer_account_id: int | None,
    cashier_id: int,
    lines: Sequence[BasketLine],
) -> int:
    """Count a quoted code's use on ``order_id`` inside the checkout's unit of work.

    ``quote`` comes from :func:`quote_coupon` on these ``lines`` (and, for a second code, with
    the sale's other codes) in this transaction, a moment ago: its rules (kind, value, scope,
    minimum spend, stacking) are not read again, and the sale keeps the discount it was quoted,
    as if it had been placed just before an edit of the campaign. What another till or a
    manager can change meanwhile, and what the limits depend on, is checked where it is
    written, by guarded statements that re-check the latest row under its lock:

    1. the code's guarded UPDATE takes one use if the code is enabled and has a use left;
    2. the campaign's guarded UPDATE takes one use if it is enabled, runs now and has a use
       left, and returns its limit per customer; its row lock serialises every redemption of
       the campaign until commit (SQLite serialises every writer anyway), so
    3. the customer's live uses, counted next (campaigns with a per-customer limit only) in a
       new statement, see every use committed before: no advisory lock is needed;
    4. the redemption row is inserted (unique per code and order: the same code twice on one
       order takes nothing).

    No SAVEPOINT: it would cost two more round trips on every sale (and a subtransaction on
    PostgreSQL) to protect a rare path. The checkout rolls its whole transaction back when a
    code is refused, and a caller that goes on is still left with nothing: a refusal happens
    either before any write (step 1) or after undoing the uses this call took, with the same
    guarded decrements as a cancel (steps 2-4). Records :class:`CouponRedeemed` (and
    :class:`CampaignEnded` when this use exhausts the campaign), published after commit.

    Returns:
        The redemption's id.

    Raises:
        CouponRefused: the code can no longer be used (``used_up`` when another till took the
            last use first, ``disabled``/``expired`` when it changed since the quote).
        ConflictError: ``lines`` are not the lines the code was quoted on (quote it again).
    """
    if tuple(lines) != quote.basket:
        raise ConflictError(
            _("The sale changed after coupon {code} was applied: apply it again.").format(
                code=quote.code
            )
        )
    now = uow.now()
    conn = uow.session.connection()
    code_row = sql.TAKE_CODE.one(conn, {"code_id": quote.code_id})
    if code_row is None:
        _refused_use(uow, conn, quote, now, code_taken=False)
    campaign_row = sql.TAKE_CAMPAIGN.one(conn, {"campaign_id": quote.campaign_id, "now": now})
    if campaign_row is None:
        _give_back(conn, quote, campaign=False)
        _refused_use(uow, conn, quote, now, code_taken=True)
    used, limit, per_customer = campaign_row
    if per_customer is not None:
        uses = 0
        if customer_account_id is not None:
            counted = sql.CUSTOMER_USES.one(
                conn, {"campaign_id": quote.campaign_id, "customer_id": customer_account_id}
            )
            uses = int(counted[0]) if counted else 0
        refusal = _customer_refusal(
            quote.code, quote.campaign_name, per_customer, customer_account_id, uses
        )
        if refusal is not None:
            _give_back(conn, quote, campaign=True)
            raise refusal
    inserted = sql.insert_redemption(conn.dialect.name).one(
        conn,
        {
            "code_id": quote.code_id,
            "campaign_id": quote.campaign_id,
            "order_id": order_id,
            "customer_account_id": customer_account_id,
            "cashier_id": cashier_id,
            "discount_minor": quote.discount_minor,
            "redeemed_at": now,
            "reversed_at": None,
            "reversed_by_id": None,
        },
    )
    if inserted is None:
        _give_back(conn, quote, campaign=True)
        raise refuse(
            "does_not_stack",
            _("Coupon {code} was already used on this sale.").format(code=quote.code),
        )
    uow.record(
        CouponRedeemed(
            code_id=quote.code_id,
            campaign_id=quote.campaign_id,
            order_id=order_id,
            discount_minor=quote.discount_minor,
            at=now,
        )
    )
    code_used, max_uses = code_row
    code_spent = max_uses is not None and code_used >= max_uses
    if (limit is not None and used >= limit) or (
        code_spent and sql.CODES_LEFT.one(conn, {"campaign_id": quote.campaign_id}) is None
    ):
        _end_campaign(uow, quote.campaign_id, "used_up", now)
    return int(inserted[0])


def release_redemptions(uow: UnitOfWork, *, order_id: int, user_id: int) -> int:
    """Give back the uses of an order's live redemptions (cancel or refund), in the caller's UoW.

    Each redemption is marked reversed (``reversed_at``/``reversed_by_id``), never deleted; the
    code's and the campaign's counts go down by one (guarded, never below zero). A campaign that
    had ended because it was used up runs again, unless it has passed its end.

    Returns:
        How many redemptions were released (0 if the order had none).
    """
    now = uow.now()
    session = uow.session
    redemptions = session.scalars(
        select(CouponRedemption)
        .where(CouponRedemption.order_id == order_id, CouponRedemption.reversed_at.is_(None))
        .order_by(CouponRedemption.code_id)
        .with_for_update()
    ).all()
    for redemption in redemptions:
        redemption.reversed_at = now
        redemption.reversed_by_id = user_id
        session.execute(
            update(CouponCode)
            .where(CouponCode.id == redemption.code_id, CouponCode.used_count > 0)
            .values(used_count=CouponCode.used_count - 1)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(CouponCampaign)
            .where(CouponCampaign.id == redemption.campaign_id, CouponCampaign.used_count > 0)
            .values(used_count=CouponCampaign.used_count - 1)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(CouponCampaign)
            .where(
                CouponCampaign.id == redemption.campaign_id,
                CouponCampaign.ended_at.is_not(None),
                or_(CouponCampaign.ends_at.is_(None), CouponCampaign.ends_at > now),
            )
            .values(ended_at=None)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return len(redemptions)
