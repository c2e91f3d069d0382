"""Prepared statements on the driver's cursor: same values, same errors as Connection.execute."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import Table, bindparam, event, insert, select
from sqlalchemy.exc import IntegrityError

from posapp.models import Product as ProductModel
from posapp.models import StockMovement, Store
from posapp.services.platform.db import Database
from posapp.services.platform.fastsql import Prepared

_MOVES: Table = StockMovement.__table__  # type: ignore[assignment]
_INSERT_STORE = Prepared(insert(Store.__table__).returning(Store.__table__.c.id))  # type: ignore[arg-type]
_SELECT_STORE = Prepared(select(Store.code, Store.name).where(Store.id == bindparam("id")))
_FIRST_STORE = Prepared(select(Store.code).order_by(Store.id).limit(1))
_INSERT_MOVES = Prepared(insert(_MOVES))
_SELECT_MOVES = Prepared(
    select(_MOVES.c.batch_uuid, _MOVES.c.created_at, _MOVES.c.quantity)
    .where(_MOVES.c.batch_uuid == bindparam("batch"))
    .order_by(_MOVES.c.id)
)


def _store(conn: object, code: str) -> int:
    row = _INSERT_STORE.one(
        conn,  # type: ignore[arg-type]
        {
            "code": code,
            "name": f"Store {code}",
            "kind": "store",
            "address": "",
            "phone": "",
            "active": True,
            "created_at": datetime.now(UTC),
        },
    )
    assert row is not None
    return int(row[0])


def _product(database: Database) -> int:
    with database.write_sessions() as session:
        product = ProductModel(sku="P-1", sku_key="P-1", name="Tea", price_minor=100)
        session.add(product)
        session.commit()
        return product.id


def test_values_go_through_the_column_types(database: Database) -> None:
    product_id = _product(database)
    batch = uuid.uuid4()
    at = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)
    with database.engine.begin() as conn:
        store_id = _store(conn, "A")
        rows = [
            {
                "store_id": store_id,
                "product_id": product_id,
                "kind": "receive",
                "quantity": quantity,
                "batch_uuid": batch,
                "reason": "",
                "reference": "",
                "order_id": None,
                "user_id": None,
                "created_at": at,
            }
            for quantity in (5, -2)
        ]
        _INSERT_MOVES.many(conn, rows)
        assert _SELECT_STORE.one(conn, {"id": store_id}) == ("A", "Store A")
        assert _FIRST_STORE.one(conn) == ("A",)  # the LIMIT's own value is used
        assert _SELECT_STORE.one(conn, {"id": store_id + 1}) is None
    # Read back through SQLAlchemy: the stored forms are the ones its types expect.
    with database.engine.connect() as conn:
        stored = conn.execute(_SELECT_MOVES.statement, {"batch": batch}).all()
    assert [tuple(row) for row in stored] == [(batch, at, 5), (batch, at, -2)]


def test_driver_errors_come_out_as_sqlalchemy_errors(database: Database) -> None:
    with database.engine.connect() as conn:
        _store(conn, "A")
        with pytest.raises(IntegrityError):
            _store(conn, "A")  # the code is unique
        conn.rollback()


def test_a_missing_parameter_is_refused(database: Database) -> None:
    with database.engine.connect() as conn, pytest.raises(KeyError, match="'id'"):
        _SELECT_STORE.one(conn, {})


def test_statement_listeners_see_every_statement(database: Database) -> None:
    seen: list[str] = []

    def listener(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", listener)
    try:
        with database.engine.begin() as conn:
            store_id = _store(conn, "B")
            assert _SELECT_STORE.one(conn, {"id": store_id}) == ("B", "Store B")
    finally:
        event.remove(database.engine, "before_cursor_execute", listener)
    assert any(sql.startswith("INSERT INTO stores") for sql in seen)
    assert any(sql.startswith("SELECT stores.code") for sql in seen)


def test_a_column_default_left_to_python_is_refused(database: Database) -> None:
    with database.engine.connect() as conn, pytest.raises(TypeError, match="Python default"):
        _INSERT_STORE.one(conn, {"code": "C", "name": "C", "kind": "store"})


def test_results_come_back_in_the_columns_types(database: Database) -> None:
    select_flags = Prepared(select(Store.active, Store.created_at).where(Store.code == "R"))
    with database.engine.begin() as conn:
        _store(conn, "R")
        row = select_flags.one(conn)
    assert row is not None
    assert row[0] is True
    assert isinstance(row[1], datetime)
    assert row[1].tzinfo is not None
