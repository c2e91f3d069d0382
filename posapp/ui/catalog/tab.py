"""The Catalog tab: search a million products as you type, edit, archive, import, export, labels.

The search runs on a worker thread (a generation number drops answers to old keystrokes).
With no search text the tab first asks for the first ``FIRST_IDS`` ids — the first screens,
shown at once — and then for every id, which the model appends; rows are read a page at a
time as they are painted (``posapp.ui.catalog.model``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
)
from typing_extensions import override

from posapp.events import ProductChanged, ProductsImported
from posapp.i18n import N_, _, ngettext
from posapp.services.catalog import (
    CatalogApi,
    CategoryDTO,
    ExportReport,
    ImportReport,
    ProductDTO,
    SearchResult,
    TemplateDTO,
)
from posapp.services.platform.errors import ServiceError
from posapp.services.staff import Permission, has_permission
from posapp.ui.catalog.category_dialog import CategoryDialog
from posapp.ui.catalog.editor import ProductEditorDialog
from posapp.ui.catalog.import_dialogs import CSV_FILTER, ImportDialog, export_products
from posapp.ui.catalog.labels import save_labels, write_label_sheet
from posapp.ui.catalog.model import COLUMN_KEYS, FIRST_IDS, THUMB_SIZE, CatalogTableModel
from posapp.ui.catalog.variants_dialog import VariantMatrixDialog, matrix_for
from posapp.ui.kit.formatting import count_text
from posapp.ui.kit.lifetime import open_once
from posapp.ui.kit.operation import Job, Operation, drain
from posapp.ui.kit.tab import Tab
from posapp.ui.kit.widgets import SPACING, PageHeader, page_column, search_field, shortcut_action

SEARCH_DELAY_MS = 150
REFRESH_DELAY_MS = 400
_WIDTHS = {"image": THUMB_SIZE + 16, "sku": 150, "category": 190, "barcode": 130, "price": 90}


class CatalogTab(Tab):
    """The product catalog: search, edit, archive/restore, import and export, barcode labels.

    Everyone with VIEW_CATALOG can search, export and print labels; changing needs
    MANAGE_PRODUCTS (the buttons are hidden otherwise, and the services check anyway).

    Signals:
        search_finished(): the table shows the answer to the latest search (tests wait on it).
        message(str): a one-line outcome for the status line (saved, exported…).
    """

    OBJECT_NAME = "catalogTab"
    TITLE = N_("Catalog")

    search_finished = Signal()
    message = Signal(str)

    @override
    def build(self) -> None:
        backend, bus, user = self.backend, self.bus, self.user
        self.catalog: CatalogApi = backend.catalog
        self.can_manage = has_permission(user, Permission.MANAGE_PRODUCTS)
        self._search: Operation[SearchResult] | None = None
        self._generation = 0
        self._select_after_refresh: int | None = None
        self.editor: ProductEditorDialog | None = None
        self._open_exact = False
        layout = page_column(self)
        layout.addWidget(
            PageHeader(
                _("Catalog"), _("Products, prices, barcodes, tax rates and images."), "box", self
            )
        )
        self.model = CatalogTableModel(self.catalog, user, self)
        self.model.load_failed.connect(self._on_model_load_failed)
        self._build(layout)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        bus.product_changed.connect(self._on_bus_product_changed)
        bus.products_imported.connect(self._on_bus_product_changed)
        self.message.connect(self.status_label.setText)
        self._update_actions()
        self.refresh()

    # --- layout ------------------------------------------------------------------------------

    def _action(
        self, text: str, shortcut: str | QKeySequence.StandardKey, slot: Callable[[], None]
    ) -> QAction:
        return shortcut_action(self, text, shortcut, slot)

    def _button(self, action: QAction, *, primary: bool = False) -> QPushButton:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        button = QPushButton(f"{action.text().replace('&', '')}   {keys}".strip(), self)
        button.setAccessibleName(action.text().replace("&", ""))
        button.setToolTip(f"{action.toolTip()} ({keys})" if keys else action.toolTip())
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        if primary:
            button.setProperty("variant", "primary")
        button.clicked.connect(action.trigger)
        action.changed.connect(lambda: button.setEnabled(action.isEnabled()))
        return button

    def _build_actions(self) -> None:
        self.new_action = self._action(_("&New product"), "Ctrl+N", self._on_new_triggered)
        self.edit_action = self._action(_("&Edit"), "Ctrl+E", self._on_edit_triggered)
        self.archive_action = self._action(_("&Archive"), "Ctrl+Del", self._on_archive_triggered)
        self.labels_action = self._action(_("&Labels"), "Ctrl+P", self._on_labels_triggered)
        self.import_action = self._action(_("&Import"), "Ctrl+I", self._on_import_triggered)
        self.export_action = self._action(_("E&xport"), "Ctrl+Shift+E", self._on_export_triggered)
        self.variants_action = self._action(
            _("&Variants"), "Ctrl+Shift+V", self._on_variants_triggered
        )
        self.categories_action = self._action(
            _("Ca&tegories"), "Ctrl+Shift+T", self._on_categories_triggered
        )
        self.search_action = self._action(_("Search"), "Ctrl+F", self._on_search_shortcut)
        # No button for the variants: the row of buttons already fills a 1280-pixel window.
        self.new_action.setToolTip(
            _("Add a product (Ctrl+Shift+V: a product with variants, or the selected variant's)")
        )
        self.edit_action.setToolTip(_("Edit the selected product (or double-click it, or Enter)"))
        self.archive_action.setToolTip(_("Archive or restore the selected product"))
        self.labels_action.setToolTip(_("Barcode labels of the selected products as a PDF"))
        self.import_action.setToolTip(_("Import products from a CSV file"))
        self.export_action.setToolTip(_("Export every product to a CSV file"))
        self.categories_action.setToolTip(_("See and edit the category tree"))
        self.variants_action.setToolTip(
            _("A product with variants (size, colour…): the selected variant's, or a new one")
        )

    def _build(self, layout: QVBoxLayout) -> None:
        self._build_actions()
        actions = QHBoxLayout()
        actions.setSpacing(SPACING)
        self.buttons: dict[str, QPushButton] = {}
        for key, action, primary in (
            ("new", self.new_action, True),
            ("edit", self.edit_action, False),
            ("archive", self.archive_action, False),
            ("labels", self.labels_action, False),
        ):
            self.buttons[key] = self._button(action, primary=primary)
            actions.addWidget(self.buttons[key])
        actions.addStretch(1)
        for key, action in (
            ("categories", self.categories_action),
            ("import", self.import_action),
            ("export", self.export_action),
        ):
            self.buttons[key] = self._button(action)
            actions.addWidget(self.buttons[key])
        for key in ("new", "import"):
            self.buttons[key].setVisible(self.can_manage)
        self.buttons["archive"].setVisible(self.can_manage)

        self.search_edit = search_field(
            self, _("Search name, SKU or barcode   (Ctrl+F)"), _("Search products"), "catalogSearch"
        )
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.search_edit.returnPressed.connect(self._on_search_edit_return_pressed)
        self.archived_check = QCheckBox(_("Show arc&hived"), self)
        self.archived_check.toggled.connect(self._on_archived_check_toggled)
        filters = QHBoxLayout()
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(self.archived_check)

        self.table = self._build_table()
        self.status_label = QLabel(self)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setProperty("role", "muted")
        self.count_label = QLabel(self)
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setProperty("role", "muted")
        footer = QHBoxLayout()
        footer.addWidget(self.status_label, 1)
        footer.addWidget(self.count_label)

        layout.addLayout(actions)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(footer)
        self.setFocusProxy(self.search_edit)

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setObjectName("catalogTable")
        table.setAccessibleName(_("Products"))
        table.setModel(self.model)
        table.setFrameShape(QFrame.Shape.StyledPanel)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setIconSize(self._icon_size())
        vertical = table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row size queries
        vertical.setDefaultSectionSize(THUMB_SIZE + 8)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, key in enumerate(COLUMN_KEYS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            if key in _WIDTHS:
                table.setColumnWidth(column, _WIDTHS[key])
        header.setSectionResizeMode(COLUMN_KEYS.index("name"), QHeaderView.ResizeMode.Stretch)
        table.doubleClicked.connect(self._on_table_double_clicked)
        table.activated.connect(self._on_table_double_clicked)
        table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        return table

    def _icon_size(self) -> QSize:
        return QSize(THUMB_SIZE, THUMB_SIZE)

    # --- searching ---------------------------------------------------------------------------

    @property
    def search_text(self) -> str:
        """The current search text."""
        return self.search_edit.text()

    def refresh(self) -> None:
        """Run the current search again (in the background)."""
        self._search_timer.stop()
        self._refresh_timer.stop()
        self._generation += 1
        generation = self._generation
        text = self.search_edit.text()
        archived = self.archived_check.isChecked()
        browse = not text.strip()
        catalog, user = self.catalog, self.user

        def first(_job: Job) -> SearchResult:
            limit = FIRST_IDS if browse else None
            return catalog.search(user, text, include_archived=archived, limit=limit)

        def every(_job: Job) -> SearchResult:
            return catalog.search(user, text, include_archived=archived)

        def start(work: Callable[[Job], SearchResult], *, final: bool) -> None:
            self._search = Operation(
                self,
                work,
                name="catalog search",
                success=lambda result: apply(result, final=final),
                failure=self._on_search_failed,
            ).run()

        def apply(result: SearchResult, *, final: bool) -> None:
            if generation != self._generation:
                return
            self._apply_result(result, final=final)
            if browse and not final and result.truncated:
                start(every, final=True)
            else:
                self.search_finished.emit()

        start(first, final=False)

    @property
    def searching(self) -> bool:
        """Whether the latest search has not answered yet."""
        return self._search is not None and self._search.running

    def _apply_result(self, result: SearchResult, *, final: bool) -> None:
        selected = self.selected_ids()
        if self._select_after_refresh is not None:
            selected = [self._select_after_refresh]
            if final or not result.truncated:
                self._select_after_refresh = None
        self.model.set_result(result)
        if selected:
            self._select_ids(selected[:50])
        elif result.exact_id is not None:
            self._select_ids([result.exact_id])
        self._update_count(loading=not final and result.truncated and not self.search_text.strip())
        self._update_actions()
        if self._open_exact:
            self._open_exact = False
            if result.exact_id is not None:
                self.edit_product(result.exact_id)

    def _update_count(self, *, loading: bool = False) -> None:
        result = self.model.result
        count = len(result.ids)
        if loading:
            text = _("Loading every product… {count} shown").format(count=count_text(count))
        elif not self.search_text.strip():
            text = ngettext("{count} product", "{count} products", count).format(
                count=count_text(count)
            )
        elif result.truncated:
            text = _("First {count} matches: type more to narrow the list").format(
                count=count_text(count)
            )
        elif count == 0:
            text = _("No product matches")
        else:
            text = ngettext("{count} match", "{count} matches", count).format(
                count=count_text(count)
            )
        if self.archived_check.isChecked():
            text += _(" · archived included")
        selected = len(self.selected_ids())
        if selected > 1:
            text += _(" · {count} selected").format(count=count_text(selected))
        self.count_label.setText(text)

    @Slot(str)
    def _on_search_failed(self, message: str) -> None:
        self.status_label.setText(message)
        self.search_finished.emit()

    @Slot(str)
    def _on_model_load_failed(self, message: str) -> None:
        self.status_label.setText(message)

    @Slot(str)
    def _on_search_edit_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def _on_search_edit_return_pressed(self) -> None:
        """Enter: search now; with a scanned code that matches exactly, open the product."""
        if self._search_timer.isActive() or self.searching:  # a scanner types fast
            self._open_exact = True
            self.refresh()
            return
        if self.model.result.exact_id is not None:
            self.edit_product(self.model.result.exact_id)

    @Slot(bool)
    def _on_archived_check_toggled(self, _checked: bool) -> None:
        self.refresh()

    @Slot()
    def _on_search_shortcut(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    @Slot(object)
    def _on_bus_product_changed(self, event: ProductChanged | ProductsImported) -> None:
        # Many events may arrive at once (an import): mark the cache stale once, refresh later.
        if not self._refresh_timer.isActive():
            self.model.mark_stale()
        self._refresh_timer.start()

    # --- selection ---------------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        """The ids of the selected rows, top to bottom."""
        rows = [index.row() for index in self.table.selectionModel().selectedRows()]
        return self.model.selected_ids(rows)

    def current_id(self) -> int | None:
        """The id of the current row."""
        index = self.table.currentIndex()
        return self.model.product_id(index.row()) if index.isValid() else None

    def _select_ids(self, ids: list[int]) -> None:
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        first = True
        for product_id in ids:
            row = self.model.row_of(product_id)
            if row is None:
                continue
            index = self.model.index(row, COLUMN_KEYS.index("name"))
            if first:
                selection.setCurrentIndex(index, flags)
                self.table.scrollTo(index)
                first = False
            else:
                selection.select(index, flags)

    def select_row(self, row: int) -> None:
        """Make ``row`` the current, only selected row."""
        index = self.model.index(row, COLUMN_KEYS.index("name"))
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    @Slot()
    def _on_selection_changed(self) -> None:
        self._update_actions()
        self._update_count()

    def _update_actions(self) -> None:
        current = self.current_id()
        row = self.model.product_row(self.table.currentIndex().row()) if current else None
        self.edit_action.setEnabled(current is not None)
        self.archive_action.setEnabled(self.can_manage and current is not None)
        self.archive_action.setText(
            _("&Restore") if row is not None and not row.active else _("&Archive")
        )
        self.buttons["archive"].setText(
            (_("Restore") if row is not None and not row.active else _("Archive")) + "   Ctrl+Del"
        )
        self.labels_action.setEnabled(bool(self.selected_ids()))
        self.new_action.setEnabled(self.can_manage)
        self.import_action.setEnabled(self.can_manage)

    # --- actions -----------------------------------------------------------------------------

    def _categories(self) -> list[CategoryDTO]:
        try:
            return self.catalog.categories(self.user)
        except ServiceError as exc:
            self.status_label.setText(str(exc))
            return []

    def open_editor(self, product: ProductDTO | None) -> ProductEditorDialog:
        """Build the product editor (not shown: tests drive it, the actions exec it)."""
        return ProductEditorDialog(self.catalog, self.user, self._categories(), product, self)

    def _run_editor(self, dialog: ProductEditorDialog) -> None:
        """Show the editor window-modal; handle its outcome when it closes."""
        self.editor = dialog
        dialog.finished.connect(lambda result: self._on_editor_finished(dialog, result))
        open_once(dialog)

    def _on_editor_finished(self, dialog: ProductEditorDialog, result: int) -> None:
        if self.editor is dialog:
            self.editor = None
        if result == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self.after_save(dialog.saved)

    def after_save(self, product: ProductDTO) -> None:
        """Announce a saved product, and select it once the list is read again."""
        self.message.emit(_("Saved “{name}”.").format(name=product.name))
        self._select_after_refresh = product.id
        self.refresh()

    def open_variants(self) -> VariantMatrixDialog:
        """The matrix editor for the selected variant's template, or a new one (not shown)."""
        categories = self._categories()
        return matrix_for(
            self.catalog, self.user, categories, self.current_id(), self, self._after_matrix
        )

    def _after_matrix(self, saved: TemplateDTO) -> None:
        count = sum(1 for variant in saved.variants if variant.active)
        self.message.emit(
            ngettext(
                "Saved “{name}” with {count} variant.",
                "Saved “{name}” with {count} variants.",
                count,
            ).format(name=saved.name, count=count)
        )
        self.refresh()

    @Slot()
    def _on_variants_triggered(self) -> None:
        if self.can_manage:
            open_once(self.open_variants())

    @Slot()
    def _on_new_triggered(self) -> None:
        if self.can_manage:
            self._run_editor(self.open_editor(None))

    def edit_product(self, product_id: int) -> None:
        """Open the editor on one product."""
        try:
            product = self.catalog.product(self.user, product_id)
        except ServiceError as exc:
            self.status_label.setText(str(exc))
            return
        dialog = self.open_editor(product)
        if not self.can_manage:
            dialog.save_button.setEnabled(False)
            dialog.save_button.setToolTip(_("You may look but not change products."))
        self._run_editor(dialog)

    @Slot()
    def _on_edit_triggered(self) -> None:
        current = self.current_id()
        if current is not None:
            self.edit_product(current)

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        product_id = self.model.product_id(index.row())
        if product_id is not None:
            self.edit_product(product_id)

    def set_archived(self, product_id: int, archived: bool) -> bool:
        """Archive or restore one product; report the outcome on the status line."""
        try:
            product = self.catalog.set_archived(
                self.user, product_id, archived, expected_version=None
            )
        except ServiceError as exc:
            self.status_label.setText(str(exc))
            return False
        done = _("Archived “{name}”.") if archived else _("Restored “{name}”.")
        self.message.emit(done.format(name=product.name))
        self.refresh()
        return True

    @Slot()
    def _on_archive_triggered(self) -> None:
        current = self.current_id()
        row = self.model.product_row(self.table.currentIndex().row())
        if current is not None and row is not None and self.can_manage:
            self.set_archived(current, row.active)

    def write_labels(self, path: str, ids: list[int] | None = None) -> int:
        """Write the labels of ``ids`` (default: the selection) to a PDF; return the count."""
        chosen = ids if ids is not None else self.selected_ids()
        return write_label_sheet(self.catalog, self.user, chosen, path, self.message.emit)

    @Slot()
    def _on_labels_triggered(self) -> None:
        if self.selected_ids():
            save_labels(self, self.write_labels, self.status_label.setText)

    def import_dialog(self) -> ImportDialog:
        """Build the import dialog (not shown); it is deleted when closed."""
        dialog = ImportDialog(self.catalog, self.user, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self._on_import_dialog_imported)
        return dialog

    @Slot(object)
    def _on_import_dialog_imported(self, report: ImportReport) -> None:
        self.message.emit(report.summary())
        self.refresh()

    @Slot()
    def _on_import_triggered(self) -> None:
        if self.can_manage:
            open_once(self.import_dialog())

    def export_to(self, path: str) -> Operation[ExportReport]:
        """Start exporting to ``path`` and show the progress dialog (window-modal)."""
        return export_products(self, self.catalog, self.user, path, self.message.emit)

    @Slot()
    def _on_export_triggered(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Export products"), "products.csv", _(CSV_FILTER)
        )
        if path:
            self.export_to(path)

    @Slot()
    def _on_categories_triggered(self) -> None:
        open_once(CategoryDialog(self.catalog, self.user, editable=self.can_manage, parent=self))

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        drain(self)
        super().closeEvent(event)
