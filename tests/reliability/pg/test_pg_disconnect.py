"""The PostgreSQL server goes away in the middle of a sale: the sale happens once or not at all.

Three ways to lose the server, each followed by the cashier pressing Pay again with the SAME sale
(same sale UUID and payment UUID, as the payment dialog does):

- the connection is killed (``pg_terminate_backend``) before each statement of a checkout in
  turn, and just before its COMMIT: no trace of the sale, a clear ``DatabaseError``;
- the COMMIT reaches the server but its answer is lost (a proxy eats it): the sale is stored
  once, the cashier is told it may or may not have been saved, and the retry returns the
  stored order instead of making a second one;
- the server restarts (``pg_ctl restart -m immediate``) in the middle of a sale, and comes back.

The kills happen in a hook in the driver (:mod:`tests.reliability.driver`), not in SQLAlchemy's
statement events, so checkout runs as in shops (``Prepared`` statements on the driver's cursor)
and meets the lost connection there. After each, every invariant of
:mod:`tests.reliability.invariants` holds, and the payment dialog
shows the message (plain text) and completes the same sale once when F12 is pressed again. The
last tests check the mapping itself on SQLite (no server needed): a driver error that means
"disconnected" leaves the unit of work as a ``DatabaseError`` with the message, anything else
stays what it was.
"""

from __future__ import annotations

import glob
import os
import subprocess
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import event, func, select
from sqlalchemy.exc import DBAPIError, OperationalError

from posapp.models import Order
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.errors import DatabaseError, ValidationError
from posapp.services.platform.uow import LOST, LOST_AT_COMMIT, UnitOfWork
from posapp.services.sales import checkout
from posapp.services.sales.dto import PaymentDraft, PlacedOrder, SaleDraft
from tests.checkout_seed import Shop, cash_sale, open_shop_till
from tests.reliability.driver import driver_hooks
from tests.reliability.figures import report as report_figure
from tests.reliability.invariants import Acknowledged, assert_invariants
from tests.reliability.pg.proxy import CommitEater
from tests.reliability.pg.shop import one_product_shop

ON_PG = [pytest.mark.postgres, pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)]
# Each kill targets a fresh sale of one mug at 1.20, paid with 2.00.
PRICE, TENDERED = 120, 200


def record(title: str, text: str) -> None:
    """One figure for the reliability summary."""
    report_figure(f"PostgreSQL {title}: {text}")


def _sale(shop: Shop) -> SaleDraft:
    return cash_sale(shop, [("race", 1)], TENDERED, PRICE)


def _orders_with(backend: Backend, sale_uuid: uuid.UUID) -> int:
    with backend.read_uow() as uow:
        query = select(func.count()).select_from(Order).where(Order.sale_uuid == sale_uuid)
        return int(uow.session.scalar(query) or 0)


def _backend_pid(dbapi_connection: Any) -> int:
    return int(dbapi_connection.info.backend_pid)


class Killer:
    """Kills a backend from its own connection and waits until PostgreSQL has let it go."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    def kill(self, pid: int) -> None:
        with self.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
            for _ in range(1000):
                conn.commit()  # pg_stat_activity is a snapshot taken once per transaction
                gone = conn.execute(
                    sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
                ).scalar()
                if not gone:
                    return
                time.sleep(0.01)
        raise AssertionError(f"backend {pid} did not go away")


def _statements_of_a_sale(backend: Backend, shop: Shop) -> int:
    """How many statements a clean checkout sends (the lead may change the checkout).

    A store's first sale creates its order counter (one statement more): that one is placed
    first, and the next is counted.
    """
    checkout.place_order(backend.uow(), shop.cashier, _sale(shop))
    seen: list[str] = []

    def count(_conn: Any, statement: str) -> None:
        seen.append(statement)

    with driver_hooks(backend.database.engine, count):
        checkout.place_order(backend.uow(), shop.cashier, _sale(shop))
    return len(seen)


@pytest.fixture
def shop(backend: Backend) -> Shop:
    shop = one_product_shop(backend, units=100, price=PRICE)
    open_shop_till(backend, shop)
    return shop


def _retry_twice(backend: Backend, shop: Shop, draft: SaleDraft, *, stored: bool) -> None:
    """Press Pay again with the same sale, twice: one order, then the same order replayed."""
    first = checkout.place_order(backend.uow(), shop.cashier, draft)
    assert first.replayed is stored
    again = checkout.place_order(backend.uow(), shop.cashier, draft)
    assert again.replayed
    assert again.order_id == first.order_id
    assert _orders_with(backend, draft.sale_uuid) == 1


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
@pytest.mark.postgres
def test_connection_killed_before_each_statement_and_the_commit(
    backend: Backend, shop: Shop
) -> None:
    killer = Killer(str(backend.database.url.render_as_string(hide_password=False)))
    statements = _statements_of_a_sale(backend, shop)
    acknowledged: set[uuid.UUID] = set()
    engine = backend.database.engine
    for target in [*range(1, statements + 1), "commit"]:
        draft = _sale(shop)
        state = {"n": 0}

        def before(
            conn: Any, _sql: str, target: object = target, state: dict[str, int] = state
        ) -> None:
            state["n"] += 1
            if state["n"] == target:
                killer.kill(_backend_pid(conn))

        def at_commit(conn: Any, target: object = target) -> None:
            if target == "commit":
                killer.kill(_backend_pid(conn))

        with (
            driver_hooks(engine, before, at_commit),
            pytest.raises(DatabaseError) as lost,
        ):
            checkout.place_order(backend.uow(), shop.cashier, draft)
        expected = LOST_AT_COMMIT if target == "commit" else LOST  # no answer to the COMMIT
        assert str(lost.value) == expected, f"killed at {target}"
        assert isinstance(lost.value.__cause__, DBAPIError)
        assert _orders_with(backend, draft.sale_uuid) == 0, f"killed at {target}"
        assert_invariants(engine, Acknowledged(orders=frozenset(acknowledged)))
        _retry_twice(backend, shop, draft, stored=False)
        acknowledged.add(draft.sale_uuid)
    report = assert_invariants(engine, Acknowledged(orders=frozenset(acknowledged)))
    assert report.counts["orders"] == statements + 3  # the first, the counting one, one per kill
    record(
        "server gone mid-sale (pg_terminate_backend)",
        f"killed before each of the {statements} statements and at COMMIT: "
        f"{statements + 1} sales refused with the message, each completed once on retry",
    )


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
@pytest.mark.postgres
def test_commit_answer_lost_then_retry_returns_the_stored_order(
    backend: Backend, shop: Shop
) -> None:
    url = str(backend.database.url.render_as_string(hide_password=False))
    rounds = 5
    with CommitEater(url) as proxy:
        through = Backend(Database(proxy.url), register=backend.register)
        try:
            for _ in range(rounds):
                draft = _sale(shop)
                proxy.arm()
                with pytest.raises(DatabaseError) as lost:
                    checkout.place_order(through.uow(), shop.cashier, draft)
                assert proxy.eaten.is_set()
                assert str(lost.value) == LOST_AT_COMMIT
                assert _orders_with(backend, draft.sale_uuid) == 1  # the server did commit
                _retry_twice(through, shop, draft, stored=True)
        finally:
            through.database.dispose()
    report = assert_invariants(backend.database.engine)
    assert report.counts["orders"] == rounds
    record(
        "COMMIT answer lost (proxy)",
        f"{rounds} sales: each stored once, cashier told it may have been saved, "
        "retry with the same sale UUID returned the stored order",
    )


def _data_dir(url: str) -> str | None:
    """The throwaway cluster's data folder (scripts/with-postgres.sh), if this is one."""
    host = parse_qs(urlsplit(url).query).get("host", [""])[0]
    data = os.path.join(host, "data")
    return data if host and os.path.exists(os.path.join(data, "postmaster.opts")) else None


def _restart(data: str) -> None:
    pg_ctl = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]
    log = os.path.join(os.path.dirname(data), "server.log")
    command = [pg_ctl, "-D", data, "-l", log, "-m", "immediate", "-w", "-t", "60", "restart"]
    if os.geteuid() == 0:  # the cluster belongs to postgres (initdb refuses root)
        command = ["su", "postgres", "-s", "/bin/sh", "-c", subprocess.list2cmdline(command)]
    subprocess.run(
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=90
    )


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
@pytest.mark.postgres
def test_server_restarts_mid_sale_and_comes_back(backend: Backend, shop: Shop) -> None:
    url = str(backend.database.url.render_as_string(hide_password=False))
    data = _data_dir(url)
    if data is None:
        pytest.skip("not the throwaway server of scripts/with-postgres.sh: cannot restart it")
    draft = _sale(shop)
    state = {"n": 0}

    def before(_conn: Any, _sql: str) -> None:
        state["n"] += 1
        if state["n"] == 4:
            _restart(data)

    started = time.perf_counter()
    with (
        driver_hooks(backend.database.engine, before),
        pytest.raises(DatabaseError, match="connection to the database was lost"),
    ):
        checkout.place_order(backend.uow(), shop.cashier, draft)
    down = time.perf_counter() - started
    assert _orders_with(backend, draft.sale_uuid) == 0
    _retry_twice(backend, shop, draft, stored=False)
    assert_invariants(backend.database.engine, Acknowledged(orders=frozenset({draft.sale_uuid})))
    record("server restart mid-sale", f"down {down:.1f} s; retry placed the sale once")


# --- the mapping itself (SQLite, no server) ---------------------------------------------------


class _DeadError(Exception):
    """A driver error without a SQLSTATE (what psycopg raises for a closed socket)."""

    sqlstate = None


def _raise_in_uow(backend: Backend, exc: BaseException, *, at_commit: bool = False) -> None:
    uow = backend.uow()
    with uow:
        if not at_commit:
            raise exc

        def boom(session: Any) -> None:
            raise exc

        event.listen(uow.session, "before_commit", boom)
        uow.commit()


def test_a_lost_connection_becomes_a_database_error(sqlite_database: Database) -> None:
    backend = Backend(sqlite_database)
    invalidated = OperationalError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)
    with pytest.raises(DatabaseError) as lost:
        _raise_in_uow(backend, invalidated)
    assert str(lost.value) == LOST
    assert lost.value.__cause__ is invalidated
    closed = OperationalError("COMMIT", {}, _DeadError("server closed the connection"))
    with pytest.raises(DatabaseError) as at_commit:
        _raise_in_uow(backend, closed, at_commit=True)
    assert str(at_commit.value) == LOST_AT_COMMIT


@pytest.mark.parametrize("sqlstate", ["57P01", "08006"])
def test_a_server_shutting_down_is_a_lost_connection(
    sqlite_database: Database, sqlstate: str
) -> None:
    class ShutdownError(Exception):
        pass

    orig = ShutdownError("terminating connection due to administrator command")
    orig.sqlstate = sqlstate  # type: ignore[attr-defined]
    with pytest.raises(DatabaseError, match="lost"):
        _raise_in_uow(Backend(sqlite_database), OperationalError("SELECT 1", {}, orig))


@pytest.mark.parametrize(
    "exc",
    [
        pytest.param(
            OperationalError("SELECT 1", {}, Exception("database is locked")), id="sqlite"
        ),
        pytest.param(DBAPIError("SELECT 1", {}, Exception("deadlock")), id="other"),
        pytest.param(RuntimeError("bug"), id="not-a-driver-error"),
    ],
)
def test_other_errors_pass_through(sqlite_database: Database, exc: BaseException) -> None:
    with pytest.raises(type(exc)) as raised:
        _raise_in_uow(Backend(sqlite_database), exc)
    assert raised.value is exc
    with pytest.raises(type(exc)) as at_commit:
        _raise_in_uow(Backend(sqlite_database), exc, at_commit=True)
    assert at_commit.value is exc


def _failing_rollback(uow: UnitOfWork, exc: BaseException) -> None:
    def rollback() -> None:
        raise exc

    uow.session.rollback = rollback  # type: ignore[method-assign]


def test_a_rollback_on_a_lost_connection_keeps_the_real_error(sqlite_database: Database) -> None:
    uow = Backend(sqlite_database).uow()
    lost = OperationalError("ROLLBACK", {}, _DeadError("server closed the connection"))
    with pytest.raises(ValidationError, match="refused"), uow:
        _failing_rollback(uow, lost)
        raise ValidationError("refused")
    with pytest.raises(DatabaseError, match="lost"), uow:
        _failing_rollback(uow, lost)
        raise OperationalError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)
    broken = DBAPIError("ROLLBACK", {}, Exception("something else"))
    with pytest.raises(DBAPIError) as raised, uow:
        _failing_rollback(uow, broken)
    assert raised.value is broken


@pytest.mark.ui
@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_the_cashier_sees_the_message_and_pays_again(
    qtbot: QtBot, backend: Backend, shop: Shop
) -> None:
    """The payment dialog shows the lost connection; F12 again places the same sale once."""
    from posapp.ui.register.payment import PaymentDialog

    killer = Killer(str(backend.database.url.render_as_string(hide_password=False)))
    sale_uuid = uuid.uuid4()  # the register's cart keeps it from the first item to payment
    state = {"n": 0, "armed": 1}

    def before(conn: Any, _sql: str) -> None:
        state["n"] += 1
        if state["armed"] and state["n"] == 3:
            state["armed"] = 0
            killer.kill(_backend_pid(conn))

    def submit(payments: tuple[PaymentDraft, ...]) -> PlacedOrder:
        draft = SaleDraft(sale_uuid, _sale(shop).lines, payments=payments)
        return backend.sales.place_order(shop.cashier, draft)

    dialog = PaymentDialog(PRICE, submit)
    qtbot.add_widget(dialog)
    dialog.amount_edit.setText("2.00")
    assert dialog.take() is not None
    with driver_hooks(backend.database.engine, before):
        dialog.complete()
    assert dialog.placed is None
    assert dialog.error.textFormat() == Qt.TextFormat.PlainText
    assert dialog.error.text().startswith(LOST)
    assert _orders_with(backend, sale_uuid) == 0
    dialog.complete()  # F12 again: the same sale and payment ids
    placed: PlacedOrder | None = getattr(dialog, "placed")  # noqa: B009 - mypy narrowed it
    assert placed is not None
    assert not placed.replayed
    assert _orders_with(backend, sale_uuid) == 1
    assert_invariants(backend.database.engine, Acknowledged(orders=frozenset({sale_uuid})))
