"""The offline journal (#21): durable, in order, idempotent, and tamper-evident under the audit key.

Every test works on a real SQLite file; the kill test kills a real process with SIGKILL right
after it acknowledged sales, and every acknowledged sale is still there.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posapp.services.platform.errors import DatabaseError
from posapp.services.sales.offline import (
    PENDING,
    REFUSED,
    SETTLED,
    SYNCED,
    JournalError,
    OfflineJournal,
    OfflineLine,
    OfflineSale,
    OfflineTender,
    SaleRefusedError,
    TenderKind,
    decode,
    encode,
    replay,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


def sale(n: int, *, price: int = 250, name: str = "Mug") -> OfflineSale:
    return OfflineSale(
        sale_uuid=uuid.UUID(int=n + 1),
        taken_at=datetime(2026, 12, 7, 10, 0, n % 60, tzinfo=UTC),
        register="R1",
        store_id=1,
        till_session_id=7,
        cashier_id=3,
        lines=(OfflineLine(1, 42, name, 2, price, 1900, True),),
        tenders=(OfflineTender(uuid.UUID(int=10_000 + n), TenderKind.CASH, 2 * price, 1000),),
        total_minor=2 * price,
    )


@pytest.fixture
def journal(tmp_path: Path) -> OfflineJournal:
    return OfflineJournal.open(tmp_path / "offline.sqlite3", KEY)


def test_sales_come_back_in_the_order_they_were_taken(journal: OfflineJournal) -> None:
    for n in (3, 1, 2):
        journal.record(sale(n))
    assert [e.sale.sale_uuid.int - 1 for e in journal.pending()] == [3, 1, 2]
    assert journal.unsynced() == 3


def test_the_same_sale_twice_is_one_entry_and_a_uuid_names_one_sale(
    journal: OfflineJournal,
) -> None:
    first = journal.record(sale(1))
    assert journal.record(sale(1)) == first
    with pytest.raises(JournalError, match="other contents"):
        journal.record(sale(1, price=1))
    assert len(journal.entries()) == 1


def test_the_journal_file_is_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "data" / "offline.sqlite3"
        OfflineJournal.open(path, KEY).record(sale(1))
    finally:
        os.umask(old)
    for file in (path, path.with_name(path.name + "-wal")):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_journal_under_another_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "offline.sqlite3"
    OfflineJournal.open(path, KEY).record(sale(1))
    with pytest.raises(JournalError, match="another audit key"):
        OfflineJournal.open(path, OTHER_KEY)


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE sales SET body = replace(body, 'price_minor\":250', 'price_minor\":25') "
        "WHERE seq = 2",
        "DELETE FROM sales WHERE seq = 2",
        "UPDATE sales SET seq = 9 WHERE seq = 1",
    ],
    ids=["price edited", "sale removed", "order changed"],
)
def test_a_journal_changed_on_disk_is_caught(tmp_path: Path, tamper: str) -> None:
    path = tmp_path / "offline.sqlite3"
    journal = OfflineJournal.open(path, KEY)
    for n in range(3):
        journal.record(sale(n))
    journal.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute(tamper).rowcount == 1
    with pytest.raises(JournalError, match="changed outside posapp"):
        OfflineJournal.open(path, KEY).pending()


def test_a_sale_added_by_hand_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "offline.sqlite3"
    OfflineJournal.open(path, KEY).record(sale(1))
    with sqlite3.connect(path) as raw:
        raw.execute(
            "INSERT INTO sales (sale_uuid, body, mac) VALUES (?, ?, ?)",
            (str(uuid.UUID(int=99)), encode(sale(98)), "0" * 64),
        )
    with pytest.raises(JournalError, match="at sale 2"):
        OfflineJournal.open(path, KEY).verify()


def test_pruning_synced_sales_keeps_the_chain(journal: OfflineJournal) -> None:
    for n in range(4):
        journal.record(sale(n))
    journal.mark_synced(uuid.UUID(int=1), "S-1")
    journal.mark_synced(uuid.UUID(int=2), "S-2")
    journal.mark_synced(uuid.UUID(int=4), "S-4")  # after a pending one: kept
    assert journal.prune_synced() == 2
    journal.verify()
    assert [e.state for e in journal.entries()] == [PENDING, SYNCED]
    journal.record(sale(9))
    journal.verify()


def test_every_acknowledged_sale_survives_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "offline.sqlite3"
    child = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parents[2])!r})
        from pathlib import Path
        from tests.unit.test_offline_journal import KEY, sale
        from posapp.services.sales.offline import OfflineJournal
        journal = OfflineJournal.open(Path({str(path)!r}), KEY)
        n = 0
        while True:
            journal.record(sale(n))
            print(n, flush=True)
            n += 1
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", child], stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        acknowledged = [int(process.stdout.readline()) for _ in range(25)]
        process.send_signal(signal.SIGKILL)
        process.wait()
    entries = OfflineJournal.open(path, KEY).entries()  # verifies the chain too
    kept = [e.sale.sale_uuid.int - 1 for e in entries]
    assert kept[: len(acknowledged)] == acknowledged
    assert kept == list(range(len(kept)))


def test_replay_goes_in_order_and_stops_where_the_server_went_away(journal: OfflineJournal) -> None:
    for n in range(5):
        journal.record(sale(n))
    placed: list[int] = []

    def place(offline: OfflineSale) -> str:
        n = offline.sale_uuid.int - 1
        if n == 3 and len(placed) < 4:
            raise DatabaseError("The database server cannot be reached.")
        placed.append(n)
        return f"S-{n}"

    first = replay(journal, place)
    assert (first.synced, first.refused, first.left) == (3, 0, 2)
    assert first.stopped == "The database server cannot be reached."
    assert placed == [0, 1, 2]
    placed.append(-1)  # the server is back
    second = replay(journal, place)
    assert (second.synced, second.left, second.stopped) == (2, 0, None)
    assert placed == [0, 1, 2, -1, 3, 4]
    assert journal.unsynced() == 0
    assert [e.order_number for e in journal.entries()] == [f"S-{n}" for n in range(5)]


def test_a_refused_sale_is_kept_for_a_person_and_the_rest_go_on(journal: OfflineJournal) -> None:
    for n in range(3):
        journal.record(sale(n))

    def place(offline: OfflineSale) -> str:
        if offline.sale_uuid.int == 2:
            raise SaleRefusedError("The till session was closed on another register.")
        return "S"

    seen: list[tuple[int, int]] = []
    result = replay(journal, place, progress=lambda done, total: seen.append((done, total)))
    assert (result.synced, result.refused, result.left) == (2, 1, 0)
    assert seen == [(1, 3), (2, 3), (3, 3)]
    states = [(e.state, e.problem) for e in journal.entries()]
    assert states[1] == (REFUSED, "The till session was closed on another register.")
    assert journal.unsynced() == 1  # a Z report still waits for it
    assert replay(journal, place).synced == 0  # refused sales are not retried blindly


def test_a_settled_sale_stays_in_the_chain_and_no_longer_waits(
    journal: OfflineJournal,
) -> None:
    for n in range(3):
        journal.record(sale(n))
    journal.mark_synced(sale(0).sale_uuid, "S-1")
    journal.mark_refused(sale(1).sale_uuid, "Unknown product.")
    with pytest.raises(JournalError, match="not a refused sale"):
        journal.mark_settled(sale(2).sale_uuid, "boss", "cash counted")  # pending: replays
    entry = journal.mark_settled(sale(1).sale_uuid, "boss", "cash counted, written off")
    assert (entry.state, entry.problem, entry.settled_by, entry.settle_note) == (
        SETTLED,
        "Unknown product.",
        "boss",
        "cash counted, written off",
    )
    assert entry.settled_at
    with pytest.raises(JournalError, match="not a refused sale"):
        journal.mark_settled(sale(1).sale_uuid, "boss", "twice")
    journal.verify()
    assert journal.unsynced() == 1  # only the pending one
    assert journal.prune_synced() == 1  # the settled sale is kept, never deleted
    assert [e.state for e in journal.entries()] == [SETTLED, PENDING]
    journal.unsettle(sale(1).sale_uuid)
    assert journal.unsynced() == 2


def test_a_journal_from_before_settled_is_widened_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    first = OfflineJournal.open(path, KEY)
    first.record(sale(0))
    first.mark_refused(sale(0).sale_uuid, "Unknown product.")
    first.close()
    with contextlib.closing(sqlite3.connect(path)) as db:  # the table as #21 first wrote it
        db.executescript(
            """
            ALTER TABLE sales RENAME TO newer;
            CREATE TABLE sales (
                seq INTEGER PRIMARY KEY, sale_uuid TEXT NOT NULL UNIQUE, body TEXT NOT NULL,
                mac TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'synced', 'refused')),
                order_number TEXT, problem TEXT, settled_at TEXT);
            INSERT INTO sales SELECT seq, sale_uuid, body, mac, state, order_number, problem,
                settled_at FROM newer;
            DROP TABLE newer;
            """
        )
    again = OfflineJournal.open(path, KEY)
    again.verify()
    assert again.mark_settled(sale(0).sale_uuid, "boss", "written off").state == SETTLED
    again.record(sale(1))
    again.verify()
    assert again.unsynced() == 1
    again.close()


def test_a_cancelled_replay_leaves_the_rest_pending(journal: OfflineJournal) -> None:
    for n in range(3):
        journal.record(sale(n))
    calls = iter([False, True])
    result = replay(journal, lambda s: "S", cancelled=lambda: next(calls))
    assert (result.synced, result.left) == (1, 2)


texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
sales = st.builds(
    OfflineSale,
    sale_uuid=st.uuids(),
    taken_at=st.datetimes(timezones=st.just(UTC)),
    register=texts,
    store_id=st.integers(1, 2**63 - 1),
    till_session_id=st.integers(1, 2**63 - 1),
    cashier_id=st.integers(1, 2**63 - 1),
    lines=st.tuples(
        st.builds(
            OfflineLine,
            line_no=st.integers(1, 500),
            product_id=st.integers(1, 2**63 - 1),
            name=texts,
            quantity=st.integers(1, 10**6),
            unit_price_minor=st.integers(0, 10**12),
            tax_rate_bp=st.integers(0, 10_000),
            tax_included=st.booleans(),
            discount_minor=st.integers(0, 10**6),
            approver_id=st.none() | st.integers(1, 100),
            unit=st.sampled_from(["pc", "g", "kg", "m", "l"]),
        )
    ),
    tenders=st.tuples(
        st.builds(
            OfflineTender,
            payment_uuid=st.uuids(),
            kind=st.sampled_from(TenderKind),
            amount_minor=st.integers(0, 10**12),
            tendered_minor=st.integers(0, 10**12),
            card_reference=texts,
            card_last4=texts,
        )
    ),
    total_minor=st.integers(0, 10**12),
    coupon_codes=st.lists(texts, max_size=3).map(tuple),
    note=texts,
)


@settings(max_examples=150, deadline=None)
@given(sales)
def test_the_text_form_round_trips(offline: OfflineSale) -> None:
    assert decode(encode(offline)) == offline
    assert encode(offline).isascii()


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        texts,
        st.from_type(dict).map(str),
        sales.map(encode).map(lambda t: t.replace("1", '"x"', 1)),
    )
)
def test_malformed_text_is_a_journal_error_never_a_crash(text: str) -> None:
    with contextlib.suppress(JournalError):
        decode(text)
