"""Issue #16, defect 1 in the return dialog: the refund goes to the order's own tenders or customer.

The dialog offers the customer's account only when the order has one, never sends another
account, and shows the service's refusal when forced.
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.sales import RefundTo, checkout
from posapp.ui.orders.return_dialog import ReturnDialog
from tests.checkout_seed import Shop, add_funded_account, cash_sale, open_shop

pytestmark = pytest.mark.ui


@pytest.fixture
def shop(ui_backend: Backend) -> Shop:
    return open_shop(ui_backend)


def _dialog(qtbot: QtBot, ui_backend: Backend, shop: Shop, order_id: int) -> ReturnDialog:
    order = ui_backend.sales.order_detail(shop.cashier, order_id)
    dialog = ReturnDialog(
        order, lambda request: str(ui_backend.sales.return_items(shop.cashier, request))
    )
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.wait_exposed(dialog)
    dialog.return_everything()
    return dialog


def test_without_a_customer_only_the_original_payment_is_offered(
    qtbot: QtBot, ui_backend: Backend, shop: Shop
) -> None:
    add_funded_account(ui_backend, shop, balance_minor=1_00)  # a stranger's account exists
    draft = cash_sale(shop, [("apple", 1)], 120, 120)
    order_id = checkout.place_order(ui_backend.uow(), shop.cashier, draft).order_id
    dialog = _dialog(qtbot, ui_backend, shop, order_id)
    assert not dialog.account_radio.isEnabled()
    assert dialog.request().account_id is None
    assert dialog.request().refund_to is RefundTo.ORIGINAL
    dialog.account_radio.setChecked(True)  # forced: the service still refuses
    dialog._on_buttons_accepted()
    assert "Attach the customer's account" in dialog.error.text()
    assert ui_backend.sales.order_detail(shop.cashier, order_id).refunded_minor == 0


def test_with_a_customer_the_dialog_refunds_to_that_account_only(
    qtbot: QtBot, ui_backend: Backend, shop: Shop
) -> None:
    account_id, _number = add_funded_account(ui_backend, shop, balance_minor=1_00)
    draft = cash_sale(shop, [("apple", 1)], 120, 120, customer_account_id=account_id)
    order_id = checkout.place_order(ui_backend.uow(), shop.cashier, draft).order_id
    dialog = _dialog(qtbot, ui_backend, shop, order_id)
    assert dialog.account_radio.isEnabled()
    assert "Jane Doe's" in dialog.account_radio.text()
    dialog.account_radio.setChecked(True)
    assert dialog.request().account_id is None  # the service takes the order's own customer
    dialog._on_buttons_accepted()
    assert ui_backend.sales.order_detail(shop.cashier, order_id).refunded_minor == 120
    assert ui_backend.accounts.get(shop.manager, account_id).balance_minor == 2_20
