"""The combined acceptance of #19 at the register, keyboard only, on SQLite and PostgreSQL.

A gift card is sold (Ctrl+G) and its code read back from the receipt PDF; a NEW customer is
created from F4 (Ctrl+N) and earns points with a first sale; a second sale to them (found again
with F4, their points on the customer chip) is paid half by the gift card (F4 in the payment
dialog) and half with points (F5); its receipt shows the points. A return of one line gives back
the card's share and the points' share, and takes back what the line earned; the Z report's PDF
shows the gift cards sold and redeemed and the points. The reliability invariants hold after.
"""

from __future__ import annotations

import dataclasses
import io
import re
import uuid

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from posapp.reports.till_reports import till_report_pdf
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales import PaymentKind, ReturnLineRequest, ReturnRequest
from posapp.services.stock import actions as stock
from posapp.services.stock.dto import StockLine
from posapp.ui.kit.bus import EventBus
from posapp.ui.register.giftcards import GiftCardDialog
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.pickers import CustomerPicker
from posapp.ui.register.quick_customer import QuickCustomerDialog
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import ITEMS, Shop, open_shop_till, seed_shop
from tests.reliability.invariants import assert_invariants
from tests.ui.lifetime_support import answering, focused, press, type_text

pytestmark = pytest.mark.ui

Key, Mod = Qt.Key, Qt.KeyboardModifier
COFFEE = "5012345678900"  # 12.99, tax included
CANDLE = "5012345678931"  # 15.00 + 20 % added = 18.00
CODE = re.compile(r"GC-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}")
WAIT = 30_000


@pytest.fixture
def backend(database: Database, bus: EventBus) -> Backend:
    return Backend(database, bus, register="till-1")


@pytest.fixture
def shop(backend: Backend) -> Shop:
    # Stock received through the stock ledger, so the reliability invariants hold.
    shop = seed_shop(backend, items=tuple(dataclasses.replace(i, stock=0) for i in ITEMS))
    lines = [StockLine(pid, 100) for pid in shop.products.values()]
    stock.receive_stock(backend.uow(), shop.staff["admin"], shop.store_id, lines, reference="IN")
    open_shop_till(backend, shop)
    # 100 points per unit spent, 100 points pay 1.00: a sale of 30.99 earns 3,099 points.
    backend.shop.change_setting(shop.staff["admin"], "loyalty.earn_points_per_unit", "100")
    return shop


@pytest.fixture
def receipts() -> list[tuple[str, bytes]]:
    return []


@pytest.fixture
def register(
    qtbot: QtBot, backend: Backend, bus: EventBus, shop: Shop, receipts: list[tuple[str, bytes]]
) -> RegisterView:
    view = RegisterView(backend.sales, bus, shop.cashier)
    view.flow.receipt_sink = lambda number, pdf: receipts.append((number, pdf))
    qtbot.add_widget(view)
    view.resize(1240, 720)
    view.show()
    view.activateWindow()
    qtbot.wait_until(view.isActiveWindow, timeout=WAIT)
    qtbot.wait_until(view.scan_edit.hasFocus, timeout=WAIT)
    return view


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def scan(code: str) -> None:
    type_text(code)
    press(Key.Key_Return)


def back_at_the_scan_field(qtbot: QtBot, register: RegisterView) -> None:
    qtbot.wait_until(register.isActiveWindow, timeout=WAIT)
    qtbot.wait_until(register.scan_edit.hasFocus, timeout=WAIT)


def change_screen_receipt(qtbot: QtBot, dialog: PaymentDialog) -> None:
    """On the change screen: Ctrl+P prints the receipt, Enter starts the next sale."""
    qtbot.wait_until(lambda: dialog.placed is not None, timeout=WAIT)
    press(Key.Key_P, Mod.ControlModifier)
    press(Key.Key_Return)


def sell_gift_card(qtbot: QtBot, register: RegisterView, amount: str) -> None:
    """Ctrl+G, the amount, Enter; F12, Enter (cash, exactly), Ctrl+P, Enter."""

    def card(_dialog: QDialog) -> None:
        type_text(amount)
        press(Key.Key_Return)

    with answering(card, GiftCardDialog):
        press(Key.Key_G, Mod.ControlModifier)
    back_at_the_scan_field(qtbot, register)

    def pay(dialog: QDialog) -> None:
        assert isinstance(dialog, PaymentDialog)
        press(Key.Key_Return)
        change_screen_receipt(qtbot, dialog)

    with answering(pay, PaymentDialog):
        press(Key.Key_F12)
    back_at_the_scan_field(qtbot, register)


def new_customer_from_f4(qtbot: QtBot, register: RegisterView, name: str, phone: str) -> None:
    """F4, the name typed, Ctrl+N, the phone, Enter: the new customer is attached."""

    def quick(dialog: QDialog) -> None:
        assert isinstance(dialog, QuickCustomerDialog)
        assert focused() is dialog.phone_edit  # the name came from the search
        type_text(phone)
        press(Key.Key_Return)

    def pick(_dialog: QDialog) -> None:
        type_text(name)
        with answering(quick, QuickCustomerDialog):
            press(Key.Key_N, Mod.ControlModifier)

    with answering(pick, CustomerPicker):
        press(Key.Key_F4)
    qtbot.wait_until(lambda: register.cart.person is not None, timeout=WAIT)
    back_at_the_scan_field(qtbot, register)


def find_customer_with_f4(qtbot: QtBot, register: RegisterView, text: str) -> str:
    """F4, part of the name, Enter on the first match; returns the picker's row."""
    seen: list[str] = []

    def pick(dialog: QDialog) -> None:
        assert isinstance(dialog, CustomerPicker)
        type_text(text)
        qtbot.wait_until(lambda: dialog.results.count() > 0, timeout=WAIT)
        seen.append(dialog.results.item(0).text())
        press(Key.Key_Return)

    with answering(pick, CustomerPicker):
        press(Key.Key_F4)
    qtbot.wait_until(lambda: register.cart.person is not None, timeout=WAIT)
    back_at_the_scan_field(qtbot, register)
    return seen[0]


def pay_in_cash(qtbot: QtBot, register: RegisterView) -> None:
    def pay(dialog: QDialog) -> None:
        assert isinstance(dialog, PaymentDialog)
        press(Key.Key_Return)
        change_screen_receipt(qtbot, dialog)

    with answering(pay, PaymentDialog):
        press(Key.Key_F12)
    back_at_the_scan_field(qtbot, register)


def pay_half_card_half_points(
    qtbot: QtBot, register: RegisterView, half: str, code: str
) -> list[str]:
    """F12; the card's half typed, F4, the code, Enter; F5 (points pay the rest), Enter."""
    offers: list[str] = []

    def pay(dialog: QDialog) -> None:
        assert isinstance(dialog, PaymentDialog)
        type_text(half)
        press(Key.Key_F4)
        assert focused() is dialog.gift.code_edit
        type_text(code)
        press(Key.Key_Return)
        assert [t.method for t in dialog.tenders] == [PaymentKind.GIFT_CARD]
        press(Key.Key_F5)
        assert dialog.method is PaymentKind.POINTS
        offers.append(dialog.points.label.text())
        assert focused() is dialog.amount_edit  # what is left, prefilled
        press(Key.Key_Return)
        change_screen_receipt(qtbot, dialog)

    with answering(pay, PaymentDialog):
        press(Key.Key_F12)
    back_at_the_scan_field(qtbot, register)
    return offers


def test_new_customer_paid_half_by_gift_card_half_by_points_then_a_return_and_the_z_report(
    qtbot: QtBot,
    register: RegisterView,
    backend: Backend,
    shop: Shop,
    receipts: list[tuple[str, bytes]],
) -> None:
    sales = backend.sales
    sell_gift_card(qtbot, register, "50")
    found = CODE.search(pdf_text(receipts[-1][1]))
    assert found is not None
    code = found.group(0)

    # A new customer, created from F4, earns points with a first sale (paid in cash).
    new_customer_from_f4(qtbot, register, "Nina Newcomer", "07700 900321")
    scan(COFFEE)
    scan(CANDLE)
    assert register.cart.total_minor == 3099
    pay_in_cash(qtbot, register)
    [nina] = sales.find_customers(shop.cashier, "Nina Newcomer")
    assert nina.points == 3099
    assert "Points earned +3,099" in pdf_text(receipts[-1][1]).replace("\n", " ")

    # The second sale: F4 finds her with her points; half by the card, half with points.
    row = find_customer_with_f4(qtbot, register, "Nina")
    assert "3,099 points" in row
    assert register.customer_label.text().endswith("· 3,099 points")
    scan(COFFEE)
    scan(CANDLE)
    offers = pay_half_card_half_points(qtbot, register, "15.50", code)
    assert "3,099 points" in offers[0]
    assert "30.99" in offers[0]  # what they pay, up to
    number, pdf = receipts[-1]
    order = sales.find_order(shop.manager, number)
    assert [(p.method, p.amount_minor) for p in order.payments] == [
        ("gift_card", 1550),
        ("points", 1549),
    ]
    receipt = pdf_text(pdf).replace("\n", " ")
    assert "Customer Nina Newcomer" in receipt
    assert "Points spent −1,549" in receipt
    assert "Points earned +3,099" in receipt
    assert "Points balance 4,649" in receipt  # 3,099 − 1,549 + 3,099
    assert backend.giftcards.balance(shop.manager, code).balance_minor == 3450

    # A return of the coffee: its money shared by the tenders, points in proportion
    # (round(15.49 × 12.99 / 30.99) = 6.49 back as 649 points), the card the rest (6.50);
    # the 1,299 points the coffee earned are taken back.
    coffee = next(line for line in order.lines if line.unit_price_minor == 1299)
    result = sales.return_items(
        shop.cashier, ReturnRequest(uuid.uuid4(), order.id, (ReturnLineRequest(coffee.id, 1),))
    )
    assert dict(result.refunds) == {"points": 649, "gift_card": 650}
    assert backend.giftcards.balance(shop.manager, code).balance_minor == 3450 + 650
    assert backend.loyalty.points(shop.manager, nina.id).balance == 4649 + 649 - 1299

    # The Z report: the card sold and what cards paid net of the return, and the points.
    z = sales.close_till(shop.manager, counted_minor=10_000 + 5000 + 3099)
    assert z.over_short_minor == 0
    assert (z.gift_cards_sold_minor, z.gift_cards_redeemed_minor) == (5000, 1550 - 650)
    assert (z.points_earned, z.points_redeemed) == (6198, 1549)
    assert (z.points_given_back, z.points_taken_back) == (649, 1299)
    text = pdf_text(till_report_pdf(z))
    assert re.search(r"Gift cards sold \(1\)\s*50\.00", text), text
    assert re.search(r"Gift cards redeemed\s*9\.00", text), text
    assert re.search(r"Loyalty points\s+1\s+15\.49\s+−6\.49\s+9\.00", text), text
    assert re.search(r"Points earned\s*6,198", text), text
    assert re.search(r"Points spent\s*1,549", text), text
    assert re.search(r"Taken back by returns\s*1,299", text), text
    assert_invariants(backend.database.engine)
