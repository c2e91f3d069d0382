"""Locale-aware display of money, counts and times for widgets (integer arithmetic only)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, QLocale

from posapp.money import current_currency, format_money

_SYMBOL_MARK = "\u00a4"  # the generic currency sign, a placeholder inside QLocale's pattern


def money_text(minor: int, locale: QLocale | None = None) -> str:
    """Format an amount in minor units for display, e.g. ``$1,234.50``, ``1.234,50 €``, ``¥1,235``.

    QLocale supplies the separators and where the symbol and sign go; the symbol is the shop
    currency's (``shop.currency``; the locale's own when unset), and the digits and decimals
    come from :func:`posapp.money.format_money`, so no float is ever involved (QLocale's own
    ``toCurrencyString`` would need ``minor / 100``).
    """
    loc = locale or QLocale()
    symbol = current_currency().symbol or loc.currencySymbol()
    digits = format_money(
        abs(minor), decimal_sep=loc.decimalPoint(), group_sep=loc.groupSeparator()
    )
    pattern = loc.toCurrencyString(-1 if minor < 0 else 1, _SYMBOL_MARK)
    one = loc.toString(1)
    if one not in pattern:  # a locale whose pattern we cannot read: keep it simple
        sign = loc.negativeSign() if minor < 0 else ""
        return f"{sign}{symbol}{digits}"
    if symbol[-1:].isalpha() and _SYMBOL_MARK + one in pattern:  # KWD 1,234.567, not KWD1,234.567
        symbol += "\u00a0"
    return pattern.replace(one, digits, 1).replace(_SYMBOL_MARK, symbol)


def local_time_text(
    at: datetime | None, fmt: QLocale.FormatType = QLocale.FormatType.ShortFormat
) -> str:
    """Format an aware datetime in the machine's time zone and locale ("" for None).

    Timestamps are UTC everywhere below the UI; this is where they become local time.
    """
    if at is None:
        return ""
    moment = QDateTime.fromMSecsSinceEpoch(round(at.timestamp() * 1000)).toLocalTime()
    return QLocale().toString(moment, fmt)


def count_text(count: int, locale: QLocale | None = None) -> str:
    """A whole number with the locale's grouping: ``12,385``, ``12.385`` (de), ``12 385`` (fr)."""
    return f"{count:,}".replace(",", (locale or QLocale()).groupSeparator())
