"""Shared data for the Stores and Stock tests: staff, three locations and a small catalog.

Products are made directly with the ORM (the catalog service is written in parallel).
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from PIL import Image

from posapp.models import (
    Category,
    MovementKind,
    Product,
    ProductImage,
    StockLevel,
    StockMovement,
    Store,
)
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import users
from posapp.services.stock.ledger import move_stock

PW = "correct horse battery"


@dataclass
class World:
    """Ids of what :func:`build_world` made."""

    backend: Backend
    admin: UserDTO
    manager: UserDTO
    cashier: UserDTO
    shop: int
    market: int
    warehouse: int
    closed: int
    fruit: int
    food: int
    drinks: int
    pear: int
    apple: int
    cheese: int
    cola: int
    old: int

    @property
    def staff(self) -> dict[str, UserDTO]:
        return {"admin": self.admin, "manager": self.manager, "cashier": self.cashier}


def png_bytes(colour: str = "red", size: int = 32) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, "PNG")
    return buffer.getvalue()


def build_world(backend: Backend) -> World:
    admin = users.add_user(backend.uow(), None, "root", PW, "admin", full_name="Ada Admin")
    manager = users.add_user(backend.uow(), None, "boss", PW, "manager", full_name="Max Manager")
    cashier = users.add_user(backend.uow(), None, "till", "4321", "cashier")
    with backend.uow() as uow:
        s = uow.session
        shop = Store(code="HS01", name="Harbour Street", kind="store", address="14 Harbour St")
        market = Store(code="MS02", name="Market Square", kind="store")
        warehouse = Store(code="WH01", name="Central Warehouse", kind="warehouse")
        closed = Store(code="OLD1", name="Old Town", kind="store", active=False)
        food = Category(name="Food")
        drinks = Category(name="Drinks")
        s.add_all([shop, market, warehouse, closed, food, drinks])
        s.flush()
        fruit = Category(name="Fruit", parent_id=food.id)
        s.add(fruit)
        s.flush()

        def product(sku: str, name: str, category: int, **kw: object) -> Product:
            row = Product(
                sku=sku,
                sku_key=sku.upper(),
                name=name,
                category_id=category,
                price_minor=kw.pop("price", 150),
                cost_minor=kw.pop("cost", 90),
                **kw,
            )
            s.add(row)
            return row

        pear = product("FR-PEAR", "Pear", fruit.id, barcode="4006381333931")
        apple = product("FR-APPLE", "Apple", fruit.id, price=99)
        cheese = product("FD-CHEESE", "Cheddar", food.id, sold_by_weight=True, price=1299)
        cola = product("DR-COLA", "Cola 50% off_", drinks.id, price=180)
        old = product("FR-OLD", "Quince", fruit.id, active=False)
        s.flush()
        s.add(
            ProductImage(
                product_id=pear.id,
                storage_name=uuid.uuid4().hex,
                content_type="image/png",
                width=32,
                height=32,
                byte_size=10,
                data=png_bytes("green"),
                thumbnail=png_bytes("green", 16),
            )
        )
        uow.commit()
        return World(
            backend,
            admin,
            manager,
            cashier,
            shop.id,
            market.id,
            warehouse.id,
            closed.id,
            fruit.id,
            food.id,
            drinks.id,
            pear.id,
            apple.id,
            cheese.id,
            cola.id,
            old.id,
        )


def raw_move(
    backend: Backend, store_id: int, product_id: int, quantity: int, kind: MovementKind
) -> int:
    """A movement straight through the core primitive (how orders book sales and returns)."""
    with backend.uow() as uow:
        result = move_stock(
            uow,
            store_id=store_id,
            product_id=product_id,
            quantity=quantity,
            kind=kind,
            batch_uuid=uuid.uuid4(),
            user_id=None,
        )
        uow.commit()
        return result.on_hand


def on_hand(backend: Backend, store_id: int, product_id: int) -> int:
    with backend.read_uow() as uow:
        level = uow.session.get(StockLevel, (store_id, product_id))
        return 0 if level is None else int(level.on_hand)


def ledger_sum(backend: Backend, store_id: int, product_id: int) -> int:
    with backend.read_uow() as uow:
        return int(
            uow.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(StockMovement.quantity), 0)).where(
                    StockMovement.store_id == store_id, StockMovement.product_id == product_id
                )
            )
            or 0
        )


def movement_count(backend: Backend) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(sa.select(sa.func.count()).select_from(StockMovement)) or 0)


def level_snapshot(backend: Backend) -> list[tuple[int, int, int, int, int]]:
    with backend.read_uow() as uow:
        rows = uow.session.execute(
            sa.select(
                StockLevel.store_id,
                StockLevel.product_id,
                StockLevel.on_hand,
                StockLevel.reorder_point,
                StockLevel.reorder_qty,
            ).order_by(StockLevel.store_id, StockLevel.product_id)
        ).all()
        return [tuple(int(v) for v in row) for row in rows]  # type: ignore[misc]
