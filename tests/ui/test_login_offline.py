"""Signing in while the server is gone (#21): the real login window, main window and PostgreSQL.

PostgreSQL sits behind a TCP proxy the test cuts and restores (:mod:`tests.reliability.pg.cut`);
the background services run as in the application (:func:`posapp.app_services.start_services`).
The test cuts the network, waits until the register is offline, and signs in through the login
window by keyboard: the window says it is offline, a wrong password is told as the server tells
it, the cashier's PIN opens the main window on the register, whose product grid shows the cached
categories and products. A manager signed in offline finds the back-office tabs saying they need
the server; once the server is back they open, the same session goes on without a new sign-in,
and the sign-in made offline reaches the server's audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posapp.app_services import ServiceOptions, Services, start_services
from posapp.config import AppConfig
from posapp.models import AuditEntry
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales import OfflineSales, cache_path, journal_path
from posapp.services.staff.auth import OFFLINE_LOGIN_ACTION
from posapp.ui.app_runner import SessionController
from posapp.ui.kit.bus import EventBus
from posapp.ui.login_dialog import LoginDialog
from posapp.ui.main_window import MainWindow
from posapp.ui.register import RegisterView
from tests.checkout_seed import CASHIER_PIN, ITEMS, PASSWORD, Shop, open_shop_till, seed_shop
from tests.reliability.pg.cut import NetworkCut
from tests.ui.helpers import type_credentials

pytestmark = [
    pytest.mark.ui,
    pytest.mark.postgres,
    pytest.mark.parametrize("db_kind", ["postgres"], indirect=True),
]

WAIT_MS = 30_000  # generous: the machine may be busy


class Offline:
    """The register's services through a network the test cuts, and what it sells."""

    def __init__(self, services: Services, net: NetworkCut, shop: Shop) -> None:
        self.services = services
        self.net = net
        self.shop = shop
        sales = services.backend.offline_sales
        assert isinstance(sales, OfflineSales)
        self.sales = sales

    @property
    def backend(self) -> Backend:
        return self.services.backend


@pytest.fixture
def offline(backend: Backend, database: Database, bus: EventBus, qtbot: QtBot) -> Iterator[Offline]:
    for path_of in (journal_path, cache_path):  # the register's files of an earlier test go
        path = path_of(database.url, backend.register)
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    items = tuple(replace(item, stock=0) for item in ITEMS)
    shop = seed_shop(backend, items=items)
    open_shop_till(backend, shop)
    with NetworkCut(database.url.render_as_string(hide_password=False)) as net:
        remote = Database(net.url)
        options = ServiceOptions(relay=False, sender_interval_s=3600, campaign_check_s=3600)
        services = start_services(remote, bus, AppConfig(net.url, backend.register), options)
        try:
            made = Offline(services, net, shop)
            cache = made.sales.offline_till.cache
            qtbot.wait_until(
                lambda: cache.counts()[1] >= 3 and cache.till() is not None, timeout=WAIT_MS
            )
            net.cut("reset")
            qtbot.wait_until(lambda: not made.sales.online, timeout=WAIT_MS)
            yield made
        finally:
            services.stop()
            remote.dispose()


def _sign_in(qtbot: QtBot, dialog: LoginDialog, username: str, secret: str) -> None:
    type_credentials(qtbot, dialog, username, secret)
    QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)


def test_a_cashier_signs_in_offline_and_sells_from_the_grid(
    qtbot: QtBot, offline: Offline, bus: EventBus, request: pytest.FixtureRequest
) -> None:
    session = SessionController(offline.backend, bus)
    session.start()
    request.addfinalizer(session.shutdown)
    dialog = session.login_dialog
    assert dialog is not None
    qtbot.wait_exposed(dialog)
    hint = dialog.offline_hint
    assert hint is not None
    assert hint.isVisible()
    assert hint.text().startswith("Offline: the server does not answer.")
    assert not dialog.hint_label.isVisible()  # not the first-run hint: the cache has staff

    _sign_in(qtbot, dialog, "till", "0000")
    qtbot.wait_until(dialog.error_label.isVisible, timeout=WAIT_MS)
    assert dialog.error_label.text() == "Unknown username or wrong password."
    assert dialog.password_edit.text() == ""

    QTest.keyClicks(dialog.password_edit, CASHIER_PIN)
    QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.wait_until(lambda: session.main_window is not None, timeout=WAIT_MS)
    window = session.main_window
    assert isinstance(window, MainWindow)
    assert window.user.id == offline.shop.cashier.id
    register = window.findChild(RegisterView)
    assert isinstance(register, RegisterView)
    assert window.offline_banner is not None
    qtbot.wait_until(window.offline_banner.isVisible, timeout=WAIT_MS)

    grid = register.grid
    qtbot.wait_until(lambda: len(grid.chips) == 4, timeout=WAIT_MS)
    assert [chip.text() for chip in grid.chips] == ["Bakery", "Drinks", "Fruit", "Home"]
    assert _tiles(grid.tiles) == ["Carrot cake slice"]  # the first category's products
    QTest.mouseClick(grid.chips[1], Qt.MouseButton.LeftButton)
    qtbot.wait_until(lambda: len(grid.tiles) == 2, timeout=WAIT_MS)
    assert _tiles(grid.tiles) == ["Coffee beans 500 g", "Still water 1.5 l"]
    QTest.mouseClick(grid.tiles[0], Qt.MouseButton.LeftButton)  # sold from the cache
    qtbot.wait_until(lambda: len(register.cart.lines) == 1, timeout=WAIT_MS)

    _lock_screen_offline(qtbot, session, window, offline)


def test_a_manager_offline_sees_which_tabs_need_the_server_and_goes_on_when_it_is_back(
    qtbot: QtBot,
    offline: Offline,
    bus: EventBus,
    backend: Backend,
    request: pytest.FixtureRequest,
) -> None:
    session = SessionController(offline.backend, bus)
    session.start()
    request.addfinalizer(session.shutdown)
    dialog = session.login_dialog
    assert dialog is not None
    _sign_in(qtbot, dialog, "boss", PASSWORD)
    qtbot.wait_until(lambda: session.main_window is not None, timeout=WAIT_MS)
    window = session.main_window
    assert isinstance(window, MainWindow)
    assert window.tabs.currentIndex() == window.tab_keys().index("Orders")  # offline: selling
    window.build_pending_tabs()
    stores = window.tab_keys().index("Stores")
    window.tabs.setCurrentIndex(stores)
    page = window.tabs.widget(stores)
    assert _offline_text(page) == (
        "Stores needs the server: it is not available while offline. "
        "It opens here once the server is back."
    )

    offline.net.restore()
    qtbot.wait_until(lambda: offline.sales.online, timeout=WAIT_MS)
    # The sign-in made offline reaches the server's audit log (the periodic job).
    qtbot.wait_until(lambda: _offline_logins(backend) == [offline.shop.manager.id], timeout=WAIT_MS)
    window.tabs.setCurrentIndex(window.tab_keys().index("Orders"))
    window.tabs.setCurrentIndex(stores)
    qtbot.wait_until(lambda: _name(window.tabs.widget(stores)) != "offlineTab", timeout=WAIT_MS)
    assert session.main_window is window  # the same session: no new sign-in


def _lock_screen_offline(
    qtbot: QtBot, session: SessionController, window: MainWindow, offline: Offline
) -> None:
    # The lock screen: the cashier's own PIN unlocks, checked against the cache.
    lock = window.idle_lock
    lock.lock()
    screen = lock.screen
    screen.password_edit.setText("0000")
    QTest.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    assert lock.is_locked()
    assert screen.error_label.text() == "Wrong password or PIN."
    screen.password_edit.setText(CASHIER_PIN)
    QTest.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    assert not lock.is_locked()

    # Another user signs in on the lock screen offline: the manager's window follows.
    lock.lock()
    QTest.mouseClick(lock.screen.switch_toggle, Qt.MouseButton.LeftButton)
    lock.screen.switch_username_edit.setText("boss")
    lock.screen.switch_password_edit.setText(PASSWORD)
    QTest.mouseClick(lock.screen.switch_button, Qt.MouseButton.LeftButton)
    qtbot.wait_until(
        lambda: session.main_window is not None and session.main_window is not window,
        timeout=WAIT_MS,
    )
    assert session.main_window is not None
    assert session.main_window.user.id == offline.shop.manager.id


def _offline_logins(backend: Backend) -> list[int | None]:
    with backend.read_uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEntry.user_id).where(AuditEntry.action == OFFLINE_LOGIN_ACTION)
            )
        )


def _name(page: QWidget | None) -> str:
    return "" if page is None else page.objectName()


def _tiles(tiles: list[QPushButton]) -> list[str]:
    return [tile.text().split("\n")[0] for tile in tiles]


def _offline_text(page: QWidget | None) -> str:
    assert page is not None
    assert page.objectName() == "offlineTab"
    label = page.findChild(QLabel, "offlineTabText")
    assert isinstance(label, QLabel)
    return label.text()
