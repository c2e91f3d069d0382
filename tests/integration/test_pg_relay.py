"""Events across registers on PostgreSQL: two separate processes, LISTEN/NOTIFY between them.

Register B (a manager's screen) runs in one process and listens; register A (a cashier's till)
runs in another, sells the last units above the reorder point and commits. B must receive A's
``StockLow`` and the ``NotificationCreated`` of A's notification listener for B's manager.

This module is also the two processes' program: ``python -m tests.integration.test_pg_relay
listen|sell URL …``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from queue import Empty, Queue

import pytest
import sqlalchemy as sa

from posapp.events import (
    DomainEvent,
    NotificationCreated,
    StockLow,
    StockMoved,
    UserLoggedIn,
)
from posapp.events import RecordingPublisher as Recorder
from posapp.models import MovementKind
from posapp.models.base import utcnow
from posapp.services.backend import Backend
from posapp.services.notifications.staff import NotificationListener
from posapp.services.platform.db import Database
from posapp.services.platform.fanout import Fanout
from posapp.services.platform.pg_relay import PgEventRelay, decode_event, encode_event
from posapp.services.platform.runner import Runner
from posapp.services.stock.ledger import move_stock
from tests.integration.notification_support import World, make_world

pytestmark = [pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 20.0
DELIVERY_BUDGET_S = 5.0


# ---- the child processes -------------------------------------------------------------------


def _listen(url: str, expected: int) -> int:
    """Register B: print READY once listening, then one line per relayed event."""
    received: Queue[DomainEvent] = Queue()
    relay = PgEventRelay(url, "till-B", received.put, poll_s=0.2)
    runner = Runner()
    relay.install(runner)
    runner.start()
    try:
        if not relay.wait_listening(WAIT_S):
            print("ERROR not listening", flush=True)
            return 1
        # B's own event goes out too, and must not come back to B.
        runner(UserLoggedIn(99, "own-event", _now()))
        runner.wait_idle()
        print("READY", flush=True)
        deadline = time.monotonic() + WAIT_S
        for _ in range(expected):
            try:
                event = received.get(timeout=max(0.1, deadline - time.monotonic()))
            except Empty:
                break
            line = encode_event(event, register="till-B", origin="print")
            print(f"EVENT {time.time():.6f} {line}", flush=True)
        # Anything else that arrives (it must not be B's own event) is reported too.
        time.sleep(0.5)
        while not received.empty():
            line = encode_event(received.get(), register="till-B", origin="print")
            print(f"EVENT {time.time():.6f} {line}", flush=True)
    finally:
        runner.stop()
    return 0


def _sell(url: str, store_id: int, product_id: int, quantity: int, user_id: int) -> int:
    """Register A: a sale through the real publisher chain (listener, relay, local bus)."""
    database = Database(url)
    local = Recorder()
    chain = Fanout(local)
    backend = Backend(database, chain, register="till-A")
    relay = PgEventRelay(url, "till-A", lambda event: None)
    runner = Runner()
    relay.install(runner)
    runner.start()
    chain.add(runner)
    chain.add(NotificationListener(backend))  # synchronous here: the notifications commit too
    try:
        with backend.uow() as uow:
            move_stock(
                uow,
                store_id=store_id,
                product_id=product_id,
                quantity=-quantity,
                kind=MovementKind.SALE,
                batch_uuid=uuid.uuid4(),
                user_id=user_id,
            )
            committing_at = time.time()
            uow.commit()
        ok = runner.wait_idle(WAIT_S)
        print(f"COMMITTED {committing_at:.6f} {len(local.events)} {ok}", flush=True)
    finally:
        runner.stop()
        database.dispose()
    return 0


def _now() -> datetime:
    return utcnow()


def main(argv: list[str]) -> int:
    mode, url, *rest = argv
    if mode == "listen":
        return _listen(url, int(rest[0]))
    if mode == "sell":
        store_id, product_id, quantity, user_id = (int(x) for x in rest)
        return _sell(url, store_id, product_id, quantity, user_id)
    raise SystemExit(f"unknown mode {mode}")


# ---- the tests -------------------------------------------------------------------------------


class Child:
    """A child process whose stdout lines are read on a thread."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.test_pg_relay", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: Queue[str] = Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, prefix: str, timeout: float = WAIT_S) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except Empty:
                pytest.fail(f"no {prefix!r} line within {timeout} s; stderr: {self.stderr()}")
            if line.startswith(prefix):
                return line
            if line.startswith("ERROR"):
                pytest.fail(f"{line}; stderr: {self.stderr()}")

    def finish(self, timeout: float = WAIT_S) -> list[str]:
        self.process.wait(timeout)
        self._reader.join(timeout)
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        return rest

    def stderr(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        assert self.process.stderr is not None
        return self.process.stderr.read()[-3000:]

    def close(self) -> None:
        """Kill the process if it still runs and close its pipes."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self._reader.join(5)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def world(database: Database, publisher: Recorder) -> World:
    return make_world(Backend(database, publisher, register="setup"), publisher)


@pytest.fixture
def children() -> Iterator[list[Child]]:
    started: list[Child] = []
    yield started
    for child in started:
        child.close()


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_a_sale_on_one_register_reaches_the_other_process(
    world: World, database: Database, children: list[Child]
) -> None:
    url = database.url.render_as_string(hide_password=False)
    # StockMoved and StockLow from the sale, then NotificationCreated for the admin and manager.
    listener = Child("listen", url, "4")
    children.append(listener)
    listener.wait_for("READY")
    seller = Child(
        "sell", url, str(world.store_id), str(world.product_id), "6", str(world.cashier.id)
    )
    children.append(seller)
    committed = seller.wait_for("COMMITTED")
    _, committed_at, local_count, flushed = committed.split()
    assert flushed == "True"
    assert int(local_count) == 4  # A's own bus saw its four events
    seller.finish()
    lines = [listener.wait_for("EVENT") for _ in range(4)]
    lines += [line for line in listener.finish() if line.startswith("EVENT")]
    received = [decode_event(line.split(" ", 2)[2]).event for line in lines]
    arrival = max(float(line.split(" ", 2)[1]) for line in lines)
    latency = arrival - float(committed_at)
    print(
        f"relay: {len(received)} events from till-A to till-B, the last "
        f"{latency * 1000:.0f} ms after A began to commit"
    )
    assert latency < DELIVERY_BUDGET_S

    assert not any(isinstance(e, UserLoggedIn) for e in received)  # B's own message stayed home
    stock_low = [e for e in received if isinstance(e, StockLow)]
    assert len(stock_low) == 1
    assert (stock_low[0].store_id, stock_low[0].product_id) == (world.store_id, world.product_id)
    assert (stock_low[0].on_hand, stock_low[0].reorder_point) == (4, 5)
    assert [type(e) for e in received[:2]] == [StockMoved, StockLow]  # in commit order
    created = [e for e in received if isinstance(e, NotificationCreated)]
    assert sorted(e.user_id for e in created) == sorted([world.admin.id, world.manager.id])
    assert {e.title for e in created} == {"Low stock: Apple juice"}


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_the_listener_reconnects_after_losing_its_connection(database: Database) -> None:
    url = database.url.render_as_string(hide_password=False)
    received: Queue[DomainEvent] = Queue()
    listener = PgEventRelay(url, "till-B", received.put, reconnect_delay_s=0.1, poll_s=0.1)
    sender = PgEventRelay(url, "till-A", lambda e: None)
    runners = [Runner("till-B-"), Runner("till-A-")]
    listener.install(runners[0])
    sender.install(runners[1])
    for runner in runners:
        runner.start()
    try:
        assert listener.wait_listening(WAIT_S)
        with database.engine.begin() as conn:
            killed = conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        assert killed >= 1
        deadline = time.monotonic() + WAIT_S
        event = UserLoggedIn(1, "after-restart", _now())
        while time.monotonic() < deadline:
            if listener.wait_listening(0.1):
                runners[1](event)
                runners[1].wait_idle()
                try:
                    assert received.get(timeout=1) == event
                    break
                except Empty:
                    continue
        else:
            pytest.fail("the listener did not come back")
    finally:
        for runner in runners:
            runner.stop()
    assert not listener.listening


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_malformed_and_foreign_messages_are_ignored(database: Database) -> None:
    url = database.url.render_as_string(hide_password=False)
    received: Queue[DomainEvent] = Queue()
    listener = PgEventRelay(url, "till-B", received.put, poll_s=0.1)
    runner = Runner()
    listener.install(runner)
    runner.start()
    try:
        assert listener.wait_listening(WAIT_S)
        good = UserLoggedIn(1, "x", _now())
        with database.engine.begin() as conn:
            for payload in ["not json", json.dumps({"v": 1, "type": "Bogus"}), "{}"]:
                conn.execute(sa.text("SELECT pg_notify('posapp_events', :p)"), {"p": payload})
            conn.execute(
                sa.text("SELECT pg_notify('posapp_events', :p)"),
                {"p": encode_event(good, register="till-A", origin="someone")},
            )
        assert received.get(timeout=WAIT_S) == good
        assert received.empty()
    finally:
        runner.stop()


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_a_burst_of_events_goes_out_in_one_statement_in_order(database: Database) -> None:
    """Issue #23: the sending lane lets a burst gather and sends it in one statement."""
    url = database.url.render_as_string(hide_password=False)
    received: Queue[DomainEvent] = Queue()
    listener = PgEventRelay(url, "till-B", received.put, poll_s=0.1)
    sender = PgEventRelay(url, "till-A", lambda e: None)
    runners = [Runner("till-B-"), Runner("till-A-")]
    listener.install(runners[0])
    sender.install(runners[1], linger_s=3.0)  # the 40 events are queued well within it
    for runner in runners:
        runner.start()
    try:
        assert listener.wait_listening(WAIT_S)
        events = [UserLoggedIn(n, f"user-{n}", _now()) for n in range(40)]
        for event in events:
            runners[1](event)
        runners[1].wait_idle()
        got = [received.get(timeout=WAIT_S) for _ in events]
        assert got == events
        assert sender.sent_transactions == 1
    finally:
        for runner in runners:
            runner.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
