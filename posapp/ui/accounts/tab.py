"""The Accounts tab: customer accounts, their ledger movements, money dialogs and statements."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QItemSelection, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.events import AccountMoved
from posapp.i18n import N_, _, ngettext, pgettext
from posapp.services.accounts import AccountDTO, AccountFilter, AccountsApi, MovementDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.staff import Permission, has_permission
from posapp.ui.accounts.detail import AccountDetail, action_button
from posapp.ui.accounts.dialogs import (
    AccountFormDialog,
    PinDialog,
    ReverseDialog,
    StatusDialog,
)
from posapp.ui.accounts.models import AccountListModel, balance_money
from posapp.ui.accounts.money_dialogs import DepositDialog, TransferDialog, WithdrawDialog
from posapp.ui.accounts.statement import StatementDialog
from posapp.ui.kit.chevron import ChevronCombo
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.lifetime import one_use
from posapp.ui.kit.resources import styled
from posapp.ui.kit.session import error_text
from posapp.ui.kit.tab import Tab
from posapp.ui.kit.widgets import (
    SPACING,
    PageHeader,
    message_label,
    page_column,
    plain_label,
    search_field,
    shortcut_action,
    show_message,
)

D = TypeVar("D", bound=QDialog)
R = TypeVar("R")
SEARCH_DELAY_MS = 250
STATUS_CHOICES = (
    (N_("All statuses"), None),
    (N_("Open"), "open"),
    (N_("Frozen"), "frozen"),
    (N_("Closed"), "closed"),
)
REVERSIBLE = ("deposit", "withdrawal", "transfer")
HIDDEN_COLUMNS = (2, 3)  # phone, email
LIST_WIDTH = 56 * SPACING


class AccountsTab(Tab):
    """Search and pick accounts on the left; see and move money on the right.

    Every action is a QAction with a shortcut (shown in its button's tooltip) that works
    anywhere in the tab; what the user's role may not do is disabled (the services refuse it
    anyway).
    """

    OBJECT_NAME = "accountsTab"
    TITLE = N_("Accounts")

    @override
    def build(self) -> None:
        backend, bus, user = self.backend, self.bus, self.user
        styled(self, "shared", "accounts")
        self.api: AccountsApi = backend.accounts
        self.header = PageHeader(
            _("Accounts"),
            _("Customer accounts, balances, movements and statements."),
            "wallet",
            self,
        )
        self.search_edit = search_field(
            self, _("Search name, number, phone, email"), _("Search accounts"), "accountSearch"
        )
        self.search_edit.setToolTip(_("Search accounts (Ctrl+F); Enter moves to the list"))
        self.search_edit.setMinimumWidth(24 * SPACING)
        self.status_combo = ChevronCombo(self)
        self.status_combo.setAccessibleName(_("Status filter"))
        for text, value in STATUS_CHOICES:
            self.status_combo.addItem(_(text), value)
        self.message_label = message_label("errorLabel", self)
        self.success_label = message_label("successLabel", self)
        self.count_label = plain_label("", self, "fieldHint")

        self.model = AccountListModel(self.api, user, self)
        self.model.failed.connect(self._on_model_failed)
        self.table = QTableView(self)
        self._build_table()
        self.detail = AccountDetail(self.api, user, self)
        self.detail.failed.connect(self._on_model_failed)
        self.detail.movement_selected.connect(self._on_detail_movement_selected)
        self._build_actions()
        self._build_layout()
        self._sized = False

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.search_edit.returnPressed.connect(self._on_search_edit_return_pressed)
        self.status_combo.currentIndexChanged.connect(self._on_search_timer_timeout)
        bus.account_moved.connect(self._on_bus_account_moved)
        self._run_search()

    # -- building ---------------------------------------------------------------------------------

    def _build_table(self) -> None:
        table = self.table
        table.setModel(self.model)
        table.setObjectName("accountsTable")
        table.setAccessibleName(_("Accounts"))
        table.verticalHeader().hide()
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setDefaultSectionSize(4 * SPACING + 4)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((150, 124, 130, 190, 104, 100)):  # status: "Eingefroren"
            header.resizeSection(column, width)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in HIDDEN_COLUMNS:  # searchable and shown in the detail; room for the rest
            table.setColumnHidden(column, True)
        table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)

    def _action(
        self,
        text: str,
        shortcut: str | QKeySequence.StandardKey,
        slot: Callable[[], None],
        permission: Permission,
        tip: str = "",
    ) -> QAction:
        action = shortcut_action(self, text, shortcut, slot)
        action.setToolTip(tip or text.replace("…", ""))
        action.setProperty("allowed", has_permission(self.user, permission))
        return action

    def _build_actions(self) -> None:
        p = Permission
        self.new_action = self._action(
            _("New account…"), "Ctrl+N", self._on_new, p.MANAGE_ACCOUNTS, _("Open an account")
        )
        self.edit_action = self._action(_("Edit…"), "Ctrl+E", self._on_edit, p.MANAGE_ACCOUNTS)
        self.deposit_action = self._action(_("Deposit…"), "Ctrl+D", self._on_deposit, p.DEPOSIT)
        self.withdraw_action = self._action(_("Withdraw…"), "Ctrl+W", self._on_withdraw, p.WITHDRAW)
        self.transfer_action = self._action(
            pgettext("account", "Transfer…"), "Ctrl+T", self._on_transfer, p.WITHDRAW
        )
        self.statement_action = self._action(
            _("Statement…"), "Ctrl+P", self._on_statement, p.VIEW_ACCOUNTS
        )
        self.freeze_action = self._action(
            _("Freeze…"), "Ctrl+Shift+F", self._on_freeze, p.MANAGE_ACCOUNTS
        )
        self.close_action = self._action(
            _("Close account…"), "Ctrl+Shift+K", self._on_close, p.MANAGE_ACCOUNTS
        )
        self.pin_action = self._action(
            _("Reset PIN…"), "Ctrl+Shift+P", self._on_pin, p.MANAGE_ACCOUNTS
        )
        self.unlock_action = self._action(
            _("Unlock PIN"), "Ctrl+Shift+U", self._on_unlock, p.MANAGE_ACCOUNTS
        )
        self.reverse_action = self._action(
            _("Reverse…"),
            "Ctrl+R",
            self._on_reverse,
            p.MANAGE_ACCOUNTS,
            _("Reverse the selected movement"),
        )
        self.find_action = self._action(
            _("Find"), QKeySequence.StandardKey.Find, self._on_find, p.VIEW_ACCOUNTS
        )
        self.refresh_action = self._action(
            _("Refresh"), QKeySequence.StandardKey.Refresh, self._on_refresh, p.VIEW_ACCOUNTS
        )
        self.new_button = action_button(self.new_action, self, primary=True)
        buttons = [
            action_button(action, self.detail)
            for action in (
                self.deposit_action,
                self.withdraw_action,
                self.transfer_action,
                self.statement_action,
            )
        ]
        self.more_menu = QMenu(_("More"), self)
        self.more_menu.setToolTipsVisible(True)
        for action in (self.edit_action, self.freeze_action, self.pin_action, self.unlock_action):
            self.more_menu.addAction(action)
        self.more_menu.addSeparator()
        self.more_menu.addAction(self.reverse_action)
        self.more_menu.addAction(self.close_action)
        self.more_button = QPushButton(_("More"), self.detail)
        self.more_button.setAutoDefault(False)
        self.more_button.setToolTip(_("Edit, freeze, PIN, reverse and close (Alt+M)"))
        self.more_button.setAccessibleName(_("More account actions"))
        self.more_button.setMenu(self.more_menu)
        self.more_button.setShortcut(QKeySequence("Alt+M"))
        self.detail.add_buttons([*buttons, self.more_button])
        self._update_actions()

    def _build_layout(self) -> None:
        tools = QHBoxLayout()
        tools.setSpacing(SPACING)
        tools.addWidget(self.search_edit, 1)
        tools.addWidget(self.status_combo)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.new_button, 0, Qt.AlignmentFlag.AlignVCenter)

        left = QWidget(self)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACING)
        column.addLayout(tools)
        column.addWidget(self.table, 1)
        column.addWidget(self.count_label)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setHandleWidth(3 * SPACING)
        splitter.setSizes([LIST_WIDTH, 2 * LIST_WIDTH])
        left.setMinimumWidth(44 * SPACING)
        self.splitter = splitter

        layout = page_column(self)
        layout.addLayout(top)
        layout.addWidget(self.message_label)
        layout.addWidget(self.success_label)
        layout.addWidget(splitter, 1)

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:  # the list takes what it needs; the detail the rest
            self._sized = True
            total = sum(self.splitter.sizes())
            self.splitter.setSizes([LIST_WIDTH, max(LIST_WIDTH, total - LIST_WIDTH)])

    # -- state ------------------------------------------------------------------------------------

    @property
    def account(self) -> AccountDTO | None:
        """The account shown in the detail."""
        return self.detail.account

    def _update_actions(self) -> None:
        account = self.account
        movement = self.detail.selected_movement() if account else None
        status = account.status if account else ""
        enable = {
            self.new_action: True,
            self.find_action: True,
            self.refresh_action: True,
            self.edit_action: status in ("open", "frozen"),
            self.deposit_action: status in ("open", "frozen"),
            self.withdraw_action: status == "open",
            self.transfer_action: status == "open",
            self.statement_action: account is not None,
            self.freeze_action: status in ("open", "frozen"),
            self.close_action: status in ("open", "frozen"),
            self.pin_action: status in ("open", "frozen"),
            self.unlock_action: bool(account and account.pin_locked),
            self.reverse_action: _reversible(movement),
        }
        for action, possible in enable.items():
            action.setEnabled(bool(possible) and bool(action.property("allowed")))
        self.freeze_action.setText(_("Unfreeze…") if status == "frozen" else _("Freeze…"))
        allowed = bool(self.freeze_action.property("allowed"))
        for action in (self.freeze_action, self.close_action, self.pin_action, self.reverse_action):
            action.setVisible(allowed)
        self.edit_action.setVisible(allowed)
        self.unlock_action.setVisible(allowed)
        self.new_action.setVisible(allowed)
        self.more_button.setVisible(allowed)

    def _run_search(self, keep: int | None = None) -> None:
        flt = AccountFilter(self.search_edit.text(), self.status_combo.currentData())
        self.model.set_filter(flt)
        count = self.model.rowCount()
        self.count_label.setText(
            ngettext("{count} account", "{count} accounts", count).format(count=count)
        )
        target = keep if keep is not None else (self.account.id if self.account else None)
        row = self.model.row_of(target) if target is not None else None
        if row is None and count:
            row = 0
        if row is None:
            self.detail.set_account(None)
            self._update_actions()
        else:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def _show_account(self, account_id: int | None, *, reload_movements: bool = True) -> None:
        if account_id is None:
            self.detail.set_account(None)
        else:
            try:
                account = self.api.get(self.user, account_id)
            except ServiceError as exc:
                show_message(self.message_label, error_text(self, exc))
                return
            self.detail.set_account(account, reload_movements=reload_movements)
        self._update_actions()

    def _done(self, message: str, account: AccountDTO | None = None) -> None:
        """After an action: say what happened, refresh the list and the detail."""
        show_message(self.message_label, "")
        show_message(self.success_label, message)
        keep = account.id if account else (self.account.id if self.account else None)
        self._run_search(keep)
        if keep is not None:
            self._show_account(keep)

    def _exec(self, dialog: QDialog) -> bool:
        """Show ``dialog`` modally; whether it was accepted."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def _run(self, dialog: D, result: Callable[[D], R | None]) -> R | None:
        """Run ``dialog`` once, then destroy it; ``result(dialog)`` if accepted, else None."""
        with one_use(dialog):
            return result(dialog) if self._exec(dialog) else None

    # -- slots ------------------------------------------------------------------------------------

    @Slot(str)
    def _on_model_failed(self, message: str) -> None:
        show_message(self.message_label, message)

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self._search_timer.stop()
        self._run_search()

    @Slot()
    def _on_search_edit_return_pressed(self) -> None:
        self._on_search_timer_timeout()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, *_: object) -> None:
        rows = self.table.selectionModel().selectedRows()
        account_id = self.model.account_id(rows[0].row()) if rows else None
        current = self.account.id if self.account else None
        if account_id != current:
            self._show_account(account_id)

    @Slot(object)
    def _on_detail_movement_selected(self, _movement: object) -> None:
        self._update_actions()

    @Slot(object)
    def _on_bus_account_moved(self, event: AccountMoved) -> None:
        self.model.mark_stale()
        if self.account is not None and event.account_id == self.account.id:
            self._show_account(event.account_id)

    @Slot()
    def _on_find(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    @Slot()
    def _on_refresh(self) -> None:
        show_message(self.message_label, "")
        self._run_search()
        if self.account is not None:
            self._show_account(self.account.id)

    @Slot()
    def _on_new(self) -> None:
        account = self._run(AccountFormDialog(self.api, self.user, None, self), lambda d: d.account)
        if account is not None:
            self.search_edit.clear()
            self.status_combo.setCurrentIndex(0)
            self._done(
                _("Opened account {number} for {holder}.").format(
                    number=account.number, holder=account.holder_name
                ),
                account,
            )

    @Slot()
    def _on_edit(self) -> None:
        if self.account is None:
            return
        account = self._run(
            AccountFormDialog(self.api, self.user, self.account, self), lambda d: d.account
        )
        if account is not None:
            self._done(_("Saved {holder}'s account.").format(holder=account.holder_name), account)

    def _money_dialog(
        self, dialog: DepositDialog | WithdrawDialog | TransferDialog, verb: str
    ) -> None:
        movement = self._run(dialog, lambda d: d.movement)
        if movement is not None:
            balance = (
                _("New balance {balance} (already done before: nothing moved twice).")
                if movement.replayed
                else _("New balance {balance}.")
            )
            amount = money_text(abs(movement.amount_minor))
            self._done(
                verb.format(amount=amount)
                + " "
                + balance.format(balance=balance_money(movement.balance_minor))
            )

    @Slot()
    def _on_deposit(self) -> None:
        if self.account is not None:
            stores = self.api.storefronts()
            self._money_dialog(
                DepositDialog(self.api, self.user, self.account, stores, self),
                _("Deposited {amount}."),
            )

    @Slot()
    def _on_withdraw(self) -> None:
        if self.account is not None:
            stores = self.api.storefronts()
            dialog = WithdrawDialog(
                self.api, self.backend.staff, self.user, self.account, stores, self
            )
            self._money_dialog(dialog, _("Paid out {amount}."))

    @Slot()
    def _on_transfer(self) -> None:
        if self.account is not None:
            self._money_dialog(
                TransferDialog(self.api, self.user, self.account, self), _("Transferred {amount}.")
            )

    @Slot()
    def _on_statement(self) -> None:
        if self.account is not None:
            try:
                shop = self.backend.shop.shop_profile()
            except ServiceError:
                shop = None  # the statement still prints, with the default name
            dialog = StatementDialog(self.api, self.user, self.account, self, shop=shop)
            self._run(dialog, lambda _d: None)

    def _status(self, action: str) -> None:
        if self.account is None:
            return
        account = self._run(
            StatusDialog(self.api, self.user, self.account, action, self), lambda d: d.account
        )
        if account is not None:
            done = {
                "freeze": _("Froze {holder}'s account."),
                "unfreeze": _("Unfroze {holder}'s account."),
                "close": _("Closed {holder}'s account."),
            }[action]
            self._done(done.format(holder=account.holder_name), account)

    @Slot()
    def _on_freeze(self) -> None:
        if self.account is not None:
            self._status("unfreeze" if self.account.status == "frozen" else "freeze")

    @Slot()
    def _on_close(self) -> None:
        self._status("close")

    @Slot()
    def _on_pin(self) -> None:
        if self.account is None:
            return
        account = self._run(PinDialog(self.api, self.user, self.account, self), lambda d: d.account)
        if account is not None:
            self._done(_("Set a new PIN for {holder}.").format(holder=account.holder_name), account)

    @Slot()
    def _on_unlock(self) -> None:
        if self.account is None:
            return
        try:
            account = self.api.unlock(self.user, self.account.id)
        except ServiceError as exc:
            show_message(self.message_label, error_text(self, exc))
            return
        self._done(_("Unlocked {holder}'s PIN.").format(holder=account.holder_name), account)

    @Slot()
    def _on_reverse(self) -> None:
        movement = self.detail.selected_movement()
        if movement is None or not _reversible(movement):
            return
        if self._run(ReverseDialog(self.api, self.user, movement, self), lambda d: d.reversed):
            self._done(_("Reversed movement #{id}.").format(id=movement.transaction_id))


def _reversible(movement: MovementDTO | None) -> bool:
    return (
        movement is not None
        and movement.kind in REVERSIBLE
        and movement.reversed_by_id is None
        and movement.reversal_of_id is None
    )
