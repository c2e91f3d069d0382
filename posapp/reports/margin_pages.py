"""The sales report's margin pages (issue #20), drawn from a ``SalesMargin``.

Revenue, cost of goods sold and margin in all, then by day, category, cashier and product.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Spacer

from posapp import formats
from posapp.formats import current_formats
from posapp.i18n import N_, _, pgettext
from posapp.reports.orders_pdf import figures_band, money, para, styles, table
from posapp.services.sales import MarginRow, SalesMargin
from posapp.services.stock import format_quantity

__all__ = ["margin_percent", "margin_story", "margin_tables"]

KEEP_TOGETHER_ROWS = 30
_HEADER = [N_("Revenue"), N_("Cost of goods"), N_("Margin"), N_("Margin %")]


def margin_percent(row: MarginRow) -> str:
    """The margin as a percentage of revenue with two decimals (``−3.25 %``; ``–`` for none).

    In the shop's locale when it has one (``−3,25 %`` in ``de_DE``).
    """
    bp = row.margin_bp
    if bp is None:
        return "–"
    if current_formats().locale:
        return formats.percent(bp, fixed=True).replace("-", "−")
    sign = "−" if bp < 0 else ""
    whole, part = divmod(abs(bp), 100)
    return f"{sign}{whole}.{part:02d} %"


def _cells(row: MarginRow) -> list[str]:
    return [
        money(row.revenue_minor),
        money(row.cost_minor),
        money(row.margin_minor),
        margin_percent(row),
    ]


def _sold(row: MarginRow) -> str:
    return format_quantity(row.quantity, unit=row.unit)


def _grouped(title: str, rows: Sequence[MarginRow], total: MarginRow) -> list[list[str]]:
    return [
        [title, *map(_, _HEADER)],
        *[[r.label, *_cells(r)] for r in rows],
        [_("Total"), *_cells(total)],
    ]


def margin_tables(margin: SalesMargin) -> dict[str, list[list[str]]]:
    """The margin pages' tables as text rows (header first, a total last), without reportlab.

    Units appear by product only (a product counts pieces or weighs kilograms; a day does both).
    """
    t = margin.total
    return {
        N_("From sales to margin"): [
            ["", _("Amount")],
            [_("Sales kept (after returns, tax included)"), money(t.sales_minor)],
            [_("Tax"), money(-t.tax_minor)],
            [_("Revenue"), money(t.revenue_minor)],
            [_("Cost of goods sold"), money(-t.cost_minor)],
            [_("Margin"), money(t.margin_minor)],
            [_("Margin % of revenue"), margin_percent(t)],
        ],
        N_("Margin by day"): _grouped(_("Day"), margin.days, t),
        N_("Margin by category"): _grouped(_("Category"), margin.categories, t),
        N_("Margin by cashier"): _grouped(_("Cashier"), margin.cashiers, t),
        N_("Margin by product"): [
            [pgettext("column", "SKU"), _("Product"), _("Sold"), *map(_, _HEADER)],
            *[[r.key, r.label, _sold(r), *_cells(r)] for r in margin.products],
            ["", _("Total"), "", *_cells(t)],
        ],
    }


def margin_story(margin: SalesMargin, width: float) -> list[Flowable]:
    """The margin pages, starting on a page of their own."""
    s = styles()
    t = margin.total
    story: list[Flowable] = [
        PageBreak(),
        para(_("Margin"), s["title"]),
        para(
            _(
                "Revenue is what customers paid for the goods they kept, less tax, after discounts "
                "and coupons; the cost of goods is fixed when they were sold (the store's average "
                "cost then) and taken back for goods returned to stock."
            ),
            s["subtitle"],
        ),
        Spacer(1, 4 * mm),
        figures_band(
            [
                (para(money(t.revenue_minor), s["kpi"]), _("Revenue")),
                (para(money(t.cost_minor), s["kpi"]), _("Cost of goods sold")),
                (para(money(t.margin_minor), s["kpi"]), _("Margin")),
                (para(margin_percent(t), s["kpi"]), _("Margin % of revenue")),
            ],
            [width / 4] * 4,
        ),
    ]
    numbers = [0.17, 0.17, 0.17, 0.14]
    layouts = {
        "From sales to margin": [width * 0.6, width * 0.4],
        "Margin by product": [width * x for x in (0.13, 0.23, 0.1, 0.15, 0.15, 0.13, 0.11)],
    }
    for title, rows in margin_tables(margin).items():
        widths = layouts.get(title) or [width * (1 - sum(numbers))] + [width * x for x in numbers]
        body: list[list[object]] = [list(r) for r in rows]
        numeric_from = 2 if title == "Margin by product" else 1
        summary = title == "From sales to margin"
        if not summary:  # names are people's text: shown literally, wrapped
            col = numeric_from - 1
            last = len(body) - 1
            body = [
                [*r[:col], para(str(r[col]), s["body"]) if 0 < i < last else r[col], *r[col + 1 :]]
                for i, r in enumerate(body)
            ]
        grid = table(body, widths, numeric_from=numeric_from, total_row=not summary)
        block: list[Flowable] = [para(_(title), s["h2"]), grid]
        if len(rows) < KEEP_TOGETHER_ROWS:
            story.append(KeepTogether(block))
        else:
            story += [CondPageBreak(60), *block]
    return story
