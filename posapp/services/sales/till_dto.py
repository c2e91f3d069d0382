"""Frozen read models of tills (sessions, X and Z reports, over/short) and the sales report.

This module imports neither SQLAlchemy nor the models, so the UI may use it directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from posapp.money import div_round
from posapp.services.sales.pricing import TaxRow

# --- tills -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TillSessionDTO:
    """A till session, open or closed."""

    id: int
    store_id: int
    store_name: str
    register: str
    cashier_id: int
    cashier_name: str
    opened_at: datetime
    float_minor: int
    closed_at: datetime | None
    expected_minor: int | None
    counted_minor: int | None
    denominations: tuple[tuple[int, int], ...] = ()
    chain_rows: int | None = None
    """On a Z report: the audit chain's row count just before the close (its anchor)."""
    chain_head: str = ""
    """On a Z report: the hash of the chain's last row just before the close."""

    @property
    def is_open(self) -> bool:
        """Whether the session is still open."""
        return self.closed_at is None

    @property
    def over_short_minor(self) -> int | None:
        """Counted minus expected: positive is over, negative is short."""
        if self.counted_minor is None or self.expected_minor is None:
            return None
        return self.counted_minor - self.expected_minor


@dataclass(frozen=True, slots=True)
class CashMovementDTO:
    """Cash put in (+) or taken out (-) of a till with its reason."""

    id: int
    amount_minor: int
    reason: str
    user_name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MethodTotal:
    """Takings of one payment method."""

    method: str
    count: int
    sales_minor: int
    refunds_minor: int

    @property
    def net_minor(self) -> int:
        """Sales less refunds."""
        return self.sales_minor - self.refunds_minor


@dataclass(frozen=True, slots=True)
class TillReport:
    """The one calculation behind the X report (mid-session) and the Z report (at close)."""

    kind: str
    """``X`` or ``Z``."""
    session: TillSessionDTO
    generated_at: datetime
    orders_count: int
    items_sold: int
    cancelled_count: int
    gross_minor: int
    discount_minor: int
    coupon_minor: int
    tax_minor: int
    sales_minor: int
    refunds_minor: int
    methods: tuple[MethodTotal, ...]
    taxes: tuple[TaxRow, ...]
    cash_sales_minor: int
    cash_refunds_minor: int
    cash_in_minor: int
    cash_out_minor: int
    account_cash_minor: int
    expected_cash_minor: int
    movements: tuple[CashMovementDTO, ...]
    no_sale_count: int = 0
    """How often the drawer was opened without a sale (each with its audit row)."""
    gift_cards_sold_count: int = 0
    gift_cards_sold_minor: int = 0
    """Gift cards sold and reloaded: taken in, but no sale (a liability until spent)."""
    gift_cards_redeemed_minor: int = 0
    """Gift cards spent as a tender, less what returns gave back to cards."""
    points_earned: int = 0
    points_redeemed: int = 0
    """Loyalty points earned and spent on the session's sales."""
    points_given_back: int = 0
    points_taken_back: int = 0
    """Points the session's sales' refunds gave back (spent ones) and took back (earned ones)."""
    offline_settled_count: int = 0
    offline_settled_minor: int = 0
    """Sales taken offline that the server refused and a manager settled during the session
    (#21): paid at the till, not among the orders."""

    @property
    def counted_minor(self) -> int | None:
        """The blind count (Z only)."""
        return self.session.counted_minor

    @property
    def over_short_minor(self) -> int | None:
        """Counted minus expected (Z only)."""
        if self.session.counted_minor is None:
            return None
        return self.session.counted_minor - self.expected_cash_minor


@dataclass(frozen=True, slots=True)
class OverShortRow:
    """Over/short of one cashier over closed sessions."""

    cashier_id: int
    cashier_name: str
    sessions: int
    expected_minor: int
    counted_minor: int

    @property
    def over_short_minor(self) -> int:
        """Counted minus expected."""
        return self.counted_minor - self.expected_minor


# --- sales report -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SalesDay:
    """One day of the sales report."""

    day: date
    orders: int
    sales_minor: int
    refunds_minor: int


@dataclass(frozen=True, slots=True)
class SalesProduct:
    """One product of the sales report."""

    sku: str
    name: str
    quantity: int
    returned: int
    sales_minor: int
    unit: str = "pc"
    """What ``quantity`` and ``returned`` count (:mod:`posapp.units`): 455 kg-steps is 0.455 kg."""


@dataclass(frozen=True, slots=True)
class SalesCashier:
    """One cashier of the sales report."""

    name: str
    orders: int
    sales_minor: int
    average_minor: int


@dataclass(frozen=True, slots=True)
class MarginRow:
    """What one group of sales (a product, category, cashier or day) earned.

    Amounts are for the units kept (returns taken off at the line's own shares): ``sales`` is
    what customers paid, tax included, ``tax`` the tax in it, ``revenue`` the rest, ``cost``
    the cost of the goods fixed at sale time (less what restocked returns took back).
    ``quantity`` counts steps of ``unit`` (:mod:`posapp.units`; a product's row carries its
    unit), so it is only meaningful on a product's row.
    """

    key: str
    label: str
    quantity: int
    sales_minor: int
    tax_minor: int
    cost_minor: int
    unit: str = "pc"

    @property
    def revenue_minor(self) -> int:
        """What the shop earned before its costs: the sales less their tax."""
        return self.sales_minor - self.tax_minor

    @property
    def margin_minor(self) -> int:
        """Revenue less the cost of goods sold."""
        return self.revenue_minor - self.cost_minor

    @property
    def margin_bp(self) -> int | None:
        """The margin as basis points of revenue, rounded half to even (None without revenue)."""
        if self.revenue_minor == 0:
            return None
        return div_round(self.margin_minor * 10_000, self.revenue_minor)


@dataclass(frozen=True, slots=True)
class SalesMargin:
    """Revenue, cost of goods sold and margin of a period, in all and by four groupings."""

    total: MarginRow
    days: tuple[MarginRow, ...]
    categories: tuple[MarginRow, ...]
    cashiers: tuple[MarginRow, ...]
    products: tuple[MarginRow, ...]


@dataclass(frozen=True, slots=True)
class SalesReport:
    """Sales for a date range by day, product, cashier and payment method."""

    date_from: date
    date_to: date
    store_name: str
    generated_at: datetime
    orders: int
    cancelled: int
    gross_minor: int
    discount_minor: int
    coupon_minor: int
    tax_minor: int
    sales_minor: int
    refunds_minor: int
    days: tuple[SalesDay, ...]
    products: tuple[SalesProduct, ...]
    cashiers: tuple[SalesCashier, ...]
    methods: tuple[MethodTotal, ...]
    gift_cards_sold_count: int = 0
    gift_cards_sold_minor: int = 0
    """Gift cards sold and reloaded (not in sales: a liability until spent)."""
    gift_cards_redeemed_minor: int = 0
    """Gift cards spent as a tender, less what returns gave back to cards."""
    margin: SalesMargin | None = None

    @property
    def net_minor(self) -> int:
        """Sales less refunds."""
        return self.sales_minor - self.refunds_minor
