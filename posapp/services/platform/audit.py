"""The append-only audit log: rows chained by SHA-256 so an edit behind the app's back shows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session

from posapp.models import AuditEntry
from posapp.services.platform.fastsql import Prepared

# Any constant: the PostgreSQL advisory lock that serialises appends to the chain. It is taken
# just before commit (see UnitOfWork.commit), so it is held only for the commit itself.
_AUDIT_LOCK_KEY = 7_171_001


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """What a service asks to be audited; the unit of work writes it at commit."""

    action: str
    user_id: int | None
    object_kind: str = ""
    object_id: int | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    approver_id: int | None = None
    reason: str = ""
    at: datetime | None = field(default=None)


def values_of(row: object, names: Iterable[str]) -> dict[str, Any]:
    """The values of ``row``'s attributes ``names``, by name: what the audit keeps of a row."""
    return {name: getattr(row, name) for name in names}


def _dump(value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def row_hash(entry: AuditEntry) -> str:
    """Return the SHA-256 over a row's content and the previous row's hash."""
    return _hash(
        entry.prev_hash,
        entry.at,
        entry.user_id,
        entry.approver_id,
        entry.register,
        entry.action,
        entry.object_kind,
        entry.object_id,
        entry.before,
        entry.after,
        entry.reason,
    )


def _hash(
    prev_hash: str,
    at: datetime,
    user_id: int | None,
    approver_id: int | None,
    register: str,
    action: str,
    object_kind: str,
    object_id: int | None,
    before: str | None,
    after: str | None,
    reason: str,
) -> str:
    payload = json.dumps(
        [
            prev_hash,
            at.astimezone(UTC).isoformat(timespec="microseconds"),
            user_id,
            approver_id,
            register,
            action,
            object_kind,
            object_id,
            before,
            after,
            reason,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


_SELECT_LAST_HASH = Prepared(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
_INSERT_ENTRIES = Prepared(insert(cast(Table, AuditEntry.__table__)))
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def append(session: Session, records: list[AuditRecord], *, register: str, now: datetime) -> None:
    """Write ``records`` at the end of the chain, inside the caller's transaction.

    Core statements, not ORM objects: this runs in every sale, right before its commit.
    """
    if not records:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK, {"key": _AUDIT_LOCK_KEY})
    last = _SELECT_LAST_HASH.one(conn)
    prev = str(last[0]) if last is not None else ""
    rows = []
    for record in records:
        # Stored at microsecond precision, the precision both databases keep.
        at = (record.at or now).astimezone(UTC)
        before, after = _dump(record.before), _dump(record.after)
        digest = _hash(
            prev,
            at,
            record.user_id,
            record.approver_id,
            register,
            record.action,
            record.object_kind,
            record.object_id,
            before,
            after,
            record.reason,
        )
        rows.append(
            {
                "at": at,
                "user_id": record.user_id,
                "approver_id": record.approver_id,
                "register": register,
                "action": record.action,
                "object_kind": record.object_kind,
                "object_id": record.object_id,
                "before": before,
                "after": after,
                "reason": record.reason,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    _INSERT_ENTRIES.many(conn, rows)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of verifying the chain: how many rows, and the first bad one if any."""

    rows: int
    first_bad_id: int | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        """Whether every row is intact and in its place."""
        return self.first_bad_id is None


def verify_chain(session: Session) -> ChainReport:
    """Recompute every row's hash in order; report the first row that does not match."""
    prev = ""
    count = 0
    rows = session.execute(
        select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=1000)
    )
    try:
        for (entry,) in rows:
            count += 1
            if entry.prev_hash != prev:
                return ChainReport(count, entry.id, "a row before it was changed, removed or added")
            if row_hash(entry) != entry.hash:
                return ChainReport(count, entry.id, "its content was changed")
            prev = entry.hash
    finally:
        rows.close()
    return ChainReport(count, None)
