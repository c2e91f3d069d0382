"""A campaign's final effectiveness report, written to the reports folder when it ends.

Qt-free. The composition root (:func:`posapp.app_services.start_services`) puts a
:class:`FinalReportWriter` among the publishers of this register's committed events: on each
``CampaignEnded`` (a campaign used up at checkout, or passed its end date) it writes the report
on its own thread with :func:`write_final_report`, then notifies the staff the
``campaign_report`` rule names, with a link to the report. Opening that link on any register
calls :func:`ensure_final_report`, which writes the file there too if it is missing (the
reports folder is per machine; the database has everything the report needs).
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import unicodedata
from pathlib import Path
from typing import Protocol

from posapp.config import data_dir
from posapp.events import CampaignEnded, DomainEvent
from posapp.reports.coupon_effectiveness import render_effectiveness
from posapp.services.coupons import effectiveness_report, final_report_period
from posapp.services.notifications import notify_final_report
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.platform.files import write_atomic
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import Permission, authorize

_log = logging.getLogger(__name__)


class ReportBackend(Protocol):
    """What the writer needs from :class:`posapp.services.backend.Backend`."""

    def read_uow(self) -> UnitOfWork:
        """A unit of work that only reads."""
        ...


class WriterBackend(ReportBackend, Protocol):
    """What the background writer needs: reads for the report, a write for the notification."""

    def uow(self) -> UnitOfWork:
        """A unit of work that writes."""
        ...


def reports_dir() -> Path:
    """The folder reports are written to: ``<data folder>/reports``."""
    return data_dir() / "reports"


def safe_file_name(name: str) -> str:
    """A file-name-safe form of a campaign name (ASCII letters, digits and dashes)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()
    return slug[:60] or "campaign"


def write_final_report(
    backend: ReportBackend, campaign_id: int, folder: Path | None = None
) -> Path:
    """Write a campaign's effectiveness report over its whole run; return the PDF's path.

    The file is ``coupon-campaign-<id>-<name>.pdf`` in :func:`reports_dir` (or ``folder``); it
    is written to a temporary file first and renamed, so a reader never sees half a PDF, and a
    later call (the campaign ended again after a refund) replaces it.

    Raises:
        NotFoundError: no such campaign.
        OSError: the folder cannot be written.
    """
    name, first_day, last_day = final_report_period(backend.read_uow(), campaign_id)
    report = effectiveness_report(
        backend.read_uow(),
        None,
        first_day,
        last_day,
        campaign_ids=[campaign_id],
        title=f"Final report: {name}",
    )
    pdf = render_effectiveness(report)
    target_dir = folder or reports_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"coupon-campaign-{campaign_id}-{safe_file_name(name)}.pdf"
    write_atomic(target, pdf)
    return target


def find_final_report(campaign_id: int, folder: Path | None = None) -> Path | None:
    """The newest final report of ``campaign_id`` in the reports folder, if one is there."""
    target_dir = folder or reports_dir()
    try:
        found = [
            path
            for path in target_dir.glob(f"coupon-campaign-{int(campaign_id)}-*.pdf")
            if path.is_file()
        ]
    except OSError:
        return None
    return max(found, key=lambda path: path.stat().st_mtime, default=None)


def ensure_final_report(
    backend: ReportBackend, actor: UserDTO, campaign_id: int, folder: Path | None = None
) -> Path:
    """The final report of a campaign for ``actor`` to open: the file there, or a new one.

    Raises:
        PermissionDeniedError: the actor may not see coupons.
        NotFoundError: no such campaign.
        OSError: the folder cannot be written.
    """
    with backend.read_uow() as uow:
        authorize(uow, actor, Permission.VIEW_COUPONS)
    return find_final_report(campaign_id, folder) or write_final_report(
        backend, campaign_id, folder
    )


class FinalReportWriter:
    """Writes each ended campaign's final report on a daemon thread, then notifies the staff.

    A ``posapp.events.Publisher``: give it this register's committed events (the composition
    root does, through its ``Fanout``); it keeps only ``CampaignEnded``, so queuing costs the
    publishing thread nothing. Events relayed from other registers must not reach it: the
    register that committed the end writes the report.

    Args:
        backend: Reads for the report, writes for the notifications.
        folder: Where reports go (:func:`reports_dir` when None, read at each write).
    """

    def __init__(self, backend: WriterBackend, *, folder: Path | None = None) -> None:
        self._backend = backend
        self._folder = folder
        self._queue: queue.SimpleQueue[CampaignEnded | None] = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._pending = 0
        self._thread: threading.Thread | None = None
        self.written: dict[int, Path] = {}
        """The last report written for each campaign id (for the application's log and tests)."""

    def __call__(self, event: DomainEvent) -> None:
        """Queue a committed ``CampaignEnded`` (other events are ignored)."""
        if not isinstance(event, CampaignEnded):
            return
        with self._idle:
            self._pending += 1
        self._queue.put(event)

    def start(self) -> None:
        """Start the thread (a no-op when it runs)."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="posapp-reports", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the thread (waiting at most ``timeout`` seconds)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every queued report is written; False on timeout (for tests)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _run(self) -> None:
        while True:
            event = self._queue.get()
            if event is None:
                return
            try:
                self._write(event)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _write(self, event: CampaignEnded) -> None:
        try:
            path = write_final_report(self._backend, event.campaign_id, self._folder)
        except (ServiceError, OSError) as exc:
            _log.warning("cannot write the final report of campaign %s: %s", event.campaign_id, exc)
            return
        except Exception:  # a bug must not kill the thread: later campaigns still get reports
            _log.exception("cannot write the final report of campaign %s", event.campaign_id)
            return
        self.written[event.campaign_id] = path
        _log.info("final report of campaign %s written to %s", event.campaign_id, path)
        notify_final_report(self._backend, event, path.name)
