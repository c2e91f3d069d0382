"""The register's keys beyond plain scanning (issue #17): no lost scan, coupons, card details."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posapp.models import Order, OrderLine, Payment
from posapp.services.backend import Backend
from posapp.services.coupons import CouponRefused
from posapp.services.platform.settings import put_setting
from posapp.services.sales import CARD_DETAILS_KEY, PaymentKind
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.dialogs import CouponDialog
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.pickers import ParkedPicker
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import Shop, add_coupon
from tests.ui.cashier_driver import APPLE, CTRL, MUG, Cashier

pytestmark = pytest.mark.ui


def _orders(cashier_window: MainWindow) -> OrdersTab:
    tab = cashier_window.tabs.widget(cashier_window.tab_titles().index("Orders"))
    assert isinstance(tab, OrdersTab)
    return tab


def test_ctrl_3_puts_the_focus_in_the_scan_field(qtbot: QtBot, cashier_window: MainWindow) -> None:
    register, orders = _orders(cashier_window).register, _orders(cashier_window).orders
    assert register is not None
    assert orders is not None
    cashier = Cashier(qtbot)
    cashier.press(Qt.Key.Key_1, CTRL).press(Qt.Key.Key_3, CTRL).scan(APPLE)
    assert cashier.run() == 2
    assert QApplication.focusWidget() is register.scan_edit
    assert [line.product.name for line in register.cart.lines] == ["Apple Braeburn"]
    # Back from the order list (Alt+O, Alt+R), the scan lands in the sale too.
    cashier.press(Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    cashier.check(lambda: _focus_is(orders.search_edit))
    cashier.press(Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier).scan(MUG)
    cashier.run()
    assert [line.product.name for line in register.cart.lines] == [
        "Apple Braeburn",
        "Enamel mug",
    ]


def _focus_is(widget: object) -> None:
    assert QApplication.focusWidget() is widget


def test_a_scan_on_the_change_screen_starts_the_next_sale(
    qtbot: QtBot, cashier_window: MainWindow, ui_backend: Backend
) -> None:
    register = _orders(cashier_window).register
    assert register is not None
    cashier_window.show_tab("Orders")

    def on_change_screen() -> bool:
        dialog = QApplication.activeModalWidget()
        return isinstance(dialog, PaymentDialog) and dialog.placed is not None

    cashier = Cashier(qtbot)
    cashier.scan(APPLE).press(Qt.Key.Key_F12).press(Qt.Key.Key_Return)
    cashier.scan(MUG, when=on_change_screen)  # the scanner's Enter closes the change screen
    cashier.run()
    assert QApplication.activeModalWidget() is None
    assert [line.product.name for line in register.cart.lines] == ["Enamel mug"]
    qtbot.wait_until(register.scan_edit.hasFocus)
    with ui_backend.read_uow() as uow:
        assert uow.session.scalar(select(Order.total_minor)) == 120
        assert uow.session.scalars(select(OrderLine.name)).all() == ["Apple Braeburn"]


def _payment() -> PaymentDialog:
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, PaymentDialog)
    return dialog


def _in_payment() -> bool:
    return isinstance(QApplication.activeModalWidget(), PaymentDialog)


def test_a_coupon_in_the_scan_field_is_refused_for_the_f8_reasons(
    qtbot: QtBot, cashier_window: MainWindow, ui_backend: Backend, cashier_shop: Shop
) -> None:
    register = _orders(cashier_window).register
    assert register is not None
    add_coupon(ui_backend, "BIG-SPEND", min_spend_minor=10_000)
    cashier = Cashier(qtbot)
    cashier.scan("BIG-SPEND")
    cashier.run()
    assert register.message.text() == "Scan the items first, then the coupon."
    cashier.scan(APPLE).scan("BIG-SPEND").scan("NO-SUCH-CODE")
    cashier.run()
    assert register.cart.coupons == []
    with pytest.raises(CouponRefused) as refused:  # what the F8 dialog would say
        register.flow.quote("BIG-SPEND", 0)
    assert refused.value.reason == "minimum_not_reached"
    cashier.scan("BIG-SPEND")
    cashier.run()
    assert register.message.text() == f"Coupon not applied: {refused.value}"
    assert register.message.level == "error"
    cashier.scan("NO-SUCH-CODE")
    cashier.run()
    assert "No product has the code “NO-SUCH-CODE”, and no coupon either" in (
        register.message.text()
    )


def test_card_details_are_checked_before_the_tender_is_taken(
    qtbot: QtBot, cashier_window: MainWindow, ui_backend: Backend
) -> None:
    cashier = Cashier(qtbot)
    cashier.scan(MUG).press(Qt.Key.Key_F12).press(Qt.Key.Key_F2, when=_in_payment)
    cashier.press(Qt.Key.Key_Return)  # the amount: on to the last four
    cashier.check(lambda: _focus_is(_payment().last4_edit))
    cashier.press(Qt.Key.Key_Return)  # nothing typed: the dialog says why, takes nothing
    cashier.check(lambda: _refused(_payment(), "Enter the last four digits of the card."))
    cashier.type("4242").press(Qt.Key.Key_Return)  # the reference is still missing
    cashier.check(lambda: _focus_is(_payment().reference_edit))
    cashier.press(Qt.Key.Key_Return)
    cashier.check(
        lambda: _refused(_payment(), "Enter the approval reference the card terminal printed.")
    )
    cashier.type("T-1").press(Qt.Key.Key_Return)  # taken, and the sale placed
    cashier.press(Qt.Key.Key_Return, when=lambda: _payment().placed is not None)
    cashier.run()
    with ui_backend.read_uow() as uow:
        assert uow.session.execute(
            select(Payment.method, Payment.card_reference, Payment.card_last4)
        ).all() == [("card", "T-1", "4242")]


def _refused(dialog: PaymentDialog, text: str) -> None:
    assert dialog.error.text() == text
    assert dialog.tenders == []


def test_the_shop_requires_only_the_reference(
    qtbot: QtBot, cashier_window: MainWindow, ui_backend: Backend
) -> None:
    with ui_backend.uow() as uow:
        put_setting(uow, CARD_DETAILS_KEY, "reference")
        uow.commit()
    cashier = Cashier(qtbot)
    cashier.scan(MUG).press(Qt.Key.Key_F12).type("5", when=_in_payment)
    cashier.press(Qt.Key.Key_F2)  # the typed amount stays; on to the reference
    cashier.check(lambda: _focus_is(_payment().reference_edit))
    cashier.type("T-2").press(Qt.Key.Key_Return)
    cashier.check(lambda: _left(_payment(), 1020 - 500))
    cashier.press(Qt.Key.Key_F12)  # the rest, prefilled in cash, and complete
    cashier.press(Qt.Key.Key_Return, when=lambda: _payment().placed is not None)
    assert cashier.run() == 7  # F12, 5, F2, T-2, Enter, F12, Enter
    with ui_backend.read_uow() as uow:
        assert uow.session.execute(
            select(Payment.method, Payment.amount_minor, Payment.card_last4).order_by(Payment.id)
        ).all() == [("card", 500, None), ("cash", 520, None)]


def _left(dialog: PaymentDialog, minor: int) -> None:
    assert dialog.left_minor == minor
    assert dialog.method is PaymentKind.CASH


def test_f12_takes_the_amount_typed(
    qtbot: QtBot, cashier_window: MainWindow, ui_backend: Backend
) -> None:
    cashier = Cashier(qtbot)
    cashier.scan(MUG).press(Qt.Key.Key_F12).type("5", when=_in_payment)
    cashier.press(Qt.Key.Key_F12)  # 5.00 taken: 5.20 still to pay, nothing placed
    cashier.check(lambda: _partly(_payment()))
    cashier.type("10").press(Qt.Key.Key_F12)  # the rest, with change
    cashier.press(Qt.Key.Key_Return, when=lambda: _payment().placed is not None)
    cashier.run()
    with ui_backend.read_uow() as uow:
        assert uow.session.execute(
            select(Payment.amount_minor, Payment.tendered_minor).order_by(Payment.id)
        ).all() == [(500, 500), (520, 1000)]


def _partly(dialog: PaymentDialog) -> None:
    assert [t.amount_minor for t in dialog.tenders] == [500]
    assert dialog.error.text() == "5.20 is still to pay."
    assert dialog.placed is None


def test_chips_and_tiles_by_keyboard_and_a_scan_on_a_chip(
    qtbot: QtBot, cashier_window: MainWindow, ui_backend: Backend
) -> None:
    register = _orders(cashier_window).register
    assert register is not None
    assert not register.pay_button.isEnabled()  # an empty sale cannot be paid
    qtbot.wait_until(lambda: len(register.grid.chips) == 4)
    assert [chip.text() for chip in register.grid.chips] == ["Bakery", "Drinks", "Fruit", "Home"]
    cashier = Cashier(qtbot)
    cashier.press(Qt.Key.Key_Tab)  # the first chip
    cashier.check(lambda: _focus_is(register.grid.chips[0]))
    cashier.press(Qt.Key.Key_Tab).press(Qt.Key.Key_Tab).press(Qt.Key.Key_Return)  # Fruit
    cashier.check(lambda: _tiles(register, ["Apple Braeburn", "Bananas (bunch)"]))
    cashier.scan(MUG)  # a scan while a chip has the focus lands in the sale
    cashier.check(lambda: _focus_is(register.scan_edit))
    cashier.press(Qt.Key.Key_Tab)
    for _ in range(4):  # past the four chips, to the first tile
        cashier.press(Qt.Key.Key_Tab)
    cashier.press(Qt.Key.Key_Return)
    cashier.run()
    assert [line.product.name for line in register.cart.lines] == ["Enamel mug", "Apple Braeburn"]
    qtbot.wait_until(register.scan_edit.hasFocus)
    assert register.pay_button.isEnabled()


def _tiles(register: RegisterView, names: list[str]) -> None:
    assert [tile.text().split("\n")[0] for tile in register.grid.tiles] == names


def test_toasts_never_cover_the_registers_buttons(
    qtbot: QtBot, cashier_window: MainWindow, ui_backend: Backend
) -> None:
    register = _orders(cashier_window).register
    assert register is not None
    central = cashier_window.centralWidget()
    assert central is not None
    for size in ((1280, 800), (960, 600)):
        cashier_window.resize(*size)
        cashier_window.toasts.clear()
        for n in range(3):
            cashier_window.toasts.show_toast(f"Stock low {n}", "Apple Braeburn: 3 left", "warning")
        qtbot.wait_until(cashier_window.toasts.isVisible)
        area = cashier_window.toasts.geometry()
        for widget in register.keep_clear():
            if widget.isVisible():
                rect = QRect(widget.mapTo(central, QPoint(0, 0)), widget.size())
                assert not area.intersects(rect), (size, widget.accessibleName())


def test_del_in_the_coupon_field_removes_a_coupon(
    qtbot: QtBot, cashier_window: MainWindow, ui_backend: Backend
) -> None:
    register = _orders(cashier_window).register
    assert register is not None
    add_coupon(ui_backend, "SPRING-10")
    in_coupons = lambda: isinstance(QApplication.activeModalWidget(), CouponDialog)  # noqa: E731
    cashier = Cashier(qtbot)
    cashier.scan(MUG).scan("SPRING-10").press(Qt.Key.Key_F8)
    cashier.press(Qt.Key.Key_Delete, when=in_coupons)  # from the code field: "Remove (Del)"
    cashier.check(lambda: _focus_is(_coupon_dialog().edit))
    cashier.press(Qt.Key.Key_Escape)
    cashier.run()
    qtbot.wait_until(lambda: QApplication.activeModalWidget() is None)
    assert register.cart.coupons == []


def _coupon_dialog() -> CouponDialog:
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, CouponDialog)
    assert dialog.list.count() == 0
    return dialog


def test_parked_sales_are_told_apart(
    qtbot: QtBot, cashier_window: MainWindow, ui_backend: Backend, cashier_shop: Shop
) -> None:
    rows: list[str] = []

    def read_rows() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ParkedPicker)
        qtbot.wait_until(lambda: dialog.results.count() == 1)
        rows.append(dialog.results.item(0).text())

    cashier = Cashier(qtbot)
    for code in (f"2*{APPLE}", MUG, "5012345678900", "5012345678917"):
        cashier.scan(code)
    cashier.press(Qt.Key.Key_F9).press(Qt.Key.Key_F10)
    cashier.check(
        read_rows, when=lambda: isinstance(QApplication.activeModalWidget(), ParkedPicker)
    )
    cashier.press(Qt.Key.Key_Escape)
    cashier.run()
    at, what, *rest = rows[0].split(" · ")
    assert len(at) == len("09:30")
    assert what == "Apple Braeburn ×2, Enamel mug, Coffee beans 500 g, …"
    assert rest[0] == "5 items"
    assert rest[-1] == "Sam Carter at till-1"
