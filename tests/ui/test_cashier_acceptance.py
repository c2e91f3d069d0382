"""The cashier's minute (issue #17): start of shift and flows A-D on the real main cashier_window.

Every key goes to the focused widget (:class:`tests.ui.cashier_driver.Cashier`) and every key
action is counted; the database is checked after each flow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import Select, func, select

from posapp.models import AuditEntry, CouponRedemption, Order, OrderLine, Payment, TillSession
from posapp.services.backend import Backend
from posapp.services.sales import checkout
from posapp.ui.app_runner import SessionController
from posapp.ui.kit.bus import EventBus
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.return_dialog import ReturnDialog
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.pickers import ParkedPicker, PickerDialog
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import (
    CASHIER_PIN,
    Shop,
    add_coupon,
    cash_sale,
    on_hand,
    seed_shop,
)
from tests.ui.cashier_driver import APPLE, BANANA, COFFEE, MUG, WATER, Cashier, register_of

pytestmark = pytest.mark.ui


@pytest.fixture
def session(ui_backend: Backend, bus: EventBus) -> Iterator[SessionController]:
    """The log-in, then the main cashier_window, as the application runs them (the till closed)."""
    seed_shop(ui_backend)
    runner = SessionController(ui_backend, bus)
    yield runner
    runner.shutdown()


def scalar(backend: Backend, statement: Select[Any]) -> Any:
    with backend.read_uow() as uow:
        return uow.session.scalar(statement)


def test_start_of_shift_takes_at_most_six_keys(
    qtbot: QtBot, session: SessionController, ui_backend: Backend
) -> None:
    """Log-in → the register, the closed till opened in place with a counted float → a sale."""
    session.start()
    dialog = session.login_dialog
    assert dialog is not None
    qtbot.wait_until(dialog.is_ready)
    cashier = Cashier(qtbot)
    cashier.type("till").press(Qt.Key.Key_Tab).type(CASHIER_PIN)
    cashier.run()  # the credentials: not counted

    def window_shown() -> bool:
        cashier_window = session.main_window
        return cashier_window is not None and cashier_window.isActiveWindow()

    cashier.press(Qt.Key.Key_Return)  # log in
    cashier.press(Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier, when=window_shown)
    cashier.type("100")  # the float counted into the drawer
    cashier.press(Qt.Key.Key_Return)
    cashier.scan(APPLE, when=lambda: QApplication.activeModalWidget() is None)
    actions = cashier.run()
    cashier_window = session.main_window
    assert cashier_window is not None
    register = register_of(cashier_window)
    assert [line.product.name for line in register.cart.lines] == ["Apple Braeburn"]
    assert QApplication.focusWidget() is register.scan_edit
    assert actions <= 6, cashier.log
    assert actions == 4
    assert scalar(ui_backend, select(TillSession.float_minor)) == 10_000
    assert scalar(ui_backend, select(func.count()).select_from(Order)) == 0
    assert scalar(ui_backend, select(func.count()).select_from(Payment)) == 0


def on_change_screen() -> bool:
    dialog = QApplication.activeModalWidget()
    return isinstance(dialog, PaymentDialog) and dialog.placed is not None


def in_dialog(kind: type) -> Callable[[], bool]:
    return lambda: isinstance(QApplication.activeModalWidget(), kind)


def back_on_register() -> bool:
    return QApplication.activeModalWidget() is None


def payments(backend: Backend) -> list[tuple[str, int, int]]:
    with backend.read_uow() as uow:
        rows = uow.session.execute(
            select(Payment.method, Payment.amount_minor, Payment.tendered_minor).order_by(
                Payment.id
            )
        ).all()
    return [(str(m), int(a), int(t or 0)) for m, a, t in rows]


def test_flow_a_five_items_exact_cash_in_three_keys(
    qtbot: QtBot, cashier_window: MainWindow, ui_backend: Backend, cashier_shop: Shop
) -> None:
    register = register_of(cashier_window)
    cashier = Cashier(qtbot)
    for code in (APPLE, BANANA, COFFEE, WATER, MUG):
        cashier.scan(code)
    cashier.press(Qt.Key.Key_F12)
    cashier.press(Qt.Key.Key_Return, when=in_dialog(PaymentDialog))  # the exact cash, prefilled
    cashier.press(Qt.Key.Key_Return, when=on_change_screen)  # the next sale
    actions = cashier.run()
    assert actions == 3, cashier.log
    qtbot.wait_until(register.scan_edit.hasFocus)
    total = 120 + 249 + 1299 + 89 + 850 + 170  # the mug's 20 % tax is added
    assert scalar(ui_backend, select(Order.total_minor)) == total
    assert payments(ui_backend) == [("cash", total, total)]
    assert on_hand(ui_backend, cashier_shop, "coffee") == 99
    assert register.cart.empty
    assert register.pay_button.isEnabled() is False


def _flow_b_payment(cashier: Cashier) -> None:
    """F12, the card's part typed then F2, its details in one step, the rest in cash: 9 keys."""
    cashier.press(Qt.Key.Key_F12)
    cashier.type("10", when=in_dialog(PaymentDialog))  # the card's part
    cashier.press(Qt.Key.Key_F2)  # … by card: on to its details
    cashier.type("4242")  # the last four; four digits go on to the reference
    cashier.type("AUTH 829311")
    cashier.press(Qt.Key.Key_Return)  # the card tender; the rest is offered in cash
    cashier.type("50")
    cashier.press(Qt.Key.Key_Return)  # cash with change: the sale is placed


def _check_flow_b(backend: Backend) -> int:
    total = scalar(backend, select(Order.total_minor))
    assert isinstance(total, int)
    # 26.79 (the mug's 20 % tax added) less 10 % off the goods, its tax falling with its price.
    assert total == 2411
    assert payments(backend) == [("card", 1000, 0), ("cash", total - 1000, 5000)]
    assert scalar(backend, select(Payment.card_last4).where(Payment.method == "card")) == "4242"
    assert scalar(backend, select(func.count()).select_from(CouponRedemption)) == 1
    return total


def test_flow_b_coupon_and_card_with_cash_change_in_ten_keys(
    qtbot: QtBot, cashier_window: MainWindow, ui_backend: Backend, cashier_shop: Shop
) -> None:
    """5 items (one ×3), a coupon scanned, part card with the change in cash, Enter: 10 keys."""
    register = register_of(cashier_window)

    def coupon(cashier: Cashier) -> None:
        cashier.scan("SPRING-10")  # the printed coupon, scanned into the scan field
        cashier.check(lambda: _coupon_applied(register))

    def close(cashier: Cashier) -> None:
        cashier.press(Qt.Key.Key_Return, when=on_change_screen)  # the next sale

    assert _flow_b(qtbot, ui_backend, coupon, close) == 10
    assert on_hand(ui_backend, cashier_shop, "apple") == 97


def test_flow_b_with_the_coupon_typed_in_ten_keys(
    qtbot: QtBot, cashier_window: MainWindow, ui_backend: Backend
) -> None:
    """The coupon typed into the scan field (F12 enters it); the next scan closes the change."""
    register = register_of(cashier_window)

    def coupon(cashier: Cashier) -> None:
        cashier.type("spring10")  # typed, not scanned: F12 enters it first

    def close(cashier: Cashier) -> None:
        cashier.scan(WATER, when=on_change_screen)  # the next customer's first item

    assert _flow_b(qtbot, ui_backend, coupon, close) == 10
    qtbot.wait_until(back_on_register)
    assert [line.product.name for line in register.cart.lines] == ["Still water 1.5 l"]


def _flow_b(
    qtbot: QtBot,
    backend: Backend,
    coupon: Callable[[Cashier], None],
    close: Callable[[Cashier], None],
) -> int:
    """Scenario B with the coupon and the end given; its key actions (the database checked)."""
    add_coupon(backend, "SPRING-10", percent_bp=1000)
    cashier = Cashier(qtbot)
    cashier.type("3*").scan(APPLE).scan(COFFEE).scan(MUG)
    coupon(cashier)
    _flow_b_payment(cashier)
    close(cashier)
    actions = cashier.run()
    assert actions <= 10, cashier.log
    _check_flow_b(backend)
    return actions


def _coupon_applied(register: RegisterView) -> None:
    assert [quote.code for quote in register.cart.coupons] == ["SPRING-10"]
    assert "Coupon SPRING-10 applied" in register.message.text()


def test_flow_c_search_remove_park_resume_and_pay(
    qtbot: QtBot, cashier_window: MainWindow, ui_backend: Backend, cashier_shop: Shop
) -> None:
    """Search by name, remove a line, park, a new sale, resume (it is parked), pay."""
    register = register_of(cashier_window)
    cashier = Cashier(qtbot)
    cashier.scan(APPLE).scan(MUG)
    cashier.type("coffee").press(Qt.Key.Key_F2)  # search by name
    cashier.press(Qt.Key.Key_Return, when=in_dialog(PickerDialog))  # take the first found
    cashier.press(Qt.Key.Key_Up, when=back_on_register)  # the mug
    cashier.press(Qt.Key.Key_Delete)
    cashier.check(lambda: _names(register, ["Apple Braeburn", "Coffee beans 500 g"]))
    cashier.press(Qt.Key.Key_F9)  # park
    cashier.scan(WATER)  # the next customer
    cashier.press(Qt.Key.Key_F10)
    cashier.press(Qt.Key.Key_Return, when=in_dialog(ParkedPicker))  # the parked sale
    cashier.check(lambda: _names(register, ["Apple Braeburn", "Coffee beans 500 g"]))
    cashier.check(lambda: _said(register, "The sale in progress was parked"))
    cashier.press(Qt.Key.Key_F12)
    cashier.press(Qt.Key.Key_Return, when=in_dialog(PaymentDialog))
    cashier.press(Qt.Key.Key_Return, when=on_change_screen)
    actions = cashier.run()
    assert actions == 11, cashier.log
    assert scalar(ui_backend, select(Order.total_minor)) == 120 + 1299
    with ui_backend.read_uow() as uow:
        assert uow.session.scalars(select(OrderLine.name).order_by(OrderLine.line_no)).all() == [
            "Apple Braeburn",
            "Coffee beans 500 g",
        ]
        removed = uow.session.scalar(
            select(func.count()).where(AuditEntry.action == "sale.line_removed")
        )
        assert removed == 1
    parked = ui_backend.sales.parked(cashier_shop.cashier)
    assert [(p.item_count, p.total_minor) for p in parked] == [(1, 89)]  # the water waits


def _names(register: RegisterView, names: list[str]) -> None:
    assert [line.product.name for line in register.cart.lines] == names


def _said(register: RegisterView, text: str) -> None:
    assert text in register.message.text()


def test_flow_d_return_one_line_of_a_past_sale(
    qtbot: QtBot, cashier_window: MainWindow, ui_backend: Backend, cashier_shop: Shop
) -> None:
    """Alt+O, the receipt scanned, Ctrl+R, one more of the first line, Enter: 4 keys."""
    placed = checkout.place_order(
        ui_backend.uow(),
        cashier_shop.cashier,
        cash_sale(cashier_shop, [("apple", 2), ("mug", 1)], 2000, 2 * 120 + 1020),
    )
    tab = cashier_window.tabs.currentWidget()
    assert isinstance(tab, OrdersTab)
    orders = tab.orders
    assert orders is not None
    cashier = Cashier(qtbot)
    cashier.press(Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # the order list
    cashier.check(lambda: _focused(orders.search_edit))
    cashier.scan(placed.number)  # the receipt's barcode
    cashier.press(
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier,
        when=lambda: orders.detail.order_id == placed.order_id,
    )
    cashier.press(Qt.Key.Key_Up, when=in_dialog(ReturnDialog))  # one apple
    cashier.check(_no_stray_field)
    cashier.press(Qt.Key.Key_Return)  # Return and refund
    actions = cashier.run()
    assert actions == 4, cashier.log
    note = "Returned: 1.20 refunded (cash 1.20)."
    qtbot.wait_until(lambda: orders.detail.message.text() == note)
    # The list refreshes when the return's events arrive; the note stays.
    qtbot.wait_until(lambda: not orders._timer.isActive() and orders.model.rowCount() == 1)
    assert orders.detail.message.isVisible()
    assert orders.detail.message.text() == note
    with ui_backend.read_uow() as uow:
        assert uow.session.scalar(select(OrderLine.returned_qty).where(OrderLine.line_no == 1)) == 1
        assert uow.session.scalar(select(Order.refunded_minor)) == 120
    assert on_hand(ui_backend, cashier_shop, "apple") == 100 - 2 + 1


def _focused(widget: object) -> None:
    assert QApplication.focusWidget() is widget


def _no_stray_field() -> None:
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, ReturnDialog)
    assert not dialog.reference_edit.isVisible()  # a cash order: no card refund reference
    assert "(Enter)" in " ".join(b.text() for b in dialog.findChildren(QPushButton))
