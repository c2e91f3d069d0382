"""The outbox view, the promotion dialog and the mail server dialog on a real SQLite backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posapp.models import (
    CouponCampaign,
    CouponCode,
    Customer,
    CustomerAccount,
    LedgerAccount,
    OutboxEmail,
)
from posapp.models.base import utcnow
from posapp.services.notifications.outbox_dto import SmtpSettings
from posapp.services.platform.cards import CARD_NUMBER_REFUSED
from posapp.services.platform.db import Database
from posapp.services.platform.settings import get_setting
from posapp.ui.kit.bus import EventBus
from posapp.ui.notifications.outbox_dialogs import PromotionDialog, SmtpSettingsDialog
from posapp.ui.notifications.outbox_view import OutboxTableModel, OutboxView
from tests.ui.notification_ui_support import Shop, open_shop

pytestmark = pytest.mark.ui


@pytest.fixture
def shop(sqlite_database: Database, bus: EventBus, tmp_path: Path) -> Iterator[Shop]:
    yield from open_shop(sqlite_database, bus, tmp_path)


def add_customers(shop: Shop, count: int) -> None:
    with shop.backend.uow() as uow:
        for i in range(count):
            ledger = LedgerAccount(kind="customer", name=f"C{i}")
            uow.session.add(ledger)
            uow.flush()
            # The consent is the customer's (issue #19): the account shows it.
            customer = Customer(name=f"Customer <i>{i}</i>", marketing_opt_in=True)
            uow.session.add(customer)
            uow.flush()
            uow.session.add(
                CustomerAccount(
                    number=f"5{i:07d}",
                    ledger_account_id=ledger.id,
                    holder_name=f"Customer <i>{i}</i>",
                    email=f"c{i}@example.com",
                    customer_id=customer.id,
                )
            )
        uow.commit()


def add_failed_and_sent(shop: Shop) -> None:
    now = utcnow()
    with shop.backend.uow() as uow:
        for status, error in (("failed", "Recipient refused: 550 No such user"), ("sent", "")):
            uow.session.add(
                OutboxEmail(
                    to_address=f"{status}@example.com",
                    subject=f"Subject {status}",
                    body=f"Body of the {status} one",
                    kind="order_ready",
                    status=status,
                    attempts=8 if status == "failed" else 1,
                    last_error=error,
                    created_at=now,
                )
            )
        uow.commit()


def select_row(view: OutboxView, row: int) -> None:
    """Select a row like a click without modifiers (selectRow() reads the keyboard state)."""
    flags = QItemSelectionModel.SelectionFlag
    view.table.selectionModel().select(view.model.index(row, 0), flags.ClearAndSelect | flags.Rows)


def make_view(qtbot: QtBot, shop: Shop, bus: EventBus, role: str = "admin") -> OutboxView:
    view = OutboxView(shop.backend.notifications, bus, shop.staff[role])
    qtbot.add_widget(view)
    view.show()
    return view


def test_the_table_model_passes_the_model_tester(qtmodeltester, shop: Shop) -> None:
    add_failed_and_sent(shop)
    model = OutboxTableModel(shop.backend.notifications, shop.staff["manager"])
    model.reload()
    qtmodeltester.check(model)
    assert model.rowCount() == 2


def test_failures_are_visible_and_can_be_retried(qtbot: QtBot, shop: Shop, bus: EventBus) -> None:
    add_failed_and_sent(shop)
    view = make_view(qtbot, shop, bus, "manager")
    assert view.header.subtitle_label.text() == "0 waiting · 1 sent · 1 failed"
    assert view.promotion_button.isVisibleTo(view)  # managers write promotions too
    assert not view.settings_button.isVisibleTo(view)  # the mail server is the admins'
    view.status_combo.setCurrentIndex(view.status_combo.findData("failed"))
    assert view.model.rowCount() == 1
    row = view.model.row_dto(0)
    error_cell = view.model.index(0, 7)
    assert view.model.data(error_cell) == "Recipient refused: 550 No such user"
    select_row(view, 0)
    assert "Last error: Recipient refused: 550 No such user" in view.preview.toPlainText()
    assert "Body of the failed one" in view.preview.toPlainText()
    assert view.retry_button.isEnabled()
    view.retry_button.click()
    assert view.header.subtitle_label.text() == "1 waiting · 1 sent · none failed"
    assert view.model.rowCount() == 0  # still filtered on failed
    rows = shop.backend.notifications.list_outbox(shop.staff["manager"], view.model._filter)
    assert rows == []
    assert row.id in [
        r.id
        for r in shop.backend.notifications.list_outbox(
            shop.staff["manager"], type(view.model._filter)(status="pending")
        )
    ]


def test_an_admin_writes_a_promotion_with_codes(qtbot: QtBot, shop: Shop, bus: EventBus) -> None:
    add_customers(shop, 3)
    with shop.backend.uow() as uow:
        campaign = CouponCampaign(name="Spring", kind="percent", value=1000, starts_at=utcnow())
        uow.session.add(campaign)
        uow.flush()
        for i in range(5):
            uow.session.add(
                CouponCode(campaign_id=campaign.id, code=f"SPR-{i}", code_key=f"SPR{i}", max_uses=1)
            )
        uow.commit()
    view = make_view(qtbot, shop, bus)
    dialog = PromotionDialog(shop.backend.notifications, shop.staff["admin"], view)
    qtbot.add_widget(dialog)
    dialog.show()
    assert dialog.audience_label.text() == "Goes to 3 customers."
    dialog.campaign_combo.setCurrentIndex(1)
    assert dialog.campaign_combo.currentText() == "Spring (5 unused codes)"
    assert dialog.audience_label.text() == "Goes to 3 customers · 5 codes left."
    dialog.send_button.click()  # empty subject: refused, nothing queued
    qtbot.wait_until(dialog.error_label.isVisible, timeout=5_000)
    assert dialog.error_label.text() == "Enter a subject."
    dialog.subject_edit.setText("Spring sale")
    dialog.body_edit.setPlainText("Dear {name}, your code: {code}")
    with qtbot.wait_signal(dialog.sent, timeout=10_000) as blocker:
        dialog.send_button.click()
        assert dialog.progress.isVisible()
    assert blocker.args == [3]
    view.refresh()
    assert view.header.subtitle_label.text().startswith("3 waiting")
    select_row(view, 0)
    assert "your code: SPR-" in view.preview.toPlainText()


def test_a_promotion_with_a_card_number_is_refused_in_the_dialog(
    qtbot: QtBot, shop: Shop, bus: EventBus
) -> None:
    """Issue #16, defect 9: the card-number rule holds for promotions too."""
    add_customers(shop, 2)
    view = make_view(qtbot, shop, bus)
    dialog = PromotionDialog(shop.backend.notifications, shop.staff["admin"], view)
    qtbot.add_widget(dialog)
    dialog.show()
    dialog.subject_edit.setText("Spring sale")
    dialog.body_edit.setPlainText("Pay with 4111 1111 1111 1111 and save")
    dialog.send_button.click()
    qtbot.wait_until(dialog.error_label.isVisible, timeout=10_000)
    assert dialog.error_label.text() == CARD_NUMBER_REFUSED
    assert dialog.isVisible()
    with shop.backend.uow() as uow:
        assert uow.session.scalars(select(OutboxEmail)).all() == []


def test_the_mail_server_dialog_keeps_the_password_out_of_the_database(
    qtbot: QtBot, shop: Shop, tmp_path: Path
) -> None:
    api = shop.backend.notifications
    dialog = SmtpSettingsDialog(api, shop.staff["admin"])
    qtbot.add_widget(dialog)
    assert dialog.password_edit.placeholderText() == "No password stored"
    assert dialog.password_edit.echoMode() == dialog.password_edit.EchoMode.Password
    dialog.host_edit.setText("smtp.example.com")
    dialog.security_combo.setCurrentIndex(dialog.security_combo.findData("tls"))
    assert dialog.port_spin.value() == 465  # follows the security mode
    dialog.username_edit.setText("shop")
    dialog.password_edit.setText("s3cret")
    dialog.save_button.click()  # no sender address yet
    assert dialog.error_label.text() == "Enter the sender address customers will see."
    dialog.from_address_edit.setText("shop@example.com")
    with qtbot.wait_signal(dialog.accepted):
        dialog.save_button.click()
    saved = api.get_smtp_settings(shop.staff["admin"])
    assert saved == SmtpSettings("smtp.example.com", 465, "tls", "shop", "shop@example.com", "", 30)
    with shop.backend.uow() as uow:
        assert "s3cret" not in repr(get_setting(uow, "mail.smtp"))
    password_file = tmp_path / "smtp_password"
    assert password_file.read_text() == "s3cret"
    assert password_file.stat().st_mode & 0o777 == 0o600
    again = SmtpSettingsDialog(api, shop.staff["admin"])
    qtbot.add_widget(again)
    assert again.password_edit.placeholderText() == "Stored — leave empty to keep it"
    assert again.host_edit.text() == "smtp.example.com"


def test_a_manager_cannot_open_the_mail_settings(qtbot: QtBot, shop: Shop) -> None:
    dialog = SmtpSettingsDialog(shop.backend.notifications, shop.staff["manager"])
    qtbot.add_widget(dialog)
    assert "not allowed" in dialog.error_label.text()
    assert not dialog.save_button.isEnabled()
    assert dialog.error_label.textFormat() == Qt.TextFormat.PlainText
