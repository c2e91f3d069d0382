"""Integer money helpers: parse, format, round and split amounts held in minor units.

Representation:
    Every amount is an ``int`` of minor units (cents), named with a ``_minor`` suffix and stored
    in a ``BigInteger`` column. ``float`` and ``Decimal`` never appear: this module works on
    integers only, so every result is exact.

Currency:
    The shop sells in one currency at a time, the ``shop.currency`` setting. Its decimals (JPY
    0, EUR 2, KWD 3) come from the ISO 4217 code (:mod:`posapp.currency`) and are held here as
    the process's *current currency*: the backend sets it with :func:`set_current_currency`
    when it opens a database and again when the setting changes, and every parse and format
    below reads it through :func:`current_currency`. A database that holds money cannot change
    its currency (the settings service refuses), so amounts never change meaning under a
    running app. ``MINOR_DIGITS`` is the decimals of a shop that has not set a currency (2).

Rounding policy:
    There is ONE rounding rule, round half to even ("banker's rounding"), and it lives here in
    ``div_round``. It is applied per line: tax and discounts are computed for each order line
    with ``apply_rate_bp`` / ``tax_from_gross`` / ``tax_from_net`` and the rounded line values
    are then summed; a total is never re-derived from a rate. Half-even is unbiased over many
    lines (half-up drifts upwards by ~0.25 cent per tied line). Rates are integer basis points
    (``rate_bp``; 2000 = 20 %), so no fractional rate is ever represented inexactly.

    Splitting an amount (split payments, a discount spread over lines) is not rounding a single
    value but sharing a fixed total, so ``allocate`` uses the largest-remainder method: the
    shares always add up to the total, and leftover cents go to the largest remainders, ties
    to the earliest index, so the result is deterministic.

Parsing user input:
    ``parse_money`` returns an ``int`` or raises ``MoneyError`` (a ``ValueError``) whose message
    is one user-facing line, ready for a form's error label. It normalises input as follows:

    1. Unicode NFKC normalisation: full-width digits (U+FF10 to U+FF19) become ASCII, and
       no-break and narrow no-break spaces (U+00A0, U+202F) become plain spaces. The separators
       passed in are normalised the same way, so a U+202F group separator matches all three.
    2. Surrounding whitespace (including a trailing newline) is stripped.
    3. Any Unicode decimal digit (e.g. Arabic-Indic five, U+0665) maps to its ASCII value via
       ``unicodedata.decimal``; U+2212 MINUS SIGN (used by some locales) counts as ``-``.
    4. One optional leading ``+`` or ``-``; then digits with at most one decimal separator.
       ``.5`` and ``5.`` are accepted. Group separators are accepted only every three digits
       (``1,000.00``; never ``1,00``) and only before the decimal separator.
    5. More than the currency's decimals are refused, never rounded, even when the extra
       digits are zeros: ``1.500`` typed by someone used to a decimal comma means 1500.
    6. ``-0`` is zero. Exponents, ``NaN``, ``Infinity``, currency symbols and letters are refused.
"""

import unicodedata
from collections.abc import Sequence
from typing import Final

from posapp.currency import UNSET, Currency
from posapp.i18n import _

__all__ = [
    "BP_PER_UNIT",
    "MAX_MINOR",
    "MINOR_DIGITS",
    "MoneyError",
    "allocate",
    "apply_rate_bp",
    "current_currency",
    "div_round",
    "format_money",
    "money_label",
    "parse_money",
    "set_current_currency",
    "split_even",
    "tax_from_gross",
    "tax_from_net",
    "to_major_str",
]

MINOR_DIGITS: Final = UNSET.digits
"""Decimal places when no currency is set; the current currency's are ``current_currency()``."""

MAX_MINOR: Final = 999_999_999_999
"""Largest amount in minor units any money field accepts (9,999,999,999.99 with two decimals).

It is about 10**12, far below a ``BigInteger``'s maximum of 2**63 - 1 (about 9.2 * 10**18), so
the sum of millions of maximal amounts (a year's sales journal, a report total) still fits in
the column and in every database's integer arithmetic without overflow.
"""

BP_PER_UNIT: Final = 10_000
"""Basis points in 100 %: a ``rate_bp`` of 2000 is 20 %."""

_current: list[Currency] = [UNSET]  # one slot: set_current_currency() replaces it
_ASCII_DIGITS: Final = frozenset("0123456789")
_SIGNS: Final = frozenset("+-\u2212")
_GROUP_SIZE: Final = 3


class MoneyError(ValueError):
    """Invalid money input; ``str(error)`` is a one-line message to show to the user."""


def current_currency() -> Currency:
    """The currency amounts are parsed and formatted in (the shop's ``shop.currency``)."""
    return _current[0]


def set_current_currency(currency: Currency) -> None:
    """Make ``currency`` the one every parse and format uses from now on.

    Called by the backend when it opens a database and when ``shop.currency`` changes.
    """
    _current[0] = currency


def parse_money(
    text: str,
    *,
    decimal_sep: str = ".",
    group_sep: str = ",",
    allow_zero: bool = True,
    allow_negative: bool = False,
    maximum: int = MAX_MINOR,
) -> int:
    """Parse an amount typed by a user into minor units.

    The normalisation steps are listed in the module docstring. For a decimal-comma locale
    pass ``decimal_sep=","`` with ``group_sep="."`` (or a space-like separator, which also
    accepts U+00A0 and U+202F).

    Args:
        text: The raw text of the field.
        decimal_sep: One character separating whole units from cents.
        group_sep: One character grouping thousands, or ``""`` to refuse grouping.
        allow_zero: Whether zero (including ``-0``) is acceptable.
        allow_negative: Whether amounts below zero are acceptable.
        maximum: Largest accepted magnitude in minor units, between 0 and ``MAX_MINOR``.

    Returns:
        The amount in minor units.

    Raises:
        MoneyError: The text is not an acceptable amount; the message says why.
        ValueError: The separators or ``maximum`` are invalid (a programming error).
        TypeError: ``text`` is not a ``str`` or ``maximum`` is not an ``int``.
    """
    dec, group = _check_separators(decimal_sep, group_sep)
    digits = current_currency().digits
    maximum = _require_int(maximum, "maximum")
    if not 0 <= maximum <= MAX_MINOR:
        raise ValueError(f"maximum must be between 0 and MAX_MINOR, not {maximum}")
    negative, body = _split_sign(_normalise(_require_str(text)))
    whole, frac = _split_digits(body, dec, group)
    if len(frac) > digits:
        code = current_currency().code or "this currency"
        raise MoneyError(
            _("No decimals in {code}").format(code=code)
            if digits == 0
            else _("At most {digits} decimals").format(digits=digits)
        )
    whole = whole.lstrip("0")
    is_zero = not whole and not frac.strip("0")
    if negative and not is_zero and not allow_negative:
        raise MoneyError(_("Amount cannot be negative"))
    too_large = MoneyError(
        _("Amount is too large (max {maximum})").format(
            maximum=format_money(maximum, decimal_sep=dec, group_sep=group)
        )
    )
    if len(whole) > len(str(MAX_MINOR)):  # checked before int(): no huge conversions
        raise too_large
    value = int(whole or "0") * int(10**digits) + int(frac.ljust(digits, "0") or "0")
    if value > maximum:
        raise too_large
    if is_zero and not allow_zero:
        raise MoneyError(
            _("Amount cannot be zero") if allow_negative else _("Amount must be more than zero")
        )
    return -value if negative else value


def format_money(
    minor: int, *, decimal_sep: str = ".", group_sep: str = ",", symbol: str = ""
) -> str:
    """Format minor units as plain text for the CLI and PDF edges, e.g. ``-1,234.56``.

    The current currency's decimals are shown (``1,235`` in JPY, ``1,234.567`` in KWD). The Qt
    UI formats with QLocale instead. A ``symbol`` goes after the sign:
    ``format_money(-500, symbol="$")`` is ``-$5.00``.
    """
    minor = _require_int(minor, "minor")
    digits = current_currency().digits
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 10**digits)
    grouped = f"{whole:,}".replace(",", group_sep)
    decimals = f"{decimal_sep}{cents:0{digits}d}" if digits else ""
    return f"{sign}{symbol}{grouped}{decimals}"


def money_label(minor: int) -> str:
    """Format minor units with the currency's symbol for documents: ``¥1,235``, ``€1,234.56``.

    A symbol that is letters (``KWD``, ``CHF``) is set apart by a space: ``KWD 1,234.567``.
    Without a currency set, the plain amount (``1,234.56``), as PDFs always showed it.
    """
    symbol = current_currency().symbol
    if symbol[-1:].isalpha():
        symbol += " "
    return format_money(minor, symbol=symbol)


def to_major_str(minor: int) -> str:
    """Format minor units for CSV and other machine output: ``"-1234.56"``, no grouping."""
    return format_money(minor, group_sep="")


def div_round(numerator: int, denominator: int) -> int:
    """Divide exactly and round half to even, the module's one rounding rule.

    Exact for integers of any size, and symmetric: ``div_round(-n, d) == -div_round(n, d)``.
    A negative denominator is allowed and flips the sign of the result.

    Raises:
        ZeroDivisionError: ``denominator`` is zero.
    """
    numerator = _require_int(numerator, "numerator")
    denominator = _require_int(denominator, "denominator")
    if denominator == 0:
        raise ZeroDivisionError("div_round() denominator is zero")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    # Floor division gives numerator/denominator = quotient + remainder/denominator with the
    # fraction in [0, 1), whatever the sign, so one comparison decides for both signs.
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def apply_rate_bp(amount_minor: int, rate_bp: int) -> int:
    """Return ``amount_minor * rate_bp / 10_000`` rounded half to even.

    Raises:
        ValueError: ``rate_bp`` is negative.
    """
    return div_round(_require_int(amount_minor, "amount_minor") * _check_rate(rate_bp), BP_PER_UNIT)


def tax_from_net(net_minor: int, rate_bp: int) -> int:
    """Return the tax to add to a tax-exclusive (net) amount; the same as ``apply_rate_bp``.

    Raises:
        ValueError: ``rate_bp`` is negative.
    """
    return apply_rate_bp(net_minor, rate_bp)


def tax_from_gross(gross_minor: int, rate_bp: int) -> int:
    """Return the tax contained in a tax-inclusive (gross) amount, rounded half to even.

    That is ``gross * rate / (10_000 + rate)``; the net amount is ``gross_minor`` minus the
    result, so net plus tax always equals gross.

    Raises:
        ValueError: ``rate_bp`` is negative.
    """
    rate_bp = _check_rate(rate_bp)
    return div_round(_require_int(gross_minor, "gross_minor") * rate_bp, BP_PER_UNIT + rate_bp)


def allocate(total_minor: int, weights: Sequence[int]) -> list[int]:
    """Split ``total_minor`` in proportion to ``weights``; the shares sum exactly to the total.

    Each share is the exact proportional share rounded down (in magnitude); the leftover cents
    go one each to the largest remainders, ties to the earliest index. A zero weight always
    gets zero, and a negative total is split like its magnitude, with the signs flipped.

    Args:
        total_minor: The amount to split; may be negative.
        weights: Non-negative integer weights, at least one of them positive.

    Returns:
        One share per weight, in the same order.

    Raises:
        ValueError: ``weights`` is empty, has a negative weight, or is all zeros.
    """
    total_minor = _require_int(total_minor, "total_minor")
    checked = [_require_int(weight, "weight") for weight in weights]
    if not checked:
        raise ValueError("allocate() needs at least one weight")
    if any(weight < 0 for weight in checked):
        raise ValueError("allocate() weights must not be negative")
    weight_sum = sum(checked)
    if weight_sum == 0:
        raise ValueError("allocate() needs at least one positive weight")
    magnitude = abs(total_minor)
    splits = [divmod(magnitude * weight, weight_sum) for weight in checked]
    shares = [share for share, _unused in splits]
    leftover = magnitude - sum(shares)  # 0 <= leftover < number of non-zero remainders
    by_remainder = sorted(range(len(splits)), key=lambda i: (-splits[i][1], i))
    for index in by_remainder[:leftover]:
        shares[index] += 1
    return shares if total_minor >= 0 else [-share for share in shares]


def split_even(total_minor: int, parts: int) -> list[int]:
    """Split ``total_minor`` into ``parts`` near-equal shares; earlier shares get spare cents.

    Raises:
        ValueError: ``parts`` is less than one.
    """
    parts = _require_int(parts, "parts")
    if parts < 1:
        raise ValueError(f"split_even() needs at least one part, not {parts}")
    return allocate(total_minor, [1] * parts)


def _require_int(value: object, name: str) -> int:
    """Return ``value`` if it is a real ``int``; refuse floats, Decimals and bools loudly."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return value


def _require_str(value: object) -> str:
    """Return ``value`` if it is a ``str``."""
    if not isinstance(value, str):
        raise TypeError(f"text must be a str, not {type(value).__name__}")
    return value


def _check_rate(rate_bp: int) -> int:
    """Return ``rate_bp`` if it is a non-negative ``int``."""
    rate_bp = _require_int(rate_bp, "rate_bp")
    if rate_bp < 0:
        raise ValueError(f"rate_bp must not be negative, not {rate_bp}")
    return rate_bp


def _check_separators(decimal_sep: str, group_sep: str) -> tuple[str, str]:
    """Return the NFKC-normalised separators after checking they can be told apart."""
    dec = unicodedata.normalize("NFKC", _require_str(decimal_sep))
    group = unicodedata.normalize("NFKC", _require_str(group_sep))
    if (
        len(dec) != 1
        or len(group) > 1
        or dec == group
        or dec.isspace()
        or any(c in _SIGNS or unicodedata.decimal(c, None) is not None for c in dec + group)
    ):
        raise ValueError(f"unusable separators: decimal {decimal_sep!r}, group {group_sep!r}")
    return dec, group


def _normalise(text: str) -> str:
    """NFKC-normalise, strip, and map every decimal digit to ASCII and U+2212 to ``-``."""
    chars = []
    for char in unicodedata.normalize("NFKC", text).strip():
        digit = unicodedata.decimal(char, None)
        if digit is not None:
            chars.append(str(digit))
        else:
            chars.append("-" if char == "\u2212" else char)
    return "".join(chars)


def _split_sign(text: str) -> tuple[bool, str]:
    """Split off one leading sign; return (is negative, rest)."""
    if text[:1] in {"+", "-"}:
        return text[0] == "-", text[1:]
    return False, text


def _split_digits(body: str, dec: str, group: str) -> tuple[str, str]:
    """Split unsigned amount text into ASCII (whole digits, decimal digits), both maybe empty.

    Raises:
        MoneyError: ``body`` is not digits with optional grouping and one decimal separator.
    """
    if any(unicodedata.category(char) == "Sc" for char in body):
        raise MoneyError(_("Enter the amount without a currency symbol"))
    digits = current_currency().digits
    cents, zeros = (
        (f"{dec}{'50'.ljust(digits, '0')[:digits]}", dec + "0" * digits) if digits else ("", "")
    )
    not_a_number = MoneyError(_("Enter an amount like 12{cents}").format(cents=cents))
    whole, _unused, frac = body.partition(dec)
    if not (whole or frac) or not _is_digits(frac):
        raise not_a_number
    if group and group in whole:
        groups = whole.split(group)
        if not all(_is_digits(part) for part in groups):
            raise not_a_number
        head, *rest = groups
        if not 1 <= len(head) <= _GROUP_SIZE or any(len(part) != _GROUP_SIZE for part in rest):
            raise MoneyError(
                _("Group digits in threes, like 1{group}000{zeros}").format(
                    group=group, zeros=zeros
                )
            )
        return "".join(groups), frac
    if not _is_digits(whole):
        raise not_a_number
    return whole, frac


def _is_digits(text: str) -> bool:
    """Return whether ``text`` is only ASCII digits (the empty string counts)."""
    return all(char in _ASCII_DIGITS for char in text)
