"""The main window: tabs by role, shortcuts, status bar, the notification bell, menu and toasts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from posapp.events import (
    AccountMoved,
    CouponRedeemed,
    DomainEvent,
    NotificationCreated,
    OrderPlaced,
    StockLow,
    UserChanged,
)
from posapp.services.accounts import AccountsApi
from posapp.services.backend import Backend
from posapp.services.catalog import CatalogApi
from posapp.services.coupons import CouponsApi
from posapp.services.customers import CustomersApi
from posapp.services.notifications import NotificationsApi
from posapp.services.notifications.listener import NotificationListener
from posapp.services.platform.dto import UserDTO
from posapp.services.sales import SalesApi
from posapp.services.staff import StaffApi
from posapp.services.stock import StockApi
from posapp.ui.kit.bus import EventBus
from posapp.ui.login_dialog import LoginDialog
from posapp.ui.main_window import TAB_SPECS, MainWindow
from posapp.ui.staff.tab import UsersTab
from tests.ui.helpers import NOW, log_in, show_dialog
from tests.ui.seed import PASSWORD, add_store

pytestmark = pytest.mark.ui
SHIFT = Qt.KeyboardModifier.ShiftModifier

ALL_TABS = ["Stores", "Catalog", "Orders", "Coupons", "Accounts", "Admin users", "Customers"]
EXPECTED_TABS = {
    "admin": ALL_TABS,
    "manager": ALL_TABS,
    "cashier": ["Stores", "Catalog", "Orders", "Coupons", "Accounts", "Customers"],
}


def make_window(qtbot: QtBot, backend: Backend, bus: EventBus, user: UserDTO) -> MainWindow:
    window = MainWindow(backend, bus, user)
    qtbot.add_widget(window)
    return window


def show_active(qtbot: QtBot, window: MainWindow) -> None:
    window.show()
    window.activateWindow()
    qtbot.wait_until(window.isActiveWindow)


def test_the_backend_offers_one_facade_per_feature(ui_backend: Backend) -> None:
    facades = {
        "sales": SalesApi,
        "stock": StockApi,
        "catalog": CatalogApi,
        "coupons": CouponsApi,
        "accounts": AccountsApi,
        "customers": CustomersApi,
        "staff": StaffApi,
        "notifications": NotificationsApi,
    }
    for name, facade in facades.items():
        assert isinstance(getattr(ui_backend, name), facade)
        assert getattr(ui_backend, name) is getattr(ui_backend, name)  # built once
    assert ui_backend.register == "till-1"


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


def notify(backend: Backend, *events: DomainEvent) -> None:
    """What the notification worker does for committed events (here synchronously)."""
    NotificationListener(backend).handle(list(events))


def test_raw_events_no_longer_toast_but_stored_notifications_do(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    store_id = add_store(ui_backend, "Main Street")
    window = make_window(qtbot, ui_backend, bus, staff["admin"])
    window.show()
    assert window.notifications is not None
    bus.publish(OrderPlaced(1, "A-1042", store_id, 4_250, NOW))
    bus.publish(StockLow(store_id, 17, 2, 5, NOW))
    bus.publish(CouponRedeemed(1, 1, 1042, 500, NOW))
    bus.publish(AccountMoved(3, 4, "deposit", 10_000, 25_000, NOW))
    assert not window.toasts.toasts  # only what the rules made notifications of is toasted
    notify(ui_backend, UserChanged(staff["cashier"].id, "zoe", "added", NOW))
    qtbot.wait_until(lambda: bool(window.toasts.toasts))
    assert [(t.title, t.level) for t in window.toasts.toasts] == [("Staff: zoe was added", "info")]
    assert window.bell.unread == 1
    assert "1 unread" in window.bell.accessibleName()


def test_the_bell_shows_the_stored_count_and_opens_the_centre(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    admin = staff["admin"]
    notify(ui_backend, UserChanged(staff["cashier"].id, "zoe", "added", NOW))
    notify(ui_backend, UserChanged(staff["cashier"].id, "zoe", "deactivated", NOW))
    window = make_window(qtbot, ui_backend, bus, admin)
    show_active(qtbot, window)
    assert window.bell.unread == 2  # read from the database when the window opens
    bus.publish(NotificationCreated(999, admin.id, "Not stored", "info", NOW))
    assert window.notifications is not None
    wiring = window.notifications
    qtbot.wait_until(lambda: wiring.refreshes > 1)
    assert window.bell.unread == 2  # the bell counts stored rows, not events
    QTest.mouseClick(window.bell, Qt.MouseButton.LeftButton)
    centre = wiring.centre
    assert centre is not None
    qtbot.wait_exposed(centre)
    assert centre.model.rowCount() == 2
    centre.all_button.click()  # mark all read: the bell follows
    qtbot.wait_until(lambda: window.bell.unread == 0)
    centre.close()


def test_events_held_before_the_window_existed_are_delivered(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    bus.hold()
    notify(ui_backend, UserChanged(staff["cashier"].id, "zoe", "added", NOW))
    window = make_window(qtbot, ui_backend, bus, staff["admin"])
    assert not bus.is_held()
    qtbot.wait_until(lambda: [t.title for t in window.toasts.toasts] == ["Staff: zoe was added"])


MENUS = {
    "admin": [
        "Notification centre…",
        "Notification rules…",
        "Email outbox…",
        "Write a promotion…",
        "Mail server…",
    ],
    "manager": ["Notification centre…", "Email outbox…", "Write a promotion…"],
    "cashier": ["Notification centre…"],
}


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_the_notifications_menu_offers_what_the_role_may_do(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO], role: str
) -> None:
    window = make_window(qtbot, ui_backend, bus, staff[role])
    actions = window.notification_actions
    assert actions is not None
    assert [a.text() for a in actions.actions] == MENUS[role]
    assert window.notifications_button.menu() is actions.menu
    shortcuts = {a.text(): a.shortcut().toString() for a in actions.actions}
    assert shortcuts["Notification centre…"] == "Ctrl+B"
    assert all(a in window.actions() for a in actions.actions)  # shortcuts work window-wide


def test_shortcuts_open_the_centre_and_the_outbox(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    window = make_window(qtbot, ui_backend, bus, staff["manager"])
    show_active(qtbot, window)
    assert window.notifications is not None
    assert window.notification_actions is not None
    QTest.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    centre = window.notifications.centre
    assert centre is not None
    qtbot.wait_exposed(centre)
    centre.close()
    window.activateWindow()
    qtbot.wait_until(window.isActiveWindow)
    QTest.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier | SHIFT)
    outbox = window.notification_actions.outbox
    assert outbox is not None
    qtbot.wait_exposed(outbox)
    assert outbox.windowTitle() == "Email outbox"
    window.close()
    assert not outbox.isVisible()  # closing the window closes what it opened


def test_a_linked_object_opens_in_its_tab(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    window = make_window(qtbot, ui_backend, bus, staff["admin"])
    for kind, title in [
        ("campaign", "Coupons"),
        ("user", "Admin users"),
        ("product", "Stores"),
        ("order", "Orders"),
        ("account", "Accounts"),
    ]:
        window.links.open(kind, 1)
        assert window.tabs.tabText(window.tabs.currentIndex()) == title
    window.links.open("mystery", 1)  # ignored
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Accounts"
    cashier_window = make_window(qtbot, ui_backend, bus, staff["cashier"])
    cashier_window.links.open("user", staff["admin"].id)  # no such tab for a cashier: ignored
    assert cashier_window.tabs.tabText(cashier_window.tabs.currentIndex()) == "Orders"


@pytest.mark.parametrize(("role", "home"), [("cashier", "Orders"), ("manager", "Stores")])
def test_a_cashier_lands_on_the_register_others_on_the_first_tab(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    staff: dict[str, UserDTO],
    role: str,
    home: str,
) -> None:
    for lazy in (False, True):
        window = MainWindow(ui_backend, bus, staff[role], lazy_tabs=lazy)
        qtbot.add_widget(window)
        assert window.tabs.tabText(window.tabs.currentIndex()) == home
        assert window.tabs.currentWidget().objectName() != "pendingTab"  # built before paint


def test_a_report_that_cannot_be_made_says_why_in_a_toast(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    staff: dict[str, UserDTO],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path))
    window = make_window(qtbot, ui_backend, bus, staff["admin"])
    window.links.open("report", 999)  # a campaign that does not exist (any more)

    def said() -> list[tuple[str, str, str]]:
        return [(t.title, t.body, t.level) for t in window.toasts.toasts]

    qtbot.wait_until(lambda: bool(said()))
    assert said() == [("Cannot open the report", "No coupon campaign with id 999.", "error")]
