"""The replenishment list of a store as CSV and as a PDF purchase sheet.

:func:`report_lines` is the pure report model (which rows, which figures, formatted as text);
:func:`write_csv` and :func:`render_pdf` only lay it out. Text cells that a spreadsheet would run
as a formula (``= + - @``, tab, carriage return) are prefixed with an apostrophe in the CSV.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Final

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from typing_extensions import override

from posapp.formats import amount, datetime_text
from posapp.i18n import _, ngettext
from posapp.money import div_round, to_major_str
from posapp.reports.pdf_kit import (
    ACCENT,
    BAND,
    DANGER,
    INK,
    MUTED,
    RULE,
    PageCountCanvas,
    fonts,
    markup,
)
from posapp.services.stock import (
    GRAMS_PER_KG,
    ReplenishmentLine,
    ReplenishmentList,
    format_quantity,
)

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER: Final = (
    "SKU",
    "Product",
    "Category",
    "Unit",
    "On hand",
    "Reorder point",
    "Reorder qty",
    "Suggested",
    "In warehouses",
    "Unit cost",
    "Line cost",
)


def escape_cell(text: str) -> str:
    """Neutralise a text cell a spreadsheet would evaluate (``=HYPERLINK(…)``, ``@SUM``…)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def line_cost_minor(line: ReplenishmentLine) -> int:
    """What the suggested quantity costs (by weight the cost is per kilogram)."""
    if line.sold_by_weight:
        return div_round(line.cost_minor * line.suggested, GRAMS_PER_KG)
    return line.cost_minor * line.suggested


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One printed line: the product, then each figure as display text."""

    sku: str
    name: str
    category: str
    on_hand: str
    reorder_point: str
    suggested: str
    elsewhere: str
    cost: str


def report_lines(plan: ReplenishmentList) -> list[ReportLine]:
    """The report model: one line per product to reorder, figures formatted for people."""

    def qty(line: ReplenishmentLine, value: int) -> str:
        return format_quantity(value, by_weight=line.sold_by_weight)

    return [
        ReportLine(
            sku=line.sku,
            name=line.name,
            category=line.category,
            on_hand=qty(line, line.on_hand),
            reorder_point=qty(line, line.reorder_point),
            suggested=qty(line, line.suggested),
            elsewhere=qty(line, line.elsewhere) if line.elsewhere else "—",
            cost=amount(line_cost_minor(line)),
        )
        for line in plan.lines
    ]


def _machine_qty(line: ReplenishmentLine, value: int) -> str:
    if line.sold_by_weight:
        kilos, grams = divmod(value, GRAMS_PER_KG)
        return f"{kilos}.{grams:03d}"
    return str(value)


def csv_rows(plan: ReplenishmentList) -> list[list[str]]:
    """The CSV's rows after the header: plain numbers (no grouping), escaped text."""
    return [
        [
            escape_cell(line.sku),
            escape_cell(line.name),
            escape_cell(line.category),
            "kg" if line.sold_by_weight else "pcs",
            _machine_qty(line, line.on_hand),
            _machine_qty(line, line.reorder_point),
            _machine_qty(line, line.reorder_qty),
            _machine_qty(line, line.suggested),
            _machine_qty(line, line.elsewhere),
            to_major_str(line.cost_minor),
            to_major_str(line_cost_minor(line)),
        ]
        for line in plan.lines
    ]


def write_csv(plan: ReplenishmentList, stream: IO[str]) -> int:
    """Write the list as CSV (open the file with ``newline=""``); return the rows written."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    rows = csv_rows(plan)
    writer.writerows(rows)
    return len(rows)


# -- PDF -------------------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts().regular, fonts().bold
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=17, leading=21, textColor=INK),
        "sub": ParagraphStyle("sub", fontName=regular, fontSize=9, leading=12, textColor=MUTED),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8.5, leading=10.5),
        "small": ParagraphStyle("small", fontName=regular, fontSize=7, leading=9, textColor=MUTED),
        "num": ParagraphStyle(
            "num", fontName=regular, fontSize=8.5, leading=10.5, alignment=TA_RIGHT
        ),
        "low": ParagraphStyle(
            "low",
            fontName=regular,
            fontSize=8.5,
            leading=10.5,
            alignment=TA_RIGHT,
            textColor=DANGER,
        ),
        "head": ParagraphStyle("head", fontName=bold, fontSize=8, leading=10, textColor=MUTED),
        "headnum": ParagraphStyle(
            "headnum", fontName=bold, fontSize=8, leading=10, textColor=MUTED, alignment=TA_RIGHT
        ),
        "total": ParagraphStyle(
            "total", fontName=bold, fontSize=9.5, leading=12, alignment=TA_RIGHT
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    # User text is escaped: a product called "<b>x</b>" prints literally.
    return Paragraph(markup(text), style)


def _table(plan: ReplenishmentList, st: dict[str, ParagraphStyle], width: float) -> Table:
    heads = (
        _("SKU"),
        _("Product"),
        _("On hand"),
        _("Reorder at"),
        _("Order"),
        _("In warehouses"),
        _("Cost"),
    )
    header = [
        _p(h, st["head"] if i < 2 else st["headnum"])  # noqa: PLR2004
        for i, h in enumerate(heads)
    ]
    rows: list[list[Any]] = [header]
    for line in report_lines(plan):
        product = Paragraph(
            f"{markup(line.name)}<br/><font size=7 color='#5c6878'>{markup(line.category)}</font>",
            st["cell"],
        )
        rows.append(
            [
                _p(line.sku, st["cell"]),
                product,
                _p(line.on_hand, st["low"]),
                _p(line.reorder_point, st["num"]),
                Paragraph(f"<b>{markup(line.suggested)}</b>", st["num"]),
                _p(line.elsewhere, st["num"]),
                _p(line.cost, st["num"]),
            ]
        )
    rows.append(["", "", "", "", "", _p(_("Total"), st["total"]), _p(_total(plan), st["total"])])
    fractions = (0.14, 0.36, 0.09, 0.1, 0.1, 0.11, 0.1)
    table = Table(rows, colWidths=[width * f for f in fractions], repeatRows=1)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, 0), 1, INK),
        ("LINEABOVE", (0, -1), (-1, -1), 1, INK),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]
    for index in range(1, len(rows) - 1):
        if index % 2 == 0:
            style.append(("BACKGROUND", (0, index), (-1, index), BAND))
        style.append(("LINEBELOW", (0, index), (-1, index), 0.25, RULE))
    table.setStyle(TableStyle(style))
    return table


def _total(plan: ReplenishmentList) -> str:
    return amount(sum(line_cost_minor(line) for line in plan.lines))


def _page_decorations(plan: ReplenishmentList) -> Any:
    regular = fonts().regular

    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        page_w, _unused = doc.pagesize
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(3)
        canvas.line(
            doc.leftMargin,
            doc.pagesize[1] - 12 * mm,
            page_w - doc.rightMargin,
            doc.pagesize[1] - 12 * mm,
        )
        canvas.setFont(regular, 7.5)
        canvas.setFillColor(MUTED)
        footer = _("posapp · Replenishment list · {code} {store_name}").format(
            code=plan.store.code, store_name=plan.store.name
        )
        canvas.drawString(doc.leftMargin, 9 * mm, footer)
        canvas.restoreState()

    return draw


class _NumberedCanvas(PageCountCanvas):
    """The list's canvas: "Page n of m" at the bottom right."""

    @override
    def draw_page_count(self, number: int, total: int) -> None:
        self.setFont(fonts().regular, 7.5)
        self.setFillColor(MUTED)
        self.drawRightString(
            self._pagesize[0] - 15 * mm,
            9 * mm,
            _("Page {number} of {total}").format(number=number, total=total),
        )


def render_pdf(
    plan: ReplenishmentList, target: str | Path | IO[bytes], *, generated: datetime | None = None
) -> None:
    """Draw the list as an A4 landscape PDF into ``target`` (a path or a binary stream).

    Args:
        plan: The list to print.
        target: Where to write.
        generated: The time to print, already in the reader's time zone (default: the
            list's own ``generated_at`` in the shop's zone).
    """
    st = _styles()
    zone = generated.tzinfo if generated else None
    when = datetime_text(generated or plan.generated_at, zone=zone)
    doc = SimpleDocTemplate(
        str(target) if isinstance(target, Path) else target,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=16 * mm,
        title=_("Replenishment list — {store_name}").format(store_name=plan.store.name),
        author="posapp",
    )
    kind = plan.store.kind_label
    story: list[Any] = [
        _p(_("Replenishment list — {store_name}").format(store_name=plan.store.name), st["title"]),
        Spacer(1, 2 * mm),
        _p(
            f"{kind} {plan.store.code}"
            + (f" · {plan.store.address.replace(chr(10), ', ')}" if plan.store.address else "")
            + _(" · generated {when}").format(when=when)
            + ngettext(
                " · {count} product to reorder", " · {count} products to reorder", len(plan.lines)
            ).format(count=len(plan.lines)),
            st["sub"],
        ),
        Spacer(1, 6 * mm),
    ]
    if plan.lines:
        story.append(_table(plan, st, doc.width))
        story.append(Spacer(1, 4 * mm))
        story.append(
            _p(
                _(
                    "Order brings each product up to its reorder point plus its reorder quantity. "
                    "In warehouses: units held at the other active warehouses, which a transfer "
                    "can cover. Costs at current cost prices."
                ),
                st["small"],
            )
        )
    else:
        story.append(
            _p(_("Nothing to reorder: every product is above its reorder point."), st["cell"])
        )
    decorate = _page_decorations(plan)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate, canvasmaker=_NumberedCanvas)
