"""The demo's coupon campaigns: a welcome code, last winter's codes and this spring's codes."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from posapp.demo.shop import Customer, Shop
from posapp.services.coupons import (
    FIXED,
    PERCENT,
    CampaignDraft,
    code_ids,
    codes_page,
    create_campaign,
    end_due_campaigns,
    generate_codes,
)

WELCOME_CODE = "WELCOME5"
_SPRING_CODES, _WINTER_CODES = 200, 50
_WELCOME_MIN_MINOR, _WINTER_MIN_MINOR = 2000, 1000
_P_WELCOME, _P_COUPON = 0.5, 0.07
_WINTER_DAYS_LEFT = 6
"""Winter's campaign runs out this many days into the sales; spring's starts then."""


def schedule_coupons(shop: Shop) -> None:
    """Plan the campaigns: the manager creates each before it starts, with its codes."""
    first = shop.first_day
    winter_ends = shop.local(first + timedelta(days=_WINTER_DAYS_LEFT), 0)
    welcome = CampaignDraft(
        name="Welcome 5",
        kind=FIXED,
        value=500,
        starts_at=shop.local(first - timedelta(days=60), 0),
        description="5.00 off a first basket of 20.00 or more.",
        min_spend_minor=_WELCOME_MIN_MINOR,
        usage_limit=500,
        per_customer_limit=1,
        single_use_codes=False,
    )
    winter = CampaignDraft(
        name="Winter Warmers 10%",
        kind=PERCENT,
        value=1000,
        starts_at=shop.local(first - timedelta(days=45), 0),
        ends_at=winter_ends,
        description="10 % off baskets of 10.00 or more, all winter.",
        min_spend_minor=_WINTER_MIN_MINOR,
    )
    spring = CampaignDraft(
        name="Spring 15%",
        kind=PERCENT,
        value=1500,
        starts_at=winter_ends,
        ends_at=shop.local(shop.today + timedelta(days=30), 0),
        description="15 % off the whole basket, at most 50.00; one code per basket.",
        max_discount_minor=5000,
    )
    timeline = shop.timeline
    timeline.at(welcome.starts_at - timedelta(hours=15), partial(_welcome, shop, welcome))
    timeline.at(winter.starts_at - timedelta(hours=14), partial(_codes, shop, winter, "WINTER"))
    # Spring's codes are printed before the first day of sales, to be handed out when it starts.
    spring_made = shop.local(first - timedelta(days=1), 16)
    timeline.at(spring_made, partial(_codes, shop, spring, "SPRING"))
    timeline.at(winter_ends, partial(_end_due, shop))


def _welcome(shop: Shop, draft: CampaignDraft) -> None:
    create_campaign(shop.uow(), shop.manager, draft, shared_code=WELCOME_CODE)
    shop.coupons.welcome = WELCOME_CODE
    shop.coupons.campaigns += 1
    shop.coupons.count += 1


def _codes(shop: Shop, draft: CampaignDraft, prefix: str) -> None:
    """Create a campaign of single-use codes, generate them, and hand them out (read them back)."""
    campaign = create_campaign(shop.uow(), shop.manager, draft)
    count = _WINTER_CODES if prefix == "WINTER" else _SPRING_CODES
    generate_codes(shop.uow(), shop.manager, campaign.id, count, prefix=prefix)
    ids = code_ids(shop.read_uow(), shop.manager, campaign.id)
    texts = [code.code for code in codes_page(shop.read_uow(), shop.manager, ids)]
    (shop.coupons.winter if prefix == "WINTER" else shop.coupons.spring).extend(texts)
    shop.coupons.campaigns += 1
    shop.coupons.count += len(texts)


def _end_due(shop: Shop) -> None:
    """What the application does every few minutes: campaigns past their end are ended."""
    end_due_campaigns(shop.uow())


def handed_over(shop: Shop, amount_minor: int, customer: Customer | None) -> str:
    """The code a customer hands over with a basket of ``amount_minor``, if any.

    A new customer brings the welcome code until it is used; now and then a customer brings
    one of the running campaign's codes. Customers read the terms: nobody offers a code for a
    basket below its minimum spend.
    """
    rng, coupons = shop.rng, shop.coupons
    new = customer is not None and not customer.welcomed
    if new and amount_minor >= _WELCOME_MIN_MINOR and rng.random() < _P_WELCOME:
        return coupons.welcome
    winter = shop.clock.at < shop.local(shop.first_day + timedelta(days=_WINTER_DAYS_LEFT), 0)
    codes = coupons.winter if winter else coupons.spring
    if not codes or (winter and amount_minor < _WINTER_MIN_MINOR):
        return ""
    return codes[0] if rng.random() < _P_COUPON else ""


def use_up(shop: Shop, code: str) -> None:
    """A single-use code was redeemed: it is nobody's to hand over any more."""
    for codes in (shop.coupons.winter, shop.coupons.spring):
        if code in codes:
            codes.remove(code)
