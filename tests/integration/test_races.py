"""Races that only PostgreSQL can show (SQLite serialises writers with BEGIN IMMEDIATE)."""

from __future__ import annotations

import threading

import pytest

from posapp.services.backend import Backend
from posapp.services.platform.errors import ServiceError
from posapp.services.staff import users

PW = "correct horse battery"
ROUNDS = 100


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_two_admins_deactivating_each_other_leave_one_active(backend: Backend) -> None:
    a = users.add_user(backend.uow(), None, "alpha", PW, "admin")
    b = users.add_user(backend.uow(), None, "bravo", PW, "admin")
    outcomes: dict[str, int] = {"both_refused": 0, "one_done": 0}
    for _ in range(ROUNDS):
        users.set_active(backend.uow(), None, a.id, True)
        users.set_active(backend.uow(), None, b.id, True)
        barrier = threading.Barrier(2)
        done: list[str] = []

        def deactivate(
            actor_id: int,
            target_id: int,
            actor: object,
            barrier: threading.Barrier = barrier,
            done: list[str] = done,
        ) -> None:
            barrier.wait()
            try:
                users.set_active(backend.uow(), actor, target_id, False)  # type: ignore[arg-type]
                done.append(f"{actor_id}->{target_id}")
            except ServiceError:
                pass

        threads = [
            threading.Thread(target=deactivate, args=(a.id, b.id, a)),
            threading.Thread(target=deactivate, args=(b.id, a.id, b)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        active_admins = [
            u
            for u in users.list_users(backend.uow(), None, users.UserFilter(role="admin"))
            if u.active
        ]
        assert len(active_admins) >= 1
        assert len(done) <= 1
        outcomes["one_done" if done else "both_refused"] += 1
    print(f"last-admin race: {ROUNDS} rounds, {outcomes}")
