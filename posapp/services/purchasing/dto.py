"""Read models and inputs of suppliers and purchase orders: frozen, built in the unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from posapp.i18n import N_, _
from posapp.models.purchasing import PurchaseStatus
from posapp.money import div_round
from posapp.services.platform.dto import ShopProfile

GRAMS_PER_KG: Final = 1000

STATUS_LABELS: Final[dict[str, str]] = {
    PurchaseStatus.DRAFT.value: N_("Draft"),
    PurchaseStatus.SENT.value: N_("Sent"),
    PurchaseStatus.PARTLY_RECEIVED.value: N_("Partly received"),
    PurchaseStatus.RECEIVED.value: N_("Received"),
    PurchaseStatus.CANCELLED.value: N_("Cancelled"),
}
"""Each status's words for people."""

OPEN_STATUSES: Final = (PurchaseStatus.SENT.value, PurchaseStatus.PARTLY_RECEIVED.value)
"""The statuses a delivery can be received against."""


def line_cost_minor(cost_minor: int, quantity: int, sold_by_weight: bool) -> int:
    """What ``quantity`` costs at ``cost_minor`` (per unit, or per kg with grams), rounded once."""
    if sold_by_weight:
        return div_round(cost_minor * quantity, GRAMS_PER_KG)
    return cost_minor * quantity


@dataclass(frozen=True, slots=True)
class SupplierInput:
    """What a manager types for a supplier."""

    name: str
    contact: str = ""
    email: str = ""
    phone: str = ""
    lead_time_days: int = 0


@dataclass(frozen=True, slots=True)
class SupplierSummary:
    """A supplier, with how many products it supplies."""

    id: int
    name: str
    contact: str
    email: str
    phone: str
    lead_time_days: int
    active: bool
    products: int = 0


@dataclass(frozen=True, slots=True)
class SupplierItemInput:
    """A product a supplier supplies: its code in their list and its cost in minor units."""

    product_id: int
    supplier_code: str
    cost_minor: int


@dataclass(frozen=True, slots=True)
class SupplierItem:
    """A product a supplier supplies, as listed."""

    product_id: int
    sku: str
    name: str
    supplier_code: str
    cost_minor: int
    sold_by_weight: bool = False


@dataclass(frozen=True, slots=True)
class PurchaseLineInput:
    """A line of a new purchase order; ``cost_minor`` None takes the supplier's cost."""

    product_id: int
    quantity: int
    cost_minor: int | None = None


@dataclass(frozen=True, slots=True)
class ReceiveLine:
    """Units of one purchase order line that arrived (may exceed what is outstanding)."""

    line_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class PurchaseLine:
    """One line of a purchase order, with what has been received against it."""

    id: int
    product_id: int
    sku: str
    name: str
    supplier_code: str
    ordered: int
    received: int
    cost_minor: int
    sold_by_weight: bool = False

    @property
    def outstanding(self) -> int:
        """Units still to come (0 once all or more arrived)."""
        return max(self.ordered - self.received, 0)

    @property
    def over(self) -> int:
        """Units delivered above what was ordered."""
        return max(self.received - self.ordered, 0)

    @property
    def cost_total_minor(self) -> int:
        """What the ordered quantity costs."""
        return line_cost_minor(self.cost_minor, self.ordered, self.sold_by_weight)


@dataclass(frozen=True, slots=True)
class PurchaseOrderDTO:
    """A purchase order in full: what the PDF, the screen and the receiving dialog show."""

    id: int
    number: str
    status: str
    supplier: SupplierSummary
    store_id: int
    store_code: str
    store_name: str
    store_address: str
    note: str
    created_at: datetime
    sent_at: datetime | None
    closed_at: datetime | None
    email_id: int | None
    lines: tuple[PurchaseLine, ...] = field(default=())
    shop: ShopProfile = field(default_factory=ShopProfile)

    @property
    def status_label(self) -> str:
        """The status in words."""
        return _(STATUS_LABELS.get(self.status, self.status))

    @property
    def total_minor(self) -> int:
        """What the order costs as ordered."""
        return sum(line.cost_total_minor for line in self.lines)

    @property
    def received_minor(self) -> int:
        """What has been received so far costs."""
        return sum(
            line_cost_minor(line.cost_minor, line.received, line.sold_by_weight)
            for line in self.lines
        )


@dataclass(frozen=True, slots=True)
class PurchaseOrderRow:
    """A purchase order in a list."""

    id: int
    number: str
    status: str
    supplier_name: str
    store_code: str
    created_at: datetime
    lines: int
    total_minor: int
    received_minor: int

    @property
    def status_label(self) -> str:
        """The status in words."""
        return _(STATUS_LABELS.get(self.status, self.status))


@dataclass(frozen=True, slots=True)
class ReceiptResult:
    """A delivery booked against a purchase order."""

    order: PurchaseOrderDTO
    batch_id: str
    units: int
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class SupplierTotal:
    """One supplier's purchases in a period."""

    supplier_name: str
    orders: int
    ordered_minor: int
    received_minor: int


@dataclass(frozen=True, slots=True)
class PurchasesReport:
    """Purchase orders created in a period (days in the shop's zone, both included)."""

    date_from: date
    date_to: date
    generated_at: datetime
    orders: tuple[PurchaseOrderRow, ...] = field(default=())
    suppliers: tuple[SupplierTotal, ...] = field(default=())
    shop: ShopProfile = field(default_factory=ShopProfile)

    @property
    def ordered_minor(self) -> int:
        """What the period's orders (cancelled ones left out) cost as ordered."""
        return sum(s.ordered_minor for s in self.suppliers)

    @property
    def received_minor(self) -> int:
        """What was received against them costs."""
        return sum(s.received_minor for s in self.suppliers)
