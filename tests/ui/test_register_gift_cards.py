"""Gift cards at the register by keyboard (#19): sell one, pay half a sale with it, the Z report.

The card's code is read back from the receipt PDF the register printed, as a customer would
read it; the sale is paid half by the card and half in cash in the payment dialog (F4, F1); a
return of one line puts its share back on the card; the Z report's PDF shows the card sold and
spent the same day apart from sales.
"""

from __future__ import annotations

import io
import re
import uuid

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from posapp.reports.till_reports import till_report_pdf
from posapp.services.backend import Backend
from posapp.services.sales import PaymentKind, ReturnLineRequest, ReturnRequest, SalesApi
from posapp.ui.kit.bus import EventBus
from posapp.ui.register.giftcards import BalanceDialog, GiftCardDialog
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import Shop
from tests.ui.test_register import activate, answering, scan

pytestmark = pytest.mark.ui

COFFEE = "5012345678900"  # 12.99, tax included
CANDLE = "5012345678931"  # 15.00 + 20 % added = 18.00
CODE = re.compile(r"GC-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}")


@pytest.fixture
def receipts() -> list[tuple[str, bytes]]:
    return []


@pytest.fixture
def register(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    cashier_shop: Shop,
    receipts: list[tuple[str, bytes]],
) -> RegisterView:
    view = RegisterView(ui_backend.sales, bus, cashier_shop.cashier)
    view.flow.receipt_sink = lambda number, pdf: receipts.append((number, pdf))
    qtbot.add_widget(view)
    view.resize(1240, 720)
    activate(qtbot, view)
    qtbot.wait_until(view.scan_edit.hasFocus)
    return view


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def sell_card_by_keyboard(qtbot: QtBot, register: RegisterView, amount: str) -> None:
    """Ctrl+G, the amount, Enter; F12, Enter (cash, the total prefilled), Ctrl+P, Enter."""

    def card(dialog: QDialog) -> None:
        assert isinstance(dialog, GiftCardDialog)
        QTest.keyClicks(dialog.focusWidget(), amount)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    with answering(card):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait_until(register.isActiveWindow)

    def pay(dialog: QDialog) -> None:
        assert isinstance(dialog, PaymentDialog)
        qtbot.wait_until(dialog.isActiveWindow)
        QTest.keyClick(dialog.amount_edit, Qt.Key.Key_Return)  # cash, exactly
        assert dialog.placed is not None
        qtbot.wait_until(dialog.isActiveWindow)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    with answering(pay):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_F12)
    qtbot.wait_until(register.isActiveWindow)


def pay_half_by_card(qtbot: QtBot, register: RegisterView, half: str, code: str) -> None:
    """F12; the card's half typed, F4, the code scanned, Enter; the rest in cash, Enter."""

    def pay(dialog: QDialog) -> None:
        assert isinstance(dialog, PaymentDialog)
        qtbot.wait_until(dialog.isActiveWindow)
        QTest.keyClicks(dialog.amount_edit, half)
        QTest.keyClick(dialog, Qt.Key.Key_F4)
        assert dialog.method is PaymentKind.GIFT_CARD
        assert dialog.focusWidget() is dialog.gift.code_edit  # the card is scanned next
        QTest.keyClicks(dialog.gift.code_edit, code)
        QTest.keyClick(dialog.gift.code_edit, Qt.Key.Key_Return)
        assert [t.method for t in dialog.tenders] == [PaymentKind.GIFT_CARD]
        assert dialog.method.value == "cash"  # back to cash, the rest prefilled
        assert dialog.focusWidget() is dialog.amount_edit
        QTest.keyClick(dialog.amount_edit, Qt.Key.Key_Return)
        assert dialog.placed is not None
        qtbot.wait_until(dialog.isActiveWindow)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    with answering(pay):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_F12)
    qtbot.wait_until(register.isActiveWindow)


def ask_balance(qtbot: QtBot, register: RegisterView, code: str) -> str:
    shown: list[str] = []

    def enquire(dialog: QDialog) -> None:
        assert isinstance(dialog, BalanceDialog)
        if code.isascii():
            QTest.keyClicks(dialog.code_edit, code)
        else:  # QTest cannot type a zero-width space: pasted, as from a message
            dialog.code_edit.insert(code)
        QTest.keyClick(dialog.code_edit, Qt.Key.Key_Return)
        shown.append(dialog.balance_label.text() or dialog.error.text())
        QTest.keyClick(dialog.code_edit, Qt.Key.Key_Escape)

    with answering(enquire):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait_until(register.isActiveWindow)
    return shown[0]


def test_sell_a_card_pay_half_with_it_return_a_line_and_the_z_report(
    qtbot: QtBot,
    register: RegisterView,
    ui_backend: Backend,
    cashier_shop: Shop,
    receipts: list[tuple[str, bytes]],
) -> None:
    sales: SalesApi = ui_backend.sales
    sell_card_by_keyboard(qtbot, register, "50")
    assert register.cart.empty
    [(_number, pdf)] = receipts
    text = pdf_text(pdf)
    found = CODE.search(text)
    assert found is not None, text
    code = found.group(0)
    assert "GIFT CARD" in text
    assert "Balance 50.00" in text
    assert "50.00" in ask_balance(qtbot, register, code)

    scan(qtbot, register, COFFEE)
    scan(qtbot, register, CANDLE)
    assert register.cart.total_minor == 3099
    pay_half_by_card(qtbot, register, "15.50", code.lower().replace("-", " "))
    assert register.cart.empty
    assert "34.50" in ask_balance(qtbot, register, code)

    order = sales.find_order(cashier_shop.manager, "MAIN-000002")
    assert [(p.method, p.amount_minor) for p in order.payments] == [
        ("gift_card", 1550),
        ("cash", 1549),
    ]
    coffee = next(line for line in order.lines if line.quantity and line.unit_price_minor == 1299)
    result = sales.return_items(
        cashier_shop.cashier,
        ReturnRequest(uuid.uuid4(), order.id, (ReturnLineRequest(coffee.id, 1),)),
    )
    assert result.refunds == (("gift_card", 1299),)  # back to the card, before cash
    assert ui_backend.giftcards.balance(cashier_shop.manager, code).balance_minor == 3450 + 1299
    assert "47.49" in ask_balance(qtbot, register, code)

    # The Z report of the day: the card sold (50.00) and what it paid, net of the return
    # (15.50 - 12.99 = 2.51), kept apart from sales.
    z = sales.close_till(cashier_shop.manager, counted_minor=10_000 + 5000 + 1549)
    assert z.gift_cards_sold_minor == 5000
    assert z.gift_cards_redeemed_minor == 251
    assert z.sales_minor == 3099  # the card sold is no sale
    text = pdf_text(till_report_pdf(z))
    assert "Gift cards (not in sales)" in text
    assert re.search(r"Gift cards sold \(1\)\s*50\.00", text), text
    assert re.search(r"Gift cards redeemed\s*2\.51", text), text


def test_refused_cards_are_said_in_the_dialogs(
    qtbot: QtBot, register: RegisterView, receipts: list[tuple[str, bytes]]
) -> None:
    assert "no 0, 1, I, L or O" in ask_balance(qtbot, register, "GC-0000-2222-3333-4444")
    assert "invisible" in ask_balance(qtbot, register, "GC-2222\u200b-3333-4444-5555")
    assert "There is no gift card" in ask_balance(qtbot, register, "GC-2222-3333-4444-5555")

    def too_small(dialog: QDialog) -> None:
        assert isinstance(dialog, GiftCardDialog)
        QTest.keyClicks(dialog.focusWidget(), "1")
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
        assert dialog.isVisible()
        assert "between" in dialog.error.text()
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)

    with answering(too_small):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait_until(register.isActiveWindow)
    assert register.cart.gift_cards == []
