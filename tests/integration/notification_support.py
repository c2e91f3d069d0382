"""Helpers of the notification, outbox and mailer tests: staff, stock, customers, orders, codes.

Rows are written with the ORM directly (not through other systems' services), so these tests
depend only on the shared models and primitives.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from posapp.events import DomainEvent, RecordingPublisher
from posapp.models import (
    CouponCampaign,
    CouponCode,
    Customer,
    CustomerAccount,
    LedgerAccount,
    MovementKind,
    Order,
    Product,
    StockLevel,
    Store,
)
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import users
from posapp.services.stock.ledger import move_stock

PW = "correct horse battery"
T0 = datetime(2024, 5, 17, 9, 30, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@dataclass
class World:
    """A shop: one user per role (plus a second manager), a store and a product."""

    backend: Backend
    publisher: RecordingPublisher
    staff: dict[str, UserDTO]
    store_id: int
    product_id: int
    _numbers: list[int] = field(default_factory=list)

    @property
    def admin(self) -> UserDTO:
        return self.staff["admin"]

    @property
    def manager(self) -> UserDTO:
        return self.staff["manager"]

    @property
    def cashier(self) -> UserDTO:
        return self.staff["cashier"]

    def events(self, kind: type[DomainEvent]) -> list[DomainEvent]:
        return [e for e in self.publisher.events if isinstance(e, kind)]

    def sell(self, quantity: int, product_id: int | None = None) -> list[DomainEvent]:
        """Take ``quantity`` units in a sale; return the events it published."""
        before = len(self.publisher.events)
        with self.backend.uow() as uow:
            move_stock(
                uow,
                store_id=self.store_id,
                product_id=product_id or self.product_id,
                quantity=-quantity,
                kind=MovementKind.SALE,
                batch_uuid=uuid.uuid4(),
                user_id=self.cashier.id,
            )
            uow.commit()
        return self.publisher.events[before:]

    def customer(
        self,
        name: str = "Ann Example",
        email: str = "ann@example.com",
        *,
        opt_in: bool = True,
        status: str = "open",
    ) -> int:
        with self.backend.uow() as uow:
            ledger = LedgerAccount(kind="customer", name=name[:100])
            uow.session.add(ledger)
            uow.flush()
            number = f"{9000 + ledger.id:08d}"
            # The consent is the customer's (issue #19): the account shows it.
            customer = Customer(name=name, email=email, marketing_opt_in=opt_in)
            uow.session.add(customer)
            uow.flush()
            account = CustomerAccount(
                number=number,
                ledger_account_id=ledger.id,
                holder_name=name,
                email=email,
                status=status,
                customer_id=customer.id,
            )
            uow.session.add(account)
            uow.flush()
            account_id = account.id
            uow.commit()
        return account_id

    def order(
        self,
        *,
        customer_id: int | None = None,
        pickup: bool = False,
        status: str = "placed",
        total_minor: int = 1234,
        refunded_minor: int = 0,
    ) -> tuple[int, str]:
        self._numbers.append(len(self._numbers) + 1)
        number = f"MAIN-{self._numbers[-1]:06d}"
        with self.backend.uow() as uow:
            order = Order(
                sale_uuid=uuid.uuid4(),
                number=number,
                store_id=self.store_id,
                cashier_id=self.cashier.id,
                customer_account_id=customer_id,
                status=status,
                pickup=pickup,
                subtotal_minor=total_minor,
                total_minor=total_minor,
                refunded_minor=refunded_minor,
            )
            uow.session.add(order)
            uow.flush()
            order_id = order.id
            uow.commit()
        return order_id, number

    def campaign(
        self,
        name: str = "Spring",
        *,
        codes: int = 3,
        usage_limit: int | None = None,
        used_count: int = 0,
        single_use: bool = True,
    ) -> int:
        with self.backend.uow() as uow:
            campaign = CouponCampaign(
                name=name,
                kind="percent",
                value=1000,
                starts_at=T0 - timedelta(days=1),
                usage_limit=usage_limit,
                used_count=used_count,
                single_use_codes=single_use,
            )
            uow.session.add(campaign)
            uow.flush()
            for i in range(codes):
                code = f"{name[:4].upper()}-{campaign.id:02d}{i:04d}"
                uow.session.add(
                    CouponCode(
                        campaign_id=campaign.id,
                        code=code,
                        code_key=code.replace("-", ""),
                        max_uses=1 if single_use else None,
                    )
                )
            campaign_id = campaign.id
            uow.commit()
        return campaign_id

    def set_campaign_use(self, campaign_id: int, used_count: int) -> None:
        with self.backend.uow() as uow:
            campaign = uow.session.get(CouponCampaign, campaign_id)
            assert campaign is not None
            campaign.used_count = used_count
            uow.commit()


def make_world(backend: Backend, publisher: RecordingPublisher, *, on_hand: int = 10) -> World:
    staff = {
        role: users.add_user(backend.uow(), None, f"{role}1", PW, role, full_name=role.title())
        for role in ("admin", "manager", "cashier")
    }
    with backend.uow() as uow:
        store = Store(code="MAIN", name="Main Street", kind="store")
        product = Product(sku="APL-1", sku_key="APL-1", name="Apple juice", price_minor=250)
        uow.session.add_all([store, product])
        uow.flush()
        uow.session.add(
            StockLevel(store_id=store.id, product_id=product.id, on_hand=on_hand, reorder_point=5)
        )
        store_id, product_id = store.id, product.id
        uow.commit()
    publisher.events.clear()
    return World(backend, publisher, staff, store_id, product_id)
