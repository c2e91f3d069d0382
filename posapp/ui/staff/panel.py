"""The staff list of the Admin users tab: search, filter, add, edit, (de)activate, reset, unlock.

Each row shows the user's home store; the list reads the stores with the users, so a store's
name (and whether it is still active) is as fresh as the list.

Managers see the list; only admins change it. For a manager every change button is disabled,
and the services refuse such a change anyway (they re-check the acting user's stored role).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QWidget,
)
from typing_extensions import override

from posapp.events import UserChanged, UserLoggedIn
from posapp.i18n import N_, _, ngettext
from posapp.services.platform.dto import StoreDTO, UserDTO
from posapp.services.staff import Permission, StaffApi, has_permission
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.lifetime import open_once
from posapp.ui.kit.resources import icon
from posapp.ui.kit.session import error_text
from posapp.ui.kit.widgets import SPACING, search_field, show_message
from posapp.ui.staff.dialogs import (
    AddUserDialog,
    ConfirmDialog,
    EditUserDialog,
    ResetPasswordDialog,
    chevron_combo,
)
from posapp.ui.staff.model import (
    COLUMNS,
    ROLE_LABELS,
    PillDelegate,
    UserFilterProxy,
    UsersTableModel,
    is_locked,
)
from posapp.ui.staff.page import CardPage, Shortcut, card_row, card_table

ADMINS_ONLY = N_("Only admins can add or change staff users.")
ROLE_PLURALS = {"admin": N_("Admins"), "manager": N_("Managers"), "cashier": N_("Cashiers")}
ROW_HEIGHT = 44
RELOAD_DELAY_MS = 100


def _plural(count: int) -> str:
    return ngettext("{count} user", "{count} users", count).format(count=count)


class UsersPanel(CardPage):
    """The staff list with its filters and the buttons that change users."""

    def __init__(
        self, staff: StaffApi, bus: EventBus, user: UserDTO, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._staff, self._bus, self._user = staff, bus, user
        self.can_manage = has_permission(user, Permission.MANAGE_USERS)
        self.active_dialog: QDialog | None = None
        self.stores: list[StoreDTO] = []
        self.model = UsersTableModel(self)
        self.proxy = UserFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.build_card()

        # Bursts of bus events (an import, a busy morning of log-ins) cost one reload.
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)
        bus.user_changed.connect(self._on_bus_user_changed)
        bus.user_logged_in.connect(self._on_bus_user_logged_in)
        self.reload()

    # ---- building -----------------------------------------------------------------------

    @override
    def _build_filters(self, parent: QWidget) -> QHBoxLayout:
        self.search_edit = search_field(
            parent, _("Search by name or username  (Ctrl+F)"), _("Search users")
        )
        self.search_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_edit.setMinimumWidth(36 * SPACING)
        self.search_edit.textChanged.connect(self._on_filters_changed)
        self.role_filter = chevron_combo(parent)
        self.role_filter.setAccessibleName(_("Role filter"))
        self.role_filter.addItem(_("All roles"), None)
        for value in ROLE_LABELS:
            self.role_filter.addItem(_(ROLE_PLURALS[value]), value)
        self.role_filter.currentIndexChanged.connect(self._on_filters_changed)
        self.status_filter = chevron_combo(parent)
        self.status_filter.setAccessibleName(_("Status filter"))
        statuses: tuple[tuple[str, bool | None], ...] = (
            (_("Active and inactive"), None),
            (_("Active"), True),
            (_("Inactive"), False),
        )
        for status_label, state in statuses:
            self.status_filter.addItem(status_label, state)
        self.status_filter.currentIndexChanged.connect(self._on_filters_changed)
        self.add_button = QPushButton(icon("plus", "#ffffff"), _("Add user"), parent)
        self.add_button.setProperty("variant", "primary")
        self.add_button.setToolTip(
            _("Add a staff user (Ctrl+N)") if self.can_manage else _(ADMINS_ONLY)
        )
        self.add_button.clicked.connect(self.add_user)

        row = card_row()
        row.addWidget(self.search_edit, 2)
        row.addWidget(self.role_filter)
        row.addWidget(self.status_filter)
        row.addStretch(1)
        row.addWidget(self.add_button)
        return row

    @override
    def _build_table(self, parent: QWidget) -> QTableView:
        view = self.table = card_table(parent, ROW_HEIGHT)
        view.setModel(self.proxy)
        view.setAccessibleName(_("Staff users"))
        view.setSortingEnabled(True)
        view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        widths = {
            "username": 160,
            "full_name": 210,
            "role": 120,
            "store": 170,
            "status": 120,
            "last_login": 180,
        }
        pills = PillDelegate(view)
        for number, spec in enumerate(COLUMNS):
            if spec.key in widths:
                view.setColumnWidth(number, widths[spec.key])
            if spec.tone is not None:
                view.setItemDelegateForColumn(number, pills)
        view.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        view.activated.connect(self._on_table_activated)
        return view

    @override
    def _build_footer(self, parent: QWidget) -> QHBoxLayout:
        self.count_label = QLabel(parent)
        self.count_label.setObjectName("countLabel")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.admins_only_label = QLabel(_(ADMINS_ONLY), parent)
        self.admins_only_label.setProperty("role", "muted")
        self.admins_only_label.setVisible(not self.can_manage)

        def button(text: str, tip: str, slot: Callable[[], None]) -> QPushButton:
            widget = QPushButton(text, parent)
            widget.setToolTip(tip if self.can_manage else _(ADMINS_ONLY))
            widget.clicked.connect(slot)
            return widget

        self.edit_button = button(
            _("Edit…"), _("Change the name, role or store (F2, Enter)"), self.edit_user
        )
        self.reset_button = button(
            _("Reset password…"), _("Set a new password or PIN (Ctrl+R)"), self.reset_password
        )
        self.unlock_button = button(
            _("Unlock"), _("Lift a log-in lock-out (Ctrl+U)"), self.unlock_user
        )
        self.toggle_button = button(_("Deactivate…"), "", self.toggle_active)
        row = card_row(top=SPACING)
        row.addWidget(self.count_label)
        row.addSpacing(2 * SPACING)
        row.addWidget(self.admins_only_label)
        row.addStretch(1)
        for widget in (self.edit_button, self.reset_button, self.unlock_button, self.toggle_button):
            row.addWidget(widget)
        return row

    @override
    def _shortcuts(self) -> Sequence[Shortcut]:
        return (
            (_("Find users"), "Ctrl+F", self._focus_search),
            (_("Add user"), "Ctrl+N", self.add_user),
            (_("Edit user"), "F2", self.edit_user),
            (_("Reset password"), "Ctrl+R", self.reset_password),
            (_("Unlock user"), "Ctrl+U", self.unlock_user),
            (_("Activate or deactivate user"), "Ctrl+D", self.toggle_active),
        )

    # ---- state --------------------------------------------------------------------------

    def selected_user(self) -> UserDTO | None:
        """The user of the selected row, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.user_at(rows[0].row()) if rows else None

    def select_user(self, user_id: int) -> None:
        """Select (and scroll to) the row of ``user_id`` if it is shown."""
        source_row = self.model.row_of(user_id)
        if source_row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if index.isValid():
            self.table.selectRow(index.row())
            self.table.scrollTo(index)

    def reload(self) -> None:
        """Read the staff list again, keeping the selection."""
        self._reload_timer.stop()
        selected = self.selected_user()
        try:
            found = self._staff.list_users(self._user)
            stores = self._staff.home_store_choices(self._user)
        except Exception as exc:  # error_text logs anything unexpected with its traceback
            show_message(self.error_label, error_text(self, exc))
            return
        show_message(self.error_label, "")
        self.stores = stores
        self.model.set_users(found, stores)
        if selected is not None:
            self.select_user(selected.id)
        self._update_count()
        self._update_buttons()

    def _update_count(self) -> None:
        listed, now = self.model.users, datetime.now(UTC)
        inactive = sum(1 for u in listed if not u.active)
        locked = sum(1 for u in listed if u.active and is_locked(u, now))
        text = _plural(len(listed))
        if inactive:
            text += " · " + ngettext("{count} inactive", "{count} inactive", inactive).format(
                count=inactive
            )
        if locked:
            text += " · " + ngettext("{count} locked out", "{count} locked out", locked).format(
                count=locked
            )
        shown = self.proxy.rowCount()
        if shown != len(listed):
            text = _("{shown} of {all} shown").format(shown=shown, all=text)
        self.count_label.setText(text)

    def _update_buttons(self) -> None:
        user = self.selected_user()
        chosen = self.can_manage and user is not None
        self.add_button.setEnabled(self.can_manage)
        self.edit_button.setEnabled(chosen)
        self.reset_button.setEnabled(chosen)
        now = datetime.now(UTC)
        self.unlock_button.setEnabled(chosen and user is not None and is_locked(user, now))
        self.toggle_button.setEnabled(chosen)
        deactivate = user is None or user.active
        self.toggle_button.setText(_("Deactivate…") if deactivate else _("Activate…"))
        if self.can_manage:
            verb = _("Deactivate: they can no longer log in") if deactivate else _("Activate again")
            self.toggle_button.setToolTip(verb + " (Ctrl+D)")
        variant = "danger" if deactivate else ""
        if self.toggle_button.property("variant") != variant:
            self.toggle_button.setProperty("variant", variant)
            self.toggle_button.style().unpolish(self.toggle_button)
            self.toggle_button.style().polish(self.toggle_button)

    # ---- actions ------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> None:
        """Show ``dialog`` window-modal; reload and select its user when it is accepted."""
        self.active_dialog = dialog
        dialog.accepted.connect(lambda: self._on_dialog_accepted(dialog))
        dialog.finished.connect(self._on_dialog_finished)
        open_once(dialog)

    def _on_dialog_accepted(self, dialog: QDialog) -> None:
        changed = getattr(dialog, "user", None)
        self.reload()
        if isinstance(changed, UserDTO):
            self.select_user(changed.id)
        self.table.setFocus()

    @Slot()
    def _on_dialog_finished(self) -> None:
        self.active_dialog = None

    def _fresh_stores(self) -> list[StoreDTO]:
        """The stores now (one may have opened since the list loaded), or the list's on failure."""
        try:
            self.stores = self._staff.home_store_choices(self._user)
        except Exception as exc:  # error_text logs anything unexpected with its traceback
            show_message(self.error_label, error_text(self, exc))
        return self.stores

    @Slot()
    def add_user(self) -> None:
        """Open the Add user dialog (admins)."""
        if self.can_manage:
            stores = self._fresh_stores()
            self._open(AddUserDialog(self._staff, self._user, self, stores=stores))

    @Slot()
    def edit_user(self) -> None:
        """Open the Edit dialog for the selected user (admins)."""
        user = self.selected_user()
        if self.can_manage and user is not None:
            stores = self._fresh_stores()
            self._open(EditUserDialog(self._staff, self._user, user, self, stores=stores))

    @Slot()
    def reset_password(self) -> None:
        """Open the Reset password dialog for the selected user (admins)."""
        user = self.selected_user()
        if self.can_manage and user is not None:
            self._open(ResetPasswordDialog(self._staff, self._user, user, self))

    @Slot()
    def toggle_active(self) -> None:
        """Ask to deactivate (or activate) the selected user, then do it (admins)."""
        user = self.selected_user()
        if not self.can_manage or user is None:
            return
        name = user.display_name
        if user.active:
            title = _("Deactivate {username}?").format(username=user.username)
            action_text = _("Deactivate")
            text = _(
                "{name} will no longer be able to log in, and a session they have open ends "
                "at their next action. Nothing is deleted: their history stays, and you can "
                "activate them again."
            ).format(name=name)
        else:
            title = _("Activate {username}?").format(username=user.username)
            action_text = _("Activate")
            text = _("{name} will be able to log in again with their current password.").format(
                name=name
            )

        def act() -> UserDTO:
            return self._staff.set_active(self._user, user.id, not user.active)

        self._open(ConfirmDialog(title, text, action_text, act, self, danger=user.active))

    @Slot()
    def unlock_user(self) -> None:
        """Lift the selected user's log-in lock-out (admins)."""
        user = self.selected_user()
        if not self.can_manage or user is None:
            return
        try:
            self._staff.unlock_user(self._user, user.id)
        except Exception as exc:  # error_text logs anything unexpected with its traceback
            show_message(self.error_label, error_text(self, exc))
            return
        self.reload()

    @Slot()
    def _focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    # ---- slots --------------------------------------------------------------------------

    @Slot()
    def _on_filters_changed(self) -> None:
        self.proxy.set_search(self.search_edit.text())
        self.proxy.set_role(self.role_filter.currentData())
        self.proxy.set_active(self.status_filter.currentData())
        self._update_count()

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, *_: QItemSelection) -> None:
        self._update_buttons()

    @Slot(QModelIndex)
    def _on_table_activated(self, _index: QModelIndex) -> None:
        self.edit_user()

    @Slot(object)
    def _on_bus_user_changed(self, _event: UserChanged) -> None:
        self._reload_timer.start()

    @Slot(object)
    def _on_bus_user_logged_in(self, _event: UserLoggedIn) -> None:
        self._reload_timer.start()
