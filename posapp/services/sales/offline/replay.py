"""Replaying the offline journal to the server, in the order the sales were taken.

:func:`replay` hands each pending sale to ``place`` (the server's idempotent checkout for an
offline sale: the same sale UUID never makes a second order, so a sale whose COMMIT answer was
lost is recognised, not placed twice) and records what came back. It stops at the first sale the
server cannot be reached for, so the order is kept and nothing is skipped: the next replay starts
there. A sale the server refuses for a reason a person must look at
(:class:`SaleRefusedError`) is marked and the replay goes on with the next: one bad sale must not
hold back a day's takings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from posapp.services.platform.errors import DatabaseError
from posapp.services.platform.progress import Cancelled, Progress, never_cancelled, no_progress
from posapp.services.sales.offline.journal import OfflineJournal
from posapp.services.sales.offline.sale import OfflineSale

__all__ = ["Placer", "ReplayResult", "SaleRefusedError", "replay"]

Placer = Callable[[OfflineSale], str]
"""Places one offline sale on the server (or finds it there) and returns its order number."""


class SaleRefusedError(Exception):
    """The server will not take this sale as it is; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """What one replay did."""

    synced: int
    refused: int
    left: int
    """Pending sales not replayed (the server went away again, or the replay was cancelled)."""
    stopped: str | None = None
    """Why the replay stopped early: the connection error's message, or None."""


def replay(
    journal: OfflineJournal,
    place: Placer,
    *,
    progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
) -> ReplayResult:
    """Replay every pending sale in order; see the module's text for when it stops."""
    entries = journal.pending()
    synced = refused = 0
    stopped: str | None = None
    for done, entry in enumerate(entries):
        if cancelled():
            break
        try:
            number = place(entry.sale)
        except SaleRefusedError as exc:
            journal.mark_refused(entry.sale.sale_uuid, str(exc))
            refused += 1
        except DatabaseError as exc:
            stopped = str(exc)
            break
        else:
            journal.mark_synced(entry.sale.sale_uuid, number)
            synced += 1
        progress(done + 1, len(entries))
    return ReplayResult(synced, refused, len(entries) - synced - refused, stopped)
