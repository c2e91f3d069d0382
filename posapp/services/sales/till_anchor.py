"""The Z report's anchor: the audit chain's head before a till closed, printed and written down.

Every Z report carries the chain's row count and last hash just before its close (kept in the
till-closed audit row, so a reprint shows the same); the close also appends it to the anchor
file. ``posapp audit verify --z-reports`` (or ``--anchor`` with lines typed from the paper)
holds the log to them: a log cut after a Z report shows.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from posapp.models import AuditEntry
from posapp.services.platform.anchors import ChainHead, write_anchor
from posapp.services.platform.chain_verify import Z_ACTION
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.till_dto import TillReport

_log = logging.getLogger(__name__)


def append_z_anchor(where: Path, head: ChainHead, *, now: datetime, note: str) -> None:
    """Append a Z report's anchor to the anchor file; a failure is logged, never raised.

    The till is closed by then; a full disk must not make the cashier believe it is not.
    """
    try:
        write_anchor(where, head, now=now, note=note)
    except OSError:
        _log.exception("the Z report's anchor could not be appended to %s", where)


def with_z_anchor(uow: UnitOfWork, report: TillReport) -> TillReport:
    """``report`` with the anchor its till-closed audit row recorded, if it has one."""
    after = uow.session.scalar(
        select(AuditEntry.after)
        .where(
            AuditEntry.action == Z_ACTION,
            AuditEntry.object_kind == "till_session",
            AuditEntry.object_id == report.session.id,
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    values = json.loads(after) if after else {}
    if not isinstance(values, dict) or "chain_rows" not in values:
        return report
    session = replace(
        report.session,
        chain_rows=int(values["chain_rows"]),
        chain_head=str(values["chain_head"]),
    )
    return replace(report, session=session)
