"""Orders, their lines, payments and status history, and till sessions."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from posapp.models.base import Base, CreatedAtMixin, IdMixin, money_column, utcnow


class OrderStatus(enum.StrEnum):
    """The order lifecycle: draft → placed → paid → fulfilled (or ready → collected)."""

    DRAFT = "draft"
    PARKED = "parked"
    PLACED = "placed"
    PAID = "paid"
    READY = "ready"
    FULFILLED = "fulfilled"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    PARTLY_REFUNDED = "partly_refunded"
    REFUNDED = "refunded"


class PaymentMethod(enum.StrEnum):
    """How a payment was tendered."""

    CASH = "cash"
    CARD = "card"
    ACCOUNT = "account"
    GIFT_CARD = "gift_card"
    POINTS = "points"  # loyalty points spent as a tender (migration 0026)


ORDER_STATUSES = tuple(s.value for s in OrderStatus)
PAYMENT_METHODS = tuple(m.value for m in PaymentMethod)


class Order(IdMixin, CreatedAtMixin, Base):
    """A sale. ``sale_uuid`` exists from the start of the sale, so a retry never duplicates it."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(f"status IN {ORDER_STATUSES!r}", name="status_known"),
        CheckConstraint("subtotal_minor >= 0", name="subtotal_not_negative"),
        CheckConstraint("discount_minor >= 0", name="discount_not_negative"),
        CheckConstraint("tax_minor >= 0", name="tax_not_negative"),
        CheckConstraint("total_minor >= 0", name="total_not_negative"),
        CheckConstraint("paid_minor >= 0", name="paid_not_negative"),
        CheckConstraint("refunded_minor >= 0", name="refunded_not_negative"),
        CheckConstraint("coupon_minor >= 0", name="coupon_not_negative"),
        Index("ix_orders_created_at_id", "created_at", "id"),
        Index("ix_orders_status_created_at", "status", "created_at"),
        Index("ix_orders_placed_at", "placed_at"),
        # The order list filtered by store or cashier, newest first, a keyset page at a time
        # (these also serve the foreign keys).
        Index("ix_orders_store_id_created_at_id", "store_id", "created_at", "id"),
        Index("ix_orders_cashier_id_created_at_id", "cashier_id", "created_at", "id"),
    )

    sale_uuid: Mapped[uuid.UUID] = mapped_column(unique=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    register: Mapped[str] = mapped_column(String(64), default="")
    cashier_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    customer_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_accounts.id"), index=True
    )
    # The customer (the person) the sale was made to, with or without an account (issue #19);
    # a sale charged to an account records the account's customer too.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    till_session_id: Mapped[int | None] = mapped_column(ForeignKey("till_sessions.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.DRAFT.value)
    pickup: Mapped[bool] = mapped_column(default=False)
    subtotal_minor: Mapped[int] = money_column()
    # Manual discounts (lines' own and the order discount); the coupon is kept apart.
    discount_minor: Mapped[int] = money_column()
    coupon_minor: Mapped[int] = money_column()
    tax_minor: Mapped[int] = money_column()
    # total = subtotal - discount - coupon + tax added on top of net prices (see services.pricing)
    total_minor: Mapped[int] = money_column()
    paid_minor: Mapped[int] = money_column()
    refunded_minor: Mapped[int] = money_column()
    # Gift cards sold or reloaded on this order: in subtotal and total (the customer pays them),
    # never in sales (a liability until spent). Added in 0018, hence the server default.
    gift_card_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    note: Mapped[str] = mapped_column(String(500), default="")
    placed_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", lazy="raise", order_by="OrderLine.line_no"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="order", lazy="raise", order_by="Payment.id"
    )


class OrderLine(IdMixin, Base):
    """One line of an order, with the product's name, price and tax copied at the time of sale."""

    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no", name="uq_order_lines_order_id_line_no"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("returned_qty >= 0 AND returned_qty <= quantity", name="returned_range"),
        CheckConstraint("unit_price_minor >= 0", name="unit_price_not_negative"),
        CheckConstraint("discount_minor >= 0", name="discount_not_negative"),
        CheckConstraint("order_discount_minor >= 0", name="order_discount_not_negative"),
        CheckConstraint("tax_rate_bp >= 0 AND tax_rate_bp <= 10000", name="tax_rate_range"),
        CheckConstraint("cost_minor >= 0", name="cost_not_negative"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    line_no: Mapped[int]
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(BigInteger)
    returned_qty: Mapped[int] = mapped_column(BigInteger, default=0)
    # The product's unit at the time of sale (:mod:`posapp.units`): what ``quantity`` counts.
    unit: Mapped[str] = mapped_column(String(4), default="pc", server_default="pc")
    list_price_minor: Mapped[int] = money_column()
    unit_price_minor: Mapped[int] = money_column()
    # The line's own discount, its share of the order discount, its share of the coupon.
    discount_minor: Mapped[int] = money_column()
    order_discount_minor: Mapped[int] = money_column()
    coupon_discount_minor: Mapped[int] = money_column()
    tax_rate_bp: Mapped[int] = mapped_column(default=0)
    tax_included: Mapped[bool] = mapped_column(default=True)
    tax_minor: Mapped[int] = money_column()
    # What the customer pays for the line, tax included, after every discount.
    total_minor: Mapped[int] = money_column()
    # What the units cost the shop, taken out of the stock's value when sold (issue #20): the
    # margin stays what it was when costs move later. Lines from before 0021 carry an estimate.
    cost_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    # Loyalty points the line earned (its share of the sale's points, migration 0026): a return
    # takes back the returned units' cumulative share, as it does with the money.
    points_earned: Mapped[int] = mapped_column(BigInteger, server_default="0")
    override_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    discount_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")


class Payment(IdMixin, CreatedAtMixin, Base):
    """Money taken for (positive) or given back on (negative, a refund) an order.

    A card payment keeps only the terminal's approval reference and the last four digits.
    """

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(f"method IN {PAYMENT_METHODS!r}", name="method_known"),
        CheckConstraint("amount_minor <> 0", name="amount_not_zero"),
        CheckConstraint("tendered_minor >= 0", name="tendered_not_negative"),
        CheckConstraint("change_minor >= 0", name="change_not_negative"),
        CheckConstraint(
            "card_last4 IS NULL OR length(card_last4) = 4", name="card_last4_four_digits"
        ),
    )

    payment_uuid: Mapped[uuid.UUID] = mapped_column(unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = money_column()
    tendered_minor: Mapped[int] = money_column()
    change_minor: Mapped[int] = money_column()
    card_reference: Mapped[str | None] = mapped_column(String(64))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    customer_account_id: Mapped[int | None] = mapped_column(ForeignKey("customer_accounts.id"))
    ledger_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    refund_of_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    # The till the money went into or came out of (a refund may come from another session).
    till_session_id: Mapped[int | None] = mapped_column(ForeignKey("till_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    order: Mapped[Order] = relationship(back_populates="payments", lazy="raise")


class OrderStatusChange(IdMixin, Base):
    """One recorded lifecycle transition: who moved the order, from what, to what, when."""

    __tablename__ = "order_status_history"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(String(500), default="")


class TillSession(IdMixin, Base):
    """A cashier's till from opening float to closing count; over/short is kept per session."""

    __tablename__ = "till_sessions"
    __table_args__ = (
        CheckConstraint("float_minor >= 0", name="float_not_negative"),
        CheckConstraint("counted_minor IS NULL OR counted_minor >= 0", name="counted_not_negative"),
    )

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    register: Mapped[str] = mapped_column(String(64))
    cashier_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    float_minor: Mapped[int] = money_column()
    closed_at: Mapped[datetime | None]
    expected_minor: Mapped[int | None] = money_column(default=None, nullable=True)
    counted_minor: Mapped[int | None] = money_column(default=None, nullable=True)
    # Denominations as JSON ({"2000": 3, ...}) when the close was counted by denomination.
    counted_detail: Mapped[str] = mapped_column(String(2000), default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The register's name while the session is open, NULL once closed: the unique constraint
    # allows one open session per register (NULLs never collide) on SQLite and PostgreSQL alike.
    open_register: Mapped[str | None] = mapped_column(String(64), unique=True)


class CashMovement(IdMixin, CreatedAtMixin, Base):
    """Cash put into or taken out of a till outside a sale, with its reason."""

    __tablename__ = "cash_movements"
    __table_args__ = (CheckConstraint("amount_minor <> 0", name="amount_not_zero"),)

    till_session_id: Mapped[int] = mapped_column(ForeignKey("till_sessions.id"), index=True)
    amount_minor: Mapped[int] = money_column()
    reason: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class OrderCounter(Base):
    """The last order number handed out per store (one guarded UPDATE per sale)."""

    __tablename__ = "order_counters"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number_not_negative"),)

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    last_number: Mapped[int] = mapped_column(BigInteger, default=0)


class ParkedSale(IdMixin, Base):
    """A sale put aside at a register; its cart is kept as JSON so it survives a restart."""

    __tablename__ = "parked_sales"
    __table_args__ = (
        CheckConstraint("item_count >= 0", name="item_count_not_negative"),
        CheckConstraint("total_minor >= 0", name="total_not_negative"),
        Index("ix_parked_sales_store_id_parked_at", "store_id", "parked_at"),
    )

    sale_uuid: Mapped[uuid.UUID] = mapped_column(unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    register: Mapped[str] = mapped_column(String(64), default="")
    cashier_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    customer_account_id: Mapped[int | None] = mapped_column(ForeignKey("customer_accounts.id"))
    label: Mapped[str] = mapped_column(String(100), default="")
    item_count: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = money_column()
    cart: Mapped[str] = mapped_column(Text)
    parked_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrderReturn(IdMixin, CreatedAtMixin, Base):
    """Goods brought back on an order and the money given back for them."""

    __tablename__ = "order_returns"
    __table_args__ = (
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint("refund_to IN ('original', 'account')", name="refund_to_known"),
    )

    return_uuid: Mapped[uuid.UUID] = mapped_column(unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    with_receipt: Mapped[bool] = mapped_column(default=True)
    refund_to: Mapped[str] = mapped_column(String(16), default="original")
    amount_minor: Mapped[int] = money_column()
    reason: Mapped[str] = mapped_column(String(200), default="")
    till_session_id: Mapped[int | None] = mapped_column(ForeignKey("till_sessions.id"))

    lines: Mapped[list[OrderReturnLine]] = relationship(
        back_populates="order_return", lazy="raise", order_by="OrderReturnLine.id"
    )


class OrderReturnLine(IdMixin, Base):
    """One returned line: how many units, the money for them, restocked or written off."""

    __tablename__ = "order_return_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint("cost_minor >= 0", name="cost_not_negative"),
    )

    return_id: Mapped[int] = mapped_column(ForeignKey("order_returns.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = money_column()
    restock: Mapped[bool] = mapped_column(default=True)
    # The cost taken back from the sale's: the restocked units' share of the line's cost (the
    # value goes back into stock); 0 for goods written off (their cost stays sold).
    cost_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")

    order_return: Mapped[OrderReturn] = relationship(back_populates="lines", lazy="raise")


class WebOrder(IdMixin, CreatedAtMixin, Base):
    """The web side of an order placed online (``POST /api/v1/orders``): who to tell, how it pays.

    The order itself is an ordinary pickup order (its lines, stock moves, coupon use and
    payments); this row holds the customer's contact (a web customer has no account), the way
    they chose to pay, and the fingerprint of the request, so that the same ``Idempotency-Key``
    sent with a different basket is refused instead of answered with the first order.
    """

    __tablename__ = "web_orders"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    customer_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    # The address as the status page matches it: stripped and case-folded.
    email_key: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")
    # "pickup" (pay at the counter) or "account" (a prepaid account with its PIN); the gift
    # card tender is another value here when it exists (services.sales.web_dto.WebPayment).
    payment: Mapped[str] = mapped_column(String(16))
    request_hash: Mapped[str] = mapped_column(String(64))


SYNC_CONFLICT_KINDS = ("stock_shortfall", "archived_product", "price_changed", "coupon_changed")


class SyncConflict(IdMixin, CreatedAtMixin, Base):
    """What a sale taken offline found different on the server when it was placed (#21).

    The sale is placed as the customer paid it; each difference is one row for the store's
    manager: ``stock_shortfall`` (``short_quantity`` of the ``quantity`` sold were not in stock,
    the level is now ``on_hand_after``), ``archived_product`` (sold after it was archived) or
    ``price_changed`` (``paid_price_minor`` per unit at the register, ``list_price_minor`` on
    the server). ``coupon_changed``: the sale's shared-code coupon campaign ended or changed
    before the sale reached the server; the sale keeps the discount the customer got
    (``paid_price_minor``, the whole coupon discount; ``list_price_minor`` what the campaign
    gives now, 0 when it gives nothing; ``product_id`` the first line the coupon took from).
    A manager marks it resolved (who, when, and a note).
    """

    __tablename__ = "sync_conflicts"
    __table_args__ = (
        CheckConstraint(f"kind IN {SYNC_CONFLICT_KINDS!r}", name="kind_known"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("short_quantity >= 0", name="short_not_negative"),
        UniqueConstraint("order_id", "product_id", "kind"),
        Index("ix_sync_conflicts_store_created", "store_id", "created_at", "id"),
    )

    kind: Mapped[str] = mapped_column(String(24))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    register: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(BigInteger)
    short_quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    on_hand_after: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_price_minor: Mapped[int] = money_column()
    list_price_minor: Mapped[int] = money_column()
    sold_at: Mapped[datetime]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str] = mapped_column(String(200), default="")
