"""The shop currency in the UI: ¥ without decimals, KWD with three; set on the Settings page.

Set ``POSAPP_SCREENSHOT_DIR`` to keep the grabs of the JPY register and payment dialog
(docs/screenshots/register_jpy.png and payment_jpy.png were made so).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QDialog, QWidget
from pytestqt.qtbot import QtBot

from posapp.events import SettingChanged
from posapp.money import current_currency
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.settings import put_setting
from posapp.services.sales import PaymentKind
from posapp.services.shop import CURRENCY_KEY
from posapp.ui.kit.bus import EventBus
from posapp.ui.main_window import MainWindow
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import currency_shop, seed_shop
from tests.ui.cashier_driver import open_register
from tests.ui.test_register import answering, scan
from tests.ui.test_settings_page import settings_page
from tests.ui.users_support import make_users_tab

pytestmark = pytest.mark.ui

BIG, SMALL = "4900000000011", "4900000000028"
SHOTS = os.environ.get("POSAPP_SCREENSHOT_DIR", "")


@dataclass(frozen=True)
class Case:
    code: str
    prices: tuple[int, int]
    card_typed: str  # what the cashier types for the card part
    cash_typed: str  # and for the cash handed over
    total: str
    left_after_card: str
    prefilled: str  # the rest, put in the amount field for cash
    change: str
    refused: str  # an amount with too many decimals
    refusal: str


CASES = (
    Case(
        "JPY",
        (1000, 372),
        "1000",
        "300",
        "¥1,235",
        "¥235",
        "235",
        "¥65",
        "2.5",
        "No decimals in JPY",
    ),
    Case(
        "EUR",
        (100000, 37173),
        "1000",
        "250",
        "€1,234.56",
        "€234.56",
        "234.56",
        "€15.44",
        "2.505",
        "At most 2 decimals",
    ),
    Case(
        "KWD",
        (1_000_000, 371_741),
        "1000",
        "250",
        "KWD\xa01,234.567",
        "KWD\xa0234.567",
        "234.567",
        "KWD\xa015.433",
        "2.5005",
        "At most 3 decimals",
    ),
)


@pytest.fixture(autouse=True)
def english_us() -> Iterator[None]:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(QLocale.c())


def _register(qtbot: QtBot, backend: Backend, bus: EventBus, case: Case) -> RegisterView:
    shop = currency_shop(backend, case.code, case.prices, (BIG, SMALL))
    return open_register(qtbot, RegisterView(backend.sales, bus, shop.cashier))


def _grab(widget: QWidget, name: str) -> None:
    if SHOTS:
        assert widget.grab().save(str(Path(SHOTS) / name))


@pytest.mark.parametrize("case", CASES, ids=[case.code for case in CASES])
def test_the_register_and_payment_dialog_show_the_currency(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, case: Case
) -> None:
    register = _register(qtbot, ui_backend, bus, case)
    scan(qtbot, register, BIG)
    scan(qtbot, register, SMALL)

    def coupon(dialog: QDialog) -> None:
        QTest.keyClicks(dialog.focusWidget(), "SPRING-10")
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)  # empty: close

    with answering(coupon):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_F8)
    qtbot.wait_until(register.isActiveWindow)
    assert register.totals.total_text == case.total
    if case.code == "JPY":
        _grab(register, "register_jpy.png")

    def pay(dialog: QDialog) -> None:
        assert isinstance(dialog, PaymentDialog)
        qtbot.wait_until(dialog.isActiveWindow)
        assert dialog.due_label.text() == case.total
        dialog.amount_edit.selectAll()  # cash: too many decimals for the currency
        QTest.keyClicks(dialog.amount_edit, case.refused)
        QTest.keyClick(dialog.amount_edit, Qt.Key.Key_Return)
        assert dialog.error.text().startswith(case.refusal)
        assert dialog.tenders == []
        QTest.keyClick(dialog, Qt.Key.Key_F2)
        assert dialog.method is PaymentKind.CARD
        dialog.amount_edit.selectAll()
        QTest.keyClicks(dialog.amount_edit, case.card_typed)
        QTest.keyClick(dialog.amount_edit, Qt.Key.Key_Return)
        QTest.keyClicks(dialog.last4_edit, "4242")
        QTest.keyClicks(dialog.reference_edit, "AUTH 829311")
        QTest.keyClick(dialog.reference_edit, Qt.Key.Key_Return)
        assert dialog.left_label.text() == case.left_after_card
        assert dialog.amount_edit.text() == case.prefilled
        if case.code == "JPY":
            _grab(dialog, "payment_jpy.png")
        dialog.amount_edit.selectAll()
        QTest.keyClicks(dialog.amount_edit, case.cash_typed)
        QTest.keyClick(dialog.amount_edit, Qt.Key.Key_Return)
        assert dialog.placed is not None
        assert dialog.change_label.text() == case.change
        qtbot.wait_until(dialog.isActiveWindow)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)  # Enter: the next sale

    with answering(pay):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_F12)
    qtbot.wait_until(register.isActiveWindow)
    assert register.change.amount.text() == case.change


def test_the_settings_page_sets_the_currency_and_refuses_it_once_money_exists(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    page = settings_page(qtbot, make_users_tab(qtbot, ui_backend, bus, staff["admin"]))
    field = page.fields[CURRENCY_KEY]
    combo = field.editor
    assert isinstance(combo, QComboBox)
    assert combo.currentData() == ""
    combo.setCurrentIndex(combo.findData("JPY"))
    assert combo.currentText() == "JPY – Japanese Yen"
    QTest.keySequence(combo, "Ctrl+S")
    qtbot.wait_until(page.success_label.isVisible)
    assert current_currency().code == "JPY"  # this register formats in yen at once

    seed_shop(ui_backend, staff=staff)  # products with prices: money
    combo.setCurrentIndex(combo.findData("KWD"))
    page.save()
    assert field.error_label.isVisibleTo(page)
    assert field.error_label.text().startswith("This database already holds money in JPY")
    assert current_currency().code == "JPY"
    assert ui_backend.shop.setting(staff["admin"], CURRENCY_KEY).value == "JPY"
    _grab(page, "settings_currency_refused.png")


def test_the_main_window_applies_a_currency_set_on_another_register(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, cashier_window: MainWindow
) -> None:
    with ui_backend.uow() as uow:  # as another register would have stored it
        put_setting(uow, CURRENCY_KEY, "KWD")
        uow.commit()
    assert current_currency().code == ""
    bus(SettingChanged(key=CURRENCY_KEY, username="admin1", at=datetime.now(UTC)))  # relayed
    qtbot.wait_until(lambda: current_currency().code == "KWD", timeout=10_000)
    assert current_currency().digits == 3
