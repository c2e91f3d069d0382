"""The inventory valuation PDF: one store's stock on hand and its value, by category and product."""

from __future__ import annotations

from datetime import tzinfo
from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from posapp.i18n import _
from posapp.reports.orders_pdf import (
    Margins,
    build_a4,
    figures_band,
    local_time,
    money,
    para,
    styles,
    table,
)
from posapp.services.stock import InventoryValuation, ValuationLine, format_quantity
from posapp.units import per_unit

__all__ = ["inventory_pdf", "inventory_tables"]

MARGINS = Margins(side=16 * mm, top=16 * mm, gap=6 * mm)
CONTENT_WIDTH = A4[0] - 2 * MARGINS.side
_WIDTHS = [0.16, 0.4, 0.14, 0.14, 0.16]


def _unit_cost(line: ValuationLine) -> str:
    return money(line.unit_cost_minor) + per_unit(line.unit)


def inventory_tables(report: InventoryValuation) -> list[tuple[str, list[list[str]]]]:
    """Each category's table as text rows, then the summary by category (without reportlab).

    A category's rows are its header, its products and its total.
    """
    header = [_("SKU"), _("Product"), _("On hand"), _("Unit cost"), _("Value")]
    tables: list[tuple[str, list[list[str]]]] = []
    for category in report.categories:
        rows = [header]
        rows += [
            [
                line.sku,
                line.name,
                format_quantity(line.on_hand, unit=line.unit),
                _unit_cost(line),
                money(line.value_minor),
            ]
            for line in category.lines
        ]
        rows.append(
            [
                "",
                _("{category_name} total").format(category_name=category.name),
                "",
                "",
                money(category.value_minor),
            ]
        )
        tables.append((category.name, rows))
    summary = [[_("Category"), _("Products"), _("Value")]]
    summary += [[c.name, str(len(c.lines)), money(c.value_minor)] for c in report.categories]
    summary.append([_("Total"), str(report.products), money(report.value_minor)])
    tables.append((_("By category"), summary))
    return tables


def inventory_pdf(report: InventoryValuation, *, zone: tzinfo | None = None) -> bytes:
    """The inventory valuation as an A4 PDF."""
    s = styles()
    story: list[Flowable] = [
        para(_("Inventory valuation"), s["title"]),
        para(
            _("{store_code} · {store_name} · stock on hand at {generated_at}").format(
                store_code=report.store_code,
                store_name=report.store_name,
                generated_at=local_time(report.generated_at, zone),
            ),
            s["subtitle"],
        ),
        Spacer(1, 6 * mm),
        figures_band(
            [
                (para(money(report.value_minor), s["kpi"]), _("Stock value")),
                (para(str(report.products), s["kpi"]), _("Products in stock")),
                (para(str(len(report.categories)), s["kpi"]), _("Categories")),
            ],
            [CONTENT_WIDTH / 3] * 3,
        ),
        Spacer(1, 2 * mm),
        para(
            _(
                "Unit cost is the store's moving average cost (per kg, m or l for measured goods); "
                "the value is the stock's own, so the totals add up exactly."
            ),
            s["small"],
        ),
    ]
    if not report.categories:
        story.append(para(_("This store holds no stock."), s["body"]))
    w = CONTENT_WIDTH
    for title, rows in inventory_tables(report):
        if title == _("By category"):
            widths = [w * 0.6, w * 0.2, w * 0.2]
            body: list[list[object]] = [list(r) for r in rows]
            numeric_from = 1
        else:
            widths = [w * x for x in _WIDTHS]
            body = [
                [r[0], para(r[1], s["body"]) if 0 < i < len(rows) - 1 else r[1], *r[2:]]
                for i, r in enumerate(rows)
            ]
            numeric_from = 2
        story += [
            para(title, s["h2"]),
            table(body, widths, numeric_from=numeric_from, total_row=True),
        ]
    buffer = BytesIO()
    title = _("Inventory valuation {store_code}").format(store_code=report.store_code)
    build_a4(buffer, story, MARGINS, title=title, printed_at=report.generated_at, zone=zone)
    return buffer.getvalue()
