"""Reading product CSV files: encoding, delimiter, header, decimal separator and row checks.

No database here (and no SQLAlchemy: the import dialog uses the constants); the import itself
is :mod:`posapp.services.catalog.csv_io`, whose docstring describes the format.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final

from posapp.i18n import _
from posapp.money import BP_PER_UNIT, MoneyError, current_currency, parse_money
from posapp.services.catalog.dto import CsvProblem
from posapp.services.catalog.rules import (
    barcode_variants,
    clean_barcode,
    clean_description,
    clean_name,
    clean_sku,
    parse_tax_rate,
    path_key,
    sku_key,
    unescape_cell,
)
from posapp.services.platform.errors import ValidationError
from posapp.units import QuantityError, Unit, unit_of

__all__ = [
    "COLUMNS",
    "ENCODINGS",
    "FIELDS",
    "MAX_LISTED",
    "REQUIRED",
    "CheckedRow",
    "Checker",
    "CsvFileError",
    "Header",
    "decode_csv",
    "detect_decimal_comma",
    "read_header",
    "records",
    "sniff_delimiter",
]

COLUMNS: Final = (
    "sku",
    "barcode",
    "name",
    "description",
    "category",
    "price",
    "cost",
    "tax_rate",
    "tax_included",
    "active",
    "unit",
)
REQUIRED: Final = ("sku", "name", "price")
VARIANT_COLUMNS: Final = ("template", "template_name")
"""A variant's template key (its code) and name; its values are ``attribute:<name>`` columns."""
ATTRIBUTE_PREFIX: Final = "attribute:"
ALIASES: Final = {
    "ean": "barcode",
    "gtin": "barcode",
    "upc": "barcode",
    "product": "name",
    "product_name": "name",
    "title": "name",
    "tax": "tax_rate",
    "vat": "tax_rate",
    "tax_%": "tax_rate",
    "tax_rate_%": "tax_rate",
}
ENCODINGS: Final = {
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "latin-1": "Latin-1",
    "cp1252": "Windows-1252",
}
"""Encodings a person may choose explicitly; without a choice only UTF-8/UTF-16 are accepted."""
MAX_LISTED: Final = 1_000
_DELIMITERS: Final = (",", ";", "\t", "|")
_YES: Final = frozenset({"yes", "y", "true", "t", "1", "x", "ja", "oui", "si", "sí"})
_NO: Final = frozenset({"no", "n", "false", "f", "0", "", "nein", "non"})
FIELDS: Final = {
    "sku": "sku",
    "barcode": "barcode",
    "name": "name",
    "description": "description",
    "category": "category_id",
    "price": "price_minor",
    "cost": "cost_minor",
    "tax_rate": "tax_rate_bp",
    "tax_included": "tax_included",
    "active": "active",
    "unit": "unit",
}
"""CSV column → products column."""
_COMMA_DECIMAL = re.compile(r"^\d{1,3}(?:\.\d{3})*,\d{1,2}$|^\d+,\d{1,2}$")
_DOT_DECIMAL = re.compile(r"^\d{1,3}(?:,\d{3})*\.\d{1,2}$|^\d+\.\d{1,2}$")

DETECT_ROWS: Final = 1_000
"""How many rows the decimal-separator detection looks at."""


def _unit_cell(raw: str) -> str:
    """A product's unit (:mod:`posapp.units`): ``pc`` (also empty), ``g``, ``kg``, ``m``, ``l``."""
    try:
        return str(unit_of(raw.strip() or Unit.PIECE).value)
    except QuantityError as exc:
        raise ValidationError(str(exc)) from exc


class CsvFileError(ValidationError):
    """The file as a whole cannot be read (size, encoding); the message says what to do."""


# --- reading the file ------------------------------------------------------------------------


def decode_csv(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode a CSV file's bytes; return (text, name of the encoding used).

    Raises:
        CsvFileError: not UTF-8/UTF-16 (and no other encoding chosen), or undecodable.
    """
    if encoding is not None:
        if encoding not in ENCODINGS:
            raise CsvFileError(
                _("Unknown encoding {encoding!r}: use one of {encodings}.").format(
                    encoding=encoding, encodings=", ".join(ENCODINGS)
                )
            )
        codec = "utf-8-sig" if encoding == "utf-8" else encoding
        try:
            return data.decode(codec), ENCODINGS[encoding]
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise CsvFileError(
                _("Line {line} is not valid {encodings}.").format(
                    line=line, encodings=ENCODINGS[encoding]
                )
            ) from exc
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8", "UTF-8"), "UTF-8 (with BOM)"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", "UTF-16"), "UTF-16"
    if b"\x00" in data[:4096]:
        raise CsvFileError(
            _(
                "The file looks like UTF-16 without a byte-order mark: save it as “CSV UTF-8” "
                "and import it again."
            )
        )
    return _strict(data, "utf-8", "UTF-8"), "UTF-8"


def _strict(data: bytes, codec: str, label: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1].hex().upper()
        raise CsvFileError(
            _(
                "Line {line} is not {label} (byte 0x{byte}). Save the file "
                "as “CSV UTF-8” and import it again, or choose Latin-1 if "
                "you know the file uses it."
            ).format(line=line, label=label, byte=byte)
        ) from exc


def _column_name(cell: str) -> str:
    name = "_".join(cell.strip().strip("\ufeff").casefold().replace("-", " ").split())
    return ALIASES.get(name, name)


def sniff_delimiter(first_line: str) -> str:
    """The delimiter that makes the most known column names of the header line."""
    best, best_score = ",", (-1, -1)
    for delimiter in _DELIMITERS:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        known = sum(1 for cell in cells if _column_name(cell) in COLUMNS)
        score = (known, first_line.count(delimiter))
        if score > best_score:
            best, best_score = delimiter, score
    return best


@dataclass(frozen=True, slots=True)
class Header:
    """Where each known column is, how many cells a row has, and warnings about the header.

    ``attributes``: the variant attribute columns (``attribute:Colour``), by the attribute's
    name as the header spells it.
    """

    index: dict[str, int]
    width: int
    warnings: tuple[str, ...]
    attributes: dict[str, int] = field(default_factory=dict)


def read_header(cells: list[str], line: int) -> Header:
    """Map the header's cells to columns.

    Raises:
        CsvFileError: no known column (a missing header), a column twice, a required one missing.
    """
    names = [_column_name(cell) for cell in cells]
    if not any(name in COLUMNS for name in names):
        shown = ", ".join(repr(cell) for cell in cells[:4])
        raise CsvFileError(
            _(
                "Line {line} must be a header naming the columns ({columns}); it has {shown}."
            ).format(line=line, columns=", ".join(COLUMNS), shown=shown)
        )
    index: dict[str, int] = {}
    attributes: dict[str, int] = {}
    unknown: list[str] = []
    for position, name in enumerate(names):
        if name in index:
            raise CsvFileError(
                _("Line {line}: the column {name!r} is named twice in the header.").format(
                    line=line, name=name
                )
            )
        label = cells[position].strip().strip("\ufeff")[len(ATTRIBUTE_PREFIX) :].strip()
        if name.startswith(ATTRIBUTE_PREFIX) and label:
            if label.casefold() in {known.casefold() for known in attributes}:
                raise CsvFileError(
                    _("Line {line}: the column {name!r} is named twice.").format(
                        line=line, name=name
                    )
                )
            attributes[label] = position
        elif name in COLUMNS or name in VARIANT_COLUMNS:
            index[name] = position
        elif name:
            unknown.append(cells[position].strip())
    missing = [name for name in REQUIRED if name not in index]
    if missing:
        raise CsvFileError(
            _("Line {line}: the header has no {missing} column (required: {required}).").format(
                line=line, missing=", ".join(missing), required=", ".join(REQUIRED)
            )
        )
    warnings: tuple[str, ...] = ()
    if unknown:
        warnings = (f"Ignored unknown columns: {', '.join(unknown)}.",)
    if attributes and "template" not in index:
        warnings += (
            "Ignored the attribute columns: without a template column they name no variant.",
        )
    return Header(index, len(cells), warnings, attributes)


def detect_decimal_comma(text: str, delimiter: str, header: Header) -> bool:
    """Whether the money cells use a decimal comma (votes over the first rows)."""
    comma = dot = 0
    columns = [header.index[name] for name in ("price", "cost", "tax_rate") if name in header.index]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row_number, row in enumerate(reader):
            if row_number > DETECT_ROWS:
                break
            for position in columns:
                cell = row[position].strip() if position < len(row) else ""
                comma += bool(_COMMA_DECIMAL.match(cell))
                dot += bool(_DOT_DECIMAL.match(cell))
    except csv.Error:
        pass  # the real pass reports it with its line
    if comma != dot:
        return comma > dot
    return delimiter == ";"


# --- checking rows ---------------------------------------------------------------------------


@dataclass(slots=True)
class CheckedRow:
    """A row whose cells passed the rules: its line and its values by column."""

    line: int
    values: dict[str, object]


class Checker:
    """Turns CSV records into product values, collecting problems with their line numbers."""

    def __init__(self, header: Header, categories: dict[str, int], decimal_comma: bool) -> None:
        self.header = header
        self.categories = categories
        self.decimal = "," if decimal_comma else "."
        self.group = "." if decimal_comma else ","
        # Same result as parse_money for what most cells hold; everything else goes through it.
        self.plain_amount = re.compile(
            rf"([0-9]{{1,10}})(?:{re.escape(self.decimal)}([0-9]{{1,2}}))?"
        )
        # Prices have the shop currency's decimals (none in JPY, three in KWD).
        self.money_digits = current_currency().digits
        cents = f"{{1,{self.money_digits}}}" if self.money_digits else "{0}"
        self.plain_money = re.compile(
            rf"([0-9]{{1,10}})(?:{re.escape(self.decimal)}([0-9]{cents}))?"
        )
        self.problems: list[CsvProblem] = []
        self.problem_count = 0
        self.skus: dict[str, int] = {}
        self.barcodes: dict[str, int] = {}

    def problem(self, line: int, message: str) -> None:
        """Note a problem (listed up to ``MAX_LISTED``, counted beyond)."""
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(CsvProblem(line, message))

    def cell(self, record: list[str], name: str) -> str | None:
        """The unescaped cell of column ``name``, or None when the file has no such column."""
        position = self.header.index.get(name)
        if position is None:
            return None
        return unescape_cell(record[position])

    def check(self, record: list[str], line: int) -> CheckedRow | None:
        """Check one record; None (and problems noted) when it cannot be stored."""
        if len(record) != self.header.width:
            hint = (
                " (an unquoted delimiter inside a cell?)" if len(record) > self.header.width else ""
            )
            self.problem(
                line,
                _("has {count} cells but the header has {width}{hint}.").format(
                    count=len(record), width=self.header.width, hint=hint
                ),
            )
            return None
        values: dict[str, object] = {}
        bad = False
        for name, check in self._checks():
            raw = self.cell(record, name)
            if raw is None:
                continue
            try:
                values[name] = check(raw)
            except ValidationError as exc:
                self.problem(line, f"{name}: {exc}")
                bad = True
        if "template" in self.header.index:
            values["template"] = (self.cell(record, "template") or "").strip()
            values["template_name"] = (self.cell(record, "template_name") or "").strip()
            values["attributes"] = {
                label: unescape_cell(record[position]).strip()
                for label, position in self.header.attributes.items()
            }
        unique = self._unique(line, values)  # also for a bad row: later duplicates are named
        return None if bad or not unique else CheckedRow(line, values)

    def _checks(self) -> list[tuple[str, Callable[[str], object]]]:
        return [
            ("sku", clean_sku),
            ("barcode", clean_barcode),
            ("name", clean_name),
            ("description", clean_description),
            ("category", self._category),
            ("price", lambda raw: self._money(raw, _("Price"))),
            ("cost", lambda raw: self._money(raw, _("Cost"))),
            ("tax_rate", self._rate),
            ("tax_included", lambda raw: _flag(raw, "tax_included", default=True)),
            ("active", lambda raw: _flag(raw, "active", default=True)),
            ("unit", _unit_cell),
        ]

    def _money(self, raw: str, what: str) -> int:
        if not raw.strip():
            if what == "Price":
                raise ValidationError(_("enter a price."))
            return 0
        plain = self.plain_money.fullmatch(raw)
        if plain is not None:  # the common case: digits, maybe a separator and cents
            whole, cents, digits = plain.group(1), plain.group(2) or "", self.money_digits
            return int(whole) * int(10**digits) + int(cents.ljust(digits, "0") or "0")
        try:
            return parse_money(raw, decimal_sep=self.decimal, group_sep=self.group)
        except MoneyError as exc:
            raise ValidationError(
                _("{exc} (not {raw!r}).").format(exc=exc, raw=raw.strip()[:20])
            ) from exc

    def _rate(self, raw: str) -> int:
        plain = self.plain_amount.fullmatch(raw)
        if plain is not None:
            rate = int(plain.group(1)) * 100 + int((plain.group(2) or "").ljust(2, "0"))
            if rate <= BP_PER_UNIT:
                return rate
        return parse_tax_rate(raw, decimal_sep=self.decimal)

    def _category(self, raw: str) -> int | None:
        if not raw.strip():
            return None
        found = self.categories.get(path_key(raw))
        if found is None:
            raise ValidationError(
                _("unknown category {raw!r} (create it first).").format(raw=raw.strip()[:100])
            )
        return found

    def _unique(self, line: int, values: dict[str, object]) -> bool:
        """Whether the row's SKU and barcode are new in the file; remember them either way."""
        unique = True
        sku = values.get("sku")
        if isinstance(sku, str):
            key = sku_key(sku)
            earlier = self.skus.get(key)
            if earlier is None:
                self.skus[key] = line
            else:
                self.problem(
                    line,
                    _("the SKU {sku} is already on line {earlier}.").format(
                        sku=sku, earlier=earlier
                    ),
                )
                unique = False
        barcode = values.get("barcode")
        if isinstance(barcode, str):
            earlier = next(
                (self.barcodes[v] for v in barcode_variants(barcode) if v in self.barcodes), None
            )
            if earlier is None:
                self.barcodes[barcode] = line
            else:
                self.problem(
                    line,
                    _("the barcode {barcode} is already on line {earlier}.").format(
                        barcode=barcode, earlier=earlier
                    ),
                )
                unique = False
        return unique


def _flag(raw: str, name: str, *, default: bool) -> bool:
    value = raw.strip().casefold()
    if not value:
        return default
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValidationError(_("write yes or no, not {raw!r}.").format(raw=raw.strip()[:20]))


def records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number where the record starts, cells), skipping blank lines.

    Raises:
        CsvFileError: malformed CSV (an unbalanced quote), with the line it starts on.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "end of data" in str(exc) or "EOF" in str(exc):
                raise CsvFileError(
                    _(
                        "Line {start}: a quoted cell that starts here is never "
                        "closed (unbalanced quote); nothing was imported."
                    ).format(start=start)
                ) from exc
            raise CsvFileError(
                _("Line {line_num}: the CSV is malformed ({exc}); nothing was imported.").format(
                    line_num=reader.line_num, exc=exc
                )
            ) from exc
        if record and any(cell.strip() for cell in record):
            yield start, record
