"""The statement's report model: a pure function, tested without reportlab."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from posapp.reports.statement_model import describe, statement_report
from posapp.services.accounts.dto import StatementDTO, StatementLine

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _statement(opening: int, amounts: list[int], **overrides: object) -> StatementDTO:
    lines, running = [], opening
    for i, amount in enumerate(amounts):
        running += amount
        kind = "deposit" if amount > 0 else "withdrawal"
        memo = "Cash deposit" if amount > 0 else "Cash withdrawal"
        lines.append(StatementLine(AT + timedelta(hours=i), 100 + i, kind, memo, amount, running))
    values: dict[str, object] = {
        "account_id": 1,
        "number": "1234567889",
        "holder_name": "<b>Ann</b>",
        "email": "ann@example.com",
        "phone": "",
        "status": "frozen",
        "first_day": date(2026, 3, 1),
        "last_day": date(2026, 3, 31),
        "start_at": datetime(2026, 3, 1, tzinfo=UTC),
        "end_at": datetime(2026, 4, 1, tzinfo=UTC),
        "opening_balance_minor": opening,
        "closing_balance_minor": running,
        "lines": lines,
        "generated_at": datetime(2026, 4, 1, 8, 0, tzinfo=UTC),
    }
    values.update(overrides)
    return StatementDTO(**values)  # type: ignore[arg-type]


def test_rows_figures_and_labels() -> None:
    report = statement_report(_statement(10_00, [5_00, -2_50, -20_00]), zone=UTC)
    assert report.holder_name == "<b>Ann</b>"  # literal; the renderer escapes it
    assert (report.number, report.status, report.period) == (
        "1234 5678 89",
        "Frozen",
        "1 Mar 2026 – 31 Mar 2026",
    )
    assert report.contact == ("ann@example.com",)
    assert report.summary == (
        ("Opening balance", "10.00"),
        ("Money in", "5.00"),
        ("Money out", "22.50"),
        ("Closing balance", "-7.50"),
    )
    assert [(r.kind, r.description, r.money_in, r.money_out, r.balance) for r in report.rows] == [
        ("opening", "Opening balance", "", "", "10.00"),
        ("movement", "Cash deposit", "5.00", "", "15.00"),
        ("movement", "Cash withdrawal", "", "2.50", "12.50"),
        ("movement", "Cash withdrawal", "", "20.00", "-7.50"),
        ("closing", "Closing balance", "", "", "-7.50"),
    ]
    assert report.rows[1].date == "2 Mar 2026 09:30"
    assert report.rows[1].reference == "#100"
    assert report.generated == "1 Apr 2026 08:00"


def test_times_are_shown_in_the_given_zone() -> None:
    zone = timezone(timedelta(hours=-5))
    report = statement_report(_statement(0, [1_00]), zone=zone)
    assert report.rows[1].date == "2 Mar 2026 04:30"


def test_an_empty_period_still_has_opening_and_closing() -> None:
    report = statement_report(_statement(3_00, [], first_day=date(2026, 3, 5)), zone=UTC)
    assert [r.kind for r in report.rows] == ["opening", "closing"]
    assert report.movement_count == 0
    assert (report.opening, report.closing, report.money_in, report.money_out) == (
        "3.00",
        "3.00",
        "0.00",
        "0.00",
    )


def test_single_day_period() -> None:
    one_day = _statement(0, [], first_day=date(2026, 3, 5), last_day=date(2026, 3, 5))
    assert statement_report(one_day).period == "5 Mar 2026"


def test_figures_that_do_not_add_up_are_refused() -> None:
    good = _statement(0, [1_00, 2_00])
    with pytest.raises(ValueError, match="closing"):
        statement_report(_statement(0, [1_00], closing_balance_minor=5))
    broken = list(good.lines)
    broken[1] = StatementLine(AT, 7, "deposit", "", 2_00, 9_99)
    with pytest.raises(ValueError, match="running balance of transaction 7"):
        statement_report(_statement(0, [], lines=broken, closing_balance_minor=9_99))


@pytest.mark.parametrize(
    ("label", "memo", "text"),
    [
        ("Deposit", "", "Deposit"),
        ("Deposit", "Cash deposit", "Cash deposit"),
        ("Deposit", "Birthday  money\n", "Deposit: Birthday money"),
        ("Reversal", "Reversal of #3: typo", "Reversal of #3: typo"),
    ],
)
def test_descriptions(label: str, memo: str, text: str) -> None:
    assert describe(label, memo) == text


def test_the_model_does_not_need_reportlab() -> None:
    code = "import sys, posapp.reports.statement_model; print('reportlab' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
