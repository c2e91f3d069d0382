"""Reading the audit log: filtered pages for the audit view, a formula-safe CSV export, verify.

Qt-free, like every service. The audit log grows without bound, so the view reads it in keyset
pages (newest first, ``WHERE id < :last``), never with OFFSET, and the export streams rows.
Every read needs :attr:`Permission.READ_AUDIT_LOG`; ``actor=None`` means the local command line.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from posapp.i18n import _
from posapp.models import AuditEntry, User
from posapp.services.platform.anchors import anchor_line, read_anchors, write_anchor
from posapp.services.platform.audit import chain_head
from posapp.services.platform.chain_key import anchor_path
from posapp.services.platform.chain_verify import ChainReport, verify_chain
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.platform.files import atomic_target
from posapp.services.platform.keyset import newest_first
from posapp.services.platform.like import LIKE_ESCAPE, starts_with
from posapp.services.platform.private import shown
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff.permissions import Permission
from posapp.services.staff.security import ACTIONS, authorize

__all__ = [
    "CSV_HEADER",
    "PAGE_SIZE",
    "AuditFilter",
    "AuditRow",
    "ExportCancelledError",
    "audit_actions",
    "audit_count",
    "audit_page",
    "csv_safe",
    "describe_change",
    "export_audit_csv",
    "verify_audit_chain",
    "write_audit_anchor",
    "write_audit_csv",
]

PAGE_SIZE = 200
_STREAM_CHUNK = 500
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet treats a cell starting with one of these as a formula (CSV injection)."""

CSV_HEADER = (
    "id",
    "at_utc",
    "user",
    "approver",
    "register",
    "action",
    "object_kind",
    "object_id",
    "object",
    "before",
    "after",
    "reason",
)

# export_audit_csv authorizes through write_audit_csv.
for _name in (
    "audit_page",
    "audit_count",
    "audit_actions",
    "write_audit_csv",
    "verify_audit_chain",
    "write_audit_anchor",
):
    ACTIONS[f"staff.audit.{_name}"] = Permission.READ_AUDIT_LOG


class ExportCancelledError(ServiceError):
    """The person cancelled an export; nothing was written."""


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which audit rows to show.

    Attributes:
        user_id: Rows this user did or approved (None: anyone).
        action: An exact action (``user.deactivate``), or a family ending in a dot (``user.``).
        since: Rows at or after this aware time (None: from the start).
        until: Rows strictly before this aware time (None: up to now).
    """

    user_id: int | None = None
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One audit row as people read it: names instead of ids, JSON texts kept verbatim."""

    id: int
    at: datetime
    user_id: int | None
    username: str
    approver_id: int | None
    approver: str
    register: str
    action: str
    object_kind: str
    object_id: int | None
    object_label: str
    before: str | None
    after: str | None
    reason: str

    @property
    def who(self) -> str:
        """Who acted: the username, or the name tried in a failed log-in of an unknown user."""
        if self.username:
            return self.username
        tried = _loads(self.after).get("username")
        return f"{tried} (unknown)" if isinstance(tried, str) and tried else ""

    @property
    def details(self) -> str:
        """What changed, in one line (``active: true → false``)."""
        return describe_change(self.before, self.after)


def _loads(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"value": text}
    return value if isinstance(value, dict) else {"value": value}


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def describe_change(before: str | None, after: str | None) -> str:
    """Summarise two JSON snapshots: changed keys as ``key: old → new``, else the new values."""
    old, new = _loads(before), _loads(after)
    if old and new:
        keys = [k for k in sorted(old.keys() | new.keys()) if old.get(k) != new.get(k)]
        return ", ".join(f"{k}: {_show(old.get(k))} → {_show(new.get(k))}" for k in keys)
    side = new or old
    return ", ".join(f"{k}: {_show(v)}" for k, v in sorted(side.items()))


def _authorize(uow: UnitOfWork, actor: UserDTO | None) -> None:
    if actor is not None:
        authorize(uow, actor, Permission.READ_AUDIT_LOG)


def _conditions(flt: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if flt.user_id is not None:
        conditions.append(
            or_(AuditEntry.user_id == flt.user_id, AuditEntry.approver_id == flt.user_id)
        )
    action = flt.action.strip()
    if action.endswith("."):
        conditions.append(AuditEntry.action.like(starts_with(action), escape=LIKE_ESCAPE))
    elif action:
        conditions.append(AuditEntry.action == action)
    if flt.since is not None:
        conditions.append(AuditEntry.at >= flt.since)
    if flt.until is not None:
        conditions.append(AuditEntry.at < flt.until)
    return conditions


def _rows_query(flt: AuditFilter) -> Select[*tuple[Any, ...]]:
    acting, approving, target = aliased(User), aliased(User), aliased(User)
    stmt = (
        select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.user_id,
            acting.username,
            AuditEntry.approver_id,
            approving.username,
            AuditEntry.register,
            AuditEntry.action,
            AuditEntry.object_kind,
            AuditEntry.object_id,
            target.username,
            AuditEntry.before,
            AuditEntry.after,
            AuditEntry.reason,
        )
        .outerjoin(acting, acting.id == AuditEntry.user_id)
        .outerjoin(approving, approving.id == AuditEntry.approver_id)
        .outerjoin(
            target, and_(AuditEntry.object_kind == "user", target.id == AuditEntry.object_id)
        )
    )
    return stmt.where(*_conditions(flt))


def _row(values: Any) -> AuditRow:
    (at_id, at, user_id, username, approver_id, approver, register, action, kind, object_id) = (
        values[:10]
    )
    target, before, after, reason = values[10:]
    label = ""
    if kind:
        label = f"{kind} {target}" if target else f"{kind} #{object_id}" if object_id else kind
    return AuditRow(
        id=at_id,
        at=at,
        user_id=user_id,
        username=username or "",
        approver_id=approver_id,
        approver=approver or "",
        register=register,
        action=action,
        object_kind=kind,
        object_id=object_id,
        object_label=label,
        before=before,
        after=after,
        reason=reason,
    )


def audit_page(
    uow: UnitOfWork,
    actor: UserDTO | None,
    flt: AuditFilter | None = None,
    *,
    before_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> list[AuditRow]:
    """Return up to ``limit`` matching rows older than row ``before_id``, newest first."""
    stmt = newest_first(_rows_query(flt or AuditFilter()), AuditEntry.id, before_id, max(1, limit))
    with uow:
        _authorize(uow, actor)
        result = uow.session.execute(stmt)
        return [_row(values) for values in result]


def audit_count(uow: UnitOfWork, actor: UserDTO | None, flt: AuditFilter | None = None) -> int:
    """How many rows match the filter."""
    stmt = select(func.count(AuditEntry.id)).where(*_conditions(flt or AuditFilter()))
    with uow:
        _authorize(uow, actor)
        return int(uow.session.scalar(stmt) or 0)


def audit_actions(uow: UnitOfWork, actor: UserDTO | None) -> list[str]:
    """Every action that occurs in the log, sorted (for the view's filter)."""
    with uow:
        _authorize(uow, actor)
        stmt = select(AuditEntry.action).distinct().order_by(AuditEntry.action)
        return list(uow.session.scalars(stmt))


def verify_audit_chain(
    uow: UnitOfWork,
    actor: UserDTO | None,
    anchor_files: Sequence[Path] = (),
    *,
    z_reports: bool = False,
) -> ChainReport:
    """Recompute the chain and hold it to its anchors; see :func:`verify_chain`.

    The database's own anchor file (beside a SQLite database, or in the data folder) is always
    read if it exists; ``anchor_files`` adds others (a copy kept elsewhere, lines typed from
    printed Z reports); ``z_reports`` adds the anchors of every Z report in the database and
    checks that no closed till lost its Z row.

    Raises:
        ValidationError: an anchor file cannot be read or has a malformed line.
    """
    with uow:
        _authorize(uow, actor)
        own = anchor_path(uow.session.connection().engine.url)
        files = [own] if own.is_file() else []
        anchors = [a for path in [*files, *anchor_files] for a in read_anchors(Path(path))]
        return verify_chain(uow.session, anchors=anchors, z_reports=z_reports)


def write_audit_anchor(
    uow: UnitOfWork, actor: UserDTO | None, target: Path | None = None
) -> tuple[str, Path]:
    """Append the chain's head now to the anchor file (or ``target``); return the line and file.

    Raises:
        ServiceError: the file cannot be written.
    """
    with uow:
        _authorize(uow, actor)
        head = chain_head(uow.session)
        where = target or anchor_path(uow.session.connection().engine.url)
    now = uow.now()
    try:
        write_anchor(where, head, now=now, note="posapp audit anchor")
    except OSError as exc:
        raise ServiceError(
            _("Cannot write the anchor file {where}: {strerror}").format(
                where=shown(where), strerror=exc.strerror
            )
        ) from exc
    return anchor_line(head, now=now), where


def csv_safe(value: object) -> str:
    """Return ``value`` as CSV cell text that no spreadsheet runs as a formula.

    Text starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe
    (OWASP's advice against CSV injection); ``None`` becomes an empty cell.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def _csv_record(row: AuditRow) -> list[str]:
    at = row.at.astimezone(UTC).isoformat(timespec="seconds")
    cells: list[object] = [
        row.id,
        at,
        row.who,
        row.approver,
        row.register,
        row.action,
        row.object_kind,
        row.object_id,
        row.object_label,
        row.before,
        row.after,
        row.reason,
    ]
    return [csv_safe(cell) for cell in cells]


Progress = Callable[[int], bool]
"""Called with the number of rows written so far; returning False cancels the export."""


def _stream(uow: UnitOfWork, flt: AuditFilter) -> Iterator[AuditRow]:
    stmt = _rows_query(flt).order_by(AuditEntry.id).execution_options(yield_per=_STREAM_CHUNK)
    result = uow.session.execute(stmt)
    try:
        for values in result:
            yield _row(values)
    finally:
        result.close()


def write_audit_csv(
    uow: UnitOfWork,
    actor: UserDTO | None,
    flt: AuditFilter | None,
    out: TextIO,
    *,
    progress: Progress | None = None,
) -> int:
    """Write the matching rows, oldest first, as formula-safe CSV to ``out``; return the count.

    Raises:
        ExportCancelledError: ``progress`` returned False (``out`` then holds a partial file).
    """
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    count = 0
    with uow:
        _authorize(uow, actor)
        for row in _stream(uow, flt or AuditFilter()):
            writer.writerow(_csv_record(row))
            count += 1
            if progress is not None and count % _STREAM_CHUNK == 0 and not progress(count):
                raise ExportCancelledError(_("Export cancelled: no file was written."))
    if progress is not None:
        progress(count)
    return count


def export_audit_csv(
    uow: UnitOfWork,
    actor: UserDTO | None,
    flt: AuditFilter | None,
    path: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
) -> int:
    """Export the matching rows to the CSV file ``path`` (UTF-8 with a BOM, for spreadsheets).

    The file appears only when complete: rows go to a temporary file next to it, which replaces
    ``path`` at the end. A cancelled or failed export leaves no file behind.

    Raises:
        ExportCancelledError: ``progress`` returned False.
        ServiceError: the file cannot be written.
    """
    target = Path(path)
    try:
        with (
            atomic_target(target, ".csv") as temp,
            temp.open("w", encoding="utf-8-sig", newline="") as out,
        ):
            count = write_audit_csv(uow, actor, flt, out, progress=progress)
    except OSError as exc:
        raise ServiceError(
            _("Cannot write {target_name}: {strerror}").format(
                target_name=target.name, strerror=exc.strerror
            )
        ) from exc
    return count
