"""The coupon effectiveness report model: pure functions over DTOs (no database, no reportlab).

:func:`build_effectiveness` decides every figure, row and series the PDF shows; the loader in
:mod:`posapp.services.coupons.report_data` only fetches facts, and the renderer in
:mod:`posapp.reports.coupon_effectiveness` only draws. Definitions:

* *codes issued*: a campaign's codes (whenever made); *codes redeemed*: those with at least one
  live (not reversed) redemption in the period; *redemption rate* = redeemed / issued.
* *redemptions* and *discount given*: live redemptions in the period (by their time).
* *revenue of orders with a code*: the net total (total less refunds) of the distinct orders
  those redemptions belong to; an order with two stacked codes counts once overall.
* *orders without a code*: sales placed in the period (not drafts, parked, cancelled or fully
  refunded orders) that have no live redemption; their average is the basket without a code.
* Days are the shop's local calendar days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from posapp import formats
from posapp.i18n import N_, _
from posapp.money import BP_PER_UNIT, div_round
from posapp.services.coupons.dto import value_text


@dataclass(frozen=True, slots=True)
class RedemptionFact:
    """One live redemption in the period, with its order's net total."""

    campaign_id: int
    code_id: int
    order_id: int
    cashier_id: int
    redeemed_at: datetime
    discount_minor: int
    order_net_minor: int


@dataclass(frozen=True, slots=True)
class CampaignFact:
    """A campaign in the report."""

    id: int
    name: str
    kind: str
    value: int
    starts_at: datetime
    ends_at: datetime | None
    codes_issued: int
    active: bool = True


@dataclass(frozen=True, slots=True)
class EffectivenessData:
    """Everything the report is computed from."""

    from_day: date
    to_day: date
    """Inclusive."""
    zone: tzinfo
    generated_at: datetime
    campaigns: tuple[CampaignFact, ...]
    redemptions: tuple[RedemptionFact, ...]
    cashier_names: Mapping[int, str]
    orders_without: int
    revenue_without_minor: int
    title: str = N_("Coupon effectiveness")


@dataclass(frozen=True, slots=True)
class Figures:
    """The headline figures of a campaign, or of all of them."""

    codes_issued: int
    codes_redeemed: int
    redemptions: int
    discount_minor: int
    orders: int
    revenue_minor: int

    @property
    def rate_bp(self) -> int:
        """Redemption rate in basis points (codes redeemed per code issued)."""
        if self.codes_issued == 0:
            return 0
        return div_round(self.codes_redeemed * BP_PER_UNIT, self.codes_issued)

    @property
    def average_basket_minor(self) -> int:
        """Average net total of the orders with a code."""
        return div_round(self.revenue_minor, self.orders) if self.orders else 0


@dataclass(frozen=True, slots=True)
class DayRow:
    """Redemptions on one local day."""

    day: date
    redemptions: int
    discount_minor: int


@dataclass(frozen=True, slots=True)
class CashierRow:
    """Redemptions taken by one cashier."""

    cashier_id: int
    name: str
    redemptions: int
    discount_minor: int


@dataclass(frozen=True, slots=True)
class CampaignSection:
    """One campaign's part of the report."""

    campaign_id: int
    name: str
    value_text: str
    validity_text: str
    figures: Figures
    days: tuple[DayRow, ...]
    cashiers: tuple[CashierRow, ...]


@dataclass(frozen=True, slots=True)
class EffectivenessReport:
    """The report, ready to draw."""

    title: str
    period_text: str
    generated_text: str
    from_day: date
    to_day: date
    overall: Figures
    orders_without: int
    revenue_without_minor: int
    campaigns: tuple[CampaignSection, ...]
    days: tuple[DayRow, ...]
    cashiers: tuple[CashierRow, ...]

    @property
    def average_without_minor(self) -> int:
        """Average net total of the orders without a code."""
        return (
            div_round(self.revenue_without_minor, self.orders_without) if self.orders_without else 0
        )


def rate_text(rate_bp: int) -> str:
    """Basis points as a percentage with two decimals: ``12.50 %`` (``12,5 %`` in ``de_DE``)."""
    if formats.current_formats().locale:
        return formats.percent(rate_bp)
    whole, rest = divmod(rate_bp, 100)
    return f"{whole}.{rest:02d} %"


def day_text(day: date) -> str:
    """A calendar day for people: ``Mon 6 Apr 2026`` (``Mo. 06.04.2026`` in ``de_DE``)."""
    return formats.date_text(day, long=True, neutral="%-d %b %Y")


def validity_text(starts_at: datetime, ends_at: datetime | None, zone: tzinfo) -> str:
    """``6 Apr 2026 09:00 – 30 Apr 2026 00:00`` in the shop's zone (the end is exclusive)."""
    start = formats.datetime_text(starts_at, zone=zone, neutral="%d %b %Y %H:%M")
    if ends_at is None:
        return _("from {start}, no end").format(start=start)
    return f"{start} – {formats.datetime_text(ends_at, zone=zone, neutral='%d %b %Y %H:%M')}"


def _figures(issued: int, facts: list[RedemptionFact]) -> Figures:
    orders = {fact.order_id: fact.order_net_minor for fact in facts}
    return Figures(
        codes_issued=issued,
        codes_redeemed=len({fact.code_id for fact in facts}),
        redemptions=len(facts),
        discount_minor=sum(fact.discount_minor for fact in facts),
        orders=len(orders),
        revenue_minor=sum(orders.values()),
    )


_SLOT_SECONDS = 900
"""Every zone's offset changes on a quarter hour, so a 15-minute slot has one local date."""


def _local_day(at: datetime, zone: tzinfo, cache: dict[int, date]) -> date:
    slot = int(at.timestamp()) // _SLOT_SECONDS
    day = cache.get(slot)
    if day is None:
        day = cache[slot] = at.astimezone(zone).date()
    return day


def _days(
    data: EffectivenessData, facts: list[RedemptionFact], cache: dict[int, date]
) -> tuple[DayRow, ...]:
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for fact in facts:
        cell = counts[_local_day(fact.redeemed_at, data.zone, cache)]
        cell[0] += 1
        cell[1] += fact.discount_minor
    rows = []
    day = data.from_day
    while day <= data.to_day:
        count, discount = counts.get(day, (0, 0))
        rows.append(DayRow(day, count, discount))
        day += timedelta(days=1)
    return tuple(rows)


def _cashiers(data: EffectivenessData, facts: list[RedemptionFact]) -> tuple[CashierRow, ...]:
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for fact in facts:
        cell = counts[fact.cashier_id]
        cell[0] += 1
        cell[1] += fact.discount_minor
    rows = [
        CashierRow(cid, data.cashier_names.get(cid, _("user {id}").format(id=cid)), count, discount)
        for cid, (count, discount) in counts.items()
    ]
    return tuple(sorted(rows, key=lambda r: (-r.redemptions, r.name.casefold(), r.cashier_id)))


def build_effectiveness(data: EffectivenessData) -> EffectivenessReport:
    """Compute the report's figures, sections and series from its facts."""
    cache: dict[int, date] = {}
    included = {c.id for c in data.campaigns}
    facts = [f for f in data.redemptions if f.campaign_id in included]
    by_campaign: dict[int, list[RedemptionFact]] = defaultdict(list)
    for fact in facts:
        by_campaign[fact.campaign_id].append(fact)
    sections = tuple(
        CampaignSection(
            campaign_id=c.id,
            name=c.name,
            value_text=value_text(c.kind, c.value),
            validity_text=validity_text(c.starts_at, c.ends_at, data.zone),
            figures=_figures(c.codes_issued, by_campaign[c.id]),
            days=_days(data, by_campaign[c.id], cache),
            cashiers=_cashiers(data, by_campaign[c.id]),
        )
        for c in data.campaigns
    )
    local = data.generated_at.astimezone(data.zone)
    return EffectivenessReport(
        title=_(data.title),
        period_text=f"{day_text(data.from_day)} – {day_text(data.to_day)}",
        generated_text=_("Generated {when} ({zone})").format(
            when=formats.datetime_text(local, zone=data.zone, neutral="%d %b %Y %H:%M"),
            zone=local.tzname(),
        ),
        from_day=data.from_day,
        to_day=data.to_day,
        overall=_figures(sum(c.codes_issued for c in data.campaigns), facts),
        orders_without=data.orders_without,
        revenue_without_minor=data.revenue_without_minor,
        campaigns=sections,
        days=_days(data, facts, cache),
        cashiers=_cashiers(data, facts),
    )
