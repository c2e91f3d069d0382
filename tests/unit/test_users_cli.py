"""`posapp user list|activate|deactivate|passwd|unlock` and `posapp audit verify`, in-process.

``posapp.cli.main.main`` does not know these commands until the lead wires ``register_cli`` in, so a
local parser stands in for it here, with the same error handling: a service error is one
``posapp: error: …`` line and exit status 1.
"""

from __future__ import annotations

import argparse
import getpass
import io
import json
import sys

import pytest

from posapp.cli.users import register_cli
from posapp.config import AppConfig
from posapp.models import Store
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.errors import AuthenticationError, ServiceError
from posapp.services.staff import users

GOOD = "correct horse battery"


def make_parser(*, existing_user_group: bool = False) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="posapp")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    if existing_user_group:  # another module made the `user` group first
        group = commands.add_parser("user")
        group.add_subparsers(metavar="COMMAND", required=True)
    register_cli(commands)
    return parser


def run(url: str, *argv: str) -> int:
    """What posapp.cli.main.main does with a handler: run it, print a service error on one line."""
    try:
        args = make_parser().parse_args(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return int(args.handler(args, AppConfig(database_url=url, register="cli-test")))
    except ServiceError as exc:
        print(f"posapp: error: {exc}", file=sys.stderr)
        return 1


@pytest.fixture
def url(sqlite_database: Database) -> str:
    return sqlite_database.url.render_as_string(hide_password=False)


@pytest.fixture
def backend(sqlite_database: Database) -> Backend:
    return Backend(sqlite_database, register="cli-test")


@pytest.fixture
def shop(backend: Backend) -> Backend:
    users.add_user(backend.uow(), None, "alice", GOOD, "admin", full_name="Alice Doe")
    users.add_user(backend.uow(), None, "zoe", "1234", "cashier", full_name="Zoe Quinn")
    users.add_user(backend.uow(), None, "bob", GOOD, "manager")
    return backend


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("posapp: error: ")
    return lines[0].removeprefix("posapp: error: ")


def test_list_as_a_table_and_as_json(
    url: str, shop: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(url, "user", "list") == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.split() == [
        "USERNAME", "FULL", "NAME", "ROLE", "ACTIVE", "STORE", "LAST", "LOGIN"
    ]  # fmt: skip
    assert [line.split()[0] for line in lines] == ["alice", "bob", "zoe"]
    assert lines[0].split() == ["alice", "Alice", "Doe", "admin", "yes", "all", "never"]

    assert run(url, "user", "list", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["username"], r["role"], r["active"]) for r in rows] == [
        ("alice", "admin", True),
        ("bob", "manager", True),
        ("zoe", "cashier", True),
    ]
    assert set(rows[0]) == {
        "id",
        "username",
        "full_name",
        "role",
        "active",
        "created_at",
        "last_login_at",
        "locked_until",
        "store_id",
        "store",
    }
    assert (rows[0]["store_id"], rows[0]["store"]) == (None, None)
    assert rows[0]["created_at"].endswith("+00:00")


def _stores(backend: Backend) -> dict[str, int]:
    with backend.uow() as uow:
        stores = [
            Store(code="HS01", name="Harbour Street", kind="store"),
            Store(code="OLD", name="Old Town", kind="store", active=False),
        ]
        uow.session.add_all(stores)
        uow.commit()
        return {s.code: s.id for s in stores}


def test_home_store_by_code(url: str, shop: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _stores(shop)
    assert run(url, "user", "store", "bob", "hs01") == 0
    assert capsys.readouterr().out == "Manager 'bob' now works for Harbour Street (HS01)\n"
    assert run(url, "user", "list", "--json", "--role", "manager") == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert (row["store_id"], row["store"]) == (ids["HS01"], "HS01")
    assert run(url, "user", "list", "--role", "manager") == 0
    assert capsys.readouterr().out.splitlines()[1].split()[:4] == ["bob", "manager", "yes", "HS01"]
    assert run(url, "user", "store", "bob", "ALL") == 0
    assert capsys.readouterr().out == "Manager 'bob' now works for all stores\n"


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("bob", "NOPE", "No store has the code 'NOPE' (stores: HS01; or 'all')."),
        ("bob", "old", "Old Town is inactive: it cannot be a user's home store."),
        ("alice", "HS01", "An admin works for all stores: choose All stores for an admin."),
        ("ghost", "HS01", "No user named"),
    ],
)
def test_home_store_refusals_are_one_line(
    url: str,
    shop: Backend,
    capsys: pytest.CaptureFixture[str],
    name: str,
    code: str,
    message: str,
) -> None:
    _stores(shop)
    assert run(url, "user", "store", name, code) == 1
    assert one_error_line(capsys.readouterr().err).startswith(message)


def test_list_filters(url: str, shop: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(url, "user", "deactivate", "zoe") == 0
    capsys.readouterr()
    for args, expected in (
        (["--role", "cashier"], ["zoe"]),
        (["--inactive"], ["zoe"]),
        (["--active"], ["alice", "bob"]),
        (["--search", "DOE"], ["alice"]),
    ):
        assert run(url, "user", "list", "--json", *args) == 0
        assert [r["username"] for r in json.loads(capsys.readouterr().out)] == expected


def test_list_of_an_empty_database(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(url, "user", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []


def test_deactivate_and_activate(
    url: str, shop: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(url, "user", "deactivate", "ZOE ") == 0  # names are found case-insensitively
    assert capsys.readouterr().out == "Deactivated cashier user 'zoe'\n"
    with pytest.raises(AuthenticationError):
        shop.staff.login("zoe", "1234")
    assert run(url, "user", "deactivate", "zoe") == 0
    assert capsys.readouterr().out == "User 'zoe' is already inactive\n"
    assert run(url, "user", "activate", "zoe") == 0
    assert capsys.readouterr().out == "Activated cashier user 'zoe'\n"
    assert shop.staff.login("zoe", "1234").active


def test_the_last_admin_cannot_be_deactivated(
    url: str, shop: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(url, "user", "deactivate", "alice") == 1
    assert "last active admin" in one_error_line(capsys.readouterr().err)
    assert shop.staff.login("alice", GOOD).active


def test_unknown_user_is_one_line(
    url: str, shop: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("activate", "deactivate", "unlock", "passwd"):
        assert run(url, "user", command, "ghost") == 1
        assert one_error_line(capsys.readouterr().err) == "No user named 'ghost'."


def test_passwd_from_stdin(
    url: str, shop: Backend, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("  a brand new secret \nignored\n"))
    assert run(url, "user", "passwd", "bob") == 0
    assert capsys.readouterr().out == "Changed the password of manager user 'bob'\n"
    assert shop.staff.login("bob", "  a brand new secret ").username == "bob"
    with pytest.raises(AuthenticationError):
        shop.staff.login("bob", GOOD)


def test_passwd_rules_and_nothing_changed_on_failure(
    url: str, shop: Backend, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for text, message in (
        ("short\n", "at least 12 characters"),
        ("\n", "Enter a password"),
        ("x" * 1025 + "\n", "at most 1024"),
        ("nul\x00nul nul nul\n", "NUL"),
    ):
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))
        assert run(url, "user", "passwd", "bob") == 1
        assert message in one_error_line(capsys.readouterr().err)
    assert shop.staff.login("bob", GOOD).username == "bob"


def test_passwd_on_a_terminal_asks_twice(
    url: str, shop: Backend, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    replies = ["9876", "9875"]
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": replies.pop(0))
    assert run(url, "user", "passwd", "zoe") == 1
    assert one_error_line(capsys.readouterr().err) == "The passwords do not match."
    replies[:] = ["9876", "9876"]
    assert run(url, "user", "passwd", "zoe") == 0
    assert shop.staff.login("zoe", "9876").role == "cashier"


def test_unlock_lifts_a_lockout(
    url: str, shop: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            shop.staff.login("zoe", "0000")
    with pytest.raises(AuthenticationError, match="locked"):
        shop.staff.login("zoe", "1234")
    assert run(url, "user", "unlock", "zoe") == 0
    assert capsys.readouterr().out == "Unlocked cashier user 'zoe'\n"
    assert shop.staff.login("zoe", "1234").username == "zoe"


def test_audit_verify_intact(url: str, shop: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(url, "audit", "verify") == 0
    assert capsys.readouterr().out == "Audit log intact: 3 rows checked\n"
    assert run(url, "audit", "verify", "--json") == 0
    assert json.loads(capsys.readouterr().out) == {
        "ok": True,
        "rows": 3,
        "first_bad_id": None,
        "problem": "",
    }


def test_audit_verify_names_the_first_bad_row(
    url: str, shop: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    with shop.database.engine.begin() as conn:  # behind the app's back, around the trigger
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        conn.exec_driver_sql("UPDATE audit_log SET reason = 'nothing to see' WHERE id = 2")
    assert run(url, "audit", "verify") == 1
    out = capsys.readouterr().out
    assert out.startswith("Audit log NOT intact: row 2 fails the check (its content was changed)")
    assert run(url, "audit", "verify", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["first_bad_id"]) == (False, 2)


def test_commands_join_an_existing_user_group(capsys: pytest.CaptureFixture[str]) -> None:
    parser = make_parser(existing_user_group=True)
    args = parser.parse_args(["user", "unlock", "zoe"])
    assert args.handler.__name__ == "user_unlock"
    assert parser.parse_args(["audit", "verify"]).handler.__name__ == "audit_verify"
    with pytest.raises(SystemExit):
        parser.parse_args(["user", "list", "--active", "--inactive"])
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [["user", "list"], ["user", "activate"], ["user", "passwd"], ["audit"], ["audit", "verify"]],
)
def test_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        make_parser().parse_args([*command, "--help"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith(" ".join(["usage: posapp", *command]))
