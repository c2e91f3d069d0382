"""The Admin users tab: the list, its filters, and every change through its dialogs."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import AuthenticationError, PermissionDeniedError
from posapp.services.staff import users
from posapp.ui.kit.bus import EventBus
from posapp.ui.staff.dialogs import (
    AddUserDialog,
    ConfirmDialog,
    EditUserDialog,
    ResetPasswordDialog,
)
from posapp.ui.staff.model import COLUMNS, USER_ROLE, UserFilterProxy, UsersTableModel
from tests.ui.seed import PASSWORD
from tests.ui.users_support import make_users_tab, open_dialog, rows, submit

pytestmark = pytest.mark.ui

NEW_PASSWORD = "a much longer secret"


def test_models_pass_the_model_tester(qtmodeltester, staff: dict[str, UserDTO]) -> None:
    model = UsersTableModel()
    model.set_users(list(staff.values()))
    qtmodeltester.check(model)
    proxy = UserFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search("a")
    qtmodeltester.check(proxy)


def test_the_list_shows_every_user_with_role_and_status(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    users.set_active(ui_backend.uow(), staff["admin"], staff["cashier"].id, False)
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    panel = tab.users_panel
    assert rows(panel) == ["admin1", "cashier1", "manager1"]
    texts = {
        column.key: panel.proxy.index(1, number).data() for number, column in enumerate(COLUMNS)
    }
    assert texts["full_name"] == "Sam Carter"
    assert texts["role"] == "Cashier"
    assert texts["status"] == "Inactive"
    assert texts["last_login"] == "Never"
    assert panel.count_label.text() == "3 users · 1 inactive"


def test_names_are_shown_literally(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    users.add_user(ui_backend.uow(), None, "html", PASSWORD, "manager", full_name="<b>bold</b>")
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    panel = tab.users_panel
    panel.search_edit.setText("<b>")
    assert rows(panel) == ["html"]
    assert panel.proxy.index(0, 1).data() == "<b>bold</b>"


def test_search_and_filters(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    users.set_active(ui_backend.uow(), staff["admin"], staff["manager"].id, False)
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    panel = tab.users_panel
    QTest.keyClicks(panel.search_edit, "GRACE")  # the full name, any case
    assert rows(panel) == ["manager1"]
    panel.search_edit.setText("ＡＤＭＩＮ")  # full-width letters: NFKC, as the service does
    assert rows(panel) == ["admin1"]
    assert panel.count_label.text() == "1 of 3 users · 1 inactive shown"
    panel.search_edit.clear()
    panel.role_filter.setCurrentIndex(panel.role_filter.findData("cashier"))
    assert rows(panel) == ["cashier1"]
    panel.role_filter.setCurrentIndex(0)
    panel.status_filter.setCurrentIndex(panel.status_filter.findData(False))
    assert rows(panel) == ["manager1"]
    panel.status_filter.setCurrentIndex(panel.status_filter.findData(True))
    assert rows(panel) == ["admin1", "cashier1"]


def test_admin_adds_a_user(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    panel = tab.users_panel
    dialog = open_dialog(qtbot, panel, panel.add_button)
    assert isinstance(dialog, AddUserDialog)
    assert dialog.focusWidget() is dialog.username_edit
    QTest.keyClicks(dialog.username_edit, "jbaker")
    QTest.keyClicks(dialog.full_name_edit, "Jordan Baker")
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("cashier"))
    assert "4–8 digit PIN" in dialog.rule_label.text()
    QTest.keyClicks(dialog.password_edit, "2468")
    QTest.keyClicks(dialog.repeat_edit, "2468")
    submit(qtbot, dialog, dialog.ok_button)
    assert rows(panel) == ["admin1", "cashier1", "jbaker", "manager1"]
    selected = panel.selected_user()
    assert selected is not None
    assert (selected.username, selected.full_name) == ("jbaker", "Jordan Baker")
    assert ui_backend.staff.login("jbaker", "2468").role == "cashier"


@pytest.mark.parametrize(
    ("username", "password", "repeat", "role", "message"),
    [
        ("Admin1", PASSWORD, PASSWORD, "admin", "The username 'Admin1' is taken."),
        ("admin1 ", PASSWORD, PASSWORD, "admin", "The username 'admin1' is taken."),
        ("", PASSWORD, PASSWORD, "admin", "Enter a username."),
        ("two words", PASSWORD, PASSWORD, "admin", "cannot contain spaces"),
        # Issue #16, defect 8: a Cyrillic "а" in a look-alike of manager1.
        ("m\u0430nager1", PASSWORD, PASSWORD, "manager", "looks like the existing user"),
        ("newbie", "x" * 11, "x" * 11, "manager", "at least 12 characters"),
        ("newbie", "123", "123", "cashier", "A PIN has 4 to 8 digits."),
        ("newbie", "", "", "cashier", "Enter a password."),
        ("newbie", PASSWORD, PASSWORD + "!", "manager", "The two passwords do not match."),
        ("newbie", "nul\x00nul nul nul", "nul\x00nul nul nul", "manager", "NUL"),
    ],
)
def test_add_dialog_shows_each_refusal_and_stores_nothing(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    staff: dict[str, UserDTO],
    username: str,
    password: str,
    repeat: str,
    role: str,
    message: str,
) -> None:
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    panel = tab.users_panel
    dialog = open_dialog(qtbot, panel, panel.add_button)
    assert isinstance(dialog, AddUserDialog)
    dialog.username_edit.setText(username)
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(role))
    dialog.password_edit.setText(password)
    dialog.repeat_edit.setText(repeat)
    submit(qtbot, dialog, dialog.ok_button, accepted=False)
    assert dialog.error_label.isVisible()
    assert message in dialog.error_label.text()
    assert "Traceback" not in dialog.error_label.text()
    assert users.count_users(ui_backend.read_uow()) == 3


@pytest.mark.parametrize(
    "password", ["x" * 12, "x" * 64, "y" * 1000, "spaces in it ok", "emoji 🔒🔒🔒 long enough"]
)
def test_add_dialog_accepts_long_and_unicode_passwords(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO], password: str
) -> None:
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    panel = tab.users_panel
    dialog = open_dialog(qtbot, panel, panel.add_button)
    assert isinstance(dialog, AddUserDialog)
    dialog.username_edit.setText("longpw")
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("manager"))
    dialog.password_edit.setText(password)
    dialog.repeat_edit.setText(password)
    submit(qtbot, dialog, dialog.ok_button)
    assert ui_backend.staff.login("longpw", password).username == "longpw"  # nothing truncated


def test_edit_name_and_role(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    panel = tab.users_panel
    panel.select_user(staff["cashier"].id)
    dialog = open_dialog(qtbot, panel, panel.edit_button)
    assert isinstance(dialog, EditUserDialog)
    assert dialog.full_name_edit.text() == "Sam Carter"
    dialog.full_name_edit.setText("Samantha Carter")
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("manager"))
    submit(qtbot, dialog, dialog.ok_button)
    changed = users.find_user(ui_backend.read_uow(), "cashier1")
    assert (changed.full_name, changed.role) == ("Samantha Carter", "manager")
    assert panel.proxy.index(1, 2).data() == "Manager"


def test_the_last_admin_cannot_demote_themself(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    panel = tab.users_panel
    panel.select_user(staff["admin"].id)
    dialog = open_dialog(qtbot, panel, panel.edit_button)
    assert isinstance(dialog, EditUserDialog)
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("cashier"))
    submit(qtbot, dialog, dialog.ok_button, accepted=False)
    assert dialog.error_label.text() == users.LAST_ADMIN
    assert users.find_user(ui_backend.read_uow(), "admin1").role == "admin"


def test_deactivate_asks_first(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    panel = tab.users_panel
    panel.select_user(staff["manager"].id)
    assert panel.toggle_button.text() == "Deactivate…"
    dialog = open_dialog(qtbot, panel, panel.toggle_button)
    assert isinstance(dialog, ConfirmDialog)
    assert "Grace Hopper will no longer be able to log in" in dialog.text_label.text()
    with qtbot.wait_signal(dialog.finished):
        QTest.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert users.find_user(ui_backend.read_uow(), "manager1").active

    dialog = open_dialog(qtbot, panel, panel.toggle_button)
    submit(qtbot, dialog, dialog.ok_button)
    assert not users.find_user(ui_backend.read_uow(), "manager1").active
    assert panel.proxy.index(2, 3).data() == "Inactive"
    assert panel.toggle_button.text() == "Activate…"
    with pytest.raises(AuthenticationError):
        ui_backend.staff.login("manager1", PASSWORD)

    dialog = open_dialog(qtbot, panel, panel.toggle_button)
    assert dialog.ok_button.text() == "Activate"
    submit(qtbot, dialog, dialog.ok_button)
    assert users.find_user(ui_backend.read_uow(), "manager1").active


def test_deactivating_yourself_shows_the_services_message(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    panel = tab.users_panel
    panel.select_user(staff["admin"].id)
    dialog = open_dialog(qtbot, panel, panel.toggle_button)
    submit(qtbot, dialog, dialog.ok_button, accepted=False)
    assert dialog.error_label.text() == "You cannot deactivate yourself: ask another admin."


def test_an_admin_demoted_meanwhile_is_refused_in_the_dialog(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    second = users.add_user(ui_backend.uow(), None, "admin2", PASSWORD, "admin")
    tab = make_users_tab(qtbot, ui_backend, bus, second)
    panel = tab.users_panel
    panel.select_user(staff["cashier"].id)
    dialog = open_dialog(qtbot, panel, panel.toggle_button)
    users.update_user(ui_backend.uow(), staff["admin"], second.id, role="manager")  # elsewhere
    submit(qtbot, dialog, dialog.ok_button, accepted=False)
    assert dialog.error_label.text() == "admin2 (manager) is not allowed to manage users."
    assert users.find_user(ui_backend.read_uow(), "cashier1").active


def test_reset_password(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    panel = tab.users_panel
    panel.select_user(staff["manager"].id)
    dialog = open_dialog(qtbot, panel, panel.reset_button)
    assert isinstance(dialog, ResetPasswordDialog)
    dialog.password_edit.setText(NEW_PASSWORD)
    dialog.repeat_edit.setText(NEW_PASSWORD + "x")
    submit(qtbot, dialog, dialog.ok_button, accepted=False)
    assert dialog.error_label.text() == "The two passwords do not match."
    dialog.repeat_edit.setText(NEW_PASSWORD)
    submit(qtbot, dialog, dialog.ok_button)
    assert ui_backend.staff.login("manager1", NEW_PASSWORD).username == "manager1"


def test_unlock_a_locked_out_user(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            ui_backend.staff.login("cashier1", "wrong wrong wrong")
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    panel = tab.users_panel
    panel.select_user(staff["cashier"].id)
    assert panel.proxy.index(1, 3).data() == "Locked"
    assert panel.count_label.text() == "3 users · 1 locked out"
    assert panel.unlock_button.isEnabled()
    QTest.mouseClick(panel.unlock_button, Qt.MouseButton.LeftButton)
    assert panel.proxy.index(1, 3).data() == "Active"
    assert not panel.unlock_button.isEnabled()
    assert ui_backend.staff.login("cashier1", PASSWORD).username == "cashier1"


def test_changes_made_elsewhere_show_up(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    tab = make_users_tab(qtbot, ui_backend, bus, staff["manager"])
    panel = tab.users_panel
    for name in ("zed", "zoe"):  # announced on the bus
        users.add_user(ui_backend.uow(), staff["admin"], name, PASSWORD, "manager")
    qtbot.wait_until(lambda: rows(panel) == ["admin1", "cashier1", "manager1", "zed", "zoe"])


def test_managers_see_the_list_but_cannot_change_it(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    tab = make_users_tab(qtbot, ui_backend, bus, staff["manager"])
    panel = tab.users_panel
    assert rows(panel) == ["admin1", "cashier1", "manager1"]
    panel.select_user(staff["cashier"].id)
    for button in (
        panel.add_button,
        panel.edit_button,
        panel.reset_button,
        panel.unlock_button,
        panel.toggle_button,
    ):
        assert not button.isEnabled()
    assert panel.admins_only_label.isVisible()
    assert tab.audit_view is None
    assert tab.segments is None
    panel.table.setFocus()
    for keys in ("Ctrl+N", "F2", "Ctrl+D", "Ctrl+R"):
        QTest.keySequence(panel.table, keys)
        assert panel.active_dialog is None
    # The services refuse whatever the screen shows.
    with pytest.raises(PermissionDeniedError):
        users.set_active(ui_backend.uow(), staff["manager"], staff["cashier"].id, False)


def test_keyboard(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    tab.activateWindow()
    qtbot.wait_until(tab.isActiveWindow)
    panel = tab.users_panel
    panel.table.setFocus()
    QTest.keySequence(panel.table, "Ctrl+F")
    assert panel.search_edit.hasFocus()
    QTest.keySequence(panel.search_edit, "Ctrl+N")
    dialog = panel.active_dialog
    assert isinstance(dialog, AddUserDialog)
    with qtbot.wait_signal(dialog.finished):
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
    panel.select_user(staff["cashier"].id)
    panel.table.setFocus()
    QTest.keyClick(panel.table, Qt.Key.Key_F2)
    dialog = panel.active_dialog
    assert isinstance(dialog, EditUserDialog)
    assert panel.table.currentIndex().data(USER_ROLE).username == "cashier1"
    with qtbot.wait_signal(dialog.finished):
        dialog.reject()
    assert all(button.toolTip() for button in (panel.edit_button, panel.add_button))
    assert "(Ctrl+N)" in panel.add_button.toolTip()


def test_promoting_a_pin_cashier_asks_for_a_password(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    """Issue #16, defect 2: the edit dialog asks for a password before the new role applies."""
    pinny = users.add_user(ui_backend.uow(), None, "pinny", "2468", "cashier")
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    panel = tab.users_panel
    panel.select_user(pinny.id)
    dialog = open_dialog(qtbot, panel, panel.edit_button)
    assert isinstance(dialog, EditUserDialog)
    assert not dialog.password_edit.isEnabled()
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("manager"))
    assert dialog.password_edit.isEnabled()
    assert "never a PIN" in dialog.password_hint.text()
    if os.environ.get("POSAPP_SHOTS"):
        dialog.grab().save(os.path.join(os.environ["POSAPP_SHOTS"], "edit_user_promotion.png"))
    submit(qtbot, dialog, dialog.ok_button, accepted=False)
    assert "never a PIN: enter a new password for pinny" in dialog.error_label.text()
    assert users.find_user(ui_backend.read_uow(), "pinny").role == "cashier"
    dialog.password_edit.setText("1357")
    dialog.repeat_edit.setText("1357")
    submit(qtbot, dialog, dialog.ok_button, accepted=False)
    assert "at least 12 characters" in dialog.error_label.text()
    dialog.password_edit.setText(NEW_PASSWORD)
    dialog.repeat_edit.setText(NEW_PASSWORD)
    submit(qtbot, dialog, dialog.ok_button)
    assert users.find_user(ui_backend.read_uow(), "pinny").role == "manager"
    assert ui_backend.staff.login("pinny", NEW_PASSWORD).role == "manager"
    with pytest.raises(AuthenticationError):
        ui_backend.staff.login("pinny", "2468")
