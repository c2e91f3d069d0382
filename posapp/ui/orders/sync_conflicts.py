"""The Sync conflicts page of the Orders tab: what sales taken offline found different (#21).

A sale a register took while its server was gone is placed later as the customer paid it; each
difference (sold beyond stock, an archived product sold, a price changed meanwhile) is listed
here for a manager, filtered by state, store and kind, newest first. Choosing a row and pressing
Ctrl+M marks it resolved with the note typed beside the button (audited by the service).

It sits in the Orders tab because each conflict names the order that raised it, beside the order
list and the till whose Z report waits for the register's journal; resolving a shortfall usually
means a stock count in the Stores tab, which the note records.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QObject, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import _, pgettext
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.sales import (
    SYNC_CONFLICT_KINDS,
    SYNC_NOTE_MAX,
    ConflictFilter,
    SalesApi,
    SyncConflictDTO,
)
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.formatting import local_time_text, money_text
from posapp.ui.kit.table_model import RIGHT, Column, ColumnTableModel, Index
from posapp.ui.kit.widgets import SPACING
from posapp.units import format_quantity


class ConflictsModel(ColumnTableModel[SyncConflictDTO]):
    """The conflicts shown (a few hundred at most: the service caps the list)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = conflict_columns()
        self.rows: list[SyncConflictDTO] = []

    def set_rows(self, rows: Sequence[SyncConflictDTO]) -> None:
        """Show ``rows``."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    @override
    def item(self, row: int) -> SyncConflictDTO | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)


def _short(c: SyncConflictDTO) -> str:
    return format_quantity(c.short_quantity, c.unit) if c.short_quantity else ""


def _resolved(c: SyncConflictDTO) -> str:
    if c.resolved_at is None:
        return pgettext("sync conflict", "open")
    note = f" · {c.resolution}" if c.resolution else ""
    return f"{local_time_text(c.resolved_at)} · {c.resolved_by}{note}"


def conflict_columns() -> tuple[Column[SyncConflictDTO], ...]:
    """The page's columns (built when shown, so the headers are in the user's language)."""
    return (
        Column("sold", _("Sold at"), lambda c: local_time_text(c.sold_at), lambda c: c.sold_at),
        Column("kind", _("Conflict"), lambda c: _(SYNC_CONFLICT_KINDS.get(c.kind, c.kind))),
        Column("store", _("Store"), lambda c: c.store_name),
        Column("product", _("Product"), lambda c: f"{c.product_name} ({c.sku})"),
        Column("order", _("Order"), lambda c: c.order_number),
        Column("register", _("Register"), lambda c: c.register),
        Column("qty", _("Sold"), lambda c: format_quantity(c.quantity, c.unit), align=RIGHT),
        Column("short", _("Short"), _short, align=RIGHT),
        Column(
            "on_hand", _("On hand"), lambda c: format_quantity(c.on_hand_after, c.unit), align=RIGHT
        ),
        Column("paid", _("Paid"), lambda c: money_text(c.paid_price_minor), align=RIGHT),
        Column("list", _("Price now"), lambda c: money_text(c.list_price_minor), align=RIGHT),
        Column("resolved", _("Resolved"), _resolved),
    )


class SyncConflictsView(QWidget):
    """The managers' list of sync conflicts, with a way to mark one resolved."""

    def __init__(
        self, sales: SalesApi, bus: EventBus, user: UserDTO, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("syncConflictsView")
        self.sales, self.user = sales, user
        self._loaded = False
        self.model = ConflictsModel(self)
        self.state = QComboBox(self)
        for label, value in (
            (pgettext("sync conflicts", "Open"), "open"),
            (_("Resolved"), "resolved"),
            (_("All"), "all"),
        ):
            self.state.addItem(label, value)
        self.store = QComboBox(self)
        self.kind = QComboBox(self)
        self.kind.addItem(_("Every kind"), None)
        for key, label in SYNC_CONFLICT_KINDS.items():
            self.kind.addItem(_(label), key)
        for box in (self.state, self.store, self.kind):
            box.currentIndexChanged.connect(self._on_filter_changed)
        self.table = QTableView(self)
        self.table.setObjectName("syncConflictsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.note = QLineEdit(self)
        self.note.setMaxLength(SYNC_NOTE_MAX)
        self.note.setPlaceholderText(_("What was done (a count, the price kept)…"))
        self.resolve_button = QPushButton(_("Mark resolved  (Ctrl+M)"), self)
        self.resolve_button.setShortcut("Ctrl+M")
        self.resolve_button.clicked.connect(self.resolve)
        self.note.returnPressed.connect(self.resolve)
        self.message = QLabel("", self)
        self.message.setObjectName("hintLabel")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.hide()
        self._layout()
        bus.sync_conflict_raised.connect(self._on_bus_sync_conflict_raised)

    def _layout(self) -> None:
        filters = QHBoxLayout()
        for text, box in (
            (_("Show"), self.state),
            (_("Store"), self.store),
            (_("Kind"), self.kind),
        ):
            label = QLabel(text, self)
            label.setBuddy(box)
            filters.addWidget(label)
            filters.addWidget(box)
        filters.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.note, 1)
        actions.addWidget(self.resolve_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(3 * SPACING, 2 * SPACING, 3 * SPACING, 2 * SPACING)
        column.setSpacing(SPACING)
        column.addLayout(filters)
        column.addWidget(self.table, 1)
        column.addLayout(actions)
        column.addWidget(self.message)

    def say(self, text: str) -> None:
        """Show a note under the table."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def ensure_loaded(self) -> None:
        """Read the stores and the conflicts the first time the page is shown."""
        if self._loaded:
            return
        self._loaded = True
        self.store.blockSignals(True)
        self.store.addItem(_("Every store"), None)
        try:
            for store in self.sales.stores():
                if store.kind == "store":
                    self.store.addItem(store.name, store.id)
        except ServiceError as exc:
            self.say(str(exc))
        self.store.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        """Read the conflicts the filters ask for."""
        wanted = ConflictFilter(
            state=str(self.state.currentData()),
            store_id=self.store.currentData(),
            kind=self.kind.currentData(),
        )
        try:
            rows = self.sales.sync_conflicts(self.user, wanted)
        except ServiceError as exc:
            self.say(str(exc))
            return
        self.model.set_rows(rows)
        if rows:
            self.table.selectionModel().select(
                self.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.resolve_button.setEnabled(bool(rows))

    def selected(self) -> SyncConflictDTO | None:
        """The conflict on the current row, if any."""
        index = self.table.currentIndex()
        return self.model.item(index.row()) if index.isValid() else None

    @Slot()
    def resolve(self) -> None:
        """Mark the chosen conflict resolved with the typed note."""
        chosen = self.selected()
        if chosen is None:
            self.say(_("Choose a conflict in the list first."))
            return
        try:
            self.sales.resolve_sync_conflict(self.user, chosen.id, self.note.text())
        except ServiceError as exc:
            self.say(str(exc))
            return
        self.note.clear()
        self.say(
            _("Conflict on order {number} marked resolved.").format(number=chosen.order_number)
        )
        self.refresh()

    @Slot(int)
    def _on_filter_changed(self, _index: int) -> None:
        if self._loaded:
            self.refresh()

    @Slot(object)
    def _on_bus_sync_conflict_raised(self, _event: object) -> None:
        if self._loaded and self.isVisible():
            self.refresh()
