"""The receipt printer and the cash drawer behind it, through python-escpos (optional).

:func:`connected` opens the printer at a
:class:`~posapp.services.platform.printer_address.PrinterAddress` (network, serial, USB or a
device file), hands it to the caller and closes it; whatever goes
wrong on the way (the printer is off or unplugged, the port refuses, the device file is not
writable, python-escpos or its serial/USB support is missing) becomes a :class:`PrinterError`
saying so in words, never a traceback. The cash drawer hangs on the printer's drawer port:
:func:`kick_drawer` sends it the pulse. A test page (:func:`print_test_page`) proves the set-up.

Nothing here touches the database: callers read the setting, commit what they record, and only
then print (a printer must never hold a transaction open, nor undo one by failing).
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any, Final, Protocol

from posapp.i18n import N_, _
from posapp.services.platform.errors import ServiceError
from posapp.services.platform.printer_address import PrinterAddress

__all__ = [
    "NETWORK_TIMEOUT",
    "NO_PRINTER",
    "EscposPrinter",
    "PrinterError",
    "connected",
    "kick_drawer",
    "print_test_page",
]

NETWORK_TIMEOUT: Final = 5.0
"""Seconds a network printer has to answer before it counts as unreachable."""
DRAWER_PIN: Final = 2
"""The drawer port's pin: 2 is the standard one (pin 5 drives a second drawer)."""
NO_PRINTER: Final = N_(
    "No receipt printer is set up: choose one in Admin users → Settings → Printer and drawer."
)
_NOT_THERE = {errno.ENOENT, errno.ENODEV, errno.ENXIO}


class PrinterError(ServiceError):
    """The printer could not be reached or refused the job; the message says why in words."""


class EscposPrinter(Protocol):
    """The part of python-escpos's ``Escpos`` class posapp uses."""

    def set(self, *args: Any, **kwargs: Any) -> None:  # noqa: D102 - python-escpos API
        ...

    def text(self, txt: str) -> None:  # noqa: D102
        ...

    def barcode(self, code: str, bc: str, *args: Any, **kwargs: Any) -> None:  # noqa: D102
        ...

    def qr(self, content: str, *args: Any, **kwargs: Any) -> None:  # noqa: D102
        ...

    def cut(self, mode: str = "FULL", feed: bool = True) -> None:  # noqa: D102
        ...

    def cashdraw(self, pin: int) -> None:  # noqa: D102
        ...


@contextmanager
def connected(address: PrinterAddress) -> Iterator[EscposPrinter]:
    """Open the printer at ``address`` for one job and close it afterwards.

    Raises:
        PrinterError: no printer is set, or it cannot be opened or written; in words.
    """
    if address.kind == "none":
        raise PrinterError(_(NO_PRINTER))
    printer = _make(address)
    try:
        _open(printer, address)
        yield printer
    except PrinterError:
        raise
    except (OSError, _escpos_error()) as exc:
        raise PrinterError(_words(address, exc)) from exc
    finally:
        with suppress(Exception):  # a printer that failed may fail to close too
            printer.close()


def kick_drawer(printer: EscposPrinter) -> None:
    """Send the cash drawer its opening pulse (through the printer's drawer port)."""
    printer.cashdraw(DRAWER_PIN)


def print_test_page(
    printer: EscposPrinter, address: PrinterAddress, shop: str, at: datetime
) -> None:
    """Print a short page proving the set-up: who, which printer, when; then cut."""
    printer.set(align="center", bold=True, double_height=True, double_width=True)
    printer.text(_("TEST PAGE") + "\n")
    printer.set(align="left", normal_textsize=True, bold=False)
    for line in (
        "",
        shop,
        _("Printer: {address}").format(address=address.text),
        _("Printed: {when}").format(when=f"{at:%Y-%m-%d %H:%M}"),
        "",
        _("If you can read this, posapp reaches"),
        _("the receipt printer."),
        "",
    ):
        printer.text(line + "\n")
    printer.cut()


def _escpos_error() -> type[Exception]:
    try:
        from escpos.exceptions import Error  # noqa: PLC0415 - optional dependency
    except ImportError:
        return OSError
    return Error  # type: ignore[no-any-return]


def _make(address: PrinterAddress) -> Any:  # python-escpos is untyped
    try:
        from escpos import printer  # noqa: PLC0415 - optional dependency
    except ImportError as exc:
        raise PrinterError(
            _(
                "Printing needs python-escpos, which is not installed: install posapp with its "
                "escpos extra (pip install 'posapp[escpos]')."
            )
        ) from exc
    if address.kind == "network":
        return printer.Network(address.target, address.number, timeout=NETWORK_TIMEOUT)
    if address.kind == "serial":
        if not printer.Serial.is_usable():
            raise PrinterError(_("Serial printers need pyserial, which is not installed."))
        return printer.Serial(address.target, baudrate=address.number, timeout=NETWORK_TIMEOUT)
    if address.kind == "usb":
        if not printer.Usb.is_usable():
            raise PrinterError(_("USB printers need pyusb, which is not installed."))
        return printer.Usb(address.vendor, address.number, timeout=int(NETWORK_TIMEOUT * 1000))
    return printer.File(address.target)


def _open(printer: Any, address: PrinterAddress) -> None:
    if address.kind == "network":
        # Connected here: python-escpos's own open() leaves the socket open when it fails.
        printer.device = socket.create_connection(
            (address.target, address.number), timeout=NETWORK_TIMEOUT
        )
        return
    if address.kind == "file":
        # Appended, not truncated: a plain file collects what was printed, a device does not care.
        printer.device = open(address.target, "ab")  # noqa: SIM115 - closed by printer.close()
        return
    printer.open()


def _root(exc: BaseException) -> BaseException:
    """The OS error under python-escpos's own (it wraps them without ``from``)."""
    seen = exc
    while not isinstance(seen, OSError) and seen.__context__ is not None:
        seen = seen.__context__
    return seen if isinstance(seen, OSError) else exc


def _words(address: PrinterAddress, exc: BaseException) -> str:  # noqa: PLR0911 - one per cause
    where = address.where
    where_cap = where[:1].upper() + where[1:]
    root = _root(exc)
    if type(exc).__name__ == "USBNotFoundError":
        return _("{where} is not connected: check its cable and that it is switched on.").format(
            where=where_cap
        )
    code = getattr(root, "errno", None)
    if isinstance(root, PermissionError) or code in {errno.EACCES, errno.EPERM}:
        return _(
            "Permission denied on {where}: the user running posapp may not write to it "
            "(on Linux, add them to the lp or dialout group)."
        ).format(where=where)
    if isinstance(root, socket.gaierror):
        return _("{where} cannot be found: the host name {host!r} is unknown.").format(
            where=where_cap, host=address.target
        )
    if isinstance(root, TimeoutError):
        return _(
            "{where} is unreachable: no answer within {seconds:g} seconds "
            "(is it switched on and on this network?)."
        ).format(where=where_cap, seconds=NETWORK_TIMEOUT)
    if isinstance(root, ConnectionRefusedError):
        return _("{where} refused the connection: check the address and the port.").format(
            where=where_cap
        )
    if isinstance(root, FileNotFoundError) or code in _NOT_THERE:
        return _("{where} is not there: is it plugged in and switched on?").format(where=where_cap)
    if isinstance(root, OSError):
        reason = root.strerror or str(root) or type(root).__name__
        return _("{where} is unreachable: {reason}.").format(where=where_cap, reason=reason)
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return _("{where} failed: {error}.").format(where=where_cap, error=first[:160])
