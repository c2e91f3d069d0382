"""The ``posapp`` command line: a thin edge over the services for what admins script.

Opening the window (no command) must stay fast, so this module imports only the standard library
and :mod:`posapp.config` at load; each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable, Sequence

from posapp.cli.kit import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    Commands,
    Handler,
    command,
    group,
    open_backend,
    table,
)
from posapp.config import ENV_DATABASE_URL, AppConfig, resolve_config

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

GuiStarter = Callable[[AppConfig], int]
"""Opens the application window on a configuration and returns its exit status."""


def main(argv: list[str] | None = None, *, run_gui: GuiStarter | None = None) -> int:
    """Run the command line and return the process exit status.

    Without a command the application window opens through ``run_gui``: the composition root
    (:func:`posapp.app.main`) passes it in, so this edge never imports the application (and
    ``python -m posapp.cli.main`` without one asks for a command). Expected failures (a service
    error, a database that cannot be opened) print one ``posapp: error: …`` line and return 1;
    usage errors return 2 after argparse's usage message; Ctrl+C returns 130. None prints a
    traceback.
    """
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = _window_parser() if _opens_window(arguments) else build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:  # --help (0) or a usage error (2); argparse has said why
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    handler: Handler | None = getattr(args, "handler", None)
    problem = _usage_problem(handler, run_gui, demo_if_empty=args.demo_if_empty)
    if problem:
        parser.print_usage(sys.stderr)
        print(f"{PROG}: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    config = resolve_config(args.database_url, demo_if_empty=args.demo_if_empty)
    try:
        if handler is None:
            assert run_gui is not None  # _usage_problem says so
            return run_gui(config)
        return handler(args, config)
    except KeyboardInterrupt:
        print(file=sys.stderr)  # finish the line a prompt may have left open
        return EXIT_INTERRUPTED
    except Exception as exc:
        message = _expected_message(exc)
        if message is None:
            raise
        return _fail(message)


def _usage_problem(
    handler: Handler | None, run_gui: GuiStarter | None, *, demo_if_empty: bool
) -> str:
    """What is wrong with asking for ``handler`` (None: the window), or ``""``."""
    if handler is not None and demo_if_empty:
        return "--demo-if-empty only applies to the window"
    if handler is None and run_gui is None:
        return f"name a command (`{PROG}` alone opens the window)"
    return ""


def _opens_window(arguments: Sequence[str]) -> bool:
    """Whether the arguments name no command (and ask for no help): then the window opens."""
    takes_value = False
    for token in arguments:
        if takes_value:
            takes_value = False
        elif token in {"-h", "--help"}:
            return False
        elif token == "--database-url":
            takes_value = True
        elif not token.startswith("-"):
            return False
    return True


def _add_global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help=f"database to use (default: ${ENV_DATABASE_URL}, else the embedded SQLite file)",
    )
    parser.add_argument(
        "--demo-if-empty",
        action="store_true",
        help="when opening the window on an empty database, load demo data first",
    )


def _window_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG)
    _add_global_options(parser)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of ``posapp`` and all its commands."""
    from posapp.cli import accounts as accounts_cli  # noqa: PLC0415 - commands load only when a command is given
    from posapp.cli import catalog as catalog_cli  # noqa: PLC0415
    from posapp.cli import coupons as coupons_cli  # noqa: PLC0415
    from posapp.cli import customers as customers_cli  # noqa: PLC0415
    from posapp.cli import giftcards as giftcards_cli  # noqa: PLC0415
    from posapp.cli import inventory as inventory_cli  # noqa: PLC0415
    from posapp.cli import orders as orders_cli  # noqa: PLC0415
    from posapp.cli import purchasing as purchasing_cli  # noqa: PLC0415
    from posapp.cli import serve as serve_cli  # noqa: PLC0415
    from posapp.cli import settings as settings_cli  # noqa: PLC0415
    from posapp.cli import tax as tax_cli  # noqa: PLC0415
    from posapp.cli import users as users_cli  # noqa: PLC0415

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Point of sale and back office. Without a command, opens the window.",
    )
    _add_global_options(parser)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_db_commands(commands)
    demo = command(
        commands,
        "demo",
        _demo,
        "load demo data into an empty database",
        "Load realistic demo data (stores, staff, products, customers, coupons, "
        "a few weeks of orders) into an empty database.",
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.add_argument("--days", type=int, default=21, help="days of past orders (default 21)")
    users_cli.register_cli(commands)
    _add_backup_commands(commands)
    for module in (
        accounts_cli,
        catalog_cli,
        coupons_cli,
        customers_cli,
        giftcards_cli,
        inventory_cli,
        orders_cli,
        purchasing_cli,
        serve_cli,
        settings_cli,
        tax_cli,
    ):
        module.register_cli(commands)
    return parser


def _add_db_commands(commands: Commands) -> None:
    command(
        group(commands, "db", "database maintenance"),
        "upgrade",
        _db_upgrade,
        "create or migrate the schema to the newest revision",
        "Create the database if needed and migrate its schema to the newest revision.",
    )


def _add_backup_commands(commands: Commands) -> None:
    command(
        commands,
        "backup",
        _backup,
        "copy the embedded database to a file",
        "Copy the embedded SQLite database to FILE with SQLite's online backup: "
        "registers may keep selling meanwhile. The copy is checked before this returns.",
    ).add_argument("file", help="the new backup file (must not exist)")
    command(
        commands,
        "restore",
        _restore,
        "replace the embedded database with a backup",
        "Replace the embedded SQLite database with the backup in FILE, after "
        "checking it; the current database is kept beside it. Close posapp first.",
    ).add_argument("file", help="a backup made by `posapp backup`")


def _expected_message(exc: Exception) -> str | None:
    """The one-line message for an error a user can cause, or None for a bug."""
    from sqlalchemy.exc import OperationalError  # noqa: PLC0415 - only once something failed

    from posapp.money import MoneyError  # noqa: PLC0415
    from posapp.services.platform.errors import ServiceError  # noqa: PLC0415

    if isinstance(exc, ServiceError | MoneyError):
        return str(exc)
    if isinstance(exc, OperationalError):  # e.g. the server went away after opening
        return f"The database cannot be used: {exc.orig}"
    return None


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return EXIT_ERROR


_NAMED = 10
"""How many tightened files ``db upgrade`` names (it counts the rest)."""


def _db_upgrade(_args: argparse.Namespace, config: AppConfig) -> int:
    from pathlib import Path  # noqa: PLC0415

    from posapp.config import data_dir  # noqa: PLC0415
    from posapp.services.platform.chain_verify import chain_status  # noqa: PLC0415
    from posapp.services.platform.migrate import current_revision  # noqa: PLC0415
    from posapp.services.platform.private import tighten_data  # noqa: PLC0415

    with open_backend(config) as backend:
        revision = current_revision(backend.database.engine)
        print(f"Database at {backend.database_description} is at revision {revision}")
        url = backend.database.url
        sqlite_file = Path(url.database) if backend.database.is_sqlite and url.database else None
        with backend.database.engine.connect() as conn:
            print(chain_status(conn))
    done = tighten_data(data_dir(), sqlite_file)
    if done.folder_was is not None:
        print(
            f"Tightened the data folder {done.folder}: mode {done.folder_was:04o} -> 0700 "
            "(only you may open it)"
        )
    if done.files:
        print(f"Tightened {len(done.files)} files and folders to owner-only access:")
        for path in done.files[:_NAMED]:
            print(f"  {path}")
        if len(done.files) > _NAMED:
            print(f"  … and {len(done.files) - _NAMED} more")
    return EXIT_OK


def _demo(args: argparse.Namespace, config: AppConfig) -> int:
    from posapp.demo import CUSTOMER_PIN, load_demo  # noqa: PLC0415

    with open_backend(config) as backend:
        summary = load_demo(backend, seed=args.seed, days=args.days)
        logins = backend.staff.demo_logins()
        where = backend.database_description
    paragraph = (
        f"Loaded demo data into {where}: {summary.stores} stores and warehouses, "
        f"{summary.users} staff users, {summary.products} products with images and stock, "
        f"{summary.customers} customer accounts (account PIN {CUSTOMER_PIN}), "
        f"{summary.campaigns} coupon campaigns with {summary.codes} codes, and "
        f"{summary.orders} orders over the last {args.days} days."
    )
    print(textwrap.fill(paragraph, width=88, break_long_words=False, break_on_hyphens=False))
    print("\nDemo log-ins:")
    rows = [(login.username, login.password, login.role) for login in logins]
    print(table(("USERNAME", "PASSWORD OR PIN", "ROLE"), rows))
    return EXIT_OK


def _backup(args: argparse.Namespace, config: AppConfig) -> int:
    from pathlib import Path  # noqa: PLC0415

    from posapp.services.platform import backup  # noqa: PLC0415

    with open_backend(config) as backend:
        report = backup.backup(backend.database, Path(args.file))
    print(f"Backed up {backend.database_description} to {report.path} ({report.bytes:,} bytes)")
    if report.key is not None:
        print(f"Its audit key is beside it, in {report.key}: keep the two together.")
    return EXIT_OK


def _restore(args: argparse.Namespace, config: AppConfig) -> int:
    from pathlib import Path  # noqa: PLC0415

    from posapp.services.platform import backup  # noqa: PLC0415
    from posapp.services.platform.db import Database  # noqa: PLC0415

    database = Database(config.database_url)
    try:
        report = backup.restore(database, Path(args.file))
    finally:
        database.dispose()
    if report.kept_copy is None:
        print(f"Restored {report.path} from {args.file} (there was no database there before)")
    else:
        print(f"Restored {report.path} from {args.file}; the previous one is at {report.kept_copy}")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
