"""Notifications in the window: toasts and bell from real events, focus kept, bursts coalesced."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from posapp.events import UserChanged
from posapp.models.base import utcnow
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.ui.kit.bus import EventBus
from posapp.ui.main_window import MainWindow
from posapp.ui.notifications.bell import NotificationBell
from posapp.ui.notifications.toasts import Toast, ToastArea
from posapp.ui.notifications.wiring import NotificationsWiring, wire_notifications
from tests.ui.notification_ui_support import Shop, open_shop

pytestmark = pytest.mark.ui


@pytest.fixture
def shop(sqlite_database: Database, bus: EventBus, tmp_path: Path) -> Iterator[Shop]:
    yield from open_shop(sqlite_database, bus, tmp_path)


def open_window(qtbot: QtBot, shop: Shop, bus: EventBus, user: UserDTO) -> MainWindow:
    window = MainWindow(shop.backend, bus, user)
    qtbot.add_widget(window)
    window.show()
    window.activateWindow()
    qtbot.wait_until(window.isActiveWindow)
    return window


def barcode_field(window: MainWindow) -> QLineEdit:
    """The register's barcode field (``scan_edit``) on the Orders tab."""
    index = window.tab_titles().index("Orders")
    window.tabs.setCurrentIndex(index)
    page = window.tabs.widget(index)
    assert page is not None
    register = getattr(page, "register", None)
    assert register is not None  # a manager sells too
    field: QLineEdit = register.scan_edit
    return field


class FocusWatch:
    """Records every focus change of the application."""

    def __init__(self) -> None:
        self.changes: list[tuple[QWidget | None, QWidget | None]] = []
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._on_changed)

    def _on_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        self.changes.append((old, new))


def test_a_sale_crossing_the_reorder_point_toasts_the_manager_and_keeps_the_barcode_focus(
    qtbot: QtBot, shop: Shop, bus: EventBus
) -> None:
    manager = shop.staff["manager"]
    window = open_window(qtbot, shop, bus, manager)
    wiring = window.notifications  # the window wired itself
    assert isinstance(wiring, NotificationsWiring)
    field = barcode_field(window)
    field.setFocus()
    qtbot.wait_until(field.hasFocus)
    QTest.keyClicks(field, "40")
    watch = FocusWatch()
    assert window.bell.unread == 0

    shop.sell(6)  # 10 → 4, reorder point 5

    def low_stock_toast() -> bool:
        return any(t.title == "Low stock: Apple juice" for t in window.toasts.toasts)

    qtbot.wait_until(low_stock_toast, timeout=5_000)
    qtbot.wait_until(lambda: window.bell.unread == 1, timeout=5_000)
    toast = next(t for t in window.toasts.toasts if t.title == "Low stock: Apple juice")
    assert toast.level == "warning"
    assert toast.body == "4 left at Main Street (reorder point 5)."
    assert watch.changes == []  # nothing took the focus, not even for a moment
    assert QApplication.focusWidget() is field
    QTest.keyClicks(field, "12")
    assert field.text() == "4012"  # the cashier's typing was never interrupted
    assert window.isActiveWindow()


def test_the_cashier_gets_no_low_stock_toast(qtbot: QtBot, shop: Shop, bus: EventBus) -> None:
    cashier = shop.staff["cashier"]
    window = open_window(qtbot, shop, bus, cashier)
    manager_window = open_window(qtbot, shop, bus, shop.staff["manager"])
    manager_wiring = manager_window.notifications
    assert manager_wiring is not None
    shop.sell(6)
    qtbot.wait_until(lambda: manager_window.bell.unread == 1, timeout=5_000)
    assert shop.runner.wait_idle()
    qtbot.wait(manager_wiring._timer.interval() * 2)  # let a (wrong) refresh happen if it would
    assert not any(t.title.startswith("Low stock") for t in window.toasts.toasts)


class Host(QWidget):
    """What the wiring needs of a window (a bell and a toast area), plus a barcode field."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.field = QLineEdit(self)
        self.bell = NotificationBell(self)
        layout.addWidget(self.field)
        layout.addWidget(self.bell)
        layout.addStretch(1)
        self.toasts = ToastArea(self)
        self.resize(900, 700)


def test_a_burst_of_100_events_is_coalesced_and_never_freezes_the_ui(
    qtbot: QtBot, shop: Shop, bus: EventBus
) -> None:
    admin = shop.staff["admin"]
    host = Host()
    qtbot.add_widget(host)
    host.show()
    host.activateWindow()
    qtbot.wait_until(host.isActiveWindow)
    wiring = wire_notifications(host, shop.backend.notifications, bus, admin)
    assert wiring is not None
    assert shop.runner.wait_idle()
    qtbot.wait_until(lambda: not wiring._timer.isActive())
    before = shop.backend.notifications.unread_count(admin)  # the staff being added
    qtbot.wait_until(lambda: host.bell.unread == before)
    host.toasts.clear()
    host.field.setFocus()
    qtbot.wait_until(host.field.hasFocus)
    watch = FocusWatch()
    gaps: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    heartbeat = QTimer(host)
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: gaps.append(clock.restart()))
    heartbeat.start()
    refreshes_before = wiring.refreshes
    started = time.perf_counter()
    now = utcnow()
    for i in range(100):  # committed elsewhere: the chain hands them to the worker and the bus
        shop.chain(UserChanged(shop.staff["cashier"].id, "cashier1", f"edited {i}", now))
    qtbot.wait_until(lambda: host.bell.unread == before + 100, timeout=60_000)
    elapsed = time.perf_counter() - started
    qtbot.wait_until(lambda: not wiring._timer.isActive())
    heartbeat.stop()
    refreshes = wiring.refreshes - refreshes_before
    longest = max(gaps or [0])
    print(
        f"burst: 100 events → bell +100 in {elapsed * 1000:.0f} ms, {refreshes} bell "
        f"refreshes, {len(host.toasts.toasts)} toasts, longest GUI stall {longest} ms"
    )
    # Coalesced: far fewer refreshes than events. Generous bounds (a busy 2-core CI machine can
    # hand the burst over in slices; it failed once at load 7 with the tighter 10 and 500 ms).
    assert 1 <= refreshes <= 25
    titles = [t.title for t in host.toasts.toasts]
    assert len(titles) <= 4 * refreshes  # each refresh: the newest three and one "N more"
    assert any(title.endswith("more notifications") for title in titles)
    assert "Staff: cashier1 edited 99" in titles
    assert longest < 3_000  # the event loop kept turning (no refresh blocked it for long)
    assert watch.changes == []
    assert QApplication.focusWidget() is host.field


def test_a_full_toast_area_makes_room_for_the_newest_notifications(
    qtbot: QtBot, shop: Shop, bus: EventBus
) -> None:
    host = Host()
    qtbot.add_widget(host)
    host.show()
    wiring = wire_notifications(host, shop.backend.notifications, bus, shop.staff["admin"])
    assert wiring is not None
    qtbot.wait_until(lambda: not wiring._timer.isActive())
    host.toasts.clear()
    for i in range(host.toasts.max_visible):
        host.toasts.show_toast(f"Older {i}")
    now = utcnow()
    shop.chain(UserChanged(shop.staff["cashier"].id, "cashier1", "edited A", now))
    shop.chain(UserChanged(shop.staff["cashier"].id, "cashier1", "edited B", now))

    def titles() -> list[str]:
        return [t.title for t in host.toasts.toasts]

    qtbot.wait_until(lambda: "Staff: cashier1 edited B" in titles(), timeout=5_000)
    qtbot.wait_until(lambda: "Staff: cashier1 edited A" in titles(), timeout=5_000)
    assert host.toasts.overflow_count == 0  # nothing new was folded away
    assert titles()[:3] == ["Older 2", "Older 3", "Older 4"]  # the oldest made room


def test_clicking_a_toast_opens_its_object_and_the_bell_opens_the_centre(
    qtbot: QtBot, shop: Shop, bus: EventBus
) -> None:
    manager = shop.staff["manager"]
    window = open_window(qtbot, shop, bus, manager)
    wiring = window.notifications
    assert wiring is not None
    shop.sell(6)

    def mine() -> list[Toast]:
        return [t for t in window.toasts.toasts if t.title == "Low stock: Apple juice"]

    qtbot.wait_until(lambda: bool(mine()), timeout=5_000)
    toast = mine()[0]
    with qtbot.wait_signal(wiring.open_requested, timeout=2_000) as blocker:
        QTest.mouseClick(toast.title_label, Qt.MouseButton.LeftButton)
    assert blocker.args == ["product", shop.product_id]

    QTest.mouseClick(window.bell, Qt.MouseButton.LeftButton)
    centre = wiring.centre
    assert centre is not None
    qtbot.wait_exposed(centre)
    assert centre.model.rowCount() == 1
    centre.view.setCurrentIndex(centre.model.index(0))
    with qtbot.wait_signal(wiring.open_requested) as blocker:
        QTest.keyClick(centre.open_button, Qt.Key.Key_Space)
    assert blocker.args == ["product", shop.product_id]
    qtbot.wait_until(lambda: window.bell.unread == 0)  # opening read it
    centre.close()
