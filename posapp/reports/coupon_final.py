"""A campaign's final effectiveness report as a file in this machine's reports folder.

Qt-free, and only drawing and filing: the figures come from
:meth:`posapp.services.coupons.CouponsApi.final_report` (which also names the file). The
composition root (:class:`posapp.app_services.FinalReports`) writes the report of a campaign
that ended; opening its notification's link on a register that has no copy writes one there
(:class:`posapp.ui.notifications.menu.LinkOpener`): the reports folder is per machine, the
database has everything the report needs.
"""

from __future__ import annotations

from pathlib import Path

from posapp.config import data_dir
from posapp.reports.coupon_effectiveness import render_effectiveness
from posapp.services.coupons import FinalReport, FinalReportFile
from posapp.services.platform.files import write_atomic


def reports_dir() -> Path:
    """The folder reports are written to: ``<data folder>/reports``."""
    return data_dir() / "reports"


def write_final_report(final: FinalReport, folder: Path | None = None) -> Path:
    """Draw a campaign's final report and write it; return the PDF's path.

    The file is :attr:`~posapp.services.coupons.FinalReportFile.file_name` in
    :func:`reports_dir` (or ``folder``); it is written to a temporary file first and renamed, so
    a reader never sees half a PDF, and a later call (the campaign ended again after a refund)
    replaces it.

    Raises:
        OSError: the folder cannot be written.
    """
    pdf = render_effectiveness(final.report)
    target_dir = folder or reports_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / final.file.file_name
    write_atomic(target, pdf)
    return target


def find_final_report(file: FinalReportFile, folder: Path | None = None) -> Path | None:
    """The newest final report of ``file``'s campaign in the reports folder, if one is there."""
    target_dir = folder or reports_dir()
    try:
        found = [path for path in target_dir.glob(file.pattern) if path.is_file()]
    except OSError:
        return None
    return max(found, key=lambda path: path.stat().st_mtime, default=None)
