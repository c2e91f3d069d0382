"""The race figures of the other issues, run together on PostgreSQL by eight register PROCESSES.

- overselling: 8 registers race to sell 100 units: exactly 100 sold, every other attempt refused
  as out of stock, stock never below zero;
- coupon limits: a single-use code under 50 concurrent checkouts is redeemed once; a code limited
  to 10 under 200 concurrent checkouts, exactly 10 times;
- withdrawals: concurrent withdrawals never overdraw beyond the limit; the ledger sums to zero;
- last admin: admins deactivating each other at once always leave exactly one active;
- mixed load: 8 registers selling, returning, transferring, receiving, depositing and withdrawing
  for a fixed time (``POSAPP_PG_LOAD_SECONDS``, 20 s by default), after which every invariant of
  :mod:`tests.reliability.invariants` holds and every acknowledged operation is stored.

Serialization failures and deadlocks are retried within bounds and never reach the cashier:
each register tallies its outcomes by type and only the app's own refusals are allowed. The
figures (sales/s, retries, refusals) are printed in the terminal summary.

The older single-race tests in ``tests/integration`` (test_checkout_race, test_coupon_races,
test_accounts_races, test_races) stay where they are: they run the same races with threads or
two actors; these run them as separate processes, with the shared invariants.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from posapp.models import Order, User
from posapp.services.backend import Backend
from posapp.services.staff import users
from tests.integration.accounts_support import PIN, check_ledger
from tests.integration.accounts_support import make_world as accounts_world
from tests.reliability.figures import env_int
from tests.reliability.figures import report as report_figure
from tests.reliability.invariants import assert_invariants
from tests.reliability.operations import EXPECTED_REFUSALS
from tests.reliability.pg import registers as reg
from tests.reliability.pg.pool import REGISTERS, Registers
from tests.reliability.pg.shop import (
    REGISTER_NAMES,
    Totals,
    campaign_code,
    code_uses,
    lowest_running_level,
    one_product_shop,
    open_tills,
)
from tests.reliability.world import build_world

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)]

LOAD_SECONDS = env_int("POSAPP_PG_LOAD_SECONDS", local=20, ci=20)
# Two registers may pick the same order to return: the second is told it is refunded already.
MIXED_REFUSALS = EXPECTED_REFUSALS | {"IllegalTransitionError"}


def record(title: str, text: str) -> None:
    """One figure for the reliability summary."""
    report_figure(f"PostgreSQL {title}: {text}")


def _orders(backend: Backend) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Order)) or 0)


def test_eight_registers_sell_exactly_the_stock(backend: Backend, registers: Registers) -> None:
    units, attempts, price = 100, 15, 1_20  # 120 attempts for 100 units
    shop = one_product_shop(backend, units=units, price=price)
    open_tills(backend, shop.cashier, shop.store_id, REGISTER_NAMES)
    product_id = shop.products["race"]
    tallies = registers.run(
        reg.sell_units,
        [
            {
                "name": name,
                "cashier": shop.cashier,
                "product_id": product_id,
                "price": price,
                "attempts": attempts,
            }
            for name in REGISTER_NAMES
        ],
    )
    totals = Totals(tallies)
    record("overselling (100 units, 8 registers x 15 attempts)", totals.describe())
    assert totals.errors == Counter()
    assert totals.done == Counter({"sale": units})
    assert totals.refused == Counter({"sale: InsufficientStockError": REGISTERS * attempts - units})
    assert lowest_running_level(backend, shop.store_id, product_id) == 0
    report = assert_invariants(backend.database.engine, totals.acknowledged())
    assert report.counts["orders"] == units


@pytest.mark.parametrize(
    ("checkouts", "usage_limit", "threads"),
    [pytest.param(50, None, 7, id="single-use-50"), pytest.param(200, 10, 10, id="limit10-200")],
)
def test_coupon_limits_hold_under_concurrent_checkouts(
    backend: Backend, registers: Registers, checkouts: int, usage_limit: int | None, threads: int
) -> None:
    price = 10_00
    shop = one_product_shop(backend, units=checkouts, price=price)
    open_tills(backend, shop.cashier, shop.store_id, REGISTER_NAMES)
    admin = shop.staff["admin"]
    if usage_limit is None:  # a campaign of single-use codes, one code generated
        code, expected = campaign_code(backend, admin), 1
    else:  # one shared code, limited to ``usage_limit`` uses
        code = campaign_code(
            backend, admin, shared_code="TEN-ONLY", usage_limit=usage_limit, single_use=False
        )
        expected = usage_limit
    share = [checkouts // REGISTERS + (n < checkouts % REGISTERS) for n in range(REGISTERS)]
    tallies = registers.run(
        reg.sell_with_code,
        [
            {
                "name": name,
                "cashier": shop.cashier,
                "product_id": shop.products["race"],
                "total": price - price // 10,
                "code": code,
                "checkouts": count,
                "threads": min(threads, count),
            }
            for name, count in zip(REGISTER_NAMES, share, strict=True)
        ],
    )
    totals = Totals(tallies)
    record(f"coupon limit {expected} under {checkouts} concurrent checkouts", totals.describe())
    assert totals.errors == Counter()
    assert totals.done == Counter({"sale": expected})
    assert totals.refused == Counter({"sale: CouponRefused": checkouts - expected})
    assert code_uses(backend, code) == expected
    report = assert_invariants(backend.database.engine, totals.acknowledged())
    assert report.counts["redemptions"] == expected
    assert report.counts["orders"] == expected


def test_concurrent_withdrawals_never_overdraw(backend: Backend, registers: Registers) -> None:
    world = accounts_world(backend)
    account = world.open(overdraft=5_00)
    world.deposit(account.id, 15_00)
    attempts = 4  # 8 x 4 = 32 withdrawals of 2.50 against 15.00 + 5.00 overdraft: 8 can be paid
    tallies = registers.run(
        reg.withdraw_units,
        [
            {
                "name": name,
                "cashier": world.cashier,
                "account_id": account.id,
                "store_id": world.store_id,
                "pin": PIN,
                "amount": 2_50,
                "attempts": attempts,
            }
            for name in REGISTER_NAMES
        ],
    )
    totals = Totals(tallies)
    record("withdrawals (15.00 + 5.00 overdraft, 32 x 2.50)", totals.describe("withdrawal"))
    assert totals.errors == Counter()
    assert totals.done == Counter({"withdrawal": 8})
    assert totals.refused == Counter({"withdrawal: InsufficientFundsError": 24})
    assert world.balance(account.id) == -5_00
    check_ledger(backend.read_uow())
    assert_invariants(backend.database.engine)


def test_admins_deactivating_each_other_leave_exactly_one(
    backend: Backend, registers: Registers
) -> None:
    admins = [
        users.add_user(backend.uow(), None, f"admin{n}", "correct horse battery", "admin")
        for n in range(REGISTERS)
    ]
    ids = [a.id for a in admins]
    rounds, done, refused = 5, Counter[str](), Counter[str]()
    survivors: Counter[str] = Counter()
    for _ in range(rounds):
        for admin in admins:
            users.set_active(backend.uow(), None, admin.id, True)
        tallies = registers.run(
            reg.deactivate,
            [
                {
                    "name": REGISTER_NAMES[n],
                    "actor": admin,
                    "targets": [ids[(n + k) % REGISTERS] for k in range(1, REGISTERS)],
                }
                for n, admin in enumerate(admins)
            ],
        )
        totals = Totals(tallies)
        assert totals.errors == Counter()
        assert totals.refusal_types() <= {"ConflictError", "SessionEndedError"}
        done.update(totals.done)
        refused.update(totals.refused)
        with backend.read_uow() as uow:
            active = uow.session.scalars(
                select(User.username).where(User.role == "admin", User.active.is_(True))
            ).all()
        assert len(active) == 1, active
        survivors[active[0]] += 1
    record(
        f"last admin ({REGISTERS} admins each deactivating the 7 others, {rounds} rounds)",
        f"deactivations {dict(done)}, refusals {dict(refused)}, survivor per round "
        f"{dict(survivors)}",
    )
    assert_invariants(backend.database.engine)


def test_mixed_load_keeps_every_invariant(backend: Backend, registers: Registers) -> None:
    world = build_world(backend, accounts=4)
    cashier = world.staff(backend)["cashier"]
    open_tills(backend, cashier, world.store_id, REGISTER_NAMES)
    tallies = registers.run(
        reg.mixed_load,
        [
            {"name": name, "world": world, "seconds": LOAD_SECONDS, "seed": 1000 + n}
            for n, name in enumerate(REGISTER_NAMES)
        ],
    )
    totals = Totals(tallies)
    record(f"mixed load ({LOAD_SECONDS} s; POSAPP_PG_LOAD_SECONDS for longer)", totals.describe())
    assert totals.errors == Counter(), totals.errors
    assert totals.refusal_types() <= MIXED_REFUSALS, totals.refused
    assert totals.done["sale"] > 0
    acknowledged = totals.acknowledged()
    report = assert_invariants(backend.database.engine, acknowledged)
    assert report.counts["orders"] == len(acknowledged.orders)  # no order nobody was told of
    record("mixed load, database after", str(report.counts))
