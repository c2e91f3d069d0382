"""Render the register's customer screens (issue #19) into docs/screenshots/.

The F4 dialog with a customer found, the register with a customer attached, the customer
display idle, mid-sale and at the change screen, the change screen's email dialog, and the
emailed receipt's PDF. Run by hand::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_tillcustomer
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from posapp.models import OutboxAttachment
from posapp.reports.receipt import receipt_model_pdf
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales import EmailedReceipt, PlacedOrder, SalesApi
from posapp.ui.kit.bus import EventBus
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.pickers import CustomerPicker
from posapp.ui.register.quick_customer import QuickCustomerDialog
from posapp.ui.register.receipts import EmailReceiptDialog, ReceiptEmailOffer
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import ITEMS, add_coupon, open_shop_till, seed_shop
from tests.ui.make_screenshots_orders import MORE, grab, main, pdf_page, settle
from tests.ui.make_screenshots_users import SHOP_PROFILE, _logo_file


def _never(_address: str) -> EmailedReceipt:
    raise AssertionError("the screenshot only shows the dialog")


def _pay(
    app: QApplication, register: RegisterView, display: QWidget, sales: SalesApi, email: str
) -> PlacedOrder:
    """The change screen with its Email receipt button, and the display meanwhile."""
    total = register.cart.priced().total_minor
    dialog = PaymentDialog(total, register.flow.submit, parent=register)
    offer = ReceiptEmailOffer(dialog, sales, register.user, email)
    dialog.amount_edit.setText("50.00")
    dialog.take()
    dialog.complete()
    settle(app)
    placed = dialog.placed
    assert placed is not None, dialog.error.text()
    print(grab(app, dialog, "register_change_email.png"))
    print(grab(app, display, "customer_display_change.png"))
    dialog.accept()
    dialog.deleteLater()
    del offer
    return placed


def _shoot(app: QApplication, database: Database) -> None:
    bus = EventBus()
    backend = Backend(database, bus, register="till-1")
    shop = seed_shop(backend, items=(*ITEMS, *MORE))
    open_shop_till(backend, shop, 15_000)
    admin = shop.staff["admin"]
    backend.shop.change_settings(admin, SHOP_PROFILE)
    backend.shop.set_logo(admin, _logo_file())
    add_coupon(backend, "SPRING-10", percent_bp=1000, name="Spring sale")
    cashier = shop.cashier
    maria = backend.sales.add_customer(cashier, "Maria Lopez", "07700 900123", "maria@example.com")
    backend.sales.add_customer(cashier, "Mario Rossi", "07700 900555", "")

    register = RegisterView(backend.sales, bus, cashier)
    register.flow.receipt_sink = lambda _n, _p: None
    register.resize(1280, 760)
    register.show()
    settle(app)
    display = register.flow.display.open()
    display.resize(1024, 640)
    print(grab(app, display, "customer_display_idle.png"))

    picker = CustomerPicker(
        lambda t: backend.sales.find_customers(cashier, t),
        maria.name,
        register,
        add=lambda n, p, e: backend.sales.add_customer(cashier, n, p, e),
    )
    picker.edit.setText("Mari")
    picker.run_search()
    print(grab(app, picker, "register_f4_customer.png"))
    picker.deleteLater()
    quick = QuickCustomerDialog(lambda n, p, e: maria, "Nina Newcomer", register)
    quick.phone_edit.setText("0770 CALL ME")
    quick.error.setText("A phone number cannot contain letters (0770 CALL ME).")
    quick.error.show()
    print(grab(app, quick, "register_f4_new_customer.png"))
    quick.deleteLater()

    for code in ("5012345678900", "3*4006381333931", "5012345678924"):
        register.scan(code)
    register.scan("SPRING-10")
    register.cart.set_person(maria)
    register.flow.requote()
    register.refresh()
    settle(app)
    print(grab(app, register, "register_customer_attached.png"))
    print(grab(app, display, "customer_display_sale.png"))

    placed = _pay(app, register, display, backend.sales, maria.email)
    ask = EmailReceiptDialog("maria@example.com", _never, register)
    print(grab(app, ask, "register_email_receipt.png"))
    ask.deleteLater()
    sent = backend.sales.email_receipt(cashier, placed.order_id, "", receipt_model_pdf)
    with backend.read_uow() as uow:
        pdf = uow.session.scalars(
            select(OutboxAttachment.data).where(OutboxAttachment.email_id == sent.email_id)
        ).one()
    print(pdf_page(bytes(pdf), "receipt_emailed.png", 60))
    register.flow.display.close()
    register.close()


if __name__ == "__main__":
    raise SystemExit(main(_shoot))
