"""The sales report PDF for a date range: totals, a daily chart, by day/method/cashier/product.

Then the margin pages (:mod:`posapp.reports.margin_pages`).
"""

from __future__ import annotations

from datetime import tzinfo
from io import BytesIO
from typing import BinaryIO

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from posapp.formats import date_text, number, short_date_text
from posapp.i18n import N_, _, pgettext
from posapp.money import current_currency
from posapp.reports.margin_pages import margin_story
from posapp.reports.orders_pdf import (
    Margins,
    build_a4,
    figures_band,
    method_header,
    method_row,
    money,
    para,
    styles,
    table,
)
from posapp.reports.pdf_kit import ACCENT, MUTED, RULE, fonts
from posapp.services.sales import SalesReport
from posapp.units import format_quantity

__all__ = ["render_sales_report", "sales_report_pdf", "sales_report_tables"]

MARGINS = Margins(side=18 * mm, top=16 * mm, gap=6 * mm)
CONTENT_WIDTH = A4[0] - 2 * MARGINS.side
KEEP_TOGETHER_ROWS = 30


def sales_report_tables(report: SalesReport) -> dict[str, list[list[str]]]:
    """The report's tables as text rows (header first), decided without reportlab."""
    return {
        N_("Summary"): [
            ["", _("Amount")],
            [_("Orders"), number(report.orders)],
            [_("Gross sales"), money(report.gross_minor)],
            [_("Discounts"), money(-report.discount_minor)],
            [_("Coupons"), money(-report.coupon_minor)],
            [_("Tax"), money(report.tax_minor)],
            [_("Sales"), money(report.sales_minor)],
            [_("Refunds"), money(-report.refunds_minor)],
            [_("Net sales"), money(report.net_minor)],
            [_("Cancelled orders"), number(report.cancelled)],
            [
                _("Gift cards sold ({gift_cards_sold_count}), not in sales").format(
                    gift_cards_sold_count=report.gift_cards_sold_count
                ),
                money(report.gift_cards_sold_minor),
            ],
            [_("Gift cards redeemed"), money(report.gift_cards_redeemed_minor)],
        ],
        N_("By day"): [
            [_("Day"), _("Orders"), _("Sales"), _("Refunds"), _("Net")],
            *[
                [
                    date_text(d.day, long=True),
                    number(d.orders),
                    money(d.sales_minor),
                    money(-d.refunds_minor),
                    money(d.sales_minor - d.refunds_minor),
                ]
                for d in report.days
            ],
            [
                _("Total"),
                number(report.orders),
                money(report.sales_minor),
                money(-report.refunds_minor),
                money(report.net_minor),
            ],
        ],
        N_("By payment method"): [
            list(method_header()),
            *[list(method_row(m)) for m in report.methods],
        ],
        N_("By cashier"): [
            [_("Cashier"), _("Orders"), _("Sales"), pgettext("column", "Average sale")],
            *[
                [c.name, number(c.orders), money(c.sales_minor), money(c.average_minor)]
                for c in report.cashiers
            ],
        ],
        N_("By product"): [
            [_("SKU"), _("Product"), _("Sold"), pgettext("column", "Returned"), _("Sales")],
            *[
                [
                    p.sku,
                    p.name,
                    format_quantity(p.quantity, p.unit),
                    format_quantity(p.returned, p.unit),
                    money(p.sales_minor),
                ]
                for p in report.products
            ],
        ],
    }


def _kpis(report: SalesReport) -> Flowable:
    s = styles()
    average = report.sales_minor // report.orders if report.orders else 0
    figures = [
        (money(report.net_minor), _("Net sales")),
        (number(report.orders), _("Orders")),
        (money(average), _("Average sale")),
        (money(report.refunds_minor), _("Refunds")),
    ]
    cells = [(para(value, s["kpi"]), label) for value, label in figures]
    return figures_band(cells, [CONTENT_WIDTH / 4] * 4)


def _chart(report: SalesReport) -> Flowable:
    """Net sales per day as bars (at most the last 62 days, so bars stay readable)."""
    days = report.days[-62:]
    f = fonts()
    drawing = Drawing(CONTENT_WIDTH, 52 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y = 14 * mm, 8 * mm
    chart.width, chart.height = CONTENT_WIDTH - 16 * mm, 40 * mm
    scale = current_currency().scale  # bar heights in major units (¥, €, KWD); only drawn
    chart.data = [[(d.sales_minor - d.refunds_minor) / scale for d in days] or [0]]
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = f.regular
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labels.fillColor = MUTED
    chart.valueAxis.strokeColor = RULE
    chart.valueAxis.gridStrokeColor = RULE
    chart.valueAxis.visibleGrid = True
    chart.categoryAxis.strokeColor = RULE
    step = max(1, len(days) // 10)
    chart.categoryAxis.categoryNames = [
        short_date_text(d.day) if i % step == 0 else "" for i, d in enumerate(days)
    ] or [""]
    chart.categoryAxis.labels.fontName = f.regular
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.fillColor = MUTED
    chart.barSpacing = 1
    drawing.add(chart)
    return drawing


def render_sales_report(report: SalesReport, out: BinaryIO, *, zone: tzinfo | None = None) -> None:
    """Draw the sales report as an A4 PDF into ``out``."""
    s = styles()
    first, last = (date_text(d, neutral="%d %b %Y") for d in (report.date_from, report.date_to))
    period = f"{first} – {last} · {report.store_name}"
    story: list[Flowable] = [
        para(_("Sales report"), s["title"]),
        para(period, s["subtitle"]),
        Spacer(1, 6 * mm),
        _kpis(report),
        Spacer(1, 4 * mm),
        _chart(report),
    ]
    tables = sales_report_tables(report)
    w = CONTENT_WIDTH
    layout = {
        "Summary": [w * 0.6, w * 0.4],
        "By day": [w * 0.32, w * 0.14, w * 0.18, w * 0.18, w * 0.18],
        "By payment method": [w * 0.32, w * 0.14, w * 0.18, w * 0.18, w * 0.18],
        "By cashier": [w * 0.4, w * 0.16, w * 0.22, w * 0.22],
        "By product": [w * 0.16, w * 0.44, w * 0.1, w * 0.12, w * 0.18],
    }
    for title, rows in tables.items():
        body: list[list[object]] = [list(r) for r in rows]
        numeric_from = 1
        if title == "By product":
            body = [
                [r[0], para(str(r[1]), s["body"]) if i else r[1], *r[2:]]
                for i, r in enumerate(body)
            ]
            numeric_from = 2
        grid = table(body, layout[title], numeric_from=numeric_from, total_row=title == "By day")
        block: list[Flowable] = [para(_(title), s["h2"]), grid]
        if len(rows) < KEEP_TOGETHER_ROWS:
            story.append(KeepTogether(block))
        else:  # a long table breaks across pages, its header repeated
            story += block
    if report.margin is not None:
        story += margin_story(report.margin, CONTENT_WIDTH)
    title = _("Sales {date_from} to {date_to}").format(
        date_from=report.date_from, date_to=report.date_to
    )
    build_a4(out, story, MARGINS, title=title, printed_at=report.generated_at, zone=zone)


def sales_report_pdf(report: SalesReport, *, zone: tzinfo | None = None) -> bytes:
    """The sales report as PDF bytes."""
    buffer = BytesIO()
    render_sales_report(report, buffer, zone=zone)
    return buffer.getvalue()
