"""Web checkouts racing over the real server, with the till's guarantees: 50 customers for the
last 10 units buy exactly 10 (the rest get a 409 problem); 20 orders with one single-use coupon
use it once. On PostgreSQL the row locks decide; on SQLite the writers queue."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from posapp.models import CouponRedemption, Order, StockMovement, WebOrder
from posapp.services.backend import Backend
from posapp.services.catalog import ProductDraft, create_product
from posapp.services.coupons.campaigns import create_campaign
from posapp.services.coupons.dto import CampaignDraft
from posapp.services.stock import StockLine, receive_stock
from tests.api.conftest import Catalog, Shop
from tests.api.server import Running


def race(server: Running, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """Send every body at once, each with its own key and connection."""
    barrier = threading.Barrier(len(bodies))

    def send(body: dict[str, Any]) -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=120) as http:
            barrier.wait()
            return http.post(
                "/api/v1/orders", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
            )

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, bodies))


def body(store: int, product: int, **extra: Any) -> dict[str, Any]:
    return {
        "store_id": store,
        "lines": [{"product_id": product, "quantity": 1}],
        "customer": {"name": "Racer", "email": "racer@example.com"},
    } | extra


def count(backend: Backend, model: type) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_fifty_customers_buy_exactly_the_last_ten(
    server: Running, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    root = shop.users["root"]
    last = create_product(
        backend.uow(), root, ProductDraft(sku="LAST", name="Last mug", price_minor=900)
    ).id
    receive_stock(backend.uow(), root, catalog.store, [StockLine(last, 10)], reference="last")
    answers = race(server, [body(catalog.store, last) for _ in range(50)])
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 10, 409: 40}, [a.text for a in answers if a.status_code >= 500]
    refused = [a for a in answers if a.status_code == 409]
    assert all(a.headers["content-type"] == "application/problem+json" for a in refused)
    assert all("Last mug" in a.json()["detail"] for a in refused)
    assert count(backend, Order) == count(backend, WebOrder) == 10
    with backend.read_uow() as uow:
        moved = uow.session.scalar(
            select(func.sum(StockMovement.quantity)).where(StockMovement.product_id == last)
        )
        numbers = uow.session.scalars(select(Order.number)).all()
    assert moved == 0  # +10 received, -10 sold
    assert len(set(numbers)) == 10


def test_one_single_use_coupon_serves_one_of_twenty_orders(
    server: Running, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    draft = CampaignDraft(
        name="Once",
        kind="percent",
        value=1000,
        starts_at=datetime.now(UTC) - timedelta(days=1),
        usage_limit=1,
    )
    create_campaign(backend.uow(), shop.users["root"], draft, shared_code="ONCE")
    product = catalog.products[0]
    receive_stock(
        backend.uow(), shop.users["root"], catalog.store, [StockLine(product, 30)], reference="more"
    )
    answers = race(server, [body(catalog.store, product, coupon_code="ONCE") for _ in range(20)])
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 1, 422: 19}, [a.text for a in answers if a.status_code >= 500]
    assert {a.json()["reason"] for a in answers if a.status_code == 422} == {"used_up"}
    assert count(backend, CouponRedemption) == 1
    assert count(backend, Order) == 1
