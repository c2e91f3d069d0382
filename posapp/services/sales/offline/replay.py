"""Replaying the offline journal to the server, in the order the sales were taken.

:func:`replay` hands each pending sale to ``place`` (the server's idempotent checkout for an
offline sale: the same sale UUID never makes a second order, so a sale whose COMMIT answer was
lost is recognised, not placed twice) and records what came back. It stops at the first sale the
server cannot be reached for (:func:`~posapp.services.sales.offline.reach.server_gone`), so the
order is kept and nothing is skipped: the next replay starts there. A sale the server refuses for
a reason a person must look at (:class:`SaleRefusedError`), or answers with an error of its own
(:func:`~posapp.services.sales.offline.reach.server_refused`: a constraint, a bad row, the same
error at every try), is marked refused with that reason and the replay goes on with the next:
one bad sale must not hold back a day's takings. A refused sale stays in the journal, unsynced,
until a manager settles it (:mod:`.settle`). Any other error (a transient conflict that outlasted
its retries, the register's own audit key missing: every sale would meet it) stops the replay
like a lost server, with its message: the sales stay pending, in order, never written off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from posapp.services.platform.errors import ServiceError
from posapp.services.platform.progress import Cancelled, Progress, never_cancelled, no_progress
from posapp.services.sales.offline.journal import OfflineJournal
from posapp.services.sales.offline.reach import describe, server_refused
from posapp.services.sales.offline.sale import OfflineSale

__all__ = ["Placer", "ReplayResult", "SaleRefusedError", "replay"]

_log = logging.getLogger(__name__)

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
    """Why the replay stopped early (the server gone, or an error every sale meets), or None."""


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
        except (ServiceError, SQLAlchemyError) as exc:
            if not server_refused(exc):
                _log.warning("replay stopped at offline sale %s: %s", entry.sale.sale_uuid, exc)
                stopped = describe(exc)
                break
            _log.warning("the server refused offline sale %s: %s", entry.sale.sale_uuid, exc)
            journal.mark_refused(entry.sale.sale_uuid, describe(exc))
            refused += 1
        else:
            journal.mark_synced(entry.sale.sale_uuid, number)
            synced += 1
        progress(done + 1, len(entries))
    return ReplayResult(synced, refused, len(entries) - synced - refused, stopped)
