"""The application's composition (``posapp.app_services.start_services``) on both databases.

What ``posapp.app.run_gui`` starts, without a window: the publisher chain and the background
runner with its notification listener, final-report writer, outbox sender, campaign clock and,
on PostgreSQL, the relay between registers. These tests start it, use it like the running
application does, and check that it stops cleanly (no thread of its own left behind). On
PostgreSQL a second register in a separate process sells, and this register hears of it through
the relay.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from posapp.app_services import ServiceOptions, Services, start_services
from posapp.config import AppConfig
from posapp.events import (
    DomainEvent,
    NotificationCreated,
    RecordingPublisher,
    StockLow,
    UserLoggedIn,
)
from posapp.models import Notification
from posapp.services.backend import Backend
from posapp.services.notifications.dto import NotificationFilter
from posapp.services.platform.db import Database
from posapp.services.platform.pg_relay import PgEventRelay
from posapp.services.platform.runner import Runner
from tests.integration.notif_till import (
    WAIT_S,
    Child,
    NotifShop,
    posapp_threads,
    seed,
    sell,
)

BASE_THREADS = {"posapp-notifications", "posapp-reports", "posapp-outbox", "posapp-campaigns"}
RELAY_THREADS = {"posapp-relay-listen", "posapp-relay-send"}


def url_of(database: Database) -> str:
    return database.url.render_as_string(hide_password=False)


def wait_until(condition: Callable[[], bool], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the condition did not hold in time")
        time.sleep(0.02)


@pytest.fixture
def shop(database: Database) -> NotifShop:
    return seed(Backend(database, register="setup"))


@pytest.fixture
def options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ServiceOptions:
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path / "data"))
    return ServiceOptions(campaign_check_s=3600, sender_interval_s=3600, relay_poll_s=0.1)


@pytest.fixture
def started(
    database: Database, options: ServiceOptions, shop: NotifShop
) -> Iterator[tuple[Services, RecordingPublisher]]:
    bus = RecordingPublisher()
    services = start_services(database, bus, AppConfig(url_of(database), "till-1"), options)
    yield services, bus
    services.stop()


def low_stock_rows(backend: Backend) -> list[tuple[int, str]]:
    with backend.read_uow() as uow:
        rows = uow.session.execute(
            select(Notification.user_id, Notification.title).where(Notification.kind == "stock_low")
        )
        return sorted((int(r.user_id), r.title) for r in rows)


def test_the_services_start_run_a_sale_through_the_chain_and_stop_cleanly(
    database: Database, options: ServiceOptions, shop: NotifShop, db_kind: str
) -> None:
    before = set(posapp_threads())
    bus = RecordingPublisher()
    services = start_services(database, bus, AppConfig(url_of(database), "till-1"), options)
    try:
        expected = BASE_THREADS | (RELAY_THREADS if db_kind == "postgres" else set())
        wait_until(lambda: expected <= set(posapp_threads()))
        assert (services.relay is not None) == (db_kind == "postgres")
        if services.relay is not None:
            assert services.relay.wait_listening(WAIT_S)
        assert services.campaigns.wait_runs(1)  # the campaign clock ran once at start
        backend = services.backend
        assert backend.notifications.sender is services.sender
        assert backend.notifications.wake_sender()

        placed = sell(backend, shop.cashier, shop.store_id, shop.product_id, 6)  # 10 → 4
        assert services.runner.wait_idle(WAIT_S)
        assert low_stock_rows(backend) == [
            (shop.admin.id, "Low stock: Apple juice"),
            (shop.manager.id, "Low stock: Apple juice"),
        ]
        wait_until(lambda: sum(isinstance(e, NotificationCreated) for e in bus.events) == 2)
        if services.relay is not None:
            assert services.runner.wait_idle(WAIT_S)  # the relay has sent it
            time.sleep(0.3)  # a bounced message (there must be none) would arrive by now
        lows = [e for e in bus.events if isinstance(e, StockLow)]
        assert len(lows) == 1  # this register's own event, once: the relay never echoes it
        manager_page = backend.notifications.list_notifications(shop.manager, NotificationFilter())
        assert [(n.link_kind, n.link_id) for n in manager_page] == [("product", shop.product_id)]
        assert placed.status == "fulfilled"
    finally:
        services.stop()
    assert not services.running
    assert set(posapp_threads()) - before == set()
    services.stop()  # idempotent


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_events_relayed_to_this_register_reach_the_bus_only(
    started: tuple[Services, RecordingPublisher], shop: NotifShop
) -> None:
    services, bus = started
    assert services.relay is not None
    chain_seen = RecordingPublisher()
    services.chain.add(chain_seen)
    assert services.relay.wait_listening(WAIT_S)
    # Another register's message, straight onto the channel.
    other = PgEventRelay(url_of(services.backend.database), "till-9", lambda e: None)
    other_runner = Runner("till-9-")
    other.install(other_runner)
    other_runner.start()
    try:
        remote = StockLow(shop.store_id, shop.product_id, 1, 5, services.backend.clock())
        other_runner(remote)
        assert other_runner.wait_idle(WAIT_S)
        wait_until(lambda: remote in bus.events)
    finally:
        other_runner.stop()
    assert services.runner.wait_idle(WAIT_S)
    assert remote not in chain_seen.events  # not the worker's, the writer's or the relay's
    assert low_stock_rows(services.backend) == []  # till-9's own listener notifies for it


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_a_sale_on_another_register_process_reaches_this_register(
    started: tuple[Services, RecordingPublisher],
    database: Database,
    shop: NotifShop,
    tmp_path: Path,
) -> None:
    services, bus = started
    assert services.relay is not None
    assert services.relay.wait_listening(WAIT_S)
    chain_seen = RecordingPublisher()
    services.chain.add(chain_seen)
    child = Child(
        url_of(database),
        "till-2",
        str(shop.store_id),
        str(shop.product_id),
        "6",
        data_dir=tmp_path / "till-2",
    )
    try:
        sold = child.wait_for("SOLD").split()
    finally:
        child.close()
    _, number, kinds, threads_left = sold
    assert number.startswith("MAIN-")
    assert {"NotificationCreated", "StockLow", "OrderPlaced"} <= set(kinds.split(","))
    assert threads_left == "0"  # the other register stopped its services cleanly

    def relayed(kind: type[DomainEvent]) -> list[DomainEvent]:
        return [e for e in bus.events if isinstance(e, kind)]

    wait_until(lambda: len(relayed(NotificationCreated)) >= 2 and bool(relayed(StockLow)))
    created = [e for e in relayed(NotificationCreated) if isinstance(e, NotificationCreated)]
    assert sorted(e.user_id for e in created) == sorted([shop.admin.id, shop.manager.id])
    assert {e.title for e in created} == {"Low stock: Apple juice"}
    assert any(isinstance(e, UserLoggedIn) for e in bus.events)  # the cashier at till-2
    # Relayed events went onto the bus only: this register's chain never saw them, so its
    # worker wrote nothing; till-2's worker wrote the two notifications.
    assert not any(isinstance(e, StockLow | NotificationCreated) for e in chain_seen.events)
    assert services.runner.wait_idle(WAIT_S)
    with services.backend.read_uow() as uow:
        count = uow.session.scalar(select(func.count()).select_from(Notification))
    assert count == 2


def test_run_gui_starts_the_services_for_the_windows_and_stops_them_on_quit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import posapp.ui.app_runner
    from posapp.app import run_gui
    from posapp.ui.app_runner import OpenedApp
    from posapp.ui.kit.bus import EventBus

    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path))
    before = set(posapp_threads())
    seen: dict[str, object] = {}

    def windows(opener: Callable[[EventBus], OpenedApp]) -> int:  # stands in for app.exec()
        opened = opener(EventBus())  # what the thread behind the login window does
        try:
            backend = opened.backend
            assert isinstance(backend, Backend)
            seen["threads"] = set(posapp_threads()) - before
            seen["sender"] = backend.notifications.sender
            seen["publisher_is_chain"] = type(backend.publisher).__name__ == "Fanout"
        finally:
            opened.stop()
        return 7

    monkeypatch.setattr(posapp.ui.app_runner, "run_opening", windows)
    config = AppConfig(f"sqlite:///{tmp_path / 'posapp.sqlite3'}", "till-1")
    assert run_gui(config) == 7
    assert seen["threads"] == BASE_THREADS
    assert seen["sender"] is not None
    assert seen["publisher_is_chain"] is True
    assert set(posapp_threads()) - before == set()  # stopped when the windows were done
