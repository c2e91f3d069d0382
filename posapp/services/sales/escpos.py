"""Print a receipt on an ESC/POS thermal printer through python-escpos (optional).

The printer is any ``escpos.escpos.Escpos``: ``Usb``, ``Network``, ``File`` (a device file such as
``/dev/usb/lp0``) or ``Dummy`` in tests. What is printed comes from
:func:`posapp.services.sales.receipt.receipt_model`, so it matches the PDF receipt.
"""

from __future__ import annotations

from typing import Any, Protocol

from posapp.services.sales.receipt import ReceiptModel, receipt_text

__all__ = ["EscposPrinter", "open_printer", "print_receipt"]

# Thermal printers' code pages lack a few typographic characters the PDF uses.
_PLAIN = str.maketrans({"−": "-", "•": "*", "×": "x", "…": "...", "€": "EUR"})


class EscposPrinter(Protocol):
    """The part of python-escpos's ``Escpos`` class used here."""

    def set(self, *args: Any, **kwargs: Any) -> None:  # noqa: D102 - python-escpos API
        ...

    def text(self, txt: str) -> None:  # noqa: D102
        ...

    def barcode(self, code: str, bc: str, *args: Any, **kwargs: Any) -> None:  # noqa: D102
        ...

    def cut(self, mode: str = "FULL", feed: bool = True) -> None:  # noqa: D102
        ...


def _line(printer: EscposPrinter, text: str) -> None:
    printer.text(text.translate(_PLAIN) + "\n")


def print_receipt(
    printer: EscposPrinter, model: ReceiptModel, *, width: int = 42, cut: bool = True
) -> None:
    """Print ``model`` on ``printer``: store name large, the body, the order number's barcode."""
    lines = receipt_text(model, width)
    printer.set(align="center", bold=True, double_height=True, double_width=True)
    _line(printer, model.store_name[: width // 2])
    printer.set(align="left", normal_textsize=True, bold=False)
    for text in lines[1:]:
        bold = text.startswith(model.total.left.upper()) or text.startswith("Change")
        if bold:
            printer.set(bold=True)
        _line(printer, text)
        if bold:
            printer.set(bold=False)
    # python-escpos' CODE128 wants the code set as a "{B" prefix.
    printer.barcode("{B" + model.barcode, "CODE128", function_type="B", height=64, width=2)
    if cut:
        printer.cut()


def open_printer(url: str) -> EscposPrinter:
    """Open a printer from a setting such as ``file:/dev/usb/lp0`` or ``tcp:192.168.1.50``.

    Raises:
        ValueError: the URL names no supported connection.
    """
    from escpos import printer as escpos_printer  # noqa: PLC0415 - optional dependency

    kind, _, target = url.partition(":")
    if kind == "file" and target:
        return escpos_printer.File(target)  # type: ignore[no-any-return]
    if kind == "tcp" and target:
        host, _, port = target.partition(":")
        return escpos_printer.Network(host, int(port or 9100))  # type: ignore[no-any-return]
    if kind == "dummy":
        return escpos_printer.Dummy()  # type: ignore[no-any-return]
    raise ValueError(f"unsupported receipt printer {url!r} (use file:DEVICE or tcp:HOST[:PORT])")
