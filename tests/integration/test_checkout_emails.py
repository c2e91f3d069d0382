"""Order status emails from checkout (``place_order``, ``pay_order``), on both databases.

A sale with a customer writes the customer's "placed" email to the outbox inside the sale's own
transaction (a paid pickup order also its "ready" email); paying a pickup order later writes
"ready". A sale without a customer, or with one who has no email, writes none; a refused sale
writes none either.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from posapp.events import RecordingPublisher
from posapp.models import CustomerAccount, OutboxEmail
from posapp.services.backend import Backend
from posapp.services.sales import checkout
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.stock.ledger import InsufficientStockError
from tests.checkout_seed import add_customer
from tests.integration.notif_till import PRICE_MINOR, NotifShop, ensure_till, seed


@pytest.fixture
def shop(backend: Backend) -> NotifShop:
    shop = seed(backend)
    ensure_till(backend, shop.cashier, shop.store_id)
    return shop


def emails(backend: Backend) -> list[tuple[str, int | None, str, str]]:
    columns = (OutboxEmail.kind, OutboxEmail.order_id, OutboxEmail.to_address, OutboxEmail.subject)
    with backend.read_uow() as uow:
        rows = uow.session.execute(select(*columns).order_by(OutboxEmail.id))
        return [(r.kind, r.order_id, r.to_address, r.subject) for r in rows]


def draft(
    shop: NotifShop,
    quantity: int = 1,
    *,
    customer_id: int | None = None,
    paid: bool = True,
    pickup: bool = False,
) -> SaleDraft:
    total = PRICE_MINOR * quantity
    return SaleDraft(
        sale_uuid=uuid.uuid4(),
        lines=(DraftLine(1, shop.product_id, quantity),),
        payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, total),) if paid else (),
        customer_account_id=customer_id,
        pickup=pickup,
    )


def test_a_sale_with_a_customer_queues_the_placed_email(backend: Backend, shop: NotifShop) -> None:
    customer = add_customer(backend, "Jane Doe")
    placed = checkout.place_order(backend.uow(), shop.cashier, draft(shop, customer_id=customer))
    assert placed.status == "fulfilled"
    assert emails(backend) == [
        ("order_placed", placed.order_id, "jane@example.com", f"Your order {placed.number}")
    ]
    with backend.read_uow() as uow:
        body = uow.session.scalar(select(OutboxEmail.body))
    assert body is not None
    assert "Hello Jane Doe," in body
    assert "2.50" in body


def test_a_replayed_sale_queues_no_second_email(backend: Backend, shop: NotifShop) -> None:
    customer = add_customer(backend, "Jane Doe")
    sale = draft(shop, customer_id=customer)
    checkout.place_order(backend.uow(), shop.cashier, sale)
    assert checkout.place_order(backend.uow(), shop.cashier, sale).replayed
    assert [e[0] for e in emails(backend)] == ["order_placed"]


def test_a_sale_without_a_customer_queues_nothing(backend: Backend, shop: NotifShop) -> None:
    checkout.place_order(backend.uow(), shop.cashier, draft(shop))
    checkout.place_order(backend.uow(), shop.cashier, draft(shop, paid=False, pickup=True))
    assert emails(backend) == []


def test_a_customer_without_an_email_gets_none(backend: Backend, shop: NotifShop) -> None:
    customer = add_customer(backend, "No Mail")
    with backend.uow() as uow:
        account = uow.session.get(CustomerAccount, customer)
        assert account is not None
        account.email = ""
        uow.commit()
    checkout.place_order(backend.uow(), shop.cashier, draft(shop, customer_id=customer))
    assert emails(backend) == []


def test_a_paid_pickup_order_is_placed_and_ready_at_once(backend: Backend, shop: NotifShop) -> None:
    customer = add_customer(backend, "Jane Doe")
    sale = draft(shop, customer_id=customer, pickup=True)
    placed = checkout.place_order(backend.uow(), shop.cashier, sale)
    assert placed.status == "ready"
    ready = f"Your order {placed.number} is ready for pickup"
    assert emails(backend) == [
        ("order_placed", placed.order_id, "jane@example.com", f"Your order {placed.number}"),
        ("order_ready", placed.order_id, "jane@example.com", ready),
    ]


def test_paying_a_pickup_order_later_queues_ready(backend: Backend, shop: NotifShop) -> None:
    customer = add_customer(backend, "Jane Doe")
    placed = checkout.place_order(
        backend.uow(), shop.cashier, draft(shop, customer_id=customer, paid=False, pickup=True)
    )
    assert placed.status == "placed"
    assert [e[0] for e in emails(backend)] == ["order_placed"]
    payment = PaymentDraft(uuid.uuid4(), PaymentKind.CASH, PRICE_MINOR, PRICE_MINOR)
    paid = checkout.pay_order(backend.uow(), shop.cashier, placed.order_id, (payment,))
    assert paid.status == "ready"
    assert [e[:2] for e in emails(backend)] == [
        ("order_placed", placed.order_id),
        ("order_ready", placed.order_id),
    ]
    # Paying again with the same payment is a replay: nothing more.
    checkout.pay_order(backend.uow(), shop.cashier, placed.order_id, (payment,))
    assert len(emails(backend)) == 2


def test_paying_an_order_handed_over_at_once_queues_nothing_more(
    backend: Backend, shop: NotifShop
) -> None:
    customer = add_customer(backend, "Jane Doe")
    placed = checkout.place_order(
        backend.uow(), shop.cashier, draft(shop, customer_id=customer, paid=False)
    )
    payment = PaymentDraft(uuid.uuid4(), PaymentKind.CASH, PRICE_MINOR, PRICE_MINOR)
    assert checkout.pay_order(backend.uow(), shop.cashier, placed.order_id, (payment,)).status == (
        "fulfilled"
    )
    assert [e[0] for e in emails(backend)] == ["order_placed"]


def test_a_refused_sale_queues_nothing(
    backend: Backend, shop: NotifShop, publisher: RecordingPublisher
) -> None:
    customer = add_customer(backend, "Jane Doe")
    publisher.events.clear()
    with pytest.raises(InsufficientStockError):
        checkout.place_order(backend.uow(), shop.cashier, draft(shop, 11, customer_id=customer))
    assert emails(backend) == []
    assert publisher.events == []
