"""A fault at any point of a checkout leaves nothing behind and announces nothing.

The sale used touches every step of checkout: two products (stock), a coupon (redemption), a
customer account and a split tender (account payment through the ledger, then cash with change),
status history and audit. Two independent ways of failing it, on SQLite and PostgreSQL:

- **Every statement.** A hook in the database driver (:mod:`tests.reliability.driver`) counts
  the statements of one checkout, then, for N = 1 … all of them, raises at statement N (and, last,
  in the driver's commit). It listens to no SQLAlchemy statement event, so checkout runs the path
  it runs in shops: ``Prepared`` statements straight on the driver's cursor. This does not depend
  on how checkout.py is organised, so it survives rewrites.
- **After every step.** Each function of checkout's modules (:mod:`posapp.services.sales.checkout`
  and its ``checkout_*`` siblings, which price the sale and write its rows) that ``_place`` calls
  (found from its code at test time) is wrapped to run, then raise.

After each fault the whole database (every row of every table) is what it was before, the
publisher has heard nothing, and the same sale can then be placed once.
"""

from __future__ import annotations

import functools
import random
import sys
import types
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from posapp.events import RecordingPublisher
from posapp.models import Base
from posapp.services.backend import Backend
from posapp.services.platform import fastsql
from posapp.services.sales import checkout
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, PlacedOrder, SaleDraft
from tests.reliability import driver
from tests.reliability.driver import driver_hooks
from tests.reliability.figures import report
from tests.reliability.invariants import assert_invariants
from tests.reliability.operations import Operations
from tests.reliability.world import ACCOUNT_PIN, UNLIMITED_CODE, World, build_world

CHECKOUT_FILE = str(Path(checkout.__file__).resolve())
FASTSQL_FILE = str(Path(fastsql.__file__).resolve())
DRIVER_FILE = str(Path(driver.__file__).resolve())
POSAPP_DIR = str(Path(checkout.__file__).resolve().parents[2]) + "/"
# Helpers that only run a statement: name the step that called them instead.
PLUMBING = frozenset({"one", "all", "run", "many", "_execute", "flush", "connection"})
ACCOUNT_PART_MINOR = 500


class InjectedFault(Exception):  # noqa: N818 - it is not an error of the app
    """Raised by the test inside the checkout's transaction."""


Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(backend: Backend) -> Snapshot:
    """Every row of every table."""
    with backend.database.engine.connect() as conn:
        return {
            table.name: sorted(conn.execute(select(table)).all(), key=repr)
            for table in Base.metadata.sorted_tables
        }


class SaleMaker:
    """Drafts of the same shape (new UUIDs each time) touching every step of checkout."""

    def __init__(self, backend: Backend, world: World) -> None:
        self.backend = backend
        self.world = world
        ops = Operations(backend, world, random.Random(0))
        self.cashier = ops.cashier
        self.account_id, self.account_number = world.accounts[0]
        self.lines = [[world.products["coffee"], 1], [world.products["mug"], 2]]
        total = ops.sale_total(self.lines, UNLIMITED_CODE, self.account_id)
        assert total is not None
        assert total > ACCOUNT_PART_MINOR
        self.total = total

    def draft(self) -> SaleDraft:
        cash = self.total - ACCOUNT_PART_MINOR
        return SaleDraft(
            sale_uuid=uuid.uuid4(),
            lines=tuple(DraftLine(n, pid, q) for n, (pid, q) in enumerate(self.lines, start=1)),
            payments=(
                PaymentDraft(
                    uuid.uuid4(),
                    PaymentKind.ACCOUNT,
                    ACCOUNT_PART_MINOR,
                    account_number=self.account_number,
                    pin=ACCOUNT_PIN,
                ),
                PaymentDraft(uuid.uuid4(), PaymentKind.CASH, cash, -(-cash // 1000) * 1000 + 1000),
            ),
            coupon_codes=(UNLIMITED_CODE,),
            customer_account_id=self.account_id,
            expected_total_minor=self.total,
        )

    def place(self, draft: SaleDraft) -> PlacedOrder:
        return self.backend.sales.place_order(self.cashier, draft)


def _step_of(frame: types.FrameType | None) -> str:
    """Which step of checkout runs a statement: what ``_place`` (or ``place_order``) called."""
    chain: list[tuple[str, str]] = []
    while frame is not None:
        chain.append((str(Path(frame.f_code.co_filename).resolve()), frame.f_code.co_name))
        frame = frame.f_back
    chain.reverse()  # outermost first
    for index, (filename, name) in enumerate(chain):
        if filename == CHECKOUT_FILE and name in {"_place", "place_order"}:
            inner = [n for f, n in chain[index + 1 :] if f.startswith(POSAPP_DIR)]
            inner = [n for n in inner if n not in PLUMBING]
            if name == "place_order" and inner[:1] == ["_place"]:
                continue
            return "/".join(inner[:2]) or name
    return "?"


def _runner(frame: types.FrameType | None) -> str:
    """The file that called the driver (past the hooks of ``tests.reliability.driver``)."""
    while frame is not None:
        filename = str(Path(frame.f_code.co_filename).resolve())
        if filename != DRIVER_FILE:
            return filename
        frame = frame.f_back
    return ""


class StatementFault:
    """Counts the statements of a checkout, or raises at statement ``fail_at``."""

    def __init__(self, engine: Engine, fail_at: int | None = None) -> None:
        self.engine = engine
        self.fail_at = fail_at
        self.count = 0
        self.fired = False
        self.steps: list[str] = []
        self.prepared = 0
        """Statements a ``Prepared`` ran itself on the driver's cursor (the shops' path)."""

    def _before(self, _connection: object, _sql: str) -> None:
        self.count += 1
        caller = sys._getframe(1)
        self.steps.append(_step_of(caller))
        if _runner(caller) == FASTSQL_FILE:
            self.prepared += 1
        if self.count == self.fail_at:
            self.fired = True
            raise InjectedFault(f"statement {self.count}")

    def _commit(self, _connection: object) -> None:
        if self.fail_at == self.count + 1:
            self.fired = True
            raise InjectedFault("commit")

    @contextmanager
    def installed(self) -> Iterator[StatementFault]:
        with driver_hooks(self.engine, self._before, self._commit):
            yield self


@pytest.fixture
def maker(backend: Backend) -> SaleMaker:
    maker = SaleMaker(backend, build_world(backend))
    maker.place(maker.draft())  # the first sale creates the shop's clearing account, etc.
    return maker


def _assert_untouched(
    backend: Backend, before: Snapshot, publisher: RecordingPublisher, where: str
) -> None:
    after = snapshot(backend)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"a fault at {where} left changes in {changed}"
    assert publisher.events == [], f"a fault at {where} published {publisher.events}"


def test_a_fault_at_any_statement_of_a_checkout_leaves_nothing(
    backend: Backend, maker: SaleMaker, publisher: RecordingPublisher, db_kind: str
) -> None:
    engine = backend.database.engine
    with StatementFault(engine).installed() as counted:
        maker.place(maker.draft())
    total = counted.count
    assert total > 0, "the driver hook saw nothing: the injection would prove nothing"
    # The production path: Prepared statements on the driver's cursor, not Connection.execute.
    assert counted.prepared > 0, "no Prepared statement ran on the driver: not the shops' path"
    draft = maker.draft()
    for fail_at in range(1, total + 2):  # total + 1 is the commit
        before = snapshot(backend)
        publisher.events.clear()
        fault = StatementFault(engine, fail_at)
        with fault.installed(), pytest.raises(InjectedFault):
            maker.place(draft)
        assert fault.fired
        _assert_untouched(backend, before, publisher, f"statement {fail_at}/{total}")
    placed = maker.place(draft)  # the same sale, once the faults are gone
    assert not placed.replayed
    assert maker.place(draft).replayed
    assert_invariants(engine)
    steps = sorted(set(counted.steps), key=counted.steps.index)
    report(
        f"fault injection ({db_kind}): {total} statements + commit of one checkout "
        f"({counted.prepared} of them Prepared on the driver's cursor), a fault at "
        f"each of the {total + 1} points left every table unchanged and published nothing; "
        f"steps: {', '.join(steps)}"
    )


def _steps_of_place() -> list[str]:
    """The functions of checkout's modules that ``_place`` calls (read from its code), then itself.

    A step is a name ``_place`` looks up in :mod:`~posapp.services.sales.checkout` that holds a
    function of checkout or of a ``checkout_*`` sibling (pricing, the rows): what it imports from
    elsewhere (stock, coupons, tills) is not a step. Without a ``_place`` (checkout rewritten), the
    steps are those ``place_order`` calls.
    """
    entry = getattr(checkout, "_place", None) or checkout.place_order
    # The till's and the web's one sale writer (#22): its steps are checkout's steps too.
    writer = getattr(checkout, "write_sale", None)
    codes = [entry.__code__] + ([writer.__code__] if writer is not None else [])
    names = dict.fromkeys(name for code in codes for name in code.co_names)
    steps = [
        name
        for name in names
        if isinstance(getattr(checkout, name, None), types.FunctionType)
        and getattr(checkout, name).__module__.startswith(checkout.__name__)
    ]
    return [*steps, entry.__name__] if entry.__name__.startswith("_") else steps


def _raising_after(real: Callable[..., Any], name: str) -> Callable[..., Any]:
    @functools.wraps(real)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise InjectedFault(f"after {name}")

    return wrapper


def test_a_fault_after_any_step_of_a_checkout_leaves_nothing(
    backend: Backend,
    maker: SaleMaker,
    publisher: RecordingPublisher,
    monkeypatch: pytest.MonkeyPatch,
    db_kind: str,
) -> None:
    steps = _steps_of_place()
    assert len(steps) >= 4, f"checkout calls too few steps to test: {steps}"
    draft = maker.draft()
    for name in steps:
        before = snapshot(backend)
        publisher.events.clear()
        with monkeypatch.context() as patch:
            patch.setattr(checkout, name, _raising_after(getattr(checkout, name), name))
            with pytest.raises(InjectedFault):
                maker.place(draft)
        _assert_untouched(backend, before, publisher, f"after {name}")
    assert not maker.place(draft).replayed
    assert_invariants(backend.database.engine)
    report(
        f"fault injection ({db_kind}): a fault after each of the {len(steps)} steps of checkout "
        f"({', '.join(steps)}) left every table unchanged and published nothing"
    )
