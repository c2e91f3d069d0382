"""``posapp report purchases``: the period's purchase orders as a PDF, read back."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from posapp.cli.main import build_parser
from posapp.config import AppConfig
from posapp.reports.purchasing import purchase_order_pdf
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.purchasing import PurchaseLineInput, ReceiveLine
from tests.integration.purchasing_support import build_purchasing


def run(database: Database, *argv: str) -> int:
    args: argparse.Namespace = build_parser().parse_args(list(argv))
    config = AppConfig(
        database_url=database.url.render_as_string(hide_password=False), register="cli"
    )
    return int(args.handler(args, config))


def test_report_purchases_writes_a_pdf(
    sqlite_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = Backend(sqlite_database, register="office")
    buying = build_purchasing(backend)
    w = buying.world
    order = backend.purchasing.create_purchase_order(
        w.manager, buying.supplier, w.shop, [PurchaseLineInput(w.pear, 10)]
    )
    backend.purchasing.send_purchase_order(w.manager, order.id, purchase_order_pdf)
    backend.purchasing.receive_purchase_order(
        w.manager, order.id, [ReceiveLine(order.lines[0].id, 4)]
    )
    today = datetime.now(UTC).date()
    out = tmp_path / "purchases.pdf"
    code = run(
        sqlite_database,
        "report",
        "purchases",
        "--from",
        str(today - timedelta(days=1)),
        "--to",
        str(today + timedelta(days=1)),
        "--out",
        str(out),
    )
    assert code == 0
    assert "1 purchase order, ordered 8.00, received 3.20" in capsys.readouterr().out
    text = PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
    assert "Purchases" in text
    assert "Orchard Ltd" in text
    assert order.number in text
    assert "Partly received" in text


def test_report_purchases_refuses_a_reversed_range(
    sqlite_database: Database, tmp_path: Path
) -> None:
    from posapp.services.platform.errors import ValidationError

    with pytest.raises(ValidationError, match="after the last day"):
        run(
            sqlite_database,
            "report",
            "purchases",
            "--from",
            "2026-05-02",
            "--to",
            "2026-05-01",
            "--out",
            str(tmp_path / "x.pdf"),
        )
    assert not (tmp_path / "x.pdf").exists()
