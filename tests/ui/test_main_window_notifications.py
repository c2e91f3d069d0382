"""Issue #8's acceptance test on the real application: the main window as ``run_gui`` builds it.

The composition is the application's own: ``posapp.app_services.start_services`` (the publisher
chain, the notification worker, the report writer, the sender, the campaign clock and, on
PostgreSQL, the relay), then the ``SessionController`` of ``posapp.ui.app_runner``, the login
dialog and the ``MainWindow`` it opens. Nothing is wired by hand.

A cashier's sale on another till takes a product to its reorder point while the manager is
typing a barcode at the register: a toast appears, the bell counts one, and the barcode field
keeps the focus throughout. On SQLite the other till is a second register on this machine; on
PostgreSQL it is a separate process, and its events arrive through LISTEN/NOTIFY.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from posapp.app_services import ServiceOptions, Services, start_services
from posapp.config import AppConfig
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.ui.app_runner import SessionController
from posapp.ui.kit.bus import EventBus
from posapp.ui.main_window import MainWindow
from posapp.ui.notifications import menu as notif_window
from posapp.ui.notifications.toasts import Toast
from tests.checkout_seed import PASSWORD, add_coupon
from tests.integration.notif_till import Child, NotifShop, ensure_till, seed, sell
from tests.ui.helpers import log_in

pytestmark = pytest.mark.ui
LOW_STOCK = "Low stock: Apple juice"


class FocusWatch:
    """Records every focus change of the application."""

    def __init__(self) -> None:
        self.changes: list[tuple[QWidget | None, QWidget | None]] = []
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._on_changed)

    def _on_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        self.changes.append((old, new))


class Viewer:
    """Stands in for the desktop's PDF viewer (``QDesktopServices.openUrl`` of a file URL).

    PySide6 6.x refuses ``QDesktopServices.setUrlHandler(scheme, receiver, method)`` (its
    signature check fails on every argument), so the one function that calls ``openUrl`` is
    replaced instead.
    """

    def __init__(self) -> None:
        self.urls: list[QUrl] = []

    def __call__(self, path: Path) -> bool:
        self.urls.append(QUrl.fromLocalFile(str(path)))
        return True


def url_of(database: Database) -> str:
    return database.url.render_as_string(hide_password=False)


@pytest.fixture
def shop(database: Database) -> NotifShop:
    return seed(Backend(database, register="setup"))


@pytest.fixture
def services(
    database: Database,
    bus: EventBus,
    shop: NotifShop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Services]:
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path / "data"))
    options = ServiceOptions(campaign_check_s=3600, sender_interval_s=3600, relay_poll_s=0.1)
    running = start_services(database, bus, AppConfig(url_of(database), "till-1"), options)
    yield running
    running.stop()


@pytest.fixture
def session(services: Services, bus: EventBus) -> Iterator[SessionController]:
    # The controller owns (and deletes) its dialog and windows, so they are not add_widget'ed.
    controller = SessionController(services.backend, bus)
    yield controller
    controller.shutdown()


def log_in_window(qtbot: QtBot, session: SessionController, username: str) -> MainWindow:
    """Log in through the login dialog, as a user does; return the window the app opens."""
    session.start()
    dialog = session.login_dialog
    assert dialog is not None
    qtbot.wait_exposed(dialog)
    log_in(qtbot, dialog, username, PASSWORD)
    qtbot.wait_until(lambda: session.main_window is not None)
    window = session.main_window
    assert window is not None
    qtbot.wait_exposed(window)
    window.activateWindow()
    qtbot.wait_until(window.isActiveWindow)
    return window


def scan_field(qtbot: QtBot, window: MainWindow) -> QLineEdit:
    """The register's barcode field, focused, as the manager starts scanning."""
    page = window.show_tab("Orders")
    register = getattr(page, "register", None)
    assert register is not None, "the register is wired in the real application"
    register.focus_scan()
    field: QLineEdit = register.scan_edit
    qtbot.wait_until(field.hasFocus)
    return field


def other_till(services: Services, database: Database) -> Backend:
    """A second register on this machine (SQLite): its commits go through this app's chain."""
    return Backend(database, services.chain, register="till-2")


def run_in_thread(work: object) -> threading.Thread:
    assert callable(work)
    thread = threading.Thread(target=work, name="another-till", daemon=True)
    thread.start()
    return thread


def test_a_sale_crossing_the_reorder_point_toasts_the_manager_and_keeps_the_barcode_focus(
    qtbot: QtBot,
    database: Database,
    db_kind: str,
    shop: NotifShop,
    services: Services,
    session: SessionController,
    tmp_path: Path,
) -> None:
    ensure_till(Backend(database, register="till-1"), shop.manager, shop.store_id)
    window = log_in_window(qtbot, session, "boss")
    assert window.user.role == "manager"
    field = scan_field(qtbot, window)
    QTest.keyClicks(field, "40")
    watch = FocusWatch()
    assert window.bell.unread == 0

    if db_kind == "sqlite":
        till_2 = other_till(services, database)
        seller = run_in_thread(
            lambda: sell(till_2, shop.cashier, shop.store_id, shop.product_id, 6)  # 10 → 4
        )
        child = None
    else:
        assert services.relay is not None
        assert services.relay.wait_listening(10)
        child = Child(
            url_of(database), "till-2", str(shop.store_id), str(shop.product_id), "6",
            data_dir=tmp_path / "till-2",
        )  # fmt: skip
    try:

        def low_stock_toast() -> bool:
            return any(t.title == LOW_STOCK for t in window.toasts.toasts)

        qtbot.wait_until(low_stock_toast, timeout=15_000)
        qtbot.wait_until(lambda: window.bell.unread == 1, timeout=5_000)
    finally:
        if child is not None:
            assert child.wait_for("SOLD").split()[-1] == "0"  # till-2 stopped cleanly
            child.close()
        else:
            seller.join(10)
    toast = next(t for t in window.toasts.toasts if t.title == LOW_STOCK)
    assert toast.level == "warning"
    assert toast.body == "4 left at Main Street Market (reorder point 5)."
    assert watch.changes == []  # nothing took the focus, not even for a moment
    assert QApplication.focusWidget() is field
    QTest.keyClicks(field, "12")
    assert field.text() == "4012"  # the manager's typing was never interrupted
    assert window.isActiveWindow()


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
def test_a_final_report_notification_opens_the_pdf_from_the_toast_and_the_centre(
    qtbot: QtBot,
    database: Database,
    shop: NotifShop,
    services: Services,
    session: SessionController,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_coupon(Backend(database, register="setup"), "LAST-ONE", usage_limit=1, name="Spring sale")
    window = log_in_window(qtbot, session, "root")
    assert window.user.role == "admin"
    catcher = Viewer()
    monkeypatch.setattr(notif_window, "open_file", catcher)
    till_2 = other_till(services, database)
    run_in_thread(
        lambda: sell(
            till_2,
            shop.cashier,
            shop.store_id,
            shop.product_id,
            1,
            coupon="LAST-ONE",
            total_minor=225,
        )
    ).join(10)

    def report_toasts() -> list[Toast]:
        return [t for t in window.toasts.toasts if t.title == "Final report: Spring sale"]

    qtbot.wait_until(lambda: bool(report_toasts()), timeout=30_000)
    (campaign_id, written) = next(iter(services.reports.written.items()))
    assert report_toasts()[0].body == f"{written.name} is in the reports folder."
    with qtbot.wait_signal(window.links.report_ready, timeout=10_000) as opened:
        QTest.mouseClick(report_toasts()[0].title_label, Qt.MouseButton.LeftButton)
    assert opened.args == [written]
    qtbot.wait_until(lambda: len(catcher.urls) == 1)
    assert Path(catcher.urls[0].toLocalFile()) == written

    assert window.notifications is not None
    QTest.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    centre = window.notifications.centre
    assert centre is not None
    qtbot.wait_exposed(centre)
    row = next(
        r for r in range(centre.model.rowCount())
        if centre.model.notification(r).kind == "campaign_report"
    )  # fmt: skip
    assert centre.model.notification(row).link_id == campaign_id
    centre.view.setCurrentIndex(centre.model.index(row))
    with qtbot.wait_signal(window.links.report_ready, timeout=10_000):
        centre.open_button.click()
    qtbot.wait_until(lambda: len(catcher.urls) == 2)
    assert Path(catcher.urls[1].toLocalFile()) == written
    centre.close()
