"""The staff screens' home stores: the Store combo of the user dialogs and the Store column."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from posapp.models import Store
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import home_stores as user_stores
from posapp.services.staff import users
from posapp.ui.kit.bus import EventBus
from posapp.ui.staff.dialogs import STORE_HINTS, AddUserDialog, EditUserDialog
from posapp.ui.staff.model import COLUMNS, UserFilterProxy, UsersTableModel
from posapp.ui.staff.panel import UsersPanel
from posapp.ui.staff.tab import UsersTab
from tests.ui.seed import PASSWORD, add_store
from tests.ui.users_support import make_users_tab, open_dialog, rows, submit

pytestmark = pytest.mark.ui

STORE = next(number for number, column in enumerate(COLUMNS) if column.key == "store")


def store_cell(panel: UsersPanel, username: str) -> str:
    row = rows(panel).index(username)
    return str(panel.proxy.index(row, STORE).data())


def close_store(backend: Backend, store_id: int) -> None:
    with backend.uow() as uow:
        store = uow.session.get(Store, store_id)
        assert store is not None
        store.active = False
        uow.commit()


def home_store_tab(
    qtbot: QtBot, backend: Backend, bus: EventBus, staff: dict[str, UserDTO], role: str, viewer: str
) -> UsersTab:
    """The Admin users tab as ``viewer`` sees it, once the ``role`` user works at Main Street."""
    main = add_store(backend)
    users.update_user(backend.uow(), staff["admin"], staff[role].id, store_id=main)
    return make_users_tab(qtbot, backend, bus, staff[viewer])


def press(dialog: QDialog, key: Qt.Key, *, alt: bool = False) -> None:
    """Press ``key`` where the keyboard focus is (Alt+key: a label's mnemonic)."""
    modifier = Qt.KeyboardModifier.AltModifier if alt else Qt.KeyboardModifier.NoModifier
    target = QApplication.focusWidget() or dialog
    QTest.keyClick(target, key, modifier)


def test_an_admin_picks_a_new_managers_store_from_the_keyboard(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    add_store(ui_backend)  # Main Street
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    riverside = add_store(ui_backend, "Riverside", "RIVR")  # opened after the list loaded
    tab.activateWindow()
    qtbot.wait_until(tab.isActiveWindow)
    panel = tab.users_panel
    panel.table.setFocus()
    QTest.keySequence(panel.table, "Ctrl+N")
    dialog = panel.active_dialog
    assert isinstance(dialog, AddUserDialog)
    qtbot.wait_until(dialog.isActiveWindow)
    assert [dialog.store_combo.itemText(i) for i in range(dialog.store_combo.count())] == [
        "All stores",
        "Main Street",
        "Riverside",
    ]
    assert dialog.username_edit.hasFocus()
    QTest.keyClicks(dialog.username_edit, "nora")
    press(dialog, Qt.Key.Key_R, alt=True)  # &Role
    assert dialog.role_combo.hasFocus()
    press(dialog, Qt.Key.Key_Up)  # Cashier → Manager
    assert dialog.role_combo.currentData() == "manager"
    press(dialog, Qt.Key.Key_S, alt=True)  # &Store
    assert dialog.store_combo.hasFocus()
    assert dialog.store_combo.currentText() == "All stores"
    assert dialog.store.hint.text() == STORE_HINTS["all"]
    press(dialog, Qt.Key.Key_Down)
    press(dialog, Qt.Key.Key_Down)
    assert dialog.store_combo.currentData() == riverside
    assert dialog.store.hint.text() == STORE_HINTS["one"]
    press(dialog, Qt.Key.Key_Tab)  # the Store field reads before the password
    assert dialog.password_edit.hasFocus()
    QTest.keyClicks(dialog.password_edit, PASSWORD)
    press(dialog, Qt.Key.Key_Tab)
    assert dialog.repeat_edit.hasFocus()
    QTest.keyClicks(dialog.repeat_edit, PASSWORD)
    with qtbot.wait_signal(dialog.finished, timeout=5_000):
        press(dialog, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert store_cell(panel, "nora") == "Riverside"
    assert store_cell(panel, "admin1") == "All stores"
    selected = panel.selected_user()
    assert selected is not None
    assert (selected.username, selected.role, selected.store_id) == ("nora", "manager", riverside)
    assert users.find_user(ui_backend.read_uow(), "nora").store_id == riverside


def test_choosing_the_admin_role_means_all_stores(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    tab = home_store_tab(qtbot, ui_backend, bus, staff, "manager", "admin")
    panel = tab.users_panel
    panel.select_user(staff["manager"].id)
    dialog = open_dialog(qtbot, panel, panel.edit_button)
    assert isinstance(dialog, EditUserDialog)
    assert (dialog.store_combo.currentText(), dialog.store_combo.isEnabled()) == (
        "Main Street",
        True,
    )
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("admin"))
    assert dialog.store_combo.currentText() == "All stores"
    assert not dialog.store_combo.isEnabled()
    assert dialog.store.hint.text() == STORE_HINTS["admin"]
    submit(qtbot, dialog, dialog.ok_button)
    promoted = users.find_user(ui_backend.read_uow(), "manager1")
    assert (promoted.role, promoted.store_id) == ("admin", None)
    assert store_cell(panel, "manager1") == "All stores"


def test_a_closed_home_store_is_shown_and_kept(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    add_store(ui_backend)
    old = add_store(ui_backend, "Old Town", "OLD")
    users.update_user(ui_backend.uow(), staff["admin"], staff["cashier"].id, store_id=old)
    close_store(ui_backend, old)
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    panel = tab.users_panel
    assert store_cell(panel, "cashier1") == "Old Town (inactive)"
    panel.select_user(staff["cashier"].id)
    dialog = open_dialog(qtbot, panel, panel.edit_button)
    assert isinstance(dialog, EditUserDialog)
    assert dialog.store_combo.currentText() == "Old Town (inactive)"
    dialog.full_name_edit.setText("Sam Carter-Jones")
    submit(qtbot, dialog, dialog.ok_button)  # the store is not changed, so it may stay
    assert users.find_user(ui_backend.read_uow(), "cashier1").store_id == old
    # A closed store cannot be chosen anew: the service's message shows in the dialog.
    panel.select_user(staff["manager"].id)
    dialog = open_dialog(qtbot, panel, panel.edit_button)
    assert isinstance(dialog, EditUserDialog)
    assert dialog.store_combo.findText("Old Town (inactive)") < 0
    dialog.store_combo.addItem("Old Town", old)  # as if the list were stale
    dialog.store_combo.setCurrentIndex(dialog.store_combo.count() - 1)
    submit(qtbot, dialog, dialog.ok_button, accepted=False)
    assert dialog.error_label.text() == "Old Town is inactive: it cannot be a user's home store."
    dialog.reject()


def test_managers_see_the_store_column(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    tab = home_store_tab(qtbot, ui_backend, bus, staff, "cashier", "manager")
    panel = tab.users_panel
    assert [store_cell(panel, name) for name in rows(panel)] == [
        "All stores",
        "Main Street",
        "All stores",
    ]
    row = rows(panel).index("cashier1")
    tip = str(panel.proxy.index(row, STORE).data(Qt.ItemDataRole.ToolTipRole))
    assert "from\xa0Main\xa0Street\xa0only" in tip  # plain text, never HTML
    panel.table.sortByColumn(STORE, Qt.SortOrder.DescendingOrder)
    assert rows(panel)[0] == "cashier1"


def test_the_model_with_stores_passes_the_model_tester(
    qtmodeltester, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    main = add_store(ui_backend)
    users.update_user(ui_backend.uow(), staff["admin"], staff["cashier"].id, store_id=main)
    listed = users.list_users(ui_backend.read_uow(), staff["admin"])
    stores = user_stores.home_store_choices(ui_backend.read_uow(), staff["admin"])
    model = UsersTableModel()
    model.set_users(listed, stores)
    qtmodeltester.check(model)
    proxy = UserFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(STORE)
    qtmodeltester.check(proxy)
    by_name = {u.username: model.index(row, STORE).data() for row, u in enumerate(model.users)}
    assert by_name == {"admin1": "All stores", "cashier1": "Main Street", "manager1": "All stores"}
    model.set_users(listed)  # without the stores: named by id, never a crash
    row = next(r for r, u in enumerate(model.users) if u.username == "cashier1")
    assert model.index(row, STORE).data() == f"Store #{main}"
