"""The worker's durable log: an intent before each operation, an acknowledgement after it returns.

Each line is one JSON object, written with ``flush`` and ``fsync`` before the worker goes on:

- ``{"phase": "begin", "op": {...}}`` before the operation is sent to the services;
- ``{"phase": "ack", "kind": …, "ids": {...}, "retry": bool, "replayed": bool}`` once the call
  returned (so the transaction committed);
- ``{"phase": "refused", "error": "ClassName", "message": …}`` when a service refused it;
- ``{"phase": "error", "message": …}`` for anything unexpected (the test fails on it).

A line cut short by SIGKILL has no newline: readers skip it and the next worker truncates it.
A ``begin`` with no outcome after it is the operation in flight when the worker was killed; the
next worker sends exactly the same operation again (same sale UUID, same idempotency keys).
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.reliability.invariants import Acknowledged

# Which acknowledged id goes to which set of Acknowledged.
_ID_KINDS = {
    "sale_uuid": "orders",
    "ledger_key": "ledger_keys",
    "batch": "stock_batches",
    "return_uuid": "returns",
}


class AckLog:
    """Append-only, fsynced JSON lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        _truncate_partial_line(path)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, record: dict[str, Any]) -> None:
        """Append one record durably (returns after fsync)."""
        data = (json.dumps(record, separators=(",", ":")) + "\n").encode()
        os.write(self._fd, data)
        os.fsync(self._fd)

    def close(self) -> None:
        """Close the file."""
        os.close(self._fd)


def _truncate_partial_line(path: Path) -> None:
    if not path.exists():
        return
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end != len(data):
        with path.open("r+b") as handle:
            handle.truncate(end)
            handle.flush()
            os.fsync(handle.fileno())


def complete_records(path: Path) -> list[dict[str, Any]]:
    """Every complete line of the log, parsed."""
    if not path.exists():
        return []
    data = path.read_bytes()
    lines = data[: data.rfind(b"\n") + 1].decode().splitlines()
    return [json.loads(line) for line in lines if line]


@dataclass(slots=True)
class LogSummary:
    """What a log says happened."""

    acknowledged: Acknowledged = field(default_factory=Acknowledged)
    acks: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    in_flight: int = 0
    retried: int = 0
    retried_found_committed: int = 0
    pending: dict[str, Any] | None = None


def summarise(path: Path) -> LogSummary:
    """Read the log: the acknowledged ids, counts by kind, retries, errors, the pending op."""
    ids: dict[str, set[uuid.UUID]] = {name: set() for name in _ID_KINDS.values()}
    summary = LogSummary()
    pending: dict[str, Any] | None = None
    for record in complete_records(path):
        phase = record["phase"]
        if phase == "begin":
            if pending is not None:
                summary.in_flight += 1  # the one before was cut off by a kill
            pending = record["op"]
            continue
        pending = None
        if phase == "ack":
            summary.acks[record["kind"]] += 1
            for key, value in record["ids"].items():
                if key in _ID_KINDS:
                    ids[_ID_KINDS[key]].add(uuid.UUID(hex=value))
            if record.get("retry"):
                summary.retried += 1
                summary.retried_found_committed += bool(record.get("replayed"))
        elif phase == "refused":
            summary.refusals[record["error"]] += 1
            summary.retried += bool(record.get("retry"))
        else:
            summary.errors.append(record.get("message", str(record)))
    if pending is not None:
        summary.in_flight += 1
    summary.pending = pending
    summary.acknowledged = Acknowledged(
        orders=frozenset(ids["orders"]),
        ledger_keys=frozenset(ids["ledger_keys"]),
        stock_batches=frozenset(ids["stock_batches"]),
        returns=frozenset(ids["returns"]),
    )
    return summary
