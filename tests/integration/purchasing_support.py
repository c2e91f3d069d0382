"""A supplier with two listed products on top of the stock tests' world."""

from __future__ import annotations

from dataclasses import dataclass

from posapp.services.backend import Backend
from posapp.services.purchasing import SupplierInput, SupplierItemInput
from tests.unit.stock_support import World, build_world


@dataclass
class Purchasing:
    world: World
    supplier: int


def build_purchasing(backend: Backend, email: str = "orders@orchard.example") -> Purchasing:
    world = build_world(backend)
    supplier = backend.purchasing.save_supplier(
        world.manager,
        None,
        SupplierInput("Orchard Ltd", "Olga", email, "+44 1234", lead_time_days=3),
    )
    backend.purchasing.set_supplier_items(
        world.manager,
        supplier.id,
        [
            SupplierItemInput(world.pear, "ORC-PEAR", 80),
            SupplierItemInput(world.apple, "ORC-APPLE", 60),
        ],
    )
    return Purchasing(world, supplier.id)
