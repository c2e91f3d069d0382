"""The register's link to its server (#21) through a network the test cuts and restores.

PostgreSQL sits behind a TCP proxy (:mod:`tests.reliability.pg.cut`). The register's link probes
the server through it; the test cuts the network (connections reset, or silence), checks the link
goes offline, sells from the cache into the journal, restores the network, and checks the link
replays the journal through the real checkout and comes back online: every offline sale on the
server exactly once, stock and payments as the invariants want them.

How long each switch took is printed as a figure (never asserted: the machine may be busy).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Literal

import pytest
from sqlalchemy import func, select

from posapp.events import RecordingPublisher
from posapp.models import Order
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales.offline import (
    OfflineCache,
    OfflineItem,
    OfflineJournal,
    OfflineTender,
    OfflineTill,
    TenderKind,
    snapshot,
)
from posapp.services.sales.offline.link import LinkState, LinkStatus, ServerLink
from posapp.services.stock.actions import receive_stock
from posapp.services.stock.dto import StockLine
from tests.checkout_seed import CASHIER_PIN, ITEMS, Shop, on_hand, open_shop_till, seed_shop
from tests.reliability.figures import report as report_figure
from tests.reliability.invariants import Acknowledged, assert_invariants
from tests.reliability.pg.cut import NetworkCut

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)]

KEY = bytes(range(32))
WAIT_S = 60.0  # generous: the machine may be busy; the figures say how long it really took


def _until(link: ServerLink, state: LinkState) -> float:
    """Tick the link as the runner does until it is in ``state``; how long that took."""
    start = time.monotonic()
    while link.status.state is not state:
        if time.monotonic() - start > WAIT_S:
            raise AssertionError(f"the link did not become {state} within {WAIT_S:g} s")
        link.tick()
        time.sleep(0.05)
    return time.monotonic() - start


def _shop(backend: Backend) -> Shop:
    """Coffee and paper bags, 100 of each received (stock movements: the invariants hold)."""
    items = tuple(replace(item, stock=0) for item in ITEMS if item.key in ("coffee", "bag"))
    shop = seed_shop(backend, items=items)
    receive_stock(
        backend.uow(),
        shop.staff["admin"],
        shop.store_id,
        [StockLine(shop.products[key], 100) for key in ("coffee", "bag")],
        reference="DELIVERY",
    )
    open_shop_till(backend, shop)
    return shop


def _state(link: ServerLink) -> LinkState:
    return link.status.state


@pytest.mark.parametrize("mode", ["reset", "silent"])
def test_offline_and_back_through_a_cut_network(
    backend: Backend, database: Database, tmp_path: Path, mode: Literal["reset", "silent"]
) -> None:
    shop = _shop(backend)
    with NetworkCut(database.url.render_as_string(hide_password=False)) as net:
        remote = Database(net.url)
        register = Backend(remote, RecordingPublisher(), register=backend.register)
        try:
            _run(backend, register, remote, shop, net, tmp_path, mode)
        finally:
            remote.dispose()


def _run(
    backend: Backend,
    register: Backend,
    remote: Database,
    shop: Shop,
    net: NetworkCut,
    tmp_path: Path,
    mode: Literal["reset", "silent"],
) -> None:
    changes: list[LinkStatus] = []

    def probe() -> None:
        with remote.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    cache = OfflineCache.open(tmp_path / "cache.sqlite3")
    journal = OfflineJournal.open(tmp_path / "journal.sqlite3", KEY)
    link = ServerLink(
        probe=probe,
        read=lambda since: snapshot(register.read_uow(), since),
        place=register.sales.place_offline_sale,  # the server's side of an offline sale
        cache=cache,
        journal=journal,
        on_change=changes.append,
    )
    link.refresh()
    link.tick()
    assert _state(link) is LinkState.ONLINE
    assert cache.counts()[0] == len(shop.products)

    net.cut(mode)
    offline_after = _until(link, LinkState.OFFLINE)

    till = OfflineTill(cache, journal, register.register)  # the till session's own
    cashier = till.sign_in("till", CASHIER_PIN)
    items = [OfflineItem(1, shop.products["coffee"], 2), OfflineItem(2, shop.products["bag"], 1)]
    total = till.price(items).total_minor
    sold = []
    for n in range(3):
        receipt = till.take(
            cashier,
            items,
            [OfflineTender(uuid.uuid4(), TenderKind.CASH, total, total + 100)],
            sale_uuid=uuid.uuid4(),
            expected_total_minor=total,
        )
        sold.append(receipt.entry.sale.sale_uuid)
        assert receipt.number == f"OFF-{register.register}-{n + 1:05d}"
    link.tick()  # still cut: stays offline, nothing replayed
    assert _state(link) is LinkState.OFFLINE
    assert journal.pending_count() == 3

    net.restore()
    online_after = _until(link, LinkState.ONLINE)
    report_figure(
        f"offline link ({mode} cut): offline after {offline_after:.2f} s, "
        f"back online with 3 sales replayed {online_after:.2f} s after the network returned"
    )

    assert [c.state for c in changes][-3:] == [
        LinkState.OFFLINE,
        LinkState.SYNCING,
        LinkState.ONLINE,
    ]
    assert journal.unsynced() == 0
    with backend.read_uow() as uow:
        found = uow.session.scalar(
            select(func.count()).select_from(Order).where(Order.sale_uuid.in_(sold))
        )
    assert found == 3  # each offline sale on the server exactly once
    assert on_hand(backend, shop, "coffee") == 100 - 6
    link.tick()  # a replay again places nothing twice
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 3
    assert_invariants(backend.database.engine, Acknowledged(orders=frozenset(sold)))
