"""A call to the server the register waits for only while the server answers (#21).

On a silent network (a pulled cable behind a switch, a frozen server, a middlebox that still
acknowledges) a statement sent to the server gets no answer and no error, for as long as the
silence lasts. The register's sale runs on its GUI thread, so the cashier would wait, frozen, for
the whole cut. :class:`ServerCalls` runs such a call on a worker thread and waits for whichever
comes first:

- the call's answer (its result, or its error: a refusal the server gave in time reaches the
  cashier exactly as before);
- the :class:`~posapp.services.sales.offline.link.ServerLink` going offline (its probe, ticked
  every half second, gives up after :data:`~.link.PROBE_TIMEOUT_S`: about 2.5 s after the cut);
- :data:`ANSWER_LIMIT_S`, a backstop should the link's ticks be held up.

Then :class:`Unanswered` is raised and the caller takes the sale offline with the same sale UUID.
The abandoned call may still complete later (the network comes back under it): the sale is then
on the server, and the replay of the journalled sale finds it by its UUID (a sale whose COMMIT
answer was lost), so it is never placed twice.

The worker threads are few (:data:`CALL_THREADS`, a call abandoned on a silent connection may
hold one until the network returns), started when needed, reused, and daemon threads ending after
:data:`IDLE_S` without work: nothing grows per sale, and a hung call never holds the register's
process open when it quits.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from posapp.i18n import _
from posapp.services.sales.offline.link import PROBE_TIMEOUT_S, ServerLink

__all__ = ["ANSWER_LIMIT_S", "CALL_THREADS", "IDLE_S", "ServerCalls", "Unanswered"]

R = TypeVar("R")
_log = logging.getLogger(__name__)

ANSWER_LIMIT_S = 4 * PROBE_TIMEOUT_S
"""The longest the register waits for an answer while the link still says online (a backstop:
the link goes offline within a tick and :data:`~.link.PROBE_TIMEOUT_S` of a silent cut)."""
CALL_THREADS = 4
"""Worker threads at most (calls abandoned on a silent network may hold some until it returns)."""
IDLE_S = 30.0
"""A worker thread without work for this long ends."""


_Job = tuple[Future[Any], Callable[[], Any]]


class Unanswered(Exception):  # noqa: N818 - a state, not a failure of the call's own
    """The server did not answer before the link went offline (or :data:`ANSWER_LIMIT_S`)."""

    def __init__(self, reason: str, *, link_offline: bool) -> None:
        super().__init__(reason)
        self.link_offline = link_offline
        """True when the link went offline first; False when the backstop ran out."""


class ServerCalls:
    """Runs calls to the server on a few reusable worker threads (see the module's text)."""

    def __init__(self, link: ServerLink, *, limit_s: float = ANSWER_LIMIT_S) -> None:
        self.link = link
        self.limit_s = limit_s
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._workers: set[threading.Thread] = set()
        self._idle = 0

    @property
    def threads(self) -> int:
        """Worker threads alive now."""
        with self._lock:
            return len(self._workers)

    def close(self, timeout: float = 5.0) -> None:
        """End the worker threads (the register quits).

        Idle ones end at once; one still waiting for a silent server is not waited for beyond
        ``timeout`` (a daemon thread, it cannot keep the process alive).
        """
        with self._lock:
            workers = list(self._workers)
            for _worker in workers:
                self._jobs.put(None)
        deadline = time.monotonic() + timeout
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))

    def answer(self, call: Callable[[], R]) -> R:
        """``call()``'s result or error; :class:`Unanswered` if the server goes silent first."""
        future: Future[R] = Future()
        future.add_done_callback(lambda _done: self.link.wake())
        with self._lock:
            self._jobs.put((future, call))
            if self._idle < self._jobs.qsize() and len(self._workers) < CALL_THREADS:
                worker = threading.Thread(target=self._work, name="posapp-server-call", daemon=True)
                self._workers.add(worker)
                self._idle += 1
                worker.start()
        offline = self.link.wait_offline(future.done, self.limit_s)
        if future.done():
            return future.result()
        if not future.cancel():  # running: it may still complete, the replay finds it then
            future.add_done_callback(_late)
        if offline:
            raise Unanswered(self.link.status.reason, link_offline=True)
        reason = _("The server did not answer within {seconds} s.")
        raise Unanswered(reason.format(seconds=f"{self.limit_s:g}"), link_offline=False)

    def _work(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=IDLE_S)
            except queue.Empty:
                with self._lock:
                    if self._jobs.empty():  # nothing came meanwhile: this thread ends
                        self._end()
                        return
                continue
            with self._lock:
                if job is None:  # closed
                    self._end()
                    return
                self._idle -= 1
            future, call = job
            if future.set_running_or_notify_cancel():
                try:
                    result = call()
                except BaseException as exc:  # the caller raises it (or _late logs it)
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            with self._lock:
                self._idle += 1

    def _end(self) -> None:
        """This worker thread ends (under the lock)."""
        self._idle -= 1
        self._workers.discard(threading.current_thread())


def _late(future: Future[Any]) -> None:
    """What an abandoned call came to, once it did (for the log: the replay settles the sale)."""
    error = future.exception()
    if error is None:
        _log.info("a call the register stopped waiting for was answered late")
    else:
        _log.info("a call the register stopped waiting for failed late: %s", error)
