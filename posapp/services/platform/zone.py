"""The shop's time zone (the ``shop_timezone`` setting, else the machine's) and its formats.

Times are stored in UTC; receipts, reports and the local days of a date filter use this zone.
:func:`shop_formats` adds the shop's locale and first day of the week (:mod:`posapp.formats`).
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from posapp.formats import Formats
from posapp.services.platform import registry
from posapp.services.platform.uow import UnitOfWork

SHOP_TIMEZONE_KEY: Final = registry.SHOP_TIMEZONE.key
"""Setting holding the shop's IANA time zone (``Europe/London``); the machine's zone otherwise."""


def machine_zone() -> tzinfo:
    """The machine's time zone with its daylight-saving rules (``TZ``, then /etc/localtime)."""
    name = os.environ.get("TZ", "").removeprefix(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        with Path("/etc/localtime").open("rb") as handle:
            return ZoneInfo.from_file(handle, key="localtime")
    except (OSError, ValueError):
        zone = datetime.now().astimezone().tzinfo
        assert zone is not None
        return zone


def shop_zone(uow: UnitOfWork) -> tzinfo:
    """The shop's time zone (setting ``shop_timezone``), else the machine's."""
    name = registry.read(uow, registry.SHOP_TIMEZONE)
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return machine_zone()


def day_bounds(first: date, last: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The instants of local midnight starting ``first`` and ending ``last`` in ``zone``.

    Correct across daylight-saving changes: a local day may last 23 or 25 hours.
    """
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def shop_formats(uow: UnitOfWork) -> Formats:
    """How the shop writes documents: its locale, time zone and first day of the week."""
    return Formats(
        locale=registry.read(uow, registry.SHOP_LOCALE),
        zone=shop_zone(uow),
        first_weekday=registry.first_weekday(uow),
    )
