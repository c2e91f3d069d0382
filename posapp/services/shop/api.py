"""The shop's own setup as one object for the edges: its settings and its profile.

The Settings page and ``posapp settings`` make every call through it (``Backend.shop``); the
documents read the profile through it. Each method runs one use case in its own unit of work.
"""

from __future__ import annotations

from posapp.services.platform.facade import Facade, reads, writes
from posapp.services.shop import currency_guard, logo, printer_test, settings_admin


class ShopApi(Facade):
    """Shop setup use cases over one :class:`ServiceContext`; changes name the acting user."""

    list_settings = reads(settings_admin.list_settings)
    setting = reads(settings_admin.setting)
    change_setting = writes(settings_admin.change_setting)
    change_settings = writes(settings_admin.change_settings)
    shop_profile = reads(settings_admin.shop_profile)
    set_logo = writes(logo.set_logo)
    remove_logo = writes(logo.remove_logo)
    shop_logo = reads(logo.shop_logo)
    try_printer = reads(printer_test.try_printer)
    apply_currency = reads(currency_guard.apply_shop_currency)
    money_held = reads(currency_guard.money_in_database)
