"""Where a register keeps its offline journal and cache; the Z report's wait for the journal.

One place for the names, so that the register's wiring (which writes the journal) and the till's
Z report (which must not close while the journal holds sales the server does not have) find the
same file. Both live in the data folder's ``offline/`` (0700), named after the register and the
server's database, like the audit anchors (``chain_key.anchor_path``): a register that serves
two shops keeps two journals.

:func:`require_offline_synced` is the till's check (``tills.close_till`` and the till view's
``check_close_till``): no Z report while the register's journal holds sales the server does not
have, pending or refused.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL

from posapp.config import data_dir
from posapp.i18n import ngettext
from posapp.services.platform.errors import ConflictError
from posapp.services.platform.private import shown
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.offline.sale import JournalError

__all__ = [
    "OfflineSalesWaitingError",
    "cache_path",
    "journal_path",
    "require_offline_synced",
    "unsynced_at",
]


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:80] or "_"


def _stem(url: URL, register: str) -> Path:
    return data_dir() / "offline" / f"{_safe(register)}-{_safe(url.database or 'posapp')}"


def journal_path(url: URL, register: str) -> Path:
    """The offline journal of ``register`` for the database at ``url``."""
    stem = _stem(url, register)
    return stem.with_name(stem.name + ".journal.sqlite3")


def cache_path(url: URL, register: str) -> Path:
    """The offline cache of ``register`` for the database at ``url``."""
    stem = _stem(url, register)
    return stem.with_name(stem.name + ".cache.sqlite3")


def unsynced_at(path: Path) -> int:
    """How many sales the journal at ``path`` holds that the server does not have (0: no file).

    Read-only and without the audit key: a count, nothing else.

    Raises:
        JournalError: the file is there but cannot be read (so nobody can say it is empty).
    """
    if not path.exists():
        return 0
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30)
        ) as db:
            row = db.execute(
                "SELECT COUNT(*) FROM sales WHERE state IN ('pending', 'refused')"
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"The offline journal {shown(path)} cannot be read: {exc}.") from None
    return int(row[0])


class OfflineSalesWaitingError(ConflictError):
    """The register's offline journal holds sales the server does not have: the Z waits (#21)."""


def require_offline_synced(uow: UnitOfWork) -> None:
    """Refuse while this register's offline journal holds unsynced sales (pending or refused).

    The journal is the register's own file (``offline.paths.journal_path``): the server cannot
    know of sales it has not received, so the register's own process reads it here, in the
    service every edge closes a till through, rather than trusting a count an edge passes in.

    Raises:
        OfflineSalesWaitingError: how many sales wait (or that the journal cannot be read).
    """
    path = journal_path(uow.session.connection().engine.url, uow.register)
    try:
        waiting = unsynced_at(path)
    except JournalError as exc:
        raise OfflineSalesWaitingError(str(exc)) from None
    if waiting:
        raise OfflineSalesWaitingError(
            ngettext(
                "{n} sale taken offline is not on the server yet: the till closes once it is "
                "(a refused sale needs a manager first).",
                "{n} sales taken offline are not on the server yet: the till closes once they "
                "are (a refused sale needs a manager first).",
                waiting,
            ).format(n=waiting)
        )
