"""`posapp settings list|get|set`: values checked as in the app; a bad one is exit status 2."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from posapp.cli.main import main
from posapp.models import AuditEntry, Setting
from posapp.services.backend import Backend
from posapp.services.platform.db import Database


@pytest.fixture
def url(database: Database) -> str:
    return database.url.render_as_string(hide_password=False)


def run(url: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--database-url", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _rows(backend: Backend) -> dict[str, str]:
    with backend.read_uow() as uow:
        return {row.key: row.value for row in uow.session.scalars(select(Setting))}


def test_list_get_and_set(backend: Backend, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(url, capsys, "settings", "list")
    assert code == 0
    assert "orders.discount_cap_bp" in out
    assert "10% *" in out
    assert "a percentage from 0% to 100%" in out

    code, out, err = run(url, capsys, "settings", "set", "orders.discount_cap_bp", "25")
    assert (code, err) == (0, "")
    assert out == "orders.discount_cap_bp = '25%' (was '10%')\n"
    assert backend.sales.discount_cap_bp() == 2500
    assert run(url, capsys, "settings", "get", "orders.discount_cap_bp") == (0, "25%\n", "")

    address = "1 High Street\nLondon N1 1AA"
    assert run(url, capsys, "settings", "set", "shop.address", address)[0] == 0
    assert run(url, capsys, "settings", "get", "shop.address")[1] == address + "\n"
    code, out, _ = run(url, capsys, "settings", "set", "shop.address", address)
    assert "nothing changed" in out

    code, out, _ = run(url, capsys, "settings", "list", "--json")
    listed = {row["key"]: row for row in json.loads(out)}
    assert listed["orders.discount_cap_bp"]["value"] == "25%"
    assert listed["orders.discount_cap_bp"]["is_set"] is True
    assert listed["auth.lockout_minutes"]["is_set"] is False
    with backend.read_uow() as uow:
        audited = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "setting.changed")
        ).all()
    assert len(audited) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("set", "no.such.key", "1"), "Unknown setting 'no.such.key'"),
        (("get", "no.such.key"), "Unknown setting 'no.such.key'"),
        (("set", "auth.lockout_attempts", "0"), "from 1 to 100 attempts"),
        (("set", "orders.discount_cap_bp", "101"), "from 0% to 100%"),
        (("set", "till.idle_lock_minutes", "481"), "from 0 to 480 minutes"),
        (("set", "auth.lockout_minutes", "ten"), "whole number"),
        (("set", "auth.lockout_minutes", "1.5"), "whole number"),
        (("set", "accounts.withdrawal_approval_minor", "lots"), "Withdrawal approval above"),
        (("set", "shop_timezone", "Europe/Gotham"), "unknown time zone 'Europe/Gotham'"),
        (("set", "shop.legal_name", "x" * 500), "at most 120 characters"),
        (("set", "mail.smtp", "{}"), "mail server settings"),
    ],
)
def test_a_bad_value_is_one_line_and_exit_status_2_and_changes_nothing(
    backend: Backend,
    url: str,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    message: str,
) -> None:
    assert run(url, capsys, "settings", "set", "auth.lockout_attempts", "7")[0] == 0
    before = _rows(backend)
    code, out, err = run(url, capsys, "settings", *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("posapp: error: ")
    assert message in err
    assert _rows(backend) == before
