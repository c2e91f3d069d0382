"""Coupons at the till: quote a typed code against a basket, redeem it, give it back.

These three functions run *inside the checkout's unit of work* (they never open, commit or roll
it back), so the use of a code is counted in the same transaction as the sale:

* :func:`quote_coupon` only reads: it finds the code and applies every rule, or raises
  :class:`CouponRefused` whose ``reason`` says why and whose text is a sentence for the cashier.
* :func:`redeem_coupon` re-validates, then counts the use with *guarded* UPDATEs
  (``used_count + 1 WHERE used_count < limit``) on the code and on the campaign, checks the
  per-customer limit under a lock, and inserts the redemption row (unique per code and order).
  All of that happens in a SAVEPOINT: a refusal leaves nothing behind, even if the caller goes on.
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
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, func, or_, select, text, update

from posapp.events import CampaignEnded, CouponRedeemed
from posapp.models import Category, CouponCampaign, CouponCode, CouponRedemption
from posapp.models.coupons import campaign_categories, campaign_products
from posapp.money import allocate, apply_rate_bp, format_money
from posapp.services.coupon_codes import code_key, is_possible_key
from posapp.services.coupon_dto import FIXED, SCOPE_CATEGORIES, SCOPE_ORDER, SCOPE_PRODUCTS
from posapp.services.errors import ConflictError, ServiceError
from posapp.services.settings import get_setting
from posapp.services.uow import UnitOfWork

__all__ = [
    "REASONS",
    "BasketLine",
    "CouponQuote",
    "CouponRefused",
    "code_key",
    "machine_zone",
    "quote_coupon",
    "redeem_coupon",
    "release_redemptions",
    "shop_zone",
]

REASONS: Final = frozenset(
    {
        "unknown",
        "not_yet_valid",
        "expired",
        "disabled",
        "used_up",
        "already_used_by_customer",
        "needs_customer",
        "minimum_not_reached",
        "nothing_applies",
        "does_not_stack",
    }
)
SHOP_TIMEZONE_KEY: Final = "shop_timezone"
"""Setting holding the shop's IANA time zone (``Europe/London``); the machine's zone otherwise."""

_SHOWN_CODE_MAX: Final = 32
_CUSTOMER_LOCK_SALT: Final = b"posapp.coupon.customer"


class CouponRefused(ServiceError):  # noqa: N818 - the name is the checkout's contract
    """A code cannot be used on this sale; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, message: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class BasketLine:
    """A line of the sale as the coupon rules see it."""

    line_no: int
    product_id: int
    category_id: int | None
    quantity: int
    amount_minor: int
    """What the line charges after its own line discount (price basis as sold)."""


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


# -- time zones ------------------------------------------------------------------------------


def machine_zone() -> tzinfo:
    """The machine's time zone with its daylight-saving rules (``TZ``, then /etc/localtime)."""
    name = os.environ.get("TZ", "").removeprefix(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        with Path("/etc/localtime").open("rb") as handle:
            return ZoneInfo.from_file(handle, key="localtime")
    except (OSError, ValueError):
        zone = datetime.now().astimezone().tzinfo
        assert zone is not None
        return zone


def shop_zone(uow: UnitOfWork) -> tzinfo:
    """The shop's time zone (setting ``shop_timezone``), else the machine's."""
    name = get_setting(uow, SHOP_TIMEZONE_KEY)
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return machine_zone()


def _local(uow: UnitOfWork, at: datetime) -> str:
    return at.astimezone(shop_zone(uow)).strftime("%d %b %Y %H:%M")


# -- finding a code --------------------------------------------------------------------------

_COLUMNS = (
    CouponCode.id,
    CouponCode.code,
    CouponCode.code_key,
    CouponCode.max_uses,
    CouponCode.used_count,
    CouponCode.active,
    CouponCampaign.id,
    CouponCampaign.name,
    CouponCampaign.kind,
    CouponCampaign.value,
    CouponCampaign.scope,
    CouponCampaign.min_spend_minor,
    CouponCampaign.max_discount_minor,
    CouponCampaign.starts_at,
    CouponCampaign.ends_at,
    CouponCampaign.usage_limit,
    CouponCampaign.per_customer_limit,
    CouponCampaign.stacks,
    CouponCampaign.active,
    CouponCampaign.used_count,
)
_BY_KEY = (
    select(*_COLUMNS)
    .join(CouponCampaign, CouponCampaign.id == CouponCode.campaign_id)
    .where(CouponCode.code_key == bindparam("key"))
)
_BY_ID = (
    select(*_COLUMNS)
    .join(CouponCampaign, CouponCampaign.id == CouponCode.campaign_id)
    .where(CouponCode.id == bindparam("code_id"))
)


@dataclass(frozen=True, slots=True)
class _Found:
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

    @classmethod
    def of(cls, row: Sequence[Any]) -> _Found:
        return cls(*tuple(row))


def _refuse(reason: str, message: str) -> CouponRefused:
    return CouponRefused(reason, message)


def _unknown(code_text: str) -> CouponRefused:
    shown = " ".join(code_text.split())
    if shown and len(shown) <= _SHOWN_CODE_MAX and is_possible_key(code_key(shown)):
        return _refuse("unknown", f"There is no coupon with the code {shown}: check it and retry.")
    return _refuse("unknown", "That is not a coupon code: check it and type it again.")


def _customer_uses(uow: UnitOfWork, campaign_id: int, customer_id: int) -> int:
    query = select(func.count()).where(
        CouponRedemption.campaign_id == campaign_id,
        CouponRedemption.customer_account_id == customer_id,
        CouponRedemption.reversed_at.is_(None),
    )
    return int(uow.session.scalar(query) or 0)


# -- the rules -------------------------------------------------------------------------------


def _check_state(uow: UnitOfWork, found: _Found, customer_id: int | None, now: datetime) -> None:
    code, name = found.code, found.name
    if not found.campaign_active:
        raise _refuse("disabled", f"Coupon {code} cannot be used: the campaign {name} is disabled.")
    if not found.code_active:
        raise _refuse("disabled", f"Coupon {code} has been disabled.")
    if now < found.starts_at:
        when = _local(uow, found.starts_at)
        raise _refuse("not_yet_valid", f"Coupon {code} is not valid yet: it starts on {when}.")
    if found.ends_at is not None and now >= found.ends_at:
        when = _local(uow, found.ends_at)
        raise _refuse("expired", f"Coupon {code} has expired: it ended on {when}.")
    if found.max_uses is not None and found.code_used >= found.max_uses:
        times = "" if found.max_uses == 1 else f" {found.max_uses} times, its limit"
        raise _refuse("used_up", f"Coupon {code} has already been used{times}.")
    if found.usage_limit is not None and found.campaign_used >= found.usage_limit:
        raise _refuse(
            "used_up",
            f"Coupon {code} is used up: all {found.usage_limit} uses of {name} are taken.",
        )
    if found.per_customer_limit is not None:
        if customer_id is None:
            raise _refuse(
                "needs_customer",
                f"Coupon {code} is for known customers: attach the customer's account first.",
            )
        if _customer_uses(uow, found.campaign_id, customer_id) >= found.per_customer_limit:
            limit = found.per_customer_limit
            times = "" if limit == 1 else f" {limit} times, the limit per customer"
            raise _refuse(
                "already_used_by_customer", f"This customer has already used {name}{times}."
            )


def _check_stacking(uow: UnitOfWork, found: _Found, other_keys: Iterable[str]) -> None:
    others = {key for key in other_keys if is_possible_key(key)}
    if not others:
        return
    if found.key in others:
        raise _refuse("does_not_stack", f"Coupon {found.code} is already on this sale.")
    rows = uow.session.execute(
        select(CouponCode.code, CouponCampaign.id, CouponCampaign.stacks)
        .join(CouponCampaign, CouponCampaign.id == CouponCode.campaign_id)
        .where(CouponCode.code_key.in_(sorted(others)))
        .order_by(CouponCode.id)
    ).all()
    for other_code, campaign_id, stacks in rows:
        if campaign_id == found.campaign_id:
            raise _refuse("does_not_stack", f"Only one code of {found.name} can be used on a sale.")
        if not (stacks and found.stacks):
            raise _refuse(
                "does_not_stack",
                f"Coupon {found.code} cannot be combined with {other_code}: one coupon per sale.",
            )


def _eligible(uow: UnitOfWork, found: _Found, lines: Sequence[BasketLine]) -> list[BasketLine]:
    if found.scope == SCOPE_ORDER:
        return list(lines)
    if found.scope == SCOPE_PRODUCTS:
        wanted = sorted({line.product_id for line in lines})
        if not wanted:
            return []
        covered = set(
            uow.session.scalars(
                select(campaign_products.c.product_id).where(
                    campaign_products.c.campaign_id == found.campaign_id,
                    campaign_products.c.product_id.in_(wanted),
                )
            )
        )
        return [line for line in lines if line.product_id in covered]
    if found.scope == SCOPE_CATEGORIES:
        cats = sorted({line.category_id for line in lines if line.category_id is not None})
        if not cats:
            return []
        # The campaign's categories and all their descendants; UNION (not ALL) stops on cycles.
        tree = (
            select(campaign_categories.c.category_id.label("id"))
            .where(campaign_categories.c.campaign_id == found.campaign_id)
            .cte("covered", recursive=True)
        )
        tree = tree.union(select(Category.id).join(tree, Category.parent_id == tree.c.id))
        covered = set(uow.session.scalars(select(tree.c.id).where(tree.c.id.in_(cats))))
        return [line for line in lines if line.category_id in covered]
    return []  # pragma: no cover - the CHECK constraint allows no other scope


def _discount(found: _Found, eligible_minor: int) -> int:
    if found.kind == FIXED:
        off = min(found.value, eligible_minor)
    else:
        off = apply_rate_bp(eligible_minor, found.value)
    if found.max_discount_minor is not None:
        off = min(off, found.max_discount_minor)
    return off


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
    code = found.code
    eligible = _eligible(uow, found, lines)
    if not eligible:
        raise _refuse(
            "nothing_applies", f"Nothing in this sale is covered by coupon {code} ({found.name})."
        )
    basket = sum(max(0, line.amount_minor) for line in lines)
    if basket < found.min_spend_minor:
        raise _refuse(
            "minimum_not_reached",
            f"Coupon {code} needs a spend of at least {format_money(found.min_spend_minor)}; "
            f"this sale comes to {format_money(basket)}.",
        )
    weights = [max(0, line.amount_minor) for line in eligible]
    off = _discount(found, sum(weights))
    if off <= 0:
        raise _refuse(
            "nothing_applies",
            f"Coupon {code} takes nothing off: the items it covers come to "
            f"{format_money(sum(weights))}.",
        )
    shares = allocate(off, weights)
    return CouponQuote(
        code_id=found.code_id,
        campaign_id=found.campaign_id,
        code=code,
        campaign_name=found.name,
        discount_minor=off,
        line_discounts={
            line.line_no: share for line, share in zip(eligible, shares, strict=True) if share
        },
        stacks=found.stacks,
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

    Read-only: nothing is counted until :func:`redeem_coupon`.

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
    row = uow.session.execute(_BY_KEY, {"key": key}).one_or_none()
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


def _lock_customer(uow: UnitOfWork, campaign_id: int, customer_id: int) -> None:
    """Serialise one customer's checkouts with one campaign (PostgreSQL; SQLite already is)."""
    if uow.session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(
        f"{campaign_id}:{customer_id}".encode(), digest_size=8, key=_CUSTOMER_LOCK_SALT
    ).digest()
    lock_key = int.from_bytes(digest, "big", signed=True)
    uow.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})


def _order_keys(uow: UnitOfWork, order_id: int) -> list[str]:
    return list(
        uow.session.scalars(
            select(CouponCode.code_key)
            .join(CouponRedemption, CouponRedemption.code_id == CouponCode.id)
            .where(CouponRedemption.order_id == order_id, CouponRedemption.reversed_at.is_(None))
        )
    )


def _count_use(uow: UnitOfWork, found: _Found) -> tuple[int, int | None]:
    """Take one use of the code and of the campaign; return the campaign's count and limit."""
    session = uow.session
    taken = session.execute(
        update(CouponCode)
        .where(
            CouponCode.id == found.code_id,
            or_(CouponCode.max_uses.is_(None), CouponCode.used_count < CouponCode.max_uses),
        )
        .values(used_count=CouponCode.used_count + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise _refuse("used_up", f"Coupon {found.code} has just been used up at another till.")
    row = session.execute(
        update(CouponCampaign)
        .where(
            CouponCampaign.id == found.campaign_id,
            or_(
                CouponCampaign.usage_limit.is_(None),
                CouponCampaign.used_count < CouponCampaign.usage_limit,
            ),
        )
        .values(used_count=CouponCampaign.used_count + 1)
        .returning(CouponCampaign.used_count, CouponCampaign.usage_limit)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        raise _refuse("used_up", f"Coupon {found.code} is used up: {found.name} has no uses left.")
    return int(row[0]), row[1]


def _codes_left(uow: UnitOfWork, campaign_id: int) -> bool:
    query = (
        select(CouponCode.id)
        .where(
            CouponCode.campaign_id == campaign_id,
            CouponCode.active.is_(True),
            or_(CouponCode.max_uses.is_(None), CouponCode.used_count < CouponCode.max_uses),
        )
        .limit(1)
    )
    return uow.session.scalar(query) is not None


def _end_campaign(uow: UnitOfWork, campaign_id: int, reason: str, now: datetime) -> None:
    ended = uow.session.execute(
        update(CouponCampaign)
        .where(CouponCampaign.id == campaign_id, CouponCampaign.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount == 1:  # type: ignore[attr-defined]
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

    Re-validates the code against ``lines`` (as they were quoted), takes one use of the code and
    of the campaign with guarded UPDATEs, checks the per-customer limit under a lock, inserts
    the redemption row, and records :class:`CouponRedeemed` (and :class:`CampaignEnded` when
    this use exhausts the campaign). A refusal rolls back to a savepoint: nothing is left behind.

    Returns:
        The redemption's id.

    Raises:
        CouponRefused: the code can no longer be used (``used_up`` when another till took the
            last use first).
        ConflictError: the basket no longer gives the quoted discount (quote the code again).
    """
    now = uow.now()
    session = uow.session
    with session.begin_nested():
        row = session.execute(_BY_ID, {"code_id": quote.code_id}).one_or_none()
        if row is None:
            raise _refuse("unknown", f"Coupon {quote.code} no longer exists.")
        found = _Found.of(row)
        if found.per_customer_limit is not None and customer_account_id is not None:
            _lock_customer(uow, found.campaign_id, customer_account_id)
        fresh = _evaluate(uow, found, lines, customer_account_id, _order_keys(uow, order_id), now)
        if (fresh.discount_minor, fresh.line_discounts) != (
            quote.discount_minor,
            quote.line_discounts,
        ):
            raise ConflictError(
                f"The sale changed after coupon {quote.code} was applied: apply it again."
            )
        already = session.scalar(
            select(func.count()).where(
                CouponRedemption.code_id == found.code_id, CouponRedemption.order_id == order_id
            )
        )
        if already:
            raise _refuse("does_not_stack", f"Coupon {found.code} was already used on this sale.")
        used, limit = _count_use(uow, found)
        redemption = CouponRedemption(
            code_id=found.code_id,
            campaign_id=found.campaign_id,
            order_id=order_id,
            customer_account_id=customer_account_id,
            cashier_id=cashier_id,
            discount_minor=fresh.discount_minor,
            redeemed_at=now,
        )
        session.add(redemption)
        session.flush()
        uow.record(
            CouponRedeemed(
                code_id=found.code_id,
                campaign_id=found.campaign_id,
                order_id=order_id,
                discount_minor=fresh.discount_minor,
                at=now,
            )
        )
        code_spent = found.max_uses is not None and found.code_used + 1 >= found.max_uses
        if (limit is not None and used >= limit) or (
            code_spent and not _codes_left(uow, found.campaign_id)
        ):
            _end_campaign(uow, found.campaign_id, "used_up", now)
        return redemption.id


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
