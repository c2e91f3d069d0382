"""What the cashier and the admin read when the receipt printer fails: words, never a traceback."""

from __future__ import annotations

import errno
import socket

import pytest

from posapp.services.platform.printer import PrinterError, _words, connected
from posapp.services.platform.printer_address import parse_printer


@pytest.mark.parametrize(
    ("address", "error", "words"),
    [
        (
            "file:/dev/usb/lp0",
            PermissionError(errno.EACCES, "Permission denied"),
            "Permission denied on the printer at /dev/usb/lp0: the user running posapp may not "
            "write to it",
        ),
        (
            "network:10.0.0.9",
            TimeoutError("timed out"),
            "The printer at 10.0.0.9:9100 is unreachable: no answer within 5 seconds",
        ),
        (
            "network:till-printer.lan:9101",
            socket.gaierror(-2, "Name or service not known"),
            "The printer at till-printer.lan:9101 cannot be found: the host name "
            "'till-printer.lan' is unknown",
        ),
        (
            "serial:/dev/ttyUSB0",
            OSError(errno.ENOENT, "No such file or directory"),
            "The printer on /dev/ttyUSB0 is not there: is it plugged in and switched on?",
        ),
        (
            "usb:04b8:0e15",
            OSError(errno.EIO, "Input/output error"),
            "The USB printer 04b8:0e15 is unreachable: Input/output error.",
        ),
    ],
)
def test_failures_are_said_in_words(address: str, error: OSError, words: str) -> None:
    assert _words(parse_printer(address), error).startswith(words)


def test_an_error_wrapped_by_python_escpos_is_read_underneath() -> None:
    from escpos.exceptions import DeviceNotFoundError

    wrapped = DeviceNotFoundError("Could not open the specified file")
    wrapped.__context__ = PermissionError(errno.EACCES, "Permission denied")  # as escpos raises it
    text = _words(parse_printer("file:/dev/usb/lp0"), wrapped)
    assert text.startswith("Permission denied on the printer at /dev/usb/lp0")


def test_no_printer_set_up() -> None:
    with (
        pytest.raises(PrinterError, match="No receipt printer is set up"),
        connected(parse_printer("none")),
    ):
        pass
