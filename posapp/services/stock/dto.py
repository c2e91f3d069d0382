"""Read models, inputs and quantity parsing of the Stores system (no SQLAlchemy: the UI uses them).

Quantities:
    Stock is counted in integer steps of the product's unit (:mod:`posapp.units`): pieces,
    grams, or thousandths of a kg, m or l (``Product.sold_by_weight`` is True for these), typed
    with up to three decimals, so ``1.5`` kg is ``1500``. Services take ``int`` only and refuse
    ``float``, ``bool`` and ``Decimal`` loudly; the edges parse what people type with
    :func:`parse_quantity`.

Low stock and replenishment:
    A level is *low* when it has a reorder point and ``on_hand <= reorder_point`` (the same
    "at or below" that makes :class:`posapp.events.StockLow` fire when a decrement crosses it).
    The replenishment list suggests ordering up to ``reorder_point + reorder_qty``: the
    suggested quantity is ``reorder_point + reorder_qty - on_hand``, which is never less than
    ``reorder_qty`` (a level far below its point gets enough to be back above it) and never
    less than one.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from posapp import units
from posapp.i18n import N_, _
from posapp.money import div_round

MAX_QUANTITY: Final = units.MAX_QUANTITY
"""Largest quantity one movement may carry (``posapp.services.stock.ledger.MAX_STOCK_QUANTITY``)."""

GRAMS_PER_KG: Final = 1000
REFERENCE_MAX: Final = 100
NOTE_MAX: Final = 160
"""A movement's reason column holds 200 characters: a reason code, ``": "`` and the note."""

STORE_KINDS: Final = ("store", "warehouse")


class AdjustReason(enum.StrEnum):
    """Why stock was adjusted by hand; ``OTHER`` needs a note saying what happened."""

    DAMAGE = "damage"
    THEFT = "theft"
    CORRECTION = "correction"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The reason as people read it, in the current language."""
        return _(ADJUST_REASON_LABELS[self.value])


ADJUST_REASON_LABELS: Final = {
    "damage": N_("Damage"),
    "theft": N_("Theft"),
    "correction": N_("Correction"),
    "other": N_("Other"),
}
"""How each :class:`AdjustReason` reads (English keys; :attr:`AdjustReason.label` translates)."""


MOVEMENT_LABELS: Final = {
    "receive": N_("Received"),
    "adjust": N_("Adjusted"),
    "transfer_out": N_("Transfer out"),
    "transfer_in": N_("Transfer in"),
    "count": N_("Stocktake"),
    "sale": N_("Sale"),
    "return": N_("Return"),
}
"""How each movement kind reads in the history (the kinds of ``posapp.models.MovementKind``)."""


QuantityError = units.QuantityError
"""Invalid quantity input; ``str(error)`` is a one-line message for the form."""


def parse_quantity(
    text: str,
    *,
    by_weight: bool = False,
    allow_zero: bool = False,
    unit: str | None = None,
) -> int:
    """Parse a quantity typed by a person into base units (:func:`posapp.units.parse_quantity`).

    ``unit`` is the product's unit; without it ``by_weight`` means kilograms, else pieces.

    Raises:
        QuantityError: with a message saying what to type instead.
    """
    return units.parse_quantity(text, unit or _unit(by_weight=by_weight), allow_zero=allow_zero)


def format_quantity(
    quantity: int, *, by_weight: bool = False, signed: bool = False, unit: str | None = None
) -> str:
    """Show base units as people read them: ``1,250`` pieces or ``1.250 kg``."""
    return units.format_quantity(quantity, unit or _unit(by_weight=by_weight), signed=signed)


def _unit(*, by_weight: bool) -> str:
    return units.Unit.KILOGRAM if by_weight else units.Unit.PIECE


def split_reason(reason: str) -> tuple[AdjustReason | None, str]:
    """Split an adjustment's stored reason (``"damage: dropped pallet"``) into code and note."""
    code, sep, note = reason.partition(":")
    try:
        return AdjustReason(code), note.strip() if sep else ""
    except ValueError:
        return None, reason


def reason_text(kind: str, reason: str) -> str:
    """A movement's reason as people read it (``"Damage — dropped pallet"``)."""
    if kind != "adjust":
        return reason
    code, note = split_reason(reason)
    if code is None:
        return reason
    return f"{code.label} — {note}" if note else code.label


# -- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StockLine:
    """One product and a positive quantity, for receiving and transferring.

    ``unit_cost_minor`` is what one unit cost, for a delivery booked with its cost (the stock's
    value and average cost take it in); None receives at the average cost (a transfer's lines
    carry none: their cost travels from the sending store).
    """

    product_id: int
    quantity: int
    unit_cost_minor: int | None = None


@dataclass(frozen=True, slots=True)
class CountLine:
    """One product and the quantity counted on the shelf (zero is a valid count)."""

    product_id: int
    counted: int


@dataclass(frozen=True, slots=True)
class StockFilter:
    """What the stock table and the product grid show: a search, a category and low stock."""

    search: str = ""
    category_id: int | None = None
    low_only: bool = False


@dataclass(frozen=True, slots=True)
class StoreInput:
    """The editable fields of a store or warehouse."""

    code: str
    name: str
    kind: str = "store"
    address: str = ""
    phone: str = ""


# -- read models ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoreSummary:
    """A store or warehouse with what it holds, for the stores list."""

    id: int
    code: str
    name: str
    kind: str
    address: str
    phone: str
    active: bool
    products: int = 0
    units: int = 0
    low: int = 0

    @property
    def kind_label(self) -> str:
        """``Store`` or ``Warehouse``."""
        return self.kind.capitalize()


@dataclass(frozen=True, slots=True)
class CategoryOption:
    """A category for filters, with its path in the tree (``Food › Fruit``)."""

    id: int
    path: str
    depth: int


class _UnitOrWeight:
    """Settles a row's ``unit`` from ``sold_by_weight`` (:func:`posapp.units.unit_or_weight`).

    The rows that carry a product's unit beside the older ``sold_by_weight`` flag inherit this
    one ``__post_init__``; it keeps no state of its own (empty ``__slots__``).
    """

    __slots__ = ()
    unit: str
    sold_by_weight: bool

    def __post_init__(self) -> None:
        unit = units.unit_or_weight(self.unit, sold_by_weight=self.sold_by_weight)
        object.__setattr__(self, "unit", unit)  # frozen: set past the guard


@dataclass(frozen=True, slots=True)
class ProductPick(_UnitOrWeight):
    """A product found by SKU, barcode or name, for picking it in a dialog."""

    id: int
    sku: str
    barcode: str
    name: str
    sold_by_weight: bool
    active: bool
    on_hand: int = 0
    unit: str = "pc"
    """What the quantities count (:mod:`posapp.units`): ``sold_by_weight`` says thousandths."""


@dataclass(frozen=True, slots=True)
class StockRow(_UnitOrWeight):
    """One line of a store's stock table."""

    product_id: int
    sku: str
    name: str
    category: str
    price_minor: int
    sold_by_weight: bool
    active: bool
    on_hand: int
    reorder_point: int
    reorder_qty: int
    changed_at: datetime | None
    unit: str = "pc"

    @property
    def is_low(self) -> bool:
        """At or below a set reorder point."""
        return self.reorder_point > 0 and self.on_hand <= self.reorder_point

    @property
    def status(self) -> str:
        """``Out``, ``Low`` or ``OK``."""
        if self.on_hand <= 0:
            return "Out"
        return "Low" if self.is_low else "OK"


@dataclass(frozen=True, slots=True)
class ProductCard(_UnitOrWeight):
    """A product as a card in a store's grid: picture, name, price and availability."""

    product_id: int
    sku: str
    name: str
    category: str
    price_minor: int
    sold_by_weight: bool
    on_hand: int
    reorder_point: int
    thumbnail: bytes | None
    unit: str = "pc"

    @property
    def availability(self) -> str:
        """``Out of stock``, ``Low: 3 left`` or ``12 in stock``."""
        qty = format_quantity(self.on_hand, unit=self.unit)
        if self.on_hand <= 0:
            return _("Out of stock")
        if self.reorder_point > 0 and self.on_hand <= self.reorder_point:
            return _("Low: {quantity} left").format(quantity=qty)
        return _("{quantity} in stock").format(quantity=qty)


@dataclass(frozen=True, slots=True)
class MovementRow:
    """One entry of the stock ledger, with the balance after it at its location."""

    id: int
    at: datetime
    kind: str
    quantity: int
    balance: int
    store_id: int
    user_name: str
    reason: str
    reference: str
    order_id: int | None
    batch_uuid: uuid.UUID

    @property
    def kind_label(self) -> str:
        """The kind as people read it."""
        return _(MOVEMENT_LABELS.get(self.kind, self.kind))

    @property
    def why(self) -> str:
        """Reason and reference together, for one column."""
        text = reason_text(self.kind, self.reason)
        parts = [p for p in (text, self.reference) if p]
        if self.order_id is not None:
            parts.append(_("order #{order_id}").format(order_id=self.order_id))
        return " · ".join(parts)


Cursor = tuple[datetime, int]
"""Keyset position in a movement history: (created_at, id) of the last row shown."""


@dataclass(frozen=True, slots=True)
class MovementPage:
    """A page of a product's movements, newest first; ``next_cursor`` is None at the end."""

    rows: tuple[MovementRow, ...]
    next_cursor: Cursor | None


LevelCursor = tuple[str, int]
"""Keyset position in a stock table: the last row's name as the database lowers it, and its id."""


@dataclass(frozen=True, slots=True)
class LevelPage:
    """A page of a stock table's product ids, by name; ``next_cursor`` is None at the end."""

    ids: tuple[int, ...]
    next_cursor: LevelCursor | None


@dataclass(frozen=True, slots=True)
class LevelAfter:
    """A stock level after an action."""

    store_id: int
    product_id: int
    on_hand: int


@dataclass(frozen=True, slots=True)
class StockResult:
    """What a stock action did: its batch, how many movements it wrote and the new levels."""

    batch_uuid: uuid.UUID
    movements: int
    levels: tuple[LevelAfter, ...] = ()
    replayed: bool = False

    def on_hand(self, store_id: int, product_id: int) -> int | None:
        """The level of one product at one store after the action, if it touched it."""
        for level in self.levels:
            if (level.store_id, level.product_id) == (store_id, product_id):
                return level.on_hand
        return None


@dataclass(frozen=True, slots=True)
class ReplenishmentLine(_UnitOrWeight):
    """A product at or below its reorder point, and how much to order."""

    product_id: int
    sku: str
    name: str
    category: str
    on_hand: int
    reorder_point: int
    reorder_qty: int
    suggested: int
    elsewhere: int
    """Units at the other active warehouses: what a transfer could cover."""
    cost_minor: int
    sold_by_weight: bool = False
    unit: str = "pc"


@dataclass(frozen=True, slots=True)
class ReplenishmentList:
    """The replenishment list of one store at one moment."""

    store: StoreSummary
    generated_at: datetime
    lines: tuple[ReplenishmentLine, ...] = field(default=())

    @property
    def total_cost_minor(self) -> int:
        """What the suggested quantities cost at current cost prices (by weight: per kg)."""
        return sum(
            div_round(line.cost_minor * line.suggested, GRAMS_PER_KG)
            if line.sold_by_weight
            else line.cost_minor * line.suggested
            for line in self.lines
        )


def suggested_quantity(on_hand: int, reorder_point: int, reorder_qty: int) -> int:
    """How much to order for a low level: up to ``reorder_point + reorder_qty``, at least 1."""
    return max(reorder_point + reorder_qty - on_hand, reorder_qty, 1)


# -- valuation (issue #20) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ValuationLine:
    """One product's stock at a store and what it is worth.

    ``value_minor`` is the level's own value (the truth: see
    :mod:`posapp.services.stock.costing`); ``unit_cost_minor`` is ``value / on_hand`` rounded
    for display, per ``unit`` (:mod:`posapp.units`: per kg, m or l for measured goods).
    """

    product_id: int
    sku: str
    name: str
    unit: str
    on_hand: int
    unit_cost_minor: int
    value_minor: int


@dataclass(frozen=True, slots=True)
class ValuationCategory:
    """The products of one category (by name; "Uncategorised" for none) and their value."""

    name: str
    lines: tuple[ValuationLine, ...]

    @property
    def value_minor(self) -> int:
        """What the category's stock is worth."""
        return sum(line.value_minor for line in self.lines)


@dataclass(frozen=True, slots=True)
class InventoryValuation:
    """What one store's stock on hand is worth, by category and product."""

    store_code: str
    store_name: str
    generated_at: datetime
    categories: tuple[ValuationCategory, ...]

    @property
    def value_minor(self) -> int:
        """What the store's stock is worth in all."""
        return sum(category.value_minor for category in self.categories)

    @property
    def products(self) -> int:
        """How many products the store holds."""
        return sum(len(category.lines) for category in self.categories)
