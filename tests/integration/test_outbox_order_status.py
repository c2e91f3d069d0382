"""Order status emails from the order lifecycle (``services.sales.orders``), on both databases.

Ready for pickup, collected, partly refunded and refunded each write the customer's email to the
outbox inside the unit of work of the move: a refused move writes none, and the running
application's sender (``start_services``) delivers them to a real SMTP server at once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from posapp.app_services import ServiceOptions, start_services
from posapp.config import AppConfig
from posapp.events import RecordingPublisher
from posapp.models import OrderLine, OutboxEmail
from posapp.services.backend import Backend
from posapp.services.notifications import mailer
from posapp.services.notifications.outbox_dto import SmtpSettings
from posapp.services.platform.db import Database
from posapp.services.sales import checkout, orders, returns
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.order_dto import ReturnLineRequest, ReturnRequest
from tests.checkout_seed import add_customer
from tests.integration.mailer_support import SmtpServer
from tests.integration.notif_till import PRICE_MINOR, WAIT_S, NotifShop, ensure_till, seed
from tests.integration.notification_support import World, make_world


def emails(backend: Backend) -> list[tuple[str, int | None, str, str]]:
    columns = (OutboxEmail.kind, OutboxEmail.order_id, OutboxEmail.to_address, OutboxEmail.subject)
    with backend.read_uow() as uow:
        rows = uow.session.execute(select(*columns).order_by(OutboxEmail.id))
        return [(r.kind, r.order_id, r.to_address, r.subject) for r in rows]


@pytest.fixture
def world(database: Database, publisher: RecordingPublisher) -> World:
    return make_world(Backend(database, publisher, register="till-1"), publisher)


def test_ready_and_collected_email_the_customer_in_the_move(world: World) -> None:
    customer = world.customer("Ann Example", "ann@example.com", opt_in=False)
    order_id, number = world.order(customer_id=customer, pickup=True, status="paid")
    orders.advance_order(world.backend.uow(), world.cashier, order_id, "ready")
    assert emails(world.backend) == [
        ("order_ready", order_id, "ann@example.com", f"Your order {number} is ready for pickup")
    ]
    with pytest.raises(orders.IllegalTransitionError):  # refused: nothing is written
        orders.advance_order(world.backend.uow(), world.cashier, order_id, "ready")
    assert len(emails(world.backend)) == 1
    orders.advance_order(world.backend.uow(), world.cashier, order_id, "collect")
    assert [e[0] for e in emails(world.backend)] == ["order_ready", "order_collected"]
    assert emails(world.backend)[1][3] == f"Your order {number} was collected"


def test_moves_without_a_message_or_a_customer_email_nobody(world: World) -> None:
    order_id, _ = world.order(pickup=False, status="paid")  # no customer
    orders.advance_order(world.backend.uow(), world.cashier, order_id, "fulfil")
    customer = world.customer("Bo", "bo@example.com")
    handed, _ = world.order(customer_id=customer, status="paid")
    orders.advance_order(world.backend.uow(), world.cashier, handed, "fulfil")  # handed over
    cancelled, _ = world.order(customer_id=customer, status="placed")
    orders.cancel_order(world.backend.uow(), world.manager, cancelled, "Customer changed mind")
    assert emails(world.backend) == []


@pytest.fixture
def shop(database: Database) -> tuple[Backend, NotifShop, int]:
    backend = Backend(database, RecordingPublisher(), register="till-1")
    shop = seed(backend)
    return backend, shop, add_customer(backend, "Jane Doe")


def place_for(backend: Backend, shop: NotifShop, customer_id: int, quantity: int) -> int:
    ensure_till(backend, shop.cashier, shop.store_id)
    total = PRICE_MINOR * quantity
    placed = checkout.place_order(
        backend.uow(),
        shop.cashier,
        SaleDraft(
            sale_uuid=uuid.uuid4(),
            lines=(DraftLine(1, shop.product_id, quantity),),
            payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, total),),
            customer_account_id=customer_id,
        ),
    )
    return placed.order_id


def give_back(backend: Backend, shop: NotifShop, order_id: int, quantity: int) -> str:
    with backend.read_uow() as uow:
        line_id = uow.session.scalar(select(OrderLine.id).where(OrderLine.order_id == order_id))
    assert line_id is not None
    request = ReturnRequest(uuid.uuid4(), order_id, (ReturnLineRequest(line_id, quantity),))
    return returns.return_items(backend.uow(), shop.manager, request).status


def test_returns_email_the_refund_partly_then_in_full(
    shop: tuple[Backend, NotifShop, int],
) -> None:
    backend, people, customer = shop
    order_id = place_for(backend, people, customer, 3)
    placing = emails(backend)  # checkout's own email about the order (its business, not ours)
    assert give_back(backend, people, order_id, 1) == "partly_refunded"
    assert give_back(backend, people, order_id, 2) == "refunded"
    sent = emails(backend)[len(placing) :]
    assert [(kind, order, to) for kind, order, to, _ in sent] == [
        ("order_refunded", order_id, "jane@example.com"),
        ("order_refunded", order_id, "jane@example.com"),
    ]
    with backend.read_uow() as uow:
        bodies = list(
            uow.session.scalars(
                select(OutboxEmail.body)
                .where(OutboxEmail.kind == "order_refunded")
                .order_by(OutboxEmail.id)
            )
        )
    assert "We have refunded 2.50" in bodies[0]  # the first return: one unit
    assert "We have refunded 7.50" in bodies[1]  # then the whole order


def wait_until(condition: Callable[[], bool], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the condition did not hold in time")
        time.sleep(0.02)


def test_the_running_sender_delivers_a_status_email_right_after_the_move(
    database: Database,
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path))
    server = SmtpServer()
    server.start()
    settings = SmtpSettings(
        host=server.host, port=server.port, security="none", from_address="shop@example.com",
        from_name="Main Street Shop", timeout_s=5,
    )  # fmt: skip
    mailer.save_smtp_settings(world.backend.uow(), world.admin, settings)
    customer = world.customer("Ann Example", "ann@example.com", opt_in=False)
    order_id, number = world.order(customer_id=customer, pickup=True, status="paid")
    url = database.url.render_as_string(hide_password=False)
    options = ServiceOptions(campaign_check_s=3600, sender_interval_s=3600)
    services = start_services(database, RecordingPublisher(), AppConfig(url, "till-1"), options)
    try:
        wait_until(lambda: services.sender.running)
        started = time.monotonic()
        orders.advance_order(services.backend.uow(), world.cashier, order_id, "ready")
        wait_until(lambda: bool(server.received), timeout=10)  # the sender was woken at once
        elapsed = time.monotonic() - started
    finally:
        services.stop()
        server.stop()
    (message,) = server.received
    assert message.rcpt_tos == ["ann@example.com"]
    assert message.message["Subject"] == f"Your order {number} is ready for pickup"
    assert elapsed < 10  # not the sender's 3600 s round
    with world.backend.read_uow() as uow:
        assert uow.session.scalar(select(OutboxEmail.status)) == "sent"
