"""Whether the register can reach its server, and what follows: offline, replay, online again.

:class:`ServerLink` is a small state machine the background runner drives with :meth:`tick`
(every half second, on a lane of its own) and the register feeds with :meth:`lost` when a call
to the server fails for want of a connection:

- **online**: a tick probes the server (``SELECT 1``); a probe that fails or takes longer than
  :data:`PROBE_TIMEOUT_S` (a silent network, where no error ever comes) makes the link offline
  (``SELECT 1`` fails only when nothing can be done through the server; elsewhere only a lost
  server, :func:`~posapp.services.sales.offline.reach.server_gone`, sends the register offline);
  sales left in the journal from before (a restart while offline) are replayed.
- **offline**: the register sells from the cache into the journal; a tick probes the server, and
  once it answers the link replays the journal, in order, then goes back online. A replay stopped
  by the server going away again leaves the link offline.

Each change of state is told to ``on_change`` (the register's status bar), from the runner's
thread; a change of the counts alone (a sale journalled, the replay's progress ``done`` of
``total``) to ``on_count``. The cache is caught up by :meth:`refresh` while online (a periodic
job, and the relay's catalog events).
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from posapp.services.platform.errors import ServiceError
from posapp.services.sales.offline.cache import OfflineCache, Snapshot
from posapp.services.sales.offline.journal import OfflineJournal
from posapp.services.sales.offline.reach import describe, server_gone
from posapp.services.sales.offline.replay import Placer, ReplayResult, replay

__all__ = ["PROBE_TIMEOUT_S", "LinkState", "LinkStatus", "ServerLink"]

_log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2.0
"""A probe not answered by then counts as a lost server (a silent network never errors)."""


class LinkState(enum.StrEnum):
    """Where the register stands with its server."""

    ONLINE = "online"
    OFFLINE = "offline"
    SYNCING = "syncing"


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """What the status bar shows."""

    state: LinkState
    since: float
    """``time.monotonic()`` of the change."""
    unsynced: int
    reason: str = ""
    done: int = 0
    """While syncing: how many of :attr:`total` sales the replay has handed to the server."""
    total: int = 0


class ServerLink:
    """The register's link to its server (thread-safe; see the module's text)."""

    def __init__(
        self,
        *,
        probe: Callable[[], object],
        read: Callable[[datetime | None], Snapshot],
        place: Placer,
        cache: OfflineCache,
        journal: OfflineJournal,
        on_change: Callable[[LinkStatus], None] = lambda status: None,
        on_count: Callable[[LinkStatus], None] = lambda status: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probe = probe
        self._read = read
        self._place = place
        self.cache = cache
        self.journal = journal
        self._on_change = on_change
        self._on_count = on_count
        self._clock = clock
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._status = LinkStatus(LinkState.ONLINE, clock(), journal.unsynced())
        self._probing: threading.Thread | None = None
        self.last_replay: ReplayResult | None = None

    @property
    def status(self) -> LinkStatus:
        """The link's state now."""
        with self._lock:
            return self._status

    @property
    def online(self) -> bool:
        """True while the server answers (the register sells through it)."""
        return self.status.state is LinkState.ONLINE

    def lost(self, reason: str) -> None:
        """A call to the server failed for want of a connection: go offline now."""
        self._set(LinkState.OFFLINE, reason)

    def wait_offline(self, done: Callable[[], bool], timeout: float) -> bool:
        """Wait until the link is offline (True), ``done()`` holds or ``timeout`` s pass (False).

        ``done`` is checked again at each :meth:`wake` (the caller's call answered) and change.
        """
        with self._changed:
            self._changed.wait_for(
                lambda: done() or self._status.state is LinkState.OFFLINE, timeout
            )
            return self._status.state is LinkState.OFFLINE

    def wake(self) -> None:
        """Have :meth:`wait_offline` check its ``done`` again (from any thread)."""
        with self._changed:
            self._changed.notify_all()

    def tick(self) -> None:
        """Probe the server; go offline, or replay and come back online (see the module)."""
        reachable, reason = self._reachable()
        if not reachable:
            if self.status.state is not LinkState.OFFLINE:
                self._set(LinkState.OFFLINE, reason)
            return
        if self.journal.pending_count() == 0:
            if self.status.state is not LinkState.ONLINE:
                self._set(LinkState.ONLINE)
            return
        self._set(LinkState.SYNCING, total=self.journal.pending_count())
        result = self.last_replay = replay(self.journal, self._place, progress=self._progress)
        if result.stopped is not None:
            self._set(LinkState.OFFLINE, result.stopped)
        else:
            self._set(LinkState.ONLINE)

    def refresh(self) -> None:
        """Catch the cache up with the server (only while online).

        A lost server (:func:`.reach.server_gone`) means offline; any other error is logged and
        the cache stays as it was (the next catch-up tries again; the register stays online).
        """
        if not self.online:
            return
        try:
            self.cache.apply(self._read(self.cache.read_at()))
        except (ServiceError, SQLAlchemyError) as exc:
            if server_gone(exc):
                self.lost(describe(exc))
            else:
                _log.warning("the offline cache could not catch up: %s", exc)

    # --- inside -----------------------------------------------------------------------------

    def _reachable(self) -> tuple[bool, str]:
        """Run the probe on a thread of its own, at most :data:`PROBE_TIMEOUT_S` long.

        A probe still hanging from an earlier tick counts as unreachable without starting another.
        """
        if self._probing is not None and self._probing.is_alive():
            return False, "The server does not answer."
        outcome: list[BaseException | None] = []

        def run() -> None:
            try:
                self._probe()
            except Exception as exc:
                outcome.append(exc)
            else:
                outcome.append(None)

        self._probing = threading.Thread(target=run, name="posapp-server-probe", daemon=True)
        self._probing.start()
        self._probing.join(PROBE_TIMEOUT_S)
        if not outcome:
            return False, "The server does not answer."
        error = outcome[0]
        if error is None:
            return True, ""
        if server_gone(error):
            _log.info("server probe failed: %s", error)
            return False, describe(error)
        # SELECT 1 refused (a wrong password, the database missing, no connection slot left):
        # nothing can be sold through this server either, so the register sells offline.
        _log.warning("server probe refused: %s", error)
        return False, describe(error)

    def _progress(self, done: int, total: int) -> None:
        """The replay handed one more sale over: the status bar counts up (``on_count``)."""
        self._count(done, total)

    def recorded(self) -> None:
        """A sale was journalled: the count of sales waiting goes up (``on_count``)."""
        self._count()

    def _count(self, done: int = 0, total: int = 0) -> None:
        with self._lock:
            old = self._status
            self._status = LinkStatus(
                old.state, old.since, self.journal.unsynced(), old.reason, done, total
            )
            status = self._status
        self._on_count(status)

    def _set(self, state: LinkState, reason: str = "", *, total: int = 0) -> None:
        with self._lock:
            old = self._status
            if old.state is state and old.reason == reason:
                return
            unsynced = self.journal.unsynced()
            self._status = LinkStatus(state, self._clock(), unsynced, reason, 0, total)
            status = self._status
            self._changed.notify_all()
        self._on_change(status)
