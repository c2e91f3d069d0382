"""Anchors: the audit chain's head written down outside the database, to catch truncation.

A keyed chain shows any edited row, but a chain whose newest rows were removed is still a valid,
shorter chain. An anchor says "at this moment the log had N rows and the N-th row's hash was H":
a chain with fewer than N rows, or another hash at row N, was cut or rewritten. Anchors are
written on every Z report (printed on it, and kept in the till-closed audit row), appended to
the anchor file at each till close, when the chain is keyed and on ``posapp audit anchor``;
``posapp audit verify`` checks them.

The anchor file is plain text, one anchor a line, only ever appended to (open it ``O_APPEND``;
on Linux ``chattr +a`` makes the file system refuse anything else, even to its owner)::

    posapp-anchor rows=1234 last_id=1234 head=<64 hex> at=2026-12-07T18:02:11Z note=Z report 17

A line typed from a printed Z report (``rows=… head=…``) is read the same way.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from posapp.i18n import _
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.private import FILE_MODE, make_private_folder, shown

__all__ = ["Anchor", "ChainHead", "anchor_line", "read_anchors", "write_anchor"]

_ROWS = re.compile(r"\brows=(\d+)")
_HEAD = re.compile(r"\bhead=([0-9a-f]{64})\b")
_AT = re.compile(r"\bat=(\S+)")


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The chain's head at a moment: how many rows, the last one's id and its hash."""

    rows: int
    last_id: int | None
    hash: str


@dataclass(frozen=True, slots=True)
class Anchor:
    """One anchor read back: the head it claims, and where it came from (for messages)."""

    rows: int
    hash: str
    source: str


def anchor_line(head: ChainHead, *, now: datetime, note: str = "") -> str:
    """The one-line text of an anchor (also what a Z report prints)."""
    at = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    last = "" if head.last_id is None else f" last_id={head.last_id}"
    tail = f" note={' '.join(note.split())}" if note else ""
    return f"posapp-anchor rows={head.rows}{last} head={head.hash or '-'} at={at}{tail}"


def write_anchor(path: Path, head: ChainHead, *, now: datetime, note: str = "") -> None:
    """Append an anchor of ``head`` to the anchor file at ``path`` (made 0600 if new).

    Raises:
        OSError: the file cannot be written (callers that must not fail log it).
    """
    make_private_folder(path.parent)
    line = anchor_line(head, now=now, note=note) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def read_anchors(path: Path) -> list[Anchor]:
    """Every anchor in the file at ``path`` (lines without one, e.g. comments, are skipped).

    Raises:
        ValidationError: the file cannot be read, or a line names rows but no valid head.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(
            _("Cannot read the anchor file {path}: {strerror}.").format(
                path=shown(path), strerror=exc.strerror
            )
        ) from exc
    anchors: list[Anchor] = []
    for number, line in enumerate(text.splitlines(), start=1):
        rows = _ROWS.search(line)
        if rows is None or line.lstrip().startswith("#"):
            continue
        head = _HEAD.search(line)
        if head is None:
            if int(rows.group(1)) == 0:
                continue  # an anchor of an empty log says nothing
            msg = _("{path}, line {number}: an anchor needs head=<64 hex digits>.").format(
                path=shown(path), number=number
            )
            raise ValidationError(msg)
        at = _AT.search(line)
        where = f"{path.name} line {number}" + (f" ({at.group(1)})" if at else "")
        anchors.append(Anchor(int(rows.group(1)), head.group(1), where))
    return anchors
