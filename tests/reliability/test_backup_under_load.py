"""``posapp backup`` while four registers sell, and ``posapp restore`` of what it made.

Four worker processes (see crash_worker) do checkouts, deposits, withdrawals, transfers and
returns on one SQLite file, each on its own register. While they work, the real command line
(``posapp backup FILE``, a subprocess) copies the database with SQLite's online backup API. Then:

- the backup passes every invariant of :mod:`tests.reliability.invariants` and holds everything
  the writers had acknowledged before the backup started;
- the live database, once the writers stopped, passes them with everything acknowledged;
- ``posapp restore FILE`` puts the backup in place: the database then is the backup (same rows)
  and passes the invariants; the copy of the replaced database kept beside it passes them too.

A second test shows that a register committing all the time never restarts the copy (the backup
holds one read snapshot of the source), so a big database's backup finishes under load.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from posapp.models import Order
from posapp.services.backend import Backend
from posapp.services.platform.backup import backup
from posapp.services.platform.db import Database, open_database
from tests.reliability.acklog import summarise
from tests.reliability.crash_worker import log_of
from tests.reliability.figures import report
from tests.reliability.invariants import Acknowledged, InvariantReport, assert_invariants
from tests.reliability.workers import ROOT, ForkServer
from tests.reliability.world import build_world

REGISTERS = ("reg-1", "reg-2", "reg-3", "reg-4")
WARM_UP_SECONDS = 1.0
POSAPP = Path(sys.executable).with_name("posapp")


def _cli(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    command = [str(POSAPP)] if POSAPP.exists() else [sys.executable, "-c", _MAIN]
    env = {**os.environ, "POSAPP_DATABASE_URL": url}
    return subprocess.run(
        [*command, *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


_MAIN = "import sys; from posapp.app import main; sys.exit(main())"


def _union(parts: list[Acknowledged]) -> Acknowledged:
    return Acknowledged(
        orders=frozenset().union(*(p.orders for p in parts)),
        ledger_keys=frozenset().union(*(p.ledger_keys for p in parts)),
        stock_batches=frozenset().union(*(p.stock_batches for p in parts)),
        returns=frozenset().union(*(p.returns for p in parts)),
    )


def _acknowledged(log: Path) -> Acknowledged:
    logs = [log, *(log_of(log, register) for register in REGISTERS)]  # the server's warm-up too
    summaries = [summarise(path) for path in logs]
    for summary in summaries:
        assert not summary.errors, summary.errors[-1]
    return _union([s.acknowledged for s in summaries])


def _check(path: Path, acked: Acknowledged, where: str) -> InvariantReport:
    database = Database(f"sqlite:///{path}")
    try:
        return assert_invariants(database.engine, acked, where=where)
    finally:
        database.dispose()


def _orders(path: Path) -> int:
    database = Database(f"sqlite:///{path}")
    try:
        with database.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(Order)) or 0)
    finally:
        database.dispose()


@pytest.mark.slow
def test_backup_while_four_registers_sell_then_restore(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    url = f"sqlite:///{live}"
    database = open_database(url)
    try:
        world = build_world(Backend(database, register=REGISTERS[0]), more_registers=REGISTERS[1:])
    finally:
        database.dispose()
    world.save(tmp_path / "world.json")
    log, stop = tmp_path / "acks.jsonl", tmp_path / "stop"
    args = ["--url", url, "--world", str(tmp_path / "world.json"), "--log", str(log)]
    server = ForkServer([*args, "--stop-file", str(stop)])
    backup_file = tmp_path / "backups" / "during-sales.sqlite3"
    try:
        pids = [server.start(n, register) for n, register in enumerate(REGISTERS, start=1)]
        time.sleep(WARM_UP_SECONDS)
        acked_before = _acknowledged(log)
        started = time.monotonic()
        made = _cli("backup", str(backup_file), url=url)
        took = time.monotonic() - started
        acked_during = _acknowledged(log).total - acked_before.total
        stop.touch()
        endings = [server.reap(pid) for pid in pids]
    finally:
        stop.touch()
        server.close()
    assert made.returncode == 0, made.stderr
    assert "Backed up" in made.stdout
    assert endings == ["exit 0"] * len(REGISTERS), endings
    assert acked_before.orders, "the writers sold nothing before the backup"
    assert acked_during > 0, "nobody wrote while the backup ran: it proves nothing"
    acked_all = _acknowledged(log)
    copy = _check(backup_file, acked_before, "the backup")
    after = _check(live, acked_all, "the live database after the writers stopped")
    in_backup, in_live = _orders(backup_file), _orders(live)
    assert len(acked_before.orders) <= in_backup <= in_live

    restored = _cli("restore", str(backup_file), url=url)
    assert restored.returncode == 0, restored.stderr
    kept = sorted(tmp_path.glob("live.sqlite3.before-restore-*"))
    assert len(kept) == 1, kept
    again = _check(live, acked_before, "the restored database")
    assert _orders(live) == in_backup
    assert again.counts == copy.counts
    _check(kept[0], acked_all, "the copy kept by restore")
    report(
        f"backup under load: 4 registers acknowledged {acked_during} operations while "
        f"`posapp backup` ran ({took:.1f} s, {backup_file.stat().st_size:,} bytes); the backup "
        f"holds {in_backup} orders (all {len(acked_before.orders)} acknowledged before it "
        f"started), the live database {in_live} (of {len(acked_all.orders)} acknowledged); "
        f"backup, live, restored and kept copies passed {copy.checks} checks each"
    )
    assert after.ok


FILLER_MB = 8


def test_backup_copies_one_snapshot_while_a_register_commits(
    sqlite_database: Database, tmp_path: Path
) -> None:
    live = Path(str(sqlite_database.url.database))
    with sqlite3.connect(live) as conn:
        conn.execute("CREATE TABLE rel_filler (x BLOB)")
        conn.executemany(
            "INSERT INTO rel_filler VALUES (randomblob(?))", [(1024 * 1024,)] * FILLER_MB
        )
    stop = threading.Event()
    commits = [0]

    def register() -> None:
        writer = sqlite3.connect(live, timeout=30, isolation_level=None)
        try:
            while not stop.is_set():
                writer.execute("INSERT INTO rel_filler VALUES (x'00')")
                commits[0] += 1
        finally:
            writer.close()

    progress: list[int] = []
    thread = threading.Thread(target=register, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        backup(
            sqlite_database, tmp_path / "copy.sqlite3", progress=lambda d, _t: progress.append(d)
        )
        took = time.monotonic() - started
    finally:
        stop.set()
        thread.join(timeout=30)
    restarts = sum(1 for a, b in itertools.pairwise(progress) if b < a)
    report(
        f"backup of a {FILLER_MB} MB database while a writer committed {commits[0]} times: "
        f"{len(progress)} steps, {restarts} restarts, {took:.1f} s"
    )
    assert restarts == 0
