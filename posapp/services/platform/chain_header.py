"""The audit chain's header and the ledger's place in the chain.

The header (the ``audit.chain`` setting) is written once, by the first append under a key: it
names the key (by fingerprint) and fixes what existed before the chain was keyed: how many rows
of the log were hashed by the old, keyless rule (SHA-256) and the hash of the last of them, and a
digest of every ledger transaction of that time. It carries an HMAC under the key, so nobody
without the key can write one, or change one to call keyed rows old.

From then on every ledger transaction is posted with a ``ledger.post`` audit row holding a
snapshot of it and its entries (:func:`ledger_snapshot`): the ledger is in the audit chain, and an
edited, removed or added ledger row no longer matches its audit row.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from posapp.models import AuditEntry, LedgerEntry, LedgerTransaction, Setting

__all__ = [
    "HEADER_KEY",
    "LEDGER_ACTION",
    "LEDGER_COLUMNS",
    "ChainHeader",
    "dump",
    "header_mac",
    "ledger_digest",
    "ledger_snapshot",
    "ledger_snapshots",
    "make_header",
    "read_header",
]

HEADER_KEY = "audit.chain"
LEDGER_ACTION = "ledger.post"


def dump(value: dict[str, Any] | None) -> str | None:
    """A snapshot as the audit log keeps it: JSON with sorted keys."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True, slots=True)
class ChainHeader:
    """What the chain was keyed on: the key's fingerprint and what came before it."""

    key_id: str
    legacy_rows: int
    legacy_last_id: int | None
    legacy_head: str
    ledger_transactions: int
    ledger_max_id: int | None
    ledger_digest: str
    keyed_at: str
    mac: str = ""

    def fields(self) -> dict[str, Any]:
        """Every field but the MAC."""
        values = asdict(self)
        values.pop("mac")
        return values


def header_mac(key: bytes, header: ChainHeader) -> str:
    """The HMAC that proves a header was written by someone holding ``key``."""
    payload = json.dumps(header.fields(), sort_keys=True, separators=(",", ":"))
    return hmac.new(key, b"posapp chain header\0" + payload.encode(), hashlib.sha256).hexdigest()


def read_header(conn: Connection) -> ChainHeader | None:
    """The chain's header, or None if there is none (or it is not one).

    Raises:
        ValueError: the setting is there but is not a header (someone wrote it).
    """
    text = conn.execute(select(Setting.value).where(Setting.key == HEADER_KEY)).scalar()
    if text is None:
        return None
    values = json.loads(text)
    if not isinstance(values, dict):
        raise ValueError("not a header")
    return ChainHeader(**values)


def ledger_snapshot(txn: Sequence[Any], entries: Sequence[tuple[int, int, int]]) -> dict[str, Any]:
    """A ledger transaction and its entries as the audit row keeps them.

    Args:
        txn: The transaction's columns in the order of :data:`LEDGER_COLUMNS`.
        entries: ``(entry id, ledger account id, amount)`` of each entry.
    """
    values = dict(zip(_TXN_NAMES, txn, strict=True))
    created = values["created_at"]
    if isinstance(created, datetime):
        values["created_at"] = created.astimezone(UTC).isoformat(timespec="microseconds")
    values["idempotency_key"] = str(values["idempotency_key"])
    values["entries"] = sorted([int(i), int(a), int(m)] for i, a, m in entries)
    return values


_T = LedgerTransaction
_TXN_COLUMNS = (
    _T.id,
    _T.created_at,
    _T.kind,
    _T.memo,
    _T.fingerprint,
    _T.idempotency_key,
    _T.reversal_of_id,
    _T.order_id,
    _T.till_session_id,
    _T.user_id,
    _T.approver_id,
)
_TXN_NAMES = tuple(column.key for column in _TXN_COLUMNS)
LEDGER_COLUMNS = _TXN_NAMES
"""The attributes of a ledger transaction that its snapshot keeps, in order."""


def ledger_snapshots(conn: Connection, *, after_id: int | None = None) -> Iterator[dict[str, Any]]:
    """Every ledger transaction (with id above ``after_id``) as a snapshot, in id order."""
    txns = select(*_TXN_COLUMNS).order_by(_T.id)
    legs = select(
        LedgerEntry.transaction_id,
        LedgerEntry.id,
        LedgerEntry.ledger_account_id,
        LedgerEntry.amount_minor,
    ).order_by(LedgerEntry.transaction_id, LedgerEntry.id)
    if after_id is not None:
        txns = txns.where(_T.id > after_id)
        legs = legs.where(LedgerEntry.transaction_id > after_id)
    # Two streams side by side, both in transaction order: memory stays flat on any ledger.
    # (Options on the statements: a Connection's own options would stay set on it.)
    entry_rows = conn.execute(legs.execution_options(stream_results=True, yield_per=1000))
    txn_rows = conn.execute(txns.execution_options(stream_results=True, yield_per=1000))
    try:
        entries = iter(entry_rows)
        pending = next(entries, None)
        for row in txn_rows:
            mine: list[tuple[int, int, int]] = []
            while pending is not None and pending[0] <= row[0]:
                if pending[0] == row[0]:
                    mine.append((pending[1], pending[2], pending[3]))
                pending = next(entries, None)
            yield ledger_snapshot(tuple(row), mine)
    finally:
        txn_rows.close()
        entry_rows.close()


def ledger_digest(snapshots: Iterator[dict[str, Any]], upto_id: int | None) -> tuple[int, str]:
    """How many snapshots have ids up to ``upto_id``, and one SHA-256 over them."""
    digest = hashlib.sha256()
    count = 0
    for snapshot in snapshots:
        if upto_id is None or snapshot["id"] > upto_id:
            break
        digest.update((dump(snapshot) or "").encode() + b"\n")
        count += 1
    return count, digest.hexdigest()


def make_header(conn: Connection, key: bytes, key_id: str, now: datetime) -> ChainHeader:
    """Write the chain's header: what exists now is old (keyless); what follows is keyed.

    Runs under the chain's lock (the caller's), in the caller's transaction.
    """
    last = conn.execute(
        select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    rows = int(conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one())
    ledger_max = conn.execute(select(func.max(_T.id))).scalar()
    count, digest = ledger_digest(ledger_snapshots(conn), ledger_max)
    header = ChainHeader(
        key_id=key_id,
        legacy_rows=rows,
        legacy_last_id=None if last is None else int(last[0]),
        legacy_head="" if last is None else str(last[1]),
        ledger_transactions=count,
        ledger_max_id=None if ledger_max is None else int(ledger_max),
        ledger_digest=digest,
        keyed_at=now.astimezone(UTC).isoformat(timespec="seconds"),
    )
    header = ChainHeader(**{**header.fields(), "mac": header_mac(key, header)})
    text = json.dumps(asdict(header), sort_keys=True)
    conn.execute(insert(Setting).values(key=HEADER_KEY, value=text))
    return header
