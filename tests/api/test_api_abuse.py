"""Abuse and errors over the real server: rates, sizes, problem+json, CORS, the OpenAPI doc."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from posapp.api import ApiConfig, create_app
from posapp.api.limits import Rate, TokenBuckets
from posapp.services.backend import Backend
from tests.api.conftest import Shop, bearer
from tests.api.server import serving
from tests.api.test_api_auth import USERS, assert_problem

SLOW = Rate(burst=3, per_second=0.001)  # three at once, then one every ~17 minutes


def test_token_bucket_refills_with_time() -> None:
    now = [0.0]
    buckets = TokenBuckets(Rate(burst=2, per_second=1.0), clock=lambda: now[0], max_keys=2)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 1.0]
    now[0] = 0.5
    assert buckets.take("a") == pytest.approx(0.5)
    now[0] = 2.0
    assert buckets.take("a") == 0.0
    buckets.take("b")
    buckets.take("c")  # "a" is forgotten: at most two keys are kept
    assert buckets.take("a") == 0.0


@pytest.mark.parametrize("api_config", [ApiConfig(token_rate=SLOW)])
def test_rate_limit_per_token(client: httpx.Client, shop: Shop, api_config: ApiConfig) -> None:
    admin, other = bearer(shop.tokens["admin"]), bearer(shop.tokens["manager"])
    assert [client.get(USERS, headers=admin).status_code for _ in range(3)] == [200] * 3
    refused = client.get(USERS, headers=admin)
    assert_problem(refused, 429, "Too many")
    assert int(refused.headers["retry-after"]) >= 1
    assert client.get(USERS, headers=other).status_code == 200  # another token has its own


@pytest.mark.parametrize("api_config", [ApiConfig(address_rate=SLOW)])
def test_rate_limit_per_address(client: httpx.Client, shop: Shop, api_config: ApiConfig) -> None:
    statuses = [client.get(USERS).status_code for _ in range(3)]
    assert statuses == [401] * 3  # no token: still counted against the address
    refused = client.get(USERS, headers=bearer(shop.tokens["admin"]))
    assert_problem(refused, 429, "Too many")
    assert "retry-after" in refused.headers


@pytest.mark.parametrize("api_config", [ApiConfig(max_body_bytes=1024)])
def test_request_size_limit(client: httpx.Client, shop: Shop, api_config: ApiConfig) -> None:
    admin = bearer(shop.tokens["admin"])
    big = {"username": "x", "password": "y" * 2000, "role": "cashier"}
    assert_problem(client.post(USERS, headers=admin, json=big), 413, "1,024 bytes")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"username": "x", "password": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'", "role": "cashier"}'

    streamed = client.post(
        USERS, headers=admin | {"content-type": "application/json"}, content=chunks()
    )
    assert_problem(streamed, 413)
    small = {"username": "small", "password": "1234", "role": "cashier"}
    assert client.post(USERS, headers=admin, json=small).status_code == 201


def test_bad_requests_are_problems(client: httpx.Client, shop: Shop) -> None:
    admin = bearer(shop.tokens["admin"])
    broken = client.post(
        USERS, headers=admin | {"content-type": "application/json"}, content=b'{"username": '
    )
    body = assert_problem(broken, 422)
    assert body["errors"]
    assert_problem(client.get("/api/v1/nothing", headers=admin), 404)
    assert_problem(client.delete(USERS, headers=admin), 405)
    assert_problem(client.get("/api/"), 404)  # `/` itself is the storefront (#22)


def test_an_unexpected_error_is_a_generic_500_logged_with_its_detail(
    backend: Backend, shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(backend)

    def boom() -> None:
        raise RuntimeError("secret internals 0xdeadbeef")

    app.add_api_route("/api/v1/boom", boom)
    with (
        caplog.at_level(logging.ERROR, logger="posapp.api"),
        serving(app, backend) as server,
        httpx.Client(base_url=server.url) as http,
    ):
        response = http.get("/api/v1/boom")
    body = assert_problem(response, 500, "Something went wrong")
    assert "deadbeef" not in response.text
    assert "RuntimeError" not in response.text
    logged = [r for r in caplog.records if r.name == "posapp.api"]
    assert [str(body["incident"]) in r.getMessage() for r in logged] == [True]
    assert logged[0].exc_info is not None
    assert "deadbeef" in str(logged[0].exc_info[1])


def test_cors_is_closed_by_default(client: httpx.Client, shop: Shop) -> None:
    origin = {"Origin": "https://evil.example"}
    preflight = client.options(USERS, headers=origin | {"Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    plain = client.get(USERS, headers=origin | bearer(shop.tokens["admin"]))
    assert plain.status_code == 200
    assert "access-control-allow-origin" not in plain.headers
    assert plain.headers["x-content-type-options"] == "nosniff"
    assert plain.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("api_config", [ApiConfig(cors_origins=("https://shop.example",))])
def test_cors_opens_only_to_the_origins_given(
    client: httpx.Client, shop: Shop, api_config: ApiConfig
) -> None:
    ask = {"Access-Control-Request-Method": "GET"}
    allowed = client.options(USERS, headers={"Origin": "https://shop.example"} | ask)
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    other = client.options(USERS, headers={"Origin": "https://evil.example"} | ask)
    assert "access-control-allow-origin" not in other.headers


def test_openapi_document(client: httpx.Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert set(doc["paths"]) == {
        "/api/v1/users",
        "/api/v1/users/{user_id}/activate",
        "/api/v1/users/{user_id}/deactivate",
        "/api/v1/users/{user_id}/role",
        "/api/v1/catalog/products",
        "/api/v1/catalog/products/{product_id}",
        "/api/v1/catalog/categories",
        "/api/v1/catalog/images/{image_id}",
        "/api/v1/coupons/validate",
        "/api/v1/stores",
        "/api/v1/orders",
        "/api/v1/orders/{number}",
        "/api/v1/stores/{store_id}/stock",
        "/api/v1/orders/{order_id}/transitions",
    }
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert client.get("/docs").status_code == 404  # no UI pulling scripts from elsewhere
