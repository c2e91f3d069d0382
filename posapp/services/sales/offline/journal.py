"""The register's offline journal: sales taken while the server was gone, kept until it has them.

A SQLite file of the register's own (beside its cache, in the data folder), as durable as the
embedded database: WAL, ``synchronous=FULL``, created 0600. :meth:`OfflineJournal.record` returns
only once the sale is on disk, so a sale the cashier saw acknowledged survives a power cut or a
``kill -9``; the receipt is printed after it.

Order and integrity. Each sale gets the next sequence number (replay follows it) and a MAC:
HMAC-SHA256 under the shop's audit key over the previous sale's MAC and the sale's canonical text
(:func:`posapp.services.sales.offline.sale.encode`). The registers of one shop share that key (see
docs/SECURITY.md), so the server can tell a journal the register wrote from one edited on the
disk: a changed price, a sale removed from the middle, or a sale added by hand breaks the chain,
and :meth:`OfflineJournal.verify` names the first sale that does not match. Synced sales may be
pruned from the front; the MAC of the last pruned one stays as the chain's base.

States: ``pending`` (not on the server yet), ``synced`` (the server has it, with its order
number), ``refused`` (the server refused it for a reason a person must look at; it stays for
them, and counts as unsynced: a Z report waits for it), ``settled`` (a refused sale a manager
looked at and settled, with who, when and a note saying what they did: the money was taken at
the till; it is never deleted, no longer waits for anything, and stays in the chain). A state is
not part of the chained text, so settling, like syncing, leaves every MAC valid.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from posapp.i18n import _
from posapp.services.platform.chain_key import key_id
from posapp.services.platform.private import create_private_file, make_private_folder, shown
from posapp.services.sales.offline.sale import JournalError, OfflineSale, decode, encode

__all__ = ["PENDING", "REFUSED", "SETTLED", "SYNCED", "JournalEntry", "OfflineJournal"]

PENDING, SYNCED, REFUSED, SETTLED = "pending", "synced", "refused", "settled"
_BASE = "0" * 64  # the MAC before the first sale of a new journal

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sales (
    seq          INTEGER PRIMARY KEY,
    sale_uuid    TEXT NOT NULL UNIQUE,
    body         TEXT NOT NULL,
    mac          TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'synced', 'refused', 'settled')),
    order_number TEXT,
    problem      TEXT,
    settled_at   TEXT,
    settled_by   TEXT,
    settle_note  TEXT
);
"""
_COLUMNS = "seq, sale_uuid, body, mac, state, order_number, problem, settled_at"
# A journal written before ``settled`` existed: the same rows under the wider CHECK (#21).
_WIDEN = f"""
ALTER TABLE sales RENAME TO sales_before_settled;
{_SCHEMA.split("CREATE TABLE IF NOT EXISTS sales", 1)[0]}
CREATE TABLE sales {_SCHEMA.split("CREATE TABLE IF NOT EXISTS sales", 1)[1]}
INSERT INTO sales ({_COLUMNS}) SELECT {_COLUMNS} FROM sales_before_settled;
DROP TABLE sales_before_settled;
"""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journalled sale with where it stands."""

    seq: int
    sale: OfflineSale
    state: str
    order_number: str | None = None
    problem: str | None = None
    settled_at: str | None = None
    settled_by: str | None = None
    settle_note: str | None = None


_READ = "seq, body, state, order_number, problem, settled_at, settled_by, settle_note"


def _widen(db: sqlite3.Connection) -> None:
    """Bring a journal written before ``settled`` existed to today's table (once, in place)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(sales)")}
    if "settle_note" in columns:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in _WIDEN.split(";"):
            if statement.strip():
                db.execute(statement)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class OfflineJournal:
    """The journal file; thread-safe (the GUI records, the background replays)."""

    def __init__(self, connection: sqlite3.Connection, key: bytes, path: Path) -> None:
        self._db = connection
        self._key = key
        self.path = path
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path, key: bytes) -> Self:
        """Open (or create, 0600) the journal at ``path``, chained under ``key``.

        A journal chained under another key is refused: its sales could not be proven to the
        server, and silently starting a new chain would hide them.
        """
        make_private_folder(path.parent)
        create_private_file(path)
        try:
            connection = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=30
            )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.executescript(_SCHEMA)
            _widen(connection)
            wanted = key_id(key)
            connection.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES ('key_id', ?)", (wanted,)
            )
            connection.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES ('base', ?)", (_BASE,)
            )
            found = connection.execute("SELECT value FROM meta WHERE name = 'key_id'").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise JournalError(
                _("The offline journal {path} cannot be opened: {exc}.").format(
                    path=shown(path), exc=exc
                )
            ) from None
        if found != wanted:
            connection.close()
            raise JournalError(
                _(
                    "The offline journal {path} was written under another audit "
                    "key; its sales cannot be proven. Restore the shop's audit "
                    "key before selling."
                ).format(path=shown(path))
            )
        return cls(connection, key, path)

    def close(self) -> None:
        """Close the file (the sales in it are already on disk)."""
        with self._lock:
            self._db.close()

    # --- writing ----------------------------------------------------------------------------

    def record(self, sale: OfflineSale) -> JournalEntry:
        """Append ``sale`` durably and return its entry; the same sale again returns the first.

        The same UUID with a different sale is refused: a UUID names exactly one sale.
        """
        body = encode(sale)
        with self._transaction() as db:
            row = db.execute(
                "SELECT seq, body, state, order_number, problem FROM sales WHERE sale_uuid = ?",
                (str(sale.sale_uuid),),
            ).fetchone()
            if row is not None:
                if row[1] != body:
                    raise JournalError(
                        _(
                            "Sale {sale_uuid} is already in the offline journal with "
                            "other contents."
                        ).format(sale_uuid=sale.sale_uuid)
                    )
                return JournalEntry(row[0], sale, row[2], row[3], row[4])
            last = db.execute("SELECT mac FROM sales ORDER BY seq DESC LIMIT 1").fetchone()
            previous = last[0] if last else self._base(db)
            mac = self._mac(previous, body)
            cursor = db.execute(
                "INSERT INTO sales (sale_uuid, body, mac) VALUES (?, ?, ?)",
                (str(sale.sale_uuid), body, mac),
            )
            seq = cursor.lastrowid
        assert seq is not None
        return JournalEntry(seq, sale, PENDING)

    def mark_synced(self, sale_uuid: uuid.UUID, order_number: str) -> None:
        """The server has the sale, as ``order_number``."""
        self._settle(sale_uuid, SYNCED, order_number=order_number, problem=None)

    def mark_refused(self, sale_uuid: uuid.UUID, problem: str) -> None:
        """The server refused the sale; it stays unsynced for a person to look at."""
        self._settle(sale_uuid, REFUSED, order_number=None, problem=problem)

    def mark_settled(self, sale_uuid: uuid.UUID, by: str, note: str) -> JournalEntry:
        """A manager settled the refused sale (``by``, with ``note``); it stays, no longer waits.

        Raises:
            JournalError: no such sale, or it is not refused (pending sales replay by themselves).
        """
        at = datetime.now(UTC).isoformat()
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE sales SET state = 'settled', settled_at = ?, settled_by = ?, "
                "settle_note = ? WHERE sale_uuid = ? AND state = 'refused'",
                (at, by, note, str(sale_uuid)),
            ).rowcount
        if changed != 1:
            raise JournalError(
                _("Sale {sale_uuid} is not a refused sale in the offline journal.").format(
                    sale_uuid=sale_uuid
                )
            )
        entry = self.find(sale_uuid)
        assert entry is not None
        return entry

    def unsettle(self, sale_uuid: uuid.UUID) -> None:
        """Undo :meth:`mark_settled` (the server's audit row could not be written)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE sales SET state = 'refused', settled_by = NULL, settle_note = NULL "
                "WHERE sale_uuid = ? AND state = 'settled'",
                (str(sale_uuid),),
            )

    def prune_synced(self) -> int:
        """Delete the synced sales at the front of the journal; the chain keeps its base."""
        with self._transaction() as db:
            first_open = db.execute(
                "SELECT MIN(seq) FROM sales WHERE state <> 'synced'"
            ).fetchone()[0]
            bound = (
                first_open
                if first_open is not None
                else 1 + (db.execute("SELECT COALESCE(MAX(seq), 0) FROM sales").fetchone()[0])
            )
            last = db.execute(
                "SELECT mac FROM sales WHERE seq < ? ORDER BY seq DESC LIMIT 1", (bound,)
            ).fetchone()
            if last is None:
                return 0
            db.execute("UPDATE meta SET value = ? WHERE name = 'base'", (last[0],))
            return db.execute("DELETE FROM sales WHERE seq < ?", (bound,)).rowcount

    # --- reading ----------------------------------------------------------------------------

    def pending_count(self) -> int:
        """How many sales wait for a replay (refused ones wait for a person instead)."""
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM sales WHERE state = 'pending'").fetchone()
        return int(row[0])

    def find(self, sale_uuid: uuid.UUID) -> JournalEntry | None:
        """The journalled sale with this UUID, if any."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_READ} FROM sales WHERE sale_uuid = ?", (str(sale_uuid),)
            ).fetchone()
        return None if row is None else JournalEntry(row[0], decode(row[1]), *row[2:])

    def unsynced(self) -> int:
        """How many sales the server does not have yet (pending and refused; not settled)."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM sales WHERE state IN ('pending', 'refused')"
            ).fetchone()
        return int(row[0])

    def pending(self) -> list[JournalEntry]:
        """The sales to replay, in the order they were taken (the chain is verified first)."""
        return [entry for entry in self.entries() if entry.state == PENDING]

    def entries(self) -> list[JournalEntry]:
        """Every sale in the journal, in order, after :meth:`verify`."""
        self.verify()
        with self._lock:
            rows = self._db.execute(f"SELECT {_READ} FROM sales ORDER BY seq").fetchall()
        return [JournalEntry(row[0], decode(row[1]), *row[2:]) for row in rows]

    def verify(self) -> None:
        """Check the chain from its base; a sale edited, removed or added on disk is named."""
        with self._lock:
            previous = self._base(self._db)
            rows = self._db.execute(
                "SELECT seq, sale_uuid, body, mac FROM sales ORDER BY seq"
            ).fetchall()
        for seq, sale_uuid, body, mac in rows:
            if not hmac.compare_digest(mac, self._mac(previous, body)):
                raise JournalError(
                    _(
                        "The offline journal {path} does not match its chain at sale "
                        "{seq} ({sale_uuid}): it was changed outside posapp."
                    ).format(path=shown(self.path), seq=seq, sale_uuid=sale_uuid)
                )
            previous = mac

    # --- inside -----------------------------------------------------------------------------

    def _mac(self, previous: str, body: str) -> str:
        return hmac.new(self._key, f"{previous}\n{body}".encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _base(db: sqlite3.Connection) -> str:
        return str(db.execute("SELECT value FROM meta WHERE name = 'base'").fetchone()[0])

    def _settle(
        self, sale_uuid: uuid.UUID, state: str, *, order_number: str | None, problem: str | None
    ) -> None:
        at = datetime.now(UTC).isoformat()
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE sales SET state = ?, order_number = ?, problem = ?, settled_at = ? "
                "WHERE sale_uuid = ?",
                (state, order_number, problem, at, str(sale_uuid)),
            ).rowcount
        if changed != 1:
            raise JournalError(
                _("Sale {sale_uuid} is not in the offline journal.").format(sale_uuid=sale_uuid)
            )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as exc:
                raise JournalError(
                    _("The offline journal {path} cannot be written: {exc}.").format(
                        path=shown(self.path), exc=exc
                    )
                ) from None
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                with contextlib.suppress(sqlite3.DatabaseError):
                    self._db.execute("ROLLBACK")
                raise JournalError(
                    _("The offline journal {path} cannot be written: {exc}.").format(
                        path=shown(self.path), exc=exc
                    )
                ) from None
