"""Admin users → Settings → Tax rates: the rates products pick from, added and changed here.

A small, fully loaded table (name, rate, included or added, products, the default marked) over
``backend.catalog.tax_rates``; **Add rate** (Ctrl+N), **Edit rate** (Enter on a row) and **Make
default** (Ctrl+D) open or call through the catalog facade, which checks the permission,
validates, audits and announces the change. A changed rate applies to the next sale of its
products; past sales keep theirs (the dialog says so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.formats import percent
from posapp.i18n import N_, _, ngettext
from posapp.services.catalog import TaxRateDTO
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.ui.kit.lifetime import one_use
from posapp.ui.kit.session import error_text
from posapp.ui.kit.table_model import RIGHT, Column, ColumnTableModel
from posapp.ui.kit.widgets import SPACING, message_label, plain_label, push_button, show_message
from posapp.ui.staff.dialogs import StaffDialog, chevron_combo

if TYPE_CHECKING:
    from posapp.services.catalog import CatalogApi

_Index = QModelIndex | QPersistentModelIndex


def _rate_text(rate: TaxRateDTO) -> str:
    return percent(rate.rate_bp, locale="")


class TaxRatesModel(ColumnTableModel[TaxRateDTO]):
    """The tax rates, the default first."""

    columns = (
        Column("name", N_("Name"), lambda r: r.name + (_("  (default)") if r.is_default else "")),
        Column("rate", N_("Rate"), _rate_text, lambda r: r.rate_bp, RIGHT),
        Column("kind", N_("Tax"), lambda r: _("included in prices") if r.included else _("added")),
        Column(
            "products", N_("Products"), lambda r: f"{r.products:,}", lambda r: r.products, RIGHT
        ),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rates: tuple[TaxRateDTO, ...] = ()

    def set_rates(self, rates: tuple[TaxRateDTO, ...]) -> None:
        """Show ``rates``."""
        self.beginResetModel()
        self.rates = rates
        self.endResetModel()

    @override
    def item(self, row: int) -> TaxRateDTO | None:
        return self.rates[row] if 0 <= row < len(self.rates) else None

    @override
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rates)


class TaxRateDialog(StaffDialog):
    """Add a tax rate, or change one (its products sell at the new figures from then on)."""

    def __init__(
        self, catalog: CatalogApi, actor: UserDTO, rate: TaxRateDTO | None, parent: QWidget
    ) -> None:
        text = (
            _("Products pick their tax from this table.")
            if rate is None
            else ngettext(
                "The {count} product with this rate sells at the new figures from "
                "the next sale on; past sales keep the tax they were sold with.",
                "The {count} products with this rate sell at the new figures from "
                "the next sale on; past sales keep the tax they were sold with.",
                rate.products,
            ).format(count=f"{rate.products:,}")
        )
        super().__init__(
            _("Add tax rate") if rate is None else _("Edit tax rate"),
            text,
            _("Add rate") if rate is None else _("Save rate"),
            parent,
        )
        self._catalog, self._actor, self._rate = catalog, actor, rate
        self.saved: TaxRateDTO | None = None
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(61)
        self.name_edit.setPlaceholderText(_("e.g. Standard VAT"))
        self.rate_edit = QLineEdit(self)
        self.rate_edit.setPlaceholderText(_("e.g. 19 or 5.5"))
        self.kind_combo = chevron_combo(self)
        self.kind_combo.addItem(_("Included in prices"), True)
        self.kind_combo.addItem(_("Added at the till"), False)
        self.default_check = QCheckBox(_("New products start with this rate"), self)
        self.add_field(_("&Name"), self.name_edit)
        self.add_field(_("&Rate (%)"), self.rate_edit, _("A percentage from 0 to 100."))
        self.add_field(_("&Tax"), self.kind_combo)
        if rate is None:
            self.add_field("", self.default_check)
        else:
            self.name_edit.setText(rate.name)
            self.rate_edit.setText(_rate_text(rate).removesuffix("%"))
            self.kind_combo.setCurrentIndex(0 if rate.included else 1)
        self.name_edit.setFocus()

    def submit(self) -> None:  # noqa: D102 - see StaffDialog.submit
        included = bool(self.kind_combo.currentData())
        if self._rate is None:
            self.saved = self._catalog.add_tax_rate(
                self._actor,
                self.name_edit.text(),
                self.rate_edit.text(),
                included,
                default=self.default_check.isChecked(),
            )
        else:
            self.saved = self._catalog.change_tax_rate(
                self._actor,
                self._rate.id,
                name=self.name_edit.text(),
                rate=self.rate_edit.text(),
                included=included,
            )


class TaxRatesSection(QWidget):
    """The tax rates table with its buttons (a page of the Settings page)."""

    def __init__(self, catalog: CatalogApi, actor: UserDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._catalog, self._actor = catalog, actor
        self.model = TaxRatesModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("taxRatesTable")
        self.table.setAccessibleName(_("Tax rates"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAlternatingRowColors(True)
        self.table.setColumnWidth(0, 34 * SPACING)
        self.table.setColumnWidth(1, 12 * SPACING)
        self.table.setColumnWidth(2, 22 * SPACING)
        self.table.activated.connect(self._on_table_activated)
        self.add_button = push_button(_("Add rate"), _("Add a tax rate (Ctrl+N)"), self, "Ctrl+N")
        self.edit_button = push_button(_("Edit rate"), _("Change the chosen rate (Enter)"), self)
        self.default_button = push_button(
            _("Make default"), _("New products start with the chosen rate (Ctrl+D)"), self, "Ctrl+D"
        )
        self.add_button.clicked.connect(self.add_rate)
        self.edit_button.clicked.connect(self.edit_rate)
        self.default_button.clicked.connect(self.make_default)
        self.message_label = message_label("successLabel", self, wrap=False)
        self.error_label = message_label("errorLabel", self)
        buttons = QHBoxLayout()
        buttons.setSpacing(SPACING)
        for widget in (self.add_button, self.edit_button, self.default_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.message_label)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACING)
        column.addWidget(
            plain_label(
                _(
                    "Products pick their tax from these rates. A changed rate applies from the "
                    "next sale; past sales keep the tax they were sold with."
                ),
                self,
                "fieldHint",
            )
        )
        column.addWidget(self.table, 1)
        column.addLayout(buttons)
        column.addWidget(self.error_label)
        enter = QShortcut(QKeySequence(Qt.Key.Key_Return), self.table)
        enter.setContext(Qt.ShortcutContext.WidgetShortcut)
        enter.activated.connect(self.edit_rate)

    def load(self) -> None:
        """Read the rates again (keeping the chosen one)."""
        chosen = self.current()
        try:
            rates = self._catalog.tax_rates(self._actor)
        except ServiceError as exc:
            show_message(self.error_label, error_text(self, exc))
            return
        self.model.set_rates(rates)
        ids = [rate.id for rate in rates]
        row = ids.index(chosen.id) if chosen is not None and chosen.id in ids else 0
        if rates:
            self.table.selectRow(row)
        for button in (self.edit_button, self.default_button):
            button.setEnabled(bool(rates))

    def current(self) -> TaxRateDTO | None:
        """The chosen rate, if any."""
        return self.model.item(self.table.currentIndex().row())

    @Slot()
    def add_rate(self) -> None:
        """Open the Add tax rate dialog."""
        self._open(None)

    @Slot()
    def edit_rate(self) -> None:
        """Open the chosen rate in the Edit tax rate dialog."""
        rate = self.current()
        if rate is not None:
            self._open(rate)

    def _open(self, rate: TaxRateDTO | None) -> None:
        with one_use(TaxRateDialog(self._catalog, self._actor, rate, self)) as dialog:
            if dialog.exec() and dialog.saved is not None:
                show_message(self.error_label, "")
                self.load()
                show_message(self.message_label, _("Saved {name}.").format(name=dialog.saved.name))

    @Slot()
    def make_default(self) -> None:
        """Make the chosen rate the default."""
        rate = self.current()
        if rate is None:
            return
        try:
            saved = self._catalog.set_default_tax_rate(self._actor, rate.id)
        except ServiceError as exc:
            show_message(self.error_label, error_text(self, exc))
            return
        self.load()
        show_message(self.message_label, _("{name} is the default rate.").format(name=saved.name))

    @Slot(QModelIndex)
    def _on_table_activated(self, _index: QModelIndex) -> None:
        self.edit_rate()
