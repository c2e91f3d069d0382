"""``posapp report statement`` through the real parser, on a SQLite file."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from posapp.cli import main as cli
from posapp.cli.accounts import register_cli
from posapp.config import AppConfig
from posapp.services.accounts import numbers as account_numbers
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.errors import NotFoundError, ValidationError
from tests.integration.accounts_support import make_world


def _parser() -> argparse.ArgumentParser:
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    register_cli(commands)
    register_cli(commands)  # idempotent, and shares "report" with other reports
    return parser


def _run(database: Database, argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    config = AppConfig(database_url=str(database.url), register="cli", demo_if_empty=False)
    return int(args.handler(args, config))


@pytest.fixture
def number(sqlite_database: Database) -> str:
    world = make_world(Backend(sqlite_database))
    account = world.open("Ann <i>Example</i>")
    world.deposit(account.id, 40_00)
    world.withdraw(account.id, 15_50)
    return account.number


def test_statement_pdf(
    sqlite_database: Database, number: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pdf" / "statement.pdf"
    out.parent.mkdir()
    today = datetime.now(UTC).astimezone().date().isoformat()
    spaced = account_numbers.display(number).split()
    assert (
        _run(
            sqlite_database,
            ["report", "statement", *spaced, "--from", today, "--to", today, "--out", str(out)],
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "2 movements, opening 0.00, closing 24.50, 1 page." in printed
    text = PdfReader(out).pages[0].extract_text()
    assert "Ann <i>Example</i>" in text
    assert "24.50" in text
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind


def test_statement_refusals(sqlite_database: Database, number: str, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    mistyped = number[:-1] + str((int(number[-1]) + 1) % 10)
    with pytest.raises(ValidationError, match="mistyped"):
        _run(
            sqlite_database,
            [
                "report",
                "statement",
                mistyped,
                "--from",
                "2026-01-01",
                "--to",
                "2026-01-31",
                "--out",
                str(out),
            ],
        )
    with pytest.raises(NotFoundError):
        other = account_numbers.make_number(12_345_678)
        _run(
            sqlite_database,
            [
                "report",
                "statement",
                other,
                "--from",
                "2026-01-01",
                "--to",
                "2026-01-31",
                "--out",
                str(out),
            ],
        )
    with pytest.raises(ValidationError, match="ends before it starts"):
        _run(
            sqlite_database,
            [
                "report",
                "statement",
                number,
                "--from",
                "2026-02-01",
                "--to",
                "2026-01-31",
                "--out",
                str(out),
            ],
        )
    with pytest.raises(ValidationError, match="is a folder"):
        _run(
            sqlite_database,
            [
                "report",
                "statement",
                number,
                "--from",
                "2026-01-01",
                "--to",
                "2026-01-31",
                "--out",
                str(tmp_path),
            ],
        )
    with pytest.raises(ValidationError, match="Cannot write"):
        _run(
            sqlite_database,
            [
                "report",
                "statement",
                number,
                "--from",
                "2026-01-01",
                "--to",
                "2026-01-31",
                "--out",
                str(tmp_path / "missing" / "x.pdf"),
            ],
        )
    assert not out.exists()


@pytest.mark.parametrize("day", ["2026-02-29", "2026-04-31", "yesterday", "0000-01-01"])
def test_impossible_dates_are_usage_errors(day: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(
            [
                "report",
                "statement",
                "1234567889",
                "--from",
                day,
                "--to",
                "2026-03-01",
                "--out",
                "x.pdf",
            ]
        )
    assert exit_info.value.code == 2
    assert "not a date" in capsys.readouterr().err
