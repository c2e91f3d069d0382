"""Coupons at a register without its server: the shop's policy ``offline.coupons`` (#21).

``refuse`` (the default) takes no coupon offline. ``shared`` takes the codes of *shared-code*
campaigns whose every condition the register can check alone: the validity window, the minimum
basket, the products or categories the campaign covers. The cache keeps those campaigns
(:func:`read_coupons`, at each fill); it never keeps a single-use code (a bulk of unique codes,
each of which two registers could spend twice), and it keeps a shared campaign with a limit only
the server can count (uses per customer, a cap on all uses, a cap on the code) marked as refused,
so the cashier is told why.

:func:`quote_offline` works the discount out with the server's own calculation
(:func:`~posapp.services.coupons.rule_discount`) from the cached rule; the journal records the
code and the discount each line took, and the replay redeems the code on the server at that
discount (:mod:`posapp.services.sales.offline.server`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from posapp.i18n import _
from posapp.models import Category, CouponCampaign, CouponCode, Product
from posapp.models.coupons import campaign_categories, campaign_products
from posapp.services.coupons import (
    SCOPE_CATEGORIES,
    SCOPE_PRODUCTS,
    BasketLine,
    CouponRefused,
    code_key,
    is_possible_key,
    rule_discount,
    unknown_code,
)

__all__ = [
    "LIMITED",
    "POLICY_SHARED",
    "CachedCoupon",
    "OfflineQuote",
    "quote_offline",
    "read_coupons",
]

POLICY_SHARED = "shared"
LIMITED = "limited"
"""A cached campaign's refusal: a limit on its uses that only the server can count."""


@dataclass(frozen=True, slots=True)
class CachedCoupon:
    """A shared code and its campaign's rule, as the register checks it offline."""

    key: str
    code: str
    code_id: int
    campaign_id: int
    name: str
    kind: str
    value: int
    min_spend_minor: int
    max_discount_minor: int | None
    starts_at: datetime
    ends_at: datetime | None
    product_ids: frozenset[int] | None
    """The products the campaign covers (its categories' products too); None: the whole order."""
    refusal: str = ""
    """Why the register may not take it (:data:`LIMITED`), or "" when it may."""

    def to_row(self) -> tuple[object, ...]:
        """The cache's row."""
        products = None if self.product_ids is None else json.dumps(sorted(self.product_ids))
        ends = None if self.ends_at is None else self.ends_at.isoformat()
        return (
            self.key,
            self.code,
            self.code_id,
            self.campaign_id,
            self.name,
            self.kind,
            self.value,
            self.min_spend_minor,
            self.max_discount_minor,
            self.starts_at.isoformat(),
            ends,
            products,
            self.refusal,
        )

    @classmethod
    def of_row(cls, row: Sequence[object]) -> CachedCoupon:
        """Read a cache row back."""
        key, code, code_id, campaign_id, name, kind, value, spend, cap, starts, ends, ids, why = row
        return cls(
            str(key),
            str(code),
            int(str(code_id)),
            int(str(campaign_id)),
            str(name),
            str(kind),
            int(str(value)),
            int(str(spend)),
            None if cap is None else int(str(cap)),
            datetime.fromisoformat(str(starts)),
            None if ends is None else datetime.fromisoformat(str(ends)),
            None if ids is None else frozenset(int(i) for i in json.loads(str(ids))),
            str(why),
        )


def read_coupons(
    session: Session, now: datetime, code_id: int | None = None
) -> tuple[CachedCoupon, ...]:
    """The enabled codes of the running or coming shared-code campaigns (never single-use ones).

    ``code_id``: only that code (the server checking one sale's coupon).
    """
    query = select(CouponCode, CouponCampaign).join(
        CouponCampaign, CouponCampaign.id == CouponCode.campaign_id
    )
    if code_id is not None:
        query = query.where(CouponCode.id == code_id)
    rows = session.execute(
        query.where(
            CouponCampaign.active.is_(True),
            CouponCampaign.ended_at.is_(None),
            CouponCampaign.single_use_codes.is_(False),
            or_(CouponCampaign.ends_at.is_(None), CouponCampaign.ends_at > now),
            CouponCode.active.is_(True),
        ).order_by(CouponCode.id)
    ).all()
    covered = _covered(session, {campaign.id: campaign.scope for _code, campaign in rows})
    return tuple(
        CachedCoupon(
            code.code_key,
            code.code,
            code.id,
            campaign.id,
            campaign.name,
            campaign.kind,
            campaign.value,
            campaign.min_spend_minor,
            campaign.max_discount_minor,
            campaign.starts_at,
            campaign.ends_at,
            covered.get(campaign.id),
            LIMITED
            if campaign.usage_limit is not None
            or campaign.per_customer_limit is not None
            or code.max_uses is not None
            else "",
        )
        for code, campaign in rows
    )


def _covered(session: Session, scopes: dict[int, str]) -> dict[int, frozenset[int]]:
    """Per scoped campaign, the products it covers (categories with their subcategories)."""
    covered: dict[int, set[int]] = {
        cid: set() for cid, scope in scopes.items() if scope in (SCOPE_PRODUCTS, SCOPE_CATEGORIES)
    }
    if not covered:
        return {}
    for campaign_id, product_id in session.execute(
        select(campaign_products.c.campaign_id, campaign_products.c.product_id).where(
            campaign_products.c.campaign_id.in_(sorted(covered))
        )
    ):
        if scopes[campaign_id] == SCOPE_PRODUCTS:
            covered[campaign_id].add(int(product_id))
    by_category = [cid for cid in covered if scopes[cid] == SCOPE_CATEGORIES]
    if by_category:
        children: dict[int | None, list[int]] = defaultdict(list)
        for category_id, parent_id in session.execute(select(Category.id, Category.parent_id)):
            children[parent_id].append(int(category_id))
        tree: dict[int, set[int]] = defaultdict(set)
        for campaign_id, category_id in session.execute(
            select(campaign_categories.c.campaign_id, campaign_categories.c.category_id).where(
                campaign_categories.c.campaign_id.in_(by_category)
            )
        ):
            todo: list[int] = [int(category_id)]
            while todo:  # the category and its descendants (a cycle stops at a seen one)
                current = todo.pop()
                if current not in tree[campaign_id]:
                    tree[campaign_id].add(current)
                    todo.extend(children.get(current, ()))
        every = sorted(set().union(*tree.values())) if tree else []
        if every:
            in_category: dict[int, set[int]] = defaultdict(set)
            for product_id, its_category in session.execute(
                select(Product.id, Product.category_id).where(Product.category_id.in_(every))
            ):
                in_category[int(str(its_category))].add(int(product_id))
            for campaign, categories in tree.items():
                for one in categories:
                    covered[campaign] |= in_category.get(one, set())
    return {cid: frozenset(ids) for cid, ids in covered.items()}


@dataclass(frozen=True, slots=True)
class OfflineQuote:
    """What a cached shared code takes off the basket."""

    coupon: CachedCoupon
    discount_minor: int
    line_discounts: dict[int, int]


def quote_offline(
    found: CachedCoupon | None, code_text: str, lines: Sequence[BasketLine], now: datetime
) -> OfflineQuote:
    """Check a cached code as the server would, and work its discount out with the server's rule.

    ``found`` is the cache's row for ``code_text`` (None: not a shared code the cache holds).

    Raises:
        CouponRefused: the code cannot be taken offline (the message says why).
    """
    key = code_key(code_text)
    if not is_possible_key(key):
        raise unknown_code(code_text)
    shown = " ".join(code_text.split())
    if found is None:
        raise CouponRefused(
            "unknown",
            _(
                "Offline, only shared-code campaigns are taken: {code} is not one of them "
                "(a single-use code needs the server)."
            ).format(code=shown),
        )
    if found.refusal == LIMITED:
        raise CouponRefused(
            "used_up",
            _(
                "Offline, coupon {code} is not taken: only the server can count the uses "
                "{name} allows."
            ).format(code=found.code, name=found.name),
        )
    if now < found.starts_at:
        raise CouponRefused(
            "not_yet_valid", _("Coupon {code} is not valid yet.").format(code=found.code)
        )
    if found.ends_at is not None and now >= found.ends_at:
        raise CouponRefused("expired", _("Coupon {code} has expired.").format(code=found.code))
    covered = found.product_ids
    eligible = [line for line in lines if covered is None or line.product_id in covered]
    off, shares = rule_discount(found, lines, eligible)
    return OfflineQuote(found, off, shares)
