"""Counting a quoted code's use: few statements, no SAVEPOINT, and nothing left by a refusal.

``redeem_coupon`` trusts the quote made in the same transaction and lets its guarded UPDATEs
check what another till (or a manager) can change meanwhile. These tests change each of those
things between the quote and the redemption, on SQLite and PostgreSQL, and check the reason,
that the counts are what they were, and that the caller can still commit.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event, func, select

from posapp.events import CampaignEnded, CouponRedeemed, RecordingPublisher
from posapp.models import CouponCampaign, CouponCode, CouponRedemption
from posapp.services.backend import Backend
from posapp.services.coupons.campaigns import create_campaign, set_campaign_active, set_code_active
from posapp.services.coupons.dto import CampaignDraft
from posapp.services.coupons.generation import generate_codes
from posapp.services.coupons.redemption import (
    BasketLine,
    CouponQuote,
    CouponRefused,
    quote_coupon,
    redeem_coupon,
)
from posapp.services.platform.db import Database
from posapp.services.sales import checkout
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.tills import open_till
from tests.checkout_seed import ITEMS, seed_shop
from tests.integration.notif_till import PRICE_MINOR, ensure_till, seed
from tests.integration.test_coupon_world import World, make_world

COUPON_TABLES = re.compile(r"\bcoupon_(codes|campaigns|redemptions|campaign_\w+)\b")


@pytest.fixture
def world(backend: Backend) -> World:
    return make_world(backend)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL of every statement run on ``engine`` while the block runs."""
    seen: list[str] = []

    def before(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def state(world: World, code: str) -> tuple[int, int, int]:
    """The code's and its campaign's use counts, and the code's live redemptions."""
    return state_of_code(world.backend, code)


def state_of_code(backend: Backend, code: str) -> tuple[int, int, int]:
    """The code's and its campaign's use counts, and the code's live redemptions."""
    with backend.read_uow() as uow:
        row = uow.session.scalar(select(CouponCode).where(CouponCode.code == code))
        assert row is not None
        campaign = uow.session.get(CouponCampaign, row.campaign_id)
        assert campaign is not None
        live = uow.session.scalar(
            select(func.count()).where(
                CouponRedemption.code_id == row.id, CouponRedemption.reversed_at.is_(None)
            )
        )
        return row.used_count, campaign.used_count, int(live or 0)


def redeem_later(
    world: World,
    quote: CouponQuote,
    lines: list[BasketLine],
    order_id: int,
    customer_id: int | None = None,
) -> CouponRefused:
    """Redeem ``quote`` in a new unit of work; expect a refusal, then commit what is left."""
    with world.backend.uow() as uow:
        with pytest.raises(CouponRefused) as info:
            redeem_coupon(
                uow,
                quote,
                order_id=order_id,
                customer_account_id=customer_id,
                cashier_id=world.cashier.id,
                lines=lines,
            )
        uow.commit()  # the caller goes on: the refusal must have left nothing behind
    assert str(info.value).endswith(".")
    return info.value


# -- what it costs ---------------------------------------------------------------------------


def test_quote_is_one_statement_and_redeem_three(world: World) -> None:
    world.campaign(single_use_codes=False, shared_code="CHEAP")
    lines = world.basket(("bread", 2))
    order_id = world.order(lines)
    engine = world.backend.database.engine
    with world.backend.uow() as uow:
        uow.session.connection()
        with statements(engine) as quoting:
            quote = quote_coupon(uow, "cheap", lines, customer_account_id=None)
        with statements(engine) as redeeming:
            redeem_coupon(
                uow,
                quote,
                order_id=order_id,
                customer_account_id=None,
                cashier_id=world.cashier.id,
                lines=lines,
            )
        uow.commit()
    assert len(quoting) == 1
    assert len(redeeming) == 3  # the code, the campaign, the redemption row
    assert not [sql for sql in quoting + redeeming if "SAVEPOINT" in sql.upper()]
    assert state(world, "CHEAP") == (1, 1, 1)


def test_a_customer_limit_costs_one_more_count(world: World) -> None:
    world.campaign(per_customer_limit=2, single_use_codes=False, shared_code="MINE")
    lines = world.basket(("bread", 1))
    customer = world.customers[0]
    order_id = world.order(lines, customer_id=customer)
    engine = world.backend.database.engine
    with world.backend.uow() as uow:
        uow.session.connection()
        with statements(engine) as quoting:
            quote = quote_coupon(uow, "MINE", lines, customer_account_id=customer)
        with statements(engine) as redeeming:
            redeem_coupon(
                uow,
                quote,
                order_id=order_id,
                customer_account_id=customer,
                cashier_id=world.cashier.id,
                lines=lines,
            )
        uow.commit()
    assert len(quoting) == 1  # the customer's uses come with the code
    assert len(redeeming) == 4


def test_a_checkout_with_a_coupon_runs_no_savepoint(backend: Backend) -> None:
    shop = seed(backend)
    ensure_till(backend, shop.cashier, shop.store_id)
    start = backend.clock() - timedelta(days=1)
    draft = CampaignDraft("Half", "percent", 5000, start, single_use_codes=False)
    create_campaign(backend.uow(), shop.admin, draft, shared_code="HALF")
    total = PRICE_MINOR * 2 // 2
    sale = SaleDraft(
        sale_uuid=uuid.uuid4(),
        lines=(DraftLine(1, shop.product_id, 2),),
        payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, total),),
        coupon_codes=("half",),
        expected_total_minor=total,
    )
    with statements(backend.database.engine) as seen:
        placed = checkout.place_order(backend.uow(), shop.cashier, sale)
    assert placed.total_minor == total
    assert not [sql for sql in seen if "SAVEPOINT" in sql.upper()]
    coupons = [sql for sql in seen if COUPON_TABLES.search(sql)]
    assert len(coupons) == 4  # quote 1, redeem 3


# -- changes between the quote and the redemption --------------------------------------------


def test_campaign_disabled_after_the_quote(world: World, publisher: RecordingPublisher) -> None:
    campaign = world.campaign(single_use_codes=False, shared_code="SWITCH")
    lines = world.basket(("bread", 1))
    order_id = world.order(lines)
    quote = world.quote("SWITCH", lines)
    set_campaign_active(world.backend.uow(), world.admin, campaign.id, False)
    publisher.events.clear()
    refused = redeem_later(world, quote, lines, order_id)
    assert refused.reason == "disabled"
    assert "campaign Spring is disabled" in str(refused)
    assert state(world, "SWITCH") == (0, 0, 0)
    assert publisher.events == []


def test_code_disabled_after_the_quote(world: World) -> None:
    world.campaign(single_use_codes=False, shared_code="CODEOFF")
    lines = world.basket(("bread", 1))
    order_id = world.order(lines)
    quote = world.quote("CODEOFF", lines)
    set_code_active(world.backend.uow(), world.admin, quote.code_id, False)
    refused = redeem_later(world, quote, lines, order_id)
    assert refused.reason == "disabled"
    assert str(refused) == "Coupon CODEOFF has been disabled."
    assert state(world, "CODEOFF") == (0, 0, 0)


def test_campaign_ended_after_the_quote(world: World) -> None:
    world.campaign(
        single_use_codes=False, ends_at=world.clock.now + timedelta(seconds=1), shared_code="LATE"
    )
    lines = world.basket(("bread", 1))
    order_id = world.order(lines)
    quote = world.quote("LATE", lines)
    world.clock.advance(seconds=1)  # the end is exclusive
    refused = redeem_later(world, quote, lines, order_id)
    assert refused.reason == "expired"
    assert state(world, "LATE") == (0, 0, 0)


def test_campaign_limit_taken_by_another_till_gives_the_code_use_back(
    world: World, publisher: RecordingPublisher
) -> None:
    # The code has no limit of its own: its guarded UPDATE succeeds, the campaign's refuses.
    world.campaign(usage_limit=1, single_use_codes=False, shared_code="LAST")
    lines = world.basket(("bread", 1))
    order_id = world.order(lines)
    quote = world.quote("LAST", lines)
    world.checkout("LAST", lines)  # another till takes the campaign's last use
    publisher.events.clear()
    refused = redeem_later(world, quote, lines, order_id)
    assert refused.reason == "used_up"
    assert str(refused) == "Coupon LAST is used up: Spring has no uses left."
    assert state(world, "LAST") == (1, 1, 1)  # the other till's use only
    assert publisher.events == []


def test_single_use_code_taken_by_another_till(world: World) -> None:
    world.campaign(single_use_codes=False)
    campaign = world.campaign(name="Single")
    code = generate_codes(world.backend.uow(), world.admin, campaign.id, 1).sample[0]
    lines = world.basket(("bread", 1))
    order_id = world.order(lines)
    quote = world.quote(code, lines)
    world.checkout(code, lines)
    refused = redeem_later(world, quote, lines, order_id)
    assert refused.reason == "used_up"
    assert str(refused) == f"Coupon {code} has just been used up at another till."
    assert state(world, code) == (1, 1, 1)


def test_customer_limit_reached_at_another_till_gives_both_uses_back(world: World) -> None:
    world.campaign(per_customer_limit=1, single_use_codes=False, shared_code="ONLYONE")
    lines = world.basket(("bread", 1))
    customer = world.customers[0]
    order_id = world.order(lines, customer_id=customer)
    quote = world.quote("ONLYONE", lines, customer_id=customer)
    world.checkout("ONLYONE", lines, customer_id=customer)  # the same customer, another till
    refused = redeem_later(world, quote, lines, order_id, customer)
    assert refused.reason == "already_used_by_customer"
    assert str(refused) == "This customer has already used Spring."
    assert state(world, "ONLYONE") == (1, 1, 1)


def test_a_customer_limit_needs_the_customer_at_redemption_too(world: World) -> None:
    world.campaign(per_customer_limit=3, single_use_codes=False, shared_code="KNOWN")
    lines = world.basket(("bread", 1))
    order_id = world.order(lines)
    quote = world.quote("KNOWN", lines, customer_id=world.customers[0])
    refused = redeem_later(world, quote, lines, order_id, None)
    assert refused.reason == "needs_customer"
    assert state(world, "KNOWN") == (0, 0, 0)


def test_the_last_use_ends_the_campaign_once(world: World, publisher: RecordingPublisher) -> None:
    campaign = world.campaign(usage_limit=1, single_use_codes=False, shared_code="FINAL")
    publisher.events.clear()
    order_id, redemption_id, _ = world.checkout("FINAL", world.basket(("bread", 1)))
    assert [type(e) for e in publisher.events] == [CouponRedeemed, CampaignEnded]
    redeemed = publisher.events[0]
    assert isinstance(redeemed, CouponRedeemed)
    assert (redeemed.order_id, redeemed.discount_minor) == (order_id, 30)
    with world.backend.read_uow() as uow:
        row = uow.session.get(CouponRedemption, redemption_id)
        assert row is not None
        assert (row.order_id, row.cashier_id, row.customer_account_id) == (
            order_id,
            world.cashier.id,
            None,
        )
        assert row.redeemed_at == world.clock.now
        ended = uow.session.get(CouponCampaign, campaign.id)
        assert ended is not None
        assert ended.ended_at == world.clock.now


# -- two stacking codes at two tills ---------------------------------------------------------

ROUNDS = 12


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_two_tills_with_two_stacking_codes_in_opposite_orders(
    backend: Backend, database: Database
) -> None:
    # Two stores (their sales do not queue on one order counter or one stock row), two stacking
    # campaigns; one till types X then Y, the other Y then X, at the same moment, again and
    # again. Checkout counts the uses in campaign order, so the row locks cannot deadlock.
    main = seed_shop(backend, items=(ITEMS[0],), code="MAIN")
    east = seed_shop(backend, items=(ITEMS[1],), staff=main.staff, code="EAST")
    start = backend.clock() - timedelta(days=1)
    for name, code in (("X", "XX-10"), ("Y", "YY-10")):
        draft = CampaignDraft(name, "percent", 1000, start, single_use_codes=False, stacks=True)
        create_campaign(backend.uow(), main.staff["admin"], draft, shared_code=code)
    cashier = main.cashier
    tills = []
    for shop, codes in ((main, ("XX-10", "YY-10")), (east, ("YY-10", "XX-10"))):
        till = Backend(database, RecordingPublisher(), register=f"till-{shop.store_id}")
        open_till(till.uow(), cashier, shop.store_id, 10_000)
        product = next(iter(shop.products.values()))
        tills.append((till, product, codes))
    barrier = threading.Barrier(len(tills))
    failures: list[str] = []

    def sell(till: Backend, product_id: int, codes: tuple[str, ...]) -> None:
        for _ in range(ROUNDS):
            barrier.wait(timeout=60)
            sale = SaleDraft(uuid.uuid4(), (DraftLine(1, product_id, 1),), coupon_codes=codes)
            try:
                checkout.place_order(till.uow(), cashier, sale)
            except Exception as exc:
                failures.append(repr(exc))

    threads = [threading.Thread(target=sell, args=till) for till in tills]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == []
    assert state_of_code(backend, "XX-10") == (2 * ROUNDS, 2 * ROUNDS, 2 * ROUNDS)
    assert state_of_code(backend, "YY-10") == (2 * ROUNDS, 2 * ROUNDS, 2 * ROUNDS)
