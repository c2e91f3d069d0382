"""Barcode label sheets: the layout model without reportlab, then the PDF."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from posapp.reports.labels import L7160, label_content, plan_sheet, render_label_sheet
from posapp.services.catalog.dto import LabelDTO


def label(n: int, barcode: str | None = "5012345678900", name: str = "Gala Apples") -> LabelDTO:
    return LabelDTO(n, f"SKU-{n}", name, barcode, 349)


@pytest.mark.parametrize(
    ("barcode", "symbology", "code"),
    [
        ("5012345678900", "EAN13", "5012345678900"),
        ("96385074", "EAN8", "96385074"),
        ("012345678905", "UPCA", "012345678905"),
        ("5012345678901", "Code128", "5012345678901"),  # a bad check digit: not drawn as EAN
        ("ITEM-7", "Code128", "ITEM-7"),
        (None, "Code128", "SKU-1"),  # no barcode: the SKU, which the scanner path finds
    ],
)
def test_the_barcode_kind(barcode: str | None, symbology: str, code: str) -> None:
    content = label_content(label(1, barcode))
    assert (content.symbology, content.code) == (symbology, code)


def test_prices_show_with_the_currency() -> None:
    assert label_content(label(1), currency="$").price == "$3.49"


def test_labels_fill_pages_in_reading_order() -> None:
    pages = plan_sheet([label(n) for n in range(30)])
    assert [len(page) for page in pages] == [21, 9]
    first, second, fourth = pages[0][0], pages[0][1], pages[0][3]
    assert first.x < second.x
    assert first.y == second.y
    assert fourth.y < first.y  # the next row is lower on the page
    assert fourth.x == first.x
    assert min(p.y for p in pages[0]) >= 0
    assert max(p.x for p in pages[0]) < L7160.page_width


def test_copies_and_a_used_sheet() -> None:
    pages = plan_sheet([label(1), label(2)], copies=3, skip=20)
    assert [len(page) for page in pages] == [1, 5]
    assert [p.content.sku for p in pages[0] + pages[1]] == ["SKU-1"] * 3 + ["SKU-2"] * 3
    with pytest.raises(ValueError, match="copies"):
        plan_sheet([label(1)], copies=0)
    with pytest.raises(ValueError, match="skip"):
        plan_sheet([label(1)], skip=21)


def test_the_pdf_has_the_names_prices_and_skus() -> None:
    labels = [
        label(1),
        label(2, "96385074", "Oat Milk"),
        label(3, None, "Ελληνικό τσάι 🍵 <b>bold</b>"),
        label(4, "ITEM-7", "x" * 300),
    ]
    out = io.BytesIO()
    assert render_label_sheet(labels * 6, out) == 2
    reader = PdfReader(io.BytesIO(out.getvalue()))
    assert len(reader.pages) == 2
    text = reader.pages[0].extract_text()
    for expected in (
        "Gala Apples",
        "Oat Milk",
        "3.49",
        "SKU-1",
        "SKU-4",
        "Ελληνικό",
        "<b>bold</b>",
    ):
        assert expected in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Barcode labels"


def test_no_labels_is_an_error() -> None:
    with pytest.raises(ValueError, match="no labels"):
        render_label_sheet([], io.BytesIO())
