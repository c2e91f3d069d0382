"""An account statement as PDF: header, summary band, and the movements with running balance.

It draws the :class:`~posapp.reports.statement_model.StatementReport` that the pure model
decides; reportlab is only used here. Text is set in DejaVu Sans when the system has it (names
in any European script print correctly), else in Helvetica (Latin-1). Names are always printed
literally: ``<b>`` in a holder's name stays two angle brackets and a letter.

The movements table is measured once and laid out and drawn a page at a time
(:class:`_MovementRows`, :class:`_Rows`), so rendering takes time in proportion to the number of
movements. It used to be one reportlab ``Table`` of every row, which re-measures all the rows
still to come at each page break: 10,000 movements took about a minute, now about two seconds.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import IO, Any, Final

from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from typing_extensions import override

from posapp.i18n import N_, _
from posapp.reports.pdf_kit import (
    ACCENT,
    ACCENT_SOFT,
    BAND,
    DANGER,
    INK,
    MUTED,
    RULE,
    PageCountCanvas,
    fit_box,
    fonts,
    logo_reader,
    markup,
    printable,
)
from posapp.reports.statement_model import StatementReport, statement_report
from posapp.services.accounts import StatementDTO
from posapp.services.platform.dto import ShopProfile
from posapp.services.platform.files import atomic_target

__all__ = [
    "RenderCancelledError",
    "render_statement_pdf",
    "statement_report",
    "write_statement_pdf",
]

MARGIN: Final = 16 * mm
WIDTH: Final = A4[0] - 2 * MARGIN
ZEBRA: Final = colors.HexColor("#fafbfc")
"""Every other movement (lighter than the band of the opening and closing rows)."""
TOP_MARGIN: Final = MARGIN
BOTTOM_MARGIN: Final = 18 * mm
CELL_SIZE: Final = 8.5
CELL_LEADING: Final = 11.0
CELL_PADDING: Final = 1.8 * mm
HEAD_LEADING: Final = 12.0
FRAME_PADDING: Final = 6.0  # reportlab's default padding inside a page's frame
SUM_LEADING: Final = 1.2 * CELL_SIZE  # reportlab's line height for plain text cells
CELL_SIDE_PADDING: Final = 1.5 * mm
_FUZZ: Final = 1e-6

Progress = Callable[[int, int], bool]
"""Called with (pages drawn, pages expected); returning False cancels the rendering."""


class RenderCancelledError(Exception):
    """The person cancelled the rendering."""


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts().regular, fonts().bold
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
        "cell": ParagraphStyle("cell", base, fontSize=CELL_SIZE, leading=CELL_LEADING),
        "head": ParagraphStyle(
            "head", base, fontName=bold, fontSize=8, leading=HEAD_LEADING, textColor=MUTED
        ),
    }


def _logo(report: StatementReport) -> list[Flowable]:
    reader = logo_reader(report.logo)
    if reader is None:
        return []
    width, height = fit_box(reader, 40 * mm, 16 * mm)
    picture = Image(io.BytesIO(report.logo), width=width, height=height, hAlign="LEFT")
    return [picture, Spacer(1, 2 * mm)]


def _header(report: StatementReport, styles: dict[str, ParagraphStyle]) -> Table:
    left = [
        *_logo(report),
        Paragraph(markup(report.shop_name), styles["shop"]),
        *(Paragraph(markup(line), styles["muted"]) for line in report.shop_lines),
        *([Spacer(1, 2 * mm)] if report.shop_lines else []),
        Paragraph(report.title, styles["title"]),
        Spacer(1, 3 * mm),
        Paragraph(markup(report.holder_name), styles["holder"]),
        Paragraph(
            _("Account {number} · {status}").format(number=report.number, status=report.status),
            styles["muted"],
        ),
        *(Paragraph(markup(line), styles["muted"]) for line in report.contact),
    ]
    right = [
        Paragraph(_("PERIOD"), ParagraphStyle("pl", styles["label"], alignment=TA_RIGHT)),
        Paragraph(report.period, ParagraphStyle("pv", styles["holder"], alignment=TA_RIGHT)),
        Spacer(1, 2 * mm),
        Paragraph(
            _("Generated {generated}").format(generated=report.generated), styles["right_muted"]
        ),
        Paragraph(
            _("{movement_count} movements").format(movement_count=report.movement_count),
            styles["right_muted"],
        ),
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
_REFERENCE: Final = 2
_BALANCE: Final = 5
# Widths (shares of the text width) fit, in DejaVu Sans 8.5 pt: "16 Dec 2026 08:34", a
# reference up to "#123456789", amounts up to 9,999,999.99 and a bold balance up to 12 million;
# a longer description wraps.
_COLUMNS: Final = (
    (N_("Date"), 0.18),
    (N_("Description"), 0.28),
    (N_("Ref"), 0.13),
    (N_("Money in"), 0.13),
    (N_("Money out"), 0.13),
    (N_("Balance"), 0.15),
)


class _Rows:
    """The movements table: every row measured once, and drawn a page-sized slice at a time.

    It draws what one reportlab ``Table`` of every row drew (same columns, padding, stripes,
    rules and colours, text at the same places) straight on the canvas, the plain text of a
    page in one text object: a ``Table`` per page took more than twice as long, and one
    ``Table`` of every row re-measured all the rows still to come at each page break, so its
    time grew with the square of the rows.

    A description that fits on one line is plain text, set exactly where a one-line
    paragraph would be; a longer one is a wrapping ``Paragraph``.
    """

    def __init__(self, report: StatementReport, styles: dict[str, ParagraphStyle]) -> None:
        self.rows = report.rows
        widths = [WIDTH * share for _unused, share in _COLUMNS]
        self._widths = widths
        self._lefts = [sum(widths[:i]) for i in range(len(widths) + 1)]
        self._head = [
            Paragraph(
                _(name).upper(),
                styles["head"]
                if i < _TEXT_COLUMNS
                else ParagraphStyle(f"h{i}", styles["head"], alignment=TA_RIGHT),
            )
            for i, (name, _unused) in enumerate(_COLUMNS)
        ]
        self.head_height = 2 * CELL_PADDING + max(
            cell.wrap(width - 2 * CELL_SIDE_PADDING, A4[1])[1]
            for cell, width in zip(self._head, widths, strict=True)
        )
        self._text_width = widths[1] - 2 * CELL_SIDE_PADDING
        self._cells: list[tuple[str, str | Paragraph, str, str, str, str]] = []
        self.heights: list[float] = []
        for row in self.rows:
            description: str | Paragraph = printable(row.description)
            height = CELL_LEADING if row.kind == "movement" else SUM_LEADING
            if row.kind == "movement" and _too_wide(description, self._text_width):
                description = Paragraph(markup(row.description), styles["cell"])
                height = max(height, description.wrap(self._text_width, A4[1])[1])
            self._cells.append(
                (row.date, description, row.reference, row.money_in, row.money_out, row.balance)
            )
            self.heights.append(height + 2 * CELL_PADDING)

    def __len__(self) -> int:
        return len(self.rows)

    def fit(self, start: int, room: float) -> tuple[int, float]:
        """Where the rows from ``start`` that fit in ``room`` below the header end.

        Returns:
            The index after the last row that fits, and the height of the header and those
            rows (the header alone when none fits).
        """
        used, stop, heights = self.head_height, start, self.heights
        while stop < len(heights) and used + heights[stop] <= room + _FUZZ:
            used += heights[stop]
            stop += 1
        return stop, used

    def pages(self, first_room: float, room: float) -> int:
        """How many frames the rows fill, the first with ``first_room`` left, then ``room``."""
        pages, start, space = 1, 0, first_room
        while True:
            stop, _unused = self.fit(start, space)
            if stop >= len(self):
                return pages
            if stop == start and space >= room:  # a row higher than a page: reportlab fails
                return pages
            pages, start, space = pages + 1, stop, room

    def draw(self, canvas: Canvas, start: int, stop: int, top: float) -> None:
        """Draw the header and rows ``start`` to ``stop`` (excluded) below ``top``.

        In the order a ``Table`` draws: the row backgrounds, the cells, then the rules.
        """
        head_bottom = top - self.head_height
        bottoms: list[tuple[int, float]] = []  # each row's index and bottom edge
        y = head_bottom
        for index in range(start, stop):
            y -= self.heights[index]
            bottoms.append((index, y))
        canvas.saveState()
        for index, bottom in bottoms:
            fill = self._fill(index)
            if fill is not None:
                canvas.setFillColor(fill)
                canvas.rect(0, bottom, WIDTH, self.heights[index], stroke=0, fill=1)
        for cell, left, width in zip(self._head, self._lefts[:-1], self._widths, strict=True):
            height = cell.wrap(width - 2 * CELL_SIDE_PADDING, self.head_height)[1]
            cell.drawOn(canvas, left + CELL_SIDE_PADDING, top - CELL_PADDING - height)
        self._draw_text(canvas, bottoms)
        canvas.setLineCap(1)  # a Table's rules: round caps and joins
        canvas.setLineJoin(1)
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.8)
        canvas.line(0, head_bottom, WIDTH, head_bottom)
        last = len(self.rows) - 1  # no rule under the closing balance
        rules = [(0, bottom, WIDTH, bottom) for index, bottom in bottoms if index < last]
        if rules:
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.4)
            canvas.lines(rules)
        canvas.restoreState()

    def _draw_text(self, canvas: Canvas, bottoms: list[tuple[int, float]]) -> None:
        """The rows' text, row by row and cell by cell (the order text is copied out in).

        Plain text goes into one text object; a wrapped description (a ``Paragraph``) ends
        it, is drawn, and a new one begins.
        """
        lefts, side = self._lefts, CELL_SIDE_PADDING
        regular, bold = fonts().regular, fonts().bold
        text = canvas.beginText()
        font, colour = "", None
        for index, bottom in bottoms:
            row_top = bottom + self.heights[index] - CELL_PADDING
            wanted = regular if self.rows[index].kind == "movement" else bold
            for column, value in enumerate(self._cells[index]):
                if isinstance(value, Paragraph):
                    canvas.drawText(text)
                    height = value.wrap(self._text_width, A4[1])[1]
                    value.drawOn(canvas, lefts[1] + side, row_top - height)
                    text, font, colour = canvas.beginText(), "", None
                    continue
                if not value:
                    continue
                if wanted != font:
                    font = wanted
                    text.setFont(font, CELL_SIZE)
                if _colour(column, value) is not colour:
                    colour = _colour(column, value)
                    text.setFillColor(colour)
                if column < _TEXT_COLUMNS:
                    x = lefts[column] + side
                else:
                    x = lefts[column + 1] - side - stringWidth(value, font, CELL_SIZE)
                text.setTextOrigin(x, row_top - CELL_SIZE)  # a Table's top-aligned baseline
                text.textLine(value)  # unlike textOut, does not measure the text again
        canvas.drawText(text)

    def _fill(self, index: int) -> Color | None:
        if self.rows[index].kind != "movement":
            return BAND
        return ZEBRA if index % 2 else None  # every other movement, counting from the opening


class _RowsPage(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """The header and rows ``start`` to ``stop`` (excluded): the movements on one page."""

    def __init__(self, rows: _Rows, start: int, stop: int) -> None:
        super().__init__()
        self._rows, self._start, self._stop = rows, start, stop
        self.hAlign = "CENTER"  # as a Table: the page's full width, 6 pt over the frame's padding
        self.width = WIDTH
        self.height = rows.head_height + sum(rows.heights[start:stop])

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        """Its size, whatever the room."""
        return self.width, self.height

    def draw(self) -> None:
        """Draw the rows on the flowable's canvas."""
        self._rows.draw(self.canv, self._start, self._stop, self.height)


class _MovementRows(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """The movements from row ``start`` on, laid out one page (frame) at a time.

    Every row is measured once (:class:`_Rows`), so a page break only adds up the heights of
    the rows on that page: the layout takes time in proportion to the rows.
    """

    def __init__(self, rows: _Rows, start: int = 0) -> None:
        super().__init__()
        self._rows = rows
        self._start = start
        self._page: _RowsPage | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        """The rows' size when they all fit; else more than ``availHeight``, to be split."""
        stop, height = self._rows.fit(self._start, availHeight)
        if stop < len(self._rows):  # at least one more row
            self._page = None
            return WIDTH, height + self._rows.heights[stop]
        self._page = _RowsPage(self._rows, self._start, stop)
        return WIDTH, height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        """The rows that fit in ``availHeight`` (header on top), then the rest; [] if none."""
        stop, _unused = self._rows.fit(self._start, availHeight)
        if stop == self._start:
            return []
        page = _RowsPage(self._rows, self._start, stop)
        return [page] if stop >= len(self._rows) else [page, _MovementRows(self._rows, stop)]

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N803
        """Draw the rows that :meth:`wrap` found all fit."""
        assert self._page is not None, "drawn without fitting"
        self._page.drawOn(canvas, x, y, _sW)


def _colour(column: int, value: str) -> Color:
    if column == _REFERENCE:
        return MUTED
    if column == _BALANCE and value.startswith("-"):
        return DANGER
    return INK


def _too_wide(text: str, width: float) -> bool:
    return "\n" in text or stringWidth(text, fonts().regular, CELL_SIZE) > width


def _expected_pages(first_page: list[Any], rows: _Rows) -> int:
    """The pages the statement takes: the rows below ``first_page``, then a frame each."""
    frame = A4[1] - TOP_MARGIN - BOTTOM_MARGIN - 2 * FRAME_PADDING
    above = sum(flowable.wrap(WIDTH, frame)[1] for flowable in first_page)
    return rows.pages(frame - above, frame)


class _Numbered(PageCountCanvas):
    """The statement's canvas: "Page 2 of 5" and the footer, and progress as pages are laid out."""

    footer = ""
    progress: Progress | None = None
    expected = 1

    @override
    def page_done(self, done: int) -> None:
        if self.progress is not None and not self.progress(done, max(done, self.expected)):
            raise RenderCancelledError

    @override
    def draw_page_count(self, number: int, total: int) -> None:
        self.setFont(fonts().regular, 7.5)
        self.setFillColor(MUTED)
        self.setStrokeColor(RULE)
        self.line(MARGIN, 12 * mm, A4[0] - MARGIN, 12 * mm)
        self.drawString(MARGIN, 8 * mm, self.footer)
        self.drawRightString(
            A4[0] - MARGIN, 8 * mm, _("Page {number} of {total}").format(number=number, total=total)
        )


def render_statement_pdf(
    statement: StatementDTO,
    out: str | Path | IO[bytes],
    *,
    shop_name: str = "posapp",
    zone: tzinfo | None = None,
    progress: Progress | None = None,
    shop: ShopProfile | None = None,
) -> int:
    """Write the statement as an A4 PDF to ``out`` (a path or a binary file).

    Takes time in proportion to the number of movements; ``progress`` is called after each
    page with the exact number of pages expected.

    Returns:
        The number of pages.

    Raises:
        RenderCancelledError: ``progress`` returned False.
        ValueError: the statement's figures do not add up.
        OSError: the file cannot be written.
    """
    report = statement_report(statement, shop_name=shop_name, zone=zone, shop=shop)
    styles = _styles()
    target = str(out) if isinstance(out, Path) else out
    document = SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=f"{report.title} {report.number}",
        author=report.shop_name,
        subject=report.period,
    )
    rows = _Rows(report, styles)
    first_page = [
        _header(report, styles),
        Spacer(1, 5 * mm),
        _summary(report, styles),
        Spacer(1, 6 * mm),
    ]
    canvas_class = type(
        "StatementCanvas",
        (_Numbered,),
        {
            "footer": (
                _("{shop_name} · {title} · account {number} · {period}").format(
                    shop_name=report.shop_name,
                    title=report.title,
                    number=report.number,
                    period=report.period,
                )
            ),
            "progress": staticmethod(progress) if progress else None,
            "expected": _expected_pages(first_page, rows),
        },
    )
    story = [*first_page, _MovementRows(rows)]
    if report.movement_count == 0:
        story.append(Spacer(1, 4 * mm))
        story.append(Paragraph(_("No movements in this period."), styles["muted"]))
    document.build(story, canvasmaker=canvas_class)
    return int(getattr(document.canv, "page_count", document.page))


def write_statement_pdf(
    statement: StatementDTO,
    path: Path,
    *,
    shop_name: str = "posapp",
    zone: tzinfo | None = None,
    progress: Progress | None = None,
    shop: ShopProfile | None = None,
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
            statement, file, shop_name=shop_name, zone=zone, progress=progress, shop=shop
        )
