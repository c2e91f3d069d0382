"""Store notices reach the staff of that store (and all-stores staff), on both databases."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from posapp.events import (
    AccountMoved,
    DomainEvent,
    NotificationCreated,
    OrderPlaced,
    OrderStatusChanged,
    StockLow,
    UserChanged,
)
from posapp.events import RecordingPublisher as Recorder
from posapp.models import Order, Product, StockLevel, Store
from posapp.services.backend import Backend
from posapp.services.notifications import staff as n
from posapp.services.notifications.dto import NotificationRule, default_rules
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import users
from tests.integration.notification_support import PW, T0, World


@dataclass
class Chain:
    """Two stores, A and B, each stocking a product (10 on hand, reorder point 5), and staff.

    ``staff`` holds: admin (all stores), boss_a and boss_b (managers of A and B), roamer (a
    manager of all stores), till_a and till_b (cashiers of A and B).
    """

    backend: Backend
    publisher: Recorder
    staff: dict[str, UserDTO]
    store_a: int
    store_b: int
    product_id: int

    def sell_at(self, store_id: int, quantity: int) -> list[DomainEvent]:
        """Take ``quantity`` units at ``store_id`` in a sale; return the events it published."""
        till = {"cashier": self.staff["till_a"]}
        return World(self.backend, self.publisher, till, store_id, self.product_id).sell(quantity)

    def order_at(self, store_id: int, number: str, *, pickup: bool = True) -> int:
        with self.backend.uow() as uow:
            order = Order(
                sale_uuid=uuid.uuid4(),
                number=number,
                store_id=store_id,
                cashier_id=self.staff["till_a"].id,
                status="placed",
                pickup=pickup,
                subtotal_minor=1000,
                total_minor=1000,
                refunded_minor=400,
            )
            uow.session.add(order)
            uow.flush()
            order_id = order.id
            uow.commit()
        return order_id

    def deliver(self, events: list[DomainEvent]) -> set[str]:
        """Run the listener on ``events``; return the usernames it notified."""
        before = len(self.publisher.events)
        n.NotificationListener(self.backend).handle(events)
        created = [e for e in self.publisher.events[before:] if isinstance(e, NotificationCreated)]
        names = {user.id: name for name, user in self.staff.items()}
        return {names[e.user_id] for e in created}

    def set_rule(self, trigger: str, **changes: object) -> None:
        base = next(r for r in default_rules() if r.trigger == trigger)
        values = {"trigger": trigger, "enabled": True, "roles": base.roles, **changes}
        rule = NotificationRule(**values)  # type: ignore[arg-type]
        n.save_rules(self.backend.uow(), self.staff["admin"], [rule])


@pytest.fixture
def chain(backend: Backend, publisher: Recorder) -> Chain:
    with backend.uow() as uow:
        stores = [Store(code="A", name="Avenue", kind="store"), Store(code="B", name="Bay")]
        product = Product(sku="APL-1", sku_key="APL-1", name="Apple juice", price_minor=250)
        uow.session.add_all([*stores, product])
        uow.flush()
        for store in stores:
            uow.session.add(
                StockLevel(store_id=store.id, product_id=product.id, on_hand=10, reorder_point=5)
            )
        store_a, store_b, product_id = stores[0].id, stores[1].id, product.id
        uow.commit()
    homes = {
        "admin": ("admin", None),
        "boss_a": ("manager", store_a),
        "boss_b": ("manager", store_b),
        "roamer": ("manager", None),
        "till_a": ("cashier", store_a),
        "till_b": ("cashier", store_b),
    }
    staff = {
        name: users.add_user(backend.uow(), None, name, PW, role, store_id=home)
        for name, (role, home) in homes.items()
    }
    publisher.events.clear()
    return Chain(backend, publisher, staff, store_a, store_b, product_id)


def test_low_stock_at_a_store_reaches_its_managers_and_all_store_ones(chain: Chain) -> None:
    events = chain.sell_at(chain.store_a, 6)  # 10 → 4 at A, reorder point 5
    assert [e.store_id for e in events if isinstance(e, StockLow)] == [chain.store_a]
    assert chain.deliver(events) == {"admin", "boss_a", "roamer"}
    # The same at B reaches B's manager instead.
    assert chain.deliver(chain.sell_at(chain.store_b, 6)) == {"admin", "boss_b", "roamer"}


def test_a_user_named_in_the_rule_hears_of_every_store(chain: Chain) -> None:
    chain.set_rule("stock_low", user_ids=(chain.staff["boss_b"].id, chain.staff["till_b"].id))
    assert chain.deliver(chain.sell_at(chain.store_a, 6)) == {
        "admin",
        "boss_a",
        "roamer",
        "boss_b",
        "till_b",
    }


def test_a_user_moved_to_another_store_hears_of_that_one(chain: Chain) -> None:
    admin, boss_b = chain.staff["admin"], chain.staff["boss_b"]
    users.update_user(chain.backend.uow(), admin, boss_b.id, store_id=chain.store_a)
    assert "boss_b" in chain.deliver(chain.sell_at(chain.store_a, 6))
    users.update_user(chain.backend.uow(), admin, boss_b.id, store_id=None)
    assert "boss_b" in chain.deliver(chain.sell_at(chain.store_b, 6))


def test_pickup_orders_reach_the_staff_of_their_store(chain: Chain) -> None:
    order_id = chain.order_at(chain.store_b, "B-000001")
    placed = OrderPlaced(order_id, "B-000001", chain.store_b, 1000, T0)
    assert chain.deliver([placed]) == {"admin", "boss_b", "roamer", "till_b"}


def test_ready_and_refunded_orders_reach_the_staff_of_the_orders_store(chain: Chain) -> None:
    order_id = chain.order_at(chain.store_a, "A-000001")
    ready = OrderStatusChanged(order_id, "A-000001", "paid", "ready", T0)
    assert chain.deliver([ready]) == {"admin", "boss_a", "roamer", "till_a"}
    refunded = OrderStatusChanged(order_id, "A-000001", "collected", "partly_refunded", T0)
    assert chain.deliver([refunded]) == {"boss_a", "roamer"}  # the default: managers


def test_notices_of_a_missing_order_reach_every_store(chain: Chain) -> None:
    ready = OrderStatusChanged(999_999, "X-1", "paid", "ready", T0)
    assert chain.deliver([ready]) == set(chain.staff)


def test_other_triggers_ignore_home_stores(chain: Chain) -> None:
    admin = chain.staff["admin"]
    changed = UserChanged(admin.id, "admin", "edited", T0)
    account = AccountMoved(1, 1, "deposit", 60_000, 60_000, T0)
    assert chain.deliver([changed]) == {"admin"}
    assert chain.deliver([account]) == {"boss_a", "boss_b", "roamer"}


def test_a_batch_of_both_stores_addresses_each_notice_by_its_store(chain: Chain) -> None:
    events = chain.sell_at(chain.store_a, 6) + chain.sell_at(chain.store_b, 6)
    before = len(chain.publisher.events)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    engine = chain.backend.database.engine
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        n.NotificationListener(chain.backend).handle(events)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert sum(1 for s in statements if "FROM users" in s) == 1  # one staff query a batch
    created = [e for e in chain.publisher.events[before:] if isinstance(e, NotificationCreated)]
    by_user: dict[int, int] = {}
    for event in created:
        by_user[event.user_id] = by_user.get(event.user_id, 0) + 1
    names = {user.id: name for name, user in chain.staff.items()}
    assert {names[user_id]: count for user_id, count in by_user.items()} == {
        "admin": 2,
        "roamer": 2,
        "boss_a": 1,
        "boss_b": 1,
    }
