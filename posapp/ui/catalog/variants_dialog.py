"""The matrix editor: a template's attributes and values, its variants in a grid, one save.

Keyboard: type the template's fields and up to three attributes with their values ("blue,
red"), Ctrl+G generates every combination (rows already there keep their codes and prices),
then the grid: arrows or Tab move, typing or F2 edits a SKU, barcode or price, Enter commits;
Ctrl+S saves, Esc cancels. A refused save tints every bad cell (its tooltip says why), lists
the first problem above the grid and puts the cursor on it; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QLocale, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posapp.i18n import N_, _, ngettext
from posapp.money import format_money
from posapp.services.catalog import (
    NAME_MAX,
    SKU_MAX,
    AttributeDraft,
    CatalogApi,
    CategoryDTO,
    MatrixError,
    TemplateDraft,
    TemplateDTO,
    VariantDraft,
    format_tax_rate,
    parse_price,
    parse_tax_rate,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.ui.catalog.variant_grid import GridRow, VariantGridModel, combine
from posapp.ui.kit.widgets import SPACING, message_label, plain_label, push_button, show_message

ATTRIBUTE_ROWS = 3
_LABELS = {
    "code": N_("Code"),
    "name": N_("Name"),
    "price": N_("price"),
    "tax_rate": N_("Tax rate"),
    "category": N_("Category"),
    "attributes": N_("Attributes"),
    "sku": N_("SKU"),
    "barcode": N_("barcode"),
    "values": N_("values"),
}


class _RefusedError(Exception):
    """Cells the dialog itself cannot read (a price that is no amount)."""

    def __init__(self, cells: dict[tuple[int, str], str], fields: dict[str, str]) -> None:
        super().__init__("refused")
        self.cells, self.fields = cells, fields


class VariantMatrixDialog(QDialog):
    """Create or edit a product template and its variants; ``saved`` holds the result."""

    def __init__(
        self,
        catalog: CatalogApi,
        user: UserDTO,
        categories: list[CategoryDTO],
        template: TemplateDTO | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("variantMatrix")
        self._catalog, self._user, self.template = catalog, user, template
        self.saved: TemplateDTO | None = None
        self._locale = QLocale()
        self.setWindowTitle(_("New product with variants") if template is None else template.name)
        self.setAccessibleName(self.windowTitle())
        self._build(categories)
        if template is not None:
            self._load(template)
        self.code_edit.setFocus()

    # --- layout ------------------------------------------------------------------------------

    def _line(self, limit: int, placeholder: str, name: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setMaxLength(limit)
        edit.setPlaceholderText(placeholder)
        edit.setAccessibleName(name)
        return edit

    def _build(self, categories: list[CategoryDTO]) -> None:
        self.code_edit = self._line(
            SKU_MAX, _("e.g. TSHIRT (the CSV files' template key)"), _("Code")
        )
        self.name_edit = self._line(NAME_MAX, _("e.g. T-shirt"), _("Name"))
        self.price_edit = self._line(20, f"0{self._locale.decimalPoint()}00", _("Price"))
        self.price_edit.textChanged.connect(self._on_price_edit_text_changed)
        self.tax_edit = self._line(8, _("e.g. 20"), _("Tax rate"))
        self.tax_included_check = QCheckBox(_("The prices include tax"), self)
        self.tax_included_check.setChecked(True)
        self.category_combo = QComboBox(self)
        self.category_combo.addItem(_("No category"), None)
        for category in categories:
            self.category_combo.addItem(category.path, category.id)
        form = QFormLayout()
        form.addRow(_("&Code"), self.code_edit)
        form.addRow(_("&Name"), self.name_edit)
        form.addRow(_("&Price"), self.price_edit)
        form.addRow(_("Ta&x rate %"), self.tax_edit)
        form.addRow("", self.tax_included_check)
        form.addRow(_("Categor&y"), self.category_combo)
        self.fields: dict[str, QWidget] = {
            "code": self.code_edit,
            "name": self.name_edit,
            "price": self.price_edit,
            "tax_rate": self.tax_edit,
            "category": self.category_combo,
        }
        self._build_rest(form)

    def _build_attributes(self) -> QGridLayout:
        attributes = QGridLayout()
        attributes.addWidget(plain_label(_("Attribute"), self), 0, 0)
        attributes.addWidget(plain_label(_("Values, separated by commas"), self), 0, 1)
        self.attribute_edits: list[tuple[QLineEdit, QLineEdit]] = []
        for number in range(ATTRIBUTE_ROWS):
            name = self._line(
                50,
                (_("Colour"), _("Size"), _("Material"))[number],
                _("Attribute {number}").format(number=number + 1),
            )
            values = self._line(
                1000,
                (_("blue, red"), _("S, M, L"), _("cotton, linen"))[number],
                _("Values {number}").format(number=number + 1),
            )
            attributes.addWidget(name, number + 1, 0)
            attributes.addWidget(values, number + 1, 1)
            self.attribute_edits.append((name, values))
        attributes.setColumnStretch(1, 1)
        return attributes

    def _build_rest(self, form: QFormLayout) -> None:
        attributes = self._build_attributes()
        self.generate_button = push_button(
            _("&Generate variants   Ctrl+G"),
            _("Make a row for every combination of the values (rows there keep their codes)"),
            self,
        )
        self.generate_button.clicked.connect(self.generate)
        QShortcut(QKeySequence("Ctrl+G"), self, self.generate)
        self.model = VariantGridModel(self)
        self.grid = QTableView(self)
        self.grid.setObjectName("variantGrid")
        self.grid.setAccessibleName(_("Variants"))
        self.grid.setModel(self.model)
        self.grid.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.error_label = message_label("errorLabel", self)
        self.count_label = plain_label("", self)
        self.count_label.setProperty("role", "muted")
        self.save_button = push_button(
            _("&Save   Ctrl+S"), _("Save the template and its variants"), self
        )
        QShortcut(QKeySequence("Ctrl+S"), self, self._on_save_clicked)
        self.save_button.setProperty("variant", "primary")
        self.save_button.clicked.connect(self._on_save_clicked)
        self.cancel_button = push_button(_("Cancel   Esc"), _("Close without saving"), self)
        self.cancel_button.clicked.connect(self.reject)
        tools = QHBoxLayout()
        tools.addWidget(self.generate_button)
        tools.addWidget(self.count_label, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setSpacing(SPACING)
        top = QHBoxLayout()
        top.addLayout(form, 1)
        top.addLayout(attributes, 2)
        layout.addLayout(top)
        layout.addLayout(tools)
        layout.addWidget(self.error_label)
        layout.addWidget(self.grid, 1)
        layout.addLayout(buttons)
        self.resize(900, 620)

    def _money(self, minor: int) -> str:
        return format_money(
            minor, decimal_sep=self._locale.decimalPoint(), group_sep=self._locale.groupSeparator()
        )

    def _own_price(self, price: int, template_price: int) -> str:
        return "" if price == template_price else self._money(price)

    def _load(self, template: TemplateDTO) -> None:
        self.code_edit.setText(template.code)
        self.name_edit.setText(template.name)
        self.price_edit.setText(self._money(template.price_minor))
        self.tax_edit.setText(
            format_tax_rate(template.tax_rate_bp, decimal_sep=self._locale.decimalPoint())
        )
        self.tax_included_check.setChecked(template.tax_included)
        at = self.category_combo.findData(template.category_id)
        self.category_combo.setCurrentIndex(max(at, 0))
        for (name_edit, values_edit), attribute in zip(
            self.attribute_edits, template.attributes, strict=False
        ):
            name_edit.setText(attribute.name)
            values_edit.setText(", ".join(attribute.values))
        rows = [
            GridRow(
                variant.values,
                variant.sku,
                variant.barcode or "",
                ""
                if variant.price_minor == template.price_minor
                else self._money(variant.price_minor),
                variant.product_id,
            )
            for variant in template.variants
            if variant.active
        ]
        self.model.set_rows([a.name for a in template.attributes], rows)
        self._update_count()

    # --- behaviour ---------------------------------------------------------------------------

    def attributes(self) -> list[tuple[str, list[str]]]:
        """The attributes typed (blank rows left out), each with its values in order."""
        result: list[tuple[str, list[str]]] = []
        for name_edit, values_edit in self.attribute_edits:
            name = name_edit.text().strip()
            values: list[str] = []
            for part in values_edit.text().split(","):
                value = part.strip()
                if value and value.casefold() not in {v.casefold() for v in values}:
                    values.append(value)
            if name or values:
                result.append((name, values))
        return result

    @Slot()
    def generate(self) -> None:
        """Fill the grid with every combination of the values."""
        attributes = self.attributes()
        if not attributes or any(not name or not values for name, values in attributes):
            show_message(self.error_label, _("Give each attribute a name and at least one value."))
            return
        show_message(self.error_label, "")
        rows = combine(self.code_edit.text(), attributes, self.model.rows)
        self.model.set_rows([name for name, _values in attributes], rows)
        self._update_count()
        if rows:
            self.grid.setCurrentIndex(self.model.index(0, self.model.column_of("sku")))
            self.grid.setFocus()

    def _update_count(self) -> None:
        count = len(self.model.rows)
        self.count_label.setText(
            ngettext("{count} variant", "{count} variants", count).format(count=count)
        )

    @Slot(str)
    def _on_price_edit_text_changed(self, text: str) -> None:
        self.model.template_price = text.strip()
        if self.model.rows:
            column = self.model.column_of("price")
            last = self.model.index(len(self.model.rows) - 1, column)
            self.model.dataChanged.emit(self.model.index(0, column), last)

    def _price(self, text: str, what: str) -> int:
        dec, group = self._locale.decimalPoint(), self._locale.groupSeparator()
        return parse_price(text, what, decimal_sep=dec, group_sep=group)

    def draft(self) -> TemplateDraft:
        """The matrix as typed, prices read with the locale's separators.

        Raises:
            _RefusedError: prices or the tax rate that are no numbers, by cell.
        """
        cells: dict[tuple[int, str], str] = {}
        fields: dict[str, str] = {}
        price = rate = 0
        try:
            price = self._price(self.price_edit.text(), _("Price"))
        except ServiceError as exc:
            fields["price"] = str(exc)
        try:
            rate = parse_tax_rate(
                self.tax_edit.text() or "0", decimal_sep=self._locale.decimalPoint()
            )
        except ServiceError as exc:
            fields["tax_rate"] = str(exc)
        variants: list[VariantDraft] = []
        for number, row in enumerate(self.model.rows):
            own: int | None = None
            if row.price:
                try:
                    own = self._price(row.price, _("Price"))
                except ServiceError as exc:
                    cells[(number, "price")] = str(exc)
            variants.append(
                VariantDraft(row.values, row.sku, row.barcode or None, own, row.product_id)
            )
        if cells or fields:
            raise _RefusedError(cells, fields)
        category = self.category_combo.currentData()
        return TemplateDraft(
            code=self.code_edit.text(),
            name=self.name_edit.text(),
            price_minor=price,
            attributes=tuple(AttributeDraft(n, tuple(v)) for n, v in self.attributes()),
            variants=tuple(variants),
            category_id=category if isinstance(category, int) else None,
            tax_rate_bp=rate,
            tax_included=self.tax_included_check.isChecked(),
        )

    def _show_errors(self, cells: dict[tuple[int, str], str], fields: dict[str, str]) -> None:
        self.model.set_errors(cells)
        for name, widget in self.fields.items():
            widget.setProperty("invalid", name in fields)
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        problems = [
            _("{field}: {problem}").format(field=_(_LABELS.get(name, name)), problem=text)
            for name, text in fields.items()
        ]
        problems += [
            _("Variant {number}, {field}: {problem}").format(
                number=row + 1, field=_(_LABELS.get(key, key)), problem=text
            )
            for (row, key), text in sorted(cells.items())
        ]
        more = ""
        if len(problems) > 1:
            more = "  " + ngettext(
                "({count} more: the tinted cells say why)",
                "({count} more: the tinted cells say why)",
                len(problems) - 1,
            ).format(count=len(problems) - 1)
        show_message(
            self.error_label,
            _("Nothing was saved. {problem}{more}").format(problem=problems[0], more=more),
        )
        if cells:
            row, key = min(cells)
            self.grid.setCurrentIndex(self.model.index(row, self.model.column_of(key)))
            self.grid.setFocus()
        else:
            focus = next((name for name in self.fields if name in fields), None)
            if focus is not None:
                self.fields[focus].setFocus()

    def _commit_open_editor(self) -> None:
        """A cell still being edited (Ctrl+S typed in it) counts as typed."""
        editor = QApplication.focusWidget()
        if editor is not None and editor.parent() is self.grid.viewport():
            self.grid.commitData(editor)
            self.grid.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def save(self) -> bool:
        """Validate and store the whole matrix; on failure show every bad cell."""
        self._commit_open_editor()
        try:
            draft = self.draft()
            loaded = self.template
            self.saved = self._catalog.save_template(
                self._user,
                draft,
                template_id=None if loaded is None else loaded.id,
                expected_changed_at=None if loaded is None else loaded.changed_at,
            )
        except _RefusedError as refused:
            self._show_errors(refused.cells, refused.fields)
            return False
        except MatrixError as exc:
            cells = {(e.row, e.field): e.message for e in exc.errors if e.row is not None}
            fields = {e.field: e.message for e in exc.errors if e.row is None}
            self._show_errors(cells, fields)
            return False
        except ServiceError as exc:
            show_message(self.error_label, str(exc))
            return False
        return True

    @Slot()
    def _on_save_clicked(self) -> None:
        if self.save():
            self.accept()


def error_cells(dialog: VariantMatrixDialog) -> dict[tuple[int, str], str]:
    """The cells the dialog shows as refused (for tests and the screenshots)."""
    return {
        (number, key): text
        for number, row in enumerate(dialog.model.rows)
        for key, text in row.errors.items()
    }


def matrix_for(
    catalog: CatalogApi,
    user: UserDTO,
    categories: list[CategoryDTO],
    product_id: int | None,
    parent: QWidget,
    on_saved: Callable[[TemplateDTO], None],
) -> VariantMatrixDialog:
    """The matrix editor for product ``product_id``'s template (a new one when it has none).

    ``on_saved`` is called with the saved template when the dialog closes after a save.
    """
    template: TemplateDTO | None = None
    problem = ""
    try:
        template_id = None if product_id is None else catalog.template_of(user, product_id)
        if template_id is not None:
            template = catalog.template(user, template_id)
    except ServiceError as exc:
        problem = str(exc)
    dialog = VariantMatrixDialog(catalog, user, categories, template, parent)
    if problem:
        show_message(dialog.error_label, problem)

    def finished(result: int) -> None:
        if result == QDialog.DialogCode.Accepted and dialog.saved is not None:
            on_saved(dialog.saved)

    dialog.finished.connect(finished)
    return dialog
