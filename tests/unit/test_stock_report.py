"""The replenishment list as CSV and PDF, rendered from DTO fixtures (no database)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from posapp.reports.replenishment import (
    CSV_HEADER,
    csv_rows,
    escape_cell,
    line_cost_minor,
    render_pdf,
    report_lines,
    write_csv,
)
from posapp.services.stock.dto import (
    ReplenishmentLine,
    ReplenishmentList,
    StoreSummary,
    suggested_quantity,
)

STORE = StoreSummary(1, "HS01", "Harbour Street", "store", "14 Harbour St", "", True)
AT = datetime(2026, 11, 25, 14, 5, tzinfo=UTC)


def _line(
    pid: int, name: str, on_hand: int, point: int, qty: int, **kw: object
) -> ReplenishmentLine:
    return ReplenishmentLine(
        product_id=pid,
        sku=str(kw.pop("sku", f"SKU-{pid}")),
        name=name,
        category=str(kw.pop("category", "Food › Fruit")),
        on_hand=on_hand,
        reorder_point=point,
        reorder_qty=qty,
        suggested=suggested_quantity(on_hand, point, qty),
        elsewhere=int(kw.pop("elsewhere", 0)),  # type: ignore[call-overload]
        cost_minor=int(kw.pop("cost", 125)),  # type: ignore[call-overload]
        sold_by_weight=bool(kw.pop("by_weight", False)),
    )


PLAN = ReplenishmentList(
    STORE,
    AT,
    (
        _line(1, "Pear", 3, 5, 24, elsewhere=200),
        _line(2, '=HYPERLINK("http://x")', 0, 4, 6, sku="+SKU", category="@cat"),
        _line(3, "Cheddar", 250, 1000, 5000, by_weight=True, cost=1299),
        _line(4, "<b>bold</b> Crème brûlée", 1, 2, 0, sku="-7"),
    ),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SKU", "'+SKU"),
        ("-7", "'-7"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Pear", "Pear"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_escape_cell(text: str, expected: str) -> None:
    assert escape_cell(text) == expected


def test_report_model() -> None:
    lines = report_lines(PLAN)
    assert [(x.name, x.on_hand, x.suggested, x.elsewhere) for x in lines] == [
        ("Pear", "3", "26", "200"),
        ('=HYPERLINK("http://x")', "0", "10", "—"),
        ("Cheddar", "0.250 kg", "5.750 kg", "—"),
        ("<b>bold</b> Crème brûlée", "1", "1", "—"),
    ]
    assert [line_cost_minor(x) for x in PLAN.lines] == [26 * 125, 10 * 125, 7469, 125]
    assert PLAN.total_cost_minor == sum(line_cost_minor(x) for x in PLAN.lines)


def test_csv_escapes_formulas_and_keeps_numbers_plain() -> None:
    buffer = io.StringIO(newline="")
    assert write_csv(PLAN, buffer) == 4
    rows = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert tuple(rows[0]) == CSV_HEADER
    assert rows[1] == ["SKU-1", "Pear", "Food › Fruit", "pcs", "3", "5", "24", "26", "200",
                       "1.25", "32.50"]  # fmt: skip
    assert rows[2][:3] == ["'+SKU", '\'=HYPERLINK("http://x")', "'@cat"]
    assert rows[3][3:9] == ["kg", "0.250", "1.000", "5.000", "5.750", "0.000"]
    assert rows[4][0] == "'-7"
    assert buffer.getvalue().count("\r\n") == 5
    assert csv_rows(ReplenishmentList(STORE, AT)) == []


def test_pdf_has_the_lines_and_the_total() -> None:
    out = io.BytesIO()
    render_pdf(PLAN, out, generated=AT)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Replenishment list — Harbour Street" in text
    assert "<b>bold</b> Crème brûlée" in text  # shown literally, not as markup
    assert '=HYPERLINK("http://x")' in text
    assert "5.750 kg" in text
    assert "Total" in text
    assert "120.94" in text  # 32.50 + 12.50 + 74.69 + 1.25
    assert "Page 1 of 1" in text


def test_long_pdf_repeats_the_header_and_numbers_pages() -> None:
    lines = tuple(_line(i, f"Product {i}", 0, 5, 10) for i in range(120))
    out = io.BytesIO()
    render_pdf(ReplenishmentList(STORE, AT, lines), out, generated=AT)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    assert len(reader.pages) > 3
    last = reader.pages[-1].extract_text()
    assert "SKU" in last
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in last


def test_empty_pdf_says_so() -> None:
    out = io.BytesIO()
    render_pdf(ReplenishmentList(STORE, AT), out, generated=AT)
    text = PdfReader(io.BytesIO(out.getvalue())).pages[0].extract_text()
    assert "Nothing to reorder" in text
