"""Render the register without its server (#21) into docs/screenshots/: the banner and the receipt.

The real main window of a cashier on PostgreSQL behind the test's TCP proxy, with the background
services running as in the application; the proxy is cut, the register goes offline, two sales
are journalled and a third is being rung up. Run by hand (it needs a PostgreSQL server)::

    QT_QPA_PLATFORM=offscreen scripts/with-postgres.sh \\
        .venv/bin/python -m tests.ui.make_screenshots_offline
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
import tempfile
import time
import uuid
from collections.abc import Callable

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication

from posapp.app_services import ServiceOptions, start_services
from posapp.config import AppConfig
from posapp.reports.receipt import receipt_pdf
from posapp.services.backend import Backend
from posapp.services.platform.db import Database, open_database
from posapp.services.platform.dto import UserDTO
from posapp.services.sales import (
    DraftLine,
    LinkState,
    LinkStatus,
    OfflineSales,
    PaymentDraft,
    PaymentKind,
    SaleDraft,
)
from posapp.services.sales.offline import OfflineItem
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.resources import apply_theme
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.tab import OrdersTab
from tests.checkout_seed import ITEMS, open_shop_till, seed_shop
from tests.conftest import reset_postgres
from tests.reliability.pg.cut import NetworkCut
from tests.ui.make_screenshots_orders import MORE, OUT, grab, pdf_page, settle


def _until(app: QApplication, condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the condition did not come true")
        app.processEvents()
        time.sleep(0.02)


def _cash_sale(offline: OfflineSales, cashier: UserDTO, product_id: int, quantity: int) -> str:
    """A cash sale journalled through the register's facade, as F12 would place it."""
    total = offline.offline_till.price([OfflineItem(1, product_id, quantity)]).total_minor
    draft = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, product_id, quantity),),
        (PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, total),),
        expected_total_minor=total,
    )
    return offline.place_order(cashier, draft).number


def _shoot(app: QApplication, url: str) -> None:
    database = open_database(url)
    bus = EventBus()
    backend = Backend(database, bus, register="till-1")
    shop = seed_shop(backend, items=(*ITEMS, *MORE))
    open_shop_till(backend, shop, 15_000)
    database.dispose()
    with NetworkCut(url) as net:
        remote = Database(net.url)
        options = ServiceOptions(relay=False)
        services = start_services(remote, bus, AppConfig(net.url, "till-1"), options)
        try:
            offline = services.backend.offline_sales
            assert offline is not None
            cache = offline.offline_till.cache
            _until(app, lambda: cache.counts()[0] > 0 and cache.till() is not None)
            window = MainWindow(services.backend, bus, shop.cashier)
            window.resize(1280, 800)
            window.show()
            settle(app)
            tab = window.tabs.currentWidget()
            assert isinstance(tab, OrdersTab)
            assert tab.register is not None
            net.cut("reset")
            _until(app, lambda: not offline.online)
            _cash_sale(offline, shop.cashier, shop.products["coffee"], 2)
            _cash_sale(offline, shop.cashier, shop.products["water"], 6)
            tab.register.scan("5012345678924")
            tab.register.scan("4006381333931")
            banner = window.offline_banner
            assert banner is not None
            _until(app, lambda: banner.text() == "Offline — 2 sales waiting to sync")
            grab(app, window, "register_offline.png")
            detail = offline.order_detail(shop.cashier, -2)  # the second sale's receipt
            pdf_page(receipt_pdf(detail), "receipt_offline.png", 80)
            banner.show_status(LinkStatus(LinkState.SYNCING, 0.0, 12, "", 3, 12))
            grab(app, window.statusBar(), "register_syncing.png")
            window.close()
        finally:
            services.stop()
            remote.dispose()


def main() -> int:
    """Shoot the story on the test PostgreSQL (``POSAPP_TEST_PG_URL``)."""
    url = os.environ.get("POSAPP_TEST_PG_URL", "")
    if not url:
        print("POSAPP_TEST_PG_URL is not set: use scripts/with-postgres.sh", file=sys.stderr)
        return 2
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)
    OUT.mkdir(parents=True, exist_ok=True)
    reset_postgres(url)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["POSAPP_DATA_DIR"] = tmp
        _shoot(app, url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
