"""The command line, run in-process: exit codes, one-line errors, never a traceback."""

from __future__ import annotations

import getpass
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import posapp.app
from posapp.cli import main as cli
from posapp.config import AppConfig
from posapp.demo import NOT_EMPTY
from posapp.models import Store
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.migrate import head_revision

GOOD = "correct horse battery"


@pytest.fixture
def url(sqlite_database: Database) -> str:
    return sqlite_database.url.render_as_string(hide_password=False)


def run(url: str, *args: str) -> int:
    return cli.main(["--database-url", url, *args])


def feed(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def answers(monkeypatch: pytest.MonkeyPatch, *replies: str | BaseException) -> None:
    """Make stdin a terminal and getpass return ``replies`` (or raise one) in turn."""
    pending = list(replies)

    def fake_getpass(prompt: str = "") -> str:
        reply = pending.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return reply

    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(getpass, "getpass", fake_getpass)


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("posapp: error: ")
    return lines[0].removeprefix("posapp: error: ")


def test_db_upgrade_reports_the_revision(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(url, "db", "upgrade") == 0
    # The first line; the next ones (issue #16) name the files it made owner-only, if any.
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("Database at SQLite ")
    assert first.endswith(f"is at revision {head_revision()}")


def test_db_upgrade_creates_a_new_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "new" / "posapp.sqlite3"
    monkeypatch.setenv("POSAPP_DATABASE_URL", f"sqlite:///{target}")
    assert cli.main(["db", "upgrade"]) == 0
    assert target.exists()
    assert str(target) in capsys.readouterr().out


def test_user_add_reads_the_password_from_stdin(
    url: str,
    sqlite_database: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    feed(monkeypatch, f"  {GOOD} \nsecond line is ignored\n")
    assert run(url, "user", "add", "alice", "--role", "admin", "--full-name", "Alice Doe") == 0
    assert capsys.readouterr().out == "Added admin user 'alice'\n"
    # Only the newline is stripped.
    user = Backend(sqlite_database).staff.login("alice", f"  {GOOD} ")
    assert (user.full_name, user.role) == ("Alice Doe", "admin")


def test_user_add_with_a_home_store(
    url: str,
    sqlite_database: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Backend(sqlite_database).uow() as uow:
        uow.session.add(Store(code="HS01", name="Harbour Street", kind="store"))
        uow.commit()
    feed(monkeypatch, "4321\n")
    assert run(url, "user", "add", "till", "--role", "cashier", "--store", "hs01") == 0
    assert capsys.readouterr().out == "Added cashier user 'till' at Harbour Street (HS01)\n"
    assert Backend(sqlite_database).staff.login("till", "4321").store_id is not None
    feed(monkeypatch, "4321\n")
    assert run(url, "user", "add", "till2", "--role", "cashier", "--store", "XX") == 1
    assert one_error_line(capsys.readouterr().err).startswith("No store has the code 'XX'")


def test_a_cashier_may_have_a_pin(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed(monkeypatch, "4321\r\n")
    assert run(url, "user", "add", "till", "--role", "cashier") == 0
    assert capsys.readouterr().out == "Added cashier user 'till'\n"


def test_a_terminal_is_asked_twice(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers(monkeypatch, GOOD, GOOD)
    assert run(url, "user", "add", "bob", "--role", "manager") == 0
    assert "Added manager user 'bob'" in capsys.readouterr().out
    answers(monkeypatch, GOOD, GOOD + "!")
    assert run(url, "user", "add", "carol", "--role", "manager") == 1
    assert one_error_line(capsys.readouterr().err) == "The passwords do not match."


def test_duplicate_user_is_one_line(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed(monkeypatch, GOOD)
    assert run(url, "user", "add", "alice", "--role", "admin") == 0
    feed(monkeypatch, GOOD)
    assert run(url, "user", "add", "ALICE", "--role", "cashier") == 1
    captured = capsys.readouterr()
    assert one_error_line(captured.err) == "The username 'ALICE' is taken."
    assert "Traceback" not in captured.out


def test_bad_role_is_a_usage_error(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed(monkeypatch, GOOD)
    assert run(url, "user", "add", "alice", "--role", "boss") == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: posapp user add")
    assert "invalid choice: 'boss'" in err
    assert "Traceback" not in err


def test_short_password_gives_the_rule(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed(monkeypatch, "short\n")
    assert run(url, "user", "add", "alice", "--role", "admin") == 1
    assert "at least 12 characters" in one_error_line(capsys.readouterr().err)


def test_user_list_as_json_and_as_a_table(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, role in (("zoe", "cashier"), ("alice", "admin")):
        feed(monkeypatch, "1234" if role == "cashier" else GOOD)
        assert run(url, "user", "add", name, "--role", role) == 0
    capsys.readouterr()
    assert run(url, "user", "list", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["username"], r["role"], r["active"]) for r in rows] == [
        ("alice", "admin", True),
        ("zoe", "cashier", True),
    ]
    assert rows[0]["last_login_at"] is None
    assert rows[0]["created_at"].endswith("+00:00")
    assert run(url, "user", "list") == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.split() == [
        "USERNAME", "FULL", "NAME", "ROLE", "ACTIVE", "STORE", "LAST", "LOGIN"
    ]  # fmt: skip
    assert lines[0].split() == ["alice", "admin", "yes", "all", "never"]


def test_demo_then_demo_again(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(url, "demo", "--days", "2", "--seed", "11") == 0
    out = capsys.readouterr().out
    assert "Loaded demo data into SQLite" in out
    assert "Demo log-ins:" in out
    assert "admin-demo-pass" in out
    assert "cashier1" in out
    assert run(url, "demo") == 1
    assert one_error_line(capsys.readouterr().err) == NOT_EMPTY


def test_demo_days_out_of_range(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(url, "demo", "--days", "-1") == 1
    assert "days" in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    "command",
    [[], ["db"], ["db", "upgrade"], ["demo"], ["user"], ["user", "add"], ["user", "list"]],
)
def test_help_for_every_command(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([*command, "--help"]) == 0
    assert capsys.readouterr().out.startswith(" ".join(["usage: posapp", *command]))


def test_a_group_without_its_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["db"]) == 2
    assert "required: COMMAND" in capsys.readouterr().err


def test_malformed_database_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--database-url", "nope://", "db", "upgrade"]) == 1
    assert one_error_line(capsys.readouterr().err).startswith("No database driver for 'nope'")


def test_database_that_cannot_be_opened(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert cli.main(["--database-url", f"sqlite:///{blocker}/x.sqlite3", "db", "upgrade"]) == 1
    assert one_error_line(capsys.readouterr().err).startswith("Cannot")


def test_ctrl_c_exits_130_quietly(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers(monkeypatch, KeyboardInterrupt())
    assert run(url, "user", "add", "alice", "--role", "admin") == 130
    assert "Traceback" not in capsys.readouterr().err


def test_no_command_opens_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[AppConfig] = []

    def fake_run_gui(config: AppConfig) -> int:
        seen.append(config)
        return 0

    monkeypatch.setattr(posapp.app, "run_gui", fake_run_gui)
    assert posapp.app.main(["--database-url", "sqlite:///x.sqlite3", "--demo-if-empty"]) == 0
    assert [(c.database_url, c.demo_if_empty) for c in seen] == [("sqlite:///x.sqlite3", True)]


def test_the_command_line_alone_opens_no_window(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--database-url", "sqlite:///x.sqlite3"]) == 2  # no run_gui handed in
    assert "name a command" in capsys.readouterr().err


def test_demo_if_empty_belongs_to_the_window(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--demo-if-empty", "user", "list"]) == 2
    assert "--demo-if-empty only applies to the window" in capsys.readouterr().err


def test_python_dash_m_posapp_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "posapp.cli.main", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: posapp")
