"""Accounts: a statement over ``--movements`` (10,000) movements, as data and as a PDF (issue #7).

One account gets a real deposit and a real withdrawal through the services (which also create
the store's cash-drawer ledger account), then the rest of its movements are bulk-inserted as the
same kinds of balanced transactions (a customer leg and a cash-drawer leg summing to zero)
spread over 60 days, and the cached balances are set to the sums of the entries. Each sample is
``accounts_queries.statement`` for the whole period plus ``render_statement_pdf``. Check: the
statement lists every movement, its closing balance is the account's balance, the PDF has the
expected pages and its last page shows the closing balance. No target in the issues.
"""

from __future__ import annotations

import io
import time
import uuid
from datetime import timedelta

from sqlalchemy import func, insert, select, update

from benchmarks.common import Figure, Samples, check, figure_from, with_profile
from benchmarks.context import Context
from posapp.models import LedgerAccount, LedgerEntry, LedgerTransaction, Store
from posapp.models.base import utcnow
from posapp.reports.statement import render_statement_pdf
from posapp.services.accounts.dto import AccountDraft
from posapp.services.accounts.manage import open_account
from posapp.services.accounts.movements import deposit, withdraw
from posapp.services.accounts.queries import statement
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.staff import users

PIN = "2468"


def statement_figure(ctx: Context) -> Figure:
    """Seed the movements; time the statement with its PDF."""
    n = ctx.sizes.movements
    database = ctx.sqlite("statement")
    try:
        backend = Backend(database, register="bench")
        admin = users.add_user(backend.uow(), None, "acctadmin", "correct horse battery", "admin")
        with backend.uow() as uow:
            store = Store(code="ACC", name="Bench store", kind="store")
            uow.session.add(store)
            uow.flush()
            store_id = store.id
            uow.commit()
        account = open_account(backend.uow(), admin, AccountDraft("Jane Bench"), PIN)
        deposit(
            backend.uow(),
            admin,
            account_id=account.id,
            amount_minor=10_000,
            key=uuid.uuid4(),
            store_id=store_id,
        )
        withdraw(
            backend.uow(),
            admin,
            account_id=account.id,
            amount_minor=2_500,
            pin=PIN,
            key=uuid.uuid4(),
            store_id=store_id,
        )
        ctx.log(f"statement: seeding {n:,} movements")
        closing = _seed(database, admin.id, account.id, n)
        first = (utcnow() - timedelta(days=61)).date()
        last = (utcnow() + timedelta(days=1)).date()
        pages: list[int] = []

        def build() -> bytes:
            dto = statement(backend.read_uow(), admin, account.id, first_day=first, last_day=last)
            check(len(dto.lines) == n, f"the statement lists {len(dto.lines):,} of {n:,}")
            check(dto.closing_balance_minor == closing, "the closing balance is wrong")
            out = io.BytesIO()
            pages.append(render_statement_pdf(dto, out))
            return out.getvalue()

        samples = Samples()
        pdf = b""
        for run in range(ctx.sizes.heavy_repeat):
            if samples.over_budget():
                break
            ctx.log(f"statement over {n:,} movements (run {run + 1})")
            start = time.perf_counter()
            pdf = build()
            samples.values.append(time.perf_counter() - start)
        checked = _check_pdf(pdf, pages[-1], closing)
    finally:
        database.dispose()
    fig = figure_from(
        samples,
        f"account statement + PDF, {n:,} movements",
        unit="s",
        checked=checked,
        note="no target in the issues",
    )
    return with_profile(fig, build, enabled=ctx.profile, runs=1)


def _seed(database: Database, user_id: int, account_id: int, n: int) -> int:
    """Bulk-insert movements up to ``n`` like the two real ones; return the closing balance."""
    from posapp.models import CustomerAccount

    with database.write_sessions() as session:
        ledger_id = session.scalar(
            select(CustomerAccount.ledger_account_id).where(CustomerAccount.id == account_id)
        )
        real = session.execute(
            select(LedgerTransaction.kind, LedgerTransaction.memo, LedgerEntry.amount_minor)
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .where(LedgerEntry.ledger_account_id == ledger_id)
            .order_by(LedgerTransaction.id)
        ).all()
        check(len(real) == 2, "the real deposit and withdrawal are missing")
        drawer = session.scalar(
            select(LedgerAccount.id).where(LedgerAccount.kind == "cash_drawer").limit(1)
        )
        check(drawer is not None, "no cash-drawer ledger account")
        (dep_kind, dep_memo, _), (wd_kind, wd_memo, _) = real
        start = utcnow() - timedelta(days=60)
        step = timedelta(days=59) / max(1, n)
        batch = 5_000
        for offset in range(0, n - 2, batch):
            chunk = range(offset, min(offset + batch, n - 2))
            kinds = [
                (dep_kind, dep_memo, 5_000) if i % 2 == 0 else (wd_kind, wd_memo, -3_000)
                for i in chunk
            ]
            ids = list(
                session.scalars(
                    insert(LedgerTransaction).returning(
                        LedgerTransaction.id, sort_by_parameter_order=True
                    ),
                    [
                        {
                            "idempotency_key": uuid.uuid4(),
                            "kind": kind,
                            "memo": memo,
                            "fingerprint": "",
                            "user_id": user_id,
                            "created_at": start + step * i,
                        }
                        for i, (kind, memo, _) in zip(chunk, kinds, strict=True)
                    ],
                )
            )
            entries = []
            for txn_id, (_, _, amount) in zip(ids, kinds, strict=True):
                entries.append(
                    {
                        "transaction_id": txn_id,
                        "ledger_account_id": ledger_id,
                        "amount_minor": amount,
                    }
                )
                entries.append(
                    {"transaction_id": txn_id, "ledger_account_id": drawer, "amount_minor": -amount}
                )
            session.execute(insert(LedgerEntry), entries)
        for account in (ledger_id, drawer):
            total = select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
                LedgerEntry.ledger_account_id == account
            )
            session.execute(
                update(LedgerAccount)
                .where(LedgerAccount.id == account)
                .values(balance_minor=total.scalar_subquery())
            )
        closing = int(
            session.scalar(select(LedgerAccount.balance_minor).where(LedgerAccount.id == ledger_id))
            or 0
        )
        session.commit()
    return closing


def _check_pdf(pdf: bytes, pages: int, closing: int) -> str:
    check(pdf.startswith(b"%PDF"), "the statement is not a PDF")
    try:
        from pypdf import PdfReader
    except ImportError:
        return f"{pages} pages (pypdf missing: text not read back)"
    reader = PdfReader(io.BytesIO(pdf))
    check(len(reader.pages) == pages, f"{len(reader.pages)} pages, the renderer said {pages}")
    last = reader.pages[-1].extract_text() or ""
    check("Closing balance" in last, "the last page does not show the closing balance")
    amount = f"{closing // 100:,}.{closing % 100:02d}"
    check(amount in last, f"the last page does not show {amount}")
    return f"every movement listed; {pages} pages; closing balance {amount} on the last page"
