"""Print a receipt on an ESC/POS thermal printer through python-escpos (optional).

The printer is any ``escpos.escpos.Escpos``, opened from the ``orders.receipt_printer`` setting
by :func:`posapp.services.platform.printer.connected` (or a ``Dummy`` in tests). What is printed
comes from :func:`posapp.services.sales.receipt.receipt_model`, so it matches the PDF receipt.
"""

from __future__ import annotations

from posapp.i18n import _
from posapp.services.platform.printer import EscposPrinter
from posapp.services.sales.receipt import ReceiptModel, receipt_text

__all__ = ["EscposPrinter", "print_receipt"]

# Thermal printers' code pages lack a few typographic characters the PDF uses.
_PLAIN = str.maketrans(
    {"−": "-", "•": "*", "×": "x", "…": "...", "€": "EUR", "\u00a0": " ", "\u202f": " "}
)


def _line(printer: EscposPrinter, text: str) -> None:
    printer.text(text.translate(_PLAIN) + "\n")


def print_receipt(
    printer: EscposPrinter, model: ReceiptModel, *, width: int = 42, cut: bool = True
) -> None:
    """Print ``model`` on ``printer``: store name large, the body, the order number's barcode.

    A gift card sold on the sale is in the body (title, code, balance, validity) and its code
    is printed again under the barcode as a QR code.
    """
    lines = receipt_text(model, width)
    printer.set(align="center", bold=True, double_height=True, double_width=True)
    _line(printer, model.store_name[: width // 2])
    printer.set(align="left", normal_textsize=True, bold=False)
    for text in lines[1:]:
        bold = text.startswith(model.total.left.upper()) or text.startswith(_("Change"))
        if bold:
            printer.set(bold=True)
        _line(printer, text)
        if bold:
            printer.set(bold=False)
    # python-escpos' CODE128 wants the code set as a "{B" prefix.
    printer.barcode("{B" + model.barcode, "CODE128", function_type="B", height=64, width=2)
    for card in model.gift_cards:  # the card's code as a QR code, to scan at the till
        printer.set(align="center")
        _line(printer, f"{card.title} {card.code}")
        # The printer's own QR command: no image, nothing to know about the paper's width.
        printer.qr(card.code, size=6, native=True)
        printer.set(align="left")
    if cut:
        printer.cut()
