"""The statement PDF, read back with pypdf: its figures, pages and literal names."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from posapp.reports.statement import RenderCancelledError, render_statement_pdf
from posapp.services.accounts_dto import StatementDTO, StatementLine


def _statement(count: int) -> StatementDTO:
    at = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    lines, running = [], 50_00
    for i in range(count):
        amount = 12_34 if i % 3 else -7_89
        running += amount
        memo = "Cash deposit" if amount > 0 else "Order payment (order #42)"
        kind = "deposit" if amount > 0 else "payment"
        lines.append(StatementLine(at + timedelta(hours=i), 500 + i, kind, memo, amount, running))
    return StatementDTO(
        account_id=1,
        number="1234567889",
        holder_name="Zoë <b>O'Brien</b> Łukasz",
        email="zoe@bücher.example",
        phone="+44 7700 900123",
        status="open",
        first_day=date(2026, 3, 1),
        last_day=date(2026, 3, 31),
        start_at=datetime(2026, 3, 1, tzinfo=UTC),
        end_at=datetime(2026, 4, 1, tzinfo=UTC),
        opening_balance_minor=50_00,
        closing_balance_minor=running,
        lines=lines,
        generated_at=datetime(2026, 4, 1, 9, 0, tzinfo=UTC),
    )


def _text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_one_page_statement_figures() -> None:
    statement = _statement(6)  # 4 deposits of 12.34, 2 payments of 7.89
    out = io.BytesIO()
    assert render_statement_pdf(statement, out, shop_name="Main Street", zone=UTC) == 1
    pages, text = _text(out.getvalue())
    assert pages == 1
    assert "Account statement" in text
    assert "Zoë <b>O'Brien</b> Łukasz" in text  # literal, not bold markup
    assert "1234 5678 89" in text
    assert "1 Mar 2026 – 31 Mar 2026" in text
    for figure in ("50.00", "49.36", "15.78", "83.58"):  # opening, in, out, closing
        assert figure in text
    assert "Opening balance" in text
    assert "Closing balance" in text
    assert "Order payment (order #42)" in text
    assert "Page 1 of 1" in text


def test_many_movements_span_pages_with_numbers() -> None:
    out = io.BytesIO()
    pages = render_statement_pdf(_statement(150), out, zone=UTC)
    count, text = _text(out.getvalue())
    assert pages == count >= 4
    assert f"Page {count} of {count}" in text
    assert text.count("DATE") == count  # the header row repeats on each page
    assert "#649" in text  # the last movement


def test_empty_period() -> None:
    out = io.BytesIO()
    render_statement_pdf(_statement(0), out, zone=UTC)
    _, text = _text(out.getvalue())
    assert "No movements in this period." in text


def test_progress_and_cancel(tmp_path: object) -> None:
    seen: list[tuple[int, int]] = []

    def progress(done: int, expected: int) -> bool:
        seen.append((done, expected))
        return True

    render_statement_pdf(_statement(150), io.BytesIO(), progress=progress)
    assert [done for done, _ in seen] == list(range(1, len(seen) + 1))
    with pytest.raises(RenderCancelledError):
        render_statement_pdf(_statement(150), io.BytesIO(), progress=lambda d, e: d < 2)
