"""Where the receipt printer is: none, on the network, a serial port, USB, or a device file.

The ``orders.receipt_printer`` setting holds one address as text, ``KIND:WHERE``::

    network:192.168.1.50:9100   (the port may be left out: 9100, the ESC/POS raw port)
    serial:/dev/ttyUSB0:19200   (the speed may be left out: 9600 baud)
    usb:04b8:0e15               (the printer's USB vendor and product ids, four hex digits each)
    file:/dev/usb/lp0           (a device file, or any file a test reads back)
    none                        (or empty: no printer)

Earlier versions stored ``tcp:HOST[:PORT]`` for a network printer; it is still read. Nothing here
opens a printer (:mod:`posapp.services.platform.printer` does): this module only reads and checks
what a person typed, and says what is wrong in words.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from posapp.i18n import N_, _
from posapp.services.platform.errors import ValidationError

__all__ = [
    "BAUD_RATES",
    "DEFAULT_BAUD",
    "DEFAULT_PORT",
    "FORMS",
    "KINDS",
    "PrinterAddress",
    "PrinterAddressError",
    "parse_printer",
]

KINDS: Final = ("none", "network", "serial", "usb", "file")
DEFAULT_PORT: Final = 9100
DEFAULT_BAUD: Final = 9600
BAUD_RATES: Final = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
FORMS: Final = N_(
    "none, network:HOST[:PORT], serial:DEVICE[:BAUD], usb:VENDOR:PRODUCT or file:PATH"
)
"""What the setting accepts, in words (marked: show it with ``_()``)."""
_PATH_MOST = 200
_HOST_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_HEX_ID = re.compile(r"(0x)?([0-9a-fA-F]{1,4})")
_WINDOWS_PORT = re.compile(r"COM[1-9]\d{0,2}", re.IGNORECASE)


class PrinterAddressError(ValidationError):
    """A printer address that cannot be used; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class PrinterAddress:
    """A checked printer address.

    Attributes:
        kind: ``none``, ``network``, ``serial``, ``usb`` or ``file``.
        target: the host, the serial device or the file's path (``""`` for none and USB).
        number: the TCP port, the serial speed in baud, or the USB product id.
        vendor: the USB vendor id (0 for the other kinds).
    """

    kind: str = "none"
    target: str = ""
    number: int = 0
    vendor: int = 0

    @property
    def text(self) -> str:
        """The address as stored and shown (``""`` for none); :func:`parse_printer` reads it."""
        if self.kind == "network":
            host = f"[{self.target}]" if ":" in self.target else self.target
            return f"network:{host}:{self.number}"
        if self.kind == "serial":
            return f"serial:{self.target}:{self.number}"
        if self.kind == "usb":
            return f"usb:{self.vendor:04x}:{self.number:04x}"
        if self.kind == "file":
            return f"file:{self.target}"
        return ""

    @property
    def where(self) -> str:
        """The printer in words, for messages: ``the printer at 192.168.1.50:9100``."""
        if self.kind == "network":
            return _("the printer at {address}").format(address=self.text.removeprefix("network:"))
        if self.kind == "serial":
            return _("the printer on {port}").format(port=self.target)
        if self.kind == "usb":
            return _("the USB printer {vendor:04x}:{product:04x}").format(
                vendor=self.vendor, product=self.number
            )
        if self.kind == "file":
            return _("the printer at {address}").format(address=self.target)
        return _("no printer")


def parse_printer(text: str) -> PrinterAddress:
    """The printer address typed (or stored) as ``text``.

    Raises:
        PrinterAddressError: not an address of a known kind; the message says why.
    """
    value = unicodedata.normalize("NFKC", text).strip()
    if "\x00" in value or "\n" in value or "\r" in value:
        raise PrinterAddressError(_("one line without control characters, please."))
    if value.lower() in {"", "none"}:
        return PrinterAddress()
    kind, sep, rest = value.partition(":")
    kind = kind.strip().lower()
    if kind == "tcp":  # what earlier versions stored
        kind = "network"
    if not sep or kind not in KINDS[1:]:
        raise PrinterAddressError(
            _(
                "{value!r} names no kind of printer: type {forms} (for "
                "example network:192.168.1.50)."
            ).format(value=value[:40], forms=_(FORMS))
        )
    rest = rest.strip()
    if kind == "network":
        return _network(rest)
    if kind == "serial":
        return _serial(rest)
    if kind == "usb":
        return _usb(rest)
    return PrinterAddress("file", _path(rest, "file:PATH, such as file:/dev/usb/lp0"))


def _port(text: str, what: str, lowest: int, highest: int) -> int:
    if not text.isascii() or not text.isdigit() or not lowest <= int(text) <= highest:
        raise PrinterAddressError(
            _("{what} {text!r} is not a number from {lowest} to {highest}.").format(
                what=what, text=text[:12], lowest=lowest, highest=highest
            )
        )
    return int(text)


def _network(rest: str) -> PrinterAddress:
    if rest.startswith("["):  # [IPv6]:port
        host, close, after = rest[1:].partition("]")
        if not close:
            raise PrinterAddressError(
                _("an IPv6 address needs its closing bracket: [fe80::1]:9100.")
            )
        port_text = after.removeprefix(":") if after.startswith(":") else after
        if after and not after.startswith(":"):
            raise PrinterAddressError(_("write the port after the address as [ADDRESS]:PORT."))
    else:
        host, _unused, port_text = rest.partition(":")
    host = host.strip()
    if not host:
        raise PrinterAddressError(
            _("enter the printer's host name or IP address: network:HOST[:PORT].")
        )
    port = _port(port_text.strip(), _("The port"), 1, 65535) if port_text.strip() else DEFAULT_PORT
    return PrinterAddress("network", _host(host), port)


def _host(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if len(host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):  # noqa: PLR2004 - DNS
        raise PrinterAddressError(
            _(
                "{host!r} is not a host name or IP address (letters, digits, dots and dashes)."
            ).format(host=host[:40])
        )
    if all(label.isdigit() for label in labels):
        raise PrinterAddressError(_("{host!r} is not a valid IP address.").format(host=host[:40]))
    return host.rstrip(".").lower()


def _serial(rest: str) -> PrinterAddress:
    device, baud_text = rest, ""
    head, sep, tail = rest.rpartition(":")
    if sep and tail.strip().isdigit():
        device, baud_text = head, tail.strip()
    device = device.strip()
    if not device:
        raise PrinterAddressError(_("enter the serial port: serial:/dev/ttyUSB0[:BAUD]."))
    if _WINDOWS_PORT.fullmatch(device):
        device = device.upper()
    else:
        device = _path(device, "serial:DEVICE[:BAUD], such as serial:/dev/ttyUSB0:9600")
    baud = DEFAULT_BAUD
    if baud_text:
        baud = int(baud_text)
        if baud not in BAUD_RATES:
            rates = ", ".join(str(rate) for rate in BAUD_RATES)
            raise PrinterAddressError(
                _("{baud} baud is not a serial speed (use one of {rates}).").format(
                    baud=baud, rates=rates
                )
            )
    return PrinterAddress("serial", device, baud)


def _usb(rest: str) -> PrinterAddress:
    parts = [part.strip() for part in rest.split(":")]
    ids = [_HEX_ID.fullmatch(part) for part in parts]
    if len(parts) != 2 or not all(ids):  # noqa: PLR2004 - vendor and product
        raise PrinterAddressError(
            _(
                "a USB printer is usb:VENDOR:PRODUCT, its two ids in hex as `lsusb` shows them "
                "(for example usb:04b8:0e15)."
            )
        )
    vendor, product = (int(match[2], 16) for match in ids if match)
    if vendor == 0 or product == 0:
        raise PrinterAddressError(_("USB ids of 0000 name no device: copy them from `lsusb`."))
    return PrinterAddress("usb", "", product, vendor)


def _path(text: str, form: str) -> str:
    path = text.strip()
    if not path:
        raise PrinterAddressError(_("enter the path: {form}.").format(form=form))
    if len(path) > _PATH_MOST:
        raise PrinterAddressError(
            _("the path is longer than {path_most} characters.").format(path_most=_PATH_MOST)
        )
    if not (path.startswith("/") or re.match(r"[A-Za-z]:[\\/]", path) or path.startswith("\\\\")):
        raise PrinterAddressError(
            _("{path!r} is not a full path (it starts with /): {form}.").format(
                path=path[:40], form=form
            )
        )
    if any(part == ".." for part in re.split(r"[\\/]", path)):
        raise PrinterAddressError(
            _("{path!r}: write the path without '..'.").format(path=path[:40])
        )
    return path
