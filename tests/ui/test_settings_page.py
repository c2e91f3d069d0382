"""Admin users → Settings from the keyboard, and settings the running app applies at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.ui.kit.bus import EventBus
from posapp.ui.main_window import MainWindow
from posapp.ui.staff.idle_lock import IdleLock
from posapp.ui.staff.settings_page import SettingsPage
from posapp.ui.staff.tab import SETTINGS_PAGE, UsersTab
from posapp.ui.staff.tax_rates import TaxRateDialog
from tests.ui.users_support import FakeMonotonic, make_users_tab


def settings_page(qtbot: QtBot, tab: UsersTab) -> SettingsPage:
    tab.activateWindow()
    qtbot.wait_until(tab.isActiveWindow)
    tab.setFocus()
    QTest.keySequence(tab, "Ctrl+Shift+G")
    page = tab.settings_page
    assert page is not None
    qtbot.wait_until(lambda: tab.pages.currentWidget() is page and bool(page.fields))
    return page


def line(page: SettingsPage, key: str) -> QLineEdit:
    editor = page.fields[key].editor
    assert isinstance(editor, QLineEdit)
    return editor


def test_only_admins_get_the_settings(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    assert tab.settings_page is not None
    manager_tab = make_users_tab(qtbot, ui_backend, bus, staff["manager"])
    assert manager_tab.settings_page is None
    manager_tab.show_page(SETTINGS_PAGE)
    assert manager_tab.pages.currentIndex() == 0


def test_groups_values_and_bounds_are_shown(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    ui_backend.shop.change_setting(staff["admin"], "orders.discount_cap_bp", "15")
    page = settings_page(qtbot, make_users_tab(qtbot, ui_backend, bus, staff["admin"]))
    groups = [page.groups.item(row).text() for row in range(page.groups.count())]
    assert groups == [
        "Shop profile",
        "Register",
        "Tax rates",
        "Printer and drawer",
        "Security",
        "Customer accounts",
        "Gift cards",
        "Loyalty points",  # issue #19
        "Region and time",
    ]
    cap = page.fields["orders.discount_cap_bp"]
    assert line(page, "orders.discount_cap_bp").text() == "15"
    assert cap.bounds_label.text() == "A percentage from 0% to 100%. Default: 10%."
    card = page.fields["till.card_details_required"].editor
    assert isinstance(card, QComboBox)
    assert card.currentText() == "Terminal reference and last four"
    coupons = page.fields["offline.coupons"].editor  # the register group (#21)
    assert isinstance(coupons, QComboBox)
    assert coupons.currentText() == "Refuse every coupon"
    assert coupons.findData("shared") > 0
    zone = page.fields["shop_timezone"].editor
    assert isinstance(zone, QComboBox)
    assert zone.findData("Europe/Berlin") > 0
    assert not page.save_button.isEnabled()


def test_edit_and_save_from_the_keyboard(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    admin = staff["admin"]
    page = settings_page(qtbot, make_users_tab(qtbot, ui_backend, bus, admin))
    # The group list has the focus; Down walks to Register, Tab into its first field.
    page.groups.setFocus()
    QTest.keyClick(page.groups, Qt.Key.Key_Down)
    assert page.groups.currentItem().text() == "Register"
    cap = line(page, "orders.discount_cap_bp")
    cap.setFocus()
    cap.selectAll()
    QTest.keyClicks(cap, "12.5")
    address = page.fields["shop.address"].editor
    assert isinstance(address, QPlainTextEdit)
    address.setPlainText("1 High Street\nLondon")
    assert page.status_label.text() == "2 unsaved changes"
    assert page.save_button.isEnabled()
    QTest.keySequence(cap, "Ctrl+S")
    qtbot.wait_until(page.success_label.isVisible)
    assert page.success_label.text() == "Saved 2 changes."
    assert ui_backend.sales.discount_cap_bp() == 1250
    assert ui_backend.shop.shop_profile().address == "1 High Street\nLondon"
    assert page.dirty_keys() == []
    assert not page.save_button.isEnabled()


def test_a_bad_value_is_explained_under_its_field_and_nothing_is_saved(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    page = settings_page(qtbot, make_users_tab(qtbot, ui_backend, bus, staff["admin"]))
    line(page, "shop.vat_number").setText("GB123")
    line(page, "auth.lockout_attempts").setText("0")
    page.save()
    attempts = page.fields["auth.lockout_attempts"]
    assert attempts.error_label.isVisibleTo(page)
    assert attempts.error_label.text() == (
        "'0' is not accepted (expected a whole number from 1 to 100 attempts)."
    )
    assert page.groups.currentItem().text() == "Security"
    assert QApplication.focusWidget() is attempts.editor
    assert page.error_label.text() == "Nothing was saved: correct the value marked in red."
    assert ui_backend.shop.shop_profile().vat_number == ""
    assert ui_backend.shop.setting(staff["admin"], "auth.lockout_attempts").value == "5"

    QTest.keySequence(page, "Ctrl+Shift+R")  # Revert (a button's shortcut clicks it a bit later)
    qtbot.wait_until(lambda: page.dirty_keys() == [])
    assert line(page, "auth.lockout_attempts").text() == "5"
    assert not attempts.error_label.isVisibleTo(page)


def test_a_change_made_elsewhere_shows_up(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    page = settings_page(qtbot, make_users_tab(qtbot, ui_backend, bus, staff["admin"]))
    ui_backend.shop.change_setting(staff["admin"], "auth.lockout_minutes", "45")
    qtbot.wait_until(lambda: line(page, "auth.lockout_minutes").text() == "45")


def test_the_idle_lock_minutes_apply_without_a_restart(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    window = MainWindow(ui_backend, bus, staff["cashier"])
    qtbot.add_widget(window)
    assert window.idle_lock.minutes == 5
    ui_backend.shop.change_setting(staff["admin"], "till.idle_lock_minutes", "0.5")
    qtbot.wait_until(lambda: window.idle_lock.minutes == 0.5)
    ui_backend.shop.change_setting(staff["admin"], "till.idle_lock_minutes", "0")
    qtbot.wait_until(lambda: window.idle_lock.minutes == 0)
    window.idle_lock.stop()


def test_a_shorter_idle_lock_locks_an_open_till_at_once(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    window = MainWindow(ui_backend, bus, staff["cashier"])
    qtbot.add_widget(window)
    clock = FakeMonotonic()
    idle = IdleLock(window, ui_backend.staff, staff["cashier"], minutes=0, clock=clock)
    bus.setting_changed.connect(idle.on_setting_changed)
    clock.advance(90)
    idle.poll()
    assert not idle.is_locked()
    ui_backend.shop.change_setting(staff["admin"], "till.idle_lock_minutes", "1")
    qtbot.wait_until(lambda: idle.minutes == 1)
    idle.poll()  # the 90 idle seconds so far count
    assert idle.is_locked()
    idle.stop()
    window.idle_lock.stop()


def test_the_logo_is_checked_stored_and_removed(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO], tmp_path: Path
) -> None:
    page = settings_page(qtbot, make_users_tab(qtbot, ui_backend, bus, staff["admin"]))
    logo = page.logo
    assert logo.preview.text() == "No logo"
    assert not logo.remove_button.isEnabled()

    bad = tmp_path / "logo.png"
    bad.write_bytes(b"MZ" + bytes(100))
    logo.set_logo_file(str(bad))
    qtbot.wait_until(lambda: logo.error_label.isVisibleTo(page), timeout=10_000)
    assert "program" in logo.error_label.text()
    assert ui_backend.shop.shop_logo() == b""

    good = tmp_path / "good.png"
    Image.new("RGBA", (900, 300), (37, 99, 235, 255)).save(good)
    logo.set_logo_file(str(good))
    qtbot.wait_until(lambda: not logo.is_busy() and logo.remove_button.isEnabled(), timeout=10_000)
    assert not logo.error_label.isVisibleTo(page)
    assert not logo.preview.pixmap().isNull()
    assert page.success_label.text() == "Logo saved."
    assert ui_backend.shop.shop_logo().startswith(b"\x89PNG")

    logo.remove_button.click()
    assert logo.preview.text() == "No logo"
    assert ui_backend.shop.shop_logo() == b""


def test_print_test_page_uses_the_typed_printer_off_the_gui_thread(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO], tmp_path: Path
) -> None:
    page = settings_page(qtbot, make_users_tab(qtbot, ui_backend, bus, staff["admin"]))
    page.groups.setCurrentRow(3)  # Printer and drawer, after Tax rates
    printer = line(page, "orders.receipt_printer")
    assert printer.text() == "none"
    assert page.fields["orders.drawer_kick"].text() == "cash_sales"
    row = page.printer_test
    paper = tmp_path / "printer.bin"
    for typed, shown in (
        (f"file:{paper}", f"Test page sent to file:{paper}."),
        ("network:127.0.0.1:1", "The printer at 127.0.0.1:1 refused the connection"),
        ("lpt1", "'lpt1' names no kind of printer"),
        ("none", "No receipt printer is set up"),
    ):
        printer.setText(typed)
        printer.setFocus()
        QTest.keySequence(printer, "Ctrl+T")  # the button's key (it clicks after a short press)
        label = row.result_label if shown.startswith("Test page") else row.error_label
        qtbot.wait_until(lambda: label.text().startswith(shown), timeout=20_000)  # noqa: B023
        assert "Traceback" not in label.text()
        qtbot.wait_until(lambda: not row.is_busy() and row.button.isEnabled())
    assert b"TEST PAGE" in paper.read_bytes()
    assert (
        ui_backend.shop.setting(staff["admin"], "orders.receipt_printer").value == "none"
    )  # not saved


def test_tax_rates_are_added_edited_and_made_default_from_the_keyboard(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    admin = staff["admin"]
    ui_backend.catalog.add_tax_rate(admin, "Standard VAT", "19", True)
    page = settings_page(qtbot, make_users_tab(qtbot, ui_backend, bus, admin))
    section = page.tax_rates
    assert section is not None
    titles = [page.groups.item(row).text() for row in range(page.groups.count())]
    page.groups.setCurrentRow(titles.index("Tax rates"))
    assert [r.name for r in section.model.rates] == ["Standard VAT"]

    def fill(dialog: TaxRateDialog) -> None:
        dialog.name_edit.setText("Reduced VAT")
        dialog.rate_edit.setText("101")  # refused: the dialog stays open with the reason
        dialog.ok_button.click()
        assert "0 to 100" in dialog.error_label.text()
        dialog.rate_edit.setText("7")
        dialog.ok_button.click()

    _answer_dialog(qtbot, fill)
    section.table.setFocus()
    QTest.keySequence(section, "Ctrl+N")
    qtbot.wait_until(lambda: len(section.model.rates) == 2, timeout=30000)
    section.table.selectRow(1)
    chosen = section.current()
    assert chosen is not None
    assert chosen.name == "Reduced VAT"
    section.default_button.click()
    qtbot.wait_until(lambda: section.model.rates[0].name == "Reduced VAT", timeout=30000)
    assert section.model.rates[0].is_default
    assert [r.is_default for r in ui_backend.catalog.tax_rates(admin)] == [True, False]


def _answer_dialog(qtbot: QtBot, answer: Callable[[TaxRateDialog], None]) -> None:
    """Answer the next tax rate dialog once it is shown (it runs modally)."""

    def check() -> None:
        dialog = next(
            (w for w in QApplication.topLevelWidgets() if isinstance(w, TaxRateDialog)), None
        )
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, check)
            return
        answer(dialog)

    QTimer.singleShot(0, check)
