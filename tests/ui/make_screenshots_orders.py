"""Render the register, the payment dialog, a receipt and a Z report into docs/screenshots/.

Run by hand (not by pytest)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_orders

PDF pages are rendered with ``pdftoppm`` (poppler-utils).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from posapp.reports.receipt import receipt_pdf
from posapp.reports.till_reports import till_report_pdf
from posapp.services.backend import Backend
from posapp.services.platform.db import Database, open_database
from posapp.services.sales import SalesApi, checkout, tills
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, ProductDTO, SaleDraft
from posapp.services.sales.pricing import Discount
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.resources import apply_theme
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.payment import PaymentDialog
from tests.checkout_seed import ITEMS, Item, add_coupon, add_customer, open_shop_till, seed_shop

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

MORE = (
    Item("croissant", "BAK-002", None, "Butter croissant", "Bakery", 145, 1000, True),
    Item("sourdough", "BAK-003", None, "Sourdough loaf", "Bakery", 420, 1000, True),
    Item("muffin", "BAK-004", None, "Blueberry muffin", "Bakery", 265, 1000, True),
    Item("bagel", "BAK-005", None, "Sesame bagel", "Bakery", 120, 1000, True),
    Item("brownie", "BAK-006", None, "Chocolate brownie", "Bakery", 310, 1000, True),
    Item("pretzel", "BAK-007", None, "Salted pretzel", "Bakery", 190, 1000, True),
    Item("scone", "BAK-008", None, "Cheese scone", "Bakery", 230, 1000, True),
)


def settle(app: QApplication) -> None:
    """Let the event loop paint what was just shown."""
    for _ in range(5):
        app.processEvents()


def grab(app: QApplication, widget: QWidget, name: str) -> Path:
    """Show ``widget``, let it paint and save it as ``docs/screenshots/<name>``."""
    widget.show()
    settle(app)
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    return path


def pdf_page(pdf: bytes, name: str, resolution: int) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "page.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(resolution),
                "-f",
                "1",
                "-l",
                "1",
                str(source),
                f"{tmp}/out",
            ],
            check=True,
        )
        rendered = next(Path(tmp).glob("out*.png"))
        target = OUT / name
        target.write_bytes(rendered.read_bytes())
    return target


def main(shoot: Callable[[QApplication, Database], None] | None = None) -> int:
    """Run ``shoot`` (this script's story by default) on a fresh SQLite database."""
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        database = open_database(f"sqlite:///{tmp}/posapp.sqlite3")
        try:
            (shoot or _shoot)(app, database)
        finally:
            database.dispose()
    return 0


def _shoot(app: QApplication, database: Database) -> None:  # noqa: PLR0915 - one scripted story
    bus = EventBus()
    backend = Backend(database, bus, register="till-1")
    shop = seed_shop(backend, items=(*ITEMS, *MORE))
    open_shop_till(backend, shop, 15_000)
    add_coupon(backend, "SPRING-10", percent_bp=1000, name="Spring sale")
    add_customer(backend, "Maria Lopez")
    desk = backend.sales

    # Earlier sales of the day, so the Z report has something to say.
    for lines in (
        (("coffee", 1), ("croissant", 2)),
        (("water", 6),),
        (("sourdough", 1), ("bag", 1)),
    ):
        draft = SaleDraft(
            uuid.uuid4(),
            tuple(DraftLine(n, shop.products[key], qty) for n, (key, qty) in enumerate(lines, 1)),
        )
        placed = checkout.place_order(backend.uow(), shop.cashier, draft)
        checkout.pay_order(
            backend.uow(),
            shop.cashier,
            placed.order_id,
            (PaymentDraft(uuid.uuid4(), PaymentKind.CASH, placed.total_minor, placed.total_minor),),
        )

    window = MainWindow(backend, bus, shop.cashier)
    window.resize(1280, 800)
    tab = window.findChild(OrdersTab)
    assert tab is not None
    assert tab.register is not None
    window.tabs.setCurrentWidget(tab)
    window.show()
    settle(app)
    register = tab.register
    register.flow.receipt_sink = lambda _n, _p: None
    for code in (
        "5012345678900",
        "4006381333931",
        "4006381333931",
        "4006381333931",
        "5012345678924",
    ):
        register.scan(code)
    register.add_product(_product(desk, shop, "croissant"), 2)
    mug = register.cart.lines[2].line_no
    register.cart.set_line_discount(mug, Discount.percent(1000))
    register.cart.set_customer(next(c for c in desk.search_customers(shop.cashier, "Maria")))
    register.cart.set_coupons([register.flow.quote("SPRING-10", 0)])
    register.refresh(select=mug)
    register.say("Coupon SPRING-10 applied: 10% off the sale.", "info")
    print(grab(app, window, "register.png"))

    total = register.cart.priced().total_minor
    dialog = PaymentDialog(total, register.flow.submit, customer_number="", parent=register)
    dialog.set_method(PaymentKind.CARD)
    dialog.amount_edit.setText("20.00")
    dialog.reference_edit.setText("AUTH 829311")
    dialog.last4_edit.setText("4242")
    dialog.take()
    dialog.amount_edit.setText("50.00")
    print(grab(app, dialog, "payment.png"))
    dialog.take()
    dialog.complete()
    settle(app)
    assert dialog.placed is not None, dialog.error.text()
    print(grab(app, dialog, "payment_change.png"))
    placed = dialog.placed
    dialog.accept()
    assert placed is not None
    register.flow.last_order = placed
    register.new_sale()
    register.change.show_change(placed.change_minor, placed.number, placed.paid_minor)
    register.say(f"Order {placed.number} paid.", "info")
    print(grab(app, window, "register_change.png"))

    detail = desk.order_detail(shop.cashier, placed.order_id)
    print(pdf_page(receipt_pdf(detail, zone=desk.shop_zone()), "receipt.png", 110))

    tills.cash_movement(backend.uow(), shop.cashier, 2_000, "Change from the safe")
    tills.cash_movement(backend.uow(), shop.cashier, -10_000, "Bank deposit")
    z = tills.close_till(
        backend.uow(), shop.cashier, pieces={5000: 1, 2000: 2, 500: 2, 100: 1, 20: 1, 1: 4}
    )
    print(pdf_page(till_report_pdf(z, zone=desk.shop_zone()), "z_report.png", 80))

    manager = MainWindow(backend, bus, shop.manager)
    manager.resize(1280, 800)
    orders_tab = manager.findChild(OrdersTab)
    assert orders_tab is not None
    assert orders_tab.pages is not None
    assert orders_tab.orders is not None
    manager.tabs.setCurrentWidget(orders_tab)
    orders_tab.pages.setCurrentWidget(orders_tab.orders)
    manager.show()
    settle(app)
    orders_tab.orders.table.selectRow(0)
    print(grab(app, manager, "orders_list.png"))
    assert orders_tab.till is not None
    orders_tab.pages.setCurrentWidget(orders_tab.till)
    print(grab(app, manager, "till.png"))
    QTimer.singleShot(0, app.quit)


def _product(desk: SalesApi, shop: object, key: str) -> ProductDTO:
    from tests.checkout_seed import Shop

    assert isinstance(shop, Shop)
    found = desk.search_products(shop.cashier, shop.items[key].name)
    return found[0]


if __name__ == "__main__":
    raise SystemExit(main())
