"""The staff's stock and order endpoints (#22) over the real server: scopes, roles, audit, refusals.

A token carries ``stock:read`` or ``orders:write``; the token's user's role still decides (a
cashier may hand an order over but not cancel it), and every call is audited with that user.
"""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from posapp.models import AuditEntry
from posapp.services.backend import Backend
from posapp.services.sales import WebLine, WebOrderDraft
from posapp.services.staff.tokens import create_token
from posapp.services.stock import StockLine, receive_stock
from tests.api.conftest import Catalog, Shop, bearer


def token(backend: Backend, shop: Shop, user: str, *scopes: str) -> dict[str, str]:
    secret = create_token(backend.uow(), None, shop.users[user].id, list(scopes)).secret
    return bearer(secret)


def test_a_stores_stock_a_page_at_a_time(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    root = shop.users["root"]
    lines = [StockLine(product, 3) for product in catalog.products[1:5]]
    receive_stock(backend.uow(), root, catalog.store, lines, reference="more")
    headers = token(backend, shop, "till", "stock:read")
    url = f"/api/v1/stores/{catalog.store}/stock"

    first = client.get(url, params={"limit": 3}, headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["total"], body["next_offset"], len(body["items"])) == (5, 3, 3)
    rest = client.get(url, params={"limit": 3, "offset": 3}, headers=headers).json()
    assert rest["next_offset"] is None
    seen = {item["product_id"]: item["on_hand"] for item in body["items"] + rest["items"]}
    assert seen == {catalog.products[0]: 7} | {p: 3 for p in catalog.products[1:5]}
    names = [item["name"] for item in body["items"] + rest["items"]]
    assert names == sorted(names, key=str.casefold)
    found = client.get(url, params={"q": "SKU-000"}, headers=headers).json()
    assert [item["product_id"] for item in found["items"]] == [catalog.products[0]]

    assert client.get(url).status_code == 401
    users_only = token(backend, shop, "root", "users:read")
    assert client.get(url, headers=users_only).status_code == 403
    missing = client.get("/api/v1/stores/999999/stock", headers=headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def _web_order(backend: Backend, catalog: Catalog) -> int:
    draft = WebOrderDraft(
        uuid.uuid4(),
        catalog.store,
        (WebLine(catalog.products[0], 1),),
        customer_name="Ann Example",
        email="ann@example.com",
    )
    return backend.sales.place_web_order(draft).order_id


def test_orders_are_moved_on_as_the_role_allows(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    order = _web_order(backend, catalog)
    cashier = token(backend, shop, "till", "orders:write")
    url = f"/api/v1/orders/{order}/transitions"

    ready = client.post(url, json={"action": "ready"}, headers=cashier)
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"order_id": order, "status": "ready"}
    unpaid = client.post(url, json={"action": "collect"}, headers=cashier)
    assert unpaid.status_code in (409, 422), unpaid.text  # not paid: take payment first
    assert "not paid" in unpaid.json()["detail"]
    again = client.post(url, json={"action": "ready"}, headers=cashier)
    assert again.status_code == 409, again.text

    no_reason = client.post(url, json={"action": "cancel"}, headers=cashier)
    assert no_reason.status_code == 422, no_reason.text
    refused = client.post(url, json={"action": "cancel", "note": "asked"}, headers=cashier)
    assert refused.status_code in (403, 409), refused.text  # a cashier may not cancel alone
    manager = token(backend, shop, "boss", "orders:write")
    cancelled = client.post(url, json={"action": "cancel", "note": "asked"}, headers=manager)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"

    assert client.post(url, json={"action": "ready"}).status_code == 401
    stock_only = token(backend, shop, "boss", "stock:read")
    assert client.post(url, json={"action": "ready"}, headers=stock_only).status_code == 403
    bad = client.post(url, json={"action": "teleport"}, headers=manager)
    assert bad.status_code == 422
    gone = client.post(
        "/api/v1/orders/999999/transitions", json={"action": "ready"}, headers=manager
    )
    assert gone.status_code == 404
    with backend.read_uow() as uow:
        actions = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_kind == "order")
        ).all()
    assert "order.ready" in actions
    assert "order.cancelled" in actions or "order.cancel" in actions
