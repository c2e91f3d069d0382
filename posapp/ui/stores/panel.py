"""The right side of the Stores tab: filters and the three views of one store's stock.

The views are the stock table (with the selected product's movement history under it), the
product grid and the replenishment list.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from posapp.i18n import _, ngettext
from posapp.services.platform.dto import UserDTO
from posapp.services.stock import (
    Cursor,
    LevelCursor,
    LevelPage,
    MovementPage,
    ProductCard,
    ReplenishmentList,
    StockApi,
    StockFilter,
    StockRow,
    StoreSummary,
)
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.widgets import SPACING, search_field
from posapp.ui.stores.grid import ProductCardModel, ProductGridView
from posapp.ui.stores.models import (
    LevelSource,
    MovementHistoryModel,
    ReplenishmentModel,
    StockTableModel,
)

SEARCH_DELAY_MS = 200
STOCK_VIEW, GRID_VIEW, REPLENISH_VIEW = 0, 1, 2


def make_table(name: str, parent: QWidget) -> QTableView:
    """A read-only table of whole rows, one selected at a time, in the tab's look."""
    table = QTableView(parent)
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(4 * SPACING)
    table.horizontalHeader().setHighlightSections(False)
    table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
    return table


def action_button(action: QAction, parent: QWidget, *, primary: bool = False) -> QPushButton:
    """A button for ``action`` that names its shortcut and follows its enabled state."""
    button = QPushButton(f"{action.text()}   {action.shortcut().toString()}", parent)
    button.setToolTip(action.toolTip())
    button.setAccessibleName(action.text())
    button.setEnabled(action.isEnabled())
    if primary:
        button.setProperty("variant", "primary")
    button.clicked.connect(action.trigger)
    action.enabledChanged.connect(button.setEnabled)
    return button


def two_panes(parent: QWidget, left: QWidget, right: QWidget, left_width: int) -> QSplitter:
    """A list on the left, the work on the right taking the room; neither can be collapsed."""
    split = QSplitter(Qt.Orientation.Horizontal, parent)
    split.setChildrenCollapsible(False)
    split.addWidget(left)
    split.addWidget(right)
    split.setStretchFactor(1, 1)
    split.setSizes([left_width, 1000])
    return split


def caption(text: str, parent: QWidget) -> QLabel:
    """A small bold caption above a section."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setProperty("role", "caption")
    return label


class StockPanel(QWidget):
    """Filters and the three views of one store's stock.

    Signals:
        current_changed(): the selected product changed (the tab updates its actions).
        product_activated(int): Enter or a double click on a card (a product id).
    """

    current_changed = Signal()
    product_activated = Signal(int)

    def __init__(self, stock: StockApi, user: UserDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stock, self.user = stock, user
        self.store: StoreSummary | None = None
        self.plan: ReplenishmentList | None = None
        self._build_filters()
        self._build_views()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING + 4)
        layout.addWidget(self.filters)
        layout.addWidget(self.views, 1)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.search_edit.textEdited.connect(self._on_search_edit_text_edited)
        self.search_edit.returnPressed.connect(self._on_search_timer_timeout)
        self.category_combo.currentIndexChanged.connect(self._on_filter_changed)
        self.low_check.toggled.connect(self._on_filter_changed)
        self.views.currentChanged.connect(self._on_views_current_changed)

    # -- construction ---------------------------------------------------------------------

    def _build_filters(self) -> None:
        self.filters = QWidget(self)
        self.search_edit = search_field(
            self.filters,
            _("Search name, SKU or barcode   (Ctrl+F)"),
            _("Search products"),
            "stockSearch",
        )
        self.category_combo = QComboBox(self.filters)
        self.category_combo.setAccessibleName(_("Category"))
        self.category_combo.setMinimumWidth(28 * SPACING)
        self.low_check = QCheckBox(_("&Low stock only"), self.filters)
        self.low_check.setAccessibleName(_("Low stock only"))
        row = QHBoxLayout(self.filters)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(SPACING)
        row.addWidget(self.search_edit, 3)
        row.addWidget(self.category_combo, 2)
        row.addWidget(self.low_check)

    def _build_views(self) -> None:
        self.views = QTabWidget(self)
        self.views.setObjectName("stockViews")
        self.views.setDocumentMode(True)
        self._build_stock_view()
        self._build_grid_view()
        self._build_replenishment_view()
        for view in (self.stock_table, self.grid, self.replenishment_table, self.history_table):
            view.setFrameShape(QFrame.Shape.NoFrame)

    def _build_stock_view(self) -> None:
        """The stock table above the selected product's movements."""
        self.stock_model = StockTableModel(self._fetch_rows, self)
        self.stock_table = make_table("stockTable", self)
        self.stock_table.setModel(self.stock_model)
        self.stock_table.setAccessibleName(_("Stock levels"))
        header = self.stock_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((92, 280, 150, 80, 104, 112, 64, 80)):  # or the header's
            self.stock_table.setColumnWidth(column, max(width, header.sectionSizeHint(column)))
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.history_model = MovementHistoryModel(None, self)
        self.history_table = make_table("historyTable", self)
        self.history_table.setModel(self.history_model)
        self.history_table.setAccessibleName(_("Movement history"))
        self.history_table.horizontalHeader().setStretchLastSection(True)
        history_header = self.history_table.horizontalHeader()
        for column, width in enumerate((140, 110, 80, 80, 140)):
            self.history_table.setColumnWidth(
                column, max(width, history_header.sectionSizeHint(column))
            )
        self.history_title = caption(_("MOVEMENTS"), self)
        history = QWidget(self)
        box = QVBoxLayout(history)
        box.setContentsMargins(0, SPACING, 0, 0)
        box.setSpacing(4)
        box.addWidget(self.history_title)
        box.addWidget(self.history_table)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.setChildrenCollapsible(False)
        split.addWidget(self.stock_table)
        split.addWidget(history)
        split.setSizes([360, 200])
        self.views.addTab(split, _("&Stock"))
        self.stock_table.selectionModel().selectionChanged.connect(self._on_stock_selection)
        self.stock_table.doubleClicked.connect(self._on_stock_table_double_clicked)

    def _build_grid_view(self) -> None:
        self.grid_model = ProductCardModel(self._fetch_cards, self)
        self.grid = ProductGridView(self)
        self.grid.setModel(self.grid_model)
        self.grid.activated.connect(self._on_grid_activated)
        self.grid.selectionModel().selectionChanged.connect(self._on_grid_selection)
        self.views.addTab(self.grid, _("&Products"))

    def _build_replenishment_view(self) -> None:
        page = QWidget(self)
        self.replenishment_model = ReplenishmentModel(self)
        self.replenishment_table = make_table("replenishmentTable", page)
        self.replenishment_table.setModel(self.replenishment_model)
        self.replenishment_table.setAccessibleName(_("Replenishment list"))
        plan_header = self.replenishment_table.horizontalHeader()
        for column, width in enumerate((100, 250, 200, 84, 96, 100, 124)):
            self.replenishment_table.setColumnWidth(
                column, max(width, plan_header.sectionSizeHint(column))
            )
        self.replenishment_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch
        )
        self.replenishment_summary = QLabel(page)
        self.replenishment_summary.setTextFormat(Qt.TextFormat.PlainText)
        self.export_csv_button = QPushButton(_("Export &CSV…"), page)
        self.export_csv_button.setToolTip(_("Save the list as CSV (Ctrl+Shift+C)"))
        self.export_pdf_button = QPushButton(_("Export P&DF…"), page)
        self.export_pdf_button.setToolTip(_("Save the list as a PDF purchase sheet (Ctrl+Shift+P)"))
        bar = QHBoxLayout()
        bar.addWidget(self.replenishment_summary, 1)
        bar.addWidget(self.export_csv_button)
        bar.addWidget(self.export_pdf_button)
        stack = QVBoxLayout(page)
        stack.setContentsMargins(0, SPACING, 0, 0)
        stack.addLayout(bar)
        stack.addWidget(self.replenishment_table, 1)
        self.views.addTab(page, _("&Replenishment"))

    # -- data -----------------------------------------------------------------------------

    def _level_source(self, store_id: int, flt: StockFilter) -> LevelSource:
        """The stock table's pages of ids for this store and filter (read as it scrolls)."""

        def read(after: LevelCursor | None, limit: int) -> LevelPage:
            return self.stock.stock_level_page(self.user, store_id, flt, after=after, limit=limit)

        return read

    def _card_source(self, store_id: int, flt: StockFilter) -> LevelSource:
        """The grid's pages of ids for this store and filter (read as it scrolls)."""

        def read(after: LevelCursor | None, limit: int) -> LevelPage:
            return self.stock.product_card_page(self.user, store_id, flt, after=after, limit=limit)

        return read

    def _fetch_rows(self, ids: Sequence[int]) -> list[StockRow]:
        if self.store is None:
            return []
        return self.stock.stock_rows(self.user, self.store.id, ids)

    def _fetch_cards(self, ids: Sequence[int]) -> list[ProductCard]:
        if self.store is None:
            return []
        return self.stock.product_cards(self.user, self.store.id, ids)

    def stock_filter(self) -> StockFilter:
        """The filter as set on screen."""
        data = self.category_combo.currentData()
        return StockFilter(
            search=self.search_edit.text(),
            category_id=int(data) if data is not None else None,
            low_only=self.low_check.isChecked(),
        )

    def load_categories(self) -> None:
        """Fill the category filter (all, then the tree, indented)."""
        current = self.category_combo.currentData()
        self.category_combo.blockSignals(True)
        self.category_combo.clear()
        self.category_combo.addItem(_("All categories"), None)
        for option in self.stock.categories(self.user):
            name = option.path.rsplit(" › ", 1)[-1]
            self.category_combo.addItem("    " * option.depth + name, option.id)
        index = self.category_combo.findData(current)
        self.category_combo.setCurrentIndex(max(0, index))
        self.category_combo.blockSignals(False)

    def set_store(self, store: StoreSummary | None) -> None:
        """Show ``store``'s stock (None: nothing)."""
        self.store = store
        self.reload()

    def reload(self) -> None:
        """Run the filter again and re-read every view, keeping the selected product."""
        keep = self.current_product_id()
        flt = self.stock_filter()
        if self.store is None:
            self.stock_model.set_source(None)
            self.grid_model.set_source(None)
            self.replenishment_model.set_lines([])
        else:
            self.stock_model.set_source(
                self._level_source(self.store.id, flt), keep=self.stock_model.rowCount()
            )
            self.grid_model.set_source(
                self._card_source(self.store.id, flt), keep=self.grid_model.rowCount()
            )
            self.plan = self.stock.replenishment_list(self.user, self.store.id)
            self.replenishment_model.set_lines(self.plan.lines)
            self._show_plan_summary()
        self.select_product(keep)
        if keep is None or self.stock_model.row_of(keep) < 0:
            self._show_history(None)

    def _show_plan_summary(self) -> None:
        plan = self.plan
        if plan is None or not plan.lines:
            self.replenishment_summary.setText(
                _("Nothing to reorder: every level is above its point.")
            )
            return
        count = len(plan.lines)
        self.replenishment_summary.setText(
            ngettext(
                "{count} product to reorder · about {cost} at cost",
                "{count} products to reorder · about {cost} at cost",
                count,
            ).format(count=count, cost=money_text(plan.total_cost_minor))
        )

    # -- selection ------------------------------------------------------------------------

    def current_product_id(self) -> int | None:
        """The product selected in the visible view (the table's in the replenishment view)."""
        if self.views.currentIndex() == GRID_VIEW:
            index = self.grid.currentIndex()
            value = index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None
            return int(value) if value is not None else None
        if self.views.currentIndex() == REPLENISH_VIEW:
            line = self.replenishment_model.line(self.replenishment_table.currentIndex().row())
            if line is not None:
                return line.product_id
        return self.stock_model.product_id(self.stock_table.currentIndex().row())

    def current_row(self) -> StockRow | None:
        """The selected product as a stock row (fetched when it comes from the grid)."""
        product_id = self.current_product_id()
        if product_id is None or self.store is None:
            return None
        row = self.stock_model.row_of(product_id)
        if row >= 0:
            return self.stock_model.stock_row(row)
        rows = self.stock.stock_rows(self.user, self.store.id, [product_id])
        return rows[0] if rows else None

    def select_product(self, product_id: int | None) -> None:
        """Select ``product_id`` in the table and the grid, if they show it."""
        if product_id is None:
            return
        row = self.stock_model.row_of(product_id)
        if row >= 0:
            self.stock_table.selectRow(row)
            self.stock_table.scrollTo(self.stock_model.index(row, 0))
        for grid_row in range(self.grid_model.rowCount()):
            if self.grid_model.index(grid_row, 0).data(Qt.ItemDataRole.UserRole) == product_id:
                self.grid.setCurrentIndex(self.grid_model.index(grid_row, 0))
                break

    def visible_rows(self, limit: int) -> list[StockRow]:
        """The first ``limit`` rows of the stock table as filtered (for a stocktake)."""
        if self.store is None:
            return []
        self.stock_model.fetch_until(limit)
        ids = self.stock_model.ids[:limit]
        return self.stock.stock_rows(self.user, self.store.id, ids) if ids else []

    def _show_history(self, row: StockRow | None) -> None:
        store = self.store
        if row is None or store is None:
            self.history_title.setText(_("MOVEMENTS — SELECT A PRODUCT"))
            self.history_model.set_source(None)
            return
        self.history_title.setText(
            _("MOVEMENTS — {product} AT {store}").format(
                product=row.name.upper(), store=store.name.upper()
            )
        )

        def fetch(cursor: Cursor | None) -> MovementPage:
            return self.stock.movement_history(
                self.user, store.id, row.product_id, before=cursor, limit=100
            )

        self.history_model.set_source(fetch)

    def reload_history(self) -> None:
        """Read the selected product's history again (stock moved)."""
        self._show_history(self.current_row() if self.views.currentIndex() == STOCK_VIEW else None)

    # -- slots ----------------------------------------------------------------------------

    @Slot(str)
    def _on_search_edit_text_edited(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self._search_timer.stop()
        self.reload()

    @Slot()
    def _on_filter_changed(self) -> None:
        self.reload()

    @Slot(QItemSelection, QItemSelection)
    def _on_stock_selection(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        row = self.stock_model.stock_row(self.stock_table.currentIndex().row())
        self._show_history(row)
        emit(self.current_changed)

    @Slot(QItemSelection, QItemSelection)
    def _on_grid_selection(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        emit(self.current_changed)

    @Slot(QModelIndex)
    def _on_stock_table_double_clicked(self, index: QModelIndex) -> None:
        product_id = self.stock_model.product_id(index.row())
        if product_id is not None:
            emit(self.product_activated, product_id)

    @Slot(QModelIndex)
    def _on_grid_activated(self, index: QModelIndex) -> None:
        value = index.data(Qt.ItemDataRole.UserRole)
        if value is None:
            return
        self.views.setCurrentIndex(STOCK_VIEW)
        self.select_product(int(value))
        self.stock_table.setFocus()

    @Slot(int)
    def _on_views_current_changed(self, _index: int) -> None:
        emit(self.current_changed)
