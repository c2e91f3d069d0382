"""The Accounts tab and its dialogs on a real SQLite backend (pytest-qt)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLabel, QWidget
from pytestqt.qtbot import QtBot

from posapp.events import AccountMoved
from posapp.services.accounts import AccountsApi
from posapp.services.accounts import manage as accounts
from posapp.services.accounts.dto import AccountDraft, AccountDTO
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.staff.security import Approval
from posapp.ui.accounts import money_dialogs as accounts_money_dialogs
from posapp.ui.accounts.dialogs import AccountFormDialog, AccountsDialog, PinDialog, StatusDialog
from posapp.ui.accounts.models import AccountListModel, MovementsModel, signed_money
from posapp.ui.accounts.money_dialogs import DepositDialog, TransferDialog, WithdrawDialog
from posapp.ui.accounts.statement import LOOK, StatementDialog
from posapp.ui.accounts.tab import AccountsTab
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.operation import Job, Operation, UserCancelledError
from tests.ui.seed import PASSWORD, add_store

pytestmark = pytest.mark.ui
PIN = "1234"


@pytest.fixture
def store_id(ui_backend: Backend) -> int:
    return add_store(ui_backend)


@pytest.fixture
def api(ui_backend: Backend) -> AccountsApi:
    return ui_backend.accounts


def _open(api: AccountsApi, staff: dict[str, UserDTO], name: str, **kwargs: object) -> AccountDTO:
    return api.open(staff["manager"], AccountDraft(name, **kwargs), PIN)  # type: ignore[arg-type]


def _deposit(
    api: AccountsApi, staff: dict[str, UserDTO], account_id: int, amount: int, store_id: int
) -> None:
    api.deposit(staff["cashier"], account_id, amount, key=uuid.uuid4(), store_id=store_id)


def _tab(qtbot: QtBot, backend: Backend, bus: EventBus, user: UserDTO) -> AccountsTab:
    tab = AccountsTab(backend, bus, user)
    qtbot.add_widget(tab)
    tab.resize(1280, 800)
    tab.show()
    qtbot.wait_exposed(tab)
    tab.activateWindow()
    tab.table.setFocus()
    qtbot.wait_until(tab.table.hasFocus)  # shortcuts reach only the focused window
    return tab


def _submit(qtbot: QtBot, dialog: AccountsDialog) -> bool:
    """Press the main button; return whether the dialog accepted."""
    QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    return dialog.result() == QDialog.DialogCode.Accepted


def _driver(qtbot: QtBot, fill: Callable[[QDialog], None]) -> Callable[[QDialog], bool]:
    """Replace the tab's modal exec: fill the dialog, press its button, report acceptance."""

    def run(dialog: QDialog) -> bool:
        qtbot.add_widget(dialog)
        fill(dialog)
        assert isinstance(dialog, AccountsDialog)
        return _submit(qtbot, dialog)

    return run


def test_models_pass_the_model_tester(
    qtmodeltester: object, api: AccountsApi, staff: dict[str, UserDTO], store_id: int
) -> None:
    ann = _open(api, staff, "Ann")
    _open(api, staff, "Bob")
    for amount in range(1, 131):  # more than one page of movements
        _deposit(api, staff, ann.id, amount, store_id)
    accounts_model = AccountListModel(api, staff["cashier"])
    accounts_model.set_filter(accounts_model.account_filter)
    qtmodeltester.check(accounts_model)  # type: ignore[attr-defined]
    movements = MovementsModel(api, staff["cashier"])
    movements.set_account(ann.id)
    assert movements.rowCount() == 100
    assert movements.canFetchMore(QModelIndex())
    qtmodeltester.check(movements)  # type: ignore[attr-defined]
    while movements.canFetchMore(QModelIndex()):
        movements.fetchMore(QModelIndex())
    assert movements.rowCount() == 130
    assert movements.index(0, 3).data() == signed_money(130)
    assert movements.index(129, 4).data() == money_text(1)


def test_search_filter_and_detail(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    api: AccountsApi,
    staff: dict[str, UserDTO],
    store_id: int,
) -> None:
    ann = _open(api, staff, "Ann <b>Archer</b>", email="ann@example.com", phone="07700 900123")
    bob = _open(api, staff, "Bob Baker")
    _deposit(api, staff, ann.id, 42_50, store_id)
    api.freeze(staff["manager"], bob.id, "check")
    tab = _tab(qtbot, ui_backend, bus, staff["manager"])
    assert tab.model.rowCount() == 2
    assert tab.account is not None
    assert tab.account.id == ann.id
    assert tab.detail.name_label.text() == "Ann <b>Archer</b>"
    assert tab.detail.name_label.textFormat() == Qt.TextFormat.PlainText
    assert tab.detail.balance_label.text() == money_text(4250)
    QTest.keyClicks(tab.search_edit, "900123")
    qtbot.wait_until(lambda: tab.model.rowCount() == 1)
    assert tab.model.index(0, 0).data() == "Ann <b>Archer</b>"
    tab.search_edit.clear()
    tab.status_combo.setCurrentIndex(2)  # frozen
    qtbot.wait_until(lambda: tab.model.rowCount() == 1 and tab.account is not None)
    assert tab.account is not None
    assert tab.account.id == bob.id
    assert not tab.withdraw_action.isEnabled()
    assert tab.deposit_action.isEnabled()
    assert tab.freeze_action.text() == "Unfreeze…"
    assert tab.count_label.text() == "1 account"


def test_cashier_cannot_manage(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, api: AccountsApi, staff: dict[str, UserDTO]
) -> None:
    _open(api, staff, "Ann")
    tab = _tab(qtbot, ui_backend, bus, staff["cashier"])
    assert not tab.new_action.isEnabled()
    assert not tab.new_button.isVisible()
    assert not tab.more_button.isVisible()
    assert tab.deposit_action.isEnabled()
    assert tab.withdraw_action.isEnabled()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter an amount"),
        ("0", "more than zero"),
        ("-1", "cannot be negative"),
        ("1e3", "Enter an amount"),
        ("$5", "currency symbol"),
        ("0.001", "At most 2 decimals"),
        ("1" * 30, "too large"),
    ],
)
def test_deposit_dialog_refuses_bad_money(
    qtbot: QtBot,
    api: AccountsApi,
    staff: dict[str, UserDTO],
    store_id: int,
    typed: str,
    message: str,
) -> None:
    account = _open(api, staff, "Ann")
    dialog = DepositDialog(api, staff["cashier"], account, api.storefronts())
    qtbot.add_widget(dialog)
    dialog.amount_edit.setText(typed)
    assert not _submit(qtbot, dialog)
    assert dialog.error_label.isVisibleTo(dialog)
    assert message in dialog.error_label.text()
    assert dialog.error_label.text().startswith("Amount:")
    assert api.get(staff["cashier"], account.id).balance_minor == 0


def test_deposit_dialog_key_makes_retries_safe(
    qtbot: QtBot, api: AccountsApi, staff: dict[str, UserDTO], store_id: int
) -> None:
    account = _open(api, staff, "Ann")
    dialog = DepositDialog(api, staff["cashier"], account, api.storefronts())
    qtbot.add_widget(dialog)
    dialog.amount_edit.setText("1,234.50")
    dialog.submit()
    first = dialog.movement
    dialog.submit()  # the answer was lost; the cashier presses again
    assert first is not None
    assert dialog.movement is not None
    assert (dialog.movement.transaction_id, dialog.movement.replayed) == (
        first.transaction_id,
        True,
    )
    assert api.get(staff["cashier"], account.id).balance_minor == 123_450
    dialog.amount_edit.setText("5")
    assert not _submit(qtbot, dialog)
    assert "different movement" in dialog.error_label.text()


def test_deposit_into_a_closed_account_is_refused(
    qtbot: QtBot, api: AccountsApi, staff: dict[str, UserDTO], store_id: int
) -> None:
    account = api.close(staff["manager"], _open(api, staff, "Ann").id, "gone")
    dialog = DepositDialog(api, staff["cashier"], account, api.storefronts())
    qtbot.add_widget(dialog)
    dialog.amount_edit.setText("5")
    assert not _submit(qtbot, dialog)
    assert "closed: it cannot receive" in dialog.error_label.text()


def test_withdraw_dialog_pin_and_approval(
    qtbot: QtBot,
    ui_backend: Backend,
    api: AccountsApi,
    staff: dict[str, UserDTO],
    store_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = _open(api, staff, "Ann")
    _deposit(api, staff, account.id, 500_00, store_id)
    cashier = staff["cashier"]
    dialog = WithdrawDialog(api, ui_backend.staff, cashier, account, api.storefronts())
    qtbot.add_widget(dialog)
    assert f"a manager approves above {money_text(200_00)}" in dialog.info_label.text()
    dialog.amount_edit.setText("10")
    dialog.pin_edit.setText("0000")
    assert not _submit(qtbot, dialog)
    assert "Wrong PIN: 2 more tries" in dialog.error_label.text()
    assert dialog.pin_edit.text() == ""
    dialog.amount_edit.setText("500.01")
    dialog.pin_edit.setText(PIN)
    asked: list[str] = []

    def approve(*args: object) -> Approval:
        asked.append(str(args[-1]))
        return Approval("manager1", PASSWORD, "big cash withdrawal")

    monkeypatch.setattr(accounts_money_dialogs, "ask_approval", approve)
    assert not _submit(qtbot, dialog)
    assert f"{money_text(500_00)} available" in dialog.error_label.text()
    dialog.amount_edit.setText("250")
    assert _submit(qtbot, dialog)
    assert len(asked) == 1  # not for 500.01: there is not that much to approve
    assert asked[0].startswith(f"Withdraw {money_text(250_00)} from Ann (")
    assert dialog.movement is not None
    assert dialog.movement.approver_id == staff["manager"].id
    assert api.get(cashier, account.id).balance_minor == 250_00


def test_withdraw_without_approval_moves_nothing(
    qtbot: QtBot,
    ui_backend: Backend,
    api: AccountsApi,
    staff: dict[str, UserDTO],
    store_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = _open(api, staff, "Ann")
    _deposit(api, staff, account.id, 500_00, store_id)
    monkeypatch.setattr(accounts_money_dialogs, "ask_approval", lambda *args: None)
    dialog = WithdrawDialog(api, ui_backend.staff, staff["cashier"], account, api.storefronts())
    qtbot.add_widget(dialog)
    dialog.amount_edit.setText("300")
    dialog.pin_edit.setText(PIN)
    assert not _submit(qtbot, dialog)
    assert "did not approve" in dialog.error_label.text()
    assert api.get(staff["cashier"], account.id).balance_minor == 500_00


def test_transfer_dialog_checks_the_number(
    qtbot: QtBot, api: AccountsApi, staff: dict[str, UserDTO], store_id: int
) -> None:
    ann, bob = _open(api, staff, "Ann"), _open(api, staff, "Bob")
    _deposit(api, staff, ann.id, 20_00, store_id)
    dialog = TransferDialog(api, staff["cashier"], ann)
    qtbot.add_widget(dialog)
    wrong = bob.number[:-1] + str((int(bob.number[-1]) + 1) % 10)
    dialog.to_edit.setText(wrong)
    dialog.amount_edit.setText("5")
    dialog.pin_edit.setText(PIN)
    assert not _submit(qtbot, dialog)
    assert "mistyped digit" in dialog.error_label.text()
    dialog.to_edit.setText(ann.number)
    assert not _submit(qtbot, dialog)
    assert "two different accounts" in dialog.error_label.text()
    dialog.to_edit.setText(" ".join((bob.number[:4], bob.number[4:8], bob.number[8:])))
    assert _submit(qtbot, dialog)
    assert dialog.payee_hint.text().startswith("To Bob")
    assert api.get(staff["cashier"], bob.id).balance_minor == 5_00


def test_open_account_dialog(qtbot: QtBot, api: AccountsApi, staff: dict[str, UserDTO]) -> None:
    dialog = AccountFormDialog(api, staff["manager"])
    qtbot.add_widget(dialog)
    dialog.name_edit.setText("null")
    dialog.email_edit.setText("null.example.com")
    dialog.pin_edit.setText("2468")
    dialog.pin_again_edit.setText("2468")
    assert not _submit(qtbot, dialog)
    assert "@ is missing" in dialog.error_label.text()
    dialog.email_edit.setText("null@example.com")
    dialog.phone_edit.setText("0770O 900123")
    assert not _submit(qtbot, dialog)
    assert "cannot contain letters" in dialog.error_label.text()
    dialog.phone_edit.setText("07700 900123")
    dialog.overdraft_edit.setText("abc")
    assert not _submit(qtbot, dialog)
    assert dialog.error_label.text().startswith("Overdraft limit:")
    dialog.overdraft_edit.setText("25")
    dialog.pin_again_edit.setText("2469")
    assert not _submit(qtbot, dialog)
    assert "not the same" in dialog.error_label.text()
    dialog.pin_again_edit.setText("2468")
    assert _submit(qtbot, dialog)
    assert dialog.account is not None
    assert (dialog.account.holder_name, dialog.account.overdraft_limit_minor) == ("null", 25_00)


def test_tab_flows_through_dialogs(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    api: AccountsApi,
    staff: dict[str, UserDTO],
    store_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tab = _tab(qtbot, ui_backend, bus, staff["manager"])

    def fill_new(dialog: QDialog) -> None:
        assert isinstance(dialog, AccountFormDialog)
        dialog.name_edit.setText("Zoë Example")
        dialog.pin_edit.setText(PIN)
        dialog.pin_again_edit.setText(PIN)

    monkeypatch.setattr(tab, "_exec", _driver(qtbot, fill_new))
    tab.new_action.trigger()
    assert tab.account is not None
    assert tab.account.holder_name == "Zoë Example"
    assert "Opened account" in tab.success_label.text()

    def fill_deposit(dialog: QDialog) -> None:
        assert isinstance(dialog, DepositDialog)
        dialog.amount_edit.setText("75.25")

    monkeypatch.setattr(tab, "_exec", _driver(qtbot, fill_deposit))
    QTest.keyClick(tab.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert tab.detail.balance_label.text() == money_text(7525)
    assert tab.detail.movements.rowCount() == 1
    assert tab.model.index(0, 5).data() == money_text(7525)

    def fill_freeze(dialog: QDialog) -> None:
        assert isinstance(dialog, StatusDialog)
        dialog.reason_edit.setText("Lost card")

    monkeypatch.setattr(tab, "_exec", _driver(qtbot, fill_freeze))
    tab.freeze_action.trigger()
    assert tab.account is not None
    assert tab.account.status == "frozen"
    assert not tab.withdraw_action.isEnabled()

    def fill_close(dialog: QDialog) -> None:
        assert isinstance(dialog, StatusDialog)
        dialog.reason_edit.setText("Moving")

    monkeypatch.setattr(tab, "_exec", _driver(qtbot, fill_close))
    tab.close_action.trigger()  # refused: the balance is not zero
    assert tab.account.status == "frozen"

    tab.detail.table.selectRow(0)
    assert tab.reverse_action.isEnabled()

    def fill_reverse(dialog: QDialog) -> None:
        dialog.reason_edit.setText("Counted wrong")  # type: ignore[attr-defined]

    monkeypatch.setattr(tab, "_exec", _driver(qtbot, fill_reverse))
    tab.reverse_action.trigger()
    assert tab.detail.balance_label.text() == money_text(0)
    assert tab.detail.movements.rowCount() == 2
    monkeypatch.setattr(tab, "_exec", _driver(qtbot, fill_close))
    tab.close_action.trigger()
    assert tab.account is not None
    assert tab.account.status == "closed"
    assert not tab.deposit_action.isEnabled()


def test_pin_lock_shows_and_unlocks(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    api: AccountsApi,
    staff: dict[str, UserDTO],
    store_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = _open(api, staff, "Ann")
    _deposit(api, staff, account.id, 10_00, store_id)
    for _ in range(3):
        with pytest.raises((accounts.WrongPinError, accounts.AccountLockedError)):
            api.withdraw(
                staff["cashier"], account.id, 1_00, pin="0000", key=uuid.uuid4(), store_id=store_id
            )
    tab = _tab(qtbot, ui_backend, bus, staff["manager"])
    assert tab.detail.lock_label.isVisible()
    assert tab.detail.figures["PIN"].text() == "Locked"
    assert tab.unlock_action.isEnabled()
    QTest.keyClick(
        tab.table,
        Qt.Key.Key_U,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert not tab.detail.lock_label.isVisible()
    assert "Unlocked" in tab.success_label.text()

    def fill_pin(dialog: QDialog) -> None:
        assert isinstance(dialog, PinDialog)
        dialog.pin_edit.setText("97531")
        dialog.pin_again_edit.setText("97531")

    monkeypatch.setattr(tab, "_exec", _driver(qtbot, fill_pin))
    tab.pin_action.trigger()
    api.withdraw(
        staff["cashier"], account.id, 1_00, pin="97531", key=uuid.uuid4(), store_id=store_id
    )


def test_bus_event_refreshes_balances(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    api: AccountsApi,
    staff: dict[str, UserDTO],
    store_id: int,
) -> None:
    ann = _open(api, staff, "Ann")
    tab = _tab(qtbot, ui_backend, bus, staff["cashier"])
    assert tab.detail.balance_label.text() == money_text(0)
    with qtbot.wait_signal(bus.account_moved, timeout=5_000):
        _deposit(api, staff, ann.id, 9_99, store_id)  # the backend publishes to this bus
    assert tab.detail.balance_label.text() == money_text(999)
    assert tab.model.index(0, 5).data() == money_text(999)
    bus.publish(AccountMoved(ann.id + 999, 1, "deposit", 1, 1, datetime.now(UTC)))
    assert tab.detail.balance_label.text() == money_text(999)


def test_statement_dialog_shows_and_saves(
    qtbot: QtBot,
    api: AccountsApi,
    staff: dict[str, UserDTO],
    store_id: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = _open(api, staff, "Ann <i>Example</i>")
    _deposit(api, staff, account.id, 30_00, store_id)
    api.withdraw(staff["cashier"], account.id, 12_50, pin=PIN, key=uuid.uuid4(), store_id=store_id)
    dialog = StatementDialog(api, staff["cashier"], account)
    qtbot.add_widget(dialog)
    dialog.show()
    QTest.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert dialog.statement is not None
    assert dialog.model.rowCount() == 4  # opening, two movements, closing
    assert dialog.figures["Closing"].text() == "17.50"
    assert dialog.save_button.isEnabled()
    target = tmp_path / "ann"
    monkeypatch.setattr(dialog, "choose_path", lambda: target)
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = tmp_path / "ann.pdf"
    assert dialog.saved_path == saved
    assert "Saved 1 page" in dialog.success_label.text()
    text = PdfReader(saved).pages[0].extract_text()
    assert "Ann <i>Example</i>" in text
    assert "17.50" in text


def test_statement_dialog_refuses_a_reversed_period(
    qtbot: QtBot, api: AccountsApi, staff: dict[str, UserDTO]
) -> None:
    account = _open(api, staff, "Ann")
    dialog = StatementDialog(api, staff["cashier"], account)
    qtbot.add_widget(dialog)
    dialog.to_edit.setDate(dialog.from_edit.date().addDays(-1))
    QTest.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert "ends before it starts" in dialog.error_label.text()
    assert not dialog.save_button.isEnabled()


def test_labels_render_user_text_literally(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, api: AccountsApi, staff: dict[str, UserDTO]
) -> None:
    _open(api, staff, "<img src=x>", email="a@example.com")
    tab = _tab(qtbot, ui_backend, bus, staff["manager"])
    for label in tab.detail.findChildren(QLabel):
        if "<img" in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText


def test_task_dialog_cancels_long_work(qtbot: QtBot) -> None:
    started = threading.Event()

    def work(job: Job) -> object:
        job.progress(1, 10)
        started.set()
        while not job.cancelled():
            time.sleep(0.01)
        raise UserCancelledError

    parent = QWidget()
    qtbot.add_widget(parent)
    op = Operation(parent, work, name="statement").with_dialog("Statement", "Working…", LOOK)
    dialog = op.dialog
    assert dialog is not None
    op.run()
    assert started.wait(5)
    with qtbot.wait_signal(dialog.rejected, timeout=5_000):
        QTest.mouseClick(
            dialog.buttons.button(dialog.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton
        )
    assert not op.running
    assert op.result is None
