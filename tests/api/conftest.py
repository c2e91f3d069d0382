"""Fixtures of the API tests: a shop with staff and tokens, and the real server over it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from posapp.api import ApiConfig, create_app
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import add_user, create_token
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
