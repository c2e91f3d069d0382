"""The register from the keyboard: a split-tender sale with a coupon, park and resume, returns."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QSpinBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from posapp.models import AuditEntry, CouponRedemption, Order, Payment
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales import PaymentKind, SalesApi, checkout
from posapp.ui.kit.bus import EventBus
from posapp.ui.orders.detail import OrderDetailPanel
from posapp.ui.orders.listing import OrderListModel, OrderListView
from posapp.ui.orders.return_dialog import ReturnDialog
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.model import CartTableModel
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import Shop, add_coupon, cash_sale, on_hand

pytestmark = pytest.mark.ui

APPLE = "4006381333931"
MUG = "5012345678924"


@pytest.fixture
def shop(cashier_shop: Shop) -> Shop:
    return cashier_shop


@pytest.fixture
def desk(ui_backend: Backend) -> SalesApi:
    return ui_backend.sales


@pytest.fixture
def receipts() -> list[tuple[str, bytes]]:
    return []


@pytest.fixture
def register(
    qtbot: QtBot, desk: SalesApi, bus: EventBus, shop: Shop, receipts: list[tuple[str, bytes]]
) -> RegisterView:
    view = RegisterView(desk, bus, shop.cashier)
    view.flow.receipt_sink = lambda number, pdf: receipts.append((number, pdf))
    qtbot.add_widget(view)
    view.resize(1240, 720)
    activate(qtbot, view)
    qtbot.wait_until(view.scan_edit.hasFocus)
    return view


@contextmanager
def answering(act: Callable[[QDialog], object]) -> Iterator[list[bool]]:
    """Run ``act`` on the modal dialog the block opens (it blocks in ``exec``) once it has focus."""
    done: list[bool] = []
    failures: list[BaseException] = []
    timer = QTimer()
    timer.setInterval(5)

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if done or not isinstance(dialog, QDialog) or not dialog.isVisible():
            return
        if dialog.focusWidget() is None:
            dialog.activateWindow()
            return
        timer.stop()
        try:
            act(dialog)
        except BaseException as exc:  # re-raised in the test, not lost in a Qt slot
            failures.append(exc)
            dialog.done(0)
        done.append(True)

    timer.timeout.connect(poll)
    timer.start()
    try:
        yield done
    finally:
        timer.stop()
    if failures:
        raise failures[0]
    assert done, "the expected dialog did not open"


def activate(qtbot: QtBot, widget: QWidget) -> None:
    widget.show()
    widget.activateWindow()
    qtbot.wait_until(widget.isActiveWindow)


def scan(qtbot: QtBot, view: RegisterView, code: str) -> None:
    QTest.keyClicks(view.scan_edit, code)
    QTest.keyClick(view.scan_edit, Qt.Key.Key_Return)


def count(backend: Backend, model: type) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _quantities_by_keyboard(qtbot: QtBot, register: RegisterView) -> None:
    """F5 types the chosen (last) line's quantity; Up then "+" adds one apple."""

    def type_two(dialog: QDialog) -> None:
        QTest.keyClicks(dialog.focusWidget(), "2")
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    with answering(type_two):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_F5)
    qtbot.wait_until(register.isActiveWindow)
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Up)
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Plus)


def _coupon_by_keyboard(qtbot: QtBot, register: RegisterView, code: str) -> None:
    def coupon(dialog: QDialog) -> None:
        QTest.keyClicks(dialog.focusWidget(), code)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)  # empty: close

    with answering(coupon):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_F8)
    qtbot.wait_until(register.isActiveWindow)


def _pay_card_then_cash(qtbot: QtBot, register: RegisterView, card: str, cash: str) -> None:
    """F12, F2 card for ``card`` (last four, reference), the rest in cash, Ctrl+P, Enter."""

    def pay(dialog: QDialog) -> None:
        assert isinstance(dialog, PaymentDialog)
        qtbot.wait_until(dialog.isActiveWindow)  # a shortcut needs its window active
        QTest.keyClick(dialog, Qt.Key.Key_F2)
        assert dialog.method is PaymentKind.CARD
        QTest.keyClicks(dialog.amount_edit, card)
        QTest.keyClick(dialog.amount_edit, Qt.Key.Key_Return)  # on to the card's details
        assert dialog.focusWidget() is dialog.last4_edit
        QTest.keyClicks(dialog.last4_edit, "4242")  # four digits: on to the reference
        assert dialog.focusWidget() is dialog.reference_edit
        QTest.keyClicks(dialog.reference_edit, "AUTH 829311")
        QTest.keyClick(dialog.reference_edit, Qt.Key.Key_Return)
        assert dialog.left_minor == dialog.total_minor - 1000
        assert dialog.focusWidget() is dialog.amount_edit  # back to cash, the rest prefilled
        QTest.keyClicks(dialog.amount_edit, cash)
        QTest.keyClick(dialog.amount_edit, Qt.Key.Key_Return)
        assert dialog.placed is not None
        assert dialog.change_label.isVisible()  # the change, in large type
        qtbot.wait_until(dialog.isActiveWindow)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)  # Enter: the next sale

    with answering(pay):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_F12)
    qtbot.wait_until(register.isActiveWindow)


def test_a_whole_sale_from_the_keyboard(
    qtbot: QtBot,
    register: RegisterView,
    ui_backend: Backend,
    receipts: list[tuple[str, bytes]],
) -> None:
    add_coupon(ui_backend, "SPRING-10", percent_bp=1000)
    scan(qtbot, register, APPLE)
    scan(qtbot, register, MUG)
    assert register.model.rowCount() == 2
    _quantities_by_keyboard(qtbot, register)
    assert [line.quantity for line in register.cart.lines] == [2, 2]
    _coupon_by_keyboard(qtbot, register, "spring10")
    priced = register.cart.priced()
    assert priced.subtotal_minor == 2 * 120 + 2 * 850
    assert priced.coupon_minor == 194  # 10 % of 2.40 + 17.00
    total = priced.total_minor
    assert register.totals.total_text.endswith(f"{total // 100}.{total % 100:02d}")
    _pay_card_then_cash(qtbot, register, "10", "50")
    assert count(ui_backend, Order) == 1
    assert count(ui_backend, Payment) == 2
    assert count(ui_backend, CouponRedemption) == 1
    change = 5000 - (total - 1000)
    assert register.change.isVisible()
    assert register.change.amount.text().endswith(f"{change // 100}.{change % 100:02d}")
    assert register.cart.lines == []
    assert [number for number, _pdf in receipts] == ["MAIN-000001"]  # Ctrl+P in the dialog
    # Ctrl+P on the register prints the last sale's receipt again.
    QTest.keyClick(register.scan_edit, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert [number for number, _pdf in receipts] == ["MAIN-000001", "MAIN-000001"]
    assert receipts[-1][1].startswith(b"%PDF")
    assert register.scan_edit.hasFocus()


def test_unknown_codes_bad_quantities_and_cancel(
    qtbot: QtBot, register: RegisterView, ui_backend: Backend
) -> None:
    scan(qtbot, register, "00000")
    assert register.message.level == "error"
    assert "No product has the code" in register.message.text()
    scan(qtbot, register, f"0*{APPLE}")
    assert "at least 1" in register.message.text()
    scan(qtbot, register, f"1.5*{APPLE}")
    assert "whole number" in register.message.text()
    scan(qtbot, register, f"3*{APPLE}")
    assert register.cart.lines[0].quantity == 3
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Minus)
    assert register.cart.lines[0].quantity == 2
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Escape)
    assert not register.cart.empty
    assert "Esc again" in register.message.text()
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Escape)
    assert register.cart.lines == []
    assert register.scan_edit.hasFocus()


def test_a_typed_minus_before_a_quantity_prefix_is_refused(
    qtbot: QtBot, register: RegisterView
) -> None:
    """Issue #16, defect 13: "-3*code" added three, and with lines took one off another line."""
    scan(qtbot, register, f"-3*{APPLE}")  # an empty sale: nothing to take one off
    assert register.cart.lines == []
    assert register.message.level == "error"
    assert "positive whole number" in register.message.text()
    assert "“-3*”" in register.message.text()
    scan(qtbot, register, f"2*{MUG}")
    scan(qtbot, register, f"-3*{APPLE}")  # the "-" took one mug off for a moment: put back
    assert [(line.product.name, line.quantity) for line in register.cart.lines] == [
        ("Enamel mug", 2)
    ]
    assert "positive whole number" in register.message.text()
    scan(qtbot, register, f"-x*{APPLE}")
    assert [line.quantity for line in register.cart.lines] == [2]
    assert "positive whole number" in register.message.text()
    register.scan_edit.setText(f"-3*{APPLE}")  # pasted: the field refuses it as it always did
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Return)
    assert [line.quantity for line in register.cart.lines] == [2]
    assert "at least 1" in register.message.text()
    assert register.scan_edit.text() == ""
    assert register.scan_edit.hasFocus()


def test_the_minus_key_alone_still_takes_one_off(qtbot: QtBot, register: RegisterView) -> None:
    scan(qtbot, register, f"3*{MUG}")
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Minus)  # one fewer, at once
    assert [line.quantity for line in register.cart.lines] == [2]
    scan(qtbot, register, APPLE)  # a scan after "-" is a scan: no quantity prefix in it
    assert [line.quantity for line in register.cart.lines] == [2, 1]
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Minus)  # the apple: the last line
    assert register.message.text() == "Use Del to remove the line."
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Up)  # the mug
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Minus)
    assert [line.quantity for line in register.cart.lines] == [1, 1]
    QTest.keyClicks(register.scan_edit, "2")
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Backspace)  # emptied: the "-" is forgotten
    scan(qtbot, register, f"2*{APPLE}")
    assert [line.quantity for line in register.cart.lines] == [1, 3]


def test_removing_a_line_from_the_keyboard_is_audited(
    qtbot: QtBot, register: RegisterView, ui_backend: Backend, shop: Shop
) -> None:
    scan(qtbot, register, f"2*{APPLE}")
    scan(qtbot, register, f"2*{MUG}")
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Minus)  # one mug fewer: audited too
    assert register.cart.lines[1].quantity == 1
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Up)  # choose the apples
    QTest.keyClick(register.scan_edit, Qt.Key.Key_Delete)
    assert [line.product.name for line in register.cart.lines] == ["Enamel mug"]
    assert register.message.text() == "Removed Apple Braeburn."
    assert register.scan_edit.hasFocus()
    with ui_backend.read_uow() as uow:
        entries = uow.session.execute(
            select(AuditEntry.user_id, AuditEntry.object_id, AuditEntry.before)
            .where(AuditEntry.action == "sale.line_removed")
            .order_by(AuditEntry.id)
        ).all()
    sale = register.cart.sale_uuid.hex
    assert [(user, product, json.loads(before or "{}")) for user, product, before in entries] == [
        (
            shop.cashier.id,
            shop.products["mug"],
            {"sale_uuid": sale, "quantity": 1, "total_minor": 1020},
        ),
        (
            shop.cashier.id,
            shop.products["apple"],
            {"sale_uuid": sale, "quantity": 2, "total_minor": 240},
        ),
    ]


def test_clicking_a_tile_keeps_the_barcode_focus(qtbot: QtBot, register: RegisterView) -> None:
    qtbot.wait_until(lambda: bool(register.grid.tiles))
    QTest.mouseClick(register.grid.tiles[0], Qt.MouseButton.LeftButton)
    assert register.model.rowCount() == 1
    assert register.scan_edit.hasFocus()


def test_park_and_resume_even_after_a_restart(
    qtbot: QtBot,
    register: RegisterView,
    sqlite_database: Database,
    bus: EventBus,
    shop: Shop,
) -> None:
    scan(qtbot, register, APPLE)
    scan(qtbot, register, f"2*{MUG}")
    parked_total = register.cart.priced().total_minor
    QTest.keyClick(register.scan_edit, Qt.Key.Key_F9)
    assert register.cart.empty
    assert "parked" in register.message.text()
    register.close()
    # A "restart": a new backend and register on the same database.
    restarted = Backend(sqlite_database, bus, register="till-1")
    again = RegisterView(restarted.sales, bus, shop.cashier)
    qtbot.add_widget(again)
    activate(qtbot, again)
    scan(qtbot, again, MUG)
    with answering(lambda d: QTest.keyClick(d.focusWidget(), Qt.Key.Key_Return)):
        QTest.keyClick(again.scan_edit, Qt.Key.Key_F10)
    assert [(line.product.name, line.quantity) for line in again.cart.lines] == [
        ("Apple Braeburn", 1),
        ("Enamel mug", 2),
    ]
    assert again.cart.priced().total_minor == parked_total
    # The sale that was on the register when resuming was parked, not lost.
    assert [p.item_count for p in restarted.sales.parked(shop.cashier)] == [1]


def test_return_two_lines_from_the_receipt_number(
    qtbot: QtBot, desk: SalesApi, bus: EventBus, ui_backend: Backend, shop: Shop
) -> None:
    placed = checkout.place_order(
        ui_backend.uow(),
        shop.cashier,
        cash_sale(shop, [("apple", 2), ("water", 3), ("cake", 1)], 2000, 2 * 120 + 3 * 89 + 375),
    )
    view = OrderListView(desk, bus, shop.cashier)
    qtbot.add_widget(view)
    activate(qtbot, view)
    view.ensure_loaded()
    QTest.keyClicks(view.search_edit, placed.number)
    QTest.keyClick(view.search_edit, Qt.Key.Key_Return)
    assert view.detail.order_id == placed.order_id
    assert "return" in view.detail.action_buttons

    def give_back(dialog: QDialog) -> None:
        assert isinstance(dialog, ReturnDialog)
        QTest.keyClick(dialog.spins[0], Qt.Key.Key_Up)
        QTest.keyClick(dialog.spins[1], Qt.Key.Key_Up)
        QTest.keyClick(dialog.spins[1], Qt.Key.Key_Up)
        dialog.restocks[1].setChecked(False)  # the water was opened: write it off
        assert dialog.refund_minor() == 120 + 178
        QTest.keyClick(dialog.spins[1], Qt.Key.Key_Return)

    with answering(give_back):
        QTest.keyClick(view.detail.tabs, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    order = desk.order_detail(shop.cashier, placed.order_id)
    assert order.status == "partly_refunded"
    assert [line.returned_qty for line in order.lines] == [1, 2, 0]
    assert order.refunded_minor == 298
    assert on_hand(ui_backend, shop, "apple") == 99
    assert on_hand(ui_backend, shop, "water") == 97
    assert "Returned" in view.detail.message.text()


def test_models_pass_the_model_tester(
    qtmodeltester: object,
    desk: SalesApi,
    ui_backend: Backend,
    shop: Shop,
    register: RegisterView,
    qtbot: QtBot,
) -> None:
    scan(qtbot, register, APPLE)
    scan(qtbot, register, MUG)
    qtmodeltester.check(CartTableModel(register.cart))  # type: ignore[attr-defined]
    for _ in range(5):
        checkout.place_order(
            ui_backend.uow(), shop.cashier, cash_sale(shop, [("apple", 1)], 120, 120)
        )
    orders = OrderListModel(desk, shop.cashier, page_size=2)
    orders.reload()
    assert orders.rowCount() == 2
    assert orders.canFetchMore(orders.index(0, 0).parent())
    qtmodeltester.check(orders)  # type: ignore[attr-defined]
    while orders.canFetchMore(orders.index(0, 0).parent()):
        orders.fetchMore(orders.index(0, 0).parent())
    assert orders.rowCount() == 5


def test_orders_tab_pages(qtbot: QtBot, ui_backend: Backend, bus: EventBus, shop: Shop) -> None:
    tab = OrdersTab(ui_backend, bus, shop.cashier)
    qtbot.add_widget(tab)
    assert [tab.pages.tabText(i) for i in range(tab.pages.count())] == [
        "&Register",
        "&Orders",
        "&Till",
    ]
    assert isinstance(tab.register, RegisterView)
    assert isinstance(tab.orders.detail if tab.orders else None, OrderDetailPanel)


def test_html_in_names_shows_literally(
    qtbot: QtBot, register: RegisterView, tmp_path: Path
) -> None:
    del tmp_path
    register.say("<b>bold</b>", "error")
    assert register.message.textFormat() == Qt.TextFormat.PlainText
    assert isinstance(register.scan_edit, QLineEdit)
    assert (
        not isinstance(register.focusWidget(), QSpinBox | QWidget) or register.scan_edit.hasFocus()
    )
