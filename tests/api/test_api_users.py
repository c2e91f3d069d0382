"""The User API over the real server: the app's own rules, through the same staff facade."""

from __future__ import annotations

import httpx
import pytest

from posapp.services.backend import Backend
from posapp.services.staff import UserFilter
from tests.api.conftest import Shop, bearer
from tests.api.test_api_auth import USERS, assert_problem

LONG = "a long enough password"


@pytest.fixture
def admin(shop: Shop) -> dict[str, str]:
    return bearer(shop.tokens["admin"])


def test_list_is_paginated(client: httpx.Client, admin: dict[str, str]) -> None:
    for n in range(5):
        new = {"username": f"clerk{n}", "password": "1234", "role": "cashier"}
        assert client.post(USERS, headers=admin, json=new).status_code == 201
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = client.get(USERS, headers=admin, params={"limit": 3, "offset": offset}).json()
        assert page["total"] == 8
        assert len(page["items"]) <= 3
        seen += [u["username"] for u in page["items"]]
        offset = page["next_offset"]
    assert seen == sorted(seen)
    assert len(seen) == 8
    only = client.get(USERS, headers=admin, params={"role": "manager"}).json()
    assert [u["username"] for u in only["items"]] == ["boss"]
    assert "password" not in str(only)
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"role": "owner"}):
        assert_problem(client.get(USERS, headers=admin, params=bad), 422)


def test_add_follows_the_apps_rules(
    client: httpx.Client, admin: dict[str, str], backend: Backend, shop: Shop
) -> None:
    def add(username: str, password: str, role: str = "manager") -> httpx.Response:
        body = {"username": username, "password": password, "role": role}
        return client.post(USERS, headers=admin, json=body)

    assert_problem(add("newboss", "short"), 422, "at least 12")
    assert_problem(add("newboss", "1234"), 422)  # a PIN is for cashiers only
    assert_problem(add("ROOT ", LONG), 409, "taken")
    assert_problem(add("r\u043eot", LONG), 409, "looks like")  # a Cyrillic o
    assert_problem(add("a" * 65, LONG), 422)
    created = add("newboss", LONG)
    assert created.status_code == 201
    body = created.json()
    assert (body["username"], body["role"], body["active"]) == ("newboss", "manager", True)
    assert "password" not in created.text
    found = backend.staff.list_users(shop.users["root"], UserFilter(search="newboss"))
    assert [u.id for u in found] == [body["id"]]
    assert_problem(client.post(USERS, headers=admin, json={"username": "x"}), 422)
    extra = {"username": "y", "password": LONG, "role": "admin", "is_root": True}
    assert_problem(client.post(USERS, headers=admin, json=extra), 422)


def test_activate_and_deactivate(client: httpx.Client, admin: dict[str, str], shop: Shop) -> None:
    till = shop.users["till"].id
    off = client.post(f"{USERS}/{till}/deactivate", headers=admin)
    assert off.status_code == 200
    assert off.json()["active"] is False
    on = client.post(f"{USERS}/{till}/activate", headers=admin)
    assert on.json()["active"] is True
    root = shop.users["root"].id
    assert_problem(client.post(f"{USERS}/{root}/deactivate", headers=admin), 422, "yourself")
    assert_problem(client.post(f"{USERS}/999/deactivate", headers=admin), 404, "No user")
    assert_problem(client.post(f"{USERS}/0/deactivate", headers=admin), 422)
    assert_problem(client.post(f"{USERS}/abc/deactivate", headers=admin), 422)


def test_change_role(client: httpx.Client, admin: dict[str, str], shop: Shop) -> None:
    till, boss, root = (shop.users[n].id for n in ("till", "boss", "root"))

    def role(user_id: int, body: dict[str, object]) -> httpx.Response:
        return client.put(f"{USERS}/{user_id}/role", headers=admin, json=body)

    # The last active admin cannot be demoted, even by themselves.
    assert_problem(role(root, {"role": "manager"}), 409, "last active admin")
    # Promoting a PIN-only cashier needs a password, by the new role's rule.
    assert_problem(role(till, {"role": "manager"}), 422, "password")
    assert_problem(role(till, {"role": "manager", "password": "short"}), 422, "12")
    assert_problem(role(boss, {"role": "cashier", "password": LONG}), 422, "new password")
    promoted = role(till, {"role": "manager", "password": LONG})
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "manager"
    assert role(boss, {"role": "admin"}).json()["role"] == "admin"  # boss has a password
    assert role(root, {"role": "manager"}).json()["role"] == "manager"  # no longer the last
    assert_problem(role(boss, {"role": "owner"}), 422)
