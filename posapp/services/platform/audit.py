"""The append-only audit log: rows chained by HMAC-SHA256 so an edit behind the app's back shows.

Each row's hash covers its content and the previous row's hash, keyed by a secret kept outside
the database (:mod:`posapp.services.platform.chain_key`): an edited row cannot be re-hashed, nor
the rows after it, without the key. Rows written before the chain was keyed keep their plain
SHA-256 (the chain's header, :mod:`posapp.services.platform.chain_header`, says how many).
Truncation (removing the newest rows, or all of them) is caught by anchors
(:mod:`posapp.services.platform.anchors`); :mod:`posapp.services.platform.chain_verify` checks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, func, insert, select, text
from sqlalchemy.orm import Session

from posapp.i18n import _
from posapp.models import AuditEntry, LedgerTransaction, Setting
from posapp.services.platform.anchors import ChainHead, write_anchor
from posapp.services.platform.chain_header import HEADER_KEY, dump, make_header
from posapp.services.platform.chain_key import (
    ENV_AUDIT_KEY,
    anchor_path,
    chain_key,
    key_id,
    key_path,
)
from posapp.services.platform.errors import DatabaseError
from posapp.services.platform.fastsql import Prepared

# Any constant: the PostgreSQL advisory lock that serialises appends to the chain. It is taken
# just before commit (see UnitOfWork.commit), so it is held only for the commit itself.
AUDIT_LOCK_KEY = 7_171_001


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
    return dump(value)


def row_hash(entry: AuditEntry, key: bytes | None = None) -> str:
    """The hash a row should have: HMAC-SHA256 under ``key``, or SHA-256 (old rows) without one."""
    return _hash(
        key,
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
    key: bytes | None,
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
    ).encode()
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


_SELECT_TAIL = Prepared(
    select(
        select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1).scalar_subquery(),
        select(Setting.value).where(Setting.key == HEADER_KEY).scalar_subquery(),
    )
)
_INSERT_ENTRIES = Prepared(insert(cast(Table, AuditEntry.__table__)))
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_KEY_ID = re.compile(r'"key_id": "([0-9a-f]*)"')


def _key(conn: Connection, header_text: str | None, now: datetime) -> bytes:
    """The chain's key; the first append under a key writes the chain's header.

    Raises:
        DatabaseError: the database's chain was keyed with another key than this register's (or
            its key is missing), or the key cannot be read.
    """
    url = conn.engine.url
    wanted = None
    if header_text is not None:
        found = _KEY_ID.search(header_text)
        wanted = found.group(1) if found else ""
    key = chain_key(url, wanted, create=header_text is None)
    if key is None:
        msg = _(
            "The audit key of this database is missing ({url}): restore "
            "that file, or set {env_audit_key} to the shop's key; "
            "nothing was saved."
        ).format(url=key_path(url), env_audit_key=ENV_AUDIT_KEY)
        raise DatabaseError(msg)
    if header_text is None:
        header = make_header(conn, key, key_id(key), now)
        if header.legacy_rows:
            head = ChainHead(header.legacy_rows, header.legacy_last_id, header.legacy_head)
            write_anchor(anchor_path(url), head, now=now, note="chain keyed")
    elif key_id(key) != wanted:
        msg = _(
            "This register's audit key is not the one the shop's audit "
            "log is chained with: set {env_audit_key} to the shop's key "
            "(or copy {name}); nothing was saved."
        ).format(env_audit_key=ENV_AUDIT_KEY, name=key_path(url).name)
        raise DatabaseError(msg)
    return key


def append(session: Session, records: list[AuditRecord], *, register: str, now: datetime) -> None:
    """Write ``records`` at the end of the chain, inside the caller's transaction.

    Core statements, not ORM objects: this runs in every sale, right before its commit.

    Raises:
        DatabaseError: see :func:`_key`.
    """
    if not records:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK, {"key": AUDIT_LOCK_KEY})
    tail = _SELECT_TAIL.one(conn)
    prev = str(tail[0]) if tail is not None and tail[0] is not None else ""
    key = _key(conn, None if tail is None else tail[1], now)
    rows = []
    for record in records:
        # Stored at microsecond precision, the precision both databases keep.
        at = (record.at or now).astimezone(UTC)
        before, after = _dump(record.before), _dump(record.after)
        digest = _hash(
            key,
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


_HEAD = select(
    AuditEntry.id,
    AuditEntry.hash,
    select(func.count())
    .select_from(AuditEntry)
    .where(AuditEntry.id <= select(func.max(AuditEntry.id)).scalar_subquery())
    .scalar_subquery(),
).where(AuditEntry.id == select(func.max(AuditEntry.id)).scalar_subquery())


def chain_head(session: Session) -> ChainHead:
    """The chain's head now (row count, last id, last hash), read in one statement."""
    row = session.execute(_HEAD).first()
    if row is None:
        return ChainHead(0, None, "")
    return ChainHead(int(row[2]), int(row[0]), str(row[1]))


KEYED_ACTION = "audit.chain_keyed"


def key_chain(conn: Connection, now: datetime, register: str = "") -> bool:
    """Key the chain of an older database now, in ``conn``'s transaction; True if it was.

    A database whose log or ledger has rows from before keyed chains gets its header (those rows
    stay under the old rule, their count and last hash fixed by the header), an anchor of them in
    the anchor file and a first keyed row, ``audit.chain_keyed``, at once rather than in its
    first sale. A new, empty database is keyed by its first append.

    Raises:
        DatabaseError: see :func:`append`.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK, {"key": AUDIT_LOCK_KEY})
    tail = _SELECT_TAIL.one(conn)
    if tail is not None and tail[1] is not None:
        return False
    empty_log = tail is None or tail[0] is None
    if empty_log and conn.execute(select(LedgerTransaction.id).limit(1)).first() is None:
        return False
    record = AuditRecord(KEYED_ACTION, None, reason="the audit chain is keyed from here on")
    append(Session(bind=conn), [record], register=register, now=now)
    return True
