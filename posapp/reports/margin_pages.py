"""The sales report's margin pages (issue #20), drawn from a ``SalesMargin``.

Revenue, cost of goods sold and margin in all, then by day, category, cashier and product.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak

from posapp.reports.orders_pdf import money, para, styles, table
from posapp.services.sales import MarginRow, SalesMargin

__all__ = ["margin_percent", "margin_story", "margin_tables"]

KEEP_TOGETHER_ROWS = 30
_HEADER = ["Units", "Revenue", "Cost of goods", "Margin", "Margin %"]


def margin_percent(row: MarginRow) -> str:
    """The margin as a percentage of revenue with two decimals (``−3.25 %``; ``–`` for none)."""
    bp = row.margin_bp
    if bp is None:
        return "–"
    sign = "−" if bp < 0 else ""
    whole, part = divmod(abs(bp), 100)
    return f"{sign}{whole}.{part:02d} %"


def _cells(row: MarginRow) -> list[str]:
    return [
        str(row.quantity),
        money(row.revenue_minor),
        money(row.cost_minor),
        money(row.margin_minor),
        margin_percent(row),
    ]


def _grouped(title: str, rows: Sequence[MarginRow], total: MarginRow) -> list[list[str]]:
    return [[title, *_HEADER], *[[r.label, *_cells(r)] for r in rows], ["Total", *_cells(total)]]


def margin_tables(margin: SalesMargin) -> dict[str, list[list[str]]]:
    """The margin pages' tables as text rows (header first, a total last), without reportlab."""
    t = margin.total
    return {
        "Margin": [
            ["", "Amount"],
            ["Sales kept (after returns, tax included)", money(t.sales_minor)],
            ["Tax", money(-t.tax_minor)],
            ["Revenue", money(t.revenue_minor)],
            ["Cost of goods sold", money(-t.cost_minor)],
            ["Margin", money(t.margin_minor)],
            ["Margin % of revenue", margin_percent(t)],
        ],
        "Margin by day": _grouped("Day", margin.days, t),
        "Margin by category": _grouped("Category", margin.categories, t),
        "Margin by cashier": _grouped("Cashier", margin.cashiers, t),
        "Margin by product": [
            ["SKU", "Product", *_HEADER],
            *[[r.key, r.label, *_cells(r)] for r in margin.products],
            ["", "Total", *_cells(t)],
        ],
    }


def margin_story(margin: SalesMargin, width: float) -> list[Flowable]:
    """The margin pages, starting on a page of their own."""
    s = styles()
    story: list[Flowable] = [
        PageBreak(),
        para("Margin", s["title"]),
        para(
            "Revenue is what customers paid for the goods they kept, less tax, after discounts "
            "and coupons; the cost of goods is fixed when they were sold (the store's average "
            "cost then) and taken back for goods returned to stock.",
            s["subtitle"],
        ),
    ]
    numbers = [0.1, 0.15, 0.15, 0.15, 0.11]
    layouts = {
        "Margin": [width * 0.6, width * 0.4],
        "Margin by product": [width * x for x in (0.13, 0.21, 0.08, 0.15, 0.15, 0.15, 0.13)],
    }
    for title, rows in margin_tables(margin).items():
        widths = layouts.get(title) or [width * (1 - sum(numbers))] + [width * x for x in numbers]
        body: list[list[object]] = [list(r) for r in rows]
        numeric_from = 2 if title == "Margin by product" else 1
        if title != "Margin":  # names are people's text: shown literally, wrapped
            col = numeric_from - 1
            last = len(body) - 1
            body = [
                [*r[:col], para(str(r[col]), s["body"]) if 0 < i < last else r[col], *r[col + 1 :]]
                for i, r in enumerate(body)
            ]
        grid = table(body, widths, numeric_from=numeric_from, total_row=title != "Margin")
        block: list[Flowable] = [para(title, s["h2"]), grid]
        if len(rows) < KEEP_TOGETHER_ROWS:
            story.append(KeepTogether(block))
        else:
            story += [CondPageBreak(60), *block]
    return story
