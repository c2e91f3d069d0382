"""The shop's currency: an ISO 4217 code with its minor digits, symbol and notes and coins.

A :class:`Currency` says how many decimals an amount has (JPY 0, EUR 2, KWD 3), which symbol
shows it and which notes and coins a till counts by default. The table is Babel's (CLDR), so
every current ISO 4217 code is known without a list of our own. :data:`UNSET` is the currency
of a database whose ``shop.currency`` setting was never set: two decimals and no symbol of its
own (the UI shows the computer locale's), which is how posapp behaved before the setting.

Amounts stay integers of minor units everywhere; a currency only tells the edges (parsing,
formatting, PDFs, CSV) where the decimal point goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from babel.numbers import (
    get_currency_name,
    get_currency_precision,
    get_currency_symbol,
    list_currencies,
)

from posapp.i18n import _

__all__ = [
    "UNSET",
    "Currency",
    "CurrencyError",
    "currency_codes",
    "currency_for",
    "currency_name",
    "default_denominations",
]


class CurrencyError(ValueError):
    """Not an ISO 4217 currency code; ``str(error)`` is one line for the user."""


@dataclass(frozen=True, slots=True)
class Currency:
    """A currency: its ISO 4217 ``code`` (``""`` when unset), decimals and display symbol.

    Attributes:
        code: ``JPY``, ``EUR``, ``KWD``…, or ``""`` for a shop that has not set one.
        digits: Decimals of the currency: one major unit is ``10 ** digits`` minor units.
        symbol: What goes before or after the digits (``¥``, ``€``, ``KWD``); ``""`` lets
            the UI use the computer locale's symbol and PDFs show none.
    """

    code: str
    digits: int
    symbol: str

    @property
    def scale(self) -> int:
        """Minor units in one major unit (1 for JPY, 100 for EUR, 1000 for KWD)."""
        return int(10**self.digits)


UNSET: Final = Currency(code="", digits=2, symbol="")
"""The currency of a shop that has not set ``shop.currency``: two decimals, no own symbol."""


@cache
def currency_codes() -> frozenset[str]:
    """Every ISO 4217 code Babel knows (about 300, historic ones included)."""
    return frozenset(list_currencies())


def currency_name(code: str, language: str = "en") -> str:
    """The name of ISO 4217 ``code`` in ``language`` (``Japanese Yen``, ``Japanischer Yen``)."""
    return get_currency_name(code, locale=language)


@cache
def currency_for(code: str) -> Currency:
    """The currency with ISO 4217 ``code`` (any case, surrounding spaces ignored).

    Raises:
        CurrencyError: ``code`` is not an ISO 4217 currency code.
    """
    value = code.strip().upper()
    if not value:
        return UNSET
    if len(value) != 3 or value not in currency_codes():  # noqa: PLR2004 - ISO 4217 length
        raise CurrencyError(
            _("Unknown currency {code!r}: use an ISO 4217 code such as EUR, JPY or KWD.").format(
                code=code.strip()[:20]
            )
        )
    return Currency(
        code=value,
        digits=get_currency_precision(value),
        symbol=get_currency_symbol(value, locale="en"),
    )


_DENOMINATIONS: Final[dict[str, tuple[int, ...]]] = {
    # In minor units, largest first: the notes and coins in everyday circulation.
    "JPY": (10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 1),
    "EUR": (50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1),
    "USD": (10000, 5000, 2000, 1000, 500, 200, 100, 25, 10, 5, 1),
    "GBP": (5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1),
    "CHF": (100000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5),
    "KWD": (20000, 10000, 5000, 1000, 500, 250, 100, 50, 20, 10, 5),
    "BHD": (20000, 10000, 5000, 1000, 500, 100, 50, 25, 10, 5),
}
_GENERIC: Final = (50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1)


def default_denominations(currency: Currency) -> tuple[int, ...]:
    """The notes and coins a till counts when the shop has not listed its own (minor units).

    Known currencies have their circulating notes and coins; any other gets the 1-2-5 series
    from 500 major units down to one minor unit.
    """
    known = _DENOMINATIONS.get(currency.code)
    if known is not None:
        return known
    return tuple(v for v in (u * currency.scale // 100 for u in _GENERIC) if v >= 1) or (1,)
