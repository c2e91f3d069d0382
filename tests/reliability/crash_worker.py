"""A register that works until it is killed: random checkouts, deposits, transfers, returns…

Run as ``python -m tests.reliability.crash_worker run --url URL --world W --log L --seed N``: it
opens the database, prints ``ready PID``, first sends again the operation that was in flight when
the previous worker died (same UUIDs: the services must do it once or say it was done), then
loops over random operations, logging each intent and acknowledgement durably (see acklog).
With ``--stop-file`` it stops cleanly once that file exists (the backup test's writers).

``serve`` mode is a fork server, so 200 restarts do not pay 200 interpreter starts and 200
compilations of every statement: it imports everything, works a little itself (logged like a
worker) so that the engine has compiled its statements, closes every connection, then, for each
``run SEED [REGISTER]`` line on stdin, forks a child that opens connections of its own and works
as above (on REGISTER with a log of its own, if given); it prints ``pid PID``.
``reap PID`` waits for that child and prints ``status PID SIGNAL-OR-EXIT``; ``quit`` ends it.
Each child is a separate process with its own SQLite connections, killed with SIGKILL exactly
like a cold-started worker.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.orm import configure_mappers

import posapp.services.sales.api  # noqa: F401 - imported once by the fork server, not per child
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.errors import ServiceError
from tests.reliability.acklog import AckLog, summarise
from tests.reliability.operations import Op, Operations
from tests.reliability.world import World

MAX_SECONDS = 60.0  # a worker nobody kills stops by itself
WARM_UP_OPS = 24


@dataclass(frozen=True, slots=True)
class Job:
    """What one worker does."""

    url: str
    world: Path
    log: Path
    seed: int
    register: str = ""
    seconds: float = MAX_SECONDS
    stop_file: Path | None = None


def _execute(ops: Operations, log: AckLog, op: Op, *, retry: bool) -> None:
    log.write({"phase": "begin", "op": op, "retry": retry})
    try:
        ids, replayed = ops.run(op)
    except ServiceError as exc:
        log.write(
            {
                "phase": "refused",
                "error": type(exc).__name__,
                "message": str(exc),
                "retry": retry,
            }
        )
        return
    if replayed and not retry:
        log.write({"phase": "error", "message": f"a fresh operation was a replay: {op}"})
        raise SystemExit(3)
    log.write(
        {"phase": "ack", "kind": op["kind"], "ids": ids, "retry": retry, "replayed": replayed}
    )


def work(job: Job, database: Database | None = None) -> int:
    """Work until killed (or ``job.seconds`` pass); return the exit code.

    ``database``: the fork server's (its pool empty), whose engine has compiled the statements.
    """
    log = AckLog(job.log)
    try:
        database = database or Database(job.url)
        world = World.load(job.world)
        backend = Backend(database, register=job.register or world.register)
        ops = Operations(backend, world, random.Random(job.seed))
        print(f"ready {os.getpid()}", flush=True)
        pending = summarise(job.log).pending
        if pending is not None:
            _execute(ops, log, pending, retry=True)
        deadline = time.monotonic() + job.seconds
        while time.monotonic() < deadline and not (job.stop_file and job.stop_file.exists()):
            op = ops.plan_restock() if ops.needs_stock() else ops.plan()
            _execute(ops, log, op, retry=False)
    except SystemExit:
        raise
    except BaseException:
        log.write({"phase": "error", "message": traceback.format_exc()})
        return 2
    finally:
        log.close()
    return 0


def log_of(log: Path, register: str) -> Path:
    """The log of the worker on ``register`` when a server runs several (one log each)."""
    return log.with_name(f"{log.stem}.{register}{log.suffix}")


def warm_up(job: Job) -> Database:
    """Work a little (logged like any worker) so the engine compiles every statement once.

    Returns the database with every connection closed, for the children to share: each child
    opens connections of its own, and none is ever inherited across ``fork``.
    """
    database = Database(job.url)
    world = World.load(job.world)
    ops = Operations(
        Backend(database, register=job.register or world.register), world, random.Random(job.seed)
    )
    log = AckLog(job.log)
    try:
        pending = summarise(job.log).pending
        if pending is not None:
            _execute(ops, log, pending, retry=True)
        for _ in range(WARM_UP_OPS):
            _execute(ops, log, ops.plan(), retry=False)
    except BaseException:
        log.write({"phase": "error", "message": traceback.format_exc()})
        raise
    finally:
        log.close()
    database.dispose()
    return database


def serve(base: Job) -> int:
    """The fork server: see the module docstring."""
    configure_mappers()  # once here, not in every child
    database = warm_up(base)
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "run":
            seed, _, register = arg.partition(" ")
            job = replace(base, seed=int(seed), register=register or base.register)
            if register:
                job = replace(job, log=log_of(base.log, register))
            pid = os.fork()
            if pid == 0:  # the child: a worker of its own
                code = 2
                try:
                    code = work(job, database)
                finally:
                    os._exit(code)
            print(f"pid {pid}", flush=True)
        elif command == "reap":
            _, status = os.waitpid(int(arg), 0)
            outcome = (
                f"signal {os.WTERMSIG(status)}"
                if os.WIFSIGNALED(status)
                else f"exit {os.WEXITSTATUS(status)}"
            )
            print(f"status {arg} {outcome}", flush=True)
        elif command == "quit":
            return 0
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and work or serve."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["run", "serve"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--world", type=Path, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--register", default="")
    parser.add_argument("--seconds", type=float, default=MAX_SECONDS)
    parser.add_argument("--stop-file", type=Path, help="stop (exit 0) once this file exists")
    args = parser.parse_args(argv)
    job = Job(
        args.url, args.world, args.log, args.seed, args.register, args.seconds, args.stop_file
    )
    return work(job) if args.mode == "run" else serve(job)


if __name__ == "__main__":
    raise SystemExit(main())
