"""The running application's background services, started and stopped in one place (Qt-free).

:func:`start_services` is the part of :func:`posapp.app.run_gui` that needs no window. Given the
open database and the Qt event bus (any ``posapp.events.Publisher`` will do, which is how tests
call it), it builds:

- the **publisher chain** the services commit their events into, a
  :class:`~posapp.services.notifications.listener.Fanout` of, in order:

  1. on PostgreSQL, the :class:`~posapp.services.platform.pg_relay.PgEventRelay`'s ``notify``: this
     register's committed events go out to the other registers with ``NOTIFY``;
  2. the :class:`~posapp.services.notifications.listener.NotificationWorker`: committed events
     become stored notifications by the rules, on its own thread;
  3. the :class:`~posapp.reports.coupon_final.FinalReportWriter`: a ``CampaignEnded`` becomes
     the campaign's final report in the reports folder, then a notification linking to it;
  4. a nudge for the outbox sender on ``OrderPlaced`` and ``OrderStatusChanged``: the order
     status email written in that transaction leaves at once, not at the next round;
  5. the bus, last: screens refresh and the notification wiring shows toasts.

- the relay's **listener side**: events committed on other registers are published on the
  local bus only. They never reach the worker, the report writer or the relay again: their own
  register handles them, and the notifications that register writes arrive here as relayed
  ``NotificationCreated`` events;
- the **outbox sender** (``mailer.OutboxSender``): customer emails over SMTP with retry and
  backoff; ``backend.notifications.sender`` is set to it so that queuing an email wakes it;
- the **campaign clock**: ``coupon_campaigns.end_due_campaigns`` once at start and every
  minute, so a campaign that passes its end date ends (and gets its final report) on time.

:meth:`Services.stop` stops them in the reverse order of their dependencies. Nothing here
touches Qt, so the composition can run on any thread (opening the database after the login has
painted, say) and be tested without a QApplication.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from posapp.config import AppConfig
from posapp.events import DomainEvent, OrderPlaced, OrderStatusChanged, Publisher
from posapp.reports.coupon_final import FinalReportWriter
from posapp.services.backend import Backend
from posapp.services.coupons import end_due_campaigns
from posapp.services.notifications import (
    Fanout,
    NotificationListener,
    NotificationWorker,
    OutboxSender,
    TransportFactory,
)
from posapp.services.platform.db import Database
from posapp.services.platform.pg_relay import PgEventRelay, is_supported

_log = logging.getLogger(__name__)

THREAD_PREFIX = "posapp-"
"""Every thread the services start is named with this prefix."""
_RELAY_FLUSH_S = 2.0


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    """Tuning of the background services (the defaults are the application's).

    Attributes:
        sender_interval_s: How often the outbox sender looks for due emails (it is also woken
            whenever an email is queued here).
        campaign_check_s: How often campaigns past their end date are ended.
        transport_factory: How the sender reaches the mail server (the stored settings when None).
        relay: Whether to relay events between registers on PostgreSQL.
        relay_poll_s: How often the relay's listener checks whether it should stop.
    """

    sender_interval_s: float = 30.0
    campaign_check_s: float = 60.0
    transport_factory: TransportFactory | None = None
    relay: bool = True
    relay_poll_s: float = 0.5


class PeriodicTask:
    """Runs ``job`` on a daemon thread at once, then every ``interval_s`` seconds until stopped.

    A failing job is logged and tried again at the next tick; it never stops the thread.
    """

    def __init__(self, name: str, job: Callable[[], object], interval_s: float) -> None:
        self.name = name
        self._job = job
        self._interval = interval_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Condition()
        self.runs = 0
        """How many times the job has finished (for tests)."""

    def start(self) -> None:
        """Start the thread (a no-op while it runs)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def run_now(self) -> None:
        """Run the job now instead of at the next tick."""
        self._wake.set()

    def wait_runs(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until the job has finished ``count`` times; False on timeout (for tests)."""
        with self._lock:
            return self._lock.wait_for(lambda: self.runs >= count, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current run."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self._job()
            except Exception:
                _log.exception("%s failed; trying again at the next tick", self.name)
            with self._lock:
                self.runs += 1
                self._lock.notify_all()
            self._wake.wait(self._interval)


class SenderNudge:
    """A publisher that wakes the outbox sender after a commit that may have queued an email."""

    def __init__(self, sender: OutboxSender) -> None:
        self._sender = sender

    def __call__(self, event: DomainEvent) -> None:
        """Wake the sender on order events (their emails are in the outbox now)."""
        if isinstance(event, OrderPlaced | OrderStatusChanged):
            self._sender.wake()


class Services:
    """The background services of one running application (see the module docstring).

    Attributes:
        backend: The services' backend; its publisher is :attr:`chain`.
        chain: Where this register's committed events go.
        notifications: Turns committed events into stored notifications.
        reports: Writes final campaign reports.
        sender: Sends the email outbox.
        campaigns: Ends campaigns past their end date.
        relay: The PostgreSQL relay between registers (None on SQLite).
    """

    def __init__(
        self,
        backend: Backend,
        chain: Fanout,
        notifications: NotificationWorker,
        reports: FinalReportWriter,
        sender: OutboxSender,
        campaigns: PeriodicTask,
        relay: PgEventRelay | None,
    ) -> None:
        self.backend = backend
        self.chain = chain
        self.notifications = notifications
        self.reports = reports
        self.sender = sender
        self.campaigns = campaigns
        self.relay = relay
        self._stopped = False

    def start(self) -> None:
        """Start every thread (listening first, so nothing committed meanwhile is missed)."""
        if self.relay is not None:
            self.relay.start()
        self.notifications.start()
        self.reports.start()
        self.sender.start()
        self.campaigns.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop every thread, producers first; queued notifications and reports are finished.

        Idempotent. The relay sends what is still queued (the notifications just written)
        before it stops. Each thread is waited for at most ``timeout`` seconds; they are
        daemon threads, so a stuck one cannot keep the process alive.
        """
        if self._stopped:
            return
        self._stopped = True
        self.campaigns.stop(timeout)
        self.sender.stop(timeout)
        self.reports.stop(timeout)
        self.notifications.stop(timeout)
        if self.relay is not None:
            self.relay.flush(min(timeout, _RELAY_FLUSH_S))  # best effort: never hold up quitting
            self.relay.stop(timeout)

    @property
    def running(self) -> bool:
        """Whether any of the threads is still alive."""
        relay_alive = self.relay is not None and self.relay.listening
        return relay_alive or any(
            (
                self.notifications.running,
                self.reports.running,
                self.sender.running,
                self.campaigns.running,
            )
        )


def end_campaigns_due(backend: Backend) -> list[int]:
    """End the campaigns past their end date (the campaign clock's job); return their ids."""
    ended = end_due_campaigns(backend.uow())
    if ended:
        _log.info("campaigns ended (past their end date): %s", ended)
    return ended


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
    chain = Fanout()
    backend = Backend(database, chain, register=config.register)
    relay: PgEventRelay | None = None
    url = database.url.render_as_string(hide_password=False)
    if options.relay and is_supported(url):
        # Remote events go onto the local bus only: never to the worker, the writer or back out.
        relay = PgEventRelay(url, config.register, bus, poll_s=options.relay_poll_s)
        chain.add(relay.notify)
    worker = NotificationWorker(NotificationListener(backend))
    chain.add(worker)
    # The reports folder is <data folder>/reports, where the notification links look too.
    reports = FinalReportWriter(backend)
    chain.add(reports)
    sender = OutboxSender(
        backend,
        interval_s=options.sender_interval_s,
        transport_factory=options.transport_factory,
    )
    backend.notifications.sender = sender
    chain.add(SenderNudge(sender))
    chain.add(bus)
    campaigns = PeriodicTask(
        f"{THREAD_PREFIX}campaigns", lambda: end_campaigns_due(backend), options.campaign_check_s
    )
    services = Services(backend, chain, worker, reports, sender, campaigns, relay)
    services.start()
    return services
