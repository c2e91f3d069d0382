"""The kit of the A4 sales reports (the X/Z reports and the sales report): styles, tables, figures.

Fonts and colours come from :mod:`posapp.reports.pdf_kit`, as in every posapp PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, BinaryIO, Final

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from posapp import formats
from posapp.i18n import N_, _
from posapp.reports.pdf_kit import ACCENT_SOFT, BAND, INK, MUTED, RULE, fonts, markup

if TYPE_CHECKING:
    from posapp.services.sales import MethodTotal

METHOD_NAMES: Final = {
    "cash": N_("Cash"),
    "card": N_("Card"),
    "account": N_("Customer account"),
    "gift_card": N_("Gift card"),
    "points": N_("Loyalty points"),
}
"""How a payment method is printed."""


def money(minor: int) -> str:
    """Report money in the shop's locale with a real minus sign (``−€1,234.56``, ``−1,00 €``)."""
    return formats.money(minor).replace("-", "−")


def method_header() -> tuple[str, ...]:
    """The header of a takings-by-payment-method table (the X/Z and the sales report)."""
    return (_("Method"), _("Payments"), _("Taken"), _("Refunded"), _("Net"))


def method_row(total: MethodTotal) -> tuple[str, ...]:
    """One payment method's line in that table: its name, payments, taken, refunded and net."""
    return (
        _(METHOD_NAMES.get(total.method, total.method)),
        formats.number(total.count),
        money(total.sales_minor),
        money(-total.refunds_minor),
        money(total.net_minor),
    )


def para(value: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of user text, shown literally (escaped, never read as markup)."""
    return Paragraph(markup(value), style)


def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles of the A4 reports."""
    f = fonts()
    return {
        "title": ParagraphStyle("title", fontName=f.bold, fontSize=20, leading=24, textColor=INK),
        "subtitle": ParagraphStyle(
            "subtitle", fontName=f.regular, fontSize=10, leading=14, textColor=MUTED
        ),
        "h2": ParagraphStyle(
            "h2",
            fontName=f.bold,
            fontSize=12,
            leading=16,
            textColor=INK,
            spaceBefore=14,
            spaceAfter=6,
        ),
        "body": ParagraphStyle("body", fontName=f.regular, fontSize=9, leading=12, textColor=INK),
        "small": ParagraphStyle(
            "small", fontName=f.regular, fontSize=8, leading=10, textColor=MUTED
        ),
        "kpi": ParagraphStyle("kpi", fontName=f.bold, fontSize=16, leading=20, textColor=INK),
        "kpi_label": ParagraphStyle(
            "kpi_label", fontName=f.regular, fontSize=8, leading=10, textColor=MUTED
        ),
    }


def table(
    rows: list[list[object]],
    widths: list[float],
    *,
    numeric_from: int = 1,
    header: bool = True,
    total_row: bool = False,
) -> Table:
    """A clean table: bold header over a hairline, numbers right-aligned, light zebra rows."""
    f = fonts()
    result = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    commands: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), f.regular, 9),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
    ]
    if header:
        commands += [
            ("FONT", (0, 0), (-1, 0), f.bold, 8),
            ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
        ]
    first = 1 if header else 0
    for index in range(first, len(rows)):
        if (index - first) % 2 == 1:
            commands.append(("BACKGROUND", (0, index), (-1, index), BAND))
    if total_row and len(rows) > first:
        commands += [
            ("FONT", (0, -1), (-1, -1), f.bold, 9),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
            ("BACKGROUND", (0, -1), (-1, -1), colors.white),
        ]
    result.setStyle(TableStyle(commands))
    return result


def local_time(at: datetime | None, zone: tzinfo | None, *, clock_only: bool = False) -> str:
    """A UTC instant as the shop's wall time in its locale (only the time when ``clock_only``)."""
    if at is None:
        return ""
    if clock_only:
        return formats.time_text(at, zone=zone)
    return formats.datetime_text(at, zone=zone)


@dataclass(frozen=True, slots=True)
class Margins:
    """A report's portrait A4 margins and the space above its closing "Printed …" line."""

    side: float
    top: float
    gap: float


def build_a4(
    out: BinaryIO,
    story: list[Flowable],
    margins: Margins,
    *,
    title: str,
    printed_at: datetime,
    zone: tzinfo | None,
) -> None:
    """Lay ``story`` out on portrait A4 pages into ``out``, ending with when it was printed.

    Args:
        out: Where the PDF goes.
        story: The report's flowables.
        margins: ``side`` left and right, ``top`` above and below, ``gap`` above the last line.
        title: The document's title (its metadata).
        printed_at: When the report was made (a UTC instant).
        zone: The shop's time zone to print it in (the machine's when None).
    """
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=margins.side,
        rightMargin=margins.side,
        topMargin=margins.top,
        bottomMargin=margins.top,
        title=title,
    )
    printed = para(
        _("Printed {printed_at} · posapp").format(printed_at=local_time(printed_at, zone)),
        styles()["small"],
    )
    doc.build([*story, Spacer(1, margins.gap), printed])


def figures_band(figures: Sequence[tuple[Flowable, str]], widths: list[float]) -> Table:
    """The headline figures on the accent band: each value (drawn) over its label."""
    label = styles()["kpi_label"]
    cells = [
        [value for value, _unused in figures],
        [para(text, label) for _unused, text in figures],
    ]
    grid = Table(cells, colWidths=widths)
    grid.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), ACCENT_SOFT),
                ("LINEBEFORE", (1, 0), (-1, -1), 0.8, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, 0), 10),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 10),
            ]
        )
    )
    return grid
