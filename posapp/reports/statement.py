"""An account statement as PDF: header, summary band, and the movements with running balance.

It draws the :class:`~posapp.reports.statement_model.StatementReport` that the pure model
decides; reportlab is only used here. Text is set in DejaVu Sans when the system has it (names
in any European script print correctly), else in Helvetica (Latin-1). Names are always printed
literally: ``<b>`` in a holder's name stays two angle brackets and a letter.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import IO, Any, Final
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from posapp.reports.statement_model import StatementReport, StatementRow, statement_report
from posapp.services.accounts_dto import StatementDTO
from posapp.services.files import atomic_target

__all__ = [
    "RenderCancelledError",
    "render_statement_pdf",
    "statement_report",
    "write_statement_pdf",
]

MARGIN: Final = 16 * mm
WIDTH: Final = A4[0] - 2 * MARGIN
INK: Final = colors.HexColor("#17202c")
MUTED: Final = colors.HexColor("#5c6878")
ACCENT: Final = colors.HexColor("#2563eb")
ACCENT_SOFT: Final = colors.HexColor("#e8effd")
BAND: Final = colors.HexColor("#f4f6f9")
RULE: Final = colors.HexColor("#e1e6ed")
NEGATIVE: Final = colors.HexColor("#b42318")
ROWS_PER_PAGE_GUESS: Final = 38

_FONT_DIRS: Final = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)

Progress = Callable[[int, int], bool]
"""Called with (pages drawn, pages expected); returning False cancels the rendering."""


class RenderCancelledError(Exception):
    """The person cancelled the rendering."""


@functools.cache
def _fonts() -> tuple[str, str]:
    """Register DejaVu Sans (regular, bold) if installed; return the (regular, bold) names."""
    for folder in _FONT_DIRS:
        regular, bold = Path(folder, "DejaVuSans.ttf"), Path(folder, "DejaVuSans-Bold.ttf")
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("Statement", str(regular)))
            pdfmetrics.registerFont(TTFont("Statement-Bold", str(bold)))
            return "Statement", "Statement-Bold"
    return "Helvetica", "Helvetica-Bold"


def _text(value: str) -> str:
    """User text made safe for a Paragraph (markup escaped; Latin-1 only without DejaVu)."""
    if _fonts()[0] == "Helvetica":
        value = value.encode("latin-1", "replace").decode("latin-1")
    return escape(value)


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=9, leading=12, textColor=INK)
    return {
        "base": base,
        "shop": ParagraphStyle("shop", base, fontName=bold, fontSize=11, textColor=ACCENT),
        "title": ParagraphStyle("title", base, fontName=bold, fontSize=18, leading=22),
        "holder": ParagraphStyle("holder", base, fontName=bold, fontSize=12, leading=15),
        "muted": ParagraphStyle("muted", base, textColor=MUTED),
        "label": ParagraphStyle("label", base, fontSize=7.5, leading=10, textColor=MUTED),
        "figure": ParagraphStyle("figure", base, fontName=bold, fontSize=12, leading=15),
        "right": ParagraphStyle("right", base, alignment=TA_RIGHT),
        "right_muted": ParagraphStyle("right_muted", base, alignment=TA_RIGHT, textColor=MUTED),
        "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=11),
        "head": ParagraphStyle("head", base, fontName=bold, fontSize=8, textColor=MUTED),
    }


def _header(report: StatementReport, styles: dict[str, ParagraphStyle]) -> Table:
    left = [
        Paragraph(_text(report.shop_name), styles["shop"]),
        Paragraph(report.title, styles["title"]),
        Spacer(1, 3 * mm),
        Paragraph(_text(report.holder_name), styles["holder"]),
        Paragraph(f"Account {report.number} · {report.status}", styles["muted"]),
        *(Paragraph(_text(line), styles["muted"]) for line in report.contact),
    ]
    right = [
        Paragraph("PERIOD", ParagraphStyle("pl", styles["label"], alignment=TA_RIGHT)),
        Paragraph(report.period, ParagraphStyle("pv", styles["holder"], alignment=TA_RIGHT)),
        Spacer(1, 2 * mm),
        Paragraph(f"Generated {report.generated}", styles["right_muted"]),
        Paragraph(f"{report.movement_count} movements", styles["right_muted"]),
    ]
    table = Table([[left, right]], colWidths=[WIDTH * 0.58, WIDTH * 0.42])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, -1), 1.2, ACCENT),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4 * mm),
            ]
        )
    )
    return table


def _summary(report: StatementReport, styles: dict[str, ParagraphStyle]) -> Table:
    cells = [
        [Paragraph(label.upper(), styles["label"]), Paragraph(value, styles["figure"])]
        for label, value in report.summary
    ]
    table = Table([cells], colWidths=[WIDTH / 4] * 4)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), BAND),
                ("BACKGROUND", (3, 0), (3, 0), ACCENT_SOFT),
                ("LINEAFTER", (0, 0), (2, 0), 0.6, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
                ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


_TEXT_COLUMNS: Final = 2  # date and description; the others align right
_COLUMNS: Final = (
    ("Date", 0.18),
    ("Description", 0.37),
    ("Ref", 0.07),
    ("Money in", 0.125),
    ("Money out", 0.125),
    ("Balance", 0.13),
)


def _movements(report: StatementReport, styles: dict[str, ParagraphStyle]) -> Table:
    head = [
        Paragraph(
            name.upper(),
            styles["head"]
            if i < _TEXT_COLUMNS
            else ParagraphStyle(f"h{i}", styles["head"], alignment=TA_RIGHT),
        )
        for i, (name, _) in enumerate(_COLUMNS)
    ]
    data: list[list[Any]] = [head]
    for row in report.rows:
        data.append(_row(row, styles))
    table = Table(data, colWidths=[WIDTH * share for _, share in _COLUMNS], repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 1), (-1, -1), _fonts()[0], 8.5),
        ("TEXTCOLOR", (0, 1), (-1, -1), INK),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("TEXTCOLOR", (2, 1), (2, -1), MUTED),
        ("TOPPADDING", (0, 0), (-1, -1), 1.8 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8 * mm),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5 * mm),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.5 * mm),
    ]
    last = len(data) - 1
    for index in range(1, last + 1):
        if report.rows[index - 1].kind != "movement":
            style += [
                ("BACKGROUND", (0, index), (-1, index), BAND),
                ("FONT", (0, index), (-1, index), _fonts()[1], 8.5),
            ]
        elif index % 2 == 0:
            style.append(("BACKGROUND", (0, index), (-1, index), colors.HexColor("#fafbfc")))
        if index < last:
            style.append(("LINEBELOW", (0, index), (-1, index), 0.4, RULE))
        if report.rows[index - 1].balance.startswith("-"):
            style.append(("TEXTCOLOR", (5, index), (5, index), NEGATIVE))
    table.setStyle(TableStyle(style))
    return table


def _row(row: StatementRow, styles: dict[str, ParagraphStyle]) -> list[Any]:
    description: Any = row.description
    if row.kind == "movement":
        description = Paragraph(_text(row.description), styles["cell"])
    return [row.date, description, row.reference, row.money_in, row.money_out, row.balance]


class _Numbered(Canvas):  # type: ignore[misc]  # reportlab has no type hints
    """A canvas that knows the page count when it saves, to print "Page 2 of 5"."""

    footer = ""
    progress: Progress | None = None
    expected = 1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        if self.progress is not None and not self.progress(len(self._pages), self.expected):
            raise RenderCancelledError
        self._startPage()

    def save(self) -> None:
        pages = self._pages
        for number, state in enumerate(pages, start=1):
            self.__dict__.update(state)
            self._footer(number, len(pages))
            super().showPage()
        self.page_count = len(pages)
        super().save()

    def _footer(self, number: int, total: int) -> None:
        self.setFont(_fonts()[0], 7.5)
        self.setFillColor(MUTED)
        self.setStrokeColor(RULE)
        self.line(MARGIN, 12 * mm, A4[0] - MARGIN, 12 * mm)
        self.drawString(MARGIN, 8 * mm, self.footer)
        self.drawRightString(A4[0] - MARGIN, 8 * mm, f"Page {number} of {total}")


def render_statement_pdf(
    statement: StatementDTO,
    out: str | Path | IO[bytes],
    *,
    shop_name: str = "posapp",
    zone: tzinfo | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the statement as an A4 PDF to ``out`` (a path or a binary file).

    Returns:
        The number of pages.

    Raises:
        RenderCancelledError: ``progress`` returned False.
        ValueError: the statement's figures do not add up.
        OSError: the file cannot be written.
    """
    report = statement_report(statement, shop_name=shop_name, zone=zone)
    styles = _styles()
    target = str(out) if isinstance(out, Path) else out
    document = SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=18 * mm,
        title=f"{report.title} {report.number}",
        author=shop_name,
        subject=report.period,
    )
    canvas_class = type(
        "StatementCanvas",
        (_Numbered,),
        {
            "footer": f"{shop_name} · {report.title} · account {report.number} · {report.period}",
            "progress": staticmethod(progress) if progress else None,
            "expected": max(1, -(-len(report.rows) // ROWS_PER_PAGE_GUESS)),
        },
    )
    story = [
        _header(report, styles),
        Spacer(1, 5 * mm),
        _summary(report, styles),
        Spacer(1, 6 * mm),
        _movements(report, styles),
    ]
    if report.movement_count == 0:
        story.append(Spacer(1, 4 * mm))
        story.append(Paragraph("No movements in this period.", styles["muted"]))
    document.build(story, canvasmaker=canvas_class)
    return int(getattr(document.canv, "page_count", document.page))


def write_statement_pdf(
    statement: StatementDTO,
    path: Path,
    *,
    shop_name: str = "posapp",
    zone: tzinfo | None = None,
    progress: Progress | None = None,
) -> int:
    """Render into a temporary file next to ``path``, then move it into place.

    A failed or cancelled rendering leaves no half-written PDF behind (and an older file at
    ``path`` untouched).

    Returns:
        The number of pages.

    Raises:
        RenderCancelledError: ``progress`` returned False.
        OSError: the folder cannot be written.
    """
    with atomic_target(path, ".pdf") as temporary, temporary.open("wb") as file:
        return render_statement_pdf(
            statement, file, shop_name=shop_name, zone=zone, progress=progress
        )
