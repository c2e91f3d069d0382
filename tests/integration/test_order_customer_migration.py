"""Migration 0019 gives each order charged to an account the account's customer (both databases)."""

from __future__ import annotations

import uuid

from sqlalchemy import Table, insert, select

from posapp.events import RecordingPublisher
from posapp.models import Order
from posapp.models.base import utcnow
from posapp.services.accounts import AccountDraft
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.migrate import current_revision, head_revision
from posapp.services.platform.migrate import upgrade_database as upgrade
from tests.checkout_seed import seed_shop
from tests.integration.migration_support import upgrade_all_but


def _order(
    backend: Backend, number: str, store_id: int, cashier_id: int, account: int | None
) -> int:
    """An order row as the code before 0019 wrote it (no ``customer_id`` column yet)."""
    table: Table = Order.__table__  # type: ignore[assignment]
    now = utcnow()
    with backend.uow() as uow:
        row = uow.session.execute(
            insert(table)
            .values(
                sale_uuid=uuid.uuid4(),
                number=number,
                store_id=store_id,
                register="till-1",
                cashier_id=cashier_id,
                customer_account_id=account,
                status="fulfilled",
                pickup=False,
                subtotal_minor=100,
                discount_minor=0,
                coupon_minor=0,
                tax_minor=0,
                total_minor=100,
                paid_minor=100,
                refunded_minor=0,
                note="",
                placed_at=now,
                created_at=now,
            )
            .returning(table.c.id)
        ).one()
        uow.commit()
    return int(row[0])


def test_orders_charged_to_an_account_get_its_customer(bare: Database) -> None:
    upgrade_all_but(bare.engine, "0019")
    backend = Backend(bare, RecordingPublisher(), register="till-1")
    shop = seed_shop(backend)
    account = backend.accounts.open(shop.manager, AccountDraft("Ann Old"), "2468")
    charged = _order(backend, "OLD-1", shop.store_id, shop.cashier.id, account.id)
    walk_in = _order(backend, "OLD-2", shop.store_id, shop.cashier.id, None)
    upgrade(bare.engine)
    assert current_revision(bare.engine) == head_revision()
    with backend.read_uow() as uow:
        rows = dict(
            uow.session.execute(
                select(Order.id, Order.customer_id).where(Order.id.in_([charged, walk_in]))
            ).all()
        )
    [ann] = backend.customers.search(shop.manager, "Ann Old")
    assert rows == {charged: ann.id, walk_in: None}
    assert [h.order_id for h in backend.customers.history(shop.manager, ann.id)] == [charged]
