"""Find card numbers and known secrets in a database, in log files and in exported files.

A *card number* here is what a payment card's primary account number looks like: 13 to 19
digits, together or in groups separated by single spaces or dashes, passing the Luhn check, and
not glued to letters or other digits (so the digits inside a UUID or a hash do not count).
Unicode digits (full-width, Arabic-Indic…) count as digits. Numbers the shop legitimately stores
(product barcodes) are given as ``allowed``.

A *secret* is a test password or PIN: found as a plain substring (a PIN: on its own, not inside
a longer number or a word such as a hex digest).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import Engine, LargeBinary, String, Text, select

from posapp.models import Base

_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9]+(?:[ \-][0-9]+)*(?![0-9A-Za-z])")
PAN_MIN, PAN_MAX = 13, 19
BIG_INTEGER = 10 ** (PAN_MIN - 1)


@dataclass(frozen=True, slots=True)
class Hit:
    """Something found: where, what kind, and the offending text (shortened)."""

    where: str
    kind: str
    text: str


def luhn_valid(digits: str) -> bool:
    """Whether ASCII ``digits`` pass the Luhn (mod 10) check."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def ascii_digits(text: str) -> str:
    """NFKC-normalise ``text`` and map every Unicode decimal digit to its ASCII digit."""
    out = []
    for char in unicodedata.normalize("NFKC", text):
        digit = unicodedata.decimal(char, None)
        out.append(str(digit) if digit is not None else char)
    return "".join(out)


def card_numbers(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Every card-number-like run of digits in ``text`` (as digits), except ``allowed`` ones."""
    found = []
    for match in _RUN.finditer(ascii_digits(text)):
        groups = re.split(r"[ \-]", match.group())
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) > PAN_MAX:
                    break
                if len(digits) >= PAN_MIN and luhn_valid(digits) and digits not in allowed:
                    found.append(digits)
    return found


def secrets_in(text: str, secrets: Iterable[str]) -> list[str]:
    """Which of ``secrets`` occur in ``text``.

    A digit-only secret (a PIN) counts on its own only, not inside a longer number or a word:
    five digits turn up by chance in hex digests (the audit chain's hashes), ids and barcodes,
    and six as the microseconds of a logged timestamp (``03:42:43.739154``), so the decimals
    after a digit and a point do not count either.
    """
    found = []
    for secret in secrets:
        if secret.isdigit():
            if re.search(rf"(?<![0-9A-Za-z])(?<![0-9]\.){re.escape(secret)}(?![0-9A-Za-z])", text):
                found.append(secret)
        elif secret in text:
            found.append(secret)
    return found


def scan_text(
    where: str, text: str, secrets: Iterable[str], allowed: frozenset[str] = frozenset()
) -> list[Hit]:
    """Card numbers and secrets in one text."""
    hits = [Hit(where, "card number", number) for number in card_numbers(text, allowed)]
    hits += [Hit(where, "secret", secret) for secret in secrets_in(text, secrets)]
    return hits


def _cells(engine: Engine) -> Iterator[tuple[str, str]]:
    """(table.column, text) for every text and blob cell, and every integer of 13+ digits."""
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column in table.columns:
                    value = row[column.name]
                    where = f"{table.name}.{column.name}"
                    if value is None or isinstance(value, bool):
                        continue
                    if isinstance(value, bytes):
                        yield where, value.decode("latin-1")
                    elif isinstance(value, int):
                        if abs(value) >= BIG_INTEGER:
                            yield where, str(value)
                    elif isinstance(column.type, String | Text | LargeBinary):
                        yield where, str(value)


def scan_database(
    engine: Engine, secrets: Iterable[str], allowed: frozenset[str] = frozenset()
) -> tuple[list[Hit], int]:
    """Scan every table; return the hits and how many cells were read."""
    hits: list[Hit] = []
    cells = 0
    wanted = list(secrets)
    for where, text in _cells(engine):
        cells += 1
        hits += scan_text(where, text, wanted, allowed)
    return hits, cells


def file_text(path: Path) -> str:
    """The text of an exported file: a PDF's extracted text, else the file decoded."""
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        reader = PdfReader(path)
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8", errors="replace")


def scan_files(
    paths: Iterable[Path], secrets: Iterable[str], allowed: frozenset[str] = frozenset()
) -> tuple[list[Hit], int]:
    """Scan every file; return the hits and how many files were read."""
    hits: list[Hit] = []
    count = 0
    wanted = list(secrets)
    for path in paths:
        count += 1
        hits += scan_text(str(path.name), file_text(path), wanted, allowed)
    return hits, count
