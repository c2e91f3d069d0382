"""The server goes away while a register replays its offline journal (#21): each sale once.

The fault-injection suite's ways of losing PostgreSQL, met by ``place_offline_sale`` instead of a
sale at the till. The register's journal holds sales taken offline (more units than the store
has, so the later ones take the level below zero and raise sync conflicts). Then:

- the connection is killed before each statement of a replayed sale in turn, and at its COMMIT:
  the replay stops with the sale still pending, nothing of it is on the server (a kill before
  the COMMIT) and the next replay places it once;
- the COMMIT reaches the server but its answer is lost (the proxy eats it): the replay stops, the
  sale is on the server once, and the next replay finds it by its UUID — the same order number,
  no second order, no second conflict.

After each, every invariant of :mod:`tests.reliability.invariants` holds (stock below zero only
with a sync conflict that tells of it).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from posapp.models import Order, SyncConflict
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales.offline import PENDING, SYNCED, OfflineTill, replay
from tests.checkout_seed import Shop, open_shop_till
from tests.offline_seed import offline_till, sell_offline
from tests.reliability.driver import driver_hooks
from tests.reliability.figures import report as report_figure
from tests.reliability.invariants import Acknowledged, assert_invariants
from tests.reliability.pg.proxy import CommitEater
from tests.reliability.pg.shop import one_product_shop
from tests.reliability.pg.test_pg_disconnect import Killer, _backend_pid

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)]
PRICE = 120


@pytest.fixture
def shop(backend: Backend) -> Shop:
    shop = one_product_shop(backend, units=3, price=PRICE)
    open_shop_till(backend, shop)
    return shop


@pytest.fixture
def till(backend: Backend, shop: Shop, tmp_path: Path) -> OfflineTill:
    return offline_till(backend, tmp_path / "cache.sqlite3", tmp_path / "journal.sqlite3")


def _orders(backend: Backend, sale_uuid: uuid.UUID | None = None) -> int:
    query = select(func.count()).select_from(Order)
    if sale_uuid is not None:
        query = query.where(Order.sale_uuid == sale_uuid)
    with backend.read_uow() as uow:
        return int(uow.session.scalar(query) or 0)


def _conflicts(backend: Backend) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(SyncConflict)) or 0)


def _statements_of_a_replay(backend: Backend, shop: Shop, till: OfflineTill) -> int:
    """How many statements one replayed sale sends (a first one places the store's counter)."""
    sell_offline(till, shop, [("race", 1)])
    assert replay(till.journal, backend.sales.place_offline_sale).synced == 1
    sell_offline(till, shop, [("race", 1)])
    seen: list[str] = []
    with driver_hooks(backend.database.engine, lambda _c, sql: seen.append(sql)):
        assert replay(till.journal, backend.sales.place_offline_sale).synced == 1
    return len(seen)


def test_connection_killed_before_each_statement_of_a_replayed_sale(
    backend: Backend, shop: Shop, till: OfflineTill
) -> None:
    killer = Killer(str(backend.database.url.render_as_string(hide_password=False)))
    statements = _statements_of_a_replay(backend, shop, till)
    engine = backend.database.engine
    for target in [*range(1, statements + 1), "commit"]:
        sale = sell_offline(till, shop, [("race", 2)])
        state = {"n": 0}

        def before(
            conn: Any, _sql: str, target: object = target, s: dict[str, int] = state
        ) -> None:
            s["n"] += 1
            if s["n"] == target:
                killer.kill(_backend_pid(conn))

        def at_commit(conn: Any, target: object = target) -> None:
            if target == "commit":
                killer.kill(_backend_pid(conn))

        with driver_hooks(engine, before, at_commit):
            result = replay(till.journal, backend.sales.place_offline_sale)
        assert result.stopped is not None, f"killed at {target}"
        assert (result.synced, result.left) == (0, 1), f"killed at {target}"
        entry = till.journal.find(sale.sale_uuid)
        assert entry is not None
        assert entry.state == PENDING
        assert _orders(backend, sale.sale_uuid) == 0, f"killed at {target}"
        assert_invariants(engine)
        conflicts = _conflicts(backend)
        assert replay(till.journal, backend.sales.place_offline_sale).synced == 1
        assert _orders(backend, sale.sale_uuid) == 1
        assert _conflicts(backend) == conflicts + 1  # the shortfall, told once
    report = assert_invariants(engine)
    assert report.counts["orders"] == statements + 3
    assert till.journal.unsynced() == 0
    report_figure(
        f"PostgreSQL offline replay, server gone mid-sale: killed before each of the {statements} "
        f"statements and at COMMIT: the replay stopped with the sale pending, nothing written; "
        "the next replay placed it once (stock below zero, one conflict each)"
    )


def test_commit_answer_lost_during_a_replay(
    backend: Backend, database: Database, shop: Shop, till: OfflineTill
) -> None:
    url = database.url.render_as_string(hide_password=False)
    rounds = 4
    with CommitEater(url) as proxy:
        through = Backend(Database(proxy.url), register=backend.register)
        try:
            for _ in range(rounds):
                sale = sell_offline(till, shop, [("race", 2)])
                proxy.arm()
                result = replay(till.journal, through.sales.place_offline_sale)
                assert proxy.eaten.is_set()
                assert result.stopped is not None
                assert result.left == 1
                assert _orders(backend, sale.sale_uuid) == 1  # the server did commit
                conflicts = _conflicts(backend)
                assert replay(till.journal, through.sales.place_offline_sale).synced == 1
                entry = till.journal.find(sale.sale_uuid)
                assert entry is not None
                assert entry.state == SYNCED
                with backend.read_uow() as uow:
                    number = uow.session.scalar(
                        select(Order.number).where(Order.sale_uuid == sale.sale_uuid)
                    )
                assert entry.order_number == number
                assert _orders(backend, sale.sale_uuid) == 1
                assert _conflicts(backend) == conflicts  # found, not placed again
        finally:
            through.database.dispose()
    report = assert_invariants(backend.database.engine, Acknowledged())
    assert report.counts["orders"] == rounds
    report_figure(
        f"PostgreSQL offline replay, COMMIT answer lost (proxy): {rounds} sales each on the "
        "server once; the next replay found each by its UUID (same number, no second conflict)"
    )
