"""Issue 3's acceptance: an admin adds a cashier, who logs in; the admin deactivates them, and
the cashier's next action is refused and their window goes back to the login screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import AuthenticationError
from posapp.services.staff import users
from posapp.services.staff.permissions import Permission
from posapp.services.staff.security import SESSION_ENDED, SessionEndedError, authorize
from posapp.ui.app_runner import SessionController
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.session import error_text
from posapp.ui.main_window import MainWindow
from posapp.ui.staff.dialogs import AddUserDialog, ConfirmDialog
from posapp.ui.staff.tab import UsersTab
from tests.ui.helpers import log_in
from tests.ui.users_support import open_dialog, rows, submit

pytestmark = pytest.mark.ui

PIN = "2580"


@pytest.fixture
def cashier_session(ui_backend: Backend, bus: EventBus) -> Iterator[SessionController]:
    controller = SessionController(ui_backend, bus)
    yield controller
    controller.shutdown()


def sell(backend: Backend, user: UserDTO) -> None:
    """The first step of every service action a cashier takes (ringing up a sale, say)."""
    with backend.uow() as uow:
        authorize(uow, user, Permission.SELL)


def test_a_deactivated_cashiers_next_action_ends_their_session(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    staff: dict[str, UserDTO],
    cashier_session: SessionController,
) -> None:
    # The admin adds a cashier through the Admin users tab.
    admin_window = MainWindow(ui_backend, bus, staff["admin"])
    qtbot.add_widget(admin_window)
    admin_window.show()
    admin_window.tabs.setCurrentIndex(admin_window.tab_titles().index("Admin users"))
    users_tab = admin_window.tabs.currentWidget()
    assert isinstance(users_tab, UsersTab)
    panel = users_tab.users_panel
    dialog = open_dialog(qtbot, panel, panel.add_button)
    assert isinstance(dialog, AddUserDialog)
    QTest.keyClicks(dialog.username_edit, "newbie")
    QTest.keyClicks(dialog.full_name_edit, "Nina Newbie")
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("cashier"))
    QTest.keyClicks(dialog.password_edit, PIN)
    QTest.keyClicks(dialog.repeat_edit, PIN)
    submit(qtbot, dialog, dialog.ok_button)
    assert "newbie" in rows(panel)

    # The cashier logs in on the register.
    cashier_session.start()
    login = cashier_session.login_dialog
    assert login is not None
    cashier = log_in(qtbot, login, "newbie", PIN)
    qtbot.wait_until(lambda: cashier_session.main_window is not None)
    cashier_window = cashier_session.main_window
    assert cashier_window is not None
    assert cashier_window.user.username == "newbie"
    sell(ui_backend, cashier)  # allowed while active

    # The admin deactivates them, after confirming.
    panel.select_user(cashier.id)
    confirm = open_dialog(qtbot, panel, panel.toggle_button)
    assert isinstance(confirm, ConfirmDialog)
    assert confirm.ok_button.text() == "Deactivate"
    submit(qtbot, confirm, confirm.ok_button)
    assert panel.proxy.index(rows(panel).index("newbie"), 3).data() == "Inactive"

    # The cashier's next action is refused, the way any widget of their window reports it.
    page = cashier_window.tabs.currentWidget()
    with qtbot.wait_signal(cashier_window.session_ended) as ended:
        with pytest.raises(SessionEndedError) as refused:
            sell(ui_backend, cashier)
        assert error_text(page, refused.value) == SESSION_ENDED  # what the widget shows
    assert ended.args == [SESSION_ENDED]

    # ... and their window returns to the login screen, which says why.
    qtbot.wait_until(lambda: cashier_session.login_dialog is not None)
    assert cashier_session.main_window is None
    back = cashier_session.login_dialog
    assert back is not None
    assert back.error_label.isVisible()
    assert back.error_label.text() == SESSION_ENDED
    with pytest.raises(AuthenticationError, match="Unknown username or wrong password"):
        ui_backend.staff.login("newbie", PIN)
    assert admin_window.isVisible()  # the admin's own session goes on


def test_an_admin_deactivated_elsewhere_is_logged_out_from_a_dialog(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    staff: dict[str, UserDTO],
    cashier_session: SessionController,
) -> None:
    """A dialog of the window ends the session too: it posts to the window that owns it."""
    cashier_session.start()
    login = cashier_session.login_dialog
    assert login is not None
    admin = log_in(qtbot, login, "admin1", "correct horse battery")
    qtbot.wait_until(lambda: cashier_session.main_window is not None)
    window = cashier_session.main_window
    assert window is not None
    window.tabs.setCurrentIndex(window.tab_titles().index("Admin users"))
    tab = window.tabs.currentWidget()
    assert isinstance(tab, UsersTab)
    panel = tab.users_panel
    panel.select_user(staff["cashier"].id)
    confirm = open_dialog(qtbot, panel, panel.toggle_button)
    # Meanwhile, on another register, a second admin deactivates this one.
    second = users.update_user(ui_backend.uow(), None, staff["manager"].id, role="admin")
    users.set_active(ui_backend.uow(), second, admin.id, False)
    with qtbot.wait_signal(window.session_ended):
        QTest.mouseClick(confirm.ok_button, Qt.MouseButton.LeftButton)
    qtbot.wait_until(lambda: cashier_session.login_dialog is not None)
    dialog = cashier_session.login_dialog
    assert dialog is not None
    assert dialog.error_label.text() == SESSION_ENDED
    assert users.find_user(ui_backend.read_uow(), "cashier1").active  # nothing was done
