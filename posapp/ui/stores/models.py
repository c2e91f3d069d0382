"""Table models of the Stores tab: stock levels (ids first, paged), movement history, replenishment.

Columns are declared once as tuples of :class:`~posapp.ui.kit.table_model.Column` specs; the
kit's :class:`~posapp.ui.kit.table_model.ColumnTableModel` answers the common roles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6 import QtGui
from PySide6.QtCore import (
    QModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont
from typing_extensions import override

from posapp.i18n import N_, _, pgettext
from posapp.services.stock import (
    Cursor,
    LevelCursor,
    LevelPage,
    MovementPage,
    MovementRow,
    ReplenishmentLine,
    StockRow,
    format_quantity,
)
from posapp.ui.kit.formatting import local_time_text, money_text
from posapp.ui.kit.keyset import KeysetModelMixin, KeysetRows
from posapp.ui.kit.paged_ids import PagedIds
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.resources import PALETTE
from posapp.ui.kit.table_model import RIGHT, Column, ColumnTableModel, Index

T = TypeVar("T")
PAGE_SIZE = 100
FIRST_MAX = 1_000
"""The most ids a stock table's first read asks for (the service's page limit)."""
LevelSource = Callable[[LevelCursor | None, int], LevelPage]
"""Reads the stock table's page of ids after a cursor, ``limit`` ids at most."""


def first_then_pages(
    fetch: LevelSource, keep: int
) -> Callable[[LevelCursor | None], tuple[Sequence[int], LevelCursor | None]]:
    """A keyset source over ``fetch``: ``keep`` ids first (capped) when over a page, then pages.

    A reload asks again for the rows a person had scrolled to, so the selection stays.
    """
    first = min(max(PAGE_SIZE, keep), FIRST_MAX)

    def read(after: LevelCursor | None) -> tuple[Sequence[int], LevelCursor | None]:
        page = fetch(after, first if after is None else PAGE_SIZE)
        return page.ids, page.next_cursor

    return read


def _qty(row: StockRow, value: int) -> str:
    return format_quantity(value, unit=row.unit)


STOCK_COLUMNS: tuple[Column[StockRow], ...] = (
    Column("sku", N_("SKU"), lambda r: r.sku, lambda r: r.sku),
    Column(
        "name",
        N_("Product"),
        lambda r: r.name if r.active else _("{product} (archived)").format(product=r.name),
        lambda r: r.name,
    ),
    Column("category", N_("Category"), lambda r: r.category, lambda r: r.category),
    Column("on_hand", N_("On hand"), lambda r: _qty(r, r.on_hand), lambda r: r.on_hand, RIGHT),
    Column(
        "reorder_point",
        N_("Reorder at"),
        lambda r: _qty(r, r.reorder_point) if r.reorder_point else "—",
        lambda r: r.reorder_point,
        RIGHT,
    ),
    Column(
        "reorder_qty",
        N_("Reorder qty"),
        lambda r: _qty(r, r.reorder_qty) if r.reorder_qty else "—",
        lambda r: r.reorder_qty,
        RIGHT,
    ),
    Column("status", N_("Status"), lambda r: _(r.status), lambda r: r.status),
    Column(
        "price", N_("Price"), lambda r: money_text(r.price_minor), lambda r: r.price_minor, RIGHT
    ),
)

_STATUS_COLOURS = {
    N_("Low"): PALETTE["warning"],
    N_("Out"): PALETTE["danger"],
    N_("OK"): PALETTE["success"],
}


def _header(header: str) -> str:
    """A column's header in the language chosen: marked ``N_()``, or a stock word below.

    "Change", "Movement" and "Balance" mean something else at the register and in customer
    accounts (money back, a posting, what is owed), so the stock ones carry a context.
    """
    stock_words = {
        "Movement": pgettext("stock", "Movement"),
        "Change": pgettext("stock", "Change"),
        "Balance": pgettext("stock", "Balance"),
    }
    return stock_words.get(header) or _(header)


class _TableBase(ColumnTableModel[T]):
    """The Stores tables: a cell's text is also its tooltip (names and notes are often cut)."""

    @override
    def cell(self, item: T, column: Column[T], role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:  # typed text: never rendered as HTML
            return QtGui.Qt.convertFromPlainText(column.text(item)) if column.text(item) else None
        return super().cell(item, column, role)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        header = super().headerData(section, orientation, role)
        return _header(header) if isinstance(header, str) and header else header


class StockTableModel(_TableBase[StockRow]):
    """A store's stock levels: product ids read a page at a time as the table scrolls, rows cached.

    The ids come in keyset pages by name (:meth:`set_source`: the first page at once, the next
    ones through ``canFetchMore``/``fetchMore``), so a search over a big store costs one page, not
    the whole list (issue #23); ``data()`` reads a page cache filled by one query per page of rows
    (``STYLE.md`` §5). :meth:`invalidate` drops the cache when stock moved, so the visible rows
    are read again.
    """

    columns = STOCK_COLUMNS

    def __init__(
        self, fetch: Callable[[Sequence[int]], list[StockRow]], parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._rows = PagedIds(fetch, lambda r: r.product_id, PAGE_SIZE)
        self._pages: KeysetRows[int, LevelCursor] = KeysetRows(self)
        self._rows.ids = self._pages.rows  # one list: the ids read so far, in display order

    @property
    def ids(self) -> list[int]:
        """The product ids read so far, in display order."""
        return list(self._rows.ids)

    def set_source(self, fetch: LevelSource | None, *, keep: int = 0) -> None:
        """Show the ids ``fetch`` reads (a new search or filter; None: nothing).

        ``fetch(after, limit)`` reads the page after a cursor. The first read asks for ``keep``
        ids when more than a page (a reload keeps the rows a person had scrolled to), capped.
        """
        self._rows.clear()
        self._pages.show(None if fetch is None else first_then_pages(fetch, keep))

    def fetch_until(self, count: int) -> None:
        """Read pages until ``count`` ids are read or there are no more."""
        while len(self._rows.ids) < count and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())

    @override
    def canFetchMore(self, parent: Index) -> bool:
        return self._pages.can_fetch_more(parent)

    @override
    def fetchMore(self, parent: Index) -> None:
        self._pages.fetch_more(parent)

    def invalidate(self) -> None:
        """Forget fetched rows (stock moved); visible rows are fetched again."""
        self._rows.clear()
        if self._rows.ids:
            last = self.index(len(self._rows.ids) - 1, len(self.columns) - 1)
            emit(self.dataChanged, self.index(0, 0), last)

    def row_of(self, product_id: int) -> int:
        """The row showing ``product_id``, or -1."""
        row = self._rows.row_of(product_id)
        return -1 if row is None else row

    def product_id(self, row: int) -> int | None:
        """The product on ``row``."""
        return self._rows.id_at(row)

    def stock_row(self, row: int) -> StockRow | None:
        """The full row (fetching its page if needed)."""
        return self.item(row)

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows.ids)

    @override
    def item(self, row: int) -> StockRow | None:
        return self._rows.item(row)

    @override
    def cell(self, item: StockRow, column: Column[StockRow], role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column.key in {"status", "on_hand"}:
            colour = _STATUS_COLOURS.get(item.status)
            if column.key == "on_hand" and item.status == "OK":
                return None
            return QBrush(QColor(colour)) if colour else None
        return super().cell(item, column, role)


def _signed(row: MovementRow) -> str:
    return format_quantity(row.quantity, signed=True)


MOVEMENT_COLUMNS: tuple[Column[MovementRow], ...] = (
    Column("at", N_("When"), lambda r: local_time_text(r.at), lambda r: r.at),
    Column("kind", "Movement", lambda r: _(r.kind_label), lambda r: r.kind),  # see _header
    Column("quantity", "Change", _signed, lambda r: r.quantity, RIGHT),
    Column("balance", "Balance", lambda r: format_quantity(r.balance), lambda r: r.balance, RIGHT),
    Column("who", N_("Who"), lambda r: r.user_name or "—", lambda r: r.user_name),
    Column("why", N_("Why"), lambda r: r.why, lambda r: r.why),
)


class MovementHistoryModel(KeysetModelMixin[MovementRow, Cursor], _TableBase[MovementRow]):
    """A product's movements at a store, newest first, fetched in keyset pages on scroll.

    ``canFetchMore``/``fetchMore`` ask for the next page with the previous page's cursor
    (never OFFSET), so a ledger of any length scrolls at the same speed.
    """

    columns = MOVEMENT_COLUMNS

    def __init__(
        self, fetch: Callable[[Cursor | None], MovementPage] | None = None, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.pages: KeysetRows[MovementRow, Cursor] = KeysetRows(self)
        self._rows = self.pages.rows
        self.set_source(fetch)

    def set_source(self, fetch: Callable[[Cursor | None], MovementPage] | None) -> None:
        """Show another product's history (None: empty) and load its newest page."""
        if fetch is None:
            self.pages.show(None)
            return

        def read(cursor: Cursor | None) -> tuple[Sequence[MovementRow], Cursor | None]:
            page = fetch(cursor)
            return page.rows, page.next_cursor

        self.pages.show(read)

    def movement(self, row: int) -> MovementRow | None:
        """The movement on ``row``."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    @override
    def item(self, row: int) -> MovementRow | None:
        return self.movement(row)

    @override
    def cell(self, item: MovementRow, column: Column[MovementRow], role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column.key == "quantity":
            return QBrush(QColor(PALETTE["success"] if item.quantity > 0 else PALETTE["danger"]))
        return super().cell(item, column, role)


def _rq(line: ReplenishmentLine, value: int) -> str:
    return format_quantity(value, unit=line.unit)


REPLENISHMENT_COLUMNS: tuple[Column[ReplenishmentLine], ...] = (
    Column("sku", N_("SKU"), lambda r: r.sku, lambda r: r.sku),
    Column("name", N_("Product"), lambda r: r.name, lambda r: r.name),
    Column("category", N_("Category"), lambda r: r.category, lambda r: r.category),
    Column("on_hand", N_("On hand"), lambda r: _rq(r, r.on_hand), lambda r: r.on_hand, RIGHT),
    Column(
        "point",
        N_("Reorder at"),
        lambda r: _rq(r, r.reorder_point),
        lambda r: r.reorder_point,
        RIGHT,
    ),
    Column(
        "suggested", N_("Suggested"), lambda r: _rq(r, r.suggested), lambda r: r.suggested, RIGHT
    ),
    Column(
        "elsewhere",
        N_("In warehouses"),
        lambda r: _rq(r, r.elsewhere) if r.elsewhere else "—",
        lambda r: r.elsewhere,
        RIGHT,
    ),
)


class ReplenishmentModel(_TableBase[ReplenishmentLine]):
    """The replenishment list on screen (a store's low lines: a short, fully loaded list)."""

    columns = REPLENISHMENT_COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._lines: list[ReplenishmentLine] = []

    def set_lines(self, lines: Sequence[ReplenishmentLine]) -> None:
        """Show these lines."""
        self.beginResetModel()
        self._lines = list(lines)
        self.endResetModel()

    def line(self, row: int) -> ReplenishmentLine | None:
        """The line on ``row``."""
        return self._lines[row] if 0 <= row < len(self._lines) else None

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    @override
    def item(self, row: int) -> ReplenishmentLine | None:
        return self.line(row)

    @override
    def cell(self, item: ReplenishmentLine, column: Column[ReplenishmentLine], role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and column.key == "suggested":
            font = QFont()
            font.setBold(True)
            return font
        return super().cell(item, column, role)
