"""Seeding for the PostgreSQL races (through the services, so every invariant holds at the start),
and the summary of what the register processes did.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import timedelta

from sqlalchemy import select, text

from posapp.models import CouponCode
from posapp.models.base import utcnow
from posapp.services.backend import Backend
from posapp.services.coupons.campaigns import create_campaign
from posapp.services.coupons.dto import CampaignDraft
from posapp.services.coupons.generation import generate_codes
from posapp.services.platform.dto import UserDTO
from posapp.services.sales.tills import open_till
from posapp.services.stock import actions as stock
from posapp.services.stock.dto import StockLine
from tests.checkout_seed import Item, Shop, seed_shop
from tests.reliability.invariants import Acknowledged
from tests.reliability.pg.registers import Tally

REGISTER_NAMES = tuple(f"register-{n}" for n in range(8))


def one_product_shop(backend: Backend, *, units: int, price: int, sku: str = "RACE-1") -> Shop:
    """A storefront selling one untaxed product, ``units`` of it received (a stock movement)."""
    item = Item("race", sku, None, "Limited edition mug", "Home", price, 0, True, stock=0)
    shop = seed_shop(backend, items=(item,))
    stock.receive_stock(
        backend.uow(),
        shop.staff["admin"],
        shop.store_id,
        [StockLine(shop.products["race"], units)],
        reference="RACE-DELIVERY",
    )
    return shop


def open_tills(backend: Backend, cashier: UserDTO, store_id: int, names: Iterable[str]) -> None:
    """Open a till on each register (checkout needs one on the register it runs at)."""
    for name in names:
        open_till(Backend(backend.database, register=name).uow(), cashier, store_id, 0)


def campaign_code(
    backend: Backend,
    admin: UserDTO,
    *,
    shared_code: str = "",
    usage_limit: int | None = None,
    single_use: bool = True,
) -> str:
    """A running 10 % campaign; its shared code, or the one generated (single-use) code."""
    draft = CampaignDraft(
        name="Race promotion",
        kind="percent",
        value=1000,
        starts_at=utcnow() - timedelta(days=1),
        usage_limit=usage_limit,
        single_use_codes=single_use,
    )
    campaign = create_campaign(backend.uow(), admin, draft, shared_code=shared_code)
    if shared_code:
        return shared_code
    return generate_codes(backend.uow(), admin, campaign.id, 1).sample[0]


def code_uses(backend: Backend, code: str) -> int:
    """The stored use count of a code."""
    with backend.read_uow() as uow:
        row = uow.session.scalar(select(CouponCode).where(CouponCode.code == code))
        assert row is not None
        return row.used_count


def lowest_running_level(backend: Backend, store_id: int, product_id: int) -> int:
    """The lowest on-hand the level ever had, replaying its movements in lock order (id order)."""
    with backend.read_uow() as uow:
        quantities = uow.session.execute(
            text(
                "SELECT quantity FROM stock_movements WHERE store_id = :s AND product_id = :p "
                "ORDER BY id"
            ),
            {"s": store_id, "p": product_id},
        ).scalars()
        level, lowest = 0, 0
        for quantity in quantities:
            level += int(quantity)
            lowest = min(lowest, level)
    return lowest


class Totals:
    """What a set of register tasks did, summed."""

    def __init__(self, tallies: Sequence[Tally]) -> None:
        self.tallies = tallies
        self.done: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.retries: Counter[str] = Counter()
        for tally in tallies:
            self.done.update(tally.done)
            self.refused.update(tally.refused)
            self.errors.update(tally.errors)
            self.retries.update(tally.retries)
        self.seconds = max((t.seconds for t in tallies), default=0.0)

    def acknowledged(self) -> Acknowledged:
        """Every id the registers were told was done."""
        found: dict[str, set[uuid.UUID]] = {
            "sale_uuid": set(),
            "ledger_key": set(),
            "batch": set(),
            "return_uuid": set(),
        }
        for tally in self.tallies:
            for ids in tally.acknowledged:
                for kind, value in ids.items():
                    found[kind].add(uuid.UUID(hex=value))
        return Acknowledged(
            orders=frozenset(found["sale_uuid"]),
            ledger_keys=frozenset(found["ledger_key"]),
            stock_batches=frozenset(found["batch"]),
            returns=frozenset(found["return_uuid"]),
        )

    def refusal_types(self) -> set[str]:
        """The class names of the refusals (``kind: ClassName`` keys)."""
        return {key.split(": ", 1)[1] for key in self.refused}

    def describe(self, unit: str = "sale") -> str:
        """One line of figures: how many done per second, retries, refusals, errors."""
        rate = self.done[unit] / self.seconds if self.seconds else 0.0
        per_register = [t.done[unit] for t in self.tallies]
        return (
            f"{len(self.tallies)} processes, {self.seconds:.1f} s, {rate:.1f} {unit}s/s, "
            f"done {dict(self.done)}, per register {per_register}, "
            f"retries {dict(self.retries) or 0}, refusals {dict(self.refused)}, "
            f"errors {dict(self.errors) or 0}"
        )
