"""The screens speak the user's language, else the shop's, and follow a change at once (#18)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QLocale
from pytestqt.qtbot import QtBot

from posapp.i18n import language
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.ui.app_runner import SessionController
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.region import use_language
from posapp.ui.main_window import MainWindow
from tests.checkout_seed import CASHIER_PIN, Shop
from tests.ui.cashier_driver import APPLE, register_of
from tests.ui.helpers import log_in
from tests.ui.seed import PASSWORD

pytestmark = pytest.mark.ui


@pytest.fixture
def session(ui_backend: Backend, bus: EventBus) -> Iterator[SessionController]:
    before = QLocale()
    controller = SessionController(ui_backend, bus)
    yield controller
    controller.shutdown()
    use_language("en")  # Qt's own translation too (conftest resets posapp's)
    QLocale.setDefault(before)  # the user's or the shop's locale, applied by the main window


def _window(session: SessionController) -> MainWindow:
    window = session.main_window
    assert window is not None
    return window


def test_the_users_own_language_and_back_to_the_shops_at_log_out(
    qtbot: QtBot, ui_backend: Backend, session: SessionController, staff: dict[str, UserDTO]
) -> None:
    ui_backend.staff.set_user_locale(staff["admin"], staff["cashier"].id, "fr_FR")
    session.start()
    log_in(qtbot, session.login_dialog, "cashier1", PASSWORD)  # type: ignore[arg-type]
    qtbot.wait_until(lambda: session.main_window is not None)
    window = _window(session)
    assert language() == "fr"
    assert "Commandes" in window.tab_titles()
    assert "Orders" in window.tab_keys()  # code names tabs in English
    assert window.show_tab("Orders") is window.show_tab("Commandes")
    assert window.logout_action.text() == "Se déconnecter"

    window.logout_action.trigger()
    qtbot.wait_until(lambda: session.login_dialog is not None)
    assert language() == "en"  # nobody logged in: the shop's (none), else the machine's
    assert session.login_dialog.sign_in_button.text() == "Sign in"  # type: ignore[union-attr]


def test_a_new_shop_language_rebuilds_the_window_and_parks_the_sale(
    qtbot: QtBot, ui_backend: Backend, session: SessionController, cashier_shop: Shop
) -> None:
    session.start()
    log_in(qtbot, session.login_dialog, "till", CASHIER_PIN)  # type: ignore[arg-type]
    qtbot.wait_until(lambda: session.main_window is not None)
    before = _window(session)
    register = register_of(before)
    register.flow.receipt_sink = lambda _number, _pdf: None
    assert register.scan(APPLE)
    assert before.tabs.tabText(before.tabs.currentIndex()) == "Orders"

    ui_backend.shop.change_setting(cashier_shop.staff["admin"], "shop.locale", "de_DE")
    qtbot.wait_until(lambda: session.main_window not in (None, before), timeout=30_000)
    after = _window(session)
    assert language() == "de"
    assert after.tabs.tabText(after.tabs.currentIndex()) == "Bestellungen"
    assert register_of(after).pay_button.text() == "Bezahlen   F12"
    parked = ui_backend.sales.parked(after.user)
    assert [sale.item_count for sale in parked] == [1]  # the sale in progress was kept


def test_qt_speaks_the_language_too(qtbot: QtBot) -> None:
    """Standard buttons come from Qt's own catalog (qtbase_<lang>.qm shipped with PySide6)."""
    from PySide6.QtWidgets import QDialogButtonBox

    try:
        use_language("de_DE")
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        qtbot.add_widget(box)
        assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Abbrechen"
        use_language("es_ES")
        box2 = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        qtbot.add_widget(box2)
        assert box2.button(QDialogButtonBox.StandardButton.Cancel).text() == "Cancelar"
    finally:
        use_language("en")
    box3 = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    qtbot.add_widget(box3)
    assert box3.button(QDialogButtonBox.StandardButton.Cancel).text() == "Cancel"
