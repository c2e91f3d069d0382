"""Races that only PostgreSQL can show: spending, idempotency keys, PIN lock-out, transfers.

SQLite serialises writers with BEGIN IMMEDIATE, so these run on PostgreSQL only (the URL from
POSAPP_TEST_PG_URL); the spending race uses separate processes, like separate registers.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from posapp.models import LedgerTransaction
from posapp.services.accounts import manage as accounts
from posapp.services.accounts.dto import MovementResult
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from tests.integration.accounts_support import PIN, World, check_ledger, make_world

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)]

WORKERS = 16
ATTEMPTS = 50


@pytest.fixture
def world(backend: Backend) -> World:
    return make_world(backend)


def _withdraw_worker(
    url: str,
    cashier: UserDTO,
    account_id: int,
    store_id: int,
    index: int,
    barrier: Any,
    results: Any,
) -> None:
    """One register: ATTEMPTS withdrawals of 1.00, each its own unit of work."""
    database = Database(url)
    backend = Backend(database, register=f"till-{index}")
    outcome: Counter[str] = Counter()
    try:
        barrier.wait()
        for _ in range(ATTEMPTS):
            try:
                accounts.withdraw(
                    backend.uow(),
                    cashier,
                    account_id=account_id,
                    amount_minor=1_00,
                    pin=PIN,
                    key=uuid.uuid4(),
                    store_id=store_id,
                )
                outcome["done"] += 1
            except accounts.InsufficientFundsError:
                outcome["refused"] += 1
            except Exception as exc:  # anything else fails the test, with its message
                outcome[f"{type(exc).__name__}: {exc}"] += 1
    finally:
        database.dispose()
        results.put(dict(outcome))


def test_sixteen_registers_cannot_overdraw(world: World) -> None:
    account = world.open()
    world.deposit(account.id, 100_00)
    url = world.backend.database.url.render_as_string(hide_password=False)
    # forkserver: children fork from one clean process that imported this module once (spawn
    # would import it 16 times over; fork would copy the test process's pools and threads).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    processes = [
        context.Process(
            target=_withdraw_worker,
            args=(url, world.cashier, account.id, world.store_id, i, barrier, results),
        )
        for i in range(WORKERS)
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    totals: Counter[str] = Counter()
    for _ in processes:
        totals.update(results.get(timeout=600))
    for process in processes:
        process.join(timeout=60)
    elapsed = time.perf_counter() - started
    print(f"{WORKERS} processes x {ATTEMPTS} withdrawals of 1.00 in {elapsed:.1f}s: {dict(totals)}")
    assert totals == Counter({"done": 100, "refused": WORKERS * ATTEMPTS - 100})
    assert world.balance(account.id) == 0
    with world.backend.read_uow() as uow:
        withdrawals = uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == "withdrawal")
        )
    assert withdrawals == 100
    check_ledger(world.backend.read_uow())


def _twins(action: Callable[[], Any], count: int = 2) -> list[Any]:
    """Run ``action`` in ``count`` threads released at the same moment; return the outcomes."""
    barrier = threading.Barrier(count)
    outcomes: list[Any] = []

    def run() -> None:
        barrier.wait()
        try:
            outcomes.append(action())
        except ServiceError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_threads_with_the_same_key_move_money_once(world: World) -> None:
    account = world.open()
    world.deposit(account.id, 500_00)
    for round_ in range(10):
        key = uuid.uuid4()
        if round_ % 2:

            def action(key: uuid.UUID = key) -> MovementResult:
                return world.deposit(account.id, 7_00, key)
        else:

            def action(key: uuid.UUID = key) -> MovementResult:
                return world.withdraw(account.id, 7_00, key=key)

        results = _twins(action)
        assert all(not isinstance(r, Exception) for r in results), results
        assert len({r.transaction_id for r in results}) == 1
        assert sorted(r.replayed for r in results) == [False, True]
    assert world.balance(account.id) == 500_00
    with world.backend.read_uow() as uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == 11
    check_ledger(world.backend.read_uow())


def test_two_checkouts_with_the_same_key_pay_once(world: World) -> None:
    account = world.open()
    world.deposit(account.id, 100_00)
    order_id = world.order()
    key = uuid.uuid4()

    def pay() -> int:
        with world.backend.uow() as uow:
            txn = accounts.pay_from_account(
                uow,
                account_number=account.number,
                pin=PIN,
                amount_minor=30_00,
                order_id=order_id,
                user_id=world.cashier.id,
                key=key,
                store_id=world.store_id,
            )
            uow.commit()
            return txn

    results = _twins(pay)
    assert len(set(results)) == 1, results
    assert isinstance(results[0], int), results
    assert world.balance(account.id) == 70_00


def test_post_once_survives_a_twin_on_unlocked_accounts(world: World) -> None:
    """The savepoint path: nothing else serialises these two (shop accounts only)."""
    from posapp.models import LedgerAccountKind
    from posapp.services.accounts.core import Posting, post_once, shop
    from posapp.services.accounts.ledger import Leg

    with world.backend.uow() as uow:
        drawer = shop(uow, LedgerAccountKind.CASH_DRAWER, world.store_id)
        clearing = shop(uow, LedgerAccountKind.SALES_CLEARING)
        uow.commit()
    for _ in range(10):
        posting = Posting(
            key=uuid.uuid4(),
            kind="deposit",
            legs=(Leg(drawer, 5_00), Leg(clearing, -5_00)),
            user_id=world.cashier.id,
        )

        def run(posting: Posting = posting) -> tuple[int, bool]:
            with world.backend.uow() as uow:
                posted = post_once(uow, posting)
                uow.commit()
                return posted.transaction_id, posted.replayed

        results = _twins(run)
        assert len({r[0] for r in results}) == 1, results
        assert sorted(r[1] for r in results) == [False, True]
    check_ledger(world.backend.read_uow())


def test_wrong_pins_at_once_still_lock(world: World) -> None:
    account = world.open()
    world.deposit(account.id, 10_00)
    results = _twins(lambda: world.withdraw(account.id, 1_00, pin="0000"), count=6)
    assert all(isinstance(r, accounts.WrongPinError) for r in results)
    dto = accounts.get_account(world.backend.read_uow(), world.cashier, account.id)
    assert dto.pin_locked
    assert dto.pin_failures == 6
    with pytest.raises(accounts.AccountLockedError):
        world.withdraw(account.id, 1_00)
    assert world.balance(account.id) == 10_00


def test_opposite_transfers_do_not_deadlock(world: World) -> None:
    ann, bob = world.open("Ann"), world.open("Bob")
    world.deposit(ann.id, 100_00)
    world.deposit(bob.id, 100_00)

    def transfer(payer: int, payee: int) -> object:
        return accounts.transfer(
            world.backend.uow(),
            world.cashier,
            from_account_id=payer,
            to_account_id=payee,
            amount_minor=1_00,
            pin=PIN,
            key=uuid.uuid4(),
        )

    for _ in range(10):
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def run(
            payer: int,
            payee: int,
            barrier: threading.Barrier = barrier,
            errors: list[BaseException] = errors,
        ) -> None:
            barrier.wait()
            try:
                transfer(payer, payee)
            except BaseException as exc:
                errors.append(exc)

        threads = [
            threading.Thread(target=run, args=(ann.id, bob.id)),
            threading.Thread(target=run, args=(bob.id, ann.id)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
    assert (world.balance(ann.id), world.balance(bob.id)) == (100_00, 100_00)
    check_ledger(world.backend.read_uow())
