"""The append-only audit log: rows chained by SHA-256 so an edit behind the app's back shows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from posapp.models import AuditEntry

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


def _dump(value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def row_hash(entry: AuditEntry) -> str:
    """Return the SHA-256 over a row's content and the previous row's hash."""
    at = entry.at.astimezone(UTC).isoformat(timespec="microseconds")
    payload = json.dumps(
        [
            entry.prev_hash,
            at,
            entry.user_id,
            entry.approver_id,
            entry.register,
            entry.action,
            entry.object_kind,
            entry.object_id,
            entry.before,
            entry.after,
            entry.reason,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def append(session: Session, records: list[AuditRecord], *, register: str, now: datetime) -> None:
    """Write ``records`` at the end of the chain, inside the caller's transaction."""
    if not records:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK_KEY})
    prev = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or ""
    for record in records:
        # Stored at microsecond precision, the precision both databases keep.
        entry = AuditEntry(
            at=(record.at or now).astimezone(UTC),
            user_id=record.user_id,
            approver_id=record.approver_id,
            register=register,
            action=record.action,
            object_kind=record.object_kind,
            object_id=record.object_id,
            before=_dump(record.before),
            after=_dump(record.after),
            reason=record.reason,
            prev_hash=prev,
        )
        entry.hash = row_hash(entry)
        session.add(entry)
        prev = entry.hash
    session.flush()


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
