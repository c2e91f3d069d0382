"""Fixtures of the API tests: a shop with staff and tokens, and the real server over it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from posapp.api import ApiConfig, create_app
from posapp.services.backend import Backend
from posapp.services.catalog import ProductDraft, archive_product, create_category, create_product
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import add_user, create_token
from posapp.services.stock import StockLine, StoreInput, create_store, receive_stock
from posapp.services.stock.stores import set_store_active
from tests.api.server import Running, serving

PW = "correct horse battery"


@dataclass
class Shop:
    """The staff and their tokens (secrets) of a test shop."""

    users: dict[str, UserDTO]
    tokens: dict[str, str]


@pytest.fixture
def shop(backend: Backend) -> Shop:
    """root (admin), boss (manager), till (cashier, PIN only) and tokens:

    ``admin`` (users:read users:write), ``admin_read`` (users:read), ``manager`` (both scopes).
    """
    root = add_user(backend.uow(), None, "root", PW, "admin")
    staff = {
        "root": root,
        "boss": add_user(backend.uow(), root, "boss", PW, "manager"),
        "till": add_user(backend.uow(), root, "till", "4321", "cashier"),
    }
    both = ["users:read", "users:write"]
    tokens = {
        "admin": create_token(backend.uow(), None, root.id, both).secret,
        "admin_read": create_token(backend.uow(), None, root.id, ["users:read"]).secret,
        "manager": create_token(backend.uow(), None, staff["boss"].id, both).secret,
    }
    return Shop(staff, tokens)


@pytest.fixture
def api_config() -> ApiConfig:
    """The limits the server starts with (tests override this fixture to tighten them)."""
    return ApiConfig()


@pytest.fixture
def server(backend: Backend, shop: Shop, api_config: ApiConfig) -> Iterator[Running]:
    """The real API server over ``backend`` (with ``shop`` in it)."""
    with serving(create_app(backend, api_config), backend) as running:
        yield running


@pytest.fixture
def client(server: Running) -> Iterator[httpx.Client]:
    """An HTTP client for the server, without a token."""
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


WORDS = ["Apple", "Banana", "Cherry", "apple pie", "Date", "Elder", "fig", "Grape"]


@dataclass
class Catalog:
    """The ids of a small public catalog."""

    fruit: int
    food: int
    drinks: int
    products: list[int]
    archived: int
    store: int
    other_store: int
    warehouse: int
    closed: int


@pytest.fixture
def catalog(backend: Backend, shop: Shop) -> Catalog:
    """45 active products in three categories, one archived, two storefronts, a warehouse and
    a closed store, with stock in some of them."""
    root = shop.users["root"]
    food = create_category(backend.uow(), root, "Food")
    fruit = create_category(backend.uow(), root, "Fruit", food.id)
    drinks = create_category(backend.uow(), root, "Drinks")
    ids = []
    for n in range(45):
        category = (fruit.id, food.id, drinks.id)[n % 3]
        draft = ProductDraft(
            sku=f"SKU-{n:03}",
            name=f"{WORDS[n % len(WORDS)]} {n}",
            price_minor=100 + n,
            cost_minor=50,
            category_id=category,
        )
        ids.append(create_product(backend.uow(), root, draft).id)
    gone = create_product(
        backend.uow(), root, ProductDraft(sku="GONE", name="Apple gone", price_minor=5)
    )
    archive_product(backend.uow(), root, gone.id)
    stores = [
        create_store(backend.uow(), root, StoreInput(code, name, kind)).id
        for code, name, kind in [
            ("S1", "Alpha store", "store"),
            ("S2", "Beta store", "store"),
            ("W1", "Warehouse", "warehouse"),
            ("S3", "Closed store", "store"),
        ]
    ]
    receive_stock(backend.uow(), root, stores[0], [StockLine(ids[0], 7)], reference="r1")
    receive_stock(backend.uow(), root, stores[2], [StockLine(ids[0], 99)], reference="r2")
    set_store_active(backend.uow(), root, stores[3], False)
    return Catalog(fruit.id, food.id, drinks.id, ids, gone.id, *stores)
