"""Web orders over the real server: a pickup order placed, priced like the till, its stock taken
and its coupon used in one transaction; the same Idempotency-Key never places twice; the status
by number and email; bad inputs are problem+json with nothing written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from posapp.events import OrderPlaced
from posapp.models import (
    CouponRedemption,
    Notification,
    Order,
    OutboxEmail,
    StockLevel,
    User,
    WebOrder,
)
from posapp.services.accounts import AccountDraft, deposit, open_account
from posapp.services.backend import Backend
from posapp.services.catalog import ProductDraft
from posapp.services.coupons.campaigns import create_campaign
from posapp.services.coupons.dto import CampaignDraft
from posapp.services.notifications import NotificationListener
from posapp.services.platform.errors import NotFoundError
from posapp.services.sales import GiftCardLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.tills import open_till
from posapp.services.staff import UserFilter, find_user
from posapp.services.staff.service_users import WEB_SHOP_USERNAME
from posapp.services.stock import StockLine, receive_stock
from tests.api.conftest import Catalog, Shop

PROBLEM = "application/problem+json"


def order_body(catalog: Catalog, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "store_id": catalog.store,
        "lines": [{"product_id": catalog.products[0], "quantity": 2}],
        "customer": {"name": "Ann Example", "email": "Ann@Example.com", "phone": "07700 900123"},
    }
    return body | changes


def post(client: httpx.Client, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    return client.post(
        "/api/v1/orders", json=body, headers={"Idempotency-Key": key or str(uuid.uuid4())}
    )


def counts(backend: Backend) -> tuple[int, int, int, int]:
    """Orders, web orders, coupon uses and emails written so far."""
    with backend.read_uow() as uow:
        return tuple(  # type: ignore[return-value]
            uow.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Order, WebOrder, CouponRedemption, OutboxEmail)
        )


def on_hand(backend: Backend, store: int, product: int) -> int:
    with backend.read_uow() as uow:
        level = uow.session.scalar(
            select(StockLevel.on_hand).where(
                StockLevel.store_id == store, StockLevel.product_id == product
            )
        )
        return int(level or 0)


def coupon(backend: Backend, shop: Shop, code: str, **rules: Any) -> None:
    values: dict[str, Any] = {
        "name": f"Campaign {code}",
        "kind": "percent",
        "value": 1000,
        "starts_at": datetime.now(UTC) - timedelta(days=1),
    }
    draft = CampaignDraft(**(values | rules))
    create_campaign(backend.uow(), shop.users["root"], draft, shared_code=code)


def test_a_pickup_order_is_placed_once_and_read_by_number_and_email(
    client: httpx.Client, backend: Backend, catalog: Catalog, publisher: Any
) -> None:
    key = str(uuid.uuid4())
    first = post(client, order_body(catalog), key)
    assert first.status_code == 201, first.text
    order = first.json()
    assert order["status"] == "placed"
    assert order["payment"] == "pickup"
    assert order["total_minor"] == 200  # 2 x 1.00, the stored price
    assert order["paid_minor"] == 0
    assert order["replayed"] is False
    assert [line["quantity"] for line in order["lines"]] == [2]
    assert on_hand(backend, catalog.store, catalog.products[0]) == 5
    placed = [e for e in publisher.events if isinstance(e, OrderPlaced)]
    assert [e.number for e in placed] == [order["number"]]

    again = post(client, order_body(catalog), key)
    assert again.status_code == 200
    assert again.json() | {"replayed": False} == order
    assert again.json()["replayed"] is True
    assert on_hand(backend, catalog.store, catalog.products[0]) == 5
    assert counts(backend)[:2] == (1, 1)

    other = post(
        client, order_body(catalog, lines=[{"product_id": catalog.products[0], "quantity": 1}]), key
    )
    assert other.status_code == 409
    assert other.headers["content-type"] == PROBLEM
    assert "Idempotency-Key" in other.json()["detail"]

    status = client.get(f"/api/v1/orders/{order['number']}", params={"email": " ann@example.COM "})
    assert status.status_code == 200, status.text
    assert status.json()["number"] == order["number"]
    assert "cashier" not in status.text


def test_the_status_never_tells_whether_a_number_exists(
    client: httpx.Client, catalog: Catalog
) -> None:
    number = post(client, order_body(catalog)).json()["number"]
    wrong_email = client.get(f"/api/v1/orders/{number}", params={"email": "eve@example.com"})
    no_number = client.get("/api/v1/orders/S1-999999", params={"email": "ann@example.com"})
    assert wrong_email.status_code == no_number.status_code == 404
    assert wrong_email.json()["detail"] == no_number.json()["detail"]
    assert client.get(f"/api/v1/orders/{number}").status_code == 422


def test_the_customer_hears_of_the_order(
    client: httpx.Client, backend: Backend, catalog: Catalog
) -> None:
    post(client, order_body(catalog))
    with backend.read_uow() as uow:
        emails = uow.session.execute(select(OutboxEmail.to_address, OutboxEmail.kind)).all()
    assert [tuple(e) for e in emails] == [("Ann@example.com", "order_placed")]


def test_a_coupon_is_priced_and_used_in_the_order(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    coupon(backend, shop, "WEB10", usage_limit=1)
    placed = post(client, order_body(catalog, coupon_code=" web10 "))
    assert placed.status_code == 201, placed.text
    assert placed.json()["coupon_minor"] == 20
    assert placed.json()["total_minor"] == 180
    used = post(client, order_body(catalog, coupon_code="WEB10"))
    assert used.status_code == 422
    assert used.headers["content-type"] == PROBLEM
    assert used.json()["reason"]
    assert counts(backend)[:3] == (1, 1, 1)
    assert on_hand(backend, catalog.store, catalog.products[0]) == 5


def test_sold_out_is_a_409_and_writes_nothing(
    client: httpx.Client, backend: Backend, catalog: Catalog
) -> None:
    before = counts(backend)
    short = post(
        client, order_body(catalog, lines=[{"product_id": catalog.products[0], "quantity": 8}])
    )
    assert short.status_code == 409
    assert short.headers["content-type"] == PROBLEM
    assert "left" in short.json()["detail"] or "stock" in short.json()["detail"].lower()
    elsewhere = post(client, order_body(catalog, store_id=catalog.other_store))
    assert elsewhere.status_code == 409
    assert counts(backend) == before
    assert on_hand(backend, catalog.store, catalog.products[0]) == 7


def test_paid_from_a_prepaid_account_with_its_pin(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    root = shop.users["root"]
    account = open_account(backend.uow(), root, AccountDraft("Ann Example"), "2468")
    open_till(backend.uow(), root, catalog.store, 0)
    deposit(
        backend.uow(),
        root,
        account_id=account.id,
        amount_minor=500,
        key=uuid.uuid4(),
        store_id=catalog.store,
    )
    pay = {"method": "account", "account_number": account.number, "pin": "1111"}
    wrong = post(client, order_body(catalog, payment=pay))
    assert wrong.status_code == 403, wrong.text
    assert counts(backend)[:2] == (0, 0)
    assert on_hand(backend, catalog.store, catalog.products[0]) == 7

    paid = post(client, order_body(catalog, payment=pay | {"pin": "2468"}))
    assert paid.status_code == 201, paid.text
    assert paid.json()["status"] == "paid"
    assert paid.json()["paid_minor"] == 200
    too_much = post(
        client,
        order_body(
            catalog,
            lines=[{"product_id": catalog.products[0], "quantity": 4}],
            payment=pay | {"pin": "2468"},
        ),
    )
    assert too_much.status_code == 409, too_much.text
    assert on_hand(backend, catalog.store, catalog.products[0]) == 5


def test_paid_by_gift_card(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    """The whole total from a card sold at the till; an empty or unknown card is a problem and
    nothing is written."""
    root = shop.users["root"]
    open_till(backend.uow(), root, catalog.store, 0)
    card_sale = SaleDraft(
        uuid.uuid4(),
        (),
        (PaymentDraft(uuid.uuid4(), PaymentKind.CASH, 500, 500),),
        gift_cards=(GiftCardLine(500),),
    )
    sold = backend.sales.place_order(root, card_sale)
    code = backend.sales.order_detail(root, sold.order_id).gift_cards[0].code
    pay = {"method": "gift_card", "gift_card_code": code}

    paid = post(client, order_body(catalog, payment=pay))
    assert paid.status_code == 201, paid.text
    assert (paid.json()["status"], paid.json()["paid_minor"]) == ("paid", 200)
    assert backend.giftcards.balance(root, code).balance_minor == 300
    before = counts(backend)
    four = [{"product_id": catalog.products[0], "quantity": 4}]
    too_much = post(client, order_body(catalog, lines=four, payment=pay))
    assert too_much.status_code == 409, too_much.text
    assert too_much.json()["reason"] == "insufficient"
    unknown = pay | {"gift_card_code": "GC-2345-6789-ABCD-EFGH"}
    refused = post(client, order_body(catalog, payment=unknown))
    assert refused.status_code == 422, refused.text
    assert refused.json()["reason"] == "unknown"
    no_code = post(client, order_body(catalog, payment={"method": "gift_card"}))
    assert no_code.status_code == 422, no_code.text
    assert counts(backend) == before
    assert backend.giftcards.balance(root, code).balance_minor == 300
    assert on_hand(backend, catalog.store, catalog.products[0]) == 5


def test_goods_sold_by_weight_are_not_ordered_online(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    """A web quantity is a count; cheese by the kilo is weighed at the counter (#20)."""
    root = shop.users["root"]
    cheese = backend.catalog.create_product(
        root, ProductDraft(sku="CHE-1", name="Comté", price_minor=1990, unit="kg")
    ).id
    receive_stock(backend.uow(), root, catalog.store, [StockLine(cheese, 5000)], reference="x")
    before = counts(backend)
    lines = [{"product_id": cheese, "quantity": 2}]
    refused = post(client, order_body(catalog, lines=lines))
    assert refused.status_code == 422, refused.text
    assert "weighed at the counter" in refused.json()["detail"]
    assert counts(backend) == before


def test_bad_orders_are_problems_and_write_nothing(
    client: httpx.Client, backend: Backend, catalog: Catalog
) -> None:
    product = catalog.products[0]
    cases: list[tuple[dict[str, Any], int]] = [
        (order_body(catalog, lines=[]), 422),
        (order_body(catalog, lines=[{"product_id": product, "quantity": 0}]), 422),
        (order_body(catalog, lines=[{"product_id": product, "quantity": 1.5}]), 422),
        (order_body(catalog, lines=[{"product_id": product, "quantity": 2**63}]), 422),
        (order_body(catalog, lines=[{"product_id": 2**62, "quantity": 1}]), 404),
        (order_body(catalog, lines=[{"product_id": catalog.archived, "quantity": 1}]), 422),
        (order_body(catalog, store_id=catalog.warehouse), 404),
        (order_body(catalog, store_id=catalog.closed), 404),
        (order_body(catalog, customer={"name": "Ann", "email": "no-at-sign"}), 422),
        (order_body(catalog, customer={"name": "Ann\x00", "email": "a@example.com"}), 422),
        (
            order_body(
                catalog, customer={"name": "Ann", "email": "a@example.com", "phone": "call me"}
            ),
            422,
        ),
        (order_body(catalog, coupon_code="' OR 1=1--"), 422),
        (order_body(catalog, coupon_code="x" * 1000), 422),
        (order_body(catalog, payment={"method": "cash"}), 422),
        (order_body(catalog, payment={"method": "account"}), 422),
        (order_body(catalog, expected_total_minor=1), 409),
        (order_body(catalog, extra="field"), 422),
    ]
    for body, status in cases:
        answer = post(client, body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"] == PROBLEM
        assert "Traceback" not in answer.text
    for key in ["not-a-uuid", ""]:
        answer = client.post(
            "/api/v1/orders", json=order_body(catalog), headers={"Idempotency-Key": key}
        )
        assert answer.status_code == 422
    assert client.post("/api/v1/orders", json=order_body(catalog)).status_code == 422
    assert counts(backend) == (0, 0, 0, 0)
    assert on_hand(backend, catalog.store, product) == 7


def test_the_store_staff_are_told_of_a_web_order(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog, publisher: Any
) -> None:
    """The committed events, through the notification rules (as the server's runner does)."""
    number = post(client, order_body(catalog)).json()["number"]
    NotificationListener(backend).handle(list(publisher.events))
    with backend.read_uow() as uow:
        told = uow.session.execute(select(Notification.user_id, Notification.title)).all()
    title = f"Web order {number} placed by Ann Example"
    staff = {shop.users[name].id for name in ("root", "boss", "till")}
    # The active staff of every store; never the inactive "web shop" user.
    assert {user for user, text in told if text == title} == staff


def test_the_web_shop_user_is_no_one_s_staff(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    """The service user a web order is written under: in the audit's filter, not in the staff."""
    post(client, order_body(catalog))
    root = shop.users["root"]
    with backend.read_uow() as uow:
        web_id = uow.session.scalar(select(User.id).where(User.username_key == WEB_SHOP_USERNAME))
    assert web_id is not None
    staff = backend.staff.list_users(root)
    assert WEB_SHOP_USERNAME not in {u.username for u in staff}
    assert backend.staff.user_count() == len(staff)
    everyone = backend.staff.list_users(root, UserFilter(service=True))
    assert WEB_SHOP_USERNAME in {u.username for u in everyone}
    with pytest.raises(NotFoundError):
        backend.staff.set_active(root, web_id, True)
    with pytest.raises(NotFoundError):
        backend.staff.reset_password(root, web_id, "a-long-password-1")
    with pytest.raises(NotFoundError):
        find_user(backend.uow(), WEB_SHOP_USERNAME)
