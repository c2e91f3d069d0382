"""A campaign's printable code sheet: one coupon per cell with its value, validity and QR code.

Ten coupons to an A4 page (two columns, five rows) with dashed cut lines. The QR code holds the
code exactly as printed, so a scanner at the till types what a cashier would.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from posapp.formats import local_day
from posapp.formats import number as count_text
from posapp.i18n import _
from posapp.reports.pdf_kit import ACCENT, ACCENT_SOFT, INK, MUTED, RULE, SUBTLE, fit, fonts
from posapp.services.coupons import CodeSheet, OperationCancelledError

COLUMNS: Final = 2
ROWS: Final = 5
PER_PAGE: Final = COLUMNS * ROWS
MARGIN: Final = 12 * mm
HEADER: Final = 10 * mm
QR_SIZE: Final = 30 * mm
PAD: Final = 5 * mm
CONDITION_LINES: Final = 2

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


def _no_progress(done: int, total: int) -> None:
    """Ignore progress."""


def _never() -> bool:
    return False


class SheetCancelledError(OperationCancelledError):
    """The sheet was cancelled before it was finished."""


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def validity_line(sheet: CodeSheet) -> str:
    """``Valid 1 Apr 2026 – 30 Apr 2026`` (the last day is the day before the exclusive end)."""
    zone = _zone(sheet.zone)

    def day(at: datetime) -> str:
        return local_day(at, zone=zone or at.tzinfo, neutral="%-d %b %Y")

    start = day(sheet.starts_at)
    if sheet.ends_at is None:
        return _("Valid from {start}").format(start=start)
    end_local = sheet.ends_at.astimezone(zone) if zone else sheet.ends_at
    last = end_local - timedelta(days=1) if end_local.time() == time(0) else end_local
    return _("Valid {start} – {last}").format(start=start, last=day(last))


def _qr(code: str, size: float) -> Drawing:
    widget = QrCodeWidget(code, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _cell(
    canvas: Canvas, sheet: CodeSheet, code: str, x: float, y: float, w: float, h: float
) -> None:
    f = fonts()
    canvas.setFillColor(ACCENT_SOFT)
    canvas.roundRect(x + 2 * mm, y + 2 * mm, w - 4 * mm, h - 4 * mm, 3 * mm, stroke=0, fill=1)
    left = x + PAD + 1 * mm
    text_width = w - QR_SIZE - 3 * PAD
    top = y + h - PAD - 4 * mm
    canvas.setFillColor(MUTED)
    canvas.setFont(f.bold, 8)
    canvas.drawString(left, top, fit(sheet.campaign_name.upper(), f.bold, 8, text_width))
    canvas.setFillColor(ACCENT)
    canvas.setFont(f.bold, 20)
    canvas.drawString(left, top - 9 * mm, fit(sheet.value_text, f.bold, 20, text_width))
    canvas.setFillColor(INK)
    size = 12.0
    while size > 7 and canvas.stringWidth(code, f.mono, size) > text_width:  # noqa: PLR2004
        size -= 0.5
    canvas.setFont(f.mono, size)
    canvas.drawString(left, top - 18 * mm, code)
    canvas.setFillColor(MUTED)
    canvas.setFont(f.regular, 7.5)
    canvas.drawString(left, top - 24 * mm, fit(validity_line(sheet), f.regular, 7.5, text_width))
    canvas.setFillColor(SUBTLE)
    canvas.setFont(f.regular, 6.5)
    small = simpleSplit(sheet.conditions, f.regular, 6.5, text_width)
    if len(small) > CONDITION_LINES:
        small[CONDITION_LINES - 1] = fit(
            small[CONDITION_LINES - 1] + " …", f.regular, 6.5, text_width
        )
    for number, line in enumerate(small[:CONDITION_LINES]):
        canvas.drawString(left, top - 28 * mm - number * 3 * mm, line)
    canvas.setFillColor(INK)
    qr_x = x + w - PAD - QR_SIZE - 1 * mm
    qr_y = y + (h - QR_SIZE) / 2
    canvas.setFillColorRGB(1, 1, 1)
    canvas.roundRect(
        qr_x - 1.5 * mm,
        qr_y - 1.5 * mm,
        QR_SIZE + 3 * mm,
        QR_SIZE + 3 * mm,
        2 * mm,
        stroke=0,
        fill=1,
    )
    renderPDF.draw(_qr(code, QR_SIZE), canvas, qr_x, qr_y)


def _page_frame(canvas: Canvas, sheet: CodeSheet, page: int, pages: int) -> None:
    f = fonts()
    width, height = A4
    canvas.setFillColor(INK)
    canvas.setFont(f.bold, 10)
    canvas.drawString(
        MARGIN, height - MARGIN - 4 * mm, fit(sheet.campaign_name, f.bold, 10, 120 * mm)
    )
    canvas.setFillColor(MUTED)
    canvas.setFont(f.regular, 8)
    canvas.drawRightString(
        width - MARGIN,
        height - MARGIN - 4 * mm,
        _("{count} codes · page {page} of {pages}").format(
            count=count_text(len(sheet.codes)), page=page, pages=pages
        ),
    )
    grid_top = height - MARGIN - HEADER
    cell_w = (width - 2 * MARGIN) / COLUMNS
    cell_h = (grid_top - MARGIN) / ROWS
    canvas.setStrokeColor(RULE)
    canvas.setDash(3, 3)
    canvas.setLineWidth(0.5)
    for col in range(COLUMNS + 1):
        x = MARGIN + col * cell_w
        canvas.line(x, MARGIN, x, grid_top)
    for row in range(ROWS + 1):
        y = MARGIN + row * cell_h
        canvas.line(MARGIN, y, width - MARGIN, y)
    canvas.setDash()


def render_code_sheet(
    sheet: CodeSheet, *, progress: Progress = _no_progress, cancelled: Cancelled = _never
) -> bytes:
    """Draw the sheet and return the PDF bytes (one blank-grid page when there are no codes).

    Raises:
        SheetCancelledError: ``cancelled()`` turned true (checked after every page).
    """
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(_("Coupon codes — {campaign_name}").format(campaign_name=sheet.campaign_name))
    canvas.setAuthor("posapp")
    width, height = A4
    cell_w = (width - 2 * MARGIN) / COLUMNS
    cell_h = (height - 2 * MARGIN - HEADER) / ROWS
    total = len(sheet.codes)
    pages = max(1, -(-total // PER_PAGE))
    for page in range(pages):
        _page_frame(canvas, sheet, page + 1, pages)
        for index, code in enumerate(sheet.codes[page * PER_PAGE : (page + 1) * PER_PAGE]):
            row, col = divmod(index, COLUMNS)
            x = MARGIN + col * cell_w
            y = height - MARGIN - HEADER - (row + 1) * cell_h
            _cell(canvas, sheet, code, x, y, cell_w, cell_h)
        canvas.showPage()
        progress(min(total, (page + 1) * PER_PAGE), total)
        if cancelled():
            raise SheetCancelledError(_("The code sheet was cancelled."))
    canvas.save()
    return out.getvalue()
