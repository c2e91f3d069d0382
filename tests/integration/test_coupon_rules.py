"""Every coupon rule and every refusal reason, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from posapp.events import CampaignEnded, CouponRedeemed, RecordingPublisher
from posapp.models import CouponCampaign, CouponCode, CouponRedemption
from posapp.services.backend import Backend
from posapp.services.coupons.campaigns import (
    add_shared_code,
    end_due_campaigns,
    set_campaign_active,
    set_code_active,
)
from posapp.services.coupons.generation import generate_codes
from posapp.services.coupons.redemption import (
    BasketLine,
    CouponRefused,
    quote_coupon,
    redeem_coupon,
    release_redemptions,
)
from posapp.services.platform import settings
from posapp.services.platform.errors import ConflictError
from posapp.services.platform.zone import SHOP_TIMEZONE_KEY
from tests.integration.test_coupon_world import FakeClock, World, make_world


@pytest.fixture
def world(backend: Backend) -> World:
    return make_world(backend)


def refused(world: World, code: str, lines: list[BasketLine], **kw: object) -> CouponRefused:
    with pytest.raises(CouponRefused) as info:
        world.quote(code, lines, **kw)  # type: ignore[arg-type]
    assert str(info.value).endswith(".")
    assert "Traceback" not in str(info.value)
    return info.value


def counts(world: World, code_id: int) -> tuple[int, int]:
    with world.backend.read_uow() as uow:
        code = uow.session.get(CouponCode, code_id)
        assert code is not None
        campaign = uow.session.get(CouponCampaign, code.campaign_id)
        assert campaign is not None
        return code.used_count, campaign.used_count


# -- discounts -------------------------------------------------------------------------------


def test_percent_of_whole_order_rounds_half_even_and_shares_by_line(world: World) -> None:
    world.campaign(value=1250, shared_code="TAKE12")  # 12.5 %
    lines = world.basket(("apple", 1), ("bread", 1), ("cola", 1))  # 120 + 300 + 199 = 619
    quote = world.quote("take12", lines)
    assert quote.discount_minor == 77  # 77.375 -> 77
    assert sum(quote.line_discounts.values()) == 77
    assert set(quote.line_discounts) <= {1, 2, 3}
    for line in lines:
        assert quote.line_discounts.get(line.line_no, 0) <= line.amount_minor
    assert quote.code == "TAKE12"
    assert quote.campaign_name == "Spring"


def test_fixed_amount_never_exceeds_the_eligible_amount(world: World) -> None:
    world.campaign(kind="fixed", value=500, shared_code="FIVE")
    assert world.quote("FIVE", world.basket(("bread", 3))).discount_minor == 500
    quote = world.quote("FIVE", world.basket(("apple", 1), ("bag", 1)))  # 130
    assert quote.discount_minor == 130
    assert quote.line_discounts == {1: 120, 2: 10}


def test_maximum_discount_caps_the_percent(world: World) -> None:
    world.campaign(value=5000, max_discount_minor=1000, shared_code="HALF")
    assert world.quote("HALF", world.basket(("tv", 1))).discount_minor == 1000
    assert world.quote("HALF", world.basket(("bread", 1))).discount_minor == 150


def test_hundred_percent_is_the_whole_eligible_amount(world: World) -> None:
    world.campaign(value=10_000, shared_code="FREE")
    assert world.quote("FREE", world.basket(("cola", 2))).discount_minor == 398


def test_minimum_spend(world: World) -> None:
    world.campaign(kind="fixed", value=500, min_spend_minor=2000, shared_code="SPEND20")
    error = refused(world, "SPEND20", world.basket(("bread", 6)))  # 18.00
    assert error.reason == "minimum_not_reached"
    assert "20.00" in str(error)
    assert "18.00" in str(error)
    assert world.quote("SPEND20", world.basket(("bread", 7))).discount_minor == 500


def test_products_scope(world: World) -> None:
    apple = world.products["apple"][0]
    world.campaign(scope="products", product_ids=(apple,), shared_code="APPLES")
    lines = world.basket(("bread", 1), ("apple", 5))
    quote = world.quote("APPLES", lines)
    assert quote.discount_minor == 60
    assert quote.line_discounts == {2: 60}
    assert refused(world, "APPLES", world.basket(("bread", 1))).reason == "nothing_applies"


def test_category_scope_covers_subcategories(world: World) -> None:
    world.campaign(scope="categories", category_ids=(world.categories["food"],), shared_code="FOOD")
    lines = world.basket(("apple", 1), ("pear", 1), ("bread", 1), ("cola", 1), ("bag", 1))
    quote = world.quote("FOOD", lines)
    assert set(quote.line_discounts) == {1, 2, 3}  # apples < fruit < food; not drinks, not bag
    assert quote.discount_minor == 67  # 10 % of 670
    world.campaign(
        name="Fruit",
        scope="categories",
        category_ids=(world.categories["fruit"],),
        shared_code="FRUIT",
    )
    assert set(world.quote("FRUIT", lines).line_discounts) == {1, 2}
    error = refused(world, "FRUIT", world.basket(("cola", 1), ("bag", 1)))
    assert error.reason == "nothing_applies"
    assert "Nothing in this sale" in str(error)


def test_zero_total_order_is_refused_clearly(world: World) -> None:
    world.campaign(shared_code="TENOFF")
    world.campaign(name="Min", kind="fixed", value=100, min_spend_minor=1, shared_code="MINONE")
    zero = [BasketLine(1, world.products["bag"][0], None, 1, 0)]
    error = refused(world, "TENOFF", zero)
    assert error.reason == "nothing_applies"
    assert "0.00" in str(error)
    assert refused(world, "TENOFF", []).reason == "nothing_applies"
    assert refused(world, "MINONE", zero).reason == "minimum_not_reached"


def test_a_discount_that_rounds_to_zero_is_refused(world: World) -> None:
    world.campaign(value=1, shared_code="TINY")  # 0.01 %
    assert refused(world, "TINY", world.basket(("bag", 1))).reason == "nothing_applies"


# -- typed codes (BAD_INPUTS) ----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "SUMMER-10",
        "summer-10",
        "Summer10",
        "  summer 10  ",
        "s-u-m-m-e-r-1-0",
        "SUM MER\t10\n",
        "ＳＵＭＭＥＲ１０",
    ],
)
def test_typed_codes_match_whatever_the_case_spaces_and_dashes(world: World, typed: str) -> None:
    world.campaign(shared_code="summer-10")
    assert world.quote(typed, world.basket(("bread", 1))).code == "SUMMER-10"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "X" * 1000,
        "' OR 1=1--",
        "SUMMER10'; DROP TABLE coupon_codes;--",
        "%",
        "_",
        "SUMMER1%",
        "\x00",
    ],
)
def test_bad_codes_are_just_unknown(world: World, typed: str) -> None:
    world.campaign(shared_code="SUMMER10")
    error = refused(world, typed, world.basket(("bread", 1)))
    assert error.reason == "unknown"
    assert len(str(error)) < 120
    assert world.quote("SUMMER10", world.basket(("bread", 1))).discount_minor == 30


# -- validity --------------------------------------------------------------------------------


def test_not_yet_valid_and_expiry_boundaries(world: World) -> None:
    start = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    end = datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    world.campaign(starts_at=start, ends_at=end, shared_code="JUNE")
    lines = world.basket(("bread", 1))
    cases = [
        (start - timedelta(seconds=1), "not_yet_valid"),
        (start, None),
        (end - timedelta(seconds=1), None),
        (end, "expired"),
        (end + timedelta(seconds=1), "expired"),
    ]
    for at, reason in cases:
        world.clock.now = at
        if reason is None:
            assert world.quote("JUNE", lines).discount_minor == 30
        else:
            assert refused(world, "JUNE", lines).reason == reason


def test_expiry_across_a_daylight_saving_change(backend: Backend) -> None:
    # London moves from GMT to BST at 01:00 UTC on 29 March 2026: a campaign "until the end of
    # Sunday 29 March" ends at local midnight, which is 23:00 UTC.
    world = make_world(backend, FakeClock(datetime(2026, 3, 27, 12, tzinfo=UTC)))
    with backend.uow() as uow:
        settings.put_setting(uow, SHOP_TIMEZONE_KEY, "Europe/London")
        uow.commit()
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    start = datetime(2026, 3, 28, 0, 0, tzinfo=london)
    end = datetime(2026, 3, 30, 0, 0, tzinfo=london)
    assert end.astimezone(UTC) == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)
    assert start.astimezone(UTC) == datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
    world.campaign(starts_at=start, ends_at=end, shared_code="CLOCKS")
    lines = world.basket(("bread", 1))
    world.clock.now = datetime(2026, 3, 29, 22, 59, 59, tzinfo=UTC)
    assert world.quote("CLOCKS", lines).discount_minor == 30
    world.clock.now = datetime(2026, 3, 29, 23, 0, 1, tzinfo=UTC)
    error = refused(world, "CLOCKS", lines)
    assert error.reason == "expired"
    assert "30 Mar 2026 00:00" in str(error)  # said in the shop's local time
    world.clock.now = start.astimezone(UTC) - timedelta(seconds=1)
    assert refused(world, "CLOCKS", lines).reason == "not_yet_valid"


def test_disabled_campaign_or_code_is_refused_at_once(world: World) -> None:
    campaign = world.campaign(shared_code="OFF1")
    code = add_shared_code(world.backend.uow(), world.admin, campaign.id, "OFF2")
    lines = world.basket(("bread", 1))
    set_code_active(world.backend.uow(), world.admin, code.id, False)
    assert refused(world, "OFF2", lines).reason == "disabled"
    assert world.quote("OFF1", lines).discount_minor == 30
    set_campaign_active(world.backend.uow(), world.admin, campaign.id, False)
    error = refused(world, "OFF1", lines)
    assert error.reason == "disabled"
    assert "disabled" in str(error)
    set_campaign_active(world.backend.uow(), world.admin, campaign.id, True)
    assert world.quote("OFF1", lines).discount_minor == 30


# -- limits ----------------------------------------------------------------------------------


def test_single_use_code(world: World) -> None:
    campaign = world.campaign()
    result = generate_codes(world.backend.uow(), world.admin, campaign.id, 1, prefix="ONE")
    code = result.sample[0]
    lines = world.basket(("bread", 2))
    world.checkout(code, lines)
    error = refused(world, code, lines)
    assert error.reason == "used_up"
    assert "already been used" in str(error)


def test_total_usage_limit_and_campaign_ended(world: World, publisher: RecordingPublisher) -> None:
    campaign = world.campaign(usage_limit=2, single_use_codes=False, shared_code="TWICE")
    lines = world.basket(("bread", 1))
    world.checkout("TWICE", lines)
    publisher.events.clear()
    order_id, _, _ = world.checkout("TWICE", lines)
    kinds = [type(e) for e in publisher.events]
    assert CouponRedeemed in kinds
    ended = [e for e in publisher.events if isinstance(e, CampaignEnded)]
    assert ended == [CampaignEnded(campaign.id, "used_up", world.clock.now)]
    assert refused(world, "TWICE", lines).reason == "used_up"
    # A cancel gives the use back and the campaign runs again.
    with world.backend.uow() as uow:
        assert release_redemptions(uow, order_id=order_id, user_id=world.admin.id) == 1
        uow.commit()
    with world.backend.read_uow() as uow:
        row = uow.session.get(CouponCampaign, campaign.id)
        assert row is not None
        assert row.ended_at is None
        assert row.used_count == 1
    assert world.quote("TWICE", lines).discount_minor == 30


def test_all_single_use_codes_used_ends_the_campaign(
    world: World, publisher: RecordingPublisher
) -> None:
    campaign = world.campaign()
    result = generate_codes(world.backend.uow(), world.admin, campaign.id, 2)
    world.checkout(result.sample[0], world.basket(("bread", 1)))
    assert not any(isinstance(e, CampaignEnded) for e in publisher.events)
    world.checkout(result.sample[1], world.basket(("bread", 1)))
    assert any(isinstance(e, CampaignEnded) for e in publisher.events)


def test_per_customer_limit(world: World) -> None:
    world.campaign(per_customer_limit=1, single_use_codes=False, shared_code="HELLO")
    lines = world.basket(("bread", 2))
    first, second = world.customers[:2]
    error = refused(world, "HELLO", lines)
    assert error.reason == "needs_customer"
    assert "customer" in str(error)
    world.checkout("HELLO", lines, customer_id=first)
    assert refused(world, "HELLO", lines, customer_id=first).reason == "already_used_by_customer"
    assert world.quote("HELLO", lines, customer_id=second).discount_minor == 60


def test_per_customer_limit_counts_only_live_uses(world: World) -> None:
    world.campaign(per_customer_limit=2, single_use_codes=False, shared_code="TWO")
    lines = world.basket(("bread", 1))
    customer = world.customers[0]
    order_id, _, _ = world.checkout("TWO", lines, customer_id=customer)
    world.checkout("TWO", lines, customer_id=customer)
    error = refused(world, "TWO", lines, customer_id=customer)
    assert error.reason == "already_used_by_customer"
    assert "2 times" in str(error)
    with world.backend.uow() as uow:
        release_redemptions(uow, order_id=order_id, user_id=world.admin.id)
        uow.commit()
    assert world.quote("TWO", lines, customer_id=customer).discount_minor == 30


# -- stacking --------------------------------------------------------------------------------


def test_one_code_per_order_unless_both_stack(world: World) -> None:
    world.campaign(name="A", shared_code="AAA")
    world.campaign(name="B", shared_code="BBB")
    world.campaign(name="C", stacks=True, shared_code="CCC")
    world.campaign(name="D", stacks=True, shared_code="DDD")
    lines = world.basket(("bread", 2))
    error = refused(world, "BBB", lines, other_codes=("aaa",))
    assert error.reason == "does_not_stack"
    assert "AAA" in str(error)
    assert refused(world, "CCC", lines, other_codes=("AAA",)).reason == "does_not_stack"
    assert refused(world, "AAA", lines, other_codes=("CCC",)).reason == "does_not_stack"
    assert world.quote("DDD", lines, other_codes=("CCC",)).discount_minor == 60
    assert world.quote("DDD", lines, other_codes=("NOSUCHCODE",)).discount_minor == 60


def test_the_same_code_twice_on_one_order(world: World) -> None:
    world.campaign(stacks=True, single_use_codes=False, shared_code="TWIN")
    lines = world.basket(("bread", 2))
    error = refused(world, "twin", lines, other_codes=("TWIN",))
    assert error.reason == "does_not_stack"
    assert "already on this sale" in str(error)
    order_id = world.order(lines)
    with world.backend.uow() as uow:
        quote = quote_coupon(uow, "TWIN", lines, customer_account_id=None)
        kw = {"order_id": order_id, "customer_account_id": None, "cashier_id": world.cashier.id}
        redeem_coupon(uow, quote, lines=lines, **kw)  # type: ignore[arg-type]
        with pytest.raises(CouponRefused) as info:
            redeem_coupon(uow, quote, lines=lines, **kw)  # type: ignore[arg-type]
        assert info.value.reason == "does_not_stack"
        uow.commit()
    assert counts(world, quote.code_id) == (1, 1)


def test_two_codes_of_one_campaign_never_stack(world: World) -> None:
    campaign = world.campaign(stacks=True)
    codes = generate_codes(world.backend.uow(), world.admin, campaign.id, 2).sample
    error = refused(world, codes[1], world.basket(("bread", 1)), other_codes=(codes[0],))
    assert error.reason == "does_not_stack"


# -- redeem and release ----------------------------------------------------------------------


def test_redeem_release_redeem(world: World, publisher: RecordingPublisher) -> None:
    campaign = world.campaign()
    code = generate_codes(world.backend.uow(), world.admin, campaign.id, 1).sample[0]
    lines = world.basket(("bread", 1))
    order_id, redemption_id, quote = world.checkout(code, lines)
    assert counts(world, quote.code_id) == (1, 1)
    assert refused(world, code, lines).reason == "used_up"
    with world.backend.uow() as uow:
        assert release_redemptions(uow, order_id=order_id, user_id=world.admin.id) == 1
        assert release_redemptions(uow, order_id=order_id, user_id=world.admin.id) == 0
        uow.commit()
    assert counts(world, quote.code_id) == (0, 0)
    second_order, second_id, _ = world.checkout(code, lines)
    assert second_id != redemption_id
    with world.backend.read_uow() as uow:
        rows = uow.session.scalars(select(CouponRedemption).order_by(CouponRedemption.id)).all()
        assert [(r.order_id, r.reversed_at is not None) for r in rows] == [
            (order_id, True),
            (second_order, False),
        ]
        assert rows[0].reversed_by_id == world.admin.id
        assert rows[0].discount_minor == 30
        assert rows[1].cashier_id == world.cashier.id
    assert counts(world, quote.code_id) == (1, 1)


def test_a_refused_redemption_leaves_nothing_behind(
    world: World, publisher: RecordingPublisher
) -> None:
    campaign = world.campaign()
    code = generate_codes(world.backend.uow(), world.admin, campaign.id, 1).sample[0]
    lines = world.basket(("bread", 1))
    order_id = world.order(lines)
    with world.backend.uow() as uow:
        quote = quote_coupon(uow, code, lines, customer_account_id=None)
    world.checkout(code, lines)  # another till takes the only use
    publisher.events.clear()
    with world.backend.uow() as uow:
        with pytest.raises(CouponRefused) as info:
            redeem_coupon(
                uow,
                quote,
                order_id=order_id,
                customer_account_id=None,
                cashier_id=world.cashier.id,
                lines=lines,
            )
        assert info.value.reason == "used_up"
        uow.commit()  # the checkout goes on without the coupon: nothing of it is written
    assert publisher.events == []
    assert counts(world, quote.code_id) == (1, 1)
    with world.backend.read_uow() as uow:
        assert (
            uow.session.scalar(
                select(CouponRedemption.id).where(CouponRedemption.order_id == order_id)
            )
            is None
        )


def test_redeem_refuses_a_changed_basket(world: World) -> None:
    world.campaign(shared_code="CHANGE", single_use_codes=False)
    lines = world.basket(("bread", 1))
    order_id = world.order(lines)
    with world.backend.uow() as uow:
        quote = quote_coupon(uow, "CHANGE", lines, customer_account_id=None)
        with pytest.raises(ConflictError, match="apply it again"):
            redeem_coupon(
                uow,
                quote,
                order_id=order_id,
                customer_account_id=None,
                cashier_id=world.cashier.id,
                lines=world.basket(("bread", 2)),
            )


def test_redeemed_event_only_after_commit(world: World, publisher: RecordingPublisher) -> None:
    world.campaign(shared_code="EVENT", single_use_codes=False)
    lines = world.basket(("bread", 1))
    order_id = world.order(lines)
    publisher.events.clear()
    with world.backend.uow() as uow:
        quote = quote_coupon(uow, "EVENT", lines, customer_account_id=None)
        redeem_coupon(
            uow,
            quote,
            order_id=order_id,
            customer_account_id=None,
            cashier_id=world.cashier.id,
            lines=lines,
        )
        assert publisher.events == []
        # leaving without commit rolls back
    assert publisher.events == []
    assert counts(world, quote.code_id) == (0, 0)
    world.checkout("EVENT", lines)
    assert [type(e) for e in publisher.events] == [CouponRedeemed]


def test_expired_campaigns_end_once(world: World, publisher: RecordingPublisher) -> None:
    campaign = world.campaign(ends_at=world.clock.now + timedelta(hours=1), shared_code="SOON")
    publisher.events.clear()
    assert end_due_campaigns(world.backend.uow()) == []
    world.clock.advance(hours=1)
    assert end_due_campaigns(world.backend.uow()) == [campaign.id]
    assert end_due_campaigns(world.backend.uow()) == []
    assert publisher.events == [CampaignEnded(campaign.id, "expired", world.clock.now)]
