"""``posapp customer export`` and ``erase``: a customer's data on request from the command line."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from posapp.cli import main as cli
from posapp.config import AppConfig
from posapp.models import AuditEntry
from posapp.services.backend import Backend
from posapp.services.customers import CustomerDraft
from posapp.services.platform.db import Database
from posapp.services.platform.errors import ValidationError
from tests.integration.accounts_support import make_world


def _run(database: Database, argv: list[str]) -> int:
    args = cli.build_parser().parse_args(argv)
    config = AppConfig(database_url=str(database.url), register="cli", demo_if_empty=False)
    return int(args.handler(args, config))


def test_export_then_erase_from_the_command_line(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = Backend(database)
    world = make_world(backend)
    ann = backend.customers.create(world.manager, CustomerDraft("Ann Example", email="a@b.org"))
    out = tmp_path / "ann.csv"
    assert _run(database, ["customer", "export", str(ann.id), "--out", str(out)]) == 0
    assert "Wrote Ann Example's data" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "a@b.org" in out.read_text(encoding="utf-8")
    assert _run(database, ["customer", "erase", str(ann.id), "--reason", "asked by email"]) == 0
    assert f"Erased customer {ann.id}" in capsys.readouterr().out
    assert backend.customers.get(world.manager, ann.id).email == ""
    again = tmp_path / "ann.json"
    with pytest.raises(ValidationError, match="erased"):
        _run(database, ["customer", "export", str(ann.id), "--out", str(again)])
    assert not again.exists()
    with backend.read_uow() as uow:
        audited = uow.session.execute(
            select(AuditEntry.action, AuditEntry.user_id).where(
                AuditEntry.object_kind == "customer"
            )
        ).all()
    assert [tuple(a) for a in audited][1:] == [
        ("customer.exported", None),
        ("customer.erased", None),
    ]
