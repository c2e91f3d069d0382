"""A sale in flight when the network goes silent does not hang the register (#21).

PostgreSQL sits behind the test's TCP proxy (:mod:`tests.reliability.pg.cut`) in silent mode: the
proxy's kernel keeps acknowledging, nothing passes, no error ever comes. The register's link is
ticked every half second on a thread of its own, as the application's runner does. A sale placed
through :class:`OfflineSales` at that moment is answered once the link goes offline (not when the
network returns): journalled with its own UUID, receipt OFFLINE. Restored, the replay places it
on the server exactly once, also when the abandoned call had committed it already (its COMMIT
answer lost). A refusal the server gives in time still reaches the cashier.

How long the sale waited is printed as a figure; the assertion is generous (the machine may be
busy), far below the cut's length.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from posapp.events import RecordingPublisher
from posapp.models import Order
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.errors import DatabaseError
from posapp.services.sales import (
    Discount,
    DraftLine,
    OfflineSales,
    PaymentDraft,
    PaymentKind,
    SaleDraft,
    ServerLink,
    snapshot,
)
from posapp.services.sales.checkout import PriceChangedError
from posapp.services.sales.offline import PENDING, SYNCED
from posapp.services.sales.offline.inflight import CALL_THREADS
from tests.checkout_seed import Shop, open_shop
from tests.offline_seed import offline_till
from tests.reliability.figures import report as report_figure
from tests.reliability.pg.cut import NetworkCut

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)]

BOUND_S = 30.0
"""A sale in a silent cut returns within this (generous; it takes about 2.5 s)."""
CUT_S = 120.0
"""Longer than any wait here: a sale hanging for the cut would fail the bound."""
WAIT_S = 60.0


class Register:
    """The register's sales facade over the proxy, its link ticked as the runner does."""

    def __init__(self, backend: Backend, net: NetworkCut, tmp_path: Path) -> None:
        self.remote = Database(net.url)
        remote = Backend(self.remote, RecordingPublisher(), register=backend.register)
        self.till = offline_till(backend, tmp_path / "cache.sqlite3", tmp_path / "journal.sqlite3")

        def probe() -> None:
            with self.remote.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")

        self.link = ServerLink(
            probe=probe,
            read=lambda since: snapshot(remote.read_uow(), since),
            place=remote.sales.place_offline_sale,
            cache=self.till.cache,
            journal=self.till.journal,
        )
        self.sales = OfflineSales(remote, self.link, self.till)
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="test-link", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.is_set():
            self.link.tick()
            self._stop.wait(0.5)

    def until_online(self) -> None:
        deadline = time.monotonic() + WAIT_S
        while not self.link.online or self.till.journal.pending_count():
            assert time.monotonic() < deadline, f"not back online: {self.link.status}"
            time.sleep(0.05)

    def close(self) -> None:
        self._stop.set()
        self._ticker.join(timeout=WAIT_S)
        self.remote.dispose()


@pytest.fixture
def shop(backend: Backend) -> Shop:
    return open_shop(backend)


@pytest.fixture
def net(database: Database) -> Iterator[NetworkCut]:
    with NetworkCut(database.url.render_as_string(hide_password=False)) as proxy:
        yield proxy


@pytest.fixture
def register(backend: Backend, shop: Shop, net: NetworkCut, tmp_path: Path) -> Iterator[Register]:
    register = Register(backend, net, tmp_path)
    yield register
    register.close()


def _sale(sales: OfflineSales, shop: Shop, **more: Any) -> SaleDraft:
    product = sales.lookup_code(shop.cashier, "5012345678900")
    assert product is not None
    total = 2 * product.price_minor
    return SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["coffee"], 2),),
        (PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, total + 500),),
        expected_total_minor=total,
        **more,
    )


def _on_server(backend: Backend, sale_uuid: uuid.UUID) -> list[str]:
    """The numbers of the server's orders with this sale UUID (read around the proxy)."""
    with backend.read_uow() as uow:
        return list(uow.session.scalars(select(Order.number).where(Order.sale_uuid == sale_uuid)))


def _state(register: Register, sale_uuid: uuid.UUID) -> str:
    entry = register.till.journal.find(sale_uuid)
    assert entry is not None
    return entry.state


@contextmanager
def _committed_then(action: Callable[[], None]) -> Iterator[threading.Event]:
    """After the next commit of a server call: ``action()``, then hold the call until released.

    The server has the sale; its answer never reaches the register (a COMMIT answer lost).
    """
    release = threading.Event()
    fired = threading.Event()

    def after_commit(_session: Session) -> None:
        if threading.current_thread().name == "posapp-server-call" and not fired.is_set():
            fired.set()
            action()
            release.wait(WAIT_S)

    event.listen(Session, "after_commit", after_commit)
    try:
        yield release
    finally:
        release.set()
        event.remove(Session, "after_commit", after_commit)


def test_a_sale_in_a_silent_cut_is_journalled_soon_and_placed_once(
    backend: Backend, shop: Shop, net: NetworkCut, register: Register
) -> None:
    sales = register.sales
    first = _sale(sales, shop)
    assert sales.place_order(shop.cashier, first).status != "offline"  # online: a worker placed it
    draft = _sale(sales, shop)
    cut_at = time.monotonic()
    net.cut("silent")
    placed = sales.place_order(shop.cashier, draft)
    waited = time.monotonic() - cut_at
    assert waited < BOUND_S < CUT_S
    assert placed.status == "offline"
    assert placed.number.startswith("OFF-")
    assert not sales.online
    assert _state(register, draft.sale_uuid) == PENDING
    report_figure(f"offline register: a sale in a silent cut journalled after {waited:.2f} s")
    assert register.sales.calls.threads <= CALL_THREADS

    net.restore()
    register.until_online()
    assert len(_on_server(backend, draft.sale_uuid)) == 1
    assert _state(register, draft.sale_uuid) == SYNCED
    assert len(_on_server(backend, first.sale_uuid)) == 1


def test_a_sale_whose_commit_answer_is_lost_in_a_silent_cut_is_placed_once(
    backend: Backend, shop: Shop, net: NetworkCut, register: Register
) -> None:
    sales = register.sales
    draft = _sale(sales, shop)
    with _committed_then(lambda: net.cut("silent")):
        started = time.monotonic()
        placed = sales.place_order(shop.cashier, draft)
        waited = time.monotonic() - started
        assert placed.status == "offline"
        assert waited < BOUND_S
        number = _on_server(backend, draft.sale_uuid)  # the abandoned call did commit
        assert len(number) == 1
        net.restore()
        register.until_online()
    assert _on_server(backend, draft.sale_uuid) == number  # found by its UUID, not placed again
    assert _state(register, draft.sale_uuid) == SYNCED
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 1
    report_figure(
        f"offline register: a sale whose COMMIT answer was lost journalled in {waited:.2f} s"
    )


def test_a_sale_the_offline_till_cannot_take_is_answered_with_a_message(
    backend: Backend, shop: Shop, net: NetworkCut, register: Register
) -> None:
    """An order discount needs the server: in a silent cut the cashier is told, not frozen."""
    sales = register.sales
    draft = _sale(sales, shop, order_discount=Discount.amount(10))
    net.cut("silent")
    started = time.monotonic()
    with pytest.raises(DatabaseError, match=r"stopped answering.*order discount"):
        sales.place_order(shop.cashier, draft)
    assert time.monotonic() - started < BOUND_S
    assert not sales.online
    assert register.till.journal.unsynced() == 0
    net.restore()
    register.until_online()
    assert _on_server(backend, draft.sale_uuid) == []  # the silenced call never reached COMMIT


def test_a_refusal_answered_in_time_still_reaches_the_cashier(
    shop: Shop, register: Register
) -> None:
    sales = register.sales
    wrong_total = _sale(sales, shop)
    draft = SaleDraft(
        wrong_total.sale_uuid,
        wrong_total.lines,
        wrong_total.payments,
        expected_total_minor=(wrong_total.expected_total_minor or 0) + 100,
    )
    with pytest.raises(PriceChangedError):
        sales.place_order(shop.cashier, draft)
    assert sales.online
    assert register.till.journal.unsynced() == 0
