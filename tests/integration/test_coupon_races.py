"""Coupon limits under concurrent checkouts (PostgreSQL: SQLite serialises writers anyway)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from posapp.models import CouponCampaign, CouponCode, CouponRedemption
from posapp.services.backend import Backend
from posapp.services.coupons.generation import generate_codes
from posapp.services.coupons.redemption import CouponRefused, quote_coupon, redeem_coupon
from tests.integration.test_coupon_world import World, make_world

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)]


def race(
    world: World, code: str, orders: list[int], customer_id: int | None = None
) -> Counter[str]:
    """Each thread: its own unit of work, quote + redeem on its own order, then commit."""
    lines = world.basket(("bread", 1))
    barrier = threading.Barrier(len(orders))
    outcome: Counter[str] = Counter()
    lock = threading.Lock()

    def checkout(order_id: int) -> None:
        barrier.wait()
        try:
            with world.backend.uow() as uow:
                quote = quote_coupon(uow, code, lines, customer_account_id=customer_id)
                redeem_coupon(
                    uow,
                    quote,
                    order_id=order_id,
                    customer_account_id=customer_id,
                    cashier_id=world.cashier.id,
                    lines=lines,
                )
                uow.commit()
            result = "redeemed"
        except CouponRefused as exc:
            result = exc.reason
        except Exception as exc:
            result = f"error: {exc!r}"
        with lock:
            outcome[result] += 1

    threads = [threading.Thread(target=checkout, args=(o,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome


def live(world: World, code: str) -> tuple[int, int, int]:
    with world.backend.read_uow() as uow:
        row = uow.session.scalar(select(CouponCode).where(CouponCode.code == code))
        assert row is not None
        campaign = uow.session.get(CouponCampaign, row.campaign_id)
        assert campaign is not None
        redemptions = uow.session.scalar(
            select(func.count()).where(
                CouponRedemption.code_id == row.id, CouponRedemption.reversed_at.is_(None)
            )
        )
        return row.used_count, campaign.used_count, int(redemptions or 0)


def test_single_use_code_under_50_concurrent_checkouts(backend: Backend) -> None:
    world = make_world(backend)
    campaign = world.campaign()
    code = generate_codes(backend.uow(), world.admin, campaign.id, 1).sample[0]
    orders = [world.order(world.basket(("bread", 1))) for _ in range(50)]
    outcome = race(world, code, orders)
    print(f"single-use code, 50 checkouts: {dict(outcome)}")
    assert outcome["redeemed"] == 1
    assert outcome["used_up"] == 49
    assert live(world, code) == (1, 1, 1)


def test_code_limited_to_10_under_200_concurrent_checkouts(backend: Backend) -> None:
    world = make_world(backend)
    world.campaign(usage_limit=10, single_use_codes=False, shared_code="TEN")
    orders = [world.order(world.basket(("bread", 1))) for _ in range(200)]
    outcome = race(world, "TEN", orders)
    print(f"limit 10, 200 checkouts: {dict(outcome)}")
    assert outcome["redeemed"] == 10
    assert outcome["used_up"] == 190
    assert live(world, "TEN") == (10, 10, 10)


def test_per_customer_limit_under_concurrent_checkouts(backend: Backend) -> None:
    world = make_world(backend)
    world.campaign(per_customer_limit=1, single_use_codes=False, shared_code="ONCE")
    customer = world.customers[0]
    orders = [world.order(world.basket(("bread", 1)), customer_id=customer) for _ in range(20)]
    outcome = race(world, "ONCE", orders, customer_id=customer)
    print(f"per-customer limit 1, 20 checkouts: {dict(outcome)}")
    assert outcome["redeemed"] == 1
    assert outcome["already_used_by_customer"] == 19
    assert live(world, "ONCE")[2] == 1
