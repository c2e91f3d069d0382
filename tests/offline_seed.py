"""Sales taken offline for the UI tests and screenshots (#21): a register's till on a real shop.

The cache is filled from the shop, the till sells into a real journal, the server changes meanwhile
(a price, an archived product) and the journal is replayed through ``place_offline_sale``.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import update

from posapp.models import Product
from posapp.services.backend import Backend
from posapp.services.sales.offline import (
    OfflineCache,
    OfflineJournal,
    OfflineSale,
    OfflineTender,
    OfflineTill,
    TenderKind,
    snapshot,
)
from posapp.services.sales.offline.till import OfflineItem
from tests.checkout_seed import CASHIER_PIN, Shop

KEY = bytes(range(32))


def offline_till(backend: Backend, cache_file: Path, journal_file: Path) -> OfflineTill:
    """The register's offline till, its cache filled from the shop now."""
    cache = OfflineCache.open(cache_file)
    cache.apply(snapshot(backend.read_uow(), None))
    return OfflineTill(cache, OfflineJournal.open(journal_file, KEY), backend.register)


def sell_offline(till: OfflineTill, shop: Shop, lines: list[tuple[str, int]]) -> OfflineSale:
    """Ring up ``lines`` (key, quantity) offline, paid in cash; the journalled sale."""
    cashier = till.sign_in("till", CASHIER_PIN)
    items = [OfflineItem(n, shop.products[key], qty) for n, (key, qty) in enumerate(lines, 1)]
    total = till.price(items).total_minor
    receipt = till.take(
        cashier,
        items,
        [OfflineTender(uuid.uuid4(), TenderKind.CASH, total, total + 1000)],
        sale_uuid=uuid.uuid4(),
        expected_total_minor=total,
    )
    return receipt.entry.sale


def change_meanwhile(backend: Backend, shop: Shop, price_minor: int = 1499) -> None:
    """While the register is offline: coffee's price changes, the mug is archived."""
    with backend.uow() as uow:
        uow.session.execute(
            update(Product)
            .where(Product.id == shop.products["coffee"])
            .values(price_minor=price_minor)
        )
        uow.commit()
    backend.catalog.set_archived(
        shop.staff["manager"], shop.products["mug"], True, expected_version=None
    )
