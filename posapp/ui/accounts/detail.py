"""An account's detail: holder, status, balance and limits, and its movements (a lazy table)."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posapp.i18n import N_, _
from posapp.services.accounts import STATUS_LABELS, AccountDTO, AccountsApi, MovementDTO, display
from posapp.services.platform.dto import UserDTO
from posapp.ui.accounts.models import MovementsModel, balance_money
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.widgets import SPACING, EmptyState, message_label, plain_label, show_message

STATUS_TONES: Final = {"open": "success", "frozen": "warning", "closed": "muted"}
"""The pill tone of each account status (``QLabel[tone=…]`` in ``resources/accounts.qss``)."""


def set_pill(label: QLabel, text: str, tone: str) -> None:
    """Make ``label`` a small coloured pill saying ``text``."""
    label.setText(text)
    label.setProperty("pill", True)
    label.setProperty("tone", tone)
    label.style().unpolish(label)
    label.style().polish(label)


def figure_band(
    parent: QWidget, captions: tuple[str, ...], blank: str, *, padding: int, gap: int
) -> tuple[QFrame, dict[str, QLabel]]:
    """Return a band of figures (a caption over each value) and its value labels by caption.

    The captions may be ``N_``-marked English: they are shown through ``_()`` and the labels
    stay keyed by the captions as given (code looks a figure up in English).

    ``padding`` is the band's top and bottom inner margin, ``gap`` the space between figures.
    """
    band = QFrame(parent)
    band.setObjectName("accountsFigures")
    grid = QGridLayout(band)
    grid.setContentsMargins(2 * SPACING, padding, 2 * SPACING, padding)
    grid.setHorizontalSpacing(gap)
    values: dict[str, QLabel] = {}
    for column, caption in enumerate(captions):
        grid.addWidget(plain_label(_(caption).upper(), band, "figureCaption"), 0, column)
        value = plain_label(blank, band, "figureValue")
        value.setAccessibleName(_(caption))
        grid.addWidget(value, 1, column)
        values[caption] = value
    return band, values


def action_button(action: QAction, parent: QWidget, *, primary: bool = False) -> QPushButton:
    """A push button that triggers ``action`` and follows its text, tooltip and enabled state."""
    button = QPushButton(action.text().replace("…", "").strip(), parent)
    button.setAutoDefault(False)
    if primary:
        button.setProperty("variant", "primary")

    def sync() -> None:
        button.setEnabled(action.isEnabled())
        button.setVisible(action.isVisible())
        button.setText(action.text())
        shortcut = action.shortcut().toString()
        tip = action.toolTip() or action.text()
        button.setToolTip(f"{tip} ({shortcut})" if shortcut and shortcut not in tip else tip)

    action.changed.connect(sync)
    button.clicked.connect(action.trigger)
    sync()
    return button


class AccountDetail(QWidget):
    """One account: a card with its figures, action buttons, and the movements table.

    Signals:
        movement_selected(object): the selected movement (a ``MovementDTO``) or None.
        failed(str): the movements could not be read; the message is for the user.
    """

    movement_selected = Signal(object)
    failed = Signal(str)

    def __init__(self, api: AccountsApi, actor: UserDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountDetail")
        self.account: AccountDTO | None = None
        self.empty = EmptyState(
            "wallet",
            _("Choose an account"),
            _(
                "Pick an account in the list to see its balance and movements, or open a new one "
                "with Ctrl+N."
            ),
            self,
        )
        self.page = QWidget(self)
        self.card = QFrame(self.page)
        self.card.setObjectName("accountsCard")
        self.name_label = plain_label("", self.card, "holderName")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_pill = plain_label("", self.card)
        self.number_label = plain_label("", self.card, "accountNumber")
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.contact_label = plain_label("", self.card, "dialogText")
        self.contact_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.balance_caption = plain_label(_("BALANCE"), self.card, "figureCaption")
        self.balance_label = plain_label("", self.card, "balanceValue")
        self.balance_label.setAccessibleName(_("Balance"))
        self.lock_label = message_label("lockBanner", self.card)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(SPACING)
        self.movements = MovementsModel(api, actor, self)
        self.movements.failed.connect(self.failed)
        self.table = QTableView(self.page)
        self._build_table()
        self._build_card()
        self._build_page()
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.empty)
        self._stack.addWidget(self.page)

    def _build_table(self) -> None:
        table = self.table
        table.setModel(self.movements)
        table.setAccessibleName(_("Movements"))
        table.verticalHeader().hide()
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setAlternatingRowColors(False)
        table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        table.setHorizontalScrollMode(QTableView.ScrollMode.ScrollPerPixel)
        table.verticalHeader().setDefaultSectionSize(4 * SPACING)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for column, width in enumerate((150, 104, 0, 104, 104)):
            if width:
                header.resizeSection(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)

    def _build_card(self) -> None:
        top = QHBoxLayout()
        top.setSpacing(SPACING)
        who = QVBoxLayout()
        who.setSpacing(2)
        name_row = QHBoxLayout()
        name_row.setSpacing(SPACING)
        name_row.addWidget(self.name_label)
        name_row.addWidget(self.status_pill, 0, Qt.AlignmentFlag.AlignVCenter)
        name_row.addStretch(1)
        who.addLayout(name_row)
        who.addWidget(self.number_label)
        who.addWidget(self.contact_label)
        top.addLayout(who, 1)
        money = QVBoxLayout()
        money.setSpacing(0)
        money.addWidget(self.balance_caption, 0, Qt.AlignmentFlag.AlignRight)
        money.addWidget(self.balance_label, 0, Qt.AlignmentFlag.AlignRight)
        top.addLayout(money)

        band, self.figures = figure_band(
            self.card,
            (N_("Available"), N_("Overdraft"), N_("Daily limit"), N_("PIN")),
            "",
            padding=SPACING + 4,
            gap=3 * SPACING,
        )

        layout = QVBoxLayout(self.card)
        layout.setContentsMargins(3 * SPACING, int(2.5 * SPACING), 3 * SPACING, 2 * SPACING)
        layout.setSpacing(int(1.5 * SPACING))
        layout.addLayout(top)
        layout.addWidget(band)
        layout.addWidget(self.lock_label)
        layout.addLayout(self.buttons)

    def _build_page(self) -> None:
        movements_card = QFrame(self.page)
        movements_card.setObjectName("accountsCard")
        inner = QVBoxLayout(movements_card)
        inner.setContentsMargins(SPACING, int(1.5 * SPACING), SPACING, SPACING)
        inner.setSpacing(SPACING)
        title = plain_label(_("Movements"), movements_card, "sectionTitle")
        title.setContentsMargins(SPACING, 0, 0, 0)
        inner.addWidget(title)
        inner.addWidget(self.table, 1)
        layout = QVBoxLayout(self.page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2 * SPACING)
        layout.addWidget(self.card)
        layout.addWidget(movements_card, 1)

    def add_buttons(self, buttons: list[QPushButton]) -> None:
        """Place the action buttons under the figures (left to right)."""
        for button in buttons:
            self.buttons.addWidget(button)
        self.buttons.addStretch(1)

    def set_account(self, account: AccountDTO | None, *, reload_movements: bool = True) -> None:
        """Show ``account`` (None: the empty state)."""
        changed = account is None or self.account is None or account.id != self.account.id
        self.account = account
        if account is None:
            self._stack.setCurrentWidget(self.empty)
            self.movements.set_account(None)
            return
        self.name_label.setText(account.holder_name)
        set_pill(
            self.status_pill,
            _(STATUS_LABELS.get(account.status, account.status)),
            STATUS_TONES.get(account.status, "muted"),
        )
        self.number_label.setText(_("Account {number}").format(number=display(account.number)))
        contact = " · ".join(part for part in (account.email, account.phone) if part)
        self.contact_label.setText(contact or _("No email or phone"))
        self.balance_label.setText(balance_money(account.balance_minor))
        self.balance_label.setProperty("negative", account.balance_minor < 0)
        self.balance_label.style().unpolish(self.balance_label)
        self.balance_label.style().polish(self.balance_label)
        daily = account.daily_withdrawal_limit_minor
        self.figures["Available"].setText(money_text(account.available_minor))
        overdraft = account.overdraft_limit_minor
        self.figures["Overdraft"].setText(money_text(overdraft) if overdraft else _("None"))
        self.figures["Daily limit"].setText(_("None") if daily is None else money_text(daily))
        self.figures["PIN"].setText(
            _("Locked") if account.pin_locked else (_("Set") if account.pin_set else _("Not set"))
        )
        show_message(
            self.lock_label,
            _("The PIN is locked after 3 wrong tries: a manager must unlock it (Ctrl+Shift+U).")
            if account.pin_locked
            else "",
        )
        self._stack.setCurrentWidget(self.page)
        if changed or reload_movements:
            self.movements.set_account(account.id)

    def selected_movement(self) -> MovementDTO | None:
        """The movement selected in the table."""
        index = self.table.currentIndex()
        return self.movements.movement(index.row()) if index.isValid() else None

    @Slot()
    def _on_table_current_row_changed(self) -> None:
        emit(self.movement_selected, self.selected_movement())
