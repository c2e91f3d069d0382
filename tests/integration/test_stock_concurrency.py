"""PostgreSQL: 8 workers moving stock between 3 locations conserve every unit, never deadlock.

Each worker is a thread with its own units of work (its own sessions and connections). The
services apply a transfer's movements in ``(store_id, product_id)`` order; with the lines in
random order and that sorting switched off, the same run produces hundreds of deadlocks.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from posapp.events import RecordingPublisher, StockLow
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.errors import ServiceError
from posapp.services.stock import actions as stock
from posapp.services.stock.dto import AdjustReason, StockLine
from posapp.services.stock.ledger import InsufficientStockError
from tests.unit.stock_support import World, build_world, level_snapshot

WORKERS = 8
TRANSFERS_EACH = 200
START_UNITS = 60
REORDER_POINT = 20


def _deadlocks(database: Database) -> int:
    with database.engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        return int(
            conn.exec_driver_sql(
                "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
            ).scalar_one()
        )


class Workers:
    """Eight threads of random transfers (and a few write-offs) between three locations."""

    def __init__(self, backend: Backend, world: World) -> None:
        self.backend, self.world = backend, world
        self.locations = (world.shop, world.market, world.warehouse)
        self.products = (world.pear, world.apple)
        self.outcomes: Counter[str] = Counter()
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._barrier = threading.Barrier(WORKERS)

    def _one(self, rng: random.Random) -> str:
        w = self.world
        source, dest = rng.sample(self.locations, 2)
        picked = rng.sample(self.products, 2)  # random line order: the service sorts anyway
        lines = [StockLine(p, rng.randint(1, 9)) for p in picked]
        try:
            if rng.random() < 0.1:  # now and then a write-off races the transfers
                stock.adjust_stock(
                    self.backend.uow(), w.manager, source, picked[0], -1, AdjustReason.DAMAGE
                )
                return "adjusted"
            stock.transfer_stock(self.backend.uow(), w.manager, source, dest, lines)
        except InsufficientStockError:
            return "refused"
        return "moved"

    def _work(self, seed: int) -> None:
        rng = random.Random(seed)
        self._barrier.wait()
        for _ in range(TRANSFERS_EACH):
            try:
                outcome = self._one(rng)
            except ServiceError as exc:  # DatabaseError after exhausted retries, say
                with self._lock:
                    self.errors.append(exc)
                outcome = "error"
            with self._lock:
                self.outcomes[outcome] += 1

    def run(self) -> None:
        threads = [threading.Thread(target=self._work, args=(seed,)) for seed in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        assert not any(thread.is_alive() for thread in threads), "a worker hung"


def _crossings(backend: Backend, store_id: int, product_id: int) -> int:
    """Downward crossings of the reorder point, replaying the level's ledger in order.

    Per level, movement ids follow the order the row lock was taken (the movement is inserted
    while the lock is held), so id order is the order the level changed in.
    """
    with backend.read_uow() as uow:
        quantities = uow.session.execute(
            sa.text(
                "SELECT quantity FROM stock_movements WHERE store_id = :s AND product_id = :p "
                "ORDER BY id"
            ),
            {"s": store_id, "p": product_id},
        ).scalars()
        crossings, level = 0, 0
        for quantity in quantities:
            before, level = level, level + int(quantity)
            if quantity < 0 and before > REORDER_POINT >= level:
                crossings += 1
    return crossings


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_concurrent_transfers_conserve_stock(
    backend: Backend, database: Database, publisher: RecordingPublisher
) -> None:
    w = build_world(backend)
    workers = Workers(backend, w)
    for location in workers.locations:
        lines = [StockLine(p, START_UNITS) for p in workers.products]
        stock.receive_stock(backend.uow(), w.manager, location, lines, reference="OPENING")
        for product in workers.products:
            stock.set_reorder_levels(backend.uow(), w.manager, location, product, REORDER_POINT, 40)
    deadlocks_before = _deadlocks(database)
    publisher.events.clear()

    workers.run()

    assert workers.errors == []
    outcomes = workers.outcomes
    assert sum(outcomes.values()) == WORKERS * TRANSFERS_EACH
    assert outcomes["moved"] > WORKERS * TRANSFERS_EACH // 2
    levels = level_snapshot(backend)
    total = len(workers.locations) * len(workers.products) * START_UNITS
    assert sum(q for _, _, q, _, _ in levels) == total - outcomes["adjusted"]
    assert all(q >= 0 for _, _, q, _, _ in levels)
    assert stock.ledger_mismatches(backend.read_uow()) == []
    with backend.read_uow() as uow:
        batches = uow.session.execute(
            sa.text(
                "SELECT batch_uuid, sum(quantity) FROM stock_movements "
                "WHERE kind IN ('transfer_in', 'transfer_out') GROUP BY batch_uuid"
            )
        ).all()
    assert len(batches) == outcomes["moved"]
    assert all(total == 0 for _, total in batches)  # both sides of every transfer

    lows = Counter((e.store_id, e.product_id) for e in publisher.events if isinstance(e, StockLow))
    assert sum(lows.values()) > 0
    for (store_id, product_id), count in lows.items():
        assert count == _crossings(backend, store_id, product_id)  # once per crossing

    database.dispose()  # closing the sessions flushes their statistics
    assert _deadlocks(database) == deadlocks_before
