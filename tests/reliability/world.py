"""A small shop built only through the services, so that every invariant holds from the start.

Stock arrives by ``receive_stock`` (so on-hand equals the stock ledger), accounts are funded by
``deposit`` (so the money ledger balances), and a storefront, a warehouse, a till, three funded
customer accounts and two coupon campaigns (one unlimited, one with few uses) are ready for
checkouts, deposits, withdrawals, coupon redemptions, returns and stock transfers.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from posapp.services.accounts.dto import AccountDraft
from posapp.services.accounts.manage import open_account
from posapp.services.accounts.movements import deposit
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.sales.tills import open_till
from posapp.services.staff.users import find_user
from posapp.services.stock import actions as stock
from posapp.services.stock import stores
from posapp.services.stock.dto import StockLine, StoreInput
from tests.checkout_seed import ITEMS, add_coupon, add_staff, seed_shop

ACCOUNT_PIN = "2468"
START_STOCK = 400
START_BALANCE_MINOR = 100_000
UNLIMITED_CODE = "SPRING-10"
LIMITED_CODE = "FEW-LEFT"
LIMITED_USES = 25


@dataclass(frozen=True, slots=True)
class World:
    """Ids and names a worker needs; saved as JSON for worker processes."""

    register: str
    store_id: int
    warehouse_id: int
    products: dict[str, int]
    accounts: list[tuple[int, str]]
    coupon_codes: list[str]
    admin: str = "root"
    manager: str = "boss"
    cashier: str = "till"

    def save(self, path: Path) -> None:
        """Write the world as JSON."""
        path.write_text(json.dumps(dataclasses.asdict(self)), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> World:
        """Read a world written by :meth:`save`."""
        data = json.loads(path.read_text(encoding="utf-8"))
        data["accounts"] = [tuple(a) for a in data["accounts"]]
        return cls(**data)

    def staff(self, backend: Backend) -> dict[str, UserDTO]:
        """The staff users as DTOs (looked up, no password needed)."""
        return {
            role: find_user(backend.read_uow(), name)
            for role, name in (
                ("admin", self.admin),
                ("manager", self.manager),
                ("cashier", self.cashier),
            )
        }


def build_world(
    backend: Backend, *, accounts: int = 3, more_registers: Sequence[str] = ()
) -> World:
    """Seed ``backend``'s (migrated, empty) database through the services.

    A till is opened on ``backend``'s register and on each of ``more_registers``.
    """
    staff = add_staff(backend)
    admin = staff["admin"]
    shop = seed_shop(
        backend, items=tuple(dataclasses.replace(item, stock=0) for item in ITEMS), staff=staff
    )
    warehouse = stores.create_store(
        backend.uow(), admin, StoreInput("WH", "Back warehouse", kind="warehouse")
    )
    lines = [StockLine(pid, START_STOCK) for pid in shop.products.values()]
    for store_id in (shop.store_id, warehouse.id):
        stock.receive_stock(backend.uow(), admin, store_id, lines, reference="SEED-DELIVERY")
    for register in (backend.register, *more_registers):
        till = Backend(backend.database, register=register)
        open_till(till.uow(), staff["cashier"], shop.store_id, 10_000)
    opened: list[tuple[int, str]] = []
    for n in range(accounts):
        account = open_account(
            backend.uow(),
            admin,
            AccountDraft(f"Holder {n}", f"holder{n}@example.com"),
            ACCOUNT_PIN,
        )
        deposit(
            backend.uow(),
            admin,
            account_id=account.id,
            amount_minor=START_BALANCE_MINOR,
            key=uuid.uuid4(),
            store_id=shop.store_id,
        )
        opened.append((account.id, account.number))
    add_coupon(backend, UNLIMITED_CODE, percent_bp=1000, stacks=True, name="Spring sale")
    add_coupon(
        backend,
        LIMITED_CODE,
        percent_bp=500,
        usage_limit=LIMITED_USES,
        stacks=True,
        name="Few left",
    )
    return World(
        register=backend.register,
        store_id=shop.store_id,
        warehouse_id=warehouse.id,
        products=dict(shop.products),
        accounts=opened,
        coupon_codes=[UNLIMITED_CODE, LIMITED_CODE],
    )
