"""The Customers tab and its dialogs on a real SQLite backend (pytest-qt)."""

from __future__ import annotations

import json
import os
import stat
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from posapp.services.accounts import AccountDraft
from posapp.services.backend import Backend
from posapp.services.customers import CustomerDraft
from posapp.services.platform.dto import UserDTO
from posapp.services.sales import checkout
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.ui.accounts import CustomersTab
from posapp.ui.accounts.customer_dialogs import CustomerFormDialog, EraseDialog
from posapp.ui.accounts.customer_models import HISTORY_COLUMNS, signed_points
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.lifetime import one_use
from tests.checkout_seed import Shop

pytestmark = pytest.mark.ui
SCREENSHOT = os.environ.get("POSAPP_SCREENSHOT_DIR", "")


def _tab(qtbot: QtBot, backend: Backend, bus: EventBus, user: UserDTO) -> CustomersTab:
    tab = CustomersTab(backend, bus, user)
    qtbot.add_widget(tab)
    tab.resize(1280, 800)
    tab.show()
    qtbot.wait_exposed(tab)
    tab.activateWindow()
    tab.search_edit.setFocus()
    qtbot.wait_until(tab.search_edit.hasFocus)
    return tab


def _seed(backend: Backend, shop: Shop) -> int:
    manager = shop.staff["manager"]
    api = backend.customers
    api.create(
        manager,
        CustomerDraft(
            "Ann O'Brien",
            "+44 7700 900123",
            "ann@example.com",
            "1 High Street\nLittle Town",
            True,
            "Prefers oat milk",
            "vip, wholesale",
        ),
    )
    for name in ("Bob Baker", "Cleo Chen", "Dev Patel"):
        api.create(manager, CustomerDraft(name, tags="regular"))
    account = backend.accounts.open(
        manager, AccountDraft("Erin Holder", "erin@example.com"), "2468"
    )
    price = shop.items["cake"].price_minor
    for _ in range(3):
        checkout.place_order(
            backend.uow(),
            shop.staff["cashier"],
            SaleDraft(
                sale_uuid=uuid.uuid4(),
                lines=(DraftLine(1, shop.products["cake"], 1),),
                payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, price, price),),
                customer_account_id=account.id,
            ),
        )
    return account.id


def test_search_by_any_field_shows_details_and_paged_history(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, cashier_shop: Shop, tmp_path: Path
) -> None:
    _seed(ui_backend, cashier_shop)
    tab = _tab(qtbot, ui_backend, bus, cashier_shop.staff["manager"])
    assert tab.model.rowCount() == 5
    QTest.keyClicks(tab.search_edit, "oat milk")
    qtbot.wait_until(lambda: tab.model.rowCount() == 1, timeout=5000)
    QTest.keyClick(tab.search_edit, Qt.Key.Key_Return)
    tab.table.selectRow(0)
    qtbot.wait_until(lambda: tab.customer is not None and tab.customer.name == "Ann O'Brien")
    assert tab.detail_labels["tags"].text() == "vip, wholesale"
    assert tab.detail_labels["offers"].text() == "Yes"
    tab.search_edit.setText("erin")
    tab.search_now()
    tab.table.selectRow(0)
    qtbot.wait_until(lambda: tab.history.rowCount() == 3, timeout=5000)
    assert tab.detail_labels["accounts"].text().endswith("(open)")
    if SCREENSHOT:
        tab.grab().save(str(Path(SCREENSHOT) / "customers_tab.png"))
    out = tmp_path / "erin.json"
    tab.export_to(out)
    qtbot.wait_until(out.exists, timeout=10_000)
    qtbot.wait_until(tab.success_label.isVisible, timeout=10_000)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert len(json.loads(out.read_text(encoding="utf-8"))["orders"]) == 3


def test_new_edit_and_erase_through_the_dialogs(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, cashier_shop: Shop
) -> None:
    manager = cashier_shop.staff["manager"]
    api = ui_backend.customers
    with one_use(CustomerFormDialog(api, manager)) as dialog:
        dialog.name_edit.setText("Zoë\tTab")
        dialog.ok_button.click()
        assert "control codes" in dialog.error_label.text()
        dialog.name_edit.setText("Zoë Quinn")
        dialog.phone_edit.setText("0770 CALL ME")
        dialog.ok_button.click()
        assert "letters" in dialog.error_label.text()
        if SCREENSHOT:
            dialog.show()
            qtbot.wait_exposed(dialog)
            dialog.grab().save(str(Path(SCREENSHOT) / "customer_dialog.png"))
        dialog.phone_edit.setText("07700 900 555")
        dialog.tags_edit.setText("VIP")
        dialog.ok_button.click()
        assert dialog.customer is not None
        created = dialog.customer
    assert created.tags == ("vip",)
    with one_use(EraseDialog(api, manager, created, None)) as erase:
        erase.ok_button.click()
        assert "Say why" in erase.error_label.text()
        erase.reason_edit.setText("Her request by email")
        erase.ok_button.click()
        assert erase.erased is not None
    assert api.search(manager, "Zoë") == []


def test_a_cashier_sees_customers_but_cannot_change_them(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, cashier_shop: Shop
) -> None:
    _seed(ui_backend, cashier_shop)
    tab = _tab(qtbot, ui_backend, bus, cashier_shop.staff["cashier"])
    tab.table.selectRow(0)
    qtbot.wait_until(lambda: tab.customer is not None)
    for action in (tab.new_action, tab.edit_action, tab.export_action, tab.erase_action):
        assert not action.isEnabled()
    assert tab.history.rowCount() == 0


def test_the_detail_shows_the_customers_loyalty_points(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, cashier_shop: Shop
) -> None:
    _seed(ui_backend, cashier_shop)
    [ann] = ui_backend.customers.search(cashier_shop.staff["manager"], "oat milk")
    ui_backend.loyalty.adjust(cashier_shop.staff["manager"], ann.id, 1250, "welcome gift")
    tab = _tab(qtbot, ui_backend, bus, cashier_shop.staff["manager"])
    QTest.keyClicks(tab.search_edit, "oat milk")
    qtbot.wait_until(lambda: tab.model.rowCount() == 1, timeout=30_000)
    tab.table.selectRow(0)
    qtbot.wait_until(lambda: tab.customer is not None, timeout=30_000)
    assert tab.detail_labels["points"].text() == "1,250 points"


def test_the_history_shows_each_orders_net_points() -> None:
    assert HISTORY_COLUMNS[-1].key == "points"
    assert (signed_points(0), signed_points(120), signed_points(-1500)) == ("", "+120", "−1,500")
