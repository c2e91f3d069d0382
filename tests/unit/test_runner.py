"""The services' background runner: handlers by event type, periodic jobs, loops, stopping."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

import pytest

from posapp.events import (
    DomainEvent,
    OrderPlaced,
    OrderStatusChanged,
    StockMoved,
    UserChanged,
    UserLoggedIn,
)
from posapp.models import User
from posapp.services.platform.db import Database
from posapp.services.platform.runner import Runner
from posapp.services.platform.uow import UnitOfWork

AT = datetime(2026, 1, 1, tzinfo=UTC)
PREFIX = "test-runner-"
WAIT_S = 30.0  # generous: these waits end as soon as their condition holds


def changed(name: str) -> UserChanged:
    return UserChanged(1, name, "edited", AT)


def logged_in(name: str) -> UserLoggedIn:
    return UserLoggedIn(1, name, AT)


def placed(order_id: int) -> OrderPlaced:
    return OrderPlaced(order_id, f"N-{order_id}", 1, 100, AT)


def own_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith(PREFIX)}


def wait_for(condition: Callable[[], bool], timeout: float = WAIT_S) -> bool:
    done = threading.Event()
    deadline = threading.Timer(timeout, done.set)
    deadline.start()
    try:
        while not condition():
            if done.wait(0.01):
                return condition()
        return True
    finally:
        deadline.cancel()


class Seen:
    """A handler that records what it is given, from whichever thread runs it."""

    def __init__(self) -> None:
        self.items: list[object] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, item: object) -> None:
        with self._lock:
            self.items.append(item)
            self.threads.add(threading.current_thread().name)


@pytest.fixture
def runner() -> Iterator[Runner]:
    made = Runner(PREFIX)
    yield made
    made.stop()
    assert own_threads() == set()


def test_each_event_reaches_the_handlers_of_its_type_on_their_lanes(runner: Runner) -> None:
    runner.add_lane("a")
    runner.add_lane("b")
    users, orders, both = Seen(), Seen(), Seen()
    runner.on(UserChanged, users, lane="a")
    runner.on(OrderPlaced, orders, lane="a")
    runner.on((UserChanged, OrderPlaced), both, lane="b")
    runner.start()
    events: list[DomainEvent] = [changed("x"), placed(1), logged_in("nobody"), changed("y")]
    for event in events:
        runner(event)
    assert runner.wait_idle(WAIT_S)
    assert users.items == [changed("x"), changed("y")]
    assert orders.items == [placed(1)]
    assert both.items == [changed("x"), placed(1), changed("y")]  # in publishing order
    assert users.threads == orders.threads == {f"{PREFIX}a"}
    assert both.threads == {f"{PREFIX}b"}
    assert runner.handles(UserChanged)
    assert not runner.handles(UserLoggedIn)  # nobody registered: dropped at once


def test_handlers_see_only_what_the_unit_of_work_published_after_commit(
    sqlite_database: Database, runner: Runner
) -> None:
    runner.add_lane("a")
    seen = Seen()
    runner.on(UserChanged, seen, lane="a")
    runner.start()
    with UnitOfWork(sqlite_database.write_sessions, runner) as uow:
        uow.session.add(User(username="gone", username_key="gone", role="cashier"))
        uow.record(changed("gone"))
        # no commit: rolled back, the event is dropped
    with UnitOfWork(sqlite_database.write_sessions, runner) as uow:
        uow.session.add(User(username="kept", username_key="kept", role="cashier"))
        uow.record(changed("kept"))
        assert runner.wait_idle(WAIT_S)
        assert seen.items == []  # recorded is not published
        uow.commit()
    assert runner.wait_idle(WAIT_S)
    assert seen.items == [changed("kept")]


def test_a_failing_handler_is_logged_and_the_next_event_still_runs(
    runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    runner.add_lane("a")
    seen = Seen()

    def explode(event: UserChanged) -> None:
        if event.username == "bad":
            raise RuntimeError("handler on fire")
        seen(event)

    runner.on(UserChanged, explode, lane="a")
    runner.start()
    with caplog.at_level(logging.ERROR):
        runner(changed("bad"))
        runner(changed("good"))
        assert runner.wait_idle(WAIT_S)
    assert seen.items == [changed("good")]
    assert "handler on fire" in caplog.text
    assert runner.running


def test_a_batch_handler_gets_what_has_queued_up_in_batches(runner: Runner) -> None:
    runner.add_lane("notes", batch_size=200)
    batches: list[Sequence[DomainEvent]] = []
    runner.on_batch(UserChanged, lambda events: batches.append(list(events)), lane="notes")
    for i in range(300):
        runner(changed(f"u{i}"))
        runner(StockMoved(1, 1, "sale", -1, AT))  # no handler: never queued
    runner.start()
    assert runner.wait_idle(WAIT_S)
    assert [len(batch) for batch in batches] == [200, 100]  # queued before start
    assert [e for batch in batches for e in batch] == [changed(f"u{i}") for i in range(300)]


def test_a_lingering_lane_gathers_events_published_one_by_one_into_one_batch(
    runner: Runner,
) -> None:
    # Issue #23: sales rung one after the other cost the notification lane one batch, not one
    # transaction each. The linger is long and the batch small, so the batch fills first.
    runner.add_lane("notes", batch_size=3, linger_s=WAIT_S)
    batches: list[Sequence[DomainEvent]] = []
    runner.on_batch(UserChanged, lambda events: batches.append(list(events)), lane="notes")
    runner.start()
    for i in range(3):
        runner(changed(f"u{i}"))
    assert runner.wait_idle(WAIT_S)
    assert batches == [[changed("u0"), changed("u1"), changed("u2")]]


def test_stopping_does_not_wait_for_a_lingering_lane() -> None:
    made = Runner(PREFIX)
    made.add_lane("notes", batch_size=200, linger_s=10 * WAIT_S)
    seen = Seen()
    made.on_batch(UserChanged, seen, lane="notes")
    made.start()
    made(changed("late"))
    made.stop(WAIT_S)
    assert seen.items == [[changed("late")]]  # handled as the lane stopped
    assert own_threads() == set()


def test_a_slow_lane_does_not_hold_up_another(runner: Runner) -> None:
    runner.add_lane("slow")
    runner.add_lane("fast")
    release = threading.Event()
    fast = Seen()
    runner.on(UserChanged, lambda _event: release.wait(WAIT_S), lane="slow")
    runner.on(UserChanged, fast, lane="fast")
    runner.start()
    try:
        runner(changed("x"))
        assert wait_for(lambda: fast.items == [changed("x")])
        assert not runner.wait_idle(0.05)  # the slow lane is still busy
    finally:
        release.set()
    assert runner.wait_idle(WAIT_S)


def test_a_periodic_job_runs_at_start_then_every_interval(runner: Runner) -> None:
    runner.add_lane("clock")
    ticks = Seen()
    job = runner.every("tick", lambda: ticks(1), 0.01, lane="clock")
    assert not runner.running
    runner.start()
    assert job.wait_runs(3, WAIT_S)
    assert job.running
    assert ticks.threads == {f"{PREFIX}clock"}


def test_a_wake_runs_a_job_at_once_and_events_can_wake_it(runner: Runner) -> None:
    runner.add_lane("mail")
    job = runner.every("send", lambda: None, 3600, lane="mail", wake_on=(OrderPlaced,))
    runner.start()
    assert job.wait_runs(1, WAIT_S)  # at start
    job.wake()
    assert job.wait_runs(2, WAIT_S)
    runner(placed(1))
    assert job.wait_runs(3, WAIT_S)
    runner(OrderStatusChanged(1, "N-1", "paid", "ready", AT))  # not a waking event
    assert runner.wait_idle(WAIT_S)
    assert job.runs == 3
    runner.stop()
    job.wake()  # stopped: nothing runs, nothing raises
    runner(placed(2))
    assert job.runs == 3
    assert not job.running


def test_wakes_that_pile_up_while_one_is_queued_run_the_job_once(runner: Runner) -> None:
    runner.add_lane("mail")
    release = threading.Event()
    runs = Seen()

    def send() -> None:
        runs(1)
        if len(runs.items) == 2:  # the woken run waits, so that more wakes pile up
            release.wait(WAIT_S)

    job = runner.every("send", send, 3600, lane="mail")
    runner.start()
    assert job.wait_runs(1, WAIT_S)
    job.wake()
    assert wait_for(lambda: len(runs.items) == 2)  # running: a new wake queues a new run
    for _ in range(5):
        job.wake()
    release.set()
    assert job.wait_runs(3, WAIT_S)
    assert runner.wait_idle(WAIT_S)
    assert job.runs == 3


def test_a_failing_job_is_logged_and_runs_again(
    runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    runner.add_lane("clock")

    def fail() -> None:
        raise RuntimeError("job on fire")

    job = runner.every("broken", fail, 3600, lane="clock")
    runner.start()
    with caplog.at_level(logging.ERROR):
        assert job.wait_runs(1, WAIT_S)
        job.wake()
        assert job.wait_runs(2, WAIT_S)
    assert [r.getMessage() for r in caplog.records] == [
        "job broken failed; trying again at the next tick"
    ] * 2
    assert job.running


def test_a_loop_runs_until_stopped_and_is_restarted_after_a_failure(
    runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    calls = Seen()

    def listen(stop: threading.Event) -> None:
        calls(threading.current_thread().name)
        if len(calls.items) == 1:
            raise RuntimeError("connection lost")
        stop.wait()

    runner.add_loop("listen", listen, restart_s=0.01)
    with caplog.at_level(logging.ERROR):
        runner.start()
        assert wait_for(lambda: len(calls.items) == 2)
    assert "connection lost" in caplog.text
    assert calls.items == [f"{PREFIX}listen"] * 2
    runner.stop()
    assert not runner.running


def test_stop_finishes_queued_work_consumers_last_and_is_idempotent() -> None:
    runner = Runner(PREFIX)
    relay, order = Seen(), Seen()
    # The relay lane is added first: it starts first and stops last, so what the notes lane
    # publishes while it finishes its queue still goes out.
    runner.add_loop("listen", lambda stop: stop.wait())
    runner.add_lane("relay")
    runner.add_lane("notes")
    runner.on((UserChanged, UserLoggedIn), relay, lane="relay")

    def note(event: UserChanged) -> None:
        order(event.username)
        runner(logged_in(f"noted {event.username}"))

    runner.on(UserChanged, note, lane="notes")
    runner.start()
    assert runner.thread_names == [f"{PREFIX}listen", f"{PREFIX}relay", f"{PREFIX}notes"]
    assert own_threads() == set(runner.thread_names)
    for i in range(20):
        runner(changed(f"u{i}"))
    runner.stop()
    assert order.items == [f"u{i}" for i in range(20)]
    assert logged_in("noted u19") in relay.items
    assert len(relay.items) == 40
    assert not runner.running
    assert own_threads() == set()
    runner.stop()  # idempotent
    runner(changed("late"))  # after stop: dropped, never raises
    assert runner.wait_idle(0)
    assert len(relay.items) == 40


def test_building_after_start_is_refused(runner: Runner) -> None:
    runner.add_lane("a")
    with pytest.raises(ValueError, match="already"):
        runner.add_lane("a")
    runner.start()
    with pytest.raises(RuntimeError):
        runner.add_lane("b")
    with pytest.raises(RuntimeError):
        runner.every("late", lambda: None, 1, lane="a")
    with pytest.raises(KeyError):
        runner.on(UserChanged, print, lane="nowhere")
