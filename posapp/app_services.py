"""The running application's background services, started and stopped in one place (Qt-free).

:func:`start_services` is the part of :func:`posapp.app.run_gui` that needs no window. Given the
open database and the Qt event bus (any ``posapp.events.Publisher`` will do, which is how tests
call it), it wires the services' one background
:class:`~posapp.services.platform.runner.Runner`:

- **the publisher chain** the services commit their events into is a
  :class:`~posapp.services.platform.fanout.Fanout` of the runner, which only queues each event
  for the handlers registered for its type, then the bus, last: screens refresh and the
  notification wiring shows toasts;
- **the runner's threads**, in the order they start (they stop in the reverse order, producers
  first, each finishing what is queued on it):

  1. on PostgreSQL, the relay between registers
     (:meth:`~posapp.services.platform.pg_relay.PgEventRelay.install`): the ``relay-listen`` loop
     publishes the events committed on other registers on the local bus only — they never reach
     this register's handlers: their own register handles them, and the notifications it writes
     arrive here as relayed ``NotificationCreated`` events — and the ``relay-send`` lane sends
     every event committed here to the others, what has queued up within
     :data:`~posapp.services.platform.pg_relay.SEND_LINGER_S` in one statement; stopping last,
     it sends what the lanes below wrote while they stopped;
  2. ``notifications``: the notification listener turns committed events into stored
     notifications by the rules, a batch of whatever has queued up within
     :data:`NOTIFICATION_LINGER_S` per transaction, reading in a reading transaction and taking
     the write lock only to insert (a sale's commit never waits for it). Queued
     events are lost if the process dies first: notifications are a convenience, and the facts
     they announce are in the database;
  3. ``reports``: a ``CampaignEnded`` becomes the campaign's final report in the reports folder
     (:class:`FinalReports`), then a notification linking to it;
  4. ``outbox``: the outbox sender job sends customer emails over SMTP with retry and backoff,
     every ``sender_interval_s`` seconds, and at once on ``OrderPlaced`` and
     ``OrderStatusChanged`` (the order emails written in that transaction) or when woken:
     ``backend.notifications.sender`` is the job, so queuing an email wakes it;
  5. ``campaigns``: the campaign clock, ``end_due_campaigns`` at start and every minute, so a
     campaign that passes its end date ends (and gets its final report) on time; on the same
     lane, the points clock: ``expire_due_points`` at start and every hour (loyalty points past
     the shop's period expire; idempotent, so every register may run it — docs/loyalty.md);
  6. on PostgreSQL, the register's offline side (#21, docs/OFFLINE.md):
     ``offline-link`` ticks the :class:`~posapp.services.sales.ServerLink` every half second
     (a probe; offline after a failed or silent one; the journal replayed, in order, once the
     server answers again), and ``offline-cache`` catches the register's cache up at start,
     every minute, at once after this register's catalog, staff or settings events and after the
     same events relayed from the other registers, and every 5 s sends the sign-ins made
     offline to the server's audit log. ``backend.offline_sales`` is then the register's sales
     facade, ``backend.offline_staff`` its staff facade (signing in offline).

Nothing here touches Qt, so the composition can run on any thread (opening the database after
the login has painted, say) and be tested without a QApplication.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from posapp.config import AppConfig
from posapp.events import (
    CampaignEnded,
    DomainEvent,
    OrderPlaced,
    OrderStatusChanged,
    ProductChanged,
    ProductsImported,
    Publisher,
    SettingChanged,
    UserChanged,
)
from posapp.reports.coupon_final import write_final_report
from posapp.services.backend import Backend
from posapp.services.coupons import end_due_campaigns
from posapp.services.notifications import (
    HANDLED_EVENTS,
    NotificationListener,
    TransportFactory,
    notify_final_report,
    send_due,
)
from posapp.services.platform.chain_key import chain_key
from posapp.services.platform.db import Database
from posapp.services.platform.errors import DatabaseError, ServiceError
from posapp.services.platform.fanout import Fanout
from posapp.services.platform.pg_relay import PgEventRelay, is_supported
from posapp.services.platform.runner import DEFAULT_PREFIX, Job, Runner
from posapp.services.sales import (
    JournalError,
    LinkStatus,
    OfflineCache,
    OfflineJournal,
    OfflineSales,
    OfflineStaff,
    OfflineTill,
    ServerLink,
    cache_path,
    journal_path,
    snapshot,
)

_log = logging.getLogger(__name__)
R = TypeVar("R")

THREAD_PREFIX: Final = DEFAULT_PREFIX
"""Every thread the services start is named with this prefix."""
NOTIFICATION_BATCH: Final = 200
"""At most how many queued events the notification listener writes in one transaction."""
NOTIFICATION_LINGER_S: Final = 0.25
"""How long the notification lane lets events gather after the first (issue #23): while a
cashier rings sales back to back, the listener reads (and writes) once per burst, not once per
sale, so the background rarely runs during a sale; a toast shows at most this much later."""
OUTBOX_LINGER_S: Final = 0.5
"""The same for the outbox sender's wakes (every sale wakes it): one look per burst of sales."""


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    """Tuning of the background services (the defaults are the application's).

    Attributes:
        sender_interval_s: How often the outbox sender looks for due emails (it is also woken
            whenever an email is queued here).
        campaign_check_s: How often campaigns past their end date are ended.
        points_check_s: How often loyalty points past the shop's period are expired.
        transport_factory: How the sender reaches the mail server (the stored settings when None).
        relay: Whether to relay events between registers on PostgreSQL.
        relay_poll_s: How often the relay's listener checks whether it should stop.
        offline: Whether the register keeps selling without its server (PostgreSQL only).
        offline_tick_s: How often the link to the server is probed.
        offline_refresh_s: How often the offline cache is caught up with the server.
    """

    sender_interval_s: float = 30.0
    campaign_check_s: float = 60.0
    points_check_s: float = 3600.0
    transport_factory: TransportFactory | None = None
    relay: bool = True
    relay_poll_s: float = 0.5
    offline: bool = True
    offline_tick_s: float = 0.5
    offline_refresh_s: float = 60.0


class FinalReports:
    """The ``CampaignEnded`` handler: the campaign's final report, then a notification.

    ``backend.coupons.final_report`` fetches the figures, and
    :func:`posapp.reports.coupon_final.write_final_report` draws them into the reports folder;
    then the staff the ``campaign_report`` rule names are told, with a link to it. Only this
    register's events reach it: the register that committed the end writes the report.

    Args:
        backend: Reads for the report, writes for the notifications.
        folder: Where reports go (the reports folder of the data folder when None, read at each
            write: the notification links look there too).
    """

    def __init__(self, backend: Backend, folder: Path | None = None) -> None:
        self._backend = backend
        self._folder = folder
        self.written: dict[int, Path] = {}
        """The last report written for each campaign id (for the application's log and tests)."""

    def __call__(self, event: CampaignEnded) -> None:
        """Write the report of the campaign that ended, then notify (failures are logged)."""
        try:
            final = self._backend.coupons.final_report(None, event.campaign_id)
            path = write_final_report(final, self._folder)
        except (ServiceError, OSError) as exc:
            _log.warning("cannot write the final report of campaign %s: %s", event.campaign_id, exc)
            return
        self.written[event.campaign_id] = path
        _log.info("final report of campaign %s written to %s", event.campaign_id, path)
        notify_final_report(self._backend, event, path.name)


@dataclass(eq=False)
class Services:
    """The background services of one running application (see the module docstring).

    Attributes:
        backend: The services' backend; its publisher is :attr:`chain`.
        chain: Where this register's committed events go: the runner, then the bus.
        runner: Runs the handlers, jobs and loops below on its threads.
        reports: Writes final campaign reports.
        sender: The outbox sender's job (``backend.notifications.sender``).
        campaigns: The campaign clock's job.
        relay: The PostgreSQL relay between registers (None on SQLite).
        offline: The register's offline-capable sales facade (None on SQLite).
    """

    backend: Backend
    chain: Fanout
    runner: Runner
    reports: FinalReports
    sender: Job
    campaigns: Job
    relay: PgEventRelay | None
    offline: OfflineSales | None = None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop every thread, producers first; queued notifications and reports are finished.

        Idempotent. The relay sends what is still queued (the notifications just written)
        before it stops. Each thread is waited for at most ``timeout`` seconds; they are
        daemon threads, so a stuck one cannot keep the process alive.
        """
        self.runner.stop(timeout)
        if self.offline is not None and not self.runner.running:
            close_offline(self.offline)

    @property
    def running(self) -> bool:
        """Whether any of the threads is still alive."""
        return self.runner.running


def end_campaigns_due(backend: Backend) -> list[int]:
    """End the campaigns past their end date (the campaign clock's job); return their ids."""
    ended = end_due_campaigns(backend.uow())
    if ended:
        _log.info("campaigns ended (past their end date): %s", ended)
    return ended


def expire_points_due(backend: Backend) -> int:
    """Expire the loyalty points past the shop's period (the points clock's job)."""
    expired = backend.loyalty.expire_due()
    if expired:
        _log.info("loyalty points expired: %s", expired)
    return expired


def send_outbox(backend: Backend, transport_factory: TransportFactory | None) -> None:
    """Send the due emails of the outbox (the outbox sender's job); log what happened."""
    report = send_due(backend, transport_factory=transport_factory, reader=backend.read_uow)
    if report.attempted:
        sent, retried, failed = report.sent, report.retried, report.failed
        _log.info("outbox: %s sent, %s to retry, %s failed", sent, retried, failed)


CACHE_EVENTS: Final = (ProductChanged, ProductsImported, UserChanged, SettingChanged)
"""Events after which the offline cache catches up at once (products, staff, settings)."""


class CacheWakes:
    """The relay's handler: each relayed event onto the bus, and the offline cache woken by some.

    Args:
        bus: Where every relayed event goes (the local Qt bus).
    """

    def __init__(self, bus: Publisher) -> None:
        self._bus = bus
        self.job: Job | None = None
        """The offline cache's catch-up (set once it exists; None on a register without it)."""

    def __call__(self, event: DomainEvent) -> None:
        """Publish ``event`` on the bus; wake the cache's catch-up after a catalog change."""
        self._bus(event)
        if self.job is not None and isinstance(event, CACHE_EVENTS):
            self.job.wake()


def install_offline(
    runner: Runner, backend: Backend, wakes: CacheWakes, options: ServiceOptions
) -> OfflineSales:
    """Open the cache and journal, and put the link's and the cache's jobs on ``runner``.

    Raises:
        DatabaseError: the audit key cannot be read (the journal is chained under it).
        JournalError: the cache or the journal cannot be opened.
    """
    database, register = backend.database, backend.register
    key = chain_key(database.url, None, create=True)
    if key is None:  # pragma: no cover - create=True always gives a key or raises
        raise DatabaseError("The audit key is missing: the offline journal needs it.")
    # Where the till's Z report looks for sales the server does not have yet.
    cache = OfflineCache.open(cache_path(database.url, register))
    journal = OfflineJournal.open(journal_path(database.url, register), key)
    listeners: list[Callable[[LinkStatus], None]] = []

    def announce(status: LinkStatus) -> None:
        for listener in listeners:
            listener(status)

    link = ServerLink(
        probe=lambda: _probe(database),
        read=lambda since: _guarded(lambda: snapshot(backend.read_uow(), since)),
        place=backend.sales.place_offline_sale,
        cache=cache,
        journal=journal,
        on_change=announce,
        on_count=announce,
    )
    sales = OfflineSales(backend, link, OfflineTill(cache, journal, register))
    listeners.append(sales.announce)
    staff = backend.offline_staff = OfflineStaff(backend, link, cache)  # signing in offline too
    runner.add_lane("offline-cache")
    wakes.job = runner.every(
        "offline-cache",
        link.refresh,
        options.offline_refresh_s,
        lane="offline-cache",
        wake_on=CACHE_EVENTS,
    )
    sales.refresh_soon = wakes.job.wake
    # The sign-ins made offline reach the server's audit log once it is back.
    runner.every(
        "offline-signins", staff.send_signins, options.offline_tick_s * 10, lane="offline-cache"
    )
    runner.add_lane("offline-link")
    runner.every("offline-link", link.tick, options.offline_tick_s, lane="offline-link")
    return sales


def close_offline(sales: OfflineSales) -> None:
    """End the sales' worker threads, close the offline cache and journal (runner stopped)."""
    sales.calls.close()
    sales.offline_till.journal.close()
    sales.offline_till.cache.close()


def _probe(database: Database) -> None:
    with database.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")


def _guarded(read: Callable[[], R]) -> R:
    """Run a read of the server; a lost connection is a :class:`DatabaseError` (the link's)."""
    try:
        return read()
    except OperationalError as exc:
        raise DatabaseError(str(exc.orig).strip().splitlines()[0][:120]) from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise DatabaseError("the connection was lost") from exc
        raise


def start_services(
    database: Database,
    bus: Publisher,
    config: AppConfig,
    options: ServiceOptions | None = None,
) -> Services:
    """Build and start the background services of this register (see the module docstring).

    Args:
        database: The open database.
        bus: The local event bus (the Qt ``EventBus`` in the application).
        config: The register's name comes from here.
        options: Tuning for tests; the application uses the defaults.

    Returns:
        The running services; call :meth:`Services.stop` before disposing of the database.
    """
    options = options or ServiceOptions()
    runner = Runner(THREAD_PREFIX)
    chain = Fanout(runner, bus)
    backend = Backend(database, chain, register=config.register)
    backend.shop.apply_currency()  # the shop's currency formats every amount from here on
    relay: PgEventRelay | None = None
    url = database.url.render_as_string(hide_password=False)
    postgres = is_supported(url)
    cache_wakes = CacheWakes(bus)
    if options.relay and postgres:
        # Remote events go onto the local bus only (and wake the offline cache's catch-up):
        # never to this runner or back out.
        relay = PgEventRelay(url, config.register, cache_wakes, poll_s=options.relay_poll_s)
        relay.install(runner)  # first: it starts listening first and sends until the end
    runner.add_lane("notifications", batch_size=NOTIFICATION_BATCH, linger_s=NOTIFICATION_LINGER_S)
    runner.on_batch(
        HANDLED_EVENTS, NotificationListener(backend, backend.read_uow).handle, lane="notifications"
    )
    runner.add_lane("reports")
    reports = FinalReports(backend)
    runner.on(CampaignEnded, reports, lane="reports")
    runner.add_lane("outbox", batch_size=NOTIFICATION_BATCH, linger_s=OUTBOX_LINGER_S)
    sender = runner.every(
        "outbox",
        lambda: send_outbox(backend, options.transport_factory),
        options.sender_interval_s,
        lane="outbox",
        wake_on=(OrderPlaced, OrderStatusChanged),
    )
    backend.notifications.sender = sender
    runner.add_lane("campaigns")
    campaigns = runner.every(
        "campaigns", lambda: end_campaigns_due(backend), options.campaign_check_s, lane="campaigns"
    )
    runner.every(
        "points", lambda: expire_points_due(backend), options.points_check_s, lane="campaigns"
    )
    offline: OfflineSales | None = None
    if options.offline and postgres:
        try:
            offline = install_offline(runner, backend, cache_wakes, options)
        except (JournalError, DatabaseError, OSError) as exc:  # it still sells online
            _log.error("the register cannot sell offline: %s", exc)
        backend.offline_sales = offline
    services = Services(backend, chain, runner, reports, sender, campaigns, relay, offline)
    runner.start()
    return services
