"""A campaign's final effectiveness report as a file in the reports folder.

Qt-free, and only the report: when a campaign ends (used up at checkout, or past its end date),
the composition root (:mod:`posapp.app_services`) writes it with :func:`write_final_report` on a
lane of the background runner, then has the notification service tell the staff the
``campaign_report`` rule names, with a link to it. Opening that link on any register calls
:func:`ensure_final_report`, which writes the file there too if it is missing (the reports folder
is per machine; the database has everything the report needs).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Protocol

from posapp.config import data_dir
from posapp.reports.coupon_effectiveness import render_effectiveness
from posapp.services.coupons import effectiveness_report, final_report_period
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.files import write_atomic
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import Permission, authorize


class ReportBackend(Protocol):
    """What writing a report needs from :class:`posapp.services.backend.Backend`."""

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
