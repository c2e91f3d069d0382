"""The customers' view of the stores: open storefronts and what they have on the shelf.

No acting user (a customer is nobody the staff tables know): these reads are safe by what they
return, the public fields of active storefronts only (never a warehouse, a reorder level or a
ledger), like :mod:`posapp.services.catalog.public`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from posapp.models import StockLevel, Store
from posapp.models.stores import StoreKind
from posapp.services.platform.errors import NotFoundError
from posapp.services.platform.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class PublicStore:
    """An open storefront: where a customer may collect an order."""

    id: int
    code: str
    name: str
    address: str
    phone: str


@dataclass(frozen=True, slots=True)
class Availability:
    """How many units of a product one storefront has on hand."""

    store_id: int
    on_hand: int


def _storefronts(uow: UnitOfWork) -> list[PublicStore]:
    rows = uow.session.execute(
        select(Store.id, Store.code, Store.name, Store.address, Store.phone)
        .where(Store.active.is_(True), Store.kind == StoreKind.STORE.value)
        .order_by(Store.name, Store.id)
    ).all()
    return [PublicStore(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]


def public_stores(uow: UnitOfWork) -> list[PublicStore]:
    """The active storefronts by name (warehouses and closed stores are not listed)."""
    with uow:
        return _storefronts(uow)


def public_availability(
    uow: UnitOfWork, product_ids: Sequence[int], store_id: int | None = None
) -> dict[int, list[Availability]]:
    """Per product: its units on hand at every open storefront (or at ``store_id`` alone).

    A storefront that never held the product shows 0, so every product lists every store.

    Raises:
        NotFoundError: ``store_id`` is not an open storefront.
    """
    with uow:
        stores = [s.id for s in _storefronts(uow)]
        if store_id is not None:
            if store_id not in stores:
                raise NotFoundError(f"No store with id {store_id}.")
            stores = [store_id]
        held: dict[tuple[int, int], int] = {}
        if product_ids and stores:
            rows = uow.session.execute(
                select(StockLevel.product_id, StockLevel.store_id, StockLevel.on_hand).where(
                    StockLevel.product_id.in_(list(product_ids)),
                    StockLevel.store_id.in_(stores),
                )
            )
            held = {(int(p), int(s)): int(n) for p, s, n in rows}
        return {p: [Availability(s, held.get((p, s), 0)) for s in stores] for p in product_ids}
