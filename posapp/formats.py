"""Money, numbers, dates and times as the shop's locale writes them: the one formatting module.

Every document (receipts, X/Z and sales reports, statements, coupon reports and code sheets,
labels, purchase orders) and the command line format through here, never through Babel
directly. The shop's locale (setting ``shop.locale``, a Babel/CLDR id such as ``de_DE``), its
time zone (``shop_timezone``) and its first day of the week (``shop.first_day_of_week``) are
the process's *current formats*, held like the current currency of :mod:`posapp.money`: the
backend sets them with :func:`set_current_formats` when it opens a database and again when one
of those settings changes (:class:`~posapp.events.SettingChanged`).

A shop that has not chosen a locale keeps posapp's neutral formats, as documents always printed
them: ``€1,234.56``, ``2026-12-07 14:05``, ``1,234``. With a locale, Babel writes them the way
that country does: ``1.234,56 €`` and ``07.12.2026 14:05`` in ``de_DE``, ``¥1,235`` in ``ja_JP``,
``1,234.567 KWD`` in ``en``.

Two adjustments to CLDR, for paper: a currency symbol that CLDR writes in full-width form
(``￥`` in Japanese) prints in its ordinary form (``¥``; the documents' fonts have no full-width
forms), and a symbol made of letters is set apart from the digits by a no-break space
(``KWD 1,234.567``, never ``KWD1,234.567``). Bidirectional marks are left out (documents are
laid out left to right). Amounts stay integers of minor units: the decimal handed to Babel is
built exactly from the integer (:class:`~decimal.Decimal` scaled by the currency's digits), so
nothing is rounded here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from functools import cache
from typing import Final

from babel import Locale, UnknownLocaleError, localedata
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)

from posapp.i18n import _, language
from posapp.money import current_currency, format_money, money_label

__all__ = [
    "NEUTRAL",
    "SHIPPED_LANGUAGES",
    "WEEKDAYS",
    "Formats",
    "LocaleError",
    "amount",
    "current_formats",
    "date_text",
    "datetime_text",
    "local_day",
    "locale_first_weekday",
    "locale_for",
    "locale_names",
    "money",
    "number",
    "number_marks",
    "percent",
    "set_current_formats",
    "short_date_text",
    "time_text",
    "week_start",
]

SHIPPED_LANGUAGES: Final = ("en", "de", "fr", "es")
"""The languages posapp ships (a user's own language must be one of them)."""

WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
"""Day names by Python's ``date.weekday()`` number (Monday is 0)."""

_BIDI_MARKS: Final = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c"))


class LocaleError(ValueError):
    """Not a locale posapp can format in; ``str(error)`` is one line for the user."""


@dataclass(frozen=True, slots=True)
class Formats:
    """How the shop writes things: its locale, time zone and first day of the week.

    Attributes:
        locale: A Babel locale id (``de_DE``), or ``""`` for posapp's neutral formats.
        zone: The shop's time zone; ``None`` is the machine's.
        first_weekday: The first day of a week, ``0`` Monday to ``6`` Sunday.
    """

    locale: str = ""
    zone: tzinfo | None = None
    first_weekday: int = 0


NEUTRAL: Final = Formats()
"""The formats of a shop that chose nothing: neutral text, the machine's zone, weeks from Monday."""

_current: list[Formats] = [NEUTRAL]  # one slot: set_current_formats() replaces it


def current_formats() -> Formats:
    """The formats documents are written in (the shop's locale, zone and first weekday)."""
    return _current[0]


def set_current_formats(formats: Formats) -> None:
    """Make ``formats`` the ones every document uses from now on (start-up, after a change)."""
    _current[0] = formats


@cache
def locale_for(text: str, *, languages: tuple[str, ...] = ()) -> str:
    """The Babel locale id typed as ``text`` (``de_DE``, ``de-de``, ``fr``), or ``""`` for none.

    Args:
        text: What was typed; surrounding spaces and ``-`` for ``_`` are accepted.
        languages: When given, the locale's language must be one of these.

    Raises:
        LocaleError: not a locale Babel knows (or not in ``languages``).
    """
    value = text.strip().replace("-", "_")
    if not value:
        return ""
    shown = text.strip()[:30]
    if re.fullmatch(r"[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8}){0,3}", value) is None:
        raise LocaleError(
            _("Unknown locale {shown!r}: use a name such as de_DE, en_GB or ja_JP.").format(
                shown=shown
            )
        )
    try:
        found = Locale.parse(value)
    except (UnknownLocaleError, ValueError) as exc:
        raise LocaleError(
            _("Unknown locale {shown!r}: use a name such as de_DE, en_GB or ja_JP.").format(
                shown=shown
            )
        ) from exc
    if languages and found.language not in languages:
        raise LocaleError(
            _("No {english_name} yet: posapp speaks {languages}.").format(
                english_name=found.get_display_name(language()) or str(found),
                languages=", ".join(languages),
            )
        )
    return str(found)


@cache
def locale_names(
    languages: tuple[str, ...] = (), in_language: str = "en"
) -> tuple[tuple[str, str], ...]:
    """Every locale id Babel knows (of ``languages`` when given) with its name, sorted by id.

    The names are written in ``in_language`` (``de_AT – Deutsch (Österreich)`` in German,
    ``de_AT – German (Austria)`` in English).
    """
    found = []
    for name in localedata.locale_identifiers():
        if name.count("_") > 1 or (languages and name.split("_")[0] not in languages):
            continue  # scripts and variants (sr_Latn_RS) are left to typing
        shown = Locale.parse(name).get_display_name(in_language) or name
        found.append((name, f"{name} – {shown[:1].upper()}{shown[1:]}"))
    return tuple(sorted(found))


def locale_first_weekday(locale_id: str) -> int:
    """The first day of the week where ``locale_id`` is spoken (``0`` Monday; neutral: Monday)."""
    return Locale.parse(locale_id).first_week_day if locale_id else 0


def _locale(locale: str | None) -> str:
    return current_formats().locale if locale is None else locale


def _paper(text: str) -> str:
    return text.translate(_BIDI_MARKS)


def money(minor: int, *, locale: str | None = None) -> str:
    """An amount in the shop's currency as its locale writes it: ``1.234,56 €``, ``¥1,235``.

    Args:
        minor: The amount in minor units of the current currency.
        locale: A Babel locale id; ``None`` is the shop's, ``""`` posapp's neutral format.
    """
    loc = _locale(locale)
    currency = current_currency()
    if not loc:
        return money_label(minor)
    if not currency.code:
        return amount(minor, locale=loc)
    value = Decimal(minor).scaleb(-currency.digits)
    text = format_currency(value, currency.code, locale=loc)
    symbol = get_currency_symbol(currency.code, locale=loc)
    plain = unicodedata.normalize("NFKC", symbol)
    if plain != symbol:
        text = text.replace(symbol, plain)
    if plain[-1:].isalpha():  # KWD 1,234.567 and 1,234.567 KWD, never KWD1,234.567
        text = re.sub(rf"{re.escape(plain)}(?=[-\d])", plain + "\u00a0", text)
        text = re.sub(rf"(?<=\d){re.escape(plain)}", "\u00a0" + plain, text)
    return _paper(text)


def amount(minor: int, *, locale: str | None = None) -> str:
    """An amount without a symbol, with the currency's decimals: ``1.234,56`` in ``de_DE``."""
    loc = _locale(locale)
    if not loc:
        return format_money(minor)
    return format_money(minor, decimal_sep=get_decimal_symbol(loc), group_sep=get_group_symbol(loc))


def number(value: int, *, locale: str | None = None) -> str:
    """A whole number (a count) grouped as the locale groups it: ``12,345``, ``12.345``."""
    loc = _locale(locale)
    return f"{value:,}" if not loc else _paper(format_decimal(value, locale=loc))


def number_marks(locale: str | None = None) -> tuple[str, str]:
    """The locale's decimal mark and digit-group mark (quantities, :mod:`posapp.units`).

    ``(".", ",")`` neutral, ``(",", ".")`` in ``de_DE``, ``(",", "\u202f")`` in ``fr_FR``.
    """
    loc = _locale(locale)
    if not loc:
        return ".", ","
    return get_decimal_symbol(loc), get_group_symbol(loc)


def percent(rate_bp: int, *, locale: str | None = None, fixed: bool = False) -> str:
    """A rate in basis points: ``20%``, ``5.5%``; ``5,5 %`` in ``de_DE``.

    ``fixed`` always shows both decimals (``25.00%``, ``25,00 %``), for a column of figures.
    """
    loc = _locale(locale)
    if not loc:
        whole, rest = divmod(abs(rate_bp), 100)
        digits = f"{whole}.{rest:02d}"
        if not fixed:
            digits = digits.rstrip("0").rstrip(".")
        return f"{'-' if rate_bp < 0 else ''}{digits}%"
    decimals = ".00" if fixed else ".##"
    head, zero, tail = Locale.parse(loc).percent_formats[None].pattern.rpartition("0")
    pattern = f"{head}{zero}{decimals}{tail}" if zero else f"#,##0{decimals}%"
    return _paper(format_percent(Decimal(rate_bp).scaleb(-4), format=pattern, locale=loc))


def date_text(
    day: date, *, locale: str | None = None, long: bool = False, neutral: str = "%Y-%m-%d"
) -> str:
    """A calendar day: ``2026-12-07`` (neutral), ``07.12.2026`` (``de_DE``), ``Dec 7, 2026``.

    ``long`` adds the weekday (``Mon 2026-12-07``, ``Mo. 07.12.2026``). ``neutral`` is the
    ``strftime`` format without a locale (a document that always printed ``7 Dec 2026`` keeps it).
    """
    loc = _locale(locale)
    if not loc:
        text = day.strftime(neutral)
        return f"{day:%a} {text}" if long else text
    text = format_date(day, "medium", locale=loc)
    if long:
        text = f"{format_date(day, 'EEE', locale=loc)} {text}"
    return _paper(text)


def short_date_text(day: date, *, locale: str | None = None, neutral: str = "%d %b") -> str:
    """A day for a chart's axis: ``07 Dec`` (neutral), ``7.12.`` (``de_DE``), ``12/7`` (``en``)."""
    loc = _locale(locale)
    return day.strftime(neutral) if not loc else _paper(format_skeleton("Md", day, locale=loc))


def _local(at: datetime, zone: tzinfo | None) -> datetime:
    return at.astimezone(zone if zone is not None else current_formats().zone)


def datetime_text(
    at: datetime,
    *,
    zone: tzinfo | None = None,
    locale: str | None = None,
    neutral: str = "%Y-%m-%d %H:%M",
) -> str:
    """An instant as the shop's wall time: ``2026-12-07 14:05``, ``07.12.2026 14:05``.

    ``zone`` defaults to the shop's time zone (the machine's when it has none); ``neutral`` is
    the ``strftime`` format without a locale.
    """
    local = _local(at, zone)
    loc = _locale(locale)
    if not loc:
        return local.strftime(neutral)
    day = format_date(local.date(), "medium", locale=loc)
    return _paper(f"{day} {format_time(local.time(), 'short', locale=loc)}")


def time_text(at: datetime, *, zone: tzinfo | None = None, locale: str | None = None) -> str:
    """An instant's wall-clock time in the shop's zone: ``14:05``, ``2:05 PM`` in ``en_US``."""
    local = _local(at, zone)
    loc = _locale(locale)
    return f"{local:%H:%M}" if not loc else _paper(format_time(local.time(), "short", locale=loc))


def local_day(
    at: datetime,
    *,
    zone: tzinfo | None = None,
    locale: str | None = None,
    neutral: str = "%Y-%m-%d",
) -> str:
    """The day of an instant in the shop's zone (a document's date): ``2026-12-07``."""
    return date_text(_local(at, zone).date(), locale=locale, neutral=neutral)


def week_start(day: date, first_weekday: int | None = None) -> date:
    """The first day of the week holding ``day`` (weeks start on the shop's first weekday)."""
    first = current_formats().first_weekday if first_weekday is None else first_weekday
    return day - timedelta(days=(day.weekday() - first) % 7)
