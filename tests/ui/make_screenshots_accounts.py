"""Render the Accounts tab, its dialogs and a statement PDF into docs/screenshots/ (by hand).

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_accounts
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QDate, QLocale
from PySide6.QtWidgets import QApplication, QWidget

from posapp.models import Order
from posapp.reports.statement import write_statement_pdf
from posapp.services.accounts import manage as accounts
from posapp.services.accounts.dto import AccountDraft
from posapp.services.backend import Backend
from posapp.services.platform.db import open_database
from posapp.services.platform.dto import UserDTO
from posapp.ui.accounts.money_dialogs import WithdrawDialog
from posapp.ui.accounts.statement import StatementDialog
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.resources import apply_theme
from posapp.ui.main_window import MainWindow
from tests.ui.seed import add_staff, add_store

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PIN = "1234"
HOLDERS = (
    ("Amelia Hart", "amelia.hart@example.com", "07700 900111", 120_00),
    ("Bruno Costa", "bruno@costa.example", "+351 912 345 678", 45_50),
    ("Chloé Dubois", "chloe.dubois@bücher.example", "+33 6 12 34 56 78", 310_00),
    ("Dmitri Ivanov", "d.ivanov@example.org", "07700 900432", 0),
    ("Eleanor Smith", "eleanor.smith@example.net", "07700 900555", 82_25),
    ("Farah Khan", "farah.khan@example.com", "+44 20 7946 0018", 15_00),
    ("George Müller", "g.mueller@example.de", "+49 30 1234567", 230_75),
    ("Hana Sato", "hana.sato@example.jp", "+81 90 1234 5678", 64_00),
    ("Isaac Newton", "isaac@example.co.uk", "07700 900999", 9_99),
    ("Julia Rossi", "julia.rossi@example.it", "+39 312 345 6789", 150_00),
)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def _grab(widget: QWidget, name: str) -> Path:
    widget.show()
    for _ in range(5):
        QApplication.processEvents()
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    return path


def _seed(  # noqa: PLR0915 - a scripted story, step by step
    backend: Backend, clock: Clock, staff: dict[str, UserDTO], store_id: int
) -> int:
    """Accounts with a month of movements; returns the id of the one to show."""
    manager, cashier = staff["manager"], staff["cashier"]
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(
        days=32
    )
    clock.now = start
    ids = []
    for i, (name, email, phone, opening) in enumerate(HOLDERS):
        draft = AccountDraft(
            name,
            email=email,
            phone=phone,
            overdraft_limit_minor=50_00 if i in (1, 6) else 0,
            daily_withdrawal_limit_minor=300_00 if i == 0 else None,
        )
        account = accounts.open_account(backend.uow(), manager, draft, PIN)
        ids.append(account.id)
        if opening:
            clock.now += timedelta(minutes=7)
            accounts.deposit(
                backend.uow(),
                cashier,
                account_id=account.id,
                amount_minor=opening,
                key=uuid.uuid4(),
                store_id=store_id,
                memo="Opening deposit",
            )
    main = ids[0]
    with backend.uow() as uow:
        order = Order(
            sale_uuid=uuid.uuid4(),
            number="A-1042",
            store_id=store_id,
            cashier_id=cashier.id,
            status="paid",
        )
        uow.session.add(order)
        uow.flush()
        order_id = order.id
        uow.commit()
    steps = [
        ("deposit", 250_00, "Salary top-up"),
        ("pay", 42_80, ""),
        ("withdraw", 60_00, ""),
        ("transfer", 25_00, "Dinner, split"),
        ("deposit", 80_00, ""),
        ("pay", 18_35, ""),
        ("refund", 18_35, ""),
        ("withdraw", 40_00, ""),
        ("deposit", 30_00, "Birthday money"),
        ("pay", 64_90, ""),
        ("transfer_in", 12_50, "Thanks for lunch"),
        ("withdraw", 20_00, ""),
        ("pay", 27_45, ""),
        ("deposit", 100_00, ""),
    ]
    for day, (kind, amount, memo) in enumerate(steps):
        clock.now = start + timedelta(days=2 * day + 2, hours=(day * 5) % 9)
        key = uuid.uuid4()
        if kind == "deposit":
            accounts.deposit(
                backend.uow(),
                cashier,
                account_id=main,
                amount_minor=amount,
                key=key,
                store_id=store_id,
                memo=memo,
            )
        elif kind == "withdraw":
            accounts.withdraw(
                backend.uow(),
                cashier,
                account_id=main,
                amount_minor=amount,
                pin=PIN,
                key=key,
                store_id=store_id,
            )
        elif kind in ("transfer", "transfer_in"):
            payer, payee = (main, ids[4]) if kind == "transfer" else (ids[4], main)
            accounts.transfer(
                backend.uow(),
                cashier,
                from_account_id=payer,
                to_account_id=payee,
                amount_minor=amount,
                pin=PIN,
                key=key,
                memo=memo,
            )
        elif kind == "pay":
            with backend.uow() as uow:
                accounts.pay_from_account(
                    uow,
                    account_number=_number(backend, cashier, main),
                    pin=PIN,
                    amount_minor=amount,
                    order_id=order_id,
                    user_id=cashier.id,
                    key=key,
                    store_id=store_id,
                )
                uow.commit()
        else:
            with backend.uow() as uow:
                accounts.refund_to_account(
                    uow,
                    customer_account_id=main,
                    amount_minor=amount,
                    order_id=order_id,
                    user_id=cashier.id,
                    key=key,
                )
                uow.commit()
    clock.now += timedelta(hours=2)
    mistake = accounts.deposit(
        backend.uow(),
        cashier,
        account_id=main,
        amount_minor=500_00,
        key=uuid.uuid4(),
        store_id=store_id,
        memo="Cash deposit",
    )
    clock.now += timedelta(minutes=4)
    accounts.reverse(
        backend.uow(),
        manager,
        transaction_id=mistake.transaction_id,
        key=uuid.uuid4(),
        reason="typed 500 instead of 50",
    )
    accounts.deposit(
        backend.uow(),
        cashier,
        account_id=main,
        amount_minor=50_00,
        key=uuid.uuid4(),
        store_id=store_id,
        memo="Cash deposit",
    )
    accounts.freeze_account(backend.uow(), manager, ids[5], "Card reported stolen")
    accounts.close_account(backend.uow(), manager, ids[3], "Moved abroad")
    for _ in range(3):
        try:
            accounts.withdraw(
                backend.uow(),
                cashier,
                account_id=ids[8],
                amount_minor=5_00,
                pin="0000",
                key=uuid.uuid4(),
                store_id=store_id,
            )
        except accounts.AccountLockedError:
            break
        except accounts.WrongPinError:
            continue
    clock.now = datetime.now(UTC)
    return main


def _number(backend: Backend, actor: UserDTO, account_id: int) -> str:
    return accounts.get_account(backend.read_uow(), actor, account_id).number


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
            clock = Clock(datetime.now(UTC))
            backend = Backend(database, bus, register="till-1", clock=clock)
            staff = add_staff(backend)
            store_id = add_store(backend)
            main_id = _seed(backend, clock, staff, store_id)
            manager = staff["manager"]

            window = MainWindow(backend, bus, manager)
            titles = window.tab_titles()
            window.tabs.setCurrentIndex(titles.index("Accounts"))
            tab = window.tabs.currentWidget()
            row = tab.model.row_of(main_id)  # type: ignore[attr-defined]
            tab.table.selectRow(row)  # type: ignore[attr-defined]
            window.toasts.hide()
            print(_grab(window, "accounts.png"))

            api = backend.accounts
            account = api.get(manager, main_id)
            cashier = staff["cashier"]
            withdraw = WithdrawDialog(
                api, backend.staff, cashier, account, api.storefronts(), window
            )
            withdraw.amount_edit.setText("250.00")
            withdraw.pin_edit.setText("12")
            withdraw.show_error("A withdrawal above $200.00 needs a manager's approval.")
            print(_grab(withdraw, "accounts_withdraw.png"))
            withdraw.close()

            dialog = StatementDialog(
                api, manager, account, window, shop_name="posapp · Main Street"
            )
            today = datetime.now(UTC).astimezone().date()
            first = today - timedelta(days=34)
            statement = api.statement(manager, main_id, first, today)
            dialog.from_edit.setDate(QDate(first.year, first.month, first.day))
            dialog.set_statement(statement)
            print(_grab(dialog, "accounts_statement_dialog.png"))
            dialog.close()

            pdf = Path(tmp) / "statement.pdf"
            write_statement_pdf(statement, pdf, shop_name="posapp · Main Street")
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "80",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    str(pdf),
                    str(Path(tmp) / "page"),
                ],
                check=True,
            )
            target = OUT / "statement.png"
            (Path(tmp) / "page-1.png").replace(target)
            print(target)
            window.close()
        finally:
            database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
