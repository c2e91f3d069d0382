"""A 3,000-movement statement on both databases: every movement once, one query for them all."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pypdf import PdfReader

from posapp.models import CustomerAccount, LedgerAccount, LedgerEntry, LedgerTransaction
from posapp.money import format_money
from posapp.reports.statement import render_statement_pdf
from posapp.services.accounts import manage as accounts
from posapp.services.backend import Backend
from tests.integration.accounts_support import World, check_ledger, make_world

MOVEMENTS = 3000
BEFORE = 10  # movements before the period: they make the opening balance


def _amount(i: int) -> int:
    """The ``i``-th bulk movement: a deposit of 25.00, then two withdrawals of 9.15."""
    return -9_15 if i % 3 else 25_00


def _seed(world: World, account_id: int) -> list[int]:
    """One real deposit and withdrawal, then bulk copies of them; return the transaction ids.

    Each copy is balanced like the real ones (a customer leg and a cash-drawer leg); the first
    ``BEFORE`` are dated before the statement's period, the rest inside it.
    """
    world.deposit(account_id, 50_00)
    world.withdraw(account_id, 5_00)
    with world.backend.uow() as uow:
        session = uow.session
        ledger = session.scalar(
            sa.select(CustomerAccount.ledger_account_id).where(CustomerAccount.id == account_id)
        )
        drawer = session.scalar(
            sa.select(LedgerAccount.id).where(LedgerAccount.kind == "cash_drawer")
        )
        real = session.execute(
            sa.select(LedgerTransaction.kind, LedgerTransaction.memo, LedgerTransaction.user_id)
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .where(LedgerEntry.ledger_account_id == ledger)
            .order_by(LedgerTransaction.id)
        ).all()
        (deposit_kind, deposit_memo, user), (withdraw_kind, withdraw_memo, _) = real
        now = datetime.now(UTC)
        kinds = [
            (withdraw_kind, f"{withdraw_memo} {i}", _amount(i))
            if i % 3
            else (deposit_kind, f"{deposit_memo} {i}", _amount(i))
            for i in range(BEFORE + MOVEMENTS - 2)
        ]
        at = [
            now - timedelta(days=20, minutes=i) if i < BEFORE else now - timedelta(minutes=i)
            for i in range(len(kinds))
        ]
        ids = list(
            session.scalars(
                sa.insert(LedgerTransaction).returning(
                    LedgerTransaction.id, sort_by_parameter_order=True
                ),
                [
                    {
                        "idempotency_key": uuid.uuid4(),
                        "kind": kind,
                        "memo": memo,
                        "fingerprint": "",
                        "user_id": user,
                        "created_at": when,
                    }
                    for (kind, memo, _), when in zip(kinds, at, strict=True)
                ],
            )
        )
        session.execute(
            sa.insert(LedgerEntry),
            [
                {"transaction_id": txn, "ledger_account_id": leg, "amount_minor": amount * sign}
                for txn, (_, _, amount) in zip(ids, kinds, strict=True)
                for leg, sign in ((ledger, 1), (drawer, -1))
            ],
        )
        for leg in (ledger, drawer):
            total = sa.select(sa.func.sum(LedgerEntry.amount_minor)).where(
                LedgerEntry.ledger_account_id == leg
            )
            session.execute(
                sa.update(LedgerAccount)
                .where(LedgerAccount.id == leg)
                .values(balance_minor=total.scalar_subquery())
            )
        uow.commit()
    return ids[BEFORE:]


@contextmanager
def _statements(backend: Backend) -> Iterator[list[str]]:
    """The SQL statements run on the database while inside the block."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    engine = backend.database.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_3000_movement_statement_lists_each_once_with_closing_balance(backend: Backend) -> None:
    world = make_world(backend)
    account = world.open("Ann Long")
    bulk = _seed(world, account.id)
    check_ledger(backend.read_uow())
    today = datetime.now(UTC).astimezone().date()

    with _statements(backend) as queries:
        statement = accounts.statement(
            backend.read_uow(),
            world.cashier,
            account.id,
            first_day=today - timedelta(days=5),
            last_day=today + timedelta(days=1),
        )
    assert len(queries) <= 8  # the actor, the account, the opening sum, the movements: no N+1

    assert len(statement.lines) == MOVEMENTS
    txn_ids = [line.transaction_id for line in statement.lines]
    assert len(set(txn_ids)) == MOVEMENTS
    assert set(bulk) <= set(txn_ids)
    assert statement.opening_balance_minor == sum(_amount(i) for i in range(BEFORE))
    assert statement.closing_balance_minor == world.balance(account.id)
    running: int = statement.opening_balance_minor
    for line in statement.lines:
        running += line.amount_minor
        assert line.balance_after_minor == running

    out = io.BytesIO()
    pages = render_statement_pdf(statement, out, shop_name="Main Street")
    texts = [page.extract_text() for page in PdfReader(io.BytesIO(out.getvalue())).pages]
    assert pages == len(texts)
    refs = re.findall(r"^#(\d+)$", "\n".join(texts), flags=re.MULTILINE)
    assert [int(ref) for ref in refs] == txn_ids  # every movement once, in order
    closing = format_money(statement.closing_balance_minor)
    assert texts[-1].splitlines()[-4:-2] == ["Closing balance", closing]
    assert f"Page {pages} of {pages}" in texts[-1]
