"""The register when the server is gone (#21): the offline journal and its replay.

A register on PostgreSQL that loses the server keeps selling (cash and card only) and writes each
sale to its own journal (:class:`OfflineJournal`: SQLite, WAL, ``synchronous=FULL``, 0600,
every sale chained under the shop's audit key). When the server is back, :func:`replay` hands the
sales, in the order they were taken, to the server's idempotent checkout. See docs/OFFLINE.md for
the whole design and what is built so far.
"""

from posapp.services.sales.offline.cache import OfflineCache, Snapshot, snapshot
from posapp.services.sales.offline.journal import (
    PENDING,
    REFUSED,
    SETTLED,
    SYNCED,
    JournalEntry,
    OfflineJournal,
)
from posapp.services.sales.offline.link import PROBE_TIMEOUT_S, LinkState, LinkStatus, ServerLink
from posapp.services.sales.offline.paths import (
    OfflineSalesWaitingError,
    cache_path,
    journal_path,
    unsynced_at,
)
from posapp.services.sales.offline.place import draft_of
from posapp.services.sales.offline.replay import Placer, ReplayResult, SaleRefusedError, replay
from posapp.services.sales.offline.sale import (
    JournalError,
    OfflineLine,
    OfflineSale,
    OfflineTender,
    TenderKind,
    decode,
    encode,
)
from posapp.services.sales.offline.till import OfflineItem, OfflineReceipt, OfflineTill

__all__ = [
    "PENDING",
    "PROBE_TIMEOUT_S",
    "REFUSED",
    "SETTLED",
    "SYNCED",
    "JournalEntry",
    "JournalError",
    "LinkState",
    "LinkStatus",
    "OfflineCache",
    "OfflineItem",
    "OfflineJournal",
    "OfflineLine",
    "OfflineReceipt",
    "OfflineSale",
    "OfflineSalesWaitingError",
    "OfflineTender",
    "OfflineTill",
    "Placer",
    "ReplayResult",
    "SaleRefusedError",
    "ServerLink",
    "Snapshot",
    "TenderKind",
    "cache_path",
    "decode",
    "draft_of",
    "encode",
    "journal_path",
    "replay",
    "snapshot",
    "unsynced_at",
]
