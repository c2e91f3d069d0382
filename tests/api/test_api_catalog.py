"""The public catalog endpoints over the real server: search equals the catalog's, keyset pages
walk everything once, archived products and closed stores stay hidden, bad parameters are
problem+json 4xx, and the per-address rate limit holds them back."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from posapp.api import ApiConfig
from posapp.api.limits import Rate
from posapp.currency import Currency
from posapp.money import set_current_currency
from posapp.services.backend import Backend
from posapp.services.catalog import ProductDraft, archive_product, create_product
from tests.api.conftest import Catalog, Shop


def walk(client: httpx.Client, **params: str | int) -> list[dict[str, Any]]:
    """Every item of a listing, page after page."""
    items: list[dict[str, Any]] = []
    after = None
    while True:
        query = dict(params) | ({"after": after} if after is not None else {})
        page = client.get("/api/v1/catalog/products", params=query)
        assert page.status_code == 200, page.text
        body = page.json()
        items.extend(body["items"])
        after = body["next_after"]
        if after is None:
            return items


def test_search_equals_the_catalog_search(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    """For several texts, the API's pages together list exactly the catalog search's ids."""
    root = shop.users["root"]
    for text in ["apple", "SKU-01", "pie 3", "ap", "12", "nothing-matches", ""]:
        expected = list(backend.catalog.search(root, text).ids)
        got = [item["id"] for item in walk(client, q=text, limit=4)]
        assert got == expected, text
        assert catalog.archived not in got


def test_pages_walk_every_active_product_once(client: httpx.Client, catalog: Catalog) -> None:
    """Browsing by pages of 7 returns the 45 active products once each, no archived one."""
    ids = [item["id"] for item in walk(client, limit=7)]
    assert sorted(ids) == sorted(catalog.products)
    assert len(ids) == len(set(ids))


def test_category_keeps_its_subtree(client: httpx.Client, catalog: Catalog) -> None:
    """Food lists Food's and Fruit's products; Fruit only its own."""
    food = {item["id"] for item in walk(client, category=catalog.food, limit=10)}
    fruit = {item["id"] for item in walk(client, category=catalog.fruit, limit=10)}
    assert fruit == set(catalog.products[0::3])
    assert food == fruit | set(catalog.products[1::3])
    apples = walk(client, q="apple", category=catalog.drinks)
    assert {item["id"] for item in apples} <= set(catalog.products[2::3])


def test_product_shows_price_and_availability_never_cost(
    client: httpx.Client, catalog: Catalog
) -> None:
    """Integer minor units and the currency; stock at open storefronts only; no cost field."""
    set_current_currency(Currency("EUR", 2, "€"))
    first = catalog.products[0]
    body = client.get(f"/api/v1/catalog/products/{first}").json()
    assert body["price"] == {
        "amount_minor": 100,
        "currency": "EUR",
        "digits": 2,
        "tax_rate_bp": 0,
        "tax_included": True,
    }
    assert body["availability"] == [
        {"store_id": catalog.store, "on_hand": 7},
        {"store_id": catalog.other_store, "on_hand": 0},
    ]
    assert "cost" not in str(body)
    assert "version" not in body
    one = client.get(f"/api/v1/catalog/products/{first}", params={"store": catalog.other_store})
    assert one.json()["availability"] == [{"store_id": catalog.other_store, "on_hand": 0}]
    for hidden in (catalog.warehouse, catalog.closed):
        answer = client.get("/api/v1/catalog/products", params={"store": hidden})
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"


def test_archived_unknown_and_huge_ids_are_404(client: httpx.Client, catalog: Catalog) -> None:
    """An archived product reads like an unknown one; an id past 2**63 - 1 is 404, not 500."""
    answers = [
        client.get(f"/api/v1/catalog/products/{product_id}")
        for product_id in (catalog.archived, 999_999, 2**63, 10**30, 0, -5)
    ]
    for answer in answers:
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    assert answers[0].json()["detail"] == f"No product with id {catalog.archived}."


def test_categories_and_stores_are_public(client: httpx.Client, catalog: Catalog) -> None:
    """Categories depth-first; storefronts only, open ones only, public fields only."""
    categories = client.get("/api/v1/catalog/categories").json()["items"]
    assert [c["path"] for c in categories] == ["Drinks", "Food", "Food > Fruit"]
    page = client.get("/api/v1/catalog/categories", params={"offset": 1, "limit": 1}).json()
    assert [c["path"] for c in page["items"]] == ["Food"]
    assert (page["total"], page["next_offset"]) == (3, 2)
    stores = client.get("/api/v1/stores").json()["items"]
    assert [s["code"] for s in stores] == ["S1", "S2"]
    assert set(stores[0]) == {"id", "code", "name", "address", "phone"}


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "x"},
        {"after": "abc"},
        {"after": 2**64},
        {"after": -1},
        {"category": 2**70},
        {"store": "🙂"},
        {"q": "a" * 201},
    ],
)
def test_bad_parameters_are_422_problems(
    client: httpx.Client, catalog: Catalog, params: dict[str, str | int]
) -> None:
    """Out-of-range or mistyped parameters: problem+json 422 naming the parameter."""
    answer = client.get("/api/v1/catalog/products", params=params)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def test_stale_cursor_unknown_category_and_odd_text(client: httpx.Client, catalog: Catalog) -> None:
    """A cursor naming no product, or (in a search) no match, is 422; an unknown category 404;
    odd text still searches."""
    stale_cursors: list[dict[str, str | int]] = [
        {"after": 999_999},
        {"q": "apple", "after": catalog.products[1]},
    ]
    for params in stale_cursors:
        stale = client.get("/api/v1/catalog/products", params=params)
        assert stale.status_code == 422
        assert "cursor" in stale.json()["detail"]
    unknown = client.get("/api/v1/catalog/products", params={"category": 123_456})
    assert unknown.status_code == 404
    for text in ["\x00apple", "%", "_", "' OR 1=1 --", '"', "\u202e", "𝔄pple"]:
        answer = client.get("/api/v1/catalog/products", params={"q": text})
        assert answer.status_code == 200, (text, answer.text)


@pytest.mark.parametrize("api_config", [ApiConfig(address_rate=Rate(burst=5, per_second=0.01))])
@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_public_endpoints_are_rate_limited_per_address(
    client: httpx.Client, catalog: Catalog, api_config: ApiConfig, db_kind: str
) -> None:
    """Without any token, the sixth quick request from one address is a 429 problem."""
    answers = [client.get("/api/v1/catalog/products") for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[-1].headers["retry-after"]
    assert answers[-1].headers["content-type"] == "application/problem+json"


def test_a_browse_cursor_outlives_its_product(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    """Browsing is a keyset on (name, id): archiving the product that ended a page loses
    nothing and repeats nothing."""
    first = client.get("/api/v1/catalog/products", params={"limit": 10}).json()
    archive_product(backend.uow(), shop.users["root"], first["next_after"])
    rest = walk(client, limit=10, after=first["next_after"])
    seen = [item["id"] for item in first["items"]] + [item["id"] for item in rest]
    assert sorted(seen) == sorted(catalog.products)
    assert len(seen) == len(set(seen))


def test_pages_split_products_of_the_same_name(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    """Five products named alike, pages of two: the id breaks the tie, none lost or repeated."""
    root = shop.users["root"]
    same = [
        create_product(backend.uow(), root, ProductDraft(f"TWIN-{n}", "Twin", 10)).id
        for n in range(5)
    ]
    ids = [item["id"] for item in walk(client, limit=2)]
    assert sorted(ids) == sorted(catalog.products + same)
    assert len(ids) == len(set(ids))
