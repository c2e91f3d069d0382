"""Verifying the audit chain, the ledger in it, and the anchors that prove nothing was cut off.

What :func:`verify_chain` reports, and so what someone who can write the database but does not
hold the audit key cannot hide:

- an edited row (its HMAC no longer matches), even if every later row is re-hashed (without the
  key the new hashes are wrong);
- a row removed or inserted in the middle (the next row's ``prev_hash``);
- the newest rows removed, or every row: only against an anchor (the file, a Z report) that
  counts more rows than are left;
- a changed, removed or added ledger transaction or entry: every one since the chain was keyed
  has a ``ledger.post`` audit row with its snapshot, the older ones are fixed by the header's
  digest; and a ledger account whose balance differs from its entries;
- a removed or rewritten chain header, or one written under another key.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from posapp.i18n import _
from posapp.models import AuditEntry, LedgerAccount, LedgerEntry, TillSession
from posapp.services.platform.anchors import Anchor
from posapp.services.platform.audit import row_hash
from posapp.services.platform.chain_header import (
    LEDGER_ACTION,
    ChainHeader,
    dump,
    header_mac,
    ledger_snapshots,
    read_header,
)
from posapp.services.platform.chain_key import (
    ENV_AUDIT_KEY,
    anchor_path,
    chain_key,
    key_id,
    key_path,
)

__all__ = ["ChainReport", "verify_chain", "verify_ledger"]


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of verifying the chain.

    Attributes:
        rows: How many audit rows were read.
        first_bad_id: The first row that fails, if the fault is in one row.
        problem: What is wrong, in words ("" when all is well).
        legacy_rows: Rows from before the chain was keyed (checked by the old SHA-256 rule).
        anchors: How many anchors were checked.
        ledger_transactions: How many ledger transactions were checked.
    """

    rows: int
    first_bad_id: int | None
    problem: str = ""
    legacy_rows: int = 0
    anchors: int = 0
    ledger_transactions: int = 0

    @property
    def ok(self) -> bool:
        """Whether every row is intact and in its place, and no anchor or ledger row disagrees."""
        return self.first_bad_id is None and not self.problem

    @property
    def message(self) -> str:
        """One sentence for people."""
        if self.ok:
            return (
                f"Audit log intact: {self.rows} rows, {self.ledger_transactions} ledger "
                f"transactions and {self.anchors} anchors checked"
            )
        where = "" if self.first_bad_id is None else f"row {self.first_bad_id}: "
        return f"Audit log NOT intact: {where}{self.problem} ({self.rows} rows checked)"


class _FaultError(Exception):
    def __init__(self, problem: str, row_id: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.row_id = row_id
        self.rows = 0


def _header(conn: Connection, key: bytes | None) -> ChainHeader | None:
    try:
        header = read_header(conn)
    except (ValueError, TypeError) as exc:
        raise _FaultError(_("the chain's header was changed: posapp did not write it")) from exc
    if header is None:
        return None
    if key is None:
        where = key_path(conn.engine.url)
        raise _FaultError(
            _("no audit key to check it with (set {env_audit_key} or restore {where})").format(
                env_audit_key=ENV_AUDIT_KEY, where=where
            )
        )
    if header.key_id != key_id(key):
        raise _FaultError(_("the audit key at hand is not the one the chain was made with"))
    if header.mac != header_mac(key, header):
        raise _FaultError(_("the chain's header was changed: its MAC does not match"))
    return header


def _key_for(conn: Connection) -> bytes | None:
    try:
        found = read_header(conn)
    except (ValueError, TypeError):
        found = None
    return chain_key(conn.engine.url, None if found is None else found.key_id, create=False)


def _walk(  # noqa: PLR0912 - one check per way a row can be wrong, in order
    session: Session, header: ChainHeader | None, key: bytes | None, anchors: Sequence[Anchor]
) -> int:
    """Check every row in order; return how many there are (_FaultError at the first fault)."""
    wanted: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        wanted.setdefault(anchor.rows, []).append(anchor)
    legacy = 0 if header is None else header.legacy_rows
    prev, count = "", 0
    rows = session.execute(
        select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=1000)
    )
    try:
        for (entry,) in rows:
            count += 1
            if header is None:
                raise _FaultError(
                    _("the log has rows but the chain's header was removed"), entry.id
                )
            if entry.prev_hash != prev:
                raise _FaultError(_("a row before it was changed, removed or added"), entry.id)
            if row_hash(entry, key if count > legacy else None) != entry.hash:
                raise _FaultError(_("its content was changed"), entry.id)
            if count == legacy and entry.hash != header.legacy_head:
                raise _FaultError(
                    _("the rows from before the chain was keyed were rewritten"), entry.id
                )
            for anchor in wanted.get(count, ()):
                if anchor.hash != entry.hash:
                    msg = _("the log differs from the anchor in {source} at row {count}").format(
                        source=anchor.source, count=count
                    )
                    raise _FaultError(msg, entry.id)
            prev = entry.hash
    except _FaultError as fault:
        fault.rows = count
        raise
    finally:
        rows.close()
    if count < legacy:
        raise _FaultError(
            _("the log has {count} rows but had {legacy} when it was keyed").format(
                count=count, legacy=legacy
            )
        )
    if header is not None and count == legacy:
        # The header is written with the first keyed row, in its transaction.
        raise _FaultError(_("every row written since the chain was keyed was removed"))
    for anchor in anchors:
        if anchor.rows > count:
            msg = _(
                "the log has {count} rows but the anchor in {source} counts "
                "{rows}: its newest rows were removed"
            ).format(count=count, source=anchor.source, rows=anchor.rows)
            raise _FaultError(msg)
    return count


def _audited_ledger(conn: Connection, after_id: int | None) -> Iterator[tuple[int, str | None]]:
    stmt = (
        select(AuditEntry.object_id, AuditEntry.after)
        .where(AuditEntry.action == LEDGER_ACTION)
        .order_by(AuditEntry.object_id)
    )
    if after_id is not None:
        stmt = stmt.where(AuditEntry.object_id > after_id)
    result = conn.execute(stmt.execution_options(stream_results=True, yield_per=1000))
    try:
        for object_id, after in result:
            yield (0 if object_id is None else int(object_id)), after
    finally:
        result.close()


def verify_ledger(conn: Connection, header: ChainHeader) -> int:
    """Check the ledger against the chain; return how many transactions were checked.

    Raises:
        _FaultError: a ledger transaction or entry was changed, removed or added behind the app's
            back, or an account's balance differs from its entries.
    """
    legacy_max = header.ledger_max_id
    digest, legacy, count = hashlib.sha256(), 0, 0
    audited = _audited_ledger(conn, legacy_max)
    pending: tuple[int, Any] | None = next(audited, None)
    for snapshot in ledger_snapshots(conn):
        count += 1
        txn_id = int(snapshot["id"])
        if legacy_max is not None and txn_id <= legacy_max:
            digest.update((dump(snapshot) or "").encode() + b"\n")
            legacy += 1
            continue
        if pending is not None and pending[0] < txn_id:
            msg = _("ledger transaction {pending} is in the audit log but was removed").format(
                pending=pending[0]
            )
            raise _FaultError(msg)
        if pending is None or pending[0] != txn_id:
            raise _FaultError(
                _("ledger transaction {txn_id} was added behind the app's back").format(
                    txn_id=txn_id
                )
            )
        if pending[1] != dump(snapshot):
            raise _FaultError(
                _("ledger transaction {txn_id} or its entries were changed").format(txn_id=txn_id)
            )
        pending = next(audited, None)
    if pending is not None:
        raise _FaultError(
            _("ledger transaction {pending} is in the audit log but was removed").format(
                pending=pending[0]
            )
        )
    if (legacy, digest.hexdigest()) != (header.ledger_transactions, header.ledger_digest):
        raise _FaultError(_("ledger transactions from before the chain was keyed were changed"))
    per_account = (
        select(LedgerEntry.ledger_account_id, func.sum(LedgerEntry.amount_minor).label("total"))
        .group_by(LedgerEntry.ledger_account_id)
        .subquery()
    )
    wrong = conn.execute(
        select(LedgerAccount.id)
        .outerjoin(per_account, per_account.c.ledger_account_id == LedgerAccount.id)
        .where(LedgerAccount.balance_minor != func.coalesce(per_account.c.total, 0))
        .order_by(LedgerAccount.id)
        .limit(1)
    ).scalar()
    if wrong is not None:
        raise _FaultError(
            _("ledger account {wrong}'s balance differs from its entries").format(wrong=wrong)
        )
    return count


def chain_status(conn: Connection) -> str:
    """A line for ``posapp db upgrade`` on the chain: keyed since when, what is older, where."""
    url = conn.engine.url
    source = f"${ENV_AUDIT_KEY}" if os.environ.get(ENV_AUDIT_KEY) else str(key_path(url))
    try:
        header = read_header(conn)
    except (ValueError, TypeError):
        return "Audit chain: its header is damaged (run `posapp audit verify`)"
    if header is None:
        return f"Audit chain: keyed by the first action, with the key {source}"
    return (
        f"Audit chain keyed since {header.keyed_at} ({header.legacy_rows} older rows kept under "
        f"the old rule); key {source}; anchors in {anchor_path(url)}"
    )


Z_ACTION = "till.closed"
"""The audit row of a till's close (its Z report) carries the chain's head before it."""


def z_anchors(session: Session) -> list[Anchor]:
    """The anchors printed on the Z reports, from their till-closed rows.

    Raises:
        _FaultError: a closed till has no till-closed audit row (the log lost it).
    """
    rows = session.execute(
        select(AuditEntry.object_id, AuditEntry.after).where(
            AuditEntry.action == Z_ACTION, AuditEntry.object_kind == "till_session"
        )
    ).all()
    found = {int(object_id): after for object_id, after in rows if object_id is not None}
    closed = session.scalars(
        select(TillSession.id).where(TillSession.closed_at.is_not(None)).order_by(TillSession.id)
    )
    anchors: list[Anchor] = []
    for session_id in closed:
        if session_id not in found:
            msg = _(
                "till session {session_id} was closed but its Z row is missing from the log"
            ).format(session_id=session_id)
            raise _FaultError(msg)
        after = json.loads(found[session_id] or "{}")
        if isinstance(after, dict) and "chain_rows" in after and after["chain_rows"]:
            anchors.append(
                Anchor(int(after["chain_rows"]), str(after["chain_head"]), f"Z report {session_id}")
            )
    return anchors


def verify_chain(
    session: Session,
    *,
    key: bytes | None = None,
    anchors: Sequence[Anchor] = (),
    ledger: bool = True,
    z_reports: bool = False,
) -> ChainReport:
    """Check the whole chain: every row's hash and link, the header, the anchors, the ledger.

    Args:
        session: A session on the database (only reads).
        key: The audit key (default: this database's, see
            :func:`posapp.services.platform.chain_key.load_key`).
        anchors: Anchors to hold the chain to (see :mod:`posapp.services.platform.anchors`).
        ledger: Whether to check the ledger against its audit rows too.
        z_reports: Whether to add the anchors printed on every Z report (:func:`z_anchors`).
    """
    conn = session.connection()
    rows = legacy = transactions = 0
    try:
        if z_reports:
            anchors = [*anchors, *z_anchors(session)]
        if key is None:
            key = _key_for(conn)
        header = _header(conn, key)
        legacy = 0 if header is None else header.legacy_rows
        rows = _walk(session, header, key, anchors)
        if ledger and header is not None:
            transactions = verify_ledger(conn, header)
        elif ledger and conn.execute(select(LedgerEntry.id).limit(1)).first() is not None:
            raise _FaultError(_("the ledger has entries but the chain's header was removed"))
    except _FaultError as fault:
        rows = fault.rows or rows
        return ChainReport(rows, fault.row_id, fault.problem, legacy, len(anchors), transactions)
    return ChainReport(rows, None, "", legacy, len(anchors), transactions)
