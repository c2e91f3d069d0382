"""A campaign's final effectiveness report, written to the reports folder when it ends.

Qt-free: the application calls :func:`write_final_report` from a worker thread when the bus
announces ``CampaignEnded`` (see the wiring notes in the function's docstring).
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Protocol

from posapp.config import data_dir
from posapp.reports.coupon_effectiveness import render_effectiveness
from posapp.services.coupon_report_data import effectiveness_report, final_report_period
from posapp.services.uow import UnitOfWork


class ReportBackend(Protocol):
    """What the writer needs from :class:`posapp.services.backend.Backend`."""

    def read_uow(self) -> UnitOfWork:
        """A unit of work that only reads."""
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

    Wiring (composition root): connect ``bus.campaign_ended`` to a slot that starts a
    ``QRunnable`` calling ``write_final_report(backend, event.campaign_id)``; on success post a
    notification linking to the returned path, on a ``ServiceError`` or ``OSError`` log it.

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
    handle, temp = tempfile.mkstemp(prefix=".coupon-", suffix=".pdf", dir=target_dir)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(pdf)
        Path(temp).replace(target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target
