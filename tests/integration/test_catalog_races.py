"""Two people save the same product at once: exactly one wins, the other gets a conflict."""

from __future__ import annotations

import threading

import pytest

from posapp.services.backend import Backend
from posapp.services.catalog import products as catalog
from posapp.services.platform.errors import ConflictError
from tests.integration.catalog_support import add_staff, draft

ROUNDS = 25


def test_concurrent_saves_of_one_version_never_both_win(backend: Backend) -> None:
    staff = add_staff(backend)
    product = catalog.create_product(backend.uow(), staff["admin"], draft(price=100))
    outcomes = {"won": 0, "conflict": 0}
    lock = threading.Lock()
    for round_number in range(ROUNDS):
        current = catalog.get_product(backend.read_uow(), staff["admin"], product.id)
        barrier = threading.Barrier(2)
        results: list[str] = []

        def save(
            who: str,
            price: int,
            barrier: threading.Barrier = barrier,
            results: list[str] = results,
            version: int = current.version,
        ) -> None:
            barrier.wait()
            try:
                catalog.update_product(
                    backend.uow(),
                    staff[who],
                    product.id,
                    draft(price=price),
                    expected_version=version,
                )
                outcome = f"won:{price}"
            except ConflictError:
                outcome = "conflict"
            with lock:
                results.append(outcome)

        threads = [
            threading.Thread(target=save, args=("admin", 1_000 + round_number)),
            threading.Thread(target=save, args=("manager", 2_000 + round_number)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [r for r in results if r.startswith("won")]
        assert len(winners) == 1, results
        assert results.count("conflict") == 1
        stored = catalog.get_product(backend.read_uow(), staff["admin"], product.id)
        assert stored.version == current.version + 1
        assert f"won:{stored.price_minor}" == winners[0]  # the loser wrote nothing
        outcomes["won"] += 1
        outcomes["conflict"] += 1
    print(f"concurrent saves: {ROUNDS} rounds, {outcomes}")


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_concurrent_creates_with_the_same_sku_leave_one_product(backend: Backend) -> None:
    staff = add_staff(backend)
    for round_number in range(ROUNDS):
        barrier = threading.Barrier(2)
        results: list[str] = []

        def create(
            who: str, sku: str, barrier: threading.Barrier = barrier, results: list[str] = results
        ) -> None:
            barrier.wait()
            try:
                catalog.create_product(backend.uow(), staff[who], draft(sku=sku))
                results.append("created")
            except ConflictError:
                results.append("refused")
            except catalog.FieldError:
                results.append("refused")

        sku = f"RACE-{round_number}"
        threads = [
            threading.Thread(target=create, args=("admin", sku)),
            threading.Thread(target=create, args=("manager", sku.lower())),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == ["created", "refused"]
