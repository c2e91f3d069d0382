"""The migrations produce exactly the models, and the database enforces the absolute rules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from posapp.models import Base, Product, StockLevel, Store, User
from posapp.services.platform.db import Database
from posapp.services.platform.migrate import current_revision, head_revision, upgrade_database
from posapp.services.platform.schema_filter import include_name, include_object


def test_migrations_match_models(database: Database) -> None:
    with database.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": include_name,
                "include_object": include_object,
            },
        )
        assert compare_metadata(context, Base.metadata) == []


def test_database_is_at_head_and_upgrade_is_idempotent(database: Database) -> None:
    assert current_revision(database.engine) == head_revision()
    upgrade_database(database.engine)
    assert current_revision(database.engine) == head_revision()


def test_every_table_exists(database: Database) -> None:
    names = set(sa.inspect(database.engine).get_table_names())
    assert set(Base.metadata.tables) <= names
    assert "alembic_version" in names


def test_constraint_names_follow_the_convention(database: Database) -> None:
    inspector = sa.inspect(database.engine)
    checks = {c["name"] for c in inspector.get_check_constraints("stock_levels")}
    assert "ck_stock_levels_reorder_point_not_negative" in checks
    # 0025 dropped on_hand's CHECK: a replayed offline sale may take stock below zero (#21).
    assert "ck_stock_levels_on_hand_not_negative" not in checks
    uniques = {u["name"] for u in inspector.get_unique_constraints("products")}
    assert "uq_products_sku_key" in uniques
    fks = {f["name"] for f in inspector.get_foreign_keys("stock_levels")}
    assert "fk_stock_levels_product_id_products" in fks


def _store_and_product(database: Database) -> tuple[int, int]:
    with database.write_sessions() as session:
        store = Store(code="S1", name="Main", kind="store")
        product = Product(sku="A-1", sku_key="A-1", name="Apple", price_minor=120)
        session.add_all([store, product])
        session.commit()
        return store.id, product.id


def test_stock_on_hand_goes_negative_only_without_the_guard(database: Database) -> None:
    """The guarded decrement refuses; since 0025 the database itself no longer does (#21).

    Only a sale taken offline and placed later decrements without the guard
    (``stock.take_stock(below_zero=True)``), and it reports a sync conflict each time.
    """
    store_id, product_id = _store_and_product(database)
    with database.write_sessions() as session:
        session.add(StockLevel(store_id=store_id, product_id=product_id, on_hand=1))
        session.commit()
    with database.write_sessions() as session:
        result = session.execute(
            sa.update(StockLevel)
            .where(StockLevel.store_id == store_id, StockLevel.on_hand >= 2)
            .values(on_hand=StockLevel.on_hand - 2)
        )
        assert result.rowcount == 0  # type: ignore[attr-defined]
        session.execute(
            sa.update(StockLevel)
            .where(StockLevel.store_id == store_id)
            .values(on_hand=StockLevel.on_hand - 2)
        )
        session.flush()
        assert session.scalar(sa.select(StockLevel.on_hand)) == -1
        session.rollback()


@pytest.mark.parametrize(
    ("column", "value"),
    [("price_minor", -1), ("tax_rate_bp", 10_001), ("sku", "")],
)
def test_product_checks(database: Database, column: str, value: object) -> None:
    with database.write_sessions() as session:
        product = Product(sku="B-1", sku_key="B-1", name="Bread", price_minor=100)
        setattr(product, column, value)
        session.add(product)
        with pytest.raises(IntegrityError):
            session.commit()


def test_foreign_keys_are_enforced(database: Database) -> None:
    with database.write_sessions() as session:
        session.add(StockLevel(store_id=999, product_id=999, on_hand=1))
        with pytest.raises(IntegrityError):
            session.commit()


def test_timestamps_come_back_aware_utc(database: Database) -> None:
    local = datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    with database.write_sessions() as session:
        user = User(
            username="u", username_key="u", role="cashier", created_at=local, changed_at=local
        )
        session.add(user)
        session.commit()
        user_id = user.id
    with database.read_sessions() as session:
        loaded = session.get(User, user_id)
        assert loaded is not None
        assert loaded.created_at.tzinfo is not None
        assert loaded.created_at == local
        assert loaded.created_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(database: Database) -> None:
    with database.write_sessions() as session:
        user = User(
            username="n",
            username_key="n",
            role="cashier",
            created_at=datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
        )
        session.add(user)
        with pytest.raises(sa.exc.StatementError):
            session.commit()


def test_uuid_round_trip(database: Database) -> None:
    from posapp.models import LedgerAccount, LedgerTransaction

    key = uuid.uuid4()
    with database.write_sessions() as session:
        user = User(username="c", username_key="c", role="cashier")
        session.add_all([user, LedgerAccount(kind="sales_clearing", name="Sales")])
        session.flush()
        session.add(
            LedgerTransaction(
                idempotency_key=key, kind="deposit", user_id=user.id, created_at=datetime.now(UTC)
            )
        )
        session.commit()
    with database.read_sessions() as session:
        found = session.scalar(
            sa.select(LedgerTransaction).where(LedgerTransaction.idempotency_key == key)
        )
        assert found is not None
        assert found.idempotency_key == key
