"""Field rules of the catalog: SKUs, barcodes, names, descriptions, prices and tax rates.

Pure functions (no database, no Qt), shared by the services, the CSV import and the editor's
inline validation. Each ``clean_*`` returns the stored form or raises
:class:`~posapp.services.platform.errors.ValidationError` with one line a person can act on.

SKU:
    NFKC-normalised (full-width letters become ASCII) and stripped; 1 to 64 characters; no tab,
    line break or other control character. Uniqueness compares :func:`sku_key` (upper-cased),
    so ``ab-1``, ``AB-1`` and ``" AB-1 "`` are the same SKU.

Barcode (empty means none). After NFKC and stripping, a barcode is one of:
    * a GTIN with a verified check digit (python-stdnum): EAN-8 (8 digits), UPC-A (12) or
      EAN-13 (13). A UPC-A code and its EAN-13 form (a leading ``0``) are the same product code:
      both are accepted and stored as typed, but they cannot belong to two products, and a scan
      of either finds the product;
    * an internal numeric code of 1 to 7 digits that does not start with ``0`` — a spreadsheet
      silently turns ``00123`` into ``123``, so codes whose leading zeros matter are refused;
    * an internal code that starts with a letter, then up to 31 letters, digits, ``-``, ``.``
      or ``_``, stored upper-cased (so ``ab12`` and ``AB12`` are the same code).
    Anything else (9 to 11 or 14+ digits, ``1.23E+12`` from a spreadsheet, spaces, symbols) is
    refused with a message saying why, and a hint when zero-padding would give a valid GTIN.

Name: NFC-normalised and stripped, 1 to 200 characters, no control characters (emoji are fine).
Description: up to 10,000 characters; line breaks and tabs are kept, other control characters
    (NUL…) refused; CRLF becomes LF.
Money: :func:`posapp.money.parse_money` (never float); tax rates are basis points, typed as a
    percentage with at most two decimals (``20``, ``5.5`` → 2000, 550).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal

from stdnum import ean

from posapp.i18n import _
from posapp.money import BP_PER_UNIT, MAX_MINOR, MoneyError, parse_money
from posapp.services.platform.cards import refuse_card_number
from posapp.services.platform.errors import ValidationError

__all__ = [
    "BARCODE_MAX",
    "CATEGORY_NAME_MAX",
    "DESCRIPTION_MAX",
    "FORMULA_PREFIXES",
    "INTERNAL_DIGITS_MAX",
    "NAME_MAX",
    "PATH_SEPARATOR",
    "SKU_MAX",
    "FieldError",
    "barcode_variants",
    "clean_barcode",
    "clean_category_name",
    "clean_description",
    "clean_name",
    "clean_sku",
    "escape_cell",
    "format_tax_rate",
    "parse_price",
    "parse_tax_rate",
    "path_key",
    "scan_code",
    "sku_key",
    "unescape_cell",
]

SKU_MAX: Final = 64
NAME_MAX: Final = 200
DESCRIPTION_MAX: Final = 10_000
BARCODE_MAX: Final = 32
INTERNAL_DIGITS_MAX: Final = 7
CATEGORY_NAME_MAX: Final = 100
PATH_SEPARATOR: Final = " > "
"""Between the levels of a category path, as in ``Food > Fruit``."""

FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet runs a cell starting with one of these as a formula (CSV injection)."""

_GTIN_LENGTHS: Final = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13"}
_UPC_A: Final = 12
_EAN_13: Final = 13
_SHOWN_MAX: Final = 40
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+")
_INTERNAL_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,31}")
_BAD_CATEGORIES: Final = frozenset({"Cc", "Cs", "Zl", "Zp"})
_KEEP_IN_DESCRIPTION: Final = frozenset("\n\t")


class FieldError(ValidationError):
    """A product field is not acceptable; ``field`` names it for the editor to focus.

    Fields: ``sku``, ``barcode``, ``name``, ``description``, ``category``, ``price``, ``cost``,
    ``tax_rate``, ``images``.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _require_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(_("{what} must be text.").format(what=what))
    return value


def _bad_char(text: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """Return the first control, surrogate or line-separator character of ``text``, if any."""
    if text.isprintable():  # the common case, checked in C: none of those is printable
        return None
    for char in text:
        if char not in allowed and unicodedata.category(char) in _BAD_CATEGORIES:
            return char
    return None


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    if char == "\x00":
        name = "NUL"
    elif char == "\t":
        name = "TAB"
    elif char in "\r\n":
        name = "LINE BREAK"
    return f"U+{ord(char):04X} {name}".rstrip()


def _one_line(text: str, what: str, form: Literal["NFC", "NFKC"], limit: int) -> str:
    """Normalise and strip a required one-line field, then check it: no control character, short.

    ``what`` names the field after "a": ``SKU``, ``name``, ``category name``.
    """
    value = unicodedata.normalize(form, _require_str(text, f"A {what}")).strip()
    if not value:
        raise ValidationError(_("Enter a {what}.").format(what=what))
    bad = _bad_char(value)
    if bad is not None:
        raise ValidationError(
            _(
                "A {what} cannot contain tabs, line breaks or control characters (found {bad})."
            ).format(what=what, bad=_describe(bad))
        )
    if len(value) > limit:
        raise ValidationError(
            _("A {what} has at most {limit} characters (this one has {count:,}).").format(
                what=what, limit=limit, count=len(value)
            )
        )
    return value


def clean_sku(text: str) -> str:
    """Return the stored form of a SKU.

    Raises:
        ValidationError: empty, longer than 64 characters, or with a control character.
    """
    value = _one_line(text, _("SKU"), "NFKC", SKU_MAX)
    if len(sku_key(value)) > SKU_MAX:  # upper-casing may lengthen it (ß → SS); the key must fit
        raise ValidationError(
            _("A SKU has at most {sku_max} characters once in capitals.").format(sku_max=SKU_MAX)
        )
    if not _is_gtin(value):  # a product's EAN or UPC used as its SKU is no card number
        refuse_card_number(value)
    return value


def _is_gtin(value: str) -> bool:
    return (
        value.isascii() and value.isdigit() and len(value) in _GTIN_LENGTHS and ean.is_valid(value)
    )


def sku_key(text: str) -> str:
    """The uniqueness key of a SKU: NFKC-normalised, stripped and upper-cased."""
    return unicodedata.normalize("NFKC", text).strip().upper()


def clean_name(text: str) -> str:
    """Return the stored form of a product name.

    Raises:
        ValidationError: empty, longer than 200 characters, or with a control character.
    """
    return refuse_card_number(_one_line(text, _("name"), "NFC", NAME_MAX))


def clean_description(text: str) -> str:
    """Return the stored form of a description (may be empty).

    Raises:
        ValidationError: longer than 10,000 characters or with a control character.
    """
    value = _require_str(text, _("A description")).replace("\r\n", "\n").replace("\r", "\n")
    value = unicodedata.normalize("NFC", value).strip()
    bad = _bad_char(value, _KEEP_IN_DESCRIPTION)
    if bad is not None:
        raise ValidationError(
            _("A description cannot contain control characters (found {bad}).").format(
                bad=_describe(bad)
            )
        )
    if len(value) > DESCRIPTION_MAX:
        raise ValidationError(
            _(
                "A description has at most {description_max:,} characters (this one has {count:,})."
            ).format(description_max=DESCRIPTION_MAX, count=len(value))
        )
    return refuse_card_number(value)


def clean_category_name(text: str) -> str:
    """Return the stored form of a category name.

    Raises:
        ValidationError: empty, too long, with a control character or a ``>``.
    """
    value = _one_line(text, _("category name"), "NFC", CATEGORY_NAME_MAX)
    if ">" in value:
        raise ValidationError(
            _(
                "A category name cannot contain '>': it separates the levels of a path "
                "like Food > Fruit."
            )
        )
    return refuse_card_number(value)


def path_key(path: str) -> str:
    """The comparison key of a category path: levels stripped, joined by ``>``, casefolded.

    Paths are written with ``PATH_SEPARATOR`` (`` > ``); names cannot contain ``>``.
    """
    return ">".join(part.strip().casefold() for part in path.split(">"))


# --- barcodes --------------------------------------------------------------------------------


def _padding_hint(digits: str) -> str:
    """Suggest the zero-padded GTIN a spreadsheet may have cut ``digits`` from."""
    for length in (8, 12, 13):
        if len(digits) < length:
            padded = digits.rjust(length, "0")
            if ean.is_valid(padded):
                kind = _GTIN_LENGTHS[length]
                return f" If a spreadsheet dropped its leading zeros, it may be {kind} {padded}."
    return ""


def _check_gtin(digits: str) -> str:
    """Verify the check digit with python-stdnum (``digits`` are ASCII, of a GTIN length)."""
    expected = ean.calc_check_digit(digits[:-1])
    if expected != digits[-1]:
        kind = _GTIN_LENGTHS[len(digits)]
        raise ValidationError(
            _(
                "{digits} is not a valid {kind}: its check digit should be "
                "{expected}, not {digits2}."
            ).format(digits=digits, kind=kind, expected=expected, digits2=digits[-1])
        )
    return digits


def clean_barcode(text: str | None) -> str | None:
    """Return the stored form of a barcode, or None when ``text`` is empty.

    Raises:
        ValidationError: see the module docstring for the rule and the messages.
    """
    if text is None:
        return None
    value = unicodedata.normalize("NFKC", _require_str(text, _("A barcode"))).strip()
    if not value:
        return None
    if _SCIENTIFIC.fullmatch(value):
        raise ValidationError(
            _(
                "The barcode {value} looks like a number a spreadsheet "
                "rewrote in scientific notation: its digits are lost. Format "
                "the column as text and enter the full code."
            ).format(value=value)
        )
    if value.isascii() and value.isdigit():
        if len(value) in _GTIN_LENGTHS:
            return _check_gtin(value)
        if len(value) <= INTERNAL_DIGITS_MAX:
            if value.startswith("0"):
                raise ValidationError(
                    _(
                        "An internal numeric code cannot start with 0 ({value}): a "
                        "spreadsheet turns it into {value2}. Drop the leading zeros "
                        "or start the code with a letter."
                    ).format(value=value, value2=value.lstrip("0") or "0")
                )
            return value
        raise ValidationError(
            f"A barcode of {len(value)} digits is neither EAN-8, UPC-A (12 digits) nor EAN-13; "
            f"internal numeric codes have at most {INTERNAL_DIGITS_MAX} digits."
            + _padding_hint(value)
        )
    if _INTERNAL_TEXT.fullmatch(value):
        return value.upper()
    shown = value if len(value) <= _SHOWN_MAX else value[:_SHOWN_MAX] + "…"
    raise ValidationError(
        _(
            "{shown!r} is not a barcode: use the digits of an EAN-13, "
            "EAN-8 or UPC-A code, or an internal code that starts with a "
            "letter (letters, digits, '-', '.', '_'; at most 32)."
        ).format(shown=shown)
    )


def barcode_variants(barcode: str) -> tuple[str, ...]:
    """Every stored form that means the same product code as ``barcode`` (UPC-A ↔ EAN-13)."""
    if barcode.isdigit() and len(barcode) == _UPC_A:
        return (barcode, "0" + barcode)
    if barcode.isdigit() and len(barcode) == _EAN_13 and barcode.startswith("0"):
        return (barcode, barcode[1:])
    return (barcode,)


def scan_code(text: str) -> str:
    """Normalise what a scanner or a person typed for an exact lookup (no validation).

    NFKC, stripped, control characters removed, at most 64 characters; letters upper-cased
    when the code starts with a letter (internal codes are stored upper-cased).
    """
    value = unicodedata.normalize("NFKC", text).strip()
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cc")[:SKU_MAX]
    if value[:1].isalpha() and value.isascii():
        return value.upper()
    return value


# --- money and rates -------------------------------------------------------------------------


def parse_price(
    text: str, what: str = "Price", *, decimal_sep: str = ".", group_sep: str = ","
) -> int:
    """Parse a price or cost typed by a person into minor units (zero is allowed).

    Raises:
        ValidationError: the message starts with ``what``.
    """
    try:
        return parse_money(
            _require_str(text, what),
            decimal_sep=decimal_sep,
            group_sep=group_sep,
            maximum=MAX_MINOR,
        )
    except MoneyError as exc:
        raise ValidationError(_("{what}: {exc}.").format(what=what, exc=exc)) from exc


def parse_tax_rate(text: str, *, decimal_sep: str = ".") -> int:
    """Parse a tax rate typed as a percentage (``20``, ``5.5``, ``7,7 %``) into basis points.

    Whatever the shop's currency: a percentage always has at most two decimals (it went
    through the money parser once, so a yen shop stored ``20`` as 0.2 % and a dinar shop
    refused it).

    Raises:
        ValidationError: not a percentage between 0 and 100 with at most two decimals.
    """
    value = unicodedata.normalize("NFKC", _require_str(text, _("A tax rate"))).strip()
    value = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in value)
    value = value.removesuffix("%").strip()
    if not value:
        return 0
    sep = re.escape(unicodedata.normalize("NFKC", decimal_sep))
    match = re.fullmatch(rf"(\d{{1,3}})?(?:{sep}(\d{{0,2}}))?", value)
    if match is not None and (match[1] or match[2]):
        rate = int(match[1] or "0") * 100 + int((match[2] or "").ljust(2, "0"))
        if rate <= BP_PER_UNIT:
            return rate
    raise ValidationError(
        _(
            "Tax rate: enter a percentage from 0 to 100 with at most two "
            "decimals, like 20 or 5{decimal_sep}5 (not {text!r})."
        ).format(decimal_sep=decimal_sep, text=text.strip()[:20])
    )


def format_tax_rate(rate_bp: int, *, decimal_sep: str = ".") -> str:
    """Format basis points as a percentage without trailing zeros: 2000 → ``20``, 550 → ``5.5``."""
    whole, frac = divmod(rate_bp, 100)
    if not frac:
        return str(whole)
    return f"{whole}{decimal_sep}{frac:02d}".rstrip("0")


# --- CSV cells -------------------------------------------------------------------------------


def escape_cell(text: str) -> str:
    """Make a CSV cell safe to open in a spreadsheet: prefix formula starters with ``'``."""
    if text.startswith(FORMULA_PREFIXES) or (
        text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES)
    ):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """Undo :func:`escape_cell`, so an exported file imports back unchanged."""
    rest = text[1:]
    if text.startswith("'") and (
        rest.startswith(FORMULA_PREFIXES)
        or (rest.startswith("'") and rest[1:].startswith(FORMULA_PREFIXES))
    ):
        return rest
    return text
