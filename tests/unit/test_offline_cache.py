"""The register's offline cache (#21): filled from the server, read without it.

On both databases: a full read copies the products, staff (with their hashes) and the register's
open till; a catch-up copies only what changed since (an archived product, a new price); the
register then finds products by barcode, SKU and name and checks a log-in against the cached hash,
with the server out of the picture.
"""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from posapp.models import Product
from posapp.services.backend import Backend
from posapp.services.sales.offline.cache import OfflineCache, snapshot
from posapp.services.staff import verify_password
from tests.checkout_seed import CASHIER_PIN, ITEMS, PASSWORD, open_shop


def test_a_full_read_fills_the_cache(backend: Backend, tmp_path: Path) -> None:
    shop = open_shop(backend)
    cache = OfflineCache.open(tmp_path / "cache.sqlite3")
    snap = snapshot(backend.read_uow(), None)
    cache.apply(snap)

    assert cache.counts() == (len(ITEMS), 3)
    assert cache.read_at() == snap.read_at
    coffee = cache.by_code("5012345678900")
    assert coffee is not None
    assert (coffee.id, coffee.name, coffee.price_minor) == (
        shop.products["coffee"],
        "Coffee beans 500 g",
        1299,
    )
    assert cache.by_code(" bev-010 ") == coffee  # SKUs compare as the catalog does
    assert cache.by_code("nothing") is None
    assert [p.name for p in cache.search("an")] == [
        "Bananas (bunch)",
        "Beeswax candle",
        "Coffee beans 500 g",
    ]
    assert cache.search("100%") == []  # a typed % is a character, not a wildcard
    till = cache.till()
    assert till is not None
    assert (till.store_id, till.store_code) == (shop.store_id, "MAIN")
    cashier = cache.staff("  TILL ")
    assert cashier is not None
    assert verify_password(cashier.pin_hash or cashier.password_hash, CASHIER_PIN)
    manager = cache.staff("boss")
    assert manager is not None
    assert verify_password(manager.password_hash, PASSWORD)
    assert not verify_password(manager.password_hash, "wrong")


def test_a_catch_up_takes_only_what_changed(backend: Backend, tmp_path: Path) -> None:
    shop = open_shop(backend)
    with backend.uow() as uow:  # the catalog was last touched an hour ago
        uow.session.execute(update(Product).values(changed_at=uow.now() - timedelta(hours=1)))
        uow.commit()
    cache = OfflineCache.open(tmp_path / "cache.sqlite3")
    first = snapshot(backend.read_uow(), None)
    cache.apply(first)
    backend.catalog.set_archived(
        shop.manager, shop.products["mug"], archived=True, expected_version=None
    )

    later = snapshot(backend.read_uow(), first.read_at)
    assert [p.id for p in later.products] == [shop.products["mug"]]
    cache.apply(later)
    mug = cache.product(shop.products["mug"])
    assert mug is not None
    assert not mug.active
    assert "Enamel mug" not in [p.name for p in cache.search("mug")]
    assert cache.counts() == (len(ITEMS), 3)  # a catch-up keeps what it did not read


def test_the_cache_file_is_private(backend: Backend, tmp_path: Path) -> None:
    open_shop(backend)
    path = tmp_path / "data" / "cache.sqlite3"
    OfflineCache.open(path).apply(snapshot(backend.read_uow(), None))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
