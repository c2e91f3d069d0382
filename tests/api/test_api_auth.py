"""The real API server: tokens, scopes, roles and the audit of every call (issue #22)."""

from __future__ import annotations

from datetime import timedelta

import httpx

from posapp.services.backend import Backend
from posapp.services.staff import AuditFilter, create_token, revoke_token
from tests.api.conftest import Shop, bearer
from tests.api.server import Running

USERS = "/api/v1/users"


def assert_problem(response: httpx.Response, status: int, words: str = "") -> dict[str, object]:
    """``response`` is problem+json with ``status`` (and ``words`` in its detail)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert words in body["detail"]
    assert "Traceback" not in response.text
    return dict(body)


def test_no_token_or_a_wrong_one_is_401(client: httpx.Client) -> None:
    response = client.get(USERS)
    assert_problem(response, 401, "Authorization: Bearer")
    assert response.headers["www-authenticate"] == "Bearer"
    for header in (
        {"Authorization": "Bearer posapp_nothing"},
        {"Authorization": "Basic cm9vdDpwdw=="},
        {"Authorization": "Bearer " + "x" * 5000},
        {"Authorization": "Bearer"},
    ):
        assert_problem(client.get(USERS, headers=header), 401)


def test_revoked_expired_and_deactivated_tokens_are_401(
    client: httpx.Client, backend: Backend, shop: Shop
) -> None:
    root = shop.users["root"]
    revoked = create_token(backend.uow(), None, root.id, ["users:read"])
    revoke_token(backend.uow(), None, revoked.token.id)
    assert_problem(client.get(USERS, headers=bearer(revoked.secret)), 401, "revoked")

    soon = create_token(backend.uow(), None, root.id, ["users:read"], expires_days=1)
    assert client.get(USERS, headers=bearer(soon.secret)).status_code == 200
    start = backend.clock()
    backend.clock = lambda: start + timedelta(days=1, seconds=1)
    assert_problem(client.get(USERS, headers=bearer(soon.secret)), 401, "expired")

    backend.staff.set_active(root, shop.users["boss"].id, False)
    assert_problem(client.get(USERS, headers=bearer(shop.tokens["manager"])), 401)


def test_scopes_are_checked_per_endpoint(client: httpx.Client, shop: Shop) -> None:
    read_only = bearer(shop.tokens["admin_read"])
    assert client.get(USERS, headers=read_only).status_code == 200
    boss = shop.users["boss"].id
    for response in (
        client.post(f"{USERS}/{boss}/deactivate", headers=read_only),
        client.post(f"{USERS}/{boss}/activate", headers=read_only),
        client.put(f"{USERS}/{boss}/role", headers=read_only, json={"role": "cashier"}),
        client.post(
            USERS, headers=read_only, json={"username": "x", "password": "4321", "role": "cashier"}
        ),
    ):
        assert_problem(response, 403, "users:write")


def test_the_role_still_decides_whatever_the_scopes(client: httpx.Client, shop: Shop) -> None:
    manager = bearer(shop.tokens["manager"])
    assert client.get(USERS, headers=manager).status_code == 200  # managers may look
    new = {"username": "temp", "password": "4321", "role": "cashier"}
    assert_problem(client.post(USERS, headers=manager, json=new), 403, "manage users")
    till = shop.users["till"].id
    assert_problem(client.post(f"{USERS}/{till}/deactivate", headers=manager), 403)


def test_every_call_is_audited_with_the_tokens_user(
    client: httpx.Client, server: Running, shop: Shop
) -> None:
    backend, root, boss = server.backend, shop.users["root"], shop.users["boss"]
    client.get(USERS, headers=bearer(shop.tokens["manager"]))
    client.post(f"{USERS}/{boss.id}/deactivate", headers=bearer(shop.tokens["admin_read"]))
    client.post(f"{USERS}/{boss.id}/deactivate", headers=bearer(shop.tokens["admin"]))
    rows = backend.staff.audit_page(root, AuditFilter(action="api."))
    seen = [(r.action, r.user_id, r.after) for r in reversed(rows)]
    assert [(action, user) for action, user, _ in seen] == [
        ("api.call", boss.id),
        ("api.refused", root.id),
        ("api.call", root.id),
    ]
    assert '"path": "/api/v1/users"' in (seen[0][2] or "")
    assert '"method": "POST"' in (seen[2][2] or "")
    change = backend.staff.audit_page(root, AuditFilter(action="user.deactivate"))
    assert [(r.user_id, r.object_id) for r in change] == [(root.id, boss.id)]
    assert backend.staff.verify_audit_chain(root).ok
    everything = backend.staff.audit_page(root, limit=1000)
    for secret in shop.tokens.values():  # the log says which token (its id), never the token
        assert not any(secret in f"{r.before}{r.after}{r.reason}" for r in everything)
