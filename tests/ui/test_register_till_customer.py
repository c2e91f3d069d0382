"""The register's customer (issue #19), keyboard only.

F4 attaches a customer with or without an account and adds a new one (Ctrl+N); the customer
display follows the sale (Ctrl+Shift+D); the change screen emails the receipt (Ctrl+Shift+E).
"""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posapp.models import Order, OutboxAttachment, OutboxEmail
from posapp.services.backend import Backend
from posapp.services.sales import SaleCustomerDTO
from posapp.ui.kit.bus import EventBus
from posapp.ui.register.customer_display import IDLE, PAID, SALE, CustomerDisplay
from posapp.ui.register.display_link import SCREEN_SETTING, settings
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.pickers import CustomerPicker
from posapp.ui.register.quick_customer import QuickCustomerDialog
from posapp.ui.register.receipts import EmailReceiptDialog
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import Shop, add_coupon
from tests.ui.lifetime_support import (
    answering,
    census,
    flush_deletions,
    focused,
    keys_in_dialog,
    kinds_grown,
    object_kinds,
    press,
    spin_until,
    type_text,
)

pytestmark = pytest.mark.ui

Key, Mod = Qt.Key, Qt.KeyboardModifier
APPLE, COFFEE = "4006381333931", "5012345678900"
CTRL_SHIFT = Mod.ControlModifier | Mod.ShiftModifier


@pytest.fixture
def register(qtbot: QtBot, ui_backend: Backend, bus: EventBus, cashier_shop: Shop) -> RegisterView:
    view = RegisterView(ui_backend.sales, bus, cashier_shop.cashier)
    view.flow.receipt_sink = lambda _number, _pdf: None
    qtbot.add_widget(view)
    view.resize(1240, 720)
    view.show()
    view.activateWindow()
    qtbot.wait_until(view.isActiveWindow)
    qtbot.wait_until(view.scan_edit.hasFocus)
    return view


@pytest.fixture
def walk_in(ui_backend: Backend, cashier_shop: Shop) -> SaleCustomerDTO:
    return ui_backend.sales.add_customer(
        cashier_shop.cashier, "Wanda Walk-in", "07700 900456", "wanda@example.com"
    )


def scan(code: str) -> None:
    type_text(code)
    press(Key.Key_Return)


def _results(dialog: QDialog) -> str:
    assert isinstance(dialog, CustomerPicker)
    return " ".join(dialog.results.item(i).text() for i in range(dialog.results.count()))


def _order_customer(backend: Backend, number: str) -> int | None:
    with backend.read_uow() as uow:
        return uow.session.scalar(select(Order.customer_id).where(Order.number == number))


# --- F4: attaching a customer ---------------------------------------------------------------------


def test_f4_attaches_a_customer_without_an_account_and_the_sale_records_them(
    qtbot: QtBot, ui_backend: Backend, register: RegisterView, walk_in: SaleCustomerDTO
) -> None:
    def pick(dialog: QDialog) -> None:
        type_text("900456")  # part of the phone number
        qtbot.wait_until(lambda: "Wanda Walk-in" in _results(dialog), timeout=30000)
        press(Key.Key_Return)

    scan(APPLE)
    with answering(pick, CustomerPicker):
        press(Key.Key_F4)
    qtbot.wait_until(lambda: register.cart.person is not None, timeout=30000)
    assert register.cart.person == walk_in
    assert register.cart.customer is None  # no account to charge
    assert register.customer_label.text() == "Customer: Wanda Walk-in"
    qtbot.wait_until(register.scan_edit.hasFocus, timeout=30000)
    with answering(keys_in_dialog(Key.Key_Return, Key.Key_Return), PaymentDialog):
        press(Key.Key_F12)
    qtbot.wait_until(lambda: register.flow.last_order is not None, timeout=30000)
    placed = register.flow.last_order
    assert placed is not None
    assert _order_customer(ui_backend, placed.number) == walk_in.id
    assert register.cart.person is None  # the next sale starts without a customer


def test_f4_ctrl_n_adds_a_new_customer_and_attaches_them(
    qtbot: QtBot, ui_backend: Backend, register: RegisterView, cashier_shop: Shop
) -> None:
    seen: dict[str, str] = {}

    def new_customer(dialog: QDialog) -> None:
        assert isinstance(dialog, QuickCustomerDialog)
        seen["name"] = dialog.name_edit.text()
        assert focused() is dialog.phone_edit  # the name came from the search
        press(Key.Key_Return)  # neither phone nor email: refused, the dialog stays
        qtbot.wait_until(dialog.error.isVisible, timeout=30000)
        seen["error"] = dialog.error.text()
        type_text("0770 CALL ME")
        press(Key.Key_Return)  # letters in a phone number: refused
        qtbot.wait_until(lambda: "letters" in dialog.error.text(), timeout=30000)
        dialog.phone_edit.clear()
        type_text("07700 900999")
        press(Key.Key_Return)

    def pick(_dialog: QDialog) -> None:
        type_text("Nina Newcomer")
        with answering(new_customer, QuickCustomerDialog):
            press(Key.Key_N, Mod.ControlModifier)

    with answering(pick, CustomerPicker):
        press(Key.Key_F4)
    qtbot.wait_until(lambda: register.cart.person is not None, timeout=30000)
    person = register.cart.person
    assert person is not None
    assert (person.name, person.phone) == ("Nina Newcomer", "07700 900999")
    assert seen == {
        "name": "Nina Newcomer",
        "error": "Enter the customer's phone number or email address.",
    }
    [found] = ui_backend.sales.find_customers(cashier_shop.cashier, "Nina")
    assert found.id == person.id


def test_f4_then_ctrl_del_detaches_the_customer(
    qtbot: QtBot, register: RegisterView, walk_in: SaleCustomerDTO
) -> None:
    register.cart.set_person(walk_in)
    register.refresh()
    with answering(lambda _d: press(Key.Key_Delete, Mod.ControlModifier), CustomerPicker):
        press(Key.Key_F4)
    qtbot.wait_until(lambda: register.cart.person is None, timeout=30000)
    assert register.customer_label.text() == "No customer · F4 to attach"


# --- the customer display -------------------------------------------------------------------------


def _display(register: RegisterView) -> CustomerDisplay:
    display = register.flow.display.display
    assert display is not None
    return display


def test_the_display_follows_the_sale_to_the_change_due(
    qtbot: QtBot, ui_backend: Backend, register: RegisterView, walk_in: SaleCustomerDTO
) -> None:
    add_coupon(ui_backend, "SPRING-10", percent_bp=1000)
    press(Key.Key_D, CTRL_SHIFT)
    display = _display(register)
    qtbot.wait_until(display.isVisible, timeout=30000)
    assert display.pages.currentIndex() == IDLE
    assert register.scan_edit.hasFocus()  # the register keeps the keyboard
    scan(APPLE)
    scan(COFFEE)
    qtbot.wait_until(lambda: display.pages.currentIndex() == SALE, timeout=30000)
    assert display.table.model().rowCount() == 2
    assert display.total_label.text() == "14.19"
    assert display.saving_label.isHidden()
    scan("SPRING-10")
    qtbot.wait_until(display.saving_label.isVisible, timeout=30000)
    assert display.saving_label.text() == "−1.42"
    assert display.total_label.text() == "12.77"
    register.cart.set_person(walk_in)
    register.refresh()
    assert display.customer_label.text() == "Hello, Wanda Walk-in"
    during: dict[str, object] = {}

    def pay(dialog: QDialog) -> None:
        type_text("20")
        press(Key.Key_Return)
        qtbot.wait_until(lambda: display.pages.currentIndex() == PAID, timeout=30000)
        during["change"] = display.change_label.text()
        during["saving"] = display.paid_saving_label.text()
        press(Key.Key_Return)

    with answering(pay, PaymentDialog):
        press(Key.Key_F12)
    assert during == {"change": "7.23", "saving": "You saved 1.42 with coupons"}
    qtbot.wait_until(lambda: register.cart.empty, timeout=30000)
    assert display.pages.currentIndex() == PAID  # the change stays up until the next scan
    qtbot.wait_until(register.scan_edit.hasFocus, timeout=30000)
    scan(APPLE)
    qtbot.wait_until(lambda: display.pages.currentIndex() == SALE, timeout=30000)
    assert display.total_label.text() == "1.20"
    press(Key.Key_Escape)
    press(Key.Key_Escape)  # the sale is cancelled: the shop's screen again
    qtbot.wait_until(lambda: display.pages.currentIndex() == IDLE, timeout=30000)
    press(Key.Key_D, CTRL_SHIFT)
    qtbot.wait_until(lambda: register.flow.display.display is None, timeout=30000)


def test_the_display_shows_names_as_typed(
    qtbot: QtBot, ui_backend: Backend, register: RegisterView, cashier_shop: Shop
) -> None:
    marked = ui_backend.sales.add_customer(cashier_shop.cashier, "<b>bold</b>", "0770 090 0123")
    display = register.flow.display.open()
    scan(APPLE)
    register.cart.set_person(marked)
    register.refresh()
    qtbot.wait_until(lambda: "bold" in display.customer_label.text(), timeout=30000)
    assert display.customer_label.text() == "Hello, <b>bold</b>"
    assert display.customer_label.textFormat() == Qt.TextFormat.PlainText
    register.flow.display.close()


def test_the_display_remembers_its_screen(qtbot: QtBot, register: RegisterView) -> None:
    settings().remove(SCREEN_SETTING)
    display = register.flow.display.open()
    qtbot.wait_until(display.isVisible, timeout=30000)
    screen = display.screen().name()
    register.flow.display.close()
    qtbot.wait_until(lambda: register.flow.display.display is None, timeout=30000)
    assert settings().value(SCREEN_SETTING) == screen
    settings().setValue(SCREEN_SETTING, "a screen unplugged since")
    display = register.flow.display.open()  # falls back to a screen that is there
    assert display.screen() in QApplication.screens()
    register.flow.display.close()


def test_opening_and_closing_the_display_50_times_leaves_nothing_behind(
    qtbot: QtBot, register: RegisterView
) -> None:
    scan(APPLE)
    link = register.flow.display
    for _ in range(3):  # warm-up: caches, lazily built pieces
        press(Key.Key_D, CTRL_SHIFT)
        press(Key.Key_D, CTRL_SHIFT)
    spin_until(lambda: link.display is None)
    gc.collect()
    before, kinds = census(), object_kinds()
    for _ in range(50):
        press(Key.Key_D, CTRL_SHIFT)
        assert link.display is not None
        press(Key.Key_D, CTRL_SHIFT)
        spin_until(lambda: link.display is None)
    gc.collect()
    after = census()
    assert not after.grew_from(before), kinds_grown(kinds, object_kinds())
    assert not any(isinstance(w, CustomerDisplay) for w in QApplication.topLevelWidgets())


# --- emailing the receipt -------------------------------------------------------------------------


def test_ctrl_e_on_the_change_screen_emails_the_receipt(
    qtbot: QtBot, ui_backend: Backend, register: RegisterView, walk_in: SaleCustomerDTO
) -> None:
    register.cart.set_person(walk_in)
    scan(APPLE)
    seen: dict[str, str] = {}

    def bad_then_good(dialog: QDialog) -> None:
        assert isinstance(dialog, EmailReceiptDialog)
        seen["prefilled"] = dialog.address_edit.text()
        type_text("not-an-address")  # the prefilled address is selected: typing replaces it
        press(Key.Key_Return)
        qtbot.wait_until(dialog.error.isVisible, timeout=30000)
        seen["error"] = dialog.error.text()
        dialog.address_edit.selectAll()
        type_text("wanda.other@example.com")
        press(Key.Key_Return)

    def pay(dialog: QDialog) -> None:
        press(Key.Key_Return)  # the exact amount is filled in: paid, the change screen
        qtbot.wait_until(lambda: isinstance(dialog, PaymentDialog) and dialog.placed is not None)
        with answering(bad_then_good, EmailReceiptDialog):
            press(Key.Key_E, CTRL_SHIFT)
        status = dialog.findChild(QLabel, "emailStatus")
        assert status is not None
        seen["status"] = status.text()
        assert isinstance(dialog, PaymentDialog)
        # a scan still starts the next sale
        qtbot.wait_until(dialog.next_scan_edit.hasFocus, timeout=30000)
        press(Key.Key_Return)

    with answering(pay, PaymentDialog):
        press(Key.Key_F12)
    placed = register.flow.last_order
    assert placed is not None
    assert seen["prefilled"] == "wanda@example.com"
    assert "@ is missing" in seen["error"]
    assert seen["status"] == (
        f"Receipt {placed.number} will be emailed to wanda.other@example.com."
    )
    with ui_backend.read_uow() as uow:
        email = uow.session.scalars(select(OutboxEmail)).one()
        assert (email.to_address, email.kind, email.order_id) == (
            "wanda.other@example.com",
            "receipt",
            placed.order_id,
        )
        attachment = uow.session.scalars(
            select(OutboxAttachment).where(OutboxAttachment.email_id == email.id)
        ).one()
        assert attachment.data.startswith(b"%PDF")
        assert "Apple Braeburn" in email.body


def test_the_display_goes_with_its_register(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, cashier_shop: Shop
) -> None:
    view = RegisterView(ui_backend.sales, bus, cashier_shop.cashier)
    view.show()
    # the register fills its product grid once shown; let it, before it is dropped
    qtbot.wait_until(lambda: bool(view.grid.findChildren(QPushButton)), timeout=30000)
    display = view.flow.display.open()
    qtbot.wait_until(display.isVisible, timeout=30000)
    view.deleteLater()  # a log-out drops the register
    flush_deletions()
    assert not any(isinstance(w, CustomerDisplay) for w in QApplication.topLevelWidgets())
