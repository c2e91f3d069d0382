"""The cart as a Qt table: one row per line, with its price, discount and total."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from typing_extensions import override

from posapp.i18n import N_, _
from posapp.services.sales import PricedLine
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.resources import PALETTE
from posapp.ui.register.cart import Cart, CartLine
from posapp.ui.register.panels import minus_money
from posapp.units import format_quantity, per_unit

Index = QModelIndex | QPersistentModelIndex
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the cart table."""

    key: str
    header: str
    align: int
    text: Callable[[CartLine, PricedLine], str]


def _discount_text(line: CartLine, priced: PricedLine) -> str:
    off = priced.discount_minor + priced.coupon_minor
    if not off:
        return ""
    return minus_money(off)


def _quantity_text(line: CartLine) -> str:
    return format_quantity(line.quantity, line.product.unit)  # 3, or 0.455 kg


def _price_text(line: CartLine, priced: PricedLine) -> str:
    text = money_text(line.price_minor) + per_unit(line.product.unit)  # 19.90/kg
    return f"{text} *" if line.overridden else text


COLUMNS: tuple[Column, ...] = (
    Column("no", "#", _RIGHT, lambda line, _p: str(line.line_no)),
    Column("name", N_("Item"), _LEFT, lambda line, _p: line.product.name),
    Column(
        "qty", N_("Qty"), _RIGHT, lambda line, _p: format_quantity(line.quantity, line.product.unit)
    ),
    Column("price", N_("Price"), _RIGHT, _price_text),
    Column("discount", N_("Discount"), _RIGHT, _discount_text),
    Column("total", N_("Total"), _RIGHT, lambda _l, p: money_text(p.total_minor)),
)
"""The columns, declared once."""


class CartTableModel(QAbstractTableModel):
    """A view of :class:`Cart`; call :meth:`refresh` after changing the cart."""

    def __init__(self, cart: Cart) -> None:
        super().__init__()
        self._cart = cart
        self._rows: list[tuple[CartLine, PricedLine]] = []
        self._texts: list[tuple[str, ...]] = []
        self._cache: dict[int, tuple[object, tuple[str, ...]]] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        self._load()

    @property
    def cart(self) -> Cart:
        """The cart shown."""
        return self._cart

    def set_cart(self, cart: Cart) -> None:
        """Show another cart (a new or resumed sale)."""
        self.beginResetModel()
        self._cart = cart
        self._load()
        self.endResetModel()

    def _load(self) -> None:
        priced = {p.line_no: p for p in self._cart.priced().lines}
        self._rows = [(line, priced[line.line_no]) for line in self._cart.lines]
        # Texts are formatted once per change of a line (data() is then a lookup): a scan
        # formats one line, not the whole sale again.
        cache: dict[int, tuple[object, tuple[str, ...]]] = {}
        texts = []
        for line, p in self._rows:
            key = (line.product, line.quantity, line.price_minor, line.discount, p)
            hit = self._cache.get(line.line_no)
            row = (
                hit[1]
                if hit is not None and hit[0] == key
                else tuple(c.text(line, p) for c in COLUMNS)
            )
            cache[line.line_no] = (key, row)
            texts.append(row)
        self._cache, self._texts = cache, texts

    def refresh(self) -> None:
        """Re-read the cart after a change: rows added at the end or removed, values updated."""
        old = len(self._rows)
        new = len(self._cart.lines)
        if new == old + 1 and all(
            a is b for (a, _), b in zip(self._rows, self._cart.lines, strict=False)
        ):
            # The common case, a scan adding a line: insert one row instead of resetting.
            self.beginInsertRows(QModelIndex(), old, old)
            self._load()
            self.endInsertRows()
        elif new == old and all(
            a is b for (a, _), b in zip(self._rows, self._cart.lines, strict=True)
        ):
            self._load()
            if new:
                emit(self.dataChanged, self.index(0, 0), self.index(new - 1, len(COLUMNS) - 1))
        else:
            self.beginResetModel()
            self._load()
            self.endResetModel()

    def line_at(self, row: int) -> CartLine | None:
        """The cart line shown on ``row``."""
        return self._rows[row][0] if 0 <= row < len(self._rows) else None

    def row_of(self, line_no: int) -> int:
        """The row showing line ``line_no`` (-1 if none)."""
        for row, (line, _priced) in enumerate(self._rows):
            if line.line_no == line_no:
                return row
        return -1

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    @override
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        line = self._rows[index.row()][0]
        column = COLUMNS[index.column()]
        value: object = None
        if role == Qt.ItemDataRole.DisplayRole:
            value = self._texts[index.row()][index.column()]
        elif role == Qt.ItemDataRole.TextAlignmentRole:
            value = column.align
        elif role == Qt.ItemDataRole.UserRole:
            value = line.line_no
        elif role == Qt.ItemDataRole.ToolTipRole and column.key == "price" and line.overridden:
            value = _("List price {price}").format(price=money_text(line.product.price_minor))
        elif role == Qt.ItemDataRole.ForegroundRole and column.key in ("discount", "no"):
            value = QColor(PALETTE["success"] if column.key == "discount" else PALETTE["subtle"])
        elif role == Qt.ItemDataRole.FontRole and column.key == "total":
            value = self._bold
        return value

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _(COLUMNS[section].header)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return COLUMNS[section].align
        return None

    @override
    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
