"""Render the customer, account, staff and notification screens in German (run by hand, #18).

Two go into docs/screenshots/ (Admin users → Settings and Customers); with ``--all DIR`` every
screen and dialog is written to ``DIR`` too, to look for labels that German makes too long.

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_german [--all DIR]
        [--language fr_FR]   # another language: only into DIR, to look at
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication, QWidget

from posapp import i18n
from posapp.services.accounts import AccountDraft, AccountFilter
from posapp.services.backend import Backend
from posapp.services.customers import CustomerDraft
from posapp.services.platform.db import open_database
from posapp.services.staff import Permission, users
from posapp.ui.accounts import AccountsTab, CustomersTab
from posapp.ui.accounts.customer_dialogs import CustomerFormDialog
from posapp.ui.accounts.dialogs import AccountFormDialog, StatusDialog
from posapp.ui.accounts.money_dialogs import TransferDialog, WithdrawDialog
from posapp.ui.accounts.statement import StatementDialog
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.resources import apply_theme
from posapp.ui.notifications.centre import NotificationCentre
from posapp.ui.notifications.outbox_dialogs import PromotionDialog, SmtpSettingsDialog
from posapp.ui.notifications.outbox_view import OutboxView
from posapp.ui.notifications.rules_dialog import NotificationRulesDialog
from posapp.ui.staff.approval_dialog import ApprovalDialog
from posapp.ui.staff.dialogs import AddUserDialog, EditUserDialog
from posapp.ui.staff.language_dialog import LanguageDialog
from posapp.ui.staff.lock_screen import LockScreen
from posapp.ui.staff.tab import AUDIT_PAGE, SETTINGS_PAGE, UsersTab
from posapp.ui.staff.tax_rates import TaxRateDialog
from tests.ui.seed import add_staff, add_store

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _settle() -> None:
    for _round in range(5):
        QApplication.processEvents()


def _grab(widget: QWidget, path: Path, size: tuple[int, int] | None = None) -> Path:
    if size is not None:
        widget.resize(*size)
    widget.show()
    _settle()
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    return path


def _seed(backend: Backend) -> None:
    manager = users.find_user(backend.read_uow(), "manager1")
    for draft in (
        CustomerDraft("Anna Schneider", "+49 30 1234567", "anna@example.de",
                      "Hauptstraße 1\n10115 Berlin", True, "Mag Hafermilch", "vip"),
        CustomerDraft("Bernd Müller", "+49 89 7654321", "bernd@example.de", tags="stammkunde"),
        CustomerDraft("Clara Weiß", tags="großhandel"),
    ):  # fmt: skip
        backend.customers.create(manager, draft)
    backend.accounts.open(manager, AccountDraft("Anna Schneider", "anna@example.de"), "2468")


def _every(every: Path, backend: Backend, bus: EventBus, staff: UsersTab) -> None:
    """Every tab, settings group and dialog of these screens, into ``every``."""
    admin = users.find_user(backend.read_uow(), "admin1")
    manager = users.find_user(backend.read_uow(), "manager1")
    page = staff.settings_page
    assert page is not None
    every.mkdir(parents=True, exist_ok=True)
    for row in range(page.groups.count()):
        page.groups.setCurrentRow(row)
        print(_grab(staff, every / f"settings_{row}.png"))
    staff.show_page(0)
    print(_grab(staff, every / "users.png"))
    staff.show_page(AUDIT_PAGE)
    assert staff.audit_view is not None
    staff.audit_view.load()
    print(_grab(staff, every / "audit.png"))
    accounts = AccountsTab(backend, bus, manager)
    accounts.table.selectRow(0)
    print(_grab(accounts, every / "accounts.png", (1280, 800)))
    api = backend.notifications
    shots: dict[str, QWidget] = {
        "centre": NotificationCentre(api, bus, admin),
        "rules": NotificationRulesDialog(api, admin),
        "outbox": OutboxView(api, bus, admin),
        "smtp": SmtpSettingsDialog(api, admin),
        "customer_dialog": CustomerFormDialog(backend.customers, manager, None),
        "account_dialog": AccountFormDialog(backend.accounts, manager, None),
        "add_user": AddUserDialog(backend.staff, admin),
        "edit_user": EditUserDialog(backend.staff, admin, manager),
        "approval": ApprovalDialog(
            backend.staff, manager, Permission.WITHDRAW_ABOVE_LIMIT, "Anna Schneider: 300,00 €"
        ),
        "language": LanguageDialog(backend.staff, manager),
        "lock": LockScreen(manager, time.monotonic),
        "promotion": PromotionDialog(api, admin),
        "tax_rate": TaxRateDialog(backend.catalog, admin, None, staff),
    }
    account_id = backend.accounts.search(manager, AccountFilter(""))[0]
    stores = backend.accounts.storefronts()
    holder = backend.accounts.get(manager, account_id)
    shots |= {
        "withdraw": WithdrawDialog(backend.accounts, backend.staff, manager, holder, stores),
        "transfer": TransferDialog(backend.accounts, manager, holder),
        "statement": StatementDialog(backend.accounts, manager, holder),
        "freeze": StatusDialog(backend.accounts, manager, holder, "freeze"),
    }
    for name, widget in shots.items():
        print(_grab(widget, every / f"{name}.png"))
        widget.close()


def main(argv: list[str]) -> int:
    every = Path(argv[argv.index("--all") + 1]) if "--all" in argv else None
    language = argv[argv.index("--language") + 1] if "--language" in argv else "de_DE"
    QLocale.setDefault(QLocale(language))
    i18n.set_language(language)
    out = OUT if language == "de_DE" else None  # the docs keep the German ones
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        database = open_database(f"sqlite:///{tmp}/posapp.sqlite3")
        try:
            bus = EventBus()
            backend = Backend(database, bus, register="till-1")
            add_store(backend)
            add_staff(backend)
            _seed(backend)
            admin = users.find_user(backend.read_uow(), "admin1")
            manager = users.find_user(backend.read_uow(), "manager1")

            customers = CustomersTab(backend, bus, manager)
            customers.resize(1280, 800)
            customers.show()
            _settle()
            customers.search_edit.setText("Anna")
            for _round in range(40):  # the search waits 250 ms after the last key
                QApplication.processEvents()
                customers.thread().msleep(20)
            customers.table.selectRow(0)
            print(_grab(customers, (out or every or OUT) / "de_customers.png"))

            staff = UsersTab(backend, bus, admin)
            staff.resize(1280, 800)
            staff.show_page(SETTINGS_PAGE)
            page = staff.settings_page
            assert page is not None
            _settle()
            page.groups.setCurrentRow(4)  # Security
            print(_grab(staff, (out or every or OUT) / "de_settings.png"))

            if every is not None:
                _every(every, backend, bus, staff)
        finally:
            database.dispose()
    i18n.set_language("en")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
