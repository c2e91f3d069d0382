"""The PDF receipt: an 80 mm roll page with the order number as a Code 128 barcode.

A gift card sold on the sale gets a slip of its own above the barcode: its code large, its
balance and validity, and the code again as a QR code the register's scanner reads.

The rows come from :func:`posapp.services.sales.receipt.receipt_model`; this module only draws
them, so the printed receipt and the PDF say the same thing.
"""

from __future__ import annotations

from datetime import tzinfo
from io import BytesIO
from typing import BinaryIO

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from posapp.i18n import _
from posapp.reports.pdf_kit import (
    ACCENT,
    INK,
    MUTED,
    RULE,
    fit,
    fit_box,
    fonts,
    logo_reader,
    printable,
)
from posapp.services.platform.dto import ShopProfile
from posapp.services.sales import (
    GiftCardSlip,
    OrderDetail,
    ReceiptModel,
    ReceiptRow,
    receipt_model,
)

__all__ = ["PAGE_WIDTH", "receipt_pdf", "render_receipt"]

PAGE_WIDTH = 80 * mm
MARGIN: float = 5 * mm
BODY = 8.2
SMALL = 7.0
LEAD = 1.35
LOGO_WIDTH: float = 40 * mm
LOGO_HEIGHT: float = 18 * mm
QR_SIZE: float = 26 * mm


class _Pen:
    """A top-down cursor over the page (reportlab's origin is bottom-left)."""

    def __init__(self, canvas: Canvas | None, height: float) -> None:
        self.canvas = canvas
        self.y: float = height - MARGIN
        self.fonts = fonts()
        self.right = PAGE_WIDTH - MARGIN
        self.width = PAGE_WIDTH - 2 * MARGIN

    def gap(self, points: float) -> None:
        self.y -= points

    def centre(self, text: str, size: float, *, bold: bool = False, color: object = INK) -> None:
        font = self.fonts.bold if bold else self.fonts.regular
        self.y -= size * LEAD
        if self.canvas is not None:
            self.canvas.setFont(font, size)
            self.canvas.setFillColor(color)
            self.canvas.drawCentredString(
                PAGE_WIDTH / 2, self.y, fit(printable(text), font, size, self.width)
            )

    def row(self, row: ReceiptRow, size: float = BODY) -> None:
        bold = row.style == "bold"
        muted = row.style == "muted"
        size = SMALL if muted else size
        font = self.fonts.bold if bold else self.fonts.regular
        self.y -= size * LEAD
        if self.canvas is None:
            return
        self.canvas.setFillColor(MUTED if muted else INK)
        self.canvas.setFont(font, size)
        right = printable(row.right)
        room = self.width - stringWidth(right, font, size) - 6
        self.canvas.drawString(MARGIN, self.y, fit(printable(row.left), font, size, room))
        if right:
            self.canvas.drawRightString(self.right, self.y, right)

    def rule(self, *, strong: bool = False) -> None:
        self.y -= 5
        if self.canvas is not None:
            self.canvas.setStrokeColor(INK if strong else RULE)
            self.canvas.setLineWidth(0.8 if strong else 0.6)
            if not strong:
                self.canvas.setDash(1.5, 1.5)
            self.canvas.line(MARGIN, self.y, self.right, self.y)
            self.canvas.setDash()
        self.y -= 3


def _logo(pen: _Pen, png: bytes) -> None:
    reader = logo_reader(png)
    if reader is None:
        return
    width, height = fit_box(reader, LOGO_WIDTH, LOGO_HEIGHT)
    pen.y -= height
    if pen.canvas is not None:
        x = (PAGE_WIDTH - width) / 2
        pen.canvas.drawImage(reader, x, pen.y, width, height, mask="auto")
    pen.gap(3)


def _draw(pen: _Pen, model: ReceiptModel) -> None:
    _logo(pen, model.logo)
    pen.centre(model.store_name, 13, bold=True)
    for line in model.store_lines:
        pen.centre(line, SMALL, color=MUTED)
    if model.header:
        pen.gap(3)
        for line in model.header:
            pen.centre(line, BODY)
    if model.copy or model.status_note:
        pen.gap(3)
        note = " · ".join(n for n in (_("COPY") if model.copy else "", model.status_note) if n)
        pen.centre(note, BODY, bold=True, color=ACCENT)
    pen.rule()
    for row in model.meta:
        pen.row(row)
    pen.rule()
    for row in model.items:
        pen.row(row)
    pen.rule()
    for row in model.totals:
        pen.row(row)
    pen.gap(2)
    pen.row(ReceiptRow(model.total.left.upper(), model.total.right, "bold"), 12)
    pen.rule(strong=True)
    for row in model.payments:
        pen.row(row)
    if model.taxes:
        pen.rule()
        _taxes(pen, model)
    _points(pen, model.points)
    _gift_cards(pen, model.gift_cards)
    pen.rule()
    _barcode(pen, model.barcode)
    for line in model.footer:
        pen.centre(line, SMALL, color=MUTED)
    if model.legal:
        pen.gap(4)
        for line in model.legal:
            pen.centre(line, SMALL, color=MUTED)


def _points(pen: _Pen, rows: tuple[ReceiptRow, ...]) -> None:
    if rows:
        pen.rule()
        for row in rows:
            pen.row(row)


def _taxes(pen: _Pen, model: ReceiptModel) -> None:
    columns = (pen.right - 92, pen.right - 46, pen.right)
    for index, tax in enumerate([None, *model.taxes]):
        pen.y -= SMALL * LEAD
        if pen.canvas is None:
            continue
        head = tax is None
        pen.canvas.setFont(pen.fonts.bold if head else pen.fonts.regular, SMALL)
        pen.canvas.setFillColor(MUTED if head else INK)
        cells = (
            (_("Tax"), _("Net"), _("Tax"), _("Gross"))
            if tax is None
            else (tax.rate, tax.net, tax.tax, tax.gross)
        )
        pen.canvas.drawString(MARGIN, pen.y, printable(cells[0]))
        for x, cell in zip(columns, cells[1:], strict=True):
            pen.canvas.drawRightString(x, pen.y, printable(cell))
        del index


def _barcode(pen: _Pen, number: str) -> None:
    code = Code128(number, barHeight=11 * mm, barWidth=0.95, quiet=False)
    pen.gap(4)
    pen.y -= float(code.height)
    if pen.canvas is not None:
        code.drawOn(pen.canvas, (PAGE_WIDTH - float(code.width)) / 2, pen.y)
    pen.centre(number, SMALL, color=MUTED)
    pen.gap(4)


def _gift_cards(pen: _Pen, cards: tuple[GiftCardSlip, ...]) -> None:
    for card in cards:
        pen.rule()
        _gift_card(pen, card)


def _gift_card(pen: _Pen, card: GiftCardSlip) -> None:
    """A gift card sold on the sale: its title, code, balance, validity and a QR code of it."""
    pen.gap(2)
    pen.centre(card.title, BODY, bold=True, color=ACCENT)
    pen.centre(card.code, 10, bold=True)
    pen.centre(card.balance, BODY)
    pen.centre(card.valid, SMALL, color=MUTED)
    widget = QrCodeWidget(card.code, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    size = QR_SIZE
    pen.gap(3)
    pen.y -= size
    if pen.canvas is not None:
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, pen.canvas, (PAGE_WIDTH - size) / 2, pen.y)
    pen.gap(2)


def _height(model: ReceiptModel) -> float:
    pen = _Pen(None, 10_000)
    _draw(pen, model)
    return 10_000 - pen.y + MARGIN


def render_receipt(model: ReceiptModel, out: BinaryIO) -> None:
    """Draw ``model`` as a one-page PDF on an 80 mm wide page into ``out``."""
    height = _height(model)
    canvas = Canvas(out, pagesize=(PAGE_WIDTH, height))
    canvas.setTitle(_("Receipt {barcode}").format(barcode=model.barcode))
    canvas.setAuthor(model.store_name)
    _draw(_Pen(canvas, height), model)
    canvas.showPage()
    canvas.save()


def receipt_model_pdf(model: ReceiptModel) -> bytes:
    """The PDF of a receipt model already decided (the renderer of an emailed receipt)."""
    buffer = BytesIO()
    render_receipt(model, buffer)
    return buffer.getvalue()


def receipt_pdf(
    order: OrderDetail,
    *,
    zone: tzinfo | None = None,
    copy: bool = False,
    shop: ShopProfile | None = None,
) -> bytes:
    """The PDF receipt of ``order`` as bytes (``copy`` marks a reprint; ``shop`` its profile)."""
    buffer = BytesIO()
    render_receipt(receipt_model(order, zone=zone, copy=copy, shop=shop), buffer)
    return buffer.getvalue()
