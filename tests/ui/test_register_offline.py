"""The register keeps selling when its server is gone (#21): the real window, keys and PostgreSQL.

PostgreSQL sits behind a TCP proxy the test cuts and restores (:mod:`tests.reliability.pg.cut`).
The background services run as in the application (:func:`posapp.app_services.start_services`:
the link's probe every half second, the cache's catch-up), the register sells through
``backend.register_sales`` and the status bar shows the offline banner. The test cuts the network,
waits until the register is offline (the time it took is printed, never asserted: the machine
may be busy), sells two cash sales by keyboard — a barcode and a SKU, from the cache — checks the
receipt says OFFLINE, restores the network and waits for the replay: both sales reach the server
exactly once, the stock moved, and the banner went "Offline — 2 sales…", "Syncing…", then away.
"""

from __future__ import annotations

import io
import time
from dataclasses import replace
from typing import Literal

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QMainWindow
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from posapp.app_services import ServiceOptions, Services, start_services
from posapp.config import AppConfig
from posapp.models import Order
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales import OfflineSales, cache_path, journal_path
from posapp.services.stock.actions import receive_stock
from posapp.services.stock.dto import StockLine
from posapp.ui.kit.bus import EventBus
from posapp.ui.register import OfflineBanner, RegisterView
from tests.checkout_seed import ITEMS, Shop, on_hand, open_shop_till, seed_shop
from tests.reliability.figures import report as report_figure
from tests.reliability.pg.cut import NetworkCut
from tests.ui.test_register import activate, answering, scan

pytestmark = [
    pytest.mark.ui,
    pytest.mark.postgres,
    pytest.mark.parametrize("db_kind", ["postgres"], indirect=True),
]

WAIT_MS = 30_000  # generous: the machine may be busy; the figures say how long it really took
COFFEE_BARCODE, BAG_SKU = "5012345678900", "HOM-102"


def _shop(backend: Backend) -> Shop:
    """Coffee and paper bags, 100 of each received, and this register's till open."""
    items = tuple(replace(item, stock=0) for item in ITEMS if item.key in ("coffee", "bag"))
    shop = seed_shop(backend, items=items)
    receive_stock(
        backend.uow(),
        shop.staff["admin"],
        shop.store_id,
        [StockLine(shop.products[key], 100) for key in ("coffee", "bag")],
        reference="DELIVERY",
    )
    open_shop_till(backend, shop)
    return shop


def _pay_cash(qtbot: QtBot, register: RegisterView) -> None:
    """F12, Enter takes the amount due in cash, Enter starts the next sale (as online)."""

    def pay(dialog: QDialog) -> None:
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
        qtbot.wait_until(lambda: getattr(dialog, "placed", None) is not None, timeout=WAIT_MS)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    with answering(pay):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_F12)
    qtbot.wait_until(register.isActiveWindow, timeout=WAIT_MS)


@pytest.mark.parametrize("mode", ["reset", "silent"])
def test_the_register_sells_offline_and_syncs_when_the_server_is_back(
    qtbot: QtBot,
    backend: Backend,
    database: Database,
    bus: EventBus,
    mode: Literal["reset", "silent"],
) -> None:
    for made in (journal_path, cache_path):  # the register's files of an earlier test go
        path = made(database.url, backend.register)
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    shop = _shop(backend)
    with NetworkCut(database.url.render_as_string(hide_password=False)) as net:
        remote = Database(net.url)
        options = ServiceOptions(
            relay=False,
            sender_interval_s=3600,
            campaign_check_s=3600,
        )
        services = start_services(remote, bus, AppConfig(net.url, backend.register), options)
        try:
            _sell_through_a_cut(qtbot, backend, services, shop, net, mode)
        finally:
            services.stop()
            remote.dispose()


def _sell_through_a_cut(
    qtbot: QtBot,
    backend: Backend,
    services: Services,
    shop: Shop,
    net: NetworkCut,
    mode: Literal["reset", "silent"],
) -> None:
    offline = services.backend.offline_sales
    assert isinstance(offline, OfflineSales)
    assert services.backend.register_sales is offline
    cache, journal = offline.offline_till.cache, offline.offline_till.journal
    qtbot.wait_until(lambda: cache.counts()[0] == 2 and cache.till() is not None, timeout=WAIT_MS)
    window, register, banner = _window(qtbot, offline, shop)
    shown: list[str] = []
    banner.shown.connect(shown.append)
    assert register.till is not None
    assert not banner.isVisible()

    net.cut(mode)
    cut_at = time.monotonic()
    qtbot.wait_until(lambda: not offline.online, timeout=WAIT_MS)
    offline_after = time.monotonic() - cut_at
    qtbot.wait_until(lambda: banner.text() == "Offline — 0 sales waiting to sync", timeout=WAIT_MS)
    assert banner.isVisible()

    numbers = _sell_two(qtbot, register)
    assert numbers == [f"OFF-{backend.register}-00001", f"OFF-{backend.register}-00002"]
    assert journal.pending_count() == 2
    qtbot.wait_until(lambda: banner.text() == "Offline — 2 sales waiting to sync", timeout=WAIT_MS)

    net.restore()
    back_at = time.monotonic()
    qtbot.wait_until(lambda: offline.online and journal.unsynced() == 0, timeout=WAIT_MS)
    online_after = time.monotonic() - back_at
    qtbot.wait_until(lambda: not banner.isVisible(), timeout=WAIT_MS)
    report_figure(
        f"offline register ({mode} cut): offline {offline_after:.2f} s after the cut; "
        f"2 sales replayed and online {online_after:.2f} s after the network returned"
    )

    sold = [entry.sale.sale_uuid for entry in journal.entries()]
    with backend.read_uow() as uow:
        found = uow.session.scalar(
            select(func.count()).select_from(Order).where(Order.sale_uuid.in_(sold))
        )
    assert found == 2  # each offline sale on the server exactly once
    assert on_hand(backend, shop, "coffee") == 99
    assert on_hand(backend, shop, "bag") == 99
    assert "Offline — 2 sales waiting to sync" in shown
    assert any(text.startswith("Syncing") for text in shown)
    assert shown[-1] == ""
    window.close()


def _window(
    qtbot: QtBot, offline: OfflineSales, shop: Shop
) -> tuple[QMainWindow, RegisterView, OfflineBanner]:
    """The register in a window whose status bar carries the banner, as the main window's does."""
    window = QMainWindow()
    qtbot.add_widget(window)
    register = RegisterView(offline, EventBus(), shop.cashier, window)
    window.setCentralWidget(register)
    banner = OfflineBanner(offline, window.statusBar())
    window.statusBar().addWidget(banner)
    window.resize(1240, 760)
    activate(qtbot, window)
    return window, register, banner


def _sell_two(qtbot: QtBot, register: RegisterView) -> list[str]:
    """Two cash sales from the cache (a barcode, then a SKU); Ctrl+P's receipt says OFFLINE."""
    receipts: list[tuple[str, bytes]] = []
    register.flow.receipt_sink = lambda number, pdf: receipts.append((number, pdf))
    numbers = []
    for code in (COFFEE_BARCODE, BAG_SKU):
        scan(qtbot, register, code)
        assert len(register.cart.lines) == 1, register.message.text()
        _pay_cash(qtbot, register)
        assert register.flow.last_order is not None
        numbers.append(register.flow.last_order.number)
    QTest.keyClick(register.scan_edit, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait_until(lambda: bool(receipts), timeout=WAIT_MS)
    number, pdf = receipts[-1]
    assert number == numbers[-1]
    assert "OFFLINE SALE" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    return numbers
