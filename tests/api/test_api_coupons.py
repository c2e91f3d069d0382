"""``POST /api/v1/coupons/validate`` over the real server: the till's saving and the till's refusal
reasons on the same basket, nothing counted, nothing masked revealed, bad baskets 4xx, and its
own per-address limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from posapp.api import ApiConfig
from posapp.api.limits import Rate
from posapp.services.backend import Backend
from posapp.services.catalog import ProductDraft
from posapp.services.coupons import SCOPE_PRODUCTS, CampaignDraft, CouponRefused
from posapp.services.sales import BasketItem
from tests.api.conftest import Catalog, Shop

ANSWER_KEYS = {
    "accepted",
    "code",
    "reason",
    "message",
    "campaign_name",
    "saving_minor",
    "subtotal_minor",
    "total_minor",
    "currency",
    "digits",
    "lines",
    "unavailable",
}


def campaign(backend: Backend, shop: Shop, code: str, **rules: Any) -> int:
    """A campaign with one shared code: 10 % off the whole order from yesterday by default."""
    values: dict[str, Any] = {
        "name": f"Campaign {code}",
        "kind": "percent",
        "value": 1000,
        "starts_at": backend.clock() - timedelta(days=1),
    } | rules
    draft = CampaignDraft(**values)
    return backend.coupons.create_campaign(shop.users["root"], draft, shared_code=code).id


def validate(client: httpx.Client, code: str, lines: list[tuple[int, int]], **more: Any) -> Any:
    body = {"code": code, "lines": [{"product_id": p, "quantity": q} for p, q in lines]} | more
    return client.post("/api/v1/coupons/validate", json=body)


def till_verdict(
    backend: Backend, shop: Shop, code: str, lines: list[tuple[int, int]]
) -> tuple[str, int]:
    """What the register says of ``code`` on the same lines: ("ok", saving) or (reason, 0)."""
    items = []
    for n, (product_id, quantity) in enumerate(lines, start=1):
        product = backend.catalog.public_product(product_id)
        items.append(
            BasketItem(n, product_id, product.category_id, quantity, product.price_minor * quantity)
        )
    try:
        quote = backend.sales.quote_coupon(shop.users["till"], code, items, None)
    except CouponRefused as refused:
        return refused.reason, 0
    return "ok", quote.discount_minor


def test_the_saving_is_the_tills(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    """10 % of 2 x 1.00 + 1 x 1.01 at the till and over the API; spaces and case ignored."""
    campaign(backend, shop, "SPRING10")
    lines = [(catalog.products[0], 2), (catalog.products[1], 1)]
    answer = validate(client, " spring-10 ", lines, store_id=catalog.store)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == ANSWER_KEYS
    assert till_verdict(backend, shop, "SPRING10", lines) == ("ok", 30)
    assert (body["accepted"], body["code"], body["reason"]) == (True, "SPRING10", None)
    assert (body["saving_minor"], body["subtotal_minor"], body["total_minor"]) == (30, 301, 271)
    assert sum(line["coupon_minor"] for line in body["lines"]) == 30
    assert [line["product_id"] for line in body["lines"]] == [p for p, _ in lines]
    again = validate(client, "SPRING10", lines).json()
    assert again["accepted"], "a check counts nothing: a single-use code stays usable"


def test_every_refusal_reason_is_the_tills(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    """Unknown, expired, not yet valid, disabled, minimum, nothing covered, members only."""
    now = backend.clock()
    campaign(backend, shop, "OLD", starts_at=now - timedelta(days=9), ends_at=now - timedelta(1))
    campaign(backend, shop, "LATER", starts_at=now + timedelta(days=3))
    off = campaign(backend, shop, "OFF")
    backend.coupons.set_campaign_active(shop.users["root"], off, False)
    campaign(backend, shop, "BIG", min_spend_minor=100_000)
    others = (catalog.products[5],)
    campaign(backend, shop, "ONLY5", scope=SCOPE_PRODUCTS, product_ids=others)
    campaign(backend, shop, "MEMBERS", per_customer_limit=1)
    lines = [(catalog.products[0], 1)]
    expected = {
        "NOPE-NOPE": "unknown",
        "' OR 1=1--": "unknown",
        "OLD": "expired",
        "LATER": "not_yet_valid",
        "OFF": "disabled",
        "BIG": "minimum_not_reached",
        "ONLY5": "nothing_applies",
        "MEMBERS": "needs_customer",
    }
    for code, reason in expected.items():
        answer = validate(client, code, lines)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert till_verdict(backend, shop, code, lines) == (reason, 0), code
        assert (body["accepted"], body["reason"], body["saving_minor"]) == (False, reason, 0)
        assert body["total_minor"] == body["subtotal_minor"] == 100
        assert body["campaign_name"] == ""  # a refusal names no campaign
        assert "100,000" not in body["message"]
        assert "1000" not in body["message"]


def test_unavailable_products_are_left_out_and_bad_baskets_refused(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    """Archived and unknown products are listed apart; bad quantities, sizes and stores 4xx."""
    campaign(backend, shop, "TEN")
    lines = [(catalog.products[0], 1), (catalog.archived, 1), (999_999, 2)]
    body = validate(client, "TEN", lines).json()
    assert body["unavailable"] == [catalog.archived, 999_999]
    assert [line["product_id"] for line in body["lines"]] == [catalog.products[0]]
    assert body["saving_minor"] == 10
    empty = validate(client, "TEN", []).json()
    assert (empty["accepted"], empty["reason"]) == (False, "nothing_applies")
    bad_bodies: list[Any] = [
        {"code": "TEN", "lines": [{"product_id": catalog.products[0], "quantity": 0}]},
        {"code": "TEN", "lines": [{"product_id": catalog.products[0], "quantity": 1000}]},
        {"code": "TEN", "lines": [{"product_id": 2**63, "quantity": 1}]},
        {"code": "TEN", "lines": [{"product_id": catalog.products[0], "quantity": 1.5}]},
        {"code": "T" * 1000, "lines": []},
        {"code": "", "lines": []},
        {"code": "TEN", "lines": [{"product_id": n + 1, "quantity": 1} for n in range(51)]},
        {"code": "TEN", "lines": [], "extra": 1},
        {"code": "TEN"},
        [],
    ]
    for bad in bad_bodies:
        answer = client.post("/api/v1/coupons/validate", json=bad)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    twice = [(catalog.products[0], 600), (catalog.products[0], 600)]
    answer = validate(client, "TEN", twice)
    assert answer.status_code == 422
    assert "At most 999" in answer.json()["detail"]
    for store in (catalog.warehouse, catalog.closed, 424242):
        answer = validate(client, "TEN", [(catalog.products[0], 1)], store_id=store)
        assert answer.status_code == 404, answer.text


@pytest.mark.parametrize(
    "api_config", [ApiConfig(coupon_rate=Rate(burst=3, per_second=0.001))], ids=["3 tries"]
)
def test_coupon_checks_have_their_own_limit(
    client: httpx.Client, catalog: Catalog, api_config: ApiConfig
) -> None:
    """After 3 checks from one address the 4th is 429 with Retry-After; the catalog still
    answers (its limit is the general one)."""
    for _ in range(3):
        assert validate(client, "GUESS-1", [(catalog.products[0], 1)]).status_code == 200
    refused = validate(client, "GUESS-2", [(catalog.products[0], 1)])
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/catalog/products").status_code == 200


def test_a_weighed_line_is_priced_and_judged_as_checkout_does(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    """0.455 kg at 12.90/kg is 5.87 (one half-even rounding); 10 % of it is 0.59."""
    cheese = backend.catalog.create_product(
        shop.users["root"], ProductDraft(sku="CHZ", name="Cheddar", price_minor=1290, unit="kg")
    ).id
    campaign(backend, shop, "TEN")
    body = validate(client, "TEN", [(cheese, 455)]).json()
    assert (body["subtotal_minor"], body["saving_minor"]) == (587, 59)
