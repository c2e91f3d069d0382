"""SIGKILL a busy register hundreds of times: after every restart, nothing acknowledged is lost.

A worker process (``crash_worker``) sells (cash, coupons, customer-account payments), deposits,
withdraws, transfers and receives stock and takes returns on a real SQLite file (WAL,
``synchronous=FULL``, as posapp opens it), logging every acknowledged id with fsync after the
call returned. The test kills it with SIGKILL after a random delay, then opens the file afresh
and checks every invariant of :mod:`tests.reliability.invariants` against the log (among them
the keyed audit chain, the ledger in it, and the chain's head after every earlier kill), and
starts the next worker, which first sends again the operation the killed one had in flight.

``POSAPP_CRASH_ITERATIONS`` sets the number of kills (default 200, 40 under ``CI=true``),
``POSAPP_CRASH_SEED`` the random seed (default: from the clock, printed), and
``POSAPP_CRASH_MAX_DELAY`` the longest time a worker lives (seconds, default 0.6). Every tenth
worker is a fresh interpreter; the others are forked from a server that imported posapp and had
its statements compiled once (see crash_worker).

What SIGKILL proves: a process dying at any instruction (mid-statement, mid-commit, between the
commit and the acknowledgement) loses nothing acknowledged and leaves nothing half-written. The
operating system's page cache survives it, so it does not simulate a power cut; for that posapp
relies on ``synchronous=FULL`` (checked by tests/integration/test_sqlite_engine.py).
"""

from __future__ import annotations

import os
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from posapp.services.backend import Backend
from posapp.services.platform.anchors import Anchor
from posapp.services.platform.audit import chain_head
from posapp.services.platform.db import Database, open_database
from tests.reliability.acklog import LogSummary, summarise
from tests.reliability.figures import env_int, report
from tests.reliability.invariants import assert_invariants
from tests.reliability.operations import EXPECTED_REFUSALS
from tests.reliability.workers import ForkServer, cold_worker
from tests.reliability.world import build_world

COLD_EVERY = 10


@dataclass(slots=True)
class Tally:
    """What the run did."""

    kills: int = 0
    cold: int = 0
    checks: int = 0
    lived: list[float] = field(default_factory=list)
    check_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    anchors: list[Anchor] = field(default_factory=list)
    """The chain's head after each kill: every later check holds the chain to all of them."""


def _ended(how: str, summary: LogSummary, iteration: int) -> None:
    assert how == f"signal {signal.SIGKILL.value}", (
        f"worker {iteration} was not killed but ended ({how}); errors: {summary.errors[-1:]}"
    )


def _check(url: str, summary: LogSummary, iteration: int, tally: Tally) -> None:
    assert not summary.errors, f"after kill {iteration}: {summary.errors[-1]}"
    unexpected = set(summary.refusals) - EXPECTED_REFUSALS
    assert not unexpected, f"unexpected refusals: {unexpected}"
    started = time.monotonic()
    database = Database(url)  # a fresh engine: the first connection recovers the WAL
    try:
        # Every invariant, the keyed audit chain and the ledger in it (issue #16), and no
        # committed audit row lost since any earlier kill (the anchors).
        result = assert_invariants(
            database.engine,
            summary.acknowledged,
            anchors=tally.anchors,
            where=f"after kill {iteration}",
        )
        with Session(database.engine) as session:
            head = chain_head(session)
        tally.anchors.append(Anchor(head.rows, head.hash, f"the head after kill {iteration}"))
    finally:
        database.dispose()
    tally.checks += result.checks
    tally.check_seconds += time.monotonic() - started
    tally.counts = result.counts


def _kill_once(
    server: ForkServer, args: list[str], rng: random.Random, max_delay: float, iteration: int
) -> tuple[str, float, bool]:
    """Start a worker, let it work for a random time, SIGKILL it; return how it ended."""
    cold = iteration % COLD_EVERY == 0
    worker_seed = rng.randrange(2**31)
    proc = cold_worker(args, worker_seed) if cold else None
    pid = proc.pid if proc is not None else server.start(worker_seed)
    delay = rng.uniform(0, max_delay)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    if proc is None:
        return server.reap(pid), delay, cold
    code = proc.wait(timeout=30)
    assert proc.stdout is not None
    proc.stdout.close()
    return (f"signal {-code}" if code < 0 else f"exit {code}"), delay, cold


def _report(tally: Tally, summary: LogSummary, seed: int, max_delay: float, elapsed: float) -> None:
    acks = summary.acks
    report(
        f"crash suite: {tally.kills} iterations, {tally.kills} SIGKILLs ({tally.cold} of fresh "
        f"interpreters), seed {seed}, {elapsed:.1f} s in all, workers lived 0-{max_delay:.2f} s "
        f"(mean {sum(tally.lived) / max(1, len(tally.lived)):.2f} s)"
    )
    report(
        f"crash suite: acknowledged {acks['sale']} orders, {acks['deposit']} deposits, "
        f"{acks['withdraw']} withdrawals, {acks['transfer']} transfers, {acks['receive']} "
        f"deliveries, {acks['return']} returns; refused as expected: {dict(summary.refusals)}"
    )
    report(
        f"crash suite: {summary.in_flight} kills landed with an operation in flight; "
        f"{summary.retried} resent after restart, {summary.retried_found_committed} of them had "
        "committed before the kill (returned, not repeated)"
    )
    report(
        f"crash suite: {tally.checks} invariant checks after {tally.kills} restarts "
        f"({tally.check_seconds:.1f} s), all passed (the keyed audit chain and the ledger in it "
        f"verified each time, held to the {len(tally.anchors)} heads taken after earlier kills); "
        "lost acknowledged ids: 0; the file holds "
        + ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in tally.counts.items())
    )


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    iterations = env_int("POSAPP_CRASH_ITERATIONS", local=200, ci=40)
    seed = int(os.environ.get("POSAPP_CRASH_SEED") or time.time_ns() % 1_000_000)
    max_delay = float(os.environ.get("POSAPP_CRASH_MAX_DELAY", "0.6"))
    rng = random.Random(seed)
    url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    database = open_database(url)
    try:
        build_world(Backend(database, register="crash-till")).save(tmp_path / "world.json")
    finally:
        database.dispose()
    log = tmp_path / "acks.jsonl"
    args = ["--url", url, "--world", str(tmp_path / "world.json"), "--log", str(log)]
    began = time.monotonic()
    tally = Tally()
    server = ForkServer(args)
    try:
        for iteration in range(1, iterations + 1):
            try:
                how, delay, cold = _kill_once(server, args, rng, max_delay, iteration)
            except AssertionError as error:
                errors = summarise(log).errors
                raise AssertionError(
                    f"kill {iteration} (seed {seed}): {error}; last worker error: "
                    f"{errors[-1] if errors else 'none logged'}"
                ) from error
            summary = summarise(log)
            _ended(how, summary, iteration)
            tally.kills += 1
            tally.cold += cold
            tally.lived.append(delay)
            _check(url, summary, iteration, tally)
    finally:
        server.close()
    summary = summarise(log)
    _report(tally, summary, seed, max_delay, time.monotonic() - began)
    database = Database(url)  # opened as the workers open it
    try:
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        database.dispose()
    assert tally.kills == iterations >= 1
    assert summary.acks["sale"] > 0
    assert summary.acks.total() == summary.acknowledged.total
