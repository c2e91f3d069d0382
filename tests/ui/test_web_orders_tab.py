"""Web orders in the Orders tab (#22): shown as pickup orders from the web, made ready, paid at
the counter through the register's payment dialog, then collected; the customer hears of each."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posapp.models import OutboxEmail
from posapp.services.backend import Backend
from posapp.services.sales import PaymentKind, WebLine, WebOrderDraft, WebOrderStatus
from posapp.ui.kit.bus import EventBus
from posapp.ui.orders.listing import ORDER_COLUMNS, OrderListView
from posapp.ui.register.payment import PaymentDialog
from tests.checkout_seed import Shop, cash_sale
from tests.ui.test_register import activate, answering

pytestmark = pytest.mark.ui

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
HEADERS = [column.header for column in ORDER_COLUMNS]


def web_order(backend: Backend, shop: Shop, name: str = "Ann <b>Example</b>") -> WebOrderStatus:
    draft = WebOrderDraft(
        uuid.uuid4(),
        shop.store_id,
        (WebLine(shop.products["cake"], 2),),
        customer_name=name,
        email="ann@example.com",
        phone="07700 900123",
    )
    return backend.sales.place_web_order(draft)


def cells(view: OrderListView, column: str) -> list[str]:
    model, at = view.model, HEADERS.index(column)
    return [str(model.data(model.index(row, at))) for row in range(model.rowCount())]


def test_a_web_order_is_made_ready_paid_and_collected(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, cashier_shop: Shop
) -> None:
    shop = cashier_shop
    ui_backend.sales.place_order(shop.cashier, cash_sale(shop, [("apple", 1)], 120, 120))
    placed = web_order(ui_backend, shop)
    assert placed.total_minor == 750
    view = OrderListView(ui_backend.sales, bus, shop.cashier)
    qtbot.add_widget(view)
    view.resize(1280, 720)
    activate(qtbot, view)
    view.ensure_loaded()
    assert cells(view, "Pickup") == ["Web", ""]
    assert cells(view, "Customer")[0] == "Ann <b>Example</b>"  # shown as typed, never as HTML
    assert cells(view, "Cashier")[0] == "Web shop"
    view.pickup_check.setChecked(True)
    assert cells(view, "Number") == [placed.number]
    view.table.selectRow(0)
    qtbot.wait_until(lambda: view.detail.order_id is not None)
    assert "web order for Ann <b>Example</b> · ann@example.com" in view.detail.summary.text()
    assert set(view.detail.action_buttons) == {"pay", "ready", "cancel"}
    view.detail.action_buttons["ready"].click()
    qtbot.wait_until(lambda: set(view.detail.action_buttons) == {"pay", "cancel"})
    qtbot.wait_until(view.detail.action_buttons["pay"].isVisible)
    if os.environ.get("POSAPP_SCREENSHOTS"):
        view.grab().save(str(SHOTS / "orders_web_pickup.png"))

    def pay_cash(dialog: QDialog) -> None:
        assert isinstance(dialog, PaymentDialog)
        assert dialog.total_minor == 750
        qtbot.wait_until(dialog.isActiveWindow)
        assert dialog.method is PaymentKind.CASH
        QTest.keyClicks(dialog.amount_edit, "10")
        QTest.keyClick(dialog.amount_edit, Qt.Key.Key_Return)
        assert dialog.placed is not None
        assert dialog.change_label.isVisible()  # 2.50 back, in large type
        qtbot.wait_until(dialog.isActiveWindow)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)  # Enter closes it

    with answering(pay_cash):
        view.detail.action_buttons["pay"].click()
    qtbot.wait_until(lambda: "collect" in view.detail.action_buttons)
    order = ui_backend.sales.order_detail(shop.cashier, placed.order_id)
    assert (order.status, order.paid_minor, order.change_minor) == ("ready", 750, 250)
    view.detail.action_buttons["collect"].click()
    qtbot.wait_until(
        lambda: ui_backend.sales.order_detail(shop.cashier, placed.order_id).status == "collected"
    )
    with ui_backend.read_uow() as uow:
        kinds = uow.session.scalars(select(OutboxEmail.kind).order_by(OutboxEmail.id)).all()
    assert kinds == ["order_placed", "order_ready", "order_collected"]
