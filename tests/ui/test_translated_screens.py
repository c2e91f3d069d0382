"""The Customers, Accounts, Admin users and notification screens in German (#18), and an admin
setting another user's language in the user editor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posapp import i18n
from posapp.models import AuditEntry
from posapp.services.backend import Backend
from posapp.services.notifications import NotificationsApi
from posapp.services.platform.dto import UserDTO
from posapp.ui.accounts import AccountsTab, CustomersTab
from posapp.ui.kit.bus import EventBus
from posapp.ui.notifications.centre import NotificationCentre
from posapp.ui.notifications.outbox_view import OutboxView
from posapp.ui.notifications.rules_dialog import NotificationRulesDialog
from posapp.ui.staff.dialogs import EditUserDialog
from posapp.ui.staff.tab import SETTINGS_PAGE, UsersTab
from tests.ui.users_support import make_users_tab, open_dialog, submit

pytestmark = pytest.mark.ui


@pytest.fixture
def german() -> Iterator[None]:
    """Screens built in German; English again afterwards (the other tests read English)."""
    assert i18n.set_language("de_DE") == "de"
    yield
    i18n.set_language("en")


def shown_texts(widget: QWidget) -> set[str]:
    """Every text a person reads in ``widget``: labels, buttons, fields, lists and headers."""
    found: set[str] = set()
    for label in widget.findChildren(QLabel):
        found.add(label.text())
    for button in widget.findChildren(QAbstractButton):
        found |= {button.text(), button.toolTip()}
    for edit in widget.findChildren(QLineEdit):
        found.add(edit.placeholderText())
    for combo in widget.findChildren(QComboBox):
        found |= {combo.itemText(i) for i in range(combo.count())}
    for listing in widget.findChildren(QListWidget):
        found |= {listing.item(i).text() for i in range(listing.count())}
    for view in widget.findChildren(QAbstractItemView):
        model = view.model()
        if not isinstance(view, QListView):
            found |= {
                str(model.headerData(c, Qt.Orientation.Horizontal))
                for c in range(model.columnCount())
            }
    found.discard("")
    return found


def assert_shows(widget: QWidget, *wanted: str, never: tuple[str, ...] = ()) -> None:
    texts = shown_texts(widget)
    missing = [w for w in wanted if w not in texts]
    assert not missing, f"not shown: {missing}; shown: {sorted(texts)[:80]}"
    english = [e for e in never if e in texts]
    assert not english, f"still English: {english}"


def build(qtbot: QtBot, widget: QWidget) -> QWidget:
    qtbot.add_widget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.wait_exposed(widget)
    return widget


def test_the_customer_and_account_tabs_speak_german(
    qtbot: QtBot, german: None, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    customers = build(qtbot, CustomersTab(ui_backend, bus, staff["manager"]))
    assert_shows(
        customers,
        "Kunden",
        "Neuer Kunde",
        "Einkäufe",
        "Telefon",  # a column of the list
        "Kunde seit",
        never=("Customers", "Purchase history", "Customer since", "Phone"),
    )
    accounts = build(qtbot, AccountsTab(ui_backend, bus, staff["manager"]))
    assert_shows(
        accounts,
        "Kundenkonten",
        "Alle Status",
        "Eingefroren",
        "Inhaber",
        "Saldo",
        "Kundenkonto auswählen",
        never=("Accounts", "All statuses", "Holder", "Balance"),
    )


def test_admin_users_audit_and_settings_speak_german(
    qtbot: QtBot, german: None, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    tab: UsersTab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    assert_shows(
        tab,
        "Benutzer",
        "Prüfprotokoll",
        "Einstellungen",
        "BENUTZERNAME",
        "Alle Rollen",
        "Kassierer",  # a role, in the list and the filter
        never=("Users", "Audit log", "Settings", "USERNAME", "All roles"),
    )
    tab.show_page(SETTINGS_PAGE)
    page = tab.settings_page
    assert page is not None
    qtbot.wait_until(lambda: bool(page.fields))
    assert_shows(
        page,
        "Geschäftsprofil",
        "Sicherheit",
        "Steuersätze",
        "Firmenname",
        "Automatische Sperre",
        "Änderungen speichern",
        never=("Shop profile", "Security", "Legal name", "Save changes"),
    )


def test_the_notification_screens_speak_german(
    qtbot: QtBot, german: None, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    api: NotificationsApi = ui_backend.notifications
    centre = build(qtbot, NotificationCentre(api, bus, staff["admin"]))
    assert_shows(centre, "Benachrichtigungen", "Alle Arten", never=("Notifications",))
    rules = build(qtbot, NotificationRulesDialog(api, staff["admin"]))
    assert_shows(
        rules,
        "Benachrichtigungsregeln",
        "Benachrichtigen, wenn",
        "Schwelle",
        never=("Notify when", "Threshold"),
    )
    outbox = build(qtbot, OutboxView(api, bus, staff["admin"]))
    assert_shows(outbox, "E-Mail-Postausgang", "Betreff", "Alle E-Mails", never=("Subject",))


def test_an_admin_sets_another_users_language_in_the_editor(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    admin, cashier = staff["admin"], staff["cashier"]
    tab = make_users_tab(qtbot, ui_backend, bus, admin)
    panel = tab.users_panel
    panel.select_user(cashier.id)
    dialog = open_dialog(qtbot, panel, panel.edit_button)
    assert isinstance(dialog, EditUserDialog)
    combo = dialog.locale_combo
    assert combo.currentData() == ""  # follows the shop's
    assert combo.currentText() == "As the shop (its locale)"
    combo.setCurrentIndex(combo.findData("de_DE"))
    submit(qtbot, dialog, dialog.ok_button)
    assert ui_backend.staff.find_user(cashier.username).locale == "de_DE"
    with ui_backend.read_uow() as uow:
        audited = uow.session.execute(
            select(AuditEntry.user_id, AuditEntry.object_id).where(
                AuditEntry.action == "user.locale"
            )
        ).all()
    assert audited == [(admin.id, cashier.id)]
    # Saving again without touching the language writes no second row.
    panel.select_user(cashier.id)
    dialog = open_dialog(qtbot, panel, panel.edit_button)
    assert isinstance(dialog, EditUserDialog)
    assert dialog.locale_combo.currentData() == "de_DE"
    QTest.keyClicks(dialog.full_name_edit, " Jr")
    submit(qtbot, dialog, dialog.ok_button)
    with ui_backend.read_uow() as uow:
        count = len(
            uow.session.execute(
                select(AuditEntry.id).where(AuditEntry.action == "user.locale")
            ).all()
        )
    assert count == 1
