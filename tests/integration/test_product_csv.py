"""CSV import (all or nothing, line-numbered report) and export (formula-safe), both databases."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from posapp.events import ProductChanged, ProductsImported, RecordingPublisher
from posapp.models import AuditEntry, Product
from posapp.services.backend import Backend
from posapp.services.catalog import categories as catalog_categories
from posapp.services.catalog import csv_io as product_csv
from posapp.services.catalog import products as catalog
from posapp.services.catalog.csv_io import CsvFileError, import_products
from posapp.services.catalog.dto import ImportOptions, ImportReport
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import PermissionDeniedError
from posapp.services.platform.uow import UnitOfWork
from tests.integration.catalog_support import add_staff, draft

HEADER = "sku,name,price,barcode,category,cost,tax_rate,tax_included,active,description\r\n"


@pytest.fixture
def staff(backend: Backend) -> dict[str, UserDTO]:
    people = add_staff(backend)
    food = catalog_categories.create_category(backend.uow(), people["admin"], "Food")
    catalog_categories.create_category(backend.uow(), people["admin"], "Fruit", food.id)
    return people


@pytest.fixture
def admin(staff: dict[str, UserDTO]) -> UserDTO:
    return staff["admin"]


def run(backend: Backend, actor: UserDTO | None, data: bytes, **kwargs: object) -> ImportReport:
    return import_products(backend.uow(), actor, data, **kwargs)  # type: ignore[arg-type]


def products(backend: Backend) -> dict[str, SimpleNamespace]:
    """Every stored product by SKU, as plain values (no ORM object outlives its session)."""
    columns = [column.key for column in Product.__table__.columns]
    with backend.read_uow() as uow:
        return {
            p.sku: SimpleNamespace(**{key: getattr(p, key) for key in columns})
            for p in uow.session.scalars(select(Product))
        }


def problems(report: ImportReport) -> list[str]:
    return [str(p) for p in report.problems]


# --- a good import -----------------------------------------------------------------------------


def test_a_good_file_imports_every_row(
    backend: Backend, admin: UserDTO, publisher: RecordingPublisher
) -> None:
    data = (
        HEADER
        + "APL-1,Gala Apples,3.49,5012345678900,Food > Fruit,2.10,5.5,yes,yes,Crisp\r\n"
        + 'BAN-1,"Bananas, ripe",1,,food>fruit,,,no,no,"two\nlines"\r\n'
        + "PLU-7,Plums,0.99,96385074,,,20,,,\r\n"
    ).encode()
    report = run(backend, admin, data, source_name="/home/x/../prices.csv")
    assert report.ok, problems(report)
    assert (report.rows, report.created, report.updated) == (3, 3, 0)
    stored = products(backend)
    apple, banana, plum = stored["APL-1"], stored["BAN-1"], stored["PLU-7"]
    assert (apple.price_minor, apple.cost_minor, apple.tax_rate_bp) == (349, 210, 550)
    assert apple.barcode == "5012345678900"
    assert apple.tax_included is True
    assert banana.name == "Bananas, ripe"
    assert banana.description == "two\nlines"
    assert banana.tax_included is False
    assert banana.active is False
    assert banana.category_id == apple.category_id is not None
    assert plum.category_id is None
    assert plum.tax_rate_bp == 2000
    # One event for the whole file, none per product.
    assert not [e for e in publisher.events if isinstance(e, ProductChanged)]
    imported = [e for e in publisher.events if isinstance(e, ProductsImported)]
    assert [(e.created, e.updated) for e in imported] == [(3, 0)]
    with backend.read_uow() as uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "product.import")
        ).one()
        assert '"created": 3' in (entry.after or "")
        assert "prices.csv" in (entry.after or "")
    found = catalog.search_products(backend.read_uow(), admin, "ripe", include_archived=True)
    assert found.ids == (banana.id,)


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda t: codecs.BOM_UTF8 + t.encode(), "UTF-8 (with BOM)"),
        (lambda t: t.encode("utf-16"), "UTF-16"),
        (lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "UTF-16"),
        (lambda t: t.encode(), "UTF-8"),
    ],
)
def test_encodings_with_a_byte_order_mark_are_detected(
    backend: Backend, admin: UserDTO, encode: Callable[[str], bytes], encoding: str
) -> None:
    report = run(backend, admin, encode("sku,name,price\r\nÄPF-1,Äpfel 🍎,1.20\r\n"))
    assert report.ok
    assert report.encoding == encoding
    assert products(backend)["ÄPF-1"].name == "Äpfel 🍎"


def test_latin_1_is_refused_unless_chosen(backend: Backend, admin: UserDTO) -> None:
    data = "sku,name,price\nA-1,Apples,1\nB-2,Crème brûlée,2\n".encode("latin-1")
    with pytest.raises(CsvFileError, match=r"Line 3 is not UTF-8 \(byte 0xE8\).*CSV UTF-8"):
        run(backend, admin, data)
    assert products(backend) == {}
    report = run(backend, admin, data, options=ImportOptions(encoding="latin-1"))
    assert report.ok
    assert products(backend)["B-2"].name == "Crème brûlée"


def test_utf16_without_a_byte_order_mark_is_refused(backend: Backend, admin: UserDTO) -> None:
    with pytest.raises(CsvFileError, match="UTF-16 without a byte-order mark"):
        run(backend, admin, "sku,name,price\n".encode("utf-16-le"))


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("sku;name;price\r\nA;Apples;1,50\r\n", 150),  # semicolon and decimal comma
        ("sku;name;price\nA;Apples;1.234,50\n", 123_450),
        ("sku\tname\tprice\nA\tApples\t1.5\n", 150),
        ("sku|name|price\nA|Apples|2\n", 200),
        ('sku,name,price\r\nA,Apples,"1,234.50"\n', 123_450),  # mixed CRLF and LF
        ("price,name,sku\n1.5,Apples,A\n", 150),  # reordered header
    ],
)
def test_delimiters_decimals_and_line_ends(
    backend: Backend, admin: UserDTO, text: str, price: int
) -> None:
    report = run(backend, admin, text.encode())
    assert report.ok, problems(report)
    assert products(backend)["A"].price_minor == price


def test_extra_columns_are_ignored_with_a_warning(backend: Backend, admin: UserDTO) -> None:
    report = run(backend, admin, b"sku,name,price,colour,weight\nA,Apples,1,red,1kg\n")
    assert report.ok
    assert report.warnings == ("Ignored unknown columns: colour, weight.",)


def test_escaped_formula_cells_come_back_and_raw_ones_are_kept_literally(
    backend: Backend, admin: UserDTO
) -> None:
    data = b"sku,name,price\n'=A1,'+plus,1\n@B,=HYPERLINK(1),2\n"
    assert run(backend, admin, data).ok
    stored = products(backend)
    assert stored["=A1"].name == "+plus"
    assert stored["@B"].name == "=HYPERLINK(1)"


def test_updating_existing_products(
    backend: Backend, admin: UserDTO, publisher: RecordingPublisher
) -> None:
    first = catalog.create_product(backend.uow(), admin, draft(sku="A-1", name="Apples", price=100))
    data = b"sku,name,price\na-1,Green Apples,1.25\nB-2,Bread,2\n"
    refused = run(backend, admin, data)
    assert problems(refused) == [
        "Line 2: the SKU a-1 already exists (“Apples”); choose “update existing products” to "
        "change it."
    ]
    report = run(backend, admin, data, options=ImportOptions(update_existing=True))
    assert (report.created, report.updated) == (1, 1)
    imported = [e for e in publisher.events if isinstance(e, ProductsImported)]
    assert [(e.created, e.updated) for e in imported] == [(1, 1)]  # none for the refused run
    updated = catalog.get_product(backend.read_uow(), admin, first.id)
    assert (updated.name, updated.price_minor, updated.sku) == ("Green Apples", 125, "a-1")
    assert updated.version == first.version + 1  # an editor open on the old version conflicts
    assert updated.cost_minor == first.cost_minor  # no cost column: cost unchanged
    assert catalog.search_products(backend.read_uow(), admin, "green").ids == (first.id,)
    assert catalog.search_products(backend.read_uow(), admin, "apples").ids == (first.id,)
    with backend.read_uow() as uow:
        price = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "product.price")
        ).one()
        assert price.object_id == first.id
        assert '"price_minor": 100' in (price.before or "")


# --- bad files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"\r\n\r\n", "The file is empty"),
        (b"A-1,Apples,1.00\nB-2,Pears,2\n", "Line 1 must be a header naming the columns"),
        (b"sku,name,price,SKU\n", "the column 'sku' is named twice"),
        (b"sku,name\nA,Apples\n", "no price column"),
        (b'sku,name,price\nA,"Apples,1\nB,Pears,2\n', "Line 2: a quoted cell .* never closed"),
        (b'sku,name,price\nA,Ap"ples,1\nB,"Pe"ars,2\n', "Line 3: the CSV is malformed"),
    ],
)
def test_unreadable_files_are_refused_whole(
    backend: Backend, admin: UserDTO, data: bytes, message: str
) -> None:
    with pytest.raises(CsvFileError, match=message):
        run(backend, admin, data)
    assert products(backend) == {}


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_stored(
    backend: Backend, admin: UserDTO, publisher: RecordingPublisher
) -> None:
    catalog.create_product(backend.uow(), admin, draft(sku="OLD-1", barcode="96385074"))
    publisher.events.clear()
    lines = [
        "sku,name,price,barcode,category",
        "OK-1,Fine,1,,",
        'MULTI,"a description\nspanning lines",1,,',  # lines 3-4; its name has a line break
        "DUP,First,1,,",
        "dup ,Second,1,,",
        "OLD-1,Exists,1,,",
        "BC-1,Bad code,1,5012345678901,",
        "BC-2,Taken code,1,96385074,",
        "BC-3,Excel code,1,1.23E+12,",
        "PR-1,Bad price,abc,,",
        "PR-2,Negative,-1,,",
        "PR-3,Too precise,1.001,,",
        "CAT-1,Unknown,1,,Food > Vegetables",
        "NAME-1,,1,,",
        "WIDE,Too,1,,,,",
        "NARROW,Short",
        ",No sku,1,,",
        "CC,Two codes,1,012345678905,",
        "CC2,Same code,1,0012345678905,",
        "\tTAB,Tabbed,1,,",  # surrounding whitespace is stripped: a SKU "TAB"
        "'\tESC,Escaped tab,1,,",  # an exported cell, unescaped, then stripped too
    ]
    report = run(backend, admin, "\n".join(lines).encode())
    assert not report.ok
    assert report.rows == report.created == 0
    assert problems(report) == [
        "Line 3: name: A name cannot contain tabs, line breaks or control characters "
        "(found U+000A LINE BREAK).",
        "Line 6: the SKU dup is already on line 5.",
        "Line 7: the SKU OLD-1 already exists (“Gala Apples”); choose “update existing "
        "products” to change it.",
        "Line 8: barcode: 5012345678901 is not a valid EAN-13: its check digit should be 0, not 1.",
        "Line 9: the barcode 96385074 already belongs to “Gala Apples”.",
        "Line 10: barcode: The barcode 1.23E+12 looks like a number a spreadsheet rewrote in "
        "scientific notation: its digits are lost. Format the column as text and enter the "
        "full code.",
        "Line 11: price: Enter an amount like 12.50 (not 'abc').",
        "Line 12: price: Amount cannot be negative (not '-1').",
        "Line 13: price: At most 2 decimals (not '1.001').",
        "Line 14: category: unknown category 'Food > Vegetables' (create it first).",
        "Line 15: name: Enter a name.",
        "Line 16: has 7 cells but the header has 5 (an unquoted delimiter inside a cell?).",
        "Line 17: has 2 cells but the header has 5.",
        "Line 18: sku: Enter a SKU.",
        "Line 20: the barcode 0012345678905 is already on line 19.",
    ]
    assert set(products(backend)) == {"OLD-1"}
    assert publisher.events == []
    with backend.read_uow() as uow:
        assert not uow.session.scalar(
            select(func.count()).where(AuditEntry.action == "product.import")
        )


def test_the_report_lists_the_first_thousand_problems_and_counts_the_rest(
    backend: Backend, admin: UserDTO
) -> None:
    data = ("sku,name,price\n" + "".join(f"S{i},Name,bad\n" for i in range(1_500))).encode()
    report = run(backend, admin, data)
    assert len(report.problems) == product_csv.MAX_LISTED
    assert report.more_problems == 500
    assert report.summary() == "Nothing imported: 1,500 problems found."


def test_progress_and_cancel(backend: Backend, admin: UserDTO) -> None:
    rows = "".join(f"S{i},Name {i},1\n" for i in range(2_500))
    data = ("sku,name,price\n" + rows).encode()
    seen: list[tuple[int, int]] = []
    report = run(backend, admin, data, progress=lambda d, t: seen.append((d, t)))
    assert report.ok
    assert seen[-1] == (2_501, 2_501)  # physical lines, the header included
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(seen) >= 3
    calls: list[int] = []
    cancelled = run(
        backend,
        admin,
        data.replace(b"S", b"T"),
        progress=lambda d, t: calls.append(d),
        cancelled=lambda: len(calls) >= 1,
    )
    assert cancelled.cancelled
    assert cancelled.summary() == "Import cancelled: nothing was changed."
    assert not any(sku.startswith("T") for sku in products(backend))


def test_a_header_only_file_imports_nothing(backend: Backend, admin: UserDTO) -> None:
    report = run(backend, admin, b"sku,name,price\n")
    assert report.ok
    assert report.rows == 0


def test_cashiers_cannot_import_but_the_command_line_can(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    with pytest.raises(PermissionDeniedError):
        run(backend, staff["cashier"], b"sku,name,price\nA,B,1\n")
    assert run(backend, None, b"sku,name,price\nA,B,1\n").ok


def test_import_file_reads_and_refuses(backend: Backend, admin: UserDTO, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"sku,name,price\nA,B,1\n")
    assert product_csv.import_file(backend.uow(), admin, path).ok
    with pytest.raises(CsvFileError, match=r"Cannot read nope\.csv"):
        product_csv.import_file(backend.uow(), admin, tmp_path / "nope.csv")


# --- export ------------------------------------------------------------------------------------


def read_export(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    assert b"\r\n" in raw
    return list(csv.reader(io.StringIO(raw[3:].decode(), newline="")))


def test_export_escapes_formula_cells_and_round_trips(
    backend: Backend, admin: UserDTO, tmp_path: Path
) -> None:
    fruit = catalog_categories.list_categories(backend.read_uow(), admin)[1]
    catalog.create_product(
        backend.uow(),
        admin,
        draft(sku="=1+1", name="+danger", description="@cmd\nline", category_id=fruit.id),
    )
    catalog.create_product(backend.uow(), admin, draft(sku="-5", name="\tTabbed name".strip()))
    catalog.create_product(
        backend.uow(), admin, draft(sku="OK", name="Plain", barcode="96385074", tax_rate_bp=550)
    )
    archived = catalog.create_product(backend.uow(), admin, draft(sku="OLD", name="Old"))
    catalog.archive_product(backend.uow(), admin, archived.id)
    path = tmp_path / "out.csv"
    report = product_csv.export_products(backend.read_uow(), admin, path)
    assert report.rows == 4
    rows = read_export(path)
    assert rows[0] == list(product_csv.COLUMNS)
    assert rows[1][:5] == ["'=1+1", "", "'+danger", "'@cmd\nline", "Food > Fruit"]
    assert rows[2][0] == "'-5"
    assert rows[3][1:3] == ["96385074", "Plain"]
    assert rows[3][5:] == ["3.49", "0.00", "5.5", "yes", "yes", "pc"]
    assert rows[4][-2:] == ["no", "pc"]  # active, unit (#20)
    for row in rows[1:]:
        assert not row[0].startswith(("=", "+", "-", "@", "\t", "\r"))
    only_active = tmp_path / "active.csv"
    product_csv.export_products(backend.read_uow(), admin, only_active, include_archived=False)
    assert len(read_export(only_active)) == 4
    again = run(backend, admin, path.read_bytes(), options=ImportOptions(update_existing=True))
    assert again.ok, problems(again)
    assert again.updated == 4
    assert products(backend)["=1+1"].name == "+danger"
    assert products(backend)["=1+1"].description == "@cmd\nline"


def test_export_cancel_leaves_no_file(backend: Backend, admin: UserDTO, tmp_path: Path) -> None:
    catalog.create_product(backend.uow(), admin, draft())
    path = tmp_path / "out.csv"
    report = product_csv.export_products(backend.read_uow(), admin, path, cancelled=lambda: True)
    assert report.cancelled
    assert not path.exists()
    assert list(tmp_path.glob("*.csv")) == []
    with pytest.raises(CsvFileError, match="Cannot write"):
        product_csv.export_products(backend.read_uow(), admin, tmp_path / "no" / "dir.csv")


def test_cashiers_may_export(backend: Backend, staff: dict[str, UserDTO], tmp_path: Path) -> None:
    report = product_csv.export_products(backend.read_uow(), staff["cashier"], tmp_path / "c.csv")
    assert report.rows == 0


Call = Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]
ACTION_CALLS: dict[str, Call] = {
    "catalog.csv_io.import_products": lambda uow, a, s: import_products(
        uow, a, f"sku,name,price\nCSV-{a.role},x,1\n".encode()
    ),
    "catalog.csv_io.export_products": lambda uow, a, s: product_csv.export_products(
        uow, a, Path("/tmp") / f"posapp-matrix-{a.role}.csv"
    ),
}
"""The CSV actions for the permission matrix (tests/unit/test_security.py::CALLS)."""


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_csv_matrix(backend: Backend, staff: dict[str, UserDTO], role: str) -> None:
    from posapp.services.staff.permissions import ROLE_PERMISSIONS
    from posapp.services.staff.security import ACTIONS

    for action, call in ACTION_CALLS.items():
        if ACTIONS[action] in ROLE_PERMISSIONS[role]:
            call(backend.uow(), staff[role], staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(backend.uow(), staff[role], staff)
    Path(f"/tmp/posapp-matrix-{role}.csv").unlink(missing_ok=True)


@pytest.mark.slow
@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
def test_a_million_rows(backend: Backend, admin: UserDTO) -> None:
    rows = "".join(f"M{i:07d},Product {i},{i % 5000}.99\n" for i in range(1_000_000))
    report = run(backend, admin, ("sku,name,price\n" + rows).encode())
    assert report.ok
    assert report.created == 1_000_000
