"""``posapp report sales``: the command the lead wires into ``posapp.cli.main``."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from posapp.cli.orders import register_cli
from posapp.config import AppConfig
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.errors import ValidationError
from posapp.services.sales import checkout
from tests.checkout_seed import cash_sale, open_shop_till, seed_shop


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="posapp")
    commands = root.add_subparsers(title="commands", metavar="COMMAND")
    register_cli(commands)
    return root


def run(database: Database, *argv: str) -> int:
    args = parser().parse_args(list(argv))
    config = AppConfig(
        database_url=database.url.render_as_string(hide_password=False), register="cli"
    )
    return int(args.handler(args, config))


def test_report_sales_writes_a_pdf(
    sqlite_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = Backend(sqlite_database, register="till-1")
    shop = seed_shop(backend)
    open_shop_till(backend, shop)
    checkout.place_order(backend.uow(), shop.cashier, cash_sale(shop, [("apple", 2)], 500, 240))
    today = datetime.now(UTC).date()
    out = tmp_path / "sales.pdf"
    code = run(
        sqlite_database,
        "report",
        "sales",
        "--from",
        str(today - timedelta(days=1)),
        "--to",
        str(today),
        "--out",
        str(out),
    )
    assert code == 0
    assert "1 orders, net sales 2.40" in capsys.readouterr().out
    text = PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
    assert "Sales report" in text


def test_report_sales_joins_an_existing_report_group() -> None:
    root = argparse.ArgumentParser(prog="posapp")
    commands = root.add_subparsers()
    report = commands.add_parser("report")
    group = report.add_subparsers()
    group.add_parser("coupons")
    register_cli(commands)
    args = root.parse_args(
        ["report", "sales", "--from", "2026-01-01", "--to", "2026-01-31", "--out", "x.pdf"]
    )
    assert args.handler.__name__ == "report_sales"


@pytest.mark.parametrize("bad", ["2026-02-29", "2026-04-31", "yesterday", "0000-01-01"])
def test_bad_dates_are_usage_errors(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parser().parse_args(
            ["report", "sales", "--from", bad, "--to", "2026-03-01", "--out", "x.pdf"]
        )
    assert exit_info.value.code == 2
    assert "not a date" in capsys.readouterr().err


def test_reversed_range_and_wrong_suffix(sqlite_database: Database, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="before its start"):
        run(
            sqlite_database,
            "report",
            "sales",
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-01",
            "--out",
            str(tmp_path / "s.pdf"),
        )
    assert (
        run(
            sqlite_database,
            "report",
            "sales",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-01",
            "--out",
            str(tmp_path / "s.txt"),
        )
        == 1
    )
