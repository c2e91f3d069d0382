"""Settings → Printer and drawer → Print test page: proves posapp reaches the receipt printer.

The page goes to the address typed on the Settings page (checked by the setting's own rules, so
it can be tried before it is saved) or, without one, to the stored printer. Only people who may
change the settings print it. The database is read and left before the printer is opened; what
goes wrong at the printer comes back as a :class:`~posapp.services.platform.printer.PrinterError`
in words (unreachable, permission denied, not plugged in).
"""

from __future__ import annotations

from posapp.services.platform import registry, zone
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.printer import connected, print_test_page
from posapp.services.platform.printer_address import parse_printer
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import ACTIONS, Permission, authorize

ACTIONS["shop.printer_test.try_printer"] = Permission.MANAGE_SETTINGS


def try_printer(uow: UnitOfWork, actor: UserDTO | None, address: str | None = None) -> str:
    """Print a test page on the printer at ``address`` (``None``: the stored one).

    Returns:
        The address printed to, as the setting stores it.

    Raises:
        SettingValueError: ``address`` is not a printer address (the setting's message).
        PrinterError: no printer, or it cannot be reached; the message says why.
        PermissionDeniedError: the actor may not manage the settings.
    """
    with uow:
        if actor is not None:
            authorize(uow, actor, Permission.MANAGE_SETTINGS)
        text = registry.read(uow, registry.RECEIPT_PRINTER)
        if address is not None:
            text = registry.RECEIPT_PRINTER.parse(address)
        profile = registry.shop_profile(uow)
        at = uow.now().astimezone(zone.shop_zone(uow))
    where = parse_printer(text)
    with connected(where) as printer:
        print_test_page(printer, where, profile.legal_name or "posapp", at)
    return where.text
