"""The statements coupons run at the till, compiled once (see ``platform.fastsql``).

Validating a code and counting its use happen inside every sale with a coupon, so they skip the
ORM: each statement here is a Core statement run as a
:class:`~posapp.services.platform.fastsql.Prepared` statement on the unit of work's connection,
inside its transaction. Statements whose ``IN`` list depends on the basket are built once per list
length.
"""

from __future__ import annotations

from typing import Final, cast

from sqlalchemy import Integer, Table, bindparam, case, func, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import BindParameter

from posapp.models import Category, CouponCampaign, CouponCode, CouponRedemption
from posapp.models.coupons import campaign_categories, campaign_products
from posapp.services.platform.fastsql import Prepared

__all__ = [
    "CODES_LEFT",
    "CUSTOMER_USES",
    "END_CAMPAIGN",
    "FIND_BY_ID",
    "FIND_BY_KEY",
    "FIND_FOR_CUSTOMER",
    "GIVE_BACK_CAMPAIGN",
    "GIVE_BACK_CODE",
    "TAKE_CAMPAIGN",
    "TAKE_CODE",
    "covered_categories",
    "covered_products",
    "insert_redemption",
    "other_codes",
]

_CODES = cast(Table, CouponCode.__table__)
_CAMPAIGNS = cast(Table, CouponCampaign.__table__)
_REDEMPTIONS = cast(Table, CouponRedemption.__table__)
_CATEGORIES = cast(Table, Category.__table__)

# The order of these columns is the order of ``coupons._Found``'s fields.
_COLUMNS = (
    _CODES.c.id,
    _CODES.c.code,
    _CODES.c.code_key,
    _CODES.c.max_uses,
    _CODES.c.used_count,
    _CODES.c.active,
    _CAMPAIGNS.c.id,
    _CAMPAIGNS.c.name,
    _CAMPAIGNS.c.kind,
    _CAMPAIGNS.c.value,
    _CAMPAIGNS.c.scope,
    _CAMPAIGNS.c.min_spend_minor,
    _CAMPAIGNS.c.max_discount_minor,
    _CAMPAIGNS.c.starts_at,
    _CAMPAIGNS.c.ends_at,
    _CAMPAIGNS.c.usage_limit,
    _CAMPAIGNS.c.per_customer_limit,
    _CAMPAIGNS.c.stacks,
    _CAMPAIGNS.c.active,
    _CAMPAIGNS.c.used_count,
)
_JOINED = _CODES.join(_CAMPAIGNS, _CAMPAIGNS.c.id == _CODES.c.campaign_id)


def _customer() -> BindParameter[int]:
    return bindparam("customer_id", type_=_REDEMPTIONS.c.customer_account_id.type)


_CUSTOMER_USES_HERE = (
    select(func.count())
    .select_from(_REDEMPTIONS)
    .where(
        _REDEMPTIONS.c.campaign_id == _CAMPAIGNS.c.id,
        _REDEMPTIONS.c.customer_account_id == _customer(),
        _REDEMPTIONS.c.reversed_at.is_(None),
    )
    .correlate(_CAMPAIGNS)
    .scalar_subquery()
)

FIND_BY_KEY: Final = Prepared(
    select(*_COLUMNS).select_from(_JOINED).where(_CODES.c.code_key == bindparam("key"))
)
"""A typed code's row and its campaign's: the whole quote of a sale without a customer."""

FIND_FOR_CUSTOMER: Final = Prepared(
    select(
        *_COLUMNS,
        # The customer's live uses, counted only for a campaign with a limit per customer.
        case(
            (_CAMPAIGNS.c.per_customer_limit.is_not(None), _CUSTOMER_USES_HERE),
            else_=literal_column("0", Integer),
        ),
    )
    .select_from(_JOINED)
    .where(_CODES.c.code_key == bindparam("key"))
)
"""The same with the customer's live uses of the campaign: the whole quote of a customer's sale."""

FIND_BY_ID: Final = Prepared(
    select(*_COLUMNS).select_from(_JOINED).where(_CODES.c.id == bindparam("code_id"))
)
"""A code's row and its campaign's (to say why a use was refused)."""

CUSTOMER_USES: Final = Prepared(
    select(func.count()).where(
        _REDEMPTIONS.c.campaign_id == bindparam("campaign_id"),
        _REDEMPTIONS.c.customer_account_id == _customer(),
        _REDEMPTIONS.c.reversed_at.is_(None),
    )
)
"""A customer's live uses of a campaign."""

TAKE_CODE: Final = Prepared(
    update(_CODES)
    .where(
        _CODES.c.id == bindparam("code_id"),
        _CODES.c.active.is_(True),
        or_(_CODES.c.max_uses.is_(None), _CODES.c.used_count < _CODES.c.max_uses),
    )
    .values(used_count=_CODES.c.used_count + 1)
    .returning(_CODES.c.used_count, _CODES.c.max_uses)
)
"""One use of a code, if it is enabled and has a use left; returns (used, max uses)."""

TAKE_CAMPAIGN: Final = Prepared(
    update(_CAMPAIGNS)
    .where(
        _CAMPAIGNS.c.id == bindparam("campaign_id"),
        _CAMPAIGNS.c.active.is_(True),
        _CAMPAIGNS.c.starts_at <= bindparam("now", type_=_CAMPAIGNS.c.starts_at.type),
        or_(
            _CAMPAIGNS.c.ends_at.is_(None),
            _CAMPAIGNS.c.ends_at > bindparam("now", type_=_CAMPAIGNS.c.ends_at.type),
        ),
        or_(
            _CAMPAIGNS.c.usage_limit.is_(None),
            _CAMPAIGNS.c.used_count < _CAMPAIGNS.c.usage_limit,
        ),
    )
    .values(used_count=_CAMPAIGNS.c.used_count + 1)
    .returning(_CAMPAIGNS.c.used_count, _CAMPAIGNS.c.usage_limit, _CAMPAIGNS.c.per_customer_limit)
)
"""One use of a campaign, if it runs now and has a use left; returns (used, limit, per customer)."""

GIVE_BACK_CODE: Final = Prepared(
    update(_CODES)
    .where(_CODES.c.id == bindparam("code_id"), _CODES.c.used_count > 0)
    .values(used_count=_CODES.c.used_count - 1)
)
GIVE_BACK_CAMPAIGN: Final = Prepared(
    update(_CAMPAIGNS)
    .where(_CAMPAIGNS.c.id == bindparam("campaign_id"), _CAMPAIGNS.c.used_count > 0)
    .values(used_count=_CAMPAIGNS.c.used_count - 1)
)

CODES_LEFT: Final = Prepared(
    select(_CODES.c.id)
    .where(
        _CODES.c.campaign_id == bindparam("campaign_id"),
        _CODES.c.active.is_(True),
        or_(_CODES.c.max_uses.is_(None), _CODES.c.used_count < _CODES.c.max_uses),
    )
    .limit(1)
)
"""Any code of the campaign that can still be used (none: the campaign is used up)."""

END_CAMPAIGN: Final = Prepared(
    update(_CAMPAIGNS)
    .where(_CAMPAIGNS.c.id == bindparam("campaign_id"), _CAMPAIGNS.c.ended_at.is_(None))
    .values(ended_at=bindparam("now", type_=_CAMPAIGNS.c.ended_at.type))
    .returning(_CAMPAIGNS.c.id)
)
"""Mark a campaign ended, once (a row back: this call ended it)."""

_INSERT_REDEMPTION: dict[str, Prepared] = {}


def insert_redemption(dialect: str) -> Prepared:
    """The redemption row's INSERT; nothing (no row back) if the code is already on the order."""
    prepared = _INSERT_REDEMPTION.get(dialect)
    if prepared is None:
        keys = ["code_id", "order_id"]
        if dialect == "postgresql":
            pg = pg_insert(_REDEMPTIONS).on_conflict_do_nothing(index_elements=keys)
            stmt = pg.returning(_REDEMPTIONS.c.id)
        else:
            lite = sqlite_insert(_REDEMPTIONS).on_conflict_do_nothing(index_elements=keys)
            stmt = lite.returning(_REDEMPTIONS.c.id)
        prepared = _INSERT_REDEMPTION[dialect] = Prepared(stmt)
    return prepared


def _binds(prefix: str, count: int) -> list[BindParameter[object]]:
    return [bindparam(f"{prefix}{n}") for n in range(count)]


_OTHER_CODES: dict[int, Prepared] = {}
_PRODUCTS: dict[int, Prepared] = {}
_CATEGORIES_BY_COUNT: dict[int, Prepared] = {}


def other_codes(count: int) -> Prepared:
    """(code, campaign id, stacks) of the codes keyed ``k0`` … ``k{count-1}``."""
    stmt = _OTHER_CODES.get(count)
    if stmt is None:
        stmt = _OTHER_CODES[count] = Prepared(
            select(_CODES.c.code, _CAMPAIGNS.c.id, _CAMPAIGNS.c.stacks)
            .select_from(_JOINED)
            .where(_CODES.c.code_key.in_(_binds("k", count)))
            .order_by(_CODES.c.id)
        )
    return stmt


def covered_products(count: int) -> Prepared:
    """Which of the products ``p0`` … ``p{count-1}`` the campaign ``campaign_id`` covers."""
    stmt = _PRODUCTS.get(count)
    if stmt is None:
        stmt = _PRODUCTS[count] = Prepared(
            select(campaign_products.c.product_id).where(
                campaign_products.c.campaign_id == bindparam("campaign_id"),
                campaign_products.c.product_id.in_(_binds("p", count)),
            )
        )
    return stmt


def covered_categories(count: int) -> Prepared:
    """Which of the categories ``c0`` … ``c{count-1}`` the campaign covers (or their parents)."""
    stmt = _CATEGORIES_BY_COUNT.get(count)
    if stmt is None:
        # The campaign's categories and all their descendants; UNION (not ALL) stops on cycles.
        tree = (
            select(campaign_categories.c.category_id.label("id"))
            .where(campaign_categories.c.campaign_id == bindparam("campaign_id"))
            .cte("covered", recursive=True)
        )
        tree = tree.union(select(_CATEGORIES.c.id).join(tree, _CATEGORIES.c.parent_id == tree.c.id))
        stmt = _CATEGORIES_BY_COUNT[count] = Prepared(
            select(tree.c.id).where(tree.c.id.in_(_binds("c", count)))
        )
    return stmt
