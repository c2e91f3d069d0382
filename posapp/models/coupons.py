"""Coupon campaigns, their codes and every redemption."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint as Check
from sqlalchemy import Column, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from posapp.models.base import Base, BigIntId, CreatedAtMixin, IdMixin, money_column


class DiscountKind(enum.StrEnum):
    """A percentage of the eligible amount, or a fixed amount off it."""

    PERCENT = "percent"
    FIXED = "fixed"


class CouponScope(enum.StrEnum):
    """What a campaign's discount applies to."""

    ORDER = "order"
    PRODUCTS = "products"
    CATEGORIES = "categories"


DISCOUNT_KINDS = tuple(k.value for k in DiscountKind)
COUPON_SCOPES = tuple(s.value for s in CouponScope)

campaign_products = Table(
    "coupon_campaign_products",
    Base.metadata,
    Column("campaign_id", BigIntId, ForeignKey("coupon_campaigns.id"), primary_key=True),
    Column("product_id", BigIntId, ForeignKey("products.id"), primary_key=True),
)

campaign_categories = Table(
    "coupon_campaign_categories",
    Base.metadata,
    Column("campaign_id", BigIntId, ForeignKey("coupon_campaigns.id"), primary_key=True),
    Column("category_id", BigIntId, ForeignKey("categories.id"), primary_key=True),
)


class CouponCampaign(IdMixin, CreatedAtMixin, Base):
    """A promotion: the rules that its codes share."""

    __tablename__ = "coupon_campaigns"
    __table_args__ = (
        Check(f"kind IN {DISCOUNT_KINDS!r}", name="kind_known"),
        Check(f"scope IN {COUPON_SCOPES!r}", name="scope_known"),
        Check("value > 0", name="value_positive"),
        Check("kind <> 'percent' OR value <= 10000", name="percent_at_most_100"),
        Check("min_spend_minor >= 0", name="min_spend_not_negative"),
        Check("max_discount_minor IS NULL OR max_discount_minor > 0", name="max_discount_positive"),
        Check("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
        Check("usage_limit IS NULL OR usage_limit > 0", name="usage_limit_positive"),
        Check("per_customer_limit IS NULL OR per_customer_limit > 0", name="per_customer_positive"),
        Check("used_count >= 0", name="used_count_not_negative"),
        Check("usage_limit IS NULL OR used_count <= usage_limit", name="used_within_limit"),
        Check("length(name) > 0", name="name_not_empty"),
    )

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[str] = mapped_column(String(16))
    # Basis points for a percentage (1500 = 15 %), minor units for a fixed amount.
    value: Mapped[int] = mapped_column()
    scope: Mapped[str] = mapped_column(String(16), default=CouponScope.ORDER.value)
    min_spend_minor: Mapped[int] = money_column()
    max_discount_minor: Mapped[int | None] = money_column(default=None, nullable=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    usage_limit: Mapped[int | None]
    per_customer_limit: Mapped[int | None]
    single_use_codes: Mapped[bool] = mapped_column(default=True)
    stacks: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    used_count: Mapped[int] = mapped_column(default=0)
    ended_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CouponCode(IdMixin, CreatedAtMixin, Base):
    """One code of a campaign: ``code_key`` is the normalised form codes are matched by."""

    __tablename__ = "coupon_codes"
    __table_args__ = (
        Check("used_count >= 0", name="used_count_not_negative"),
        Check("max_uses IS NULL OR max_uses > 0", name="max_uses_positive"),
        Check("max_uses IS NULL OR used_count <= max_uses", name="used_within_max"),
    )

    campaign_id: Mapped[int] = mapped_column(ForeignKey("coupon_campaigns.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    code_key: Mapped[str] = mapped_column(String(64), unique=True)
    max_uses: Mapped[int | None]
    used_count: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class CouponRedemption(IdMixin, Base):
    """One use of a code on an order; a cancel or refund marks it reversed, never deletes it."""

    __tablename__ = "coupon_redemptions"
    __table_args__ = (
        UniqueConstraint("code_id", "order_id", name="uq_coupon_redemptions_code_id_order_id"),
        Check("discount_minor >= 0", name="discount_not_negative"),
        Index("ix_coupon_redemptions_campaign_at", "campaign_id", "redeemed_at"),
        # The effectiveness report reads a date range across every campaign.
        Index("ix_coupon_redemptions_redeemed_at", "redeemed_at"),
        # The per-customer limit counts a customer's uses of a campaign at every checkout.
        Index("ix_coupon_redemptions_campaign_customer", "campaign_id", "customer_account_id"),
    )

    code_id: Mapped[int] = mapped_column(ForeignKey("coupon_codes.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("coupon_campaigns.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_account_id: Mapped[int | None] = mapped_column(ForeignKey("customer_accounts.id"))
    cashier_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    discount_minor: Mapped[int] = money_column()
    redeemed_at: Mapped[datetime]
    reversed_at: Mapped[datetime | None]
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
