"""Variants in the product CSV files on both databases: export, edit, import back (round trip),
new templates from a file, and bad variant rows refused with their lines, nothing written."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from posapp.models import Product, ProductTemplate, VariantValue
from posapp.services.backend import Backend
from posapp.services.catalog import ImportOptions
from posapp.services.catalog import products as catalog
from posapp.services.platform.dto import UserDTO
from tests.integration.catalog_support import add_staff, draft
from tests.integration.variants_support import shirt_draft

HEADER = "sku,name,price,template,template_name,attribute:Colour,attribute:Size\r\n"


@pytest.fixture
def staff(backend: Backend) -> dict[str, UserDTO]:
    return add_staff(backend)


def _count(backend: Backend, model: type[object]) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def _import(backend: Backend, user: UserDTO, path: Path, text: str, update: bool = False):
    path.write_text(text, encoding="utf-8")
    return backend.catalog.import_csv(user, str(path), ImportOptions(update_existing=update))


def test_export_edit_import_round_trip(
    backend: Backend, staff: dict[str, UserDTO], tmp_path: Path
) -> None:
    manager = staff["manager"]
    catalog.create_product(backend.uow(), manager, draft(sku="MUG-1", name="Enamel mug"))
    backend.catalog.save_template(manager, shirt_draft())
    target = tmp_path / "out.csv"
    assert backend.catalog.export_csv(manager, str(target)).rows == 7
    rows = _rows(target)
    assert list(rows[0])[-4:] == ["template", "template_name", "attribute:Colour", "attribute:Size"]
    by_sku = {row["sku"]: row for row in rows}
    assert by_sku["MUG-1"]["template"] == ""
    assert [by_sku["TS-BLUE-M"][k] for k in ("template", "template_name", "name")] == [
        "TSHIRT",
        "T-shirt",
        "T-shirt, blue, M",
    ]
    assert (by_sku["TS-RED-L"]["attribute:Colour"], by_sku["TS-RED-L"]["attribute:Size"]) == (
        "red",
        "L",
    )
    # the file edited: the template renamed, a green S added, a price changed
    for row in rows:
        if row["template"]:
            row["template_name"] = "Tee"
    rows[1]["price"] = "17.00"
    green = dict(rows[1], sku="TS-GREEN-S", barcode="", **{"attribute:Colour": "green"})
    green["attribute:Size"] = "S"
    rows.append(green)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    report = _import(backend, manager, tmp_path / "in.csv", out.getvalue(), update=True)
    assert report.ok, report.problems
    assert (report.created, report.updated) == (1, 7)
    names = {p.name for p in backend.sales.search_products(manager, "tee green")}
    assert names == {"Tee, green, S"}
    found = backend.catalog.search(manager, "tee blue")
    assert len(found.ids) == 3
    template = backend.catalog.templates(manager)
    assert [(t.code, t.name, t.variants) for t in template] == [("TSHIRT", "Tee", 7)]
    assert _count(backend, ProductTemplate) == 1
    assert _count(backend, VariantValue) == 14
    again = tmp_path / "again.csv"
    backend.catalog.export_csv(manager, str(again))
    assert {r["name"] for r in _rows(again) if r["template"]} >= {"Tee, blue, S", "Tee, green, S"}


def test_a_new_template_from_a_file(
    backend: Backend, staff: dict[str, UserDTO], tmp_path: Path
) -> None:
    text = HEADER + (
        "HO-G-M,x,39.00,HOODIE,Hoodie,grey,M\r\n"
        "HO-G-L,x,39.00,hoodie ,,grey,L\r\n"  # the key compares like a SKU; one name is enough
        "HO-N-M,x,41.00,HOODIE,,navy,M\r\n"
        "MUG-1,Enamel mug,8.50,,,,\r\n"
    )
    report = _import(backend, staff["manager"], tmp_path / "in.csv", text)
    assert report.ok, report.problems
    assert report.created == 4
    (summary,) = backend.catalog.templates(staff["manager"])
    saved = backend.catalog.template(staff["manager"], summary.id)
    assert [a.name for a in saved.attributes] == ["Colour", "Size"]
    assert [v.name for v in saved.variants] == [
        "Hoodie, grey, M",
        "Hoodie, grey, L",
        "Hoodie, navy, M",
    ]
    assert [v.price_minor for v in saved.variants] == [3900, 3900, 4100]
    mug = backend.catalog.lookup(staff["manager"], "MUG-1")
    assert mug is not None
    assert mug.name == "Enamel mug"


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("A-1,x,1,TPL,Tee,red,M\r\nA-2,x,1,TPL,,red,\r\n", 3, "attribute:Size"),
        (
            "A-1,x,1,TPL,Tee,red,M\r\nA-2,x,1,TPL,,RED,m\r\n",
            3,
            "same values as the variant on line 2",
        ),
        ("A-1,x,1,TPL,,red,M\r\n", 2, "template_name"),
        ("A-1,x,1,TPL,Tee,red,M\r\nA-2,x,1,TPL,Top,red,L\r\n", 3, "two names"),
        ("A-1,x,1," + "T" * 65 + ",Tee,red,M\r\n", 2, "template"),
        ("A-1,x,1,TPL,Tee,,\r\n", 2, "attribute values"),
    ],
)
def test_bad_variant_rows_are_refused_with_their_line(
    backend: Backend,
    staff: dict[str, UserDTO],
    tmp_path: Path,
    body: str,
    line: int,
    words: str,
) -> None:
    report = _import(backend, staff["manager"], tmp_path / "bad.csv", HEADER + body)
    assert not report.ok
    assert [p.line for p in report.problems] == [line], report.problems
    assert words in report.problems[0].message
    assert _count(backend, Product) == 0
    assert _count(backend, ProductTemplate) == 0


def test_a_file_cannot_change_a_templates_attributes(
    backend: Backend, staff: dict[str, UserDTO], tmp_path: Path
) -> None:
    backend.catalog.save_template(staff["manager"], shirt_draft())
    text = "sku,name,price,template,attribute:Colour\r\nTS-X,x,1,TSHIRT,blue\r\n"
    report = _import(backend, staff["manager"], tmp_path / "bad.csv", text)
    assert [(p.line, "has the attributes Colour, Size" in p.message) for p in report.problems] == [
        (2, True)
    ]
    assert _count(backend, Product) == 6


def test_attribute_columns_without_a_template_column_are_ignored_with_a_warning(
    backend: Backend, staff: dict[str, UserDTO], tmp_path: Path
) -> None:
    text = "sku,name,price,attribute:Colour\r\nA-1,Plain,1.00,red\r\n"
    report = _import(backend, staff["manager"], tmp_path / "in.csv", text)
    assert report.ok
    assert any("attribute columns" in warning for warning in report.warnings)
    assert _count(backend, ProductTemplate) == 0
