"""The storefront's checkout over the real server: a pickup order through the web order use case,
once per form (idempotent), refused with the reason when prices changed or no store is chosen,
then found again by number and email."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from posapp.services.backend import Backend
from posapp.services.catalog import ProductDraft
from posapp.services.coupons import CampaignDraft
from tests.api.conftest import Catalog, Shop
from tests.api.test_storefront import post, token_of


def field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, name
    return found.group(1)


def test_a_pickup_order_with_a_coupon_is_placed_once(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    root = shop.users["root"]
    draft = CampaignDraft("Spring", "percent", 1000, backend.clock() - timedelta(days=1))
    backend.coupons.create_campaign(root, draft, shared_code="SPRING10")
    first = catalog.products[0]  # 7 at Alpha store
    token = token_of(client.get(f"/product/{first}").text)
    post(client, "/basket/add", token=token, product_id=str(first), quantity="2")
    post(client, "/basket/coupon", token=token, code="spring10")
    form = client.get("/checkout").text
    assert "Everything in stock" in form
    fields = {
        "token": token,
        "order_key": field(form, "order_key"),
        "expected_total_minor": field(form, "expected_total_minor"),
        "store_id": str(catalog.store),
        "name": "Ada <b>Lovelace</b>",
        "email": "ada@example.com",
        "phone": "",
    }
    assert fields["expected_total_minor"] == "180"
    cookie = client.cookies["posapp_basket"]
    placed = post(client, "/checkout", **fields)
    assert placed.status_code == 200, placed.text
    number = re.search(r"<h1>Order ([^<]+)</h1>", placed.text)
    assert number
    assert "your order is placed" in placed.text
    assert "Alpha store" in placed.text
    assert "Your basket is empty" in client.get("/basket").text
    client.cookies.clear()
    client.cookies.set("posapp_basket", cookie)  # the same form sent again (a double click)
    again = post(client, "/checkout", **fields)
    assert again.status_code == 200, again.text
    assert f"<h1>Order {number[1]}</h1>" in again.text
    client.cookies.clear()
    client.cookies.set("posapp_basket", cookie)
    assert backend.sales.web_order_status(number[1], "ada@example.com").replayed is False
    status = backend.sales.web_order_status(number[1], "ada@example.com")
    assert (status.total_minor, status.coupon_minor) == (180, 20)
    found = post(client, "/order", token=token, number=number[1], email="ada@example.com")
    assert found.status_code == 200
    assert f"Order {number[1]}" in found.text
    wrong = post(client, "/order", token=token, number=number[1], email="eve@example.com")
    assert wrong.status_code == 404
    assert "<b>" not in found.text + placed.text


def test_changed_prices_and_a_missing_store_are_refused_with_the_reason(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    root = shop.users["root"]
    product = backend.catalog.create_product(
        root, ProductDraft(sku="CHG-1", name="Changing", price_minor=500)
    )
    token = token_of(client.get(f"/product/{product.id}").text)
    post(client, "/basket/add", token=token, product_id=str(product.id), quantity="1")
    form = client.get("/checkout").text
    fields = {
        "token": token,
        "order_key": field(form, "order_key"),
        "expected_total_minor": field(form, "expected_total_minor"),
        "name": "Bob",
        "email": "bob@example.com",
    }
    missing = post(client, "/checkout", **fields)
    assert missing.status_code == 422
    assert "Choose the store" in missing.text
    backend.catalog.update_product(
        root,
        product.id,
        ProductDraft(sku="CHG-1", name="Changing", price_minor=650),
        expected_version=product.version,
    )
    changed = post(client, "/checkout", **fields, store_id=str(catalog.store))
    assert changed.status_code == 409, changed.text
    assert 'role="alert"' in changed.text
    assert 'value="Bob"' in changed.text  # what was typed stays
    assert "€6.50" in changed.text or "6.50" in changed.text
