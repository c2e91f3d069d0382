"""The one background runner of the services: event handlers by type, periodic jobs and loops.

Qt-free. Like cosmicpython's message bus, a :class:`Runner` holds **one registry** that maps each
event type to its handlers, and it is a ``posapp.events.Publisher``: the composition root puts it
among the publishers the unit of work hands committed events to, so a handler only ever sees an
event after its transaction has committed (a rollback drops the events before they get here).

The work runs on threads the runner owns, each named ``<prefix><name>`` (``posapp-…``):

- **lanes**: one thread and one queue each (:meth:`Runner.add_lane`). A handler is registered on
  a lane (:meth:`Runner.on`, or :meth:`Runner.on_batch` for a handler that takes a batch of what
  has queued up); publishing only queues ``(handler, event)`` on that lane, so the publishing
  thread (often the GUI's) never waits, and a slow lane (an SMTP server that does not answer, a
  large report) never holds up another (the notifications). Within a lane, work runs in the order
  it was queued.
- **periodic jobs** (:meth:`Runner.every`) run on a lane too: once at start, then every
  ``interval_s`` seconds, and at once when woken (:meth:`Job.wake`, or an event type listed in
  ``wake_on``); wakes that pile up while one is queued count once.
- **loops** (:meth:`Runner.add_loop`): a blocking function that runs until the stop event it is
  given is set (the PostgreSQL relay's ``LISTEN``).

Lanes and loops start in the order they were added and stop in the reverse order, so add the
consumers first and their producers after: the relay that must send the notifications written
while stopping is added before the lane that writes them, and stops after it. Stopping a lane
finishes what is queued on it (a queued wake is skipped: its job has stopped). An exception in a
handler, a job or a loop is logged and never kills its thread: the next event still runs.

Handlers are looked up by the event's exact type (events are final frozen dataclasses).
"""

from __future__ import annotations

import abc
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, TypeVar

from typing_extensions import override

from posapp.events import DomainEvent

_log = logging.getLogger(__name__)

E = TypeVar("E", bound=DomainEvent)

DEFAULT_PREFIX: Final = "posapp-"
"""The name prefix of every thread the application's runner starts."""


class Job:
    """A periodic job on a lane (made by :meth:`Runner.every`).

    Attributes:
        name: The job's name (for logs).
        interval_s: Seconds between runs.
        runs: How many times the job has finished (for tests).
    """

    def __init__(self, name: str, fn: Callable[[], object], interval_s: float, lane: _Lane) -> None:
        self.name = name
        self.interval_s = interval_s
        self.runs = 0
        self._fn = fn
        self._lane = lane
        self.next_at = 0.0
        """When the job runs next (``time.monotonic()``): at once when its lane starts."""
        self._wake_queued = False
        self._lock = threading.Condition()

    def wake(self) -> None:
        """Run the job now instead of at its next tick (cheap; repeated wakes queue one run)."""
        with self._lock:
            if not self._wake_queued:
                self._wake_queued = self._lane.put(self)

    @property
    def running(self) -> bool:
        """Whether the job's lane thread is alive."""
        return self._lane.alive

    def wait_runs(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until the job has finished ``count`` times; False on timeout (for tests)."""
        with self._lock:
            return self._lock.wait_for(lambda: self.runs >= count, timeout)

    def run(self) -> None:
        """Run the job once on the calling thread (the lane's); failures are logged."""
        with self._lock:
            self._wake_queued = False  # a wake from now on asks for another run
        try:
            self._fn()
        except Exception:
            _log.exception("job %s failed; trying again at the next tick", self.name)
        self.next_at = time.monotonic() + self.interval_s
        with self._lock:
            self.runs += 1
            self._lock.notify_all()


class _Pending:
    """How many queued items the runner's lanes have not finished (for :meth:`Runner.wait_idle`)."""

    def __init__(self) -> None:
        self._count = 0
        self._closed = False
        self._changed = threading.Condition()

    def add(self) -> None:
        with self._changed:
            self._count += 1

    def done(self, count: int) -> None:
        with self._changed:
            self._count -= count
            if self._count <= 0:
                self._changed.notify_all()

    def close(self) -> None:
        """Nothing more will run: waiters return."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._count <= 0 or self._closed, timeout)


class _Call:
    """One registration: ``handler`` runs on ``lane`` for each event (or each batch) it gets."""

    __slots__ = ("batch", "handler", "lane")

    def __init__(self, lane: _Lane, handler: Callable[[Any], object], *, batch: bool) -> None:
        self.lane = lane
        self.handler = handler
        self.batch = batch

    def __repr__(self) -> str:
        return f"{getattr(self.handler, '__qualname__', self.handler)!r} on {self.lane.name}"


_Item = tuple[_Call, DomainEvent] | Job | None
"""What a lane's queue holds: a handler call, a job to run now, or None (stop)."""


class _Worker(abc.ABC):
    """A daemon thread of the runner: a lane or a loop."""

    _thread: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, thread_name: str) -> None:
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float) -> None:
        """Ask the thread to end, then wait for it at most ``timeout`` seconds."""
        self._ask_to_stop()
        if self._thread is not None:
            self._thread.join(timeout)

    @abc.abstractmethod
    def _ask_to_stop(self) -> None:
        """Tell the thread to end soon (without waiting)."""

    @abc.abstractmethod
    def _run(self) -> None:
        """The thread's body."""


class _Lane(_Worker):
    """A thread with a queue of handler calls and wakes, and the periodic jobs it runs."""

    def __init__(
        self,
        pending: _Pending,
        name: str,
        *,
        batch_size: int,
        on_stop: Callable[[], object] | None,
        linger_s: float = 0.0,
    ) -> None:
        self.name = name
        self.jobs: list[Job] = []
        self._pending = pending
        self._batch_size = batch_size
        self._linger_s = linger_s
        self._on_stop = on_stop
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._accepting = True

    def put(self, item: tuple[_Call, DomainEvent] | Job) -> bool:
        """Queue ``item``; False (dropped) once the lane is stopping."""
        with self._lock:
            if not self._accepting:
                return False
            self._pending.add()
            self._queue.put(item)
            return True

    @override
    def _ask_to_stop(self) -> None:
        """Take no more work; the thread finishes what is queued, then ends."""
        with self._lock:
            self._accepting = False
            self._queue.put(None)

    def _until_due(self) -> float | None:
        if not self.jobs:
            return None
        return max(0.0, min(job.next_at for job in self.jobs) - time.monotonic())

    @override
    def _run(self) -> None:
        try:
            stopping = False
            while not stopping:
                try:
                    items: list[_Item] = [self._queue.get(timeout=self._until_due())]
                except queue.Empty:
                    items = []
                self._linger(items)
                while items and items[-1] is not None and len(items) < self._batch_size:
                    try:
                        items.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                if items and items[-1] is None:
                    items.pop()
                    stopping = True
                self._handle(items)
                self._run_due_jobs()
        finally:
            if self._on_stop is not None:
                try:
                    self._on_stop()
                except Exception:
                    _log.exception("lane %s: cleaning up failed", self.name)

    def _linger(self, items: list[_Item]) -> None:
        """Let more work queue up behind the first item for ``linger_s`` (one batch, not many)."""
        if not items or items[-1] is None or self._linger_s <= 0:
            return
        deadline = time.monotonic() + self._linger_s
        while len(items) < self._batch_size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                return
            items.append(item)
            if item is None:  # stopping: no more waiting
                return

    def _run_due_jobs(self) -> None:
        now = time.monotonic()
        for job in self.jobs:
            if job.next_at <= now and self._accepting:  # no new run once stopping
                job.run()

    def _handle(self, items: Sequence[_Item]) -> None:
        start = 0
        while start < len(items):
            item = items[start]
            end = start + 1
            if isinstance(item, Job):
                if self._accepting:  # a wake queued before the stop is skipped
                    item.run()
            elif item is not None:
                call, event = item
                if call.batch:  # consecutive events for the same batch handler go together
                    while end < len(items) and _same_call(items[end], call):
                        end += 1
                    self._call(call, [_event_of(i) for i in items[start:end]])
                else:
                    self._call(call, event)
            self._pending.done(end - start)
            start = end

    def _call(self, call: _Call, argument: object) -> None:
        try:
            call.handler(argument)
        except Exception:
            _log.exception("lane %s: handler %r failed on %r", self.name, call, argument)


def _same_call(item: _Item, call: _Call) -> bool:
    return isinstance(item, tuple) and item[0] is call


def _event_of(item: _Item) -> DomainEvent:
    assert isinstance(item, tuple)
    return item[1]


class _Loop(_Worker):
    """A blocking function on its own thread, run until its stop event is set."""

    def __init__(
        self, name: str, target: Callable[[threading.Event], object], restart_s: float
    ) -> None:
        self.name = name
        self._target = target
        self._restart_s = restart_s
        self._stop = threading.Event()

    @override
    def _ask_to_stop(self) -> None:
        self._stop.set()

    @override
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._target(self._stop)
            except Exception:
                _log.exception("loop %s failed; restarting in %s s", self.name, self._restart_s)
                self._stop.wait(self._restart_s)
            else:
                return


class Runner:
    """Runs the services' background work: handlers by event type, periodic jobs and loops.

    See the module docstring. Add lanes, loops, handlers and jobs, then :meth:`start`; publish
    committed events by calling the runner; :meth:`stop` before the database is disposed of.

    Args:
        prefix: The start of every thread's name.
    """

    def __init__(self, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix
        self._lanes: dict[str, _Lane] = {}
        self._workers: list[tuple[str, _Worker]] = []
        self._routes: dict[type[object], tuple[_Call | Job, ...]] = {}
        self._pending = _Pending()
        self._started = self._stopped = False

    # ---- building ------------------------------------------------------------------------------

    def add_lane(
        self,
        name: str,
        *,
        batch_size: int = 1,
        on_stop: Callable[[], object] | None = None,
        linger_s: float = 0.0,
    ) -> None:
        """Add a lane: a thread of its own (``<prefix><name>``) for the handlers and jobs on it.

        Args:
            name: The lane's name; handlers and jobs name it.
            batch_size: At most how many queued events a batch handler gets at once.
            on_stop: Called on the lane's thread when it ends (closing a connection, say).
            linger_s: Once work arrives, how long the lane waits for more (up to
                ``batch_size`` items) before it runs it: a burst of sales then costs one
                transaction, not one each (stopping does not wait).
        """
        self._check_building(name)
        lane = _Lane(self._pending, name, batch_size=batch_size, on_stop=on_stop, linger_s=linger_s)
        self._lanes[name] = lane
        self._workers.append((name, lane))

    def add_loop(
        self, name: str, target: Callable[[threading.Event], object], *, restart_s: float = 1.0
    ) -> None:
        """Add a long-lived blocking loop on a thread of its own (``<prefix><name>``).

        Args:
            name: The loop's name.
            target: Runs until the event it is given is set (it should look at least every
                second or so); if it raises, the error is logged and it runs again after
                ``restart_s`` seconds; if it returns, the loop is over.
            restart_s: The pause before a failed loop runs again.
        """
        self._check_building(name)
        self._workers.append((name, _Loop(name, target, restart_s)))

    def on(
        self, event_types: type[E] | Iterable[type[E]], handler: Callable[[E], object], *, lane: str
    ) -> None:
        """Call ``handler`` with each committed event of ``event_types``, on ``lane``.

        Raises:
            KeyError: no such lane.
        """
        self._route(event_types, _Call(self._lanes[lane], handler, batch=False))

    def on_batch(
        self,
        event_types: type[E] | Iterable[type[E]],
        handler: Callable[[Sequence[E]], object],
        *,
        lane: str,
    ) -> None:
        """Call ``handler`` with the events of ``event_types`` that have queued up, in order.

        A burst of events then costs one call (one transaction) instead of one each; a batch
        holds at most the lane's ``batch_size`` events.

        Raises:
            KeyError: no such lane.
        """
        self._route(event_types, _Call(self._lanes[lane], handler, batch=True))

    def every(
        self,
        name: str,
        job: Callable[[], object],
        interval_s: float,
        *,
        lane: str,
        wake_on: Iterable[type[DomainEvent]] = (),
    ) -> Job:
        """Run ``job`` on ``lane`` at start, then every ``interval_s`` seconds until stopped.

        Args:
            name: The job's name (for logs).
            job: What to run; its result is ignored, a failure is logged.
            interval_s: Seconds from the end of one run to the next.
            lane: The lane that runs it.
            wake_on: Event types that run it at once (as :meth:`Job.wake` does).

        Returns:
            The job: :meth:`Job.wake` runs it now.

        Raises:
            KeyError: no such lane.
        """
        lane_ = self._lanes[lane]
        if self._started:
            raise RuntimeError("add jobs before the runner starts")
        made = Job(name, job, interval_s, lane_)
        lane_.jobs.append(made)
        self._route(wake_on, made)
        return made

    def _check_building(self, name: str) -> None:
        if self._started:
            raise RuntimeError("add lanes and loops before the runner starts")
        if any(existing == name for existing, _ in self._workers):
            raise ValueError(f"there is already a lane or loop named {name!r}")

    def _route(self, event_types: type[E] | Iterable[type[E]], target: _Call | Job) -> None:
        types = (event_types,) if isinstance(event_types, type) else tuple(event_types)
        for event_type in types:
            # Copy on write: publishing threads read the registry without a lock.
            self._routes[event_type] = (*self._routes.get(event_type, ()), target)

    # ---- publishing ------------------------------------------------------------------------------

    def __call__(self, event: DomainEvent) -> None:
        """Queue a committed event for its handlers (never blocks, never raises)."""
        for target in self._routes.get(type(event), ()):
            if isinstance(target, Job):
                target.wake()
            elif not target.lane.put((target, event)):
                _log.debug("lane %s has stopped: dropping %r", target.lane.name, event)

    def handles(self, event_type: type[DomainEvent]) -> bool:
        """Whether anything is registered for ``event_type``."""
        return bool(self._routes.get(event_type))

    # ---- life cycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start every lane and loop, in the order they were added (a no-op after the first)."""
        if self._started or self._stopped:
            return
        self._started = True
        for name, worker in self._workers:
            worker.start(f"{self.prefix}{name}")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop every lane and loop, in the reverse order of :meth:`start`.

        Idempotent. A lane finishes what is queued on it first. Each thread is waited for at
        most ``timeout`` seconds; they are daemon threads, so a stuck one cannot keep the
        process alive.
        """
        if self._stopped:
            return
        self._stopped = True
        for _name, worker in reversed(self._workers):
            worker.stop(timeout)
        self._pending.close()

    @property
    def running(self) -> bool:
        """Whether any of the runner's threads is alive."""
        return any(worker.alive for _name, worker in self._workers)

    @property
    def thread_names(self) -> list[str]:
        """The names of the threads the runner starts, in start order."""
        return [f"{self.prefix}{name}" for name, _ in self._workers]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued event and wake has been handled; False on timeout.

        Work that handlers publish meanwhile (a notification's ``NotificationCreated`` for the
        relay, say) is waited for too. For tests; after :meth:`stop` it returns at once.
        """
        return self._pending.wait_idle(timeout)
