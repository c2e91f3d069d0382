"""Render loyalty points at the register (#19) into docs/screenshots/: chip, tender, receipt.

From the real main window of a cashier (offscreen grabs), the receipt PDF and the Z report PDF
rendered with pdftoppm. Run by hand::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_loyalty
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from posapp.reports.receipt import receipt_pdf
from posapp.reports.till_reports import till_report_pdf
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales import GiftCardLine, PaymentKind
from posapp.ui.kit.bus import EventBus
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.points import sale_points
from tests.checkout_seed import ITEMS, open_shop_till, seed_shop
from tests.ui.make_screenshots_orders import MORE, OUT, grab, main, pdf_page, settle


def _shoot(app: QApplication, database: Database) -> None:  # noqa: PLR0915 - one scripted story
    bus = EventBus()
    backend = Backend(database, bus, register="till-1")
    shop = seed_shop(backend, items=(*ITEMS, *MORE))
    open_shop_till(backend, shop, 15_000)
    backend.shop.change_setting(shop.staff["admin"], "loyalty.earn_points_per_unit", "10")
    ada = backend.sales.add_customer(shop.cashier, "Ada Walker", "07700 900123")
    backend.loyalty.adjust(shop.manager, ada.id, 1200, "Welcome gift")

    window = MainWindow(backend, bus, shop.cashier)
    window.resize(1280, 800)
    window.show()
    settle(app)
    tab = window.tabs.currentWidget()
    assert isinstance(tab, OrdersTab)
    assert tab.register is not None
    register = tab.register
    register.flow.receipt_sink = lambda _n, _pdf: None

    # A gift card sold for cash, to pay with later.
    register.cart.gift_cards.append(GiftCardLine(2000))
    register.refresh()
    sold = PaymentDialog(register.cart.total_minor, register.flow.submit, parent=register)
    sold.amount_edit.setText("20.00")
    sold.amount_edit.setModified(True)
    sold.take()
    sold.complete()
    settle(app)
    assert sold.placed is not None, sold.error.text()
    code = backend.sales.order_detail(shop.cashier, sold.placed.order_id).gift_cards[0].code
    sold.accept()
    sold.deleteLater()
    register.new_sale()

    # Ada is found with F4 (her points on the chip), buys coffee and a candle.
    [found] = backend.sales.find_customers(shop.cashier, "Ada")
    register.cart.set_person(found)
    for scanned in ("5012345678900", "5012345678931"):
        register.scan(scanned)
    register.refresh()
    settle(app)
    print(grab(app, window, "loyalty_register.png"))

    # Half by the gift card, then F5: her points pay the rest.
    pay = PaymentDialog(
        register.cart.total_minor,
        register.flow.submit,
        gift_card_lookup=lambda text: backend.sales.gift_card(shop.cashier, text),
        points_lookup=lambda: sale_points(backend.sales, shop.cashier, register.cart),
        parent=register,
    )
    pay.amount_edit.setText("15.50")
    pay.amount_edit.setModified(True)
    pay.set_method(PaymentKind.GIFT_CARD)
    pay.gift.code_edit.setText(code)
    pay.take()
    pay.set_method(PaymentKind.POINTS)
    settle(app)
    print(grab(app, pay, "loyalty_payment.png"))
    pay.take()
    pay.complete()
    settle(app)
    assert pay.placed is not None, pay.error.text()
    detail = backend.sales.order_detail(shop.cashier, pay.placed.order_id)
    pay.accept()
    pay.deleteLater()
    register.new_sale()
    pdf = receipt_pdf(detail, zone=backend.sales.shop_zone(), shop=backend.sales.shop_profile())
    print(pdf_page(pdf, "loyalty_receipt.png", 110))
    z = backend.sales.close_till(shop.manager, counted_minor=15_000 + 2000 + 349)
    print(_last_page(till_report_pdf(z), "loyalty_z_report.png"))
    window.close()


def _last_page(pdf: bytes, name: str) -> Path:
    """The Z report's last page (payments, gift cards, points) at 60 dpi."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "z.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "2", "-l", "2", str(source), f"{tmp}/out"],
            check=True,
        )
        target = OUT / name
        target.write_bytes(next(Path(tmp).glob("out*.png")).read_bytes())
    return target


if __name__ == "__main__":
    raise SystemExit(main(_shoot))
