"""Barcode label sheets: a pure layout model, then a reportlab renderer.

Each label shows the product name (two lines at most), the price, a barcode and the SKU. The
barcode is the product's own when its check digit is valid — EAN-13, EAN-8 or UPC-A — and
otherwise (an internal code, or no barcode) a Code 128 of the internal code or of the SKU, which
the register's scanner path finds too. The default sheet is A4 with 3 × 7 labels of
63.5 × 38.1 mm (the common L7160 layout).

DejaVu Sans is used when the machine has it, so any name prints (accents, Greek, Cyrillic);
otherwise Helvetica with unsupported characters replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from stdnum import ean

from posapp.formats import money
from posapp.i18n import N_, _
from posapp.money import format_money
from posapp.reports.pdf_kit import fonts, printable
from posapp.services.catalog import LabelDTO

__all__ = [
    "L7160",
    "LabelContent",
    "PlacedLabel",
    "SheetLayout",
    "label_content",
    "plan_sheet",
    "render_label_sheet",
]

_NAME_LINES: Final = 2
_EAN8, _UPCA, _EAN13 = 8, 12, 13


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """A sheet of equal labels, in points (1/72 inch)."""

    page_width: float
    page_height: float
    columns: int
    rows: int
    label_width: float
    label_height: float
    left: float
    top: float
    pitch_x: float
    pitch_y: float

    @property
    def per_page(self) -> int:
        """Labels on one sheet."""
        return self.columns * self.rows


L7160: Final = SheetLayout(
    page_width=210 * mm,
    page_height=297 * mm,
    columns=3,
    rows=7,
    label_width=63.5 * mm,
    label_height=38.1 * mm,
    left=7.2 * mm,
    top=15.15 * mm,
    pitch_x=66.04 * mm,
    pitch_y=38.1 * mm,
)


@dataclass(frozen=True, slots=True)
class LabelContent:
    """What one label shows; ``symbology`` is a reportlab barcode name."""

    name: str
    price: str
    sku: str
    symbology: str
    code: str


@dataclass(frozen=True, slots=True)
class PlacedLabel:
    """A label's content and its lower-left corner on its page."""

    content: LabelContent
    x: float
    y: float


def label_content(label: LabelDTO, *, currency: str = "") -> LabelContent:
    """Decide what one label shows (no drawing)."""
    barcode = label.barcode or ""
    symbology, code = "Code128", barcode or label.sku
    if barcode.isdigit() and len(barcode) in {_EAN8, _UPCA, _EAN13} and ean.is_valid(barcode):
        symbology = {_EAN8: "EAN8", _UPCA: "UPCA", _EAN13: "EAN13"}[len(barcode)]
    # No symbol given: the shop currency's in its locale (``¥1,235``, ``1.234,56 €``).
    price = (
        format_money(label.price_minor, symbol=currency) if currency else money(label.price_minor)
    )
    return LabelContent(label.name, price, label.sku, symbology, code)


def plan_sheet(
    labels: Sequence[LabelDTO],
    *,
    layout: SheetLayout = L7160,
    copies: int = 1,
    skip: int = 0,
    currency: str = "",
) -> list[list[PlacedLabel]]:
    """Lay labels out in reading order, page by page.

    Args:
        labels: The products, in order.
        layout: The sheet.
        copies: Labels per product (1 to 1,000).
        skip: Positions to leave empty at the start of the first sheet (a used sheet).
        currency: A symbol to print before prices (default: the shop currency's).

    Returns:
        One list of placed labels per page.

    Raises:
        ValueError: ``copies`` or ``skip`` out of range.
    """
    if not 1 <= copies <= 1_000:  # noqa: PLR2004 - documented bound
        raise ValueError("copies must be between 1 and 1,000")
    if not 0 <= skip < layout.per_page:
        raise ValueError(f"skip must be between 0 and {layout.per_page - 1}")
    contents = [
        label_content(label, currency=currency) for label in labels for _unused in range(copies)
    ]
    pages: list[list[PlacedLabel]] = []
    for number, content in enumerate(contents, start=skip):
        page, slot = divmod(number, layout.per_page)
        while len(pages) <= page:
            pages.append([])
        row, column = divmod(slot, layout.columns)
        x = layout.left + column * layout.pitch_x
        y = layout.page_height - layout.top - (row + 1) * layout.pitch_y
        pages[page].append(PlacedLabel(content, x, y))
    return pages


def _printable(text: str) -> str:
    """Text the font prints; DejaVu has no glyphs beyond the BMP and control characters none."""
    shown = printable(text)
    return "".join(ch if ch.isprintable() and ord(ch) <= 0xFFFF else "?" for ch in shown)  # noqa: PLR2004


def _wrap(text: str, font: str, size: float, width: float, lines: int) -> list[str]:
    """Break ``text`` into at most ``lines`` lines that fit ``width``; the last one elided."""
    words, result, current = text.split(), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if pdfmetrics.stringWidth(trial, font, size) <= width or not current:
            current = trial
            continue
        result.append(current)
        current = word
    if current:
        result.append(current)
    if len(result) > lines:
        result = result[:lines]
        result[-1] += "…"
    fitted = []
    for line in result:
        shown = line
        while pdfmetrics.stringWidth(shown, font, size) > width and len(shown) > 1:
            shown = shown[:-2] + "…"
        fitted.append(shown)
    return fitted


def _barcode(content: LabelContent, width: float, height: float) -> Drawing | None:
    options: dict[str, object] = {"barHeight": height}
    if content.symbology == "Code128":
        options.update(barWidth=0.8, quiet=False, humanReadable=False)
    try:
        drawing = createBarcodeDrawing(content.symbology, value=content.code, **options)
    except (ValueError, TypeError, KeyError):
        return None
    if drawing.width > width:  # shrink long Code 128 codes to the label
        drawing.scale(width / drawing.width, 1)
        drawing.width = width
    return drawing


def _draw_label(canvas: Canvas, placed: PlacedLabel, layout: SheetLayout) -> None:
    regular, bold = fonts().regular, fonts().bold
    pad = 3 * mm
    inner = layout.label_width - 2 * pad
    top = placed.y + layout.label_height - pad
    name = _printable(placed.content.name)
    lines = _wrap(name, bold, 8.5, inner, _NAME_LINES)
    canvas.setFont(bold, 8.5)
    for number, line in enumerate(lines):
        canvas.drawString(placed.x + pad, top - 8.5 - number * 10, line)
    canvas.setFont(bold, 13)
    canvas.drawRightString(placed.x + layout.label_width - pad, top - 35, placed.content.price)
    canvas.setFont(regular, 6.5)
    sku = _printable(placed.content.sku)
    canvas.drawString(placed.x + pad, top - 34, sku if len(sku) <= 24 else sku[:23] + "…")  # noqa: PLR2004
    drawing = _barcode(placed.content, inner, 12 * mm)
    if drawing is not None:
        drawing.drawOn(canvas, placed.x + pad, placed.y + pad)


def render_label_sheet(
    labels: Sequence[LabelDTO],
    target: str | Path | BinaryIO,
    *,
    layout: SheetLayout = L7160,
    copies: int = 1,
    skip: int = 0,
    currency: str = "",
    title: str = N_("Barcode labels"),
) -> int:
    """Draw the labels into a PDF at ``target``; return the number of pages.

    Raises:
        ValueError: no labels, or ``copies``/``skip`` out of range.
    """
    pages = plan_sheet(labels, layout=layout, copies=copies, skip=skip, currency=currency)
    if not pages:
        raise ValueError("no labels to print")
    destination = str(target) if isinstance(target, Path) else target
    canvas = Canvas(destination, pagesize=(layout.page_width, layout.page_height))
    canvas.setTitle(_(title))
    canvas.setAuthor("posapp")
    for page in pages:
        for placed in page:
            _draw_label(canvas, placed, layout)
        canvas.showPage()
    canvas.save()
    return len(pages)
