"""The coupon effectiveness report as PDF: headline figures, tables and reportlab charts.

It draws an :class:`~posapp.services.coupons.report_model.EffectivenessReport` and decides nothing:
every figure comes from the pure report model.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Final

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from posapp.formats import amount, number, short_date_text
from posapp.i18n import N_, _
from posapp.money import current_currency
from posapp.reports.pdf_kit import ACCENT, ACCENT_SOFT, INK, MUTED, RULE, SUBTLE, fit, fonts, markup
from posapp.services.coupons import (
    CampaignSection,
    CashierRow,
    DayRow,
    EffectivenessReport,
    Figures,
    day_text,
    rate_text,
)

TILE: Final = colors.HexColor("#f0f3f7")
"""The figure tiles and table stripes (a shade deeper than the other reports' band)."""
ACCENT_2: Final = colors.HexColor("#f59e0b")
"""The second series of a chart."""
MARGIN: Final = 16 * mm
WIDTH: Final = A4[0] - 2 * MARGIN
CHART_CAMPAIGNS: Final = 10
CHART_CASHIERS: Final = 12


def _styles() -> dict[str, ParagraphStyle]:
    f = fonts()
    base = ParagraphStyle("base", fontName=f.regular, fontSize=9, leading=12, textColor=INK)
    return {
        "base": base,
        "title": ParagraphStyle("title", base, fontName=f.bold, fontSize=20, leading=24),
        "sub": ParagraphStyle("sub", base, textColor=MUTED, fontSize=10, leading=14),
        "h2": ParagraphStyle(
            "h2", base, fontName=f.bold, fontSize=13, leading=17, spaceBefore=10, spaceAfter=6
        ),
        "h3": ParagraphStyle("h3", base, fontName=f.bold, fontSize=10.5, leading=14, spaceAfter=4),
        "muted": ParagraphStyle("muted", base, textColor=MUTED, fontSize=8, leading=10),
        "kpi_label": ParagraphStyle("kl", base, textColor=MUTED, fontSize=7.5, leading=9),
        "kpi_value": ParagraphStyle("kv", base, fontName=f.bold, fontSize=14, leading=17),
        "cell": ParagraphStyle("cell", base, fontSize=8, leading=10),
        "num": ParagraphStyle("num", base, fontSize=8, leading=10, alignment=TA_RIGHT),
    }


def _kpis(items: Sequence[tuple[str, str]], columns: int = 4) -> Table:
    s = _styles()
    cells: list[Any] = [
        [Paragraph(markup(label), s["kpi_label"]), Paragraph(markup(value), s["kpi_value"])]
        for label, value in items
    ]
    cells += [""] * (-len(cells) % columns)
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    table = Table(rows, colWidths=[WIDTH / columns] * columns)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), TILE),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("INNERGRID", (0, 0), (-1, -1), 2, colors.white),
                ("TOPPADDING", (0, 0), (-1, -1), 7),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ("LEFTPADDING", (0, 0), (-1, -1), 9),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _figures_items(figures: Figures) -> list[tuple[str, str]]:
    return [
        (_("Codes issued"), number(figures.codes_issued)),
        (_("Codes redeemed"), number(figures.codes_redeemed)),
        (_("Redemption rate"), rate_text(figures.rate_bp)),
        (_("Redemptions"), number(figures.redemptions)),
        (_("Discount given"), amount(figures.discount_minor)),
        (_("Revenue of orders with a code"), amount(figures.revenue_minor)),
        (_("Orders with a code"), number(figures.orders)),
        (_("Average basket with a code"), amount(figures.average_basket_minor)),
    ]


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    text_columns: Sequence[int] = (0,),
) -> Table:
    s = _styles()
    f = fonts()
    data: list[list[Any]] = [
        [
            Paragraph(f"<b>{markup(h)}</b>", s["cell"] if i in text_columns else s["num"])
            for i, h in enumerate(header)
        ]
    ]
    for row in rows:
        data.append(
            [
                Paragraph(markup(cell), s["cell"] if i in text_columns else s["num"])
                for i, cell in enumerate(row)
            ]
        )
    table = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    style = [
        ("FONTNAME", (0, 0), (-1, 0), f.bold),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    style += [("BACKGROUND", (0, r), (-1, r), TILE) for r in range(2, len(data), 2)]
    table.setStyle(TableStyle(style))
    return table


def _chart_title(drawing: Drawing, title: str, width: float, height: float) -> None:
    f = fonts()
    drawing.add(String(0, height - 12, title, fontName=f.bold, fontSize=9.5, fillColor=INK))
    del width


def _axis_style(chart: Any) -> None:
    f = fonts()
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = f.regular
        axis.labels.fontSize = 7
        axis.labels.fillColor = MUTED
        axis.strokeColor = RULE
    chart.valueAxis.gridStrokeColor = RULE
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.forceZero = True
    chart.valueAxis.visibleAxis = False
    chart.valueAxis.valueMin = 0


def _campaign_chart(sections: Sequence[CampaignSection], width: float) -> Drawing:
    f = fonts()
    height = 62 * mm
    drawing = Drawing(width, height)
    _chart_title(drawing, _("Codes issued vs redeemed"), width, height)
    shown = sorted(sections, key=lambda s: -s.figures.codes_issued)[:CHART_CAMPAIGNS]
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 28, width - 40, height - 62
    chart.data = [
        [s.figures.codes_issued for s in shown] or [0],
        [s.figures.codes_redeemed for s in shown] or [0],
    ]
    chart.categoryAxis.categoryNames = [fit(s.name, f.regular, 7, 60) for s in shown] or [""]
    chart.bars[0].fillColor = ACCENT_SOFT
    chart.bars[0].strokeColor = ACCENT
    chart.bars[1].fillColor = ACCENT
    chart.bars[1].strokeColor = ACCENT
    chart.barSpacing = 1
    chart.groupSpacing = 8
    _axis_style(chart)
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 130, height - 8
    legend.fontName, legend.fontSize = f.regular, 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 60
    legend.colorNamePairs = [(ACCENT_SOFT, _("issued")), (ACCENT, _("redeemed"))]
    drawing.add(legend)
    return drawing


def _basket_chart(report: EffectivenessReport, width: float) -> Drawing:
    height = 62 * mm
    drawing = Drawing(width, height)
    _chart_title(drawing, _("Average basket"), width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 28, width - 50, height - 62
    with_code = report.overall.average_basket_minor
    without = report.average_without_minor
    scale = current_currency().scale  # bar heights in major units; only drawn
    chart.data = [[with_code / scale, without / scale]]
    chart.categoryAxis.categoryNames = [_("with a code"), "without"]
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    chart.bars[(0, 1)].fillColor = ACCENT_2
    chart.barWidth = 18
    chart.valueAxis.labelTextFormat = "%.0f"
    _axis_style(chart)
    chart.barLabelFormat = "%.2f"
    chart.barLabels.fontName = fonts().bold
    chart.barLabels.fontSize = 7.5
    chart.barLabels.nudge = 7
    drawing.add(chart)
    return drawing


def _day_chart(days: Sequence[DayRow], width: float, title: str) -> Drawing:
    height = 58 * mm
    drawing = Drawing(width, height)
    _chart_title(drawing, title, width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 22, width - 40, height - 50
    chart.data = [[d.redemptions for d in days] or [0]]
    step = max(1, len(days) // 10)
    chart.categoryAxis.categoryNames = [
        short_date_text(d.day, neutral="%-d %b") if i % step == 0 else ""
        for i, d in enumerate(days)
    ] or [""]
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    chart.barSpacing = 0
    chart.groupSpacing = 2 if len(days) > 31 else 5  # noqa: PLR2004 - tighter for long ranges
    _axis_style(chart)
    drawing.add(chart)
    return drawing


def _cashier_chart(cashiers: Sequence[CashierRow], width: float) -> Drawing:
    f = fonts()
    shown = list(cashiers[:CHART_CASHIERS])
    height = max(30 * mm, (len(shown) * 7 + 18) * mm / 1.6)
    drawing = Drawing(width, height)
    _chart_title(drawing, _("Redemptions by cashier"), width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 80, 14, width - 95, height - 34
    chart.data = [[c.redemptions for c in reversed(shown)] or [0]]
    chart.categoryAxis.categoryNames = [fit(c.name, f.regular, 7, 75) for c in reversed(shown)] or [
        ""
    ]
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    _axis_style(chart)
    drawing.add(chart)
    return drawing


def _campaign_rows(sections: Sequence[CampaignSection]) -> list[list[str]]:
    return [
        [
            s.name,
            s.value_text,
            number(s.figures.codes_issued),
            number(s.figures.codes_redeemed),
            rate_text(s.figures.rate_bp),
            number(s.figures.redemptions),
            amount(s.figures.discount_minor),
            amount(s.figures.revenue_minor),
            amount(s.figures.average_basket_minor),
        ]
        for s in sections
    ]


_CAMPAIGN_HEADER: Final = (
    N_("Campaign"),
    N_("Offer"),
    N_("Issued"),
    N_("Redeemed"),
    N_("Rate"),
    N_("Uses"),
    N_("Discount"),
    N_("Revenue"),
    N_("Avg basket"),
)
_CAMPAIGN_WIDTHS: Final = tuple(w * mm for w in (30, 19, 15, 23, 19, 13, 20, 22, 17))


def _day_rows(days: Sequence[DayRow]) -> list[list[str]]:
    return [
        [day_text(d.day), number(d.redemptions), amount(d.discount_minor)]
        for d in days
        if d.redemptions
    ]


def _cashier_rows(cashiers: Sequence[CashierRow]) -> list[list[str]]:
    return [[c.name, number(c.redemptions), amount(c.discount_minor)] for c in cashiers]


def _overview(report: EffectivenessReport) -> list[Flowable]:
    s = _styles()
    overall = report.overall
    items = _figures_items(overall)
    items[-1:] = [
        (_("Average basket with a code"), amount(overall.average_basket_minor)),
        (_("Average basket without a code"), amount(report.average_without_minor)),
        (_("Orders without a code"), number(report.orders_without)),
        (_("Revenue without a code"), amount(report.revenue_without_minor)),
        (_("Campaigns"), number(len(report.campaigns))),
    ]
    story: list[Flowable] = [
        Paragraph(markup(report.title), s["title"]),
        Paragraph(markup(report.period_text), s["sub"]),
        Spacer(1, 5 * mm),
        Paragraph(_("Overall"), s["h2"]),
        _kpis(items),
        Spacer(1, 5 * mm),
    ]
    charts = Table(
        [[_campaign_chart(report.campaigns, WIDTH * 0.62), _basket_chart(report, WIDTH * 0.36)]],
        colWidths=[WIDTH * 0.64, WIDTH * 0.36],
    )
    charts.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [charts, Paragraph(_("Campaigns"), s["h2"])]
    if report.campaigns:
        story.append(
            _table(
                [_(h) for h in _CAMPAIGN_HEADER],
                _campaign_rows(report.campaigns),
                _CAMPAIGN_WIDTHS,
                (0, 1),
            )
        )
    else:
        story.append(Paragraph(_("No campaign ran in this period."), s["muted"]))
    return story


def _two_up(rows: list[list[str]]) -> list[list[str]]:
    """Pair rows side by side (left column first) so a long day list takes half the height."""
    half = -(-len(rows) // 2)
    left, right = rows[:half], rows[half:]
    return [a + (right[i] if i < len(right) else ["", "", ""]) for i, a in enumerate(left)]


def _activity(days: Sequence[DayRow], cashiers: Sequence[CashierRow], title: str) -> list[Flowable]:
    s = _styles()
    story: list[Flowable] = [CondPageBreak(70 * mm), _day_chart(days, WIDTH, title)]
    if cashiers and len(cashiers) <= CHART_CASHIERS:
        table = _table(
            (_("Cashier"), _("Uses"), _("Discount")),
            _cashier_rows(cashiers),
            (44 * mm, 16 * mm, 24 * mm),
        )
        pair = Table(
            [[table, _cashier_chart(cashiers, 88 * mm)]], colWidths=[WIDTH * 0.5, WIDTH * 0.5]
        )
        pair.setStyle(
            TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
        )
        story.append(KeepTogether([Paragraph(_("By cashier"), s["h3"]), pair]))
    elif cashiers:
        story += [
            Paragraph(_("By cashier"), s["h3"]),
            _table(
                (_("Cashier"), _("Uses"), _("Discount")),
                _cashier_rows(cashiers),
                (80 * mm, 30 * mm, 40 * mm),
            ),
        ]
    story.append(Paragraph(_("Redemptions by day"), s["h3"]))
    day_rows = _day_rows(days)
    if not day_rows:
        story.append(Paragraph(_("No redemptions in this period."), s["muted"]))
        return story
    widths = (38 * mm, 16 * mm, 25 * mm) * 2
    table = _table((_("Day"), _("Uses"), _("Discount")) * 2, _two_up(day_rows), widths, (0, 3))
    table.setStyle(TableStyle([("LEFTPADDING", (3, 0), (3, -1), 8 * mm)]))
    story.append(table)
    return story


def _campaign_section(section: CampaignSection) -> list[Flowable]:
    s = _styles()
    head = KeepTogether(
        [
            Paragraph(
                _("Campaign: {section_name}").format(section_name=markup(section.name)), s["h2"]
            ),
            Paragraph(
                _("{value_text} · valid {validity_text}").format(
                    value_text=markup(section.value_text),
                    validity_text=markup(section.validity_text),
                ),
                s["muted"],
            ),
            Spacer(1, 3 * mm),
            _kpis(_figures_items(section.figures)),
        ]
    )
    return [
        CondPageBreak(120 * mm),
        head,
        *_activity(
            section.days,
            section.cashiers,
            _("{section_name}: redemptions by day").format(section_name=section.name),
        ),
    ]


def _decorate(report: EffectivenessReport) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        f = fonts()
        width, height = A4
        canvas.saveState()
        canvas.setFillColor(ACCENT)
        canvas.rect(0, height - 6 * mm, width, 6 * mm, stroke=0, fill=1)
        canvas.setFont(f.regular, 7.5)
        canvas.setFillColor(SUBTLE)
        canvas.drawString(
            MARGIN,
            9 * mm,
            fit(
                _("posapp · {title} · {period_text}").format(
                    title=report.title, period_text=report.period_text
                ),
                f.regular,
                7.5,
                WIDTH - 30 * mm,
            ),
        )
        canvas.drawRightString(width - MARGIN, 9 * mm, _("Page {page}").format(page=doc.page))
        canvas.setStrokeColor(RULE)
        canvas.line(MARGIN, 12 * mm, width - MARGIN, 12 * mm)
        canvas.restoreState()

    return draw


def render_effectiveness(report: EffectivenessReport) -> bytes:
    """Draw the report and return the PDF bytes."""
    s = _styles()
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=18 * mm,
        title=report.title,
        author="posapp",
        subject=report.period_text,
    )
    frame = Frame(MARGIN, 16 * mm, WIDTH, A4[1] - MARGIN - 16 * mm - 4 * mm, id="body")
    doc.addPageTemplates([PageTemplate("page", [frame], onPage=_decorate(report))])
    story = _overview(report)
    story += [Spacer(1, 4 * mm), Paragraph(markup(report.generated_text), s["muted"])]
    story += [PageBreak(), Paragraph(_("Activity"), s["h2"])]
    story += _activity(report.days, report.cashiers, _("All campaigns: redemptions by day"))
    if len(report.campaigns) > 1:  # with one campaign, the overview is its section
        for section in report.campaigns:
            story += [PageBreak(), *_campaign_section(section)]
    doc.build(story)
    return out.getvalue()
