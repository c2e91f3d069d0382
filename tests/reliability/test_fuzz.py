"""Hypothesis fuzz of what people type or import: only the app's own validation errors come out.

- Money and number parsers (``posapp.money.parse_money`` and the parsers built on it): any text
  gives an amount or ``MoneyError``/``ValidationError``/``QuantityError`` (their documented
  contract), and what they accept formats back to the same amount.
- The CSV product importer: arbitrary bytes, and CSV-shaped files with every delimiter, encodings
  with and without BOMs, shuffled or unknown headers, NULs, quotes, formula cells, huge fields
  and mixed line ends give a report or ``CsvFileError``; a refused import stores nothing.
- The coupon code matcher: any text gives a quote or ``CouponRefused``; any spelling of a real code
  (case, spaces, dashes of every kind, full-width letters) finds it.

``POSAPP_FUZZ_EXAMPLES`` sets the examples per test (default 150; CI uses the default).
"""

from __future__ import annotations

import codecs
import contextlib
import os
import string
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from posapp.models import CouponCampaign, CouponCode, Product
from posapp.models.base import utcnow
from posapp.money import MAX_MINOR, MoneyError, format_money, parse_money
from posapp.services.backend import Backend
from posapp.services.catalog.csv_io import COLUMNS, CsvFileError, import_products
from posapp.services.catalog.dto import ImportOptions, ImportReport
from posapp.services.catalog.rules import parse_price, parse_tax_rate
from posapp.services.coupons.codes import (
    ALPHABET,
    clean_prefix,
    clean_shared_code,
    code_key,
    format_code,
    is_possible_key,
)
from posapp.services.coupons.dto import parse_percent_bp
from posapp.services.coupons.redemption import BasketLine, CouponRefused, quote_coupon
from posapp.services.platform.db import Database
from posapp.services.platform.errors import ServiceError, ValidationError
from posapp.services.stock.dto import QuantityError, parse_quantity
from tests.conftest import make_database

EXAMPLES = int(os.environ.get("POSAPP_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)

# Characters people (and spreadsheets) put in number fields, so the fuzz reaches the deep paths.
NUMBERISH = st.text(
    alphabet=st.sampled_from(
        [*"0123456789.,-+ '\t\n%$€eE", "\u00a0", "\u202f", "\u2212", "١", "٥", "１", "０"]
    ),
    max_size=40,
)
ANY_TEXT = st.one_of(st.text(max_size=60), NUMBERISH)
SEPARATORS = st.sampled_from([(".", ","), (",", "."), (",", " "), (".", ""), (",", "\u202f")])


def one_line(error: Exception, *, reason: str = "unknown") -> None:
    """A refusal is a one-line message for a person (and a lookup refuses as "unknown")."""
    assert str(error)
    assert "\n" not in str(error)
    assert reason == "unknown"


# --- money and numbers ---------------------------------------------------------------------------


@FUZZ
@given(ANY_TEXT, SEPARATORS, st.booleans(), st.booleans())
@example("1e3", (".", ","), True, False)
@example("NaN", (".", ","), True, False)
@example("1" * 30, (".", ","), True, False)
@example("9,999,999,999.99\n", (".", ","), True, False)
@example("-0", (".", ","), False, False)
def test_parse_money_gives_an_amount_or_a_money_error(
    text: str, seps: tuple[str, str], allow_zero: bool, allow_negative: bool
) -> None:
    decimal_sep, group_sep = seps
    try:
        value = parse_money(
            text,
            decimal_sep=decimal_sep,
            group_sep=group_sep,
            allow_zero=allow_zero,
            allow_negative=allow_negative,
        )
    except MoneyError as exc:
        one_line(exc)
        return
    assert isinstance(value, int)
    assert -MAX_MINOR <= value <= MAX_MINOR
    assert allow_negative or value >= 0
    assert allow_zero or value != 0
    shown = format_money(value, decimal_sep=decimal_sep, group_sep=group_sep)
    assert parse_money(
        shown, decimal_sep=decimal_sep, group_sep=group_sep, allow_negative=True
    ) == (value)


@FUZZ
@given(ANY_TEXT, st.text(max_size=3), st.text(max_size=3))
def test_parse_money_with_odd_separators_refuses_them_as_value_errors(
    text: str, decimal_sep: str, group_sep: str
) -> None:
    """Separators come from the locale, not the user: a bad pair is a ValueError (documented)."""
    with contextlib.suppress(ValueError):  # MoneyError is one too
        parse_money(text, decimal_sep=decimal_sep, group_sep=group_sep)


@FUZZ
@given(ANY_TEXT, st.sampled_from([".", ","]))
def test_price_tax_and_percent_parsers_raise_validation_errors_only(
    text: str, decimal_sep: str
) -> None:
    group_sep = "," if decimal_sep == "." else "."
    parsers: tuple[Callable[[], int], ...] = (
        lambda: parse_price(text, decimal_sep=decimal_sep, group_sep=group_sep),
        lambda: parse_tax_rate(text, decimal_sep=decimal_sep),
        lambda: parse_percent_bp(text),
    )
    for parse in parsers:
        try:
            value = parse()
        except ValidationError as exc:
            one_line(exc)
            continue
        assert isinstance(value, int)
        assert value >= 0


@FUZZ
@given(ANY_TEXT, st.booleans(), st.booleans())
@example("2" + "0" * 31, False, False)
@example("1.5", False, False)
@example("9" * 19, True, True)
def test_parse_quantity_gives_units_or_a_quantity_error(
    text: str, by_weight: bool, allow_zero: bool
) -> None:
    try:
        value = parse_quantity(text, by_weight=by_weight, allow_zero=allow_zero)
    except QuantityError as exc:
        one_line(exc)
        return
    assert isinstance(value, int)
    assert value > 0 or (allow_zero and value == 0)


# --- coupon codes: normalisation -----------------------------------------------------------------

CODE_BODY = st.text(alphabet=ALPHABET, min_size=8, max_size=8)
DASHES = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212"]
SPACES = [" ", "\t", "\u00a0", "\u3000", "\n"]


@st.composite
def spellings(draw: st.DrawFn, code: str) -> str:
    """``code`` as a person might type it: any case, spaces and dashes anywhere, full-width."""
    out = []
    for original in code:
        ch = original
        if ch == "-":
            ch = draw(st.sampled_from(["", *DASHES, *SPACES]))
        elif draw(st.booleans()):
            ch = ch.lower()
        if ch and draw(st.integers(0, 9)) == 0:
            ch = chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isalnum() else ch  # full-width
        out.append(ch)
        if draw(st.integers(0, 7)) == 0:
            out.append(draw(st.sampled_from(DASHES + SPACES)))
    return draw(st.sampled_from(["", " ", "\t"])) + "".join(out) + draw(st.sampled_from(["", " "]))


@FUZZ
@given(st.text(max_size=200))
@example("' OR 1=1--")
@example("x" * 1000)
@example("\x00")
def test_code_normalisers_raise_validation_errors_only(text: str) -> None:
    key = code_key(text)
    assert isinstance(key, str)
    assert not any(ch.isspace() or ch in DASHES for ch in key)
    assert isinstance(is_possible_key(key), bool)
    for clean in (clean_prefix, clean_shared_code):
        with contextlib.suppress(ValidationError):
            clean(text)


@FUZZ
@given(st.data(), st.text(alphabet=string.ascii_uppercase + string.digits, max_size=6), CODE_BODY)
def test_every_spelling_of_a_code_has_its_key(data: st.DataObject, prefix: str, body: str) -> None:
    code = format_code(prefix, body)
    assert code_key(data.draw(spellings(code))) == code_key(code)


# --- coupon codes: the lookup --------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One migrated SQLite file for the module (Hypothesis runs many examples per test)."""
    database = make_database("sqlite", tmp_path_factory.mktemp("fuzz"))
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def coupon_backend(fuzz_database: Database) -> Backend:
    backend = Backend(fuzz_database)
    with backend.uow() as uow:
        campaign = CouponCampaign(
            name="Fuzz",
            kind="percent",
            value=1000,
            scope="order",
            starts_at=utcnow() - timedelta(days=1),
            single_use_codes=False,
        )
        uow.session.add(campaign)
        uow.flush()
        for code in ("SPRING-7KQ2-M9XD", "WELCOME5"):
            uow.session.add(CouponCode(campaign_id=campaign.id, code=code, code_key=code_key(code)))
        uow.commit()
    return backend


BASKET = [BasketLine(1, 1, None, 1, 10_00)]


def _quote(backend: Backend, text: str) -> str | None:
    """The code a typed text finds, or None when it is refused (any other error fails)."""
    with backend.read_uow() as uow:
        try:
            return quote_coupon(uow, text, BASKET, customer_account_id=None).code
        except CouponRefused as exc:
            one_line(exc, reason=exc.reason)
            return None


@FUZZ
@given(st.one_of(st.text(max_size=80), st.binary(max_size=80).map(lambda b: b.decode("latin-1"))))
@example("' OR 1=1--")
@example("%")
@example("SPRING_7KQ2_M9XD")
@example("Z" * 1000)
@example("\x00SPRING-7KQ2-M9XD")
def test_any_text_finds_a_coupon_or_is_refused(coupon_backend: Backend, text: str) -> None:
    found = _quote(coupon_backend, text)
    if found is not None:
        assert code_key(found) == code_key(text)


@FUZZ
@given(st.data(), st.sampled_from(["SPRING-7KQ2-M9XD", "WELCOME5"]))
def test_every_spelling_of_a_real_code_finds_it(
    coupon_backend: Backend, data: st.DataObject, code: str
) -> None:
    assert _quote(coupon_backend, data.draw(spellings(code))) == code


# --- the CSV importer ----------------------------------------------------------------------------

HEADER_NAMES = [*COLUMNS, "SKU", " Name ", "EAN", "vat", "tax %", "price\ufeff", "colour", ""]
CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "=cmd|' /C calc'!A0",
            "+1",
            "-2",
            "@SUM(A1)",
            "\t=1",
            "'=1",
            "12.50",
            "12,50",
            "1,000.00",
            "1.000,00",
            "5.5",
            "yes",
            "no",
            "4006381333931",
            "4006381333932",
            "1.23E+12",
            '"',
            '""',
            "a\nb",
            "\x00",
            "\ufeff",
            "<b>x</b>",
        ]
    ),
)
DELIMITERS = st.sampled_from([",", ";", "\t", "|"])
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252"])
LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r"])


def _cell(text: str, delimiter: str, quote: bool) -> str:
    if quote or any(ch in text for ch in (delimiter, '"', "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, ImportOptions]:
    """A CSV-shaped file: a header of known (and unknown) names, rows of odd cells, encoded."""
    delimiter = draw(DELIMITERS)
    header = draw(st.lists(st.sampled_from(HEADER_NAMES), min_size=1, max_size=8))
    if draw(st.booleans()):
        header = ["sku", "name", "price", *header]
    rows = draw(
        st.lists(
            st.lists(CELL, min_size=max(0, len(header) - 1), max_size=len(header) + 1),
            max_size=6,
        )
    )
    quote = draw(st.booleans())
    lines = [delimiter.join(_cell(c, delimiter, quote) for c in row) for row in [header, *rows]]
    text = "".join(line + draw(LINE_ENDS) for line in lines)
    if draw(st.integers(0, 9)) == 0:
        text = text.replace('"', "", 1)  # an unbalanced quote
    encoding = draw(ENCODINGS)
    data = text.encode(encoding, errors="replace")
    chosen: str | None = None
    if encoding in ("latin-1", "cp1252") and draw(st.booleans()):
        chosen = encoding
    elif encoding == "utf-8-sig" and draw(st.booleans()):
        data = codecs.BOM_UTF8 + data  # two BOMs
    options = ImportOptions(
        update_existing=draw(st.booleans()),
        encoding=chosen,
        decimal_comma=draw(st.sampled_from([None, True, False])),
    )
    return data, options


def _products(backend: Backend) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Product)) or 0)


def _import(backend: Backend, data: bytes, options: ImportOptions | None = None) -> None:
    """Import; the outcome is a report (all rows or none stored) or the file's refusal."""
    before = _products(backend)
    try:
        report = import_products(backend.uow(), None, data, options=options)
    except CsvFileError as exc:
        one_line(exc)
        assert _products(backend) == before
        return
    assert isinstance(report, ImportReport)
    after = _products(backend)
    if report.ok:
        assert after == before + report.created
    else:
        assert after == before  # all or nothing
        assert all(p.line >= 1 and "\n" not in p.message for p in report.problems)


@pytest.fixture(scope="module")
def csv_backend(fuzz_database: Database) -> Backend:
    return Backend(fuzz_database)


@FUZZ
@given(st.binary(max_size=400))
@example(b"")
@example(b"\xef\xbb\xbf")
@example(b"\xff\xfe")
@example(b'"\n"')
@example(b"sku,name,price\n" + b"\x00" * 10)
@example(b"\x1c\x1d\x1esku,name,price\n")
@example(b"sku,name,price\x85A1,B,1\n")
def test_arbitrary_bytes_are_imported_or_refused(csv_backend: Backend, data: bytes) -> None:
    _import(csv_backend, data)


@FUZZ
@given(csv_files())
def test_csv_shaped_files_are_imported_or_refused(
    csv_backend: Backend, file: tuple[bytes, ImportOptions]
) -> None:
    data, options = file
    _import(csv_backend, data, options)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"sku,name,price\nHUGE," + b"x" * 200_000 + b",1\n", id="huge-field"),
        pytest.param(b'sku,name,price\nQ,"' + b"y" * 200_000 + b'",1\n', id="huge-quoted"),
        pytest.param(b"sku,name,price\n" + b"A,B,1\n" * 20_000, id="duplicate-skus"),
        pytest.param(
            "sku;name;price\n\ufeffA;\u00e9;1,50\n".encode("utf-16"), id="utf16-bom-in-row"
        ),
    ],
)
def test_big_and_odd_files_are_imported_or_refused(csv_backend: Backend, data: bytes) -> None:
    _import(csv_backend, data)


def test_service_errors_are_the_only_refusals() -> None:
    """The errors the fuzz allows are the app's own (ServiceError / ValueError subclasses)."""
    assert issubclass(CsvFileError, ServiceError)
    assert issubclass(CouponRefused, ServiceError)
    assert issubclass(ValidationError, ServiceError)
    assert issubclass(MoneyError, ValueError)
    assert issubclass(QuantityError, ValueError)
