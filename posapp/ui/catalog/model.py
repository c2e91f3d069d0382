"""The catalog table: ordered ids from a search, rows read a page at a time (STYLE §5).

``rowCount()`` is the number of ids; ``data()`` reads from a page cache that one query per page
fills (``PAGE_SIZE`` rows). At most ``MAX_PAGES`` pages stay cached, so scrolling through a
million products never holds more than a few thousand rows. A ``ProductChanged`` event marks the
cache stale (:meth:`CatalogTableModel.mark_stale`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from PySide6 import QtGui
from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPixmap
from typing_extensions import override

from posapp.i18n import N_, _, ngettext
from posapp.services.catalog import CatalogApi, ProductRow, SearchResult, format_tax_rate
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.resources import PALETTE

PAGE_SIZE: Final = 100
MAX_PAGES: Final = 40
FIRST_IDS: Final = 200
"""How many ids the quick first read asks for (the first screens), before every id."""
THUMB_SIZE: Final = 32
PENDING: Final = "…"
"""Shown in the name column of a row whose page could not be read."""
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its key, header, alignment, and how a row shows in it."""

    key: str
    header: str
    alignment: Qt.AlignmentFlag
    text: Callable[[ProductRow], str]
    value: Callable[[ProductRow], object]


def _tax(row: ProductRow) -> str:
    rate = f"{format_tax_rate(row.tax_rate_bp)} %"
    return rate if row.tax_included else f"{rate} +"


def _status(row: ProductRow) -> str:
    return _("Active") if row.active else _("Archived")


def _accessible_text(column: Column, row: ProductRow) -> str:
    if column.key == "image":
        if not row.image_count:
            return _("No image")
        return ngettext("{count} image", "{count} images", row.image_count).format(
            count=row.image_count
        )
    return column.text(row)


COLUMNS: Final = (
    Column("image", "", _CENTER, lambda r: "", lambda r: r.image_count),
    Column("sku", N_("SKU"), _LEFT, lambda r: r.sku, lambda r: r.sku),
    Column("name", N_("Name"), _LEFT, lambda r: r.name, lambda r: r.name),
    Column("category", N_("Category"), _LEFT, lambda r: r.category_path, lambda r: r.category_path),
    Column("barcode", N_("Barcode"), _LEFT, lambda r: r.barcode or "", lambda r: r.barcode),
    Column(
        "price", N_("Price"), _RIGHT, lambda r: money_text(r.price_minor), lambda r: r.price_minor
    ),
    Column("cost", N_("Cost"), _RIGHT, lambda r: money_text(r.cost_minor), lambda r: r.cost_minor),
    Column("tax", N_("Tax"), _RIGHT, _tax, lambda r: r.tax_rate_bp),
    Column("status", N_("Status"), _LEFT, _status, lambda r: r.active),
)
"""Every column, declared once (the Anki ``Column`` pattern)."""

COLUMN_KEYS: Final = tuple(column.key for column in COLUMNS)


class CatalogTableModel(QAbstractTableModel):
    """Products by id list, rows fetched per page through the catalog facade.

    Signals:
        load_failed(str): a page could not be read (the message is for the user).
    """

    load_failed = Signal(str)

    def __init__(self, catalog: CatalogApi, user: UserDTO, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._catalog = catalog
        self._user = user
        self._ids: tuple[int, ...] = ()
        self._result = SearchResult(())
        self._pages: OrderedDict[int, dict[int, ProductRow]] = OrderedDict()
        self._pixmaps: dict[int, QPixmap] = {}
        self._failed = False
        self._roles = self._role_handlers()
        self.page_reads = 0
        """How many page queries ran (the benchmark and tests read it)."""

    # --- the id list ---------------------------------------------------------------------

    @property
    def result(self) -> SearchResult:
        """The search the rows come from."""
        return self._result

    def set_result(self, result: SearchResult) -> None:
        """Show ``result``'s ids: appended rows when it extends the current list, else reset."""
        ids = result.ids
        old = self._ids
        self._result = result
        if old and len(ids) > len(old) and ids[: len(old)] == old:
            last_page = (len(old) - 1) // PAGE_SIZE
            self._pages.pop(last_page, None)  # it may have been a short page
            self.beginInsertRows(QModelIndex(), len(old), len(ids) - 1)
            self._ids = ids
            self.endInsertRows()
            return
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self._pixmaps.clear()
        self._failed = False
        self.endResetModel()

    def product_id(self, row: int) -> int | None:
        """The id shown on ``row``, or None."""
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, product_id: int) -> int | None:
        """The row showing ``product_id`` (a linear scan of ids, no query), or None."""
        try:
            return self._ids.index(product_id)
        except ValueError:
            return None

    def product_row(self, row: int) -> ProductRow | None:
        """The row's data (reading its page if needed), or None."""
        if not 0 <= row < len(self._ids):
            return None
        page = self._page(row // PAGE_SIZE)
        return page.get(self._ids[row]) if page is not None else None

    def mark_stale(self) -> None:
        """Forget every cached row; visible rows are read again when next painted."""
        self._pages.clear()
        self._pixmaps.clear()
        self._failed = False
        if self._ids:
            last = self.index(len(self._ids) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    @property
    def cached_rows(self) -> int:
        """How many rows are held in the page cache."""
        return sum(len(page) for page in self._pages.values())

    def _page(self, number: int) -> dict[int, ProductRow] | None:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        if self._failed:
            return None
        ids = self._ids[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
        try:
            rows = self._catalog.rows(self._user, ids)
        except ServiceError as exc:
            self._failed = True  # one message, not one per painted cell
            self.load_failed.emit(str(exc))
            return None
        self.page_reads += 1
        page = {row.id: row for row in rows}
        self._pages[number] = page
        while len(self._pages) > MAX_PAGES:
            _key, dropped = self._pages.popitem(last=False)
            for product_id in dropped:
                self._pixmaps.pop(product_id, None)
        return page

    # --- Qt model API ----------------------------------------------------------------------

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(self._ids)

    @override
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(COLUMNS)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        column = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return _(column.header) if column.header else ""
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.alignment)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return _(column.header) if column.header else _("Image")
        return None

    @override
    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.column() < len(COLUMNS):
            return None
        column = COLUMNS[index.column()]
        row = self.product_row(index.row())
        if row is None:  # the page could not be read
            return PENDING if role == Qt.ItemDataRole.DisplayRole and column.key == "name" else None
        handler = self._roles.get(role)
        return None if handler is None else handler(column, row)

    def _role_handlers(self) -> dict[int, Callable[[Column, ProductRow], object]]:
        role = Qt.ItemDataRole
        return {
            role.DisplayRole: lambda column, row: column.text(row),
            role.UserRole: lambda column, row: column.value(row),
            role.TextAlignmentRole: lambda column, row: int(column.alignment),
            role.ForegroundRole: lambda column, row: (
                None if row.active else QColor(PALETTE["subtle"])
            ),
            role.DecorationRole: lambda column, row: (
                self._thumbnail(row) if column.key == "image" else None
            ),
            role.ToolTipRole: lambda column, row: (  # typed text: never rendered as HTML
                QtGui.Qt.convertFromPlainText(column.text(row))
                if column.key in {"name", "category"} and column.text(row)
                else None
            ),
            role.AccessibleTextRole: _accessible_text,
        }

    def _thumbnail(self, row: ProductRow) -> QPixmap | None:
        if row.thumbnail is None:
            return None
        pixmap = self._pixmaps.get(row.id)
        if pixmap is None:
            pixmap = QPixmap()
            if not pixmap.loadFromData(QByteArray(row.thumbnail)):
                return None
            pixmap = pixmap.scaled(
                THUMB_SIZE,
                THUMB_SIZE,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._pixmaps[row.id] = pixmap
        return pixmap

    def selected_ids(self, rows: Sequence[int]) -> list[int]:
        """The product ids of ``rows`` (view rows), in row order."""
        return [self._ids[row] for row in sorted(set(rows)) if 0 <= row < len(self._ids)]
