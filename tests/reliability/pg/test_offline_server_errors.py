"""An error from a server that answers is not a lost server (#21), on real PostgreSQL.

Only a server that does not answer sends the register offline (``offline.reach.server_gone``):
a connection refused, or killed under a statement. A server that answers with an error of its own
(here a trigger that refuses marked sales, the same error at every try) leaves the register
online: the one sale is refused with a message for the cashier and nothing is saved; in a replay
that sale is marked refused (a person settles it) and the others are placed, in order. An error
of the register's own making (its audit key not the shop's: every sale meets it) stops the
replay with every sale kept pending, never written off.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from posapp.models import Order
from posapp.services.backend import Backend
from posapp.services.platform.chain_key import ENV_AUDIT_KEY, forget_key
from posapp.services.platform.db import Database
from posapp.services.platform.errors import DatabaseError
from posapp.services.sales import (
    DraftLine,
    LinkState,
    OfflineSales,
    OfflineTill,
    PaymentDraft,
    PaymentKind,
    SaleDraft,
    ServerLink,
    snapshot,
)
from posapp.services.sales.offline import PENDING, REFUSED, SYNCED, replay
from posapp.services.sales.offline.reach import server_gone, server_refused
from tests.checkout_seed import Shop, open_shop
from tests.offline_seed import offline_till, sell_offline

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)]

_REFUSE = (
    "CREATE TABLE test_refused_sales (sale_uuid varchar(32) PRIMARY KEY)",  # as orders has it,
    """CREATE FUNCTION test_refuse_sale() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM test_refused_sales WHERE sale_uuid = NEW.sale_uuid) THEN
            RAISE EXCEPTION 'this sale is refused by the test trigger';
        END IF;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER test_refuse_sale BEFORE INSERT ON orders "
    "FOR EACH ROW EXECUTE FUNCTION test_refuse_sale()",
)
_UNDO = (
    "DROP TRIGGER IF EXISTS test_refuse_sale ON orders",
    "DROP FUNCTION IF EXISTS test_refuse_sale()",
    "DROP TABLE IF EXISTS test_refused_sales",
)


class Refuser:
    """The server refuses the sales the test marks (a trigger: a persistent error of its own)."""

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    def run(self, statements: tuple[str, ...]) -> None:
        with self._engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)

    def mark(self, sale_uuid: uuid.UUID, *, refused: bool = True) -> None:
        sql = (
            "INSERT INTO test_refused_sales VALUES (:u)"
            if refused
            else "DELETE FROM test_refused_sales WHERE sale_uuid = :u"
        )
        with self._engine.begin() as conn:
            conn.execute(text(sql), {"u": sale_uuid.hex})


@pytest.fixture
def refuser(database: Database) -> Iterator[Refuser]:
    refuser = Refuser(database)
    refuser.run(_UNDO)
    refuser.run(_REFUSE)
    yield refuser
    refuser.run(_UNDO)  # emptying the database between tests keeps triggers: drop it


@pytest.fixture
def shop(backend: Backend) -> Shop:
    return open_shop(backend)


@pytest.fixture
def till(backend: Backend, shop: Shop, tmp_path: Path) -> OfflineTill:
    return offline_till(backend, tmp_path / "cache.sqlite3", tmp_path / "journal.sqlite3")


def _link(backend: Backend, till: OfflineTill) -> ServerLink:
    """The register's link as the composition root builds it: a real probe of the server."""

    def probe() -> None:
        with backend.database.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    return ServerLink(
        probe=probe,
        read=lambda since: snapshot(backend.read_uow(), since),
        place=backend.sales.place_offline_sale,
        cache=till.cache,
        journal=till.journal,
    )


def _orders(backend: Backend, *sale_uuids: uuid.UUID) -> list[uuid.UUID]:
    """The given sales that are on the server, in the order the server placed them."""
    with backend.read_uow() as uow:
        return list(
            uow.session.scalars(
                select(Order.sale_uuid).where(Order.sale_uuid.in_(sale_uuids)).order_by(Order.id)
            )
        )


def _cash_sale(sales: OfflineSales, shop: Shop) -> SaleDraft:
    product = sales.lookup_code(shop.cashier, "5012345678900")
    assert product is not None
    total = 2 * product.price_minor
    return SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["coffee"], 2),),
        (PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, total + 500),),
        expected_total_minor=total,
    )


def _caught(action: object) -> BaseException:
    assert callable(action)
    try:
        action()
    except Exception as exc:
        return exc
    raise AssertionError("no error")


def test_real_errors_of_postgresql_are_classified(
    backend: Backend, database: Database, refuser: Refuser, tmp_path: Path
) -> None:
    nowhere_url = database.url.set(query={"host": str(tmp_path)})  # no server there
    nowhere = Database(nowhere_url.render_as_string(hide_password=False))
    try:

        def refused_connection() -> None:
            with nowhere.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")

        gone = _caught(refused_connection)
    finally:
        nowhere.dispose()
    assert server_gone(gone), gone

    def killed() -> None:
        with database.engine.connect() as conn:
            conn.exec_driver_sql("SELECT pg_terminate_backend(pg_backend_pid())")

    assert server_gone(_caught(killed))

    def killed_in_a_unit_of_work() -> None:
        with backend.uow() as uow:
            uow.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    lost = _caught(killed_in_a_unit_of_work)
    assert isinstance(lost, DatabaseError)
    assert server_gone(lost)

    marked = uuid.uuid4()
    refuser.mark(marked)

    def duplicate() -> None:
        refuser.mark(marked)

    unique = _caught(duplicate)
    assert not server_gone(unique)
    assert server_refused(unique)


def test_a_sale_the_server_refuses_leaves_the_register_online(
    backend: Backend, shop: Shop, till: OfflineTill, refuser: Refuser
) -> None:
    link = _link(backend, till)
    sales = OfflineSales(backend, link, till)
    draft = _cash_sale(sales, shop)
    refuser.mark(draft.sale_uuid)
    for _ in range(2):  # the same error at every try
        with pytest.raises(DatabaseError, match="The server refused this sale") as refused:
            sales.place_order(shop.cashier, draft)
        assert "refused by the test trigger" in str(refused.value)
        assert "still here" in str(refused.value)
        link.tick()
        assert sales.online
        assert link.status.state is LinkState.ONLINE
    assert till.journal.unsynced() == 0  # not taken offline either: the cashier was told
    assert _orders(backend, draft.sale_uuid) == []

    other = _cash_sale(sales, shop)
    placed = sales.place_order(shop.cashier, other)
    assert placed.status != "offline"
    assert _orders(backend, other.sale_uuid) == [other.sale_uuid]
    refuser.mark(draft.sale_uuid, refused=False)
    assert sales.place_order(shop.cashier, draft).status != "offline"  # the draft was kept
    assert _orders(backend, draft.sale_uuid) == [draft.sale_uuid]


def test_a_replay_refuses_the_one_sale_the_server_refuses_and_places_the_others(
    backend: Backend, shop: Shop, till: OfflineTill, refuser: Refuser
) -> None:
    taken = [sell_offline(till, shop, [("coffee", 1)]) for _ in range(4)]
    bad = taken[1]
    refuser.mark(bad.sale_uuid)
    link = _link(backend, till)
    link.lost("the network went")
    link.tick()  # the server answers again: the journal replays
    assert link.status.state is LinkState.ONLINE
    result = link.last_replay
    assert result is not None
    assert (result.synced, result.refused, result.left, result.stopped) == (3, 1, 0, None)
    good = [s.sale_uuid for s in taken if s is not bad]
    assert _orders(backend, *(s.sale_uuid for s in taken)) == good  # in the order taken
    entry = till.journal.find(bad.sale_uuid)
    assert entry is not None
    assert entry.state == REFUSED
    assert "refused by the test trigger" in (entry.problem or "")
    assert till.journal.pending_count() == 0
    assert till.journal.unsynced() == 1  # it waits for a manager, the Z report with it

    later = sell_offline(till, shop, [("coffee", 1)])  # a journal that goes on is not blocked
    assert replay(till.journal, backend.sales.place_offline_sale).synced == 1
    assert _orders(backend, later.sale_uuid) == [later.sale_uuid]
    assert [e.state for e in till.journal.entries()] == [SYNCED, REFUSED, SYNCED, SYNCED, SYNCED]


@pytest.fixture
def foreign_key(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process chains under another key than the shop's (its ``POSAPP_AUDIT_KEY``)."""
    monkeypatch.setenv(ENV_AUDIT_KEY, "not the shop's audit key, but long enough")
    forget_key(database.url)
    yield
    monkeypatch.delenv(ENV_AUDIT_KEY)
    forget_key(database.url)


def test_a_replay_stopped_by_the_registers_own_error_writes_nothing_off(
    backend: Backend, database: Database, shop: Shop, till: OfflineTill, foreign_key: None
) -> None:
    taken = [sell_offline(till, shop, [("coffee", 1)]) for _ in range(3)]
    result = replay(till.journal, backend.sales.place_offline_sale)
    assert (result.synced, result.refused, result.left) == (0, 0, 3)
    assert result.stopped is not None
    assert "audit key" in result.stopped
    assert [e.state for e in till.journal.entries()] == [PENDING] * 3
    assert _orders(backend, *(s.sale_uuid for s in taken)) == []

    forget_key(database.url)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(ENV_AUDIT_KEY)
        assert replay(till.journal, backend.sales.place_offline_sale).synced == 3
    assert _orders(backend, *(s.sale_uuid for s in taken)) == [s.sale_uuid for s in taken]
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 3
