"""What one register process does: the race tasks and the mixed load (runs in spawned children).

Each task builds its register on the real edges a till uses: checkouts and returns go through
:class:`posapp.services.sales.SalesApi` (retries + lost-connection message), stock moves
through :mod:`posapp.services.stock.actions` (which retries itself), and the account and user
actions through :func:`posapp.services.platform.retry.with_retry`. An engine ``handle_error``
listener counts every serialization failure and deadlock PostgreSQL reports, i.e. every retry taken.

Every outcome is tallied by type: ``done`` (the action succeeded), ``refused`` (a
``ServiceError`` the cashier is meant to see: out of stock, coupon used up, no funds…) and
``errors`` (anything else, including a ``DatabaseError`` after exhausted retries). The tests assert
that ``errors`` stays empty and that every refusal is of an expected type.
"""

from __future__ import annotations

import functools
import os
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext

from posapp.services.accounts import manage as accounts
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import DatabaseError, ServiceError
from posapp.services.platform.retry import RETRYABLE_SQLSTATES, with_retry
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.staff import users
from tests.reliability.operations import Operations
from tests.reliability.world import World

T = TypeVar("T")

BARRIER_TIMEOUT = 120.0

_DATABASES: dict[str, Database] = {}
_SEEN: Counter[str] = Counter()
_SEEN_LOCK = threading.Lock()
_DOING = threading.local()  # the kind of action this thread is running, for the retry count


def _on_error(context: ExceptionContext) -> None:
    """Count the transient conflicts PostgreSQL reports (each one makes ``with_retry`` retry)."""
    code = getattr(context.original_exception, "sqlstate", None)
    if code in RETRYABLE_SQLSTATES:
        what = "deadlock" if code == "40P01" else "serialization failure"
        with _SEEN_LOCK:
            _SEEN[f"{getattr(_DOING, 'kind', '?')}: {what}"] += 1


def database(url: str) -> Database:
    """This process's database for ``url`` (its pool is kept between tasks)."""
    found = _DATABASES.get(url)
    if found is None:
        found = _DATABASES[url] = Database(url)
        event.listen(found.engine, "handle_error", _on_error)
    return found


@dataclass
class Tally:
    """What one register did in one task (picklable, sent back to the test)."""

    register: str
    done: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    acknowledged: list[dict[str, str]] = field(default_factory=list)
    """What the register was told was done: ``{"sale_uuid": hex}``, ``{"ledger_key": hex}``…"""
    seconds: float = 0.0


class Register:
    """One till: a backend with its register name, and the tally of what it did."""

    def __init__(self, url: str, name: str) -> None:
        self.backend = Backend(database(url), register=name)
        self.desk = self.backend.sales
        self.tally = Tally(name)
        self._lock = threading.Lock()
        self._started = time.perf_counter()

    def go(self, barrier: Any) -> None:
        """Wait for the other registers, then start the clock and the retry count."""
        barrier.wait(BARRIER_TIMEOUT)
        with _SEEN_LOCK:
            _SEEN.clear()
        self._started = time.perf_counter()

    def do(self, kind: str, action: Callable[[], T]) -> T | None:
        """Run ``action``; tally it as done, refused (a ServiceError) or an error."""
        _DOING.kind = kind
        try:
            result = action()
        except DatabaseError as exc:  # retries exhausted or connection lost: never acceptable
            self._count(self.tally.errors, f"{kind}: DatabaseError: {exc}")
            return None
        except ServiceError as exc:
            self._count(self.tally.refused, f"{kind}: {type(exc).__name__}")
            return None
        except Exception as exc:  # anything else reached the cashier
            self._count(self.tally.errors, f"{kind}: {type(exc).__name__}: {exc}"[:300])
            return None
        self._count(self.tally.done, kind)
        return result

    def _count(self, counter: Counter[str], key: str) -> None:
        with self._lock:
            counter[key] += 1

    def sell(self, cashier: UserDTO, draft: SaleDraft) -> None:
        """Place a sale through the register's desk; note it if the register was told it is."""
        placed = self.do("sale", functools.partial(self.desk.place_order, cashier, draft))
        if placed is not None:
            with self._lock:
                self.tally.acknowledged.append({"sale_uuid": draft.sale_uuid.hex})

    def finish(self) -> Tally:
        """The tally, with the retries seen and the time taken."""
        with _SEEN_LOCK:
            self.tally.retries = Counter(_SEEN)
        self.tally.seconds = time.perf_counter() - self._started
        return self.tally


def cash_draft(
    product_id: int, quantity: int, total: int, codes: tuple[str, ...] = ()
) -> SaleDraft:
    """A one-line sale paid in cash, exactly (no change)."""
    return SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, product_id, quantity),),
        payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, total),),
        coupon_codes=codes,
        expected_total_minor=total,
    )


def _in_new_uow(backend: Backend, action: Callable[[UnitOfWork], T]) -> Callable[[], T]:
    """``action`` on a fresh unit of work at each call (each retry is a new transaction)."""
    return lambda: action(backend.uow())


# --- the race tasks ------------------------------------------------------------------------------


def sell_units(
    url: str, name: str, cashier: UserDTO, product_id: int, price: int, attempts: int, barrier: Any
) -> Tally:
    """Sell one unit at a time, ``attempts`` times, as fast as the database allows."""
    register = Register(url, name)
    register.go(barrier)
    for _ in range(attempts):
        draft = cash_draft(product_id, 1, price)
        register.sell(cashier, draft)
    return register.finish()


def sell_with_code(
    url: str,
    name: str,
    cashier: UserDTO,
    product_id: int,
    total: int,
    code: str,
    checkouts: int,
    threads: int,
    barrier: Any,
) -> Tally:
    """``checkouts`` sales with ``code``, from ``threads`` threads released together."""
    register = Register(url, name)
    start = threading.Barrier(threads + 1)  # the threads and this one, which releases them
    share = [checkouts // threads + (i < checkouts % threads) for i in range(threads)]

    def run(count: int) -> None:
        start.wait()
        for _ in range(count):
            register.sell(cashier, cash_draft(product_id, 1, total, (code,)))

    workers = [threading.Thread(target=run, args=(n,)) for n in share]
    for worker in workers:
        worker.start()
    register.go(barrier)  # every register is ready: release this one's threads
    start.wait(BARRIER_TIMEOUT)
    for worker in workers:
        worker.join()
    return register.finish()


def withdraw_units(
    url: str,
    name: str,
    cashier: UserDTO,
    account_id: int,
    store_id: int,
    pin: str,
    amount: int,
    attempts: int,
    barrier: Any,
) -> Tally:
    """``attempts`` withdrawals of ``amount``, each its own unit of work (retried if need be)."""
    register = Register(url, name)
    register.go(barrier)
    for _ in range(attempts):
        key = uuid.uuid4()  # one per withdrawal, kept by its retries

        def withdraw(uow: UnitOfWork, key: uuid.UUID = key) -> object:
            return accounts.withdraw(
                uow,
                cashier,
                account_id=account_id,
                amount_minor=amount,
                pin=pin,
                key=key,
                store_id=store_id,
            )

        register.do(
            "withdrawal", functools.partial(with_retry, _in_new_uow(register.backend, withdraw))
        )
    return register.finish()


def deactivate(url: str, name: str, actor: UserDTO, targets: Sequence[int], barrier: Any) -> Tally:
    """Deactivate each of ``targets`` in turn, as ``actor`` (an admin)."""
    register = Register(url, name)
    register.go(barrier)
    backend = register.backend
    for target in targets:
        deactivate = functools.partial(users.set_active, actor=actor, user_id=target, active=False)
        register.do("deactivate", functools.partial(with_retry, _in_new_uow(backend, deactivate)))
    return register.finish()


# --- the mixed load ------------------------------------------------------------------------------


def mixed_load(url: str, name: str, world: World, seconds: float, seed: int, barrier: Any) -> Tally:
    """Random sales, returns, transfers, deliveries, deposits and withdrawals for ``seconds``.

    The operations are the crash suite's (:class:`tests.reliability.operations.Operations`).
    Each runs inside ``with_retry``, as a register runs a user action: sales already go through
    the desk (which retries), the rest call the services directly. The retry count says which
    kinds met deadlocks. Every acknowledged id is sent back for the invariant check.
    """
    register = Register(url, name)
    operations = Operations(register.backend, world, random.Random(seed))
    register.go(barrier)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        restock = register.do("plan", operations.needs_stock)
        plan = operations.plan_restock if restock else operations.plan
        op = register.do("plan", plan)
        if op is None:
            continue
        # Retried like the screens retry (the register's desk; see the module docstring).
        result = register.do(
            str(op["kind"]), functools.partial(with_retry, functools.partial(operations.run, op))
        )
        if result is not None:
            register.tally.acknowledged.append(result[0])
    register.tally.done.pop("plan", None)  # planning reads are not operations
    return register.finish()


def warm_up(url: str, barrier: Any) -> int:
    """Import everything and connect once, in as many processes as the barrier has parties."""
    with database(url).engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    barrier.wait(BARRIER_TIMEOUT)
    return os.getpid()
