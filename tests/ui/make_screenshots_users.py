"""Render the staff screens into docs/screenshots/ (run by hand, not by pytest).

The Admin users tab (staff of two stores), the edit dialog with its Store field, the manager
approval dialog, the till's lock screen, the audit view, and Admin users → Settings (the shop
profile filled in, the Register group, the printer group after a failed test page, a refused
value in the Security group).

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_users
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image, ImageDraw, ImageFont
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication, QLineEdit, QScrollArea, QWidget

from posapp.services.backend import Backend
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.db import open_database
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.staff import users
from posapp.services.staff.permissions import Permission
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.resources import apply_theme
from posapp.ui.main_window import MainWindow
from posapp.ui.staff.approval_dialog import ApprovalDialog
from posapp.ui.staff.dialogs import EditUserDialog
from posapp.ui.staff.settings_page import SettingsPage
from posapp.ui.staff.tab import AUDIT_PAGE, SETTINGS_PAGE, UsersTab
from tests.ui.seed import PASSWORD, add_staff, add_store

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MORE_STAFF = (  # username, role, full name, password, home store (None: all stores)
    ("jbaker", "cashier", "Jordan Baker", "4321", "MAIN"),
    ("mnakamura", "cashier", "Mei Nakamura", "7788", "RIVR"),
    ("okafor", "manager", "Chidi Okafor", PASSWORD, "RIVR"),
    ("lfischer", "cashier", "Lena Fischer", "5050", "MAIN"),
    ("rpatel", "admin", "Ravi Patel", PASSWORD, None),
    ("tsilva", "cashier", "Tomás Silva", "2468", "RIVR"),
)


def _settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def _grab(widget: QWidget, name: str) -> Path:
    widget.show()
    _settle()
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    return path


class _Clock:
    """A clock that starts a week ago and ticks a few minutes per call: a believable history."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) - timedelta(days=6, hours=3)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=37)
        return self.now


def _history(backend: Backend, stores: dict[str, int]) -> None:
    """Staff of a two-store shop with a week of changes, log-ins and a lock-out."""
    backend.clock = _Clock()
    staff = add_staff(backend)
    admin = staff["admin"]
    users.update_user(backend.uow(), admin, staff["manager"].id, store_id=stores["MAIN"])
    added = {}
    for username, role, full_name, secret, store in MORE_STAFF:
        added[username] = users.add_user(
            backend.uow(),
            admin,
            username,
            secret,
            role,
            full_name=full_name,
            store_id=None if store is None else stores[store],
        )
    for name, secret in (("cashier1", PASSWORD), ("manager1", PASSWORD), ("jbaker", "4321")):
        backend.staff.login(name, secret)
    users.update_user(backend.uow(), admin, added["okafor"].id, full_name="Chidi Okafor-Reyes")
    users.set_active(backend.uow(), admin, added["lfischer"].id, False)
    users.reset_password(backend.uow(), admin, added["tsilva"].id, "9753")
    backend.clock = lambda: datetime.now(UTC) - timedelta(minutes=3)
    for _ in range(5):  # a lock-out that is still running
        with contextlib.suppress(ServiceError):
            backend.staff.login("mnakamura", "0000")
    backend.clock = lambda: datetime.now(UTC) - timedelta(minutes=1)
    with backend.uow() as uow:  # what the register will record for an approved override
        uow.audit(
            AuditRecord(
                "order.price_override",
                staff["cashier"].id,
                "order",
                1042,
                {"unit_price_minor": 249},
                {"unit_price_minor": 199},
                approver_id=staff["manager"].id,
                reason="Damaged carton",
            )
        )
        uow.commit()
    backend.clock = lambda: datetime.now(UTC)
    backend.staff.login("admin1", PASSWORD)


SHOP_PROFILE = {
    "shop.legal_name": "Corner Shop Ltd",
    "shop.address": "1 High Street\nLondon N1 1AA",
    "shop.vat_number": "GB 123 4567 89",
    "shop.receipt_header": "Open every day 8:00–20:00",
    "shop.receipt_footer": "Thank you! Returns within 30 days with this receipt.",
}


def _logo_file() -> Path:
    """A made-up logo: a blue badge with the shop's initials, beside its name."""
    image = Image.new("RGBA", (840, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 200, 200), radius=44, fill=(37, 99, 235, 255))
    font = ImageFont.truetype("DejaVuSans-Bold.ttf", 96)
    draw.text((100, 100), "CS", font=font, fill="white", anchor="mm")
    draw.text((236, 100), "Corner Shop", font=ImageFont.truetype("DejaVuSans-Bold.ttf", 72),
              fill=(23, 32, 44, 255), anchor="lm")  # fmt: skip
    path = Path(tempfile.mkdtemp()) / "logo.png"
    image.save(path)
    return path


def _grab_settings(tab: UsersTab, window: QWidget, backend: Backend, admin: UserDTO) -> list[Path]:
    """Settings: the shop profile, the Register group, and a refused value (Security)."""
    backend.shop.change_settings(admin, SHOP_PROFILE)
    backend.shop.set_logo(admin, _logo_file())
    tab.show_page(SETTINGS_PAGE)
    page = tab.settings_page
    assert page is not None
    paths = [_grab(window, "settings_profile.png")]
    scroll = page.pages.currentWidget()
    assert isinstance(scroll, QScrollArea)
    scroll.ensureWidgetVisible(page.logo)
    paths.append(_grab(window, "settings_logo.png"))
    _group(page, "Register")
    paths.append(_grab(window, "settings_register.png"))
    paths.append(_grab_printer(page, window, backend, admin))
    paths.extend(_grab_region_and_taxes(page, window, backend, admin))
    _group(page, "Security")
    for key, text in (("auth.lockout_attempts", "0"), ("till.idle_lock_minutes", "2")):
        editor = page.fields[key].editor
        assert isinstance(editor, QLineEdit)
        editor.setText(text)
    page.save()
    paths.append(_grab(window, "settings_refused.png"))
    page.revert()
    return paths


def _group(page: SettingsPage, title: str) -> None:
    titles = [page.groups.item(row).text() for row in range(page.groups.count())]
    page.groups.setCurrentRow(titles.index(title))


def _grab_region_and_taxes(
    page: SettingsPage, window: QWidget, backend: Backend, admin: UserDTO
) -> list[Path]:
    """Region and time (a Berlin shop in German formats, weeks from Monday), then Tax rates."""
    backend.shop.change_settings(
        admin,
        {"shop.locale": "de_DE", "shop_timezone": "Europe/Berlin",
         "shop.first_day_of_week": "monday"},
    )  # fmt: skip
    page.load()
    _group(page, "Region and time")
    paths = [_grab(window, "settings_region.png")]
    backend.shop.change_settings(admin, {"shop.locale": "", "shop.first_day_of_week": "locale"})
    for name, rate, included in (("Standard VAT", "19", True), ("Reduced VAT", "7", True),
                                 ("Sales tax (added)", "8.25", False)):  # fmt: skip
        backend.catalog.add_tax_rate(admin, name, rate, included)
    page.load()
    _group(page, "Tax rates")
    paths.append(_grab(window, "settings_tax_rates.png"))
    return paths


def _grab_printer(page: SettingsPage, window: QWidget, backend: Backend, admin: UserDTO) -> Path:
    """Printer and drawer: a network printer that is switched off, after Print test page."""
    backend.shop.change_setting(admin, "orders.receipt_printer", "network:192.0.2.50:9100")
    page.load()
    _group(page, "Printer and drawer")
    page.printer_test.print_test_page()
    while page.printer_test.is_busy():
        _settle()
    return _grab(window, "settings_printer.png")


def _grab_store_dialog(tab: UsersTab, backend: Backend) -> Path:
    """The Edit dialog of a manager of Riverside, its Store field focused."""
    panel = tab.users_panel
    panel.select_user(users.find_user(backend.read_uow(), "okafor").id)
    panel.edit_user()
    dialog = panel.active_dialog
    assert isinstance(dialog, EditUserDialog)
    dialog.store_combo.setFocus()
    path = _grab(dialog, "user_store_dialog.png")
    dialog.reject()
    return path


def main() -> int:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        database = open_database(f"sqlite:///{tmp}/posapp.sqlite3")
        try:
            bus = EventBus()
            backend = Backend(database, bus, register="till-1")
            stores = {"MAIN": add_store(backend), "RIVR": add_store(backend, "Riverside", "RIVR")}
            _history(backend, stores)
            admin = users.find_user(backend.read_uow(), "admin1")
            cashier = users.find_user(backend.read_uow(), "cashier1")

            window = MainWindow(backend, bus, admin)
            window.toasts.clear()
            window.tabs.setCurrentIndex(window.tab_titles().index("Admin users"))
            tab = window.tabs.currentWidget()
            assert isinstance(tab, UsersTab)
            tab.users_panel.select_user(users.find_user(backend.read_uow(), "mnakamura").id)
            print(_grab(window, "admin_users.png"))
            print(_grab_store_dialog(tab, backend))

            tab.show_page(AUDIT_PAGE)
            assert tab.audit_view is not None
            tab.audit_view.load()
            tab.audit_view.verify_chain()
            while tab.audit_view.is_busy():
                _settle()
            print(_grab(window, "audit_log.png"))
            for path in _grab_settings(tab, window, backend, admin):
                print(path)
            window.close()

            till = MainWindow(backend, bus, cashier)
            till.toasts.clear()
            till.idle_lock.lock()
            print(_grab(till, "lock_screen.png"))
            till.close()

            dialog = ApprovalDialog(
                backend.staff,
                cashier,
                Permission.OVERRIDE_PRICE,
                "Override the price of Oat milk 1 L from $2.49 to $1.99.",
            )
            dialog.username_edit.setText("manager1")
            dialog.password_edit.setText(PASSWORD)
            dialog.reason_edit.setText("Damaged carton, customer agreed")
            dialog.reason_edit.setFocus()
            print(_grab(dialog, "approval_dialog.png"))
            dialog.close()
        finally:
            database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
