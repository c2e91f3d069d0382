"""Locale-aware display of money, counts and times for widgets (integer arithmetic only)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, QLocale

from posapp.money import format_money

_SYMBOL_MARK = "\u00a4"  # the generic currency sign, a placeholder inside QLocale's pattern


def money_text(minor: int, locale: QLocale | None = None) -> str:
    """Format an amount in minor units for display, e.g. ``$1,234.50`` or ``1.234,50 €``.

    QLocale supplies the separators, the currency symbol and where the symbol and sign go; the
    digits come from :func:`posapp.money.format_money`, so no float is ever involved (QLocale's
    own ``toCurrencyString`` would need ``minor / 100``).
    """
    loc = locale or QLocale()
    digits = format_money(
        abs(minor), decimal_sep=loc.decimalPoint(), group_sep=loc.groupSeparator()
    )
    pattern = loc.toCurrencyString(-1 if minor < 0 else 1, _SYMBOL_MARK)
    one = loc.toString(1)
    if one not in pattern:  # a locale whose pattern we cannot read: keep it simple
        sign = loc.negativeSign() if minor < 0 else ""
        return f"{sign}{loc.currencySymbol()}{digits}"
    return pattern.replace(one, digits, 1).replace(_SYMBOL_MARK, loc.currencySymbol())


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
