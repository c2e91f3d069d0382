"""Eight register processes, spawned once per test module and reused by every race."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from tests.reliability.pg import registers as reg

T = TypeVar("T")

REGISTERS = 8
RESULT_TIMEOUT = 600.0


class Registers:
    """Eight spawned processes, each a register, started once per module and reused by tasks.

    Starting a process and importing the app takes seconds on a shared machine, so the tasks of
    all the races run on the same warm processes. Each task call is released by a barrier
    together with its siblings, so they really race.
    """

    def __init__(self, url: str) -> None:
        # forkserver: each register is a fresh process forked from a server that imported the
        # app once (spawn would import it eight times over on a shared two-core machine; fork
        # would copy the test process with its pools and threads).
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([reg.__name__])
        self.url = url
        self._manager = context.Manager()
        self._pool = ProcessPoolExecutor(REGISTERS, mp_context=context)
        pids = self.run(reg.warm_up, [{} for _ in range(REGISTERS)])
        assert len(set(pids)) == REGISTERS, "the registers are not separate processes"

    def run(self, task: Callable[..., T], calls: list[dict[str, Any]]) -> list[T]:
        """Run ``task`` once per keyword set, all released together; return the results."""
        assert len(calls) <= REGISTERS
        barrier = self._manager.Barrier(len(calls))
        futures = [
            self._pool.submit(task, url=self.url, barrier=barrier, **kwargs) for kwargs in calls
        ]
        return [future.result(timeout=RESULT_TIMEOUT) for future in futures]

    def close(self) -> None:
        """Stop the processes."""
        started = time.perf_counter()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._manager.shutdown()
        print(f"register pool closed in {time.perf_counter() - started:.1f} s")
