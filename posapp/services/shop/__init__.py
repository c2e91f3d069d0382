"""The shop's own setup: its settings (from the settings registry) and its profile on documents.

The package's face (see docs/ARCHITECTURE.md); the edges use ``Backend.shop``. The registry
itself (:mod:`posapp.services.platform.registry`) sits on the ground floor, so that every system
reads its settings through the same typed getters; this package is where people change them.
"""

from posapp.services.platform.dto import ShopProfile
from posapp.services.platform.registry import GROUPS, SettingValueError
from posapp.services.shop.api import ShopApi
from posapp.services.shop.currency_guard import CURRENCY_KEY, FORMAT_KEYS
from posapp.services.shop.dto import SettingDTO
from posapp.services.shop.logo import LOGO_SIDE, remove_logo, set_logo, shop_logo
from posapp.services.shop.printer_test import try_printer
from posapp.services.shop.settings_admin import (
    SettingsRefusedError,
    change_setting,
    change_settings,
    list_settings,
    setting,
    shop_profile,
)

__all__ = [
    "CURRENCY_KEY",
    "FORMAT_KEYS",
    "GROUPS",
    "LOGO_SIDE",
    "SettingDTO",
    "SettingValueError",
    "SettingsRefusedError",
    "ShopApi",
    "ShopProfile",
    "change_setting",
    "change_settings",
    "list_settings",
    "remove_logo",
    "set_logo",
    "setting",
    "shop_logo",
    "shop_profile",
    "try_printer",
]
