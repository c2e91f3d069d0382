"""The statement PDF, read back with pypdf: its figures, pages and literal names."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from posapp.reports.statement import RenderCancelledError, render_statement_pdf
from posapp.services.accounts.dto import StatementDTO, StatementLine


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


def _money(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100:,}.{abs(minor) % 100:02d}"


def test_3000_movements_each_once_in_order_with_closing_balance() -> None:
    """Every movement once, in order, with its running balance, across ~90 pages."""
    at = datetime(2026, 3, 1, tzinfo=UTC)
    lines, running = [], -40_00
    long_memo = "Refund of a returned kettle and toaster, paid back to the account " * 3
    for i in range(3000):
        amount = 25_00 if i % 4 == 0 else -9_15  # the balance goes below zero and back
        running += amount
        memo = long_memo if i % 97 == 0 else f"Movement {i}"  # some wrap onto several lines
        kind = "deposit" if amount > 0 else "payment"
        lines.append(
            StatementLine(at + timedelta(minutes=i), 10_000 + i, kind, memo, amount, running)
        )
    statement = replace(
        _statement(0), opening_balance_minor=-40_00, closing_balance_minor=running, lines=lines
    )
    seen: list[tuple[int, int]] = []

    def progress(done: int, expected: int) -> bool:
        seen.append((done, expected))
        return True

    out = io.BytesIO()
    pages = render_statement_pdf(statement, out, zone=UTC, progress=progress)

    reader = PdfReader(io.BytesIO(out.getvalue()))
    texts = [page.extract_text() for page in reader.pages]
    assert pages == len(texts) > 60
    assert seen == [(done, pages) for done in range(1, pages + 1)]  # the expected count is exact
    rows = [line for text in texts for line in text.splitlines()]
    refs = [i for i, line in enumerate(rows) if re.fullmatch(r"#\d+", line)]
    assert [rows[i] for i in refs] == [f"#{10_000 + i}" for i in range(3000)]
    # each reference is followed by its money in or out, then the balance after it
    assert [rows[i + 2] for i in refs] == [_money(line.balance_after_minor) for line in lines]
    assert [rows[i + 1] for i in refs] == [_money(abs(line.amount_minor)) for line in lines]
    closing = _money(running)
    assert rows.count("Opening balance") == rows.count("Closing balance") == 1
    assert texts[0].splitlines().count("-40.00") == 2  # the summary band and the opening row
    assert texts[-1].splitlines()[-4:-2] == ["Closing balance", closing]
    assert texts[0].count(closing) >= 1  # the summary band
    assert f"Page {pages} of {pages}" in texts[-1]
    assert all(text.count("DATE") == 1 for text in texts)  # the header row on every page
