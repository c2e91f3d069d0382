"""What every ``posapp`` command shares: exit codes, commands, the database, dates, tables.

Light at load like :mod:`posapp.cli.main` (the standard library and :mod:`posapp.config`): the
services are imported when a command opens the database.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from posapp.config import AppConfig

if TYPE_CHECKING:
    from posapp.services.backend import Backend

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
PROG = "posapp"

Handler = Callable[[argparse.Namespace, AppConfig], int]
"""A command's handler: it prints what happened and returns the exit status.

A :class:`~posapp.services.platform.errors.ServiceError` it lets through becomes one
``posapp: error: …`` line (:func:`posapp.cli.main.main`).
"""
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""The sub-commands of ``posapp`` or of one of its command groups."""


def group(
    commands: Commands,
    name: str,
    text: str,
    *,
    title: str = "commands",
    metavar: str = "COMMAND",
) -> Commands:
    """The sub-commands of the ``name`` group, made (help ``text``) if no module has made it yet.

    Several modules add to one group (``report`` has ``coupons``, ``sales`` and ``statement``),
    whichever registers first.
    """
    parser = commands.choices.get(name)
    if parser is None:
        parser = commands.add_parser(name, help=text, description=_sentence(text))
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(title=title, metavar=metavar, required=True)


def command(
    commands: Commands, name: str, handler: Handler, text: str, description: str = ""
) -> argparse.ArgumentParser:
    """Add the ``name`` command, run by ``handler``; return its parser, for its arguments.

    ``text`` is its line in the list of commands; ``description`` heads its ``--help`` (by default
    ``text`` as a sentence).
    """
    parser = commands.add_parser(name, help=text, description=description or _sentence(text))
    parser.set_defaults(handler=handler)
    return parser


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def report_commands(commands: Commands) -> Commands:
    """The ``report`` group's sub-commands (each writes a report as a PDF file)."""
    return group(
        commands, "report", "reports written as PDF files", title="reports", metavar="REPORT"
    )


@contextmanager
def open_backend(config: AppConfig) -> Iterator[Backend]:
    """Open (and migrate) the configured database for one command, then close it."""
    from posapp.services.backend import Backend  # noqa: PLC0415 - load services only to run
    from posapp.services.platform.db import open_database  # noqa: PLC0415

    database = open_database(config.database_url)
    try:
        backend = Backend(database, register=config.register)
        backend.shop.apply_currency()  # amounts are parsed and printed in the shop's currency
        yield backend
    finally:
        database.dispose()


def day(text: str) -> date:
    """An argparse type: a day written ``YYYY-MM-DD``.

    Raises:
        argparse.ArgumentTypeError: not such a day (argparse prints it, exit status 2).
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        msg = f"not a date: {text!r} (use YYYY-MM-DD, e.g. 2026-04-30)"
        raise argparse.ArgumentTypeError(msg) from None


def period_report(
    commands: Commands, name: str, handler: Handler, text: str, description: str
) -> argparse.ArgumentParser:
    """Add ``report NAME --from DAY --to DAY --out FILE.pdf``: a period's report as a PDF file.

    The handler reads ``args.from_day``, ``args.to_day`` (dates, both included) and ``args.out``
    (a path); the returned parser takes the report's own arguments.
    """
    parser = command(report_commands(commands), name, handler, text, description)
    parser.add_argument(
        "--from", dest="from_day", type=day, required=True, metavar="YYYY-MM-DD", help="first day"
    )
    parser.add_argument(
        "--to", dest="to_day", type=day, required=True, metavar="YYYY-MM-DD", help="last day"
    )
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help="PDF to write")
    return parser


def read_password(prompt: str = "Password: ") -> str:
    """Ask twice on a terminal; otherwise read one line (without its line break) from stdin.

    Raises:
        ValidationError: the two entries differ.
    """
    from posapp.services.platform.errors import ValidationError  # noqa: PLC0415

    if sys.stdin.isatty():
        password = getpass.getpass(prompt)
        if getpass.getpass("Repeat the password: ") != password:
            raise ValidationError("The passwords do not match.")
        return password
    return sys.stdin.readline().removesuffix("\n").removesuffix("\r")


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Plain left-aligned columns separated by two spaces."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in (header, *rows)
    ]
    return "\n".join(line.rstrip() for line in lines)
