"""The effectiveness report model: figures, days in the shop's zone, cashiers (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from posapp.services.coupons.report_model import (
    CampaignFact,
    EffectivenessData,
    RedemptionFact,
    build_effectiveness,
    rate_text,
)

LONDON = ZoneInfo("Europe/London")


def fact(
    campaign: int, code: int, order: int, cashier: int, at: datetime, off: int, net: int
) -> RedemptionFact:
    return RedemptionFact(campaign, code, order, cashier, at, off, net)


def data(*facts: RedemptionFact) -> EffectivenessData:
    return EffectivenessData(
        from_day=date(2026, 3, 28),
        to_day=date(2026, 3, 30),
        zone=LONDON,
        generated_at=datetime(2026, 3, 31, 12, tzinfo=UTC),
        campaigns=(
            CampaignFact(1, "Spring", "percent", 1000, datetime(2026, 3, 1, tzinfo=UTC), None, 8),
            CampaignFact(2, "Fiver", "fixed", 500, datetime(2026, 3, 1, tzinfo=UTC), None, 1),
        ),
        redemptions=facts,
        cashier_names={7: "Sam", 8: "Alex"},
        orders_without=3,
        revenue_without_minor=1000,
    )


def test_figures_days_and_cashiers() -> None:
    facts = (
        # 23:30 UTC on 28 March is still 28 March in London (GMT) ...
        fact(1, 11, 100, 7, datetime(2026, 3, 28, 23, 30, tzinfo=UTC), 100, 900),
        # ... but 23:30 UTC on 29 March is 00:30 on 30 March (BST, after the change).
        fact(1, 12, 101, 8, datetime(2026, 3, 29, 23, 30, tzinfo=UTC), 200, 1800),
        fact(2, 20, 101, 8, datetime(2026, 3, 29, 23, 30, tzinfo=UTC), 500, 1800),
        fact(2, 20, 102, 7, datetime(2026, 3, 30, 9, 0, tzinfo=UTC), 500, 2501),
        fact(9, 99, 103, 7, datetime(2026, 3, 30, 9, 0, tzinfo=UTC), 999, 999),  # not in report
    )
    report = build_effectiveness(data(*facts))
    overall = report.overall
    assert (overall.codes_issued, overall.codes_redeemed, overall.redemptions) == (9, 3, 4)
    assert overall.discount_minor == 1300
    assert (overall.orders, overall.revenue_minor) == (3, 900 + 1800 + 2501)  # order 101 once
    assert overall.average_basket_minor == 1734  # 5201 / 3 = 1733.67
    assert rate_text(overall.rate_bp) == "33.33 %"
    assert report.average_without_minor == 333
    spring, fiver = report.campaigns
    assert (spring.figures.redemptions, spring.figures.rate_bp) == (2, 2500)
    assert (fiver.figures.codes_redeemed, fiver.figures.rate_bp, fiver.figures.orders) == (
        1,
        10000,
        2,
    )
    assert fiver.value_text == "5.00 off"
    assert [(d.day.day, d.redemptions, d.discount_minor) for d in report.days] == [
        (28, 1, 100),
        (29, 0, 0),
        (30, 3, 1200),
    ]
    assert [(c.name, c.redemptions) for c in report.cashiers] == [("Alex", 2), ("Sam", 2)]
    assert report.period_text == "Sat 28 Mar 2026 – Mon 30 Mar 2026"


def test_empty_report() -> None:
    report = build_effectiveness(data())
    assert report.overall.redemptions == 0
    assert report.overall.rate_bp == 0
    assert report.overall.average_basket_minor == 0
    assert len(report.days) == 3
    assert report.cashiers == ()
