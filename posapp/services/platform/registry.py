"""The settings registry: every shop setting listed once, with its type, default and bounds.

A setting is a row of the ``settings`` table (key, JSON value); this module says what each key
means. Each spec (its kinds live in :mod:`~posapp.services.platform.setting_specs`) names its
key, group and label, its default, its bounds or choices, who may change it (a permission's
value: this ground floor cannot import the staff system's ``Permission``) and one line of
description. The code that uses a setting reads it with :func:`read`, which returns the typed
value, or the spec's default when the row is missing or holds something the spec refuses
(logged, never raised: a typo in a stored value must not stop a sale). Values typed by a person
(the command line, the Settings page) go through ``Spec.parse``, which raises a
:class:`SettingValueError` saying what is wrong.

Existing databases keep their rows: each spec reads what earlier versions stored under its key
(the discount cap in basis points, the idle-lock minutes as a number, the denominations as a
list of minor units, and so on). Keys written by screens of their own (``mail.smtp``,
``notifications.rules``) or by the demo are not listed here; :data:`MANAGED_ELSEWHERE` says
where they are changed.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping
from typing import Final, TypeVar

from posapp.currency import Currency, currency_for, default_denominations
from posapp.formats import WEEKDAYS, locale_first_weekday
from posapp.i18n import N_, _
from posapp.services.platform.dto import ShopProfile
from posapp.services.platform.setting_specs import (
    ADMIN,
    AnySpec,
    ChoiceSpec,
    CurrencySpec,
    DenominationsSpec,
    IntSpec,
    LocaleSpec,
    MoneySpec,
    NumberSpec,
    PercentSpec,
    PrefixesSpec,
    PrinterSpec,
    SettingValueError,
    Spec,
    TextSpec,
    ZoneSpec,
)
from posapp.services.platform.settings import get_setting, stored_setting
from posapp.services.platform.uow import UnitOfWork

__all__ = [
    "ADMIN",
    "BY_KEY",
    "GROUPS",
    "LOGO_KEY",
    "MANAGED_ELSEWHERE",
    "SETTINGS",
    "AnySpec",
    "ChoiceSpec",
    "CurrencySpec",
    "DenominationsSpec",
    "IntSpec",
    "LocaleSpec",
    "MoneySpec",
    "NumberSpec",
    "PercentSpec",
    "PrefixesSpec",
    "PrinterSpec",
    "SettingValueError",
    "Spec",
    "TextSpec",
    "ZoneSpec",
    "first_weekday",
    "logo_bytes",
    "read",
    "read_stored",
    "shop_currency",
    "shop_denominations",
    "shop_profile",
    "spec_for",
]

T = TypeVar("T")
_log = logging.getLogger(__name__)
_MISSING: Final = object()

PROFILE, REGISTER, HARDWARE, SECURITY, ACCOUNTS, GIFT_CARDS, LOYALTY, CLOCK = (
    N_("Shop profile"),
    N_("Register"),
    N_("Printer and drawer"),
    N_("Security"),
    N_("Customer accounts"),
    N_("Gift cards"),
    N_("Loyalty points"),
    N_("Region and time"),
)
GROUPS: Final = (PROFILE, REGISTER, HARDWARE, SECURITY, ACCOUNTS, GIFT_CARDS, LOYALTY, CLOCK)
"""The groups in the order the Settings page shows them."""


# ---- the settings ---------------------------------------------------------------------------

LEGAL_NAME = TextSpec("shop.legal_name", PROFILE, N_("Legal name"),
                      N_("The business's registered name, printed on receipts, Z reports and "
                      "statements."), "", limit=120)  # fmt: skip
ADDRESS = TextSpec("shop.address", PROFILE, N_("Address"),
                   N_("The registered address, under the legal name on documents."), "",
                   limit=300, multiline=True)  # fmt: skip
VAT_NUMBER = TextSpec("shop.vat_number", PROFILE, N_("Tax / VAT number"),
                      N_("The tax or VAT registration number printed on documents."), "",
                      limit=40)  # fmt: skip
RECEIPT_HEADER = TextSpec("shop.receipt_header", PROFILE, N_("Receipt header"),
                          N_("Lines printed at the top of every receipt (a greeting, opening "
                          "hours)."), "", limit=300, multiline=True)  # fmt: skip
RECEIPT_FOOTER = TextSpec("shop.receipt_footer", PROFILE, N_("Receipt footer"),
                          N_("Lines printed at the bottom of every receipt; empty prints the "
                          "standard thanks and returns note."), "", limit=300,
                          multiline=True)  # fmt: skip
CURRENCY = CurrencySpec("shop.currency", PROFILE, N_("Currency"),
                        N_("The ISO 4217 currency the shop sells in; its decimals (JPY 0, EUR 2, "
                        "KWD 3) drive every amount. Only a database without money can change "
                        "it."), "")  # fmt: skip
DISCOUNT_CAP_BP = PercentSpec("orders.discount_cap_bp", REGISTER, N_("Discount cap"),
                              N_("The largest discount a cashier may give without a manager's "
                              "approval."), 1000, minimum=0, maximum=10_000)  # fmt: skip
CARD_DETAILS = ChoiceSpec("till.card_details_required", REGISTER, N_("Card details at the till"),
                          N_("What the cashier copies from the card terminal for a card "
                          "payment."), "reference_and_last_four",
                          choices=(("reference_and_last_four",
                                    N_("Terminal reference and last four")),
                                   ("reference", N_("Terminal reference only")),
                                   ("last_four", N_("Last four digits only")),
                                   ("none", N_("Nothing"))))  # fmt: skip
OFFLINE_COUPONS = ChoiceSpec("offline.coupons", REGISTER, N_("Coupons while offline"),
                             N_("What a register without its server does with a coupon: refuse "
                             "it, or take the codes of shared-code campaigns without a use "
                             "limit (single-use codes always need the server)."), "refuse",
                             choices=(("refuse", N_("Refuse every coupon")),
                                      ("shared", N_("Take shared-code campaigns"))))  # fmt: skip
DENOMINATIONS = DenominationsSpec("tills.denominations", REGISTER, N_("Notes and coins"),
                                  N_("The notes and coins counted when a till closes (unset: "
                                  "those of the shop's currency)."),
                                  (50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20,
                                   10, 5, 2, 1))  # fmt: skip
SCALE_PREFIXES = PrefixesSpec("scale_barcode.prefixes", REGISTER, N_("Scale barcode prefixes"),
                              N_("EAN-13 prefixes (20-29) whose codes carry a weight or a price "
                              "printed by a scale; empty: none."), ())  # fmt: skip
SCALE_ITEM_DIGITS = IntSpec("scale_barcode.item_digits", REGISTER, N_("Scale barcode item digits"),
                            N_("Digits after the prefix that name the item (the product whose "
                            "barcode is the code with a zero value, or whose SKU is those "
                            "digits)."), 5, minimum=1, maximum=6, unit="digits")  # fmt: skip
SCALE_VALUE = ChoiceSpec("scale_barcode.value", REGISTER, N_("Scale barcode value"),
                         N_("What the digits before the check digit carry."), "weight",
                         choices=(("weight", N_("Weight in kg")),
                                  ("price", N_("Price of the item"))))  # fmt: skip
SCALE_VALUE_DIGITS = IntSpec("scale_barcode.value_digits", REGISTER,
                             N_("Scale barcode value digits"),
                             N_("Digits of the weight or price, just before the check digit (item "
                             "and value digits fit in 10)."), 5, minimum=3, maximum=6,
                             unit="digits")  # fmt: skip
SCALE_DECIMALS = IntSpec("scale_barcode.decimals", REGISTER, N_("Scale barcode decimals"),
                         N_("Decimals of the weight (kg) or price in the code: 3 reads 00455 as "
                         "0.455 kg."), 3, minimum=0, maximum=3, unit="decimals")  # fmt: skip
RECEIPT_PRINTER = PrinterSpec("orders.receipt_printer", HARDWARE, N_("Receipt printer"),
                              N_("The ESC/POS printer receipts print on after each sale; the "
                              "cash drawer hangs on it."), "")  # fmt: skip
DRAWER_KICK = ChoiceSpec("orders.drawer_kick", HARDWARE, N_("Cash drawer"),
                         N_("When the cash drawer on the receipt printer opens by itself."),
                         "cash_sales",
                         choices=(("cash_sales", N_("Open on sales paid in cash")),
                                  ("never", N_("Never (open it by hand)"))))  # fmt: skip
IDLE_LOCK_MINUTES = NumberSpec("till.idle_lock_minutes", SECURITY, N_("Idle lock"),
                               N_("Minutes without input before the till locks itself (0: never)."),
                               5.0, minimum=0, maximum=480, unit="minutes",
                               clamp=True)  # fmt: skip
LOCKOUT_ATTEMPTS = IntSpec("auth.lockout_attempts", SECURITY, N_("Lock-out after"),
                           N_("Wrong passwords in a row before a user is locked out."), 5,
                           minimum=1, maximum=100, unit="attempts")  # fmt: skip
LOCKOUT_MINUTES = IntSpec("auth.lockout_minutes", SECURITY, N_("Lock-out lasts"),
                          N_("Minutes a locked-out user waits (an admin can unlock sooner)."), 15,
                          minimum=1, maximum=1440, unit="minutes")  # fmt: skip
WITHDRAWAL_APPROVAL = MoneySpec("accounts.withdrawal_approval_minor", ACCOUNTS,
                                N_("Withdrawal approval above"),
                                N_("Withdrawals from a customer account above this amount need a "
                                "manager."), 20_000, minimum=0, maximum=100_000_000)  # fmt: skip
GIFT_CARD_MIN = MoneySpec("giftcards.min_minor", GIFT_CARDS, N_("Smallest gift card"),
                          N_("The least a gift card may be sold or reloaded for."), 500,
                          minimum=1, maximum=100_000_000)  # fmt: skip
GIFT_CARD_MAX = MoneySpec("giftcards.max_minor", GIFT_CARDS, N_("Largest gift card"),
                          N_("The most a gift card may be sold for, and the most it may hold "
                          "after a reload."), 50_000, minimum=1,
                          maximum=100_000_000)  # fmt: skip
GIFT_CARD_EXPIRY_MONTHS = IntSpec("giftcards.expiry_months", GIFT_CARDS,
                                  N_("Gift cards expire after"),
                                  N_("Months a sold gift card can be spent (0: never expires)."),
                                  0, minimum=0, maximum=240, unit="months")  # fmt: skip
POINTS_EARNED = IntSpec("loyalty.earn_points_per_unit", LOYALTY, N_("Points earned"),
                       N_("Points a customer earns per whole currency unit spent on goods (0: "
                          "the shop gives no points)."), 0, minimum=0, maximum=1000,
                       unit="points per unit")  # fmt: skip
POINTS_ROUNDING = ChoiceSpec("loyalty.rounding", LOYALTY, N_("Points rounding"),
                             N_("How a sale's points are rounded to a whole number."), "down",
                             choices=(("down", N_("Down (9.99 earns 9)")),
                                      ("nearest", N_("To the nearest, halves up"))))  # fmt: skip
POINTS_EXCLUDED = TextSpec("loyalty.excluded_categories", LOYALTY,
                           N_("Categories without points"),
                           N_("Ids of the categories whose products earn no points (their "
                              "subcategories too), separated by commas; empty: every product "
                              "earns."), "", limit=300, pattern=r"\d{1,12}(\s*,\s*\d{1,12})*",
                           hint=N_("category ids separated by commas"))  # fmt: skip
POINTS_VALUE = IntSpec("loyalty.redeem_points_per_unit", LOYALTY, N_("Points per currency unit"),
                       N_("How many points pay one whole currency unit at the till (100: 100 "
                          "points pay 1.00)."), 100, minimum=1, maximum=1_000_000,
                       unit="points")  # fmt: skip
POINTS_EXPIRY_DAYS = IntSpec("loyalty.expiry_days", LOYALTY, N_("Points expire after"),
                             N_("Days after they are earned that unspent points expire, oldest "
                                "first (0: never)."), 365, minimum=0, maximum=3650,
                             unit="days")  # fmt: skip
SHOP_TIMEZONE = ZoneSpec("shop_timezone", CLOCK, N_("Time zone"),
                         N_("The shop's time zone for receipts, reports and days; empty uses this "
                         "computer's."), "")  # fmt: skip
SHOP_LOCALE = LocaleSpec("shop.locale", CLOCK, N_("Locale"),
                         N_("How documents write dates, numbers and money (de_DE: 07.12.2026, "
                         "1.234,56 €); each user may choose their own for their screens. Empty "
                         "keeps posapp's neutral formats (2026-12-07, €1,234.56)."),
                         "")  # fmt: skip
_WEEKDAY_NAMES: Final = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"),
                          N_("Friday"), N_("Saturday"), N_("Sunday"))  # fmt: skip
"""The day names of the first-day choice, marked for translation (``WEEKDAYS`` stays English)."""
_WEEKDAY_CHOICES: Final = tuple(zip([d.lower() for d in WEEKDAYS], _WEEKDAY_NAMES, strict=True))
FIRST_DAY = ChoiceSpec("shop.first_day_of_week", CLOCK, N_("First day of the week"),
                       N_("Where calendars start a week and where weekly report ranges begin."),
                       "locale",
                       choices=(("locale", N_("As the shop's locale says")),
                                *_WEEKDAY_CHOICES))  # fmt: skip

SETTINGS: Final[tuple[AnySpec, ...]] = (
    LEGAL_NAME, ADDRESS, VAT_NUMBER, RECEIPT_HEADER, RECEIPT_FOOTER, CURRENCY,
    DISCOUNT_CAP_BP, CARD_DETAILS, OFFLINE_COUPONS, DENOMINATIONS, SCALE_PREFIXES,
    SCALE_ITEM_DIGITS, SCALE_VALUE,
    SCALE_VALUE_DIGITS, SCALE_DECIMALS, RECEIPT_PRINTER, DRAWER_KICK,
    IDLE_LOCK_MINUTES, LOCKOUT_ATTEMPTS, LOCKOUT_MINUTES,
    WITHDRAWAL_APPROVAL, GIFT_CARD_MIN, GIFT_CARD_MAX, GIFT_CARD_EXPIRY_MONTHS,
    POINTS_EARNED, POINTS_ROUNDING, POINTS_EXCLUDED, POINTS_VALUE, POINTS_EXPIRY_DAYS,
    SHOP_TIMEZONE, SHOP_LOCALE, FIRST_DAY,
)  # fmt: skip
"""Every setting, in the order the Settings page and ``posapp settings list`` show them."""

BY_KEY: Final[Mapping[str, AnySpec]] = {spec.key: spec for spec in SETTINGS}

LOGO_KEY: Final = "shop.logo"
"""The shop's logo: ``{"png": base64}``, set from a file (:mod:`posapp.services.shop.logo`)."""

MANAGED_ELSEWHERE: Final[Mapping[str, str]] = {
    LOGO_KEY: "Admin users → Settings → Shop profile (Logo), from an image file",
    "mail.smtp": "the mail server settings (Notifications → Mail server…)",
    "notifications.rules": "the notification rules (Notifications → Notification rules…)",
    "demo_logins": "`posapp demo`",
}
"""Keys stored in the same table that have screens of their own."""


def spec_for(key: str) -> AnySpec:
    """The setting named ``key``.

    Raises:
        SettingValueError: no such setting (or one changed elsewhere, which it names).
    """
    spec = BY_KEY.get(key.strip())
    if spec is not None:
        return spec
    elsewhere = MANAGED_ELSEWHERE.get(key.strip())
    if elsewhere is not None:
        raise SettingValueError(
            _("{key} is changed in {elsewhere}, not here.").format(
                key=key.strip(), elsewhere=_(elsewhere)
            )
        )
    raise SettingValueError(
        _("Unknown setting {key!r}: `posapp settings list` shows them all.").format(
            key=key.strip()[:60]
        )
    )


def read(uow: UnitOfWork, spec: Spec[T]) -> T:
    """The typed value of ``spec`` inside a running unit of work; its default if unset or bad."""
    return _typed(spec, get_setting(uow, spec.key, _MISSING))


def read_stored(uow: UnitOfWork, spec: Spec[T]) -> T:
    """:func:`read` through one prepared statement, for a sale's hot path (it changes no setting).

    See :func:`posapp.services.platform.settings.stored_setting`.
    """
    return _typed(spec, stored_setting(uow, spec.key, _MISSING))


def typed_value(spec: Spec[T], raw: object) -> T:
    """The typed value of a stored (JSON-decoded) ``raw``; the default if unset or bad.

    For a copy of the settings kept elsewhere (the offline register's cache).
    """
    return _typed(spec, raw)


def _typed(spec: Spec[T], raw: object) -> T:
    if raw is _MISSING or raw is None:
        return spec.default
    try:
        return spec.coerce(raw)
    except SettingValueError:
        _log.warning("ignoring setting %s = %r; using %r", spec.key, raw, spec.default)
        return spec.default


def logo_bytes(raw: object) -> bytes:
    """The PNG of a stored ``shop.logo`` value, or ``b""`` (none, or not a PNG)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("png"), str):
        return b""
    try:
        data = base64.b64decode(raw["png"], validate=True)
    except (binascii.Error, ValueError):
        return b""
    return data if data.startswith(b"\x89PNG\r\n\x1a\n") else b""


def shop_currency(uow: UnitOfWork) -> Currency:
    """The shop's currency (setting ``shop.currency``) inside a running unit of work."""
    return currency_for(read(uow, CURRENCY))


def first_weekday(uow: UnitOfWork) -> int:
    """The shop's first day of the week (``0`` Monday … ``6`` Sunday), else its locale's."""
    chosen = read(uow, FIRST_DAY)
    if chosen in (day.lower() for day in WEEKDAYS):
        return [day.lower() for day in WEEKDAYS].index(chosen)
    return locale_first_weekday(read(uow, SHOP_LOCALE))


def shop_denominations(uow: UnitOfWork) -> tuple[int, ...]:
    """The notes and coins a till counts: the shop's own list, else its currency's."""
    raw = get_setting(uow, DENOMINATIONS.key, _MISSING)
    if raw is _MISSING or raw is None:
        return default_denominations(shop_currency(uow))
    return read(uow, DENOMINATIONS)


def shop_profile(uow: UnitOfWork) -> ShopProfile:
    """The shop profile printed on documents, inside a running unit of work."""
    return ShopProfile(
        logo=logo_bytes(get_setting(uow, LOGO_KEY, None)),
        legal_name=read(uow, LEGAL_NAME),
        address=read(uow, ADDRESS),
        vat_number=read(uow, VAT_NUMBER),
        receipt_header=read(uow, RECEIPT_HEADER),
        receipt_footer=read(uow, RECEIPT_FOOTER),
    )
