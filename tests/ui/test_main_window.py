"""The main window: tabs by role, shortcuts, status bar, bell and toasts from the bus."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from posapp.events import (
    AccountMoved,
    CouponRedeemed,
    NotificationCreated,
    OrderPlaced,
    StockLow,
    StockMoved,
    UserChanged,
)
from posapp.services.backend import Backend
from posapp.services.dto import UserDTO
from posapp.ui.bus import EventBus
from posapp.ui.login_dialog import LoginDialog
from posapp.ui.main_window import TAB_SPECS, MainWindow
from posapp.ui.ports import AppBackend
from posapp.ui.tabs.users_tab import UsersTab
from tests.ui.helpers import NOW, log_in, show_dialog
from tests.ui.seed import PASSWORD, add_store

pytestmark = pytest.mark.ui

ALL_TABS = ["Stores", "Catalog", "Orders", "Coupons", "Accounts", "Admin users"]
EXPECTED_TABS = {
    "admin": ALL_TABS,
    "manager": ALL_TABS,
    "cashier": ["Stores", "Catalog", "Orders", "Coupons", "Accounts"],
}


def make_window(qtbot: QtBot, backend: Backend, bus: EventBus, user: UserDTO) -> MainWindow:
    window = MainWindow(backend, bus, user)
    qtbot.add_widget(window)
    return window


def show_active(qtbot: QtBot, window: MainWindow) -> None:
    window.show()
    window.activateWindow()
    qtbot.wait_until(window.isActiveWindow)


def test_backend_satisfies_the_ui_port(ui_backend: Backend) -> None:
    port: AppBackend = ui_backend  # mypy checks the protocol here
    assert port.register == "till-1"


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_each_role_sees_exactly_its_tabs_after_logging_in(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO], role: str
) -> None:
    user = log_in(qtbot, show_dialog(qtbot, LoginDialog(ui_backend)), f"{role}1", PASSWORD)
    window = make_window(qtbot, ui_backend, bus, user)
    assert window.tab_titles() == EXPECTED_TABS[role]
    has_users_tab = any(
        isinstance(window.tabs.widget(i), UsersTab) for i in range(window.tabs.count())
    )
    assert has_users_tab == (role != "cashier")
    for index in range(window.tabs.count()):
        assert not window.tabs.tabIcon(index).isNull()


def test_tab_order_and_permissions_are_declared_once() -> None:
    assert [spec.title for spec in TAB_SPECS] == ALL_TABS


def test_title_and_status_bar_name_user_store_register_and_database(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    add_store(ui_backend, "Main Street")
    window = make_window(qtbot, ui_backend, bus, staff["admin"])
    assert window.windowTitle() == "posapp — Main Street"
    assert window.user_item.text == "Ada Lovelace · Admin"
    assert window.store_item.text == "Main Street"
    assert window.register_item.text == "till-1"
    assert window.database_item.text == ui_backend.database_description
    assert window.database_item.text.startswith("SQLite ")
    assert window.size().width() == 1280
    assert window.size().height() == 800
    assert window.minimumWidth() >= 800


def test_without_a_store_the_status_bar_says_so(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    window = make_window(qtbot, ui_backend, bus, staff["cashier"])
    assert window.store_item.text == "No store"
    assert window.windowTitle() == "posapp"


def test_ctrl_digits_switch_tabs(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    window = make_window(qtbot, ui_backend, bus, staff["admin"])
    show_active(qtbot, window)
    QTest.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Orders"
    QTest.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Admin users"
    QTest.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 0


def test_ctrl_l_logs_out_and_closes_the_window(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    window = make_window(qtbot, ui_backend, bus, staff["cashier"])
    show_active(qtbot, window)
    with qtbot.wait_signals([window.logout_requested, window.closed], order="strict"):
        QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()


def test_bell_counts_this_users_notifications_and_resets_when_clicked(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    user = staff["manager"]
    window = make_window(qtbot, ui_backend, bus, user)
    window.show()
    bus.publish(NotificationCreated(1, user.id, "Stock low", "warning", NOW))
    bus.publish(NotificationCreated(2, user.id, "Order placed", "info", NOW))
    bus.publish(NotificationCreated(3, staff["admin"].id, "Not for you", "info", NOW))
    assert window.bell.unread == 2
    assert "2 unread" in window.bell.accessibleName()
    QTest.mouseClick(window.bell, Qt.MouseButton.LeftButton)
    assert window.bell.unread == 0


def test_bus_events_become_toasts(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    store_id = add_store(ui_backend, "Main Street")
    window = make_window(qtbot, ui_backend, bus, staff["admin"])
    window.show()
    window.toasts.clear()
    bus.publish(OrderPlaced(1, "A-1042", store_id, 4_250, NOW))
    bus.publish(StockLow(store_id, 17, 2, 5, NOW))
    bus.publish(CouponRedeemed(1, 1, 1042, 500, NOW))
    bus.publish(UserChanged(9, "zoe", "added", NOW))
    bus.publish(AccountMoved(3, 4, "deposit", 10_000, 25_000, NOW))
    bus.publish(StockMoved(store_id, 17, "sale", -1, NOW))  # not worth a toast
    toasts = window.toasts.toasts
    assert [(t.title, t.level) for t in toasts] == [
        ("Order A-1042 placed", "info"),
        ("Stock is running low", "warning"),
        ("Coupon redeemed", "info"),
        ("Staff updated", "info"),
        ("Account #3", "info"),
    ]
    assert "Main Street" in toasts[0].body
    assert "42" in toasts[0].body
    assert toasts[3].body == "zoe was added."


def test_events_held_before_the_window_existed_are_delivered(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    bus.hold()
    bus.publish(OrderPlaced(1, "A-7", 1, 100, NOW))
    window = make_window(qtbot, ui_backend, bus, staff["admin"])
    assert not bus.is_held()
    assert [t.title for t in window.toasts.toasts] == ["Order A-7 placed"]
