"""Settle a sale the server refused on replay (#21): the manager picks it and says what was done.

The till page opens it when the Z report waits for refused offline sales. It lists them (time,
total, the server's reason); the manager picks one, types a note ("cash counted, sale written
off") and presses Enter; the sale is settled through ``SalesApi.settle_offline_sale`` (audited
on the server) and leaves the list. Esc closes. Pending sales are not listed: they go to the
server by themselves.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from posapp.i18n import _
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.sales import RefusedSaleDTO, SalesApi
from posapp.ui.kit.dialogs import dialog_buttons, dialog_column
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.widgets import SPACING, message_label

NOTE_MAX = 200


class SettleOfflineDialog(QDialog):
    """The refused offline sales of this register; settle the chosen one with a note.

    :attr:`settled` counts the sales settled while it was open.
    """

    def __init__(
        self, sales: SalesApi, user: UserDTO, register: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settleOfflineDialog")
        self.setWindowTitle(_("Settle refused offline sales"))
        self.sales, self.user, self.register = sales, user, register
        self.settled = 0
        self.refused: list[RefusedSaleDTO] = []
        intro = QLabel(
            _(
                "The server refused these sales taken offline. The customer paid at the till: "
                "say what you did about each one, then settle it so the till can close."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.table = QTreeWidget(self)
        self.table.setRootIsDecorated(False)
        self.table.setAccessibleName(_("Refused offline sales"))
        self.table.setHeaderLabels([_("Time"), _("Total"), _("Reason")])
        self.note_edit = QLineEdit(self)
        self.note_edit.setMaxLength(NOTE_MAX)
        self.note_edit.setAccessibleName(_("Note"))
        self.note_edit.setPlaceholderText(_("e.g. cash counted, sale written off"))
        form = QFormLayout()
        form.addRow(_("&Note"), self.note_edit)
        self.error = message_label("errorLabel", self, wrap=True)
        buttons = dialog_buttons(self, self._settle, _("Settle"))
        dialog_column(self, intro, self.table, form, self.error, buttons)
        self.setMinimumWidth(80 * SPACING)
        self.load()
        self.note_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def load(self) -> None:
        """Read the refused sales again; the first is chosen."""
        try:
            self.refused = self.sales.refused_offline_sales(self.user)
        except ServiceError as exc:
            self._show_error(str(exc))
            self.refused = []
        self.table.clear()
        for sale in self.refused:
            item = QTreeWidgetItem(
                [
                    sale.taken_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                    money_text(sale.total_minor),
                    sale.problem,
                ]
            )
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.addTopLevelItem(item)
        first = self.table.topLevelItem(0)
        if first is not None:
            self.table.setCurrentItem(first)
        self.table.resizeColumnToContents(0)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    @Slot()
    def _settle(self) -> None:
        current = self.table.currentItem()
        row = -1 if current is None else self.table.indexOfTopLevelItem(current)
        if not 0 <= row < len(self.refused):
            self._show_error(_("Choose the sale to settle."))
            return
        chosen = self.refused[row]
        try:
            self.sales.settle_offline_sale(
                self.user, self.register, chosen.sale_uuid, self.note_edit.text()
            )
        except ServiceError as exc:
            self._show_error(str(exc))
            return
        self.settled += 1
        self._show_error("")
        self.note_edit.clear()
        self.load()
        if not self.refused:
            self.accept()
