"""Every argument of every ``posapp`` command gets the inputs of BAD_INPUTS.md: no traceback.

The commands are found by walking the argument parser (a new command is covered the day it is
added). Each one is first run with plausible arguments against a seeded SQLite database, then
once per (argument, bad input) with that argument replaced. Each run must end with exit status
0 (the input was acceptable), 1 with one ``posapp: error: …`` line (a CSV import may list its
line-numbered problems before it) or 2 with argparse's usage error, and never raise. Passwords
read from standard input and the global ``--database-url`` get their own bad inputs.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from posapp.cli import main as cli
from posapp.services.backend import Backend
from posapp.services.platform import db
from posapp.services.platform.db import Database, open_database
from tests.checkout_seed import add_coupon, add_funded_account, seed_shop
from tests.conftest import make_database
from tests.reliability.figures import report

# No NUL in arguments: the operating system cannot pass one to a program (they end C strings);
# NUL is tried in the passwords read from standard input, where it can arrive.
GENERIC = [
    "",
    " ",
    "-1",
    "x" * 1000,
    "' OR 1=1--",
    "<b>x</b>",
    "🧾 receipt",
    "a\nb",
    "=cmd|' /C calc'!A0",
    "None",
    "--",
]
NUMBERS = [
    "0",
    "0.001",
    ".5",
    "1e3",
    "NaN",
    "1,000.00",
    "$5",
    "１２３",
    "9" * 30,
    str(2**63),
    str(10**12),
]
DATES = [
    "2023-02-29",
    "2023-04-31",
    "0001-01-01",
    "9999-12-31",
    "2026-13-01",
    "yesterday",
    "2026-01-01T25:00",
]
PATHS = [
    ".",
    "../../x.png",
    "CON.png",
    "does/not/exist.csv",
    os.fsdecode(b"\xff\xfe.csv"),
    "x" * 300,
    "/dev/null",
    "/",
]
NAMES = ["admin", "Admin", "admin ", "ROOT", "root", "nobody", "till\t"]
PASSWORDS = [
    "",
    "a" * 11,
    "a" * 12,
    "b" * 64,
    "c" * 1000,
    "pass word   x",
    "🧾" * 12,
    "pass\x00word12",
]
DATABASE_URLS = [
    "",
    " ",
    "not a url",
    "mysql://localhost/x",
    pytest.param(
        "postgresql+psycopg://nobody@/x?host=/nonexistent&port=1", id="postgres-no-server"
    ),
    "sqlite:////dev/null/dir/x.sqlite3",  # no folder can be made under a file, even by root
    "sqlite:///.",
]

# Plausible values of each argument (by its argparse ``dest``): the run to vary from.
GOOD = {
    "name": "till",
    "role": "cashier",
    "full_name": "Sam Carter",
    "search": "a",
    "seed": "7",
    "days": "2",
    "first_day": "2026-01-01",
    "last_day": "2026-01-31",
    "from_day": "2026-01-01",
    "to_day": "2026-01-31",
    "date_from": "2026-01-01",
    "date_to": "2026-01-31",
    "out": "out.pdf",
    "campaign_ids": "1",
    "store": "MAIN",
    "shop_name": "Corner shop",
    "encoding": "utf-8",
    "key": "auth.lockout_minutes",
    "value": "30",
    "anchor": "anchors.txt",  # audit verify --anchor (issue #16)
    "to": "anchors.txt",  # audit anchor --to
    "user": "till",  # token create USER (issue #22)
    "scope": "users:read",
    "expires": "30",
    "id": "1",  # token revoke ID
    "customer_id": "1",  # customer export|erase ID (issue #19)
    "reason": "asked by the customer",
    "rate": "19",  # tax add NAME RATE, tax set --rate (issue #18)
    "code": "GC-2345-6789-ABCD-EFGH",  # giftcard balance CODE (issue #19): a card no shop sold
}
FILES = {"backup": "new-backup.sqlite3", "restore": "no-backup.sqlite3"}
KINDS = {
    "seed": NUMBERS,
    "days": NUMBERS,
    "campaign_ids": NUMBERS,
    "account": NUMBERS,
    "first_day": DATES,
    "last_day": DATES,
    "from_day": DATES,
    "to_day": DATES,
    "date_from": DATES,
    "date_to": DATES,
    "out": PATHS,
    "file": PATHS,
    "anchor": PATHS,
    "to": PATHS,
    "name": NAMES,
    "value": NUMBERS,
    "expires": NUMBERS,
    "id": NUMBERS,
    "customer_id": NUMBERS,
    "rate": NUMBERS,
}


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument of a command: positional (``flag`` empty) or an option taking a value."""

    dest: str
    flag: str
    choices: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Command:
    """A leaf command (``user add``) and its arguments that take values."""

    words: tuple[str, ...]
    arguments: tuple[Argument, ...]

    @property
    def id(self) -> str:
        return " ".join(self.words)


def _commands(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()) -> Iterator[Command]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, (*words, name))
            return
    arguments = tuple(
        Argument(a.dest, a.option_strings[-1] if a.option_strings else "", tuple(a.choices or ()))
        for a in parser._actions
        if not isinstance(a, argparse._HelpAction)
        and a.nargs != 0
        and a.dest not in {"database_url", "demo_if_empty"}
    )
    yield Command(words, arguments)


COMMANDS = tuple(
    c
    for c in _commands(cli.build_parser())
    # ``serve`` runs until interrupted: its good run never ends (its --port is checked by
    # argparse; tests/api/ starts it as a process)
    if c.words != ("serve",)
)


@dataclass
class Shop:
    """The seeded database and the values the good runs use."""

    url: str
    folder: Path
    account: str


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    base = tmp_path_factory.mktemp("cli")
    database: Database = make_database("sqlite", base)
    backend = Backend(database)
    seeded = seed_shop(backend)
    _account_id, number = add_funded_account(backend, seeded)
    add_coupon(backend)
    url = str(database.url)
    database.dispose()
    folder = base / "work" / "a" / "b"  # ``../../x.png`` stays inside the test's folder
    folder.mkdir(parents=True)
    (folder / "products.csv").write_text("sku,name,price\nCLI-1,Pencil,1.20\n", encoding="utf-8")
    return Shop(url, folder, number)


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int
    out: str
    err: str
    crash: str = ""


def _run(argv: list[str], stdin: str = "correct horse battery staple\n") -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            status = cli.main(argv)
    except Exception as exc:  # what would be a traceback: say where it came from
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/posapp/" in f.filename]
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
        return Outcome(-1, out.getvalue(), err.getvalue(), f"{type(exc).__name__} at {where}")
    finally:
        sys.stdin = saved
    return Outcome(status, out.getvalue(), err.getvalue())


def _problem(argv: list[str], outcome: Outcome) -> str | None:
    """What is wrong with how the command ended, or None."""
    what = _short(argv)
    if outcome.crash:
        return f"{what}: raised {outcome.crash}"
    if "Traceback" in outcome.out + outcome.err:
        return f"{what}: traceback printed"
    lines = outcome.err.strip().splitlines()
    last = lines[-1] if lines else ""
    listed = argv[2:4] == ["import", "products"]  # the import lists its problems by line
    wrong = {
        cli.EXIT_OK: False,
        cli.EXIT_USAGE: ": error: " not in last,
        cli.EXIT_ERROR: not last.startswith("posapp: error: ") or (len(lines) > 1 and not listed),
    }.get(outcome.status, True)
    return f"{what}: exit {outcome.status}: {outcome.err[-300:]!r}" if wrong else None


def _short(argv: list[str]) -> str:
    return repr([a if len(a) < 40 else a[:20] + f"…({len(a)})" for a in argv[2:]])


def _good(command: Command, shop: Shop) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for argument in command.arguments:
        if argument.dest == "file":
            default = "products.csv" if command.words[0] == "import" else "export.csv"
            values["file"] = [FILES.get(command.words[0], default)]
        elif argument.dest == "account":
            values["account"] = [shop.account]
        elif argument.dest in GOOD:
            values[argument.dest] = [GOOD[argument.dest]]
        else:
            raise AssertionError(f"no good value for {command.id} {argument.dest}: add it to GOOD")
    return values


def _argv(command: Command, values: dict[str, list[str]], shop: Shop) -> list[str]:
    argv = ["--database-url", shop.url, *command.words]
    for argument in command.arguments:
        if argument.flag:
            argv += [argument.flag, *values[argument.dest]]
        else:
            argv += values[argument.dest]
    return argv


@pytest.fixture(autouse=True)
def _isolated(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in the shop's folder, never near the user's own data or database."""
    monkeypatch.chdir(shop.folder)
    monkeypatch.setenv("POSAPP_DATABASE_URL", shop.url)
    monkeypatch.setenv("XDG_DATA_HOME", str(shop.folder / "xdg"))
    monkeypatch.setenv("HOME", str(shop.folder / "home"))


@pytest.fixture
def migrated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the schema check on opening (the shop's database is migrated): ~10x faster runs."""

    def open_migrated(url: str, *, upgrade: bool = True) -> Database:
        return open_database(url, upgrade=False)

    # posapp.cli.kit.open_backend imports it from there when a command runs
    monkeypatch.setattr(db, "open_database", open_migrated)


@pytest.mark.usefixtures("migrated")
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.id)
def test_every_argument_survives_the_bad_inputs(command: Command, shop: Shop) -> None:
    good = _good(command, shop)
    baseline = _run(_argv(command, good, shop))
    problems = [p for p in [_problem(_argv(command, good, shop), baseline)] if p]
    statuses: Counter[int] = Counter()
    for argument in command.arguments:
        bad = [*GENERIC, *KINDS.get(argument.dest, NUMBERS if argument.choices else [])]
        for value in bad:
            argv = _argv(command, {**good, argument.dest: [value]}, shop)
            outcome = _run(argv)
            statuses[outcome.status] += 1
            if (problem := _problem(argv, outcome)) is not None:
                problems.append(problem)
    report(
        f"CLI bad inputs, posapp {command.id}: baseline exit {baseline.status}, "
        f"{sum(statuses.values())} bad runs, exit statuses {dict(sorted(statuses.items()))}"
    )
    assert problems == [], "\n".join(problems)


@pytest.mark.usefixtures("migrated")
@pytest.mark.parametrize(
    "words", [["user", "add", "newbie", "--role", "cashier"], ["user", "passwd", "till"]]
)
def test_passwords_from_standard_input(words: list[str], shop: Shop) -> None:
    problems = []
    for number, password in enumerate(PASSWORDS):
        argv = ["--database-url", shop.url, *words]
        if words[1] == "add":
            argv[4] = f"newbie{number}"
        outcome = _run(argv, stdin=password + "\n")
        if (problem := _problem(argv, outcome)) is not None:
            problems.append(problem)
    assert problems == []


@pytest.mark.parametrize("url", DATABASE_URLS)
def test_bad_database_urls(url: str, shop: Shop) -> None:
    argv = ["--database-url", url, "user", "list"]
    assert _problem(argv, _run(argv)) is None
