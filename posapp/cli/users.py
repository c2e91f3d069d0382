"""``posapp user list|activate|deactivate|passwd|unlock|store`` and ``posapp audit verify``.

A thin edge over the staff services (:mod:`posapp.services.staff`: users and the audit log), wired
into :mod:`posapp.cli.main` through :func:`register_cli`. Handlers have that module's shape,
``handler(args, config) -> exit status``: they print what happened and let a
:class:`~posapp.services.platform.errors.ServiceError` propagate, so ``posapp.cli.main.main`` prints
it as one ``posapp: error: …`` line. The command line acts as the trusted local admin
(``actor=None``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TypeAlias

from posapp.config import AppConfig
from posapp.services.backend import Backend
from posapp.services.platform.db import open_database
from posapp.services.platform.dto import StoreDTO, UserDTO
from posapp.services.platform.errors import ValidationError
from posapp.services.staff import (
    ROLE_PERMISSIONS,
    UserFilter,
    find_user,
    list_users,
    reset_password,
    set_active,
    stores_for_command_line,
    unlock_user,
    update_user,
    verify_audit_chain,
)

EXIT_OK, EXIT_ERROR = 0, 1

Handler = Callable[[argparse.Namespace, AppConfig], int]
"""The shape of a command handler, as in :mod:`posapp.cli.main`."""
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register_cli(commands: Commands, *, user_commands: Commands | None = None) -> None:
    """Add the ``user`` commands below and ``audit verify`` to ``posapp``'s parser.

    Args:
        commands: The top-level subparsers of ``posapp``.
        user_commands: The subparsers of an existing ``user`` group (``posapp.cli.main`` makes the
            group for ``user add``); without it, this makes the ``user`` group.
    """
    if user_commands is None:
        group = commands.add_parser("user", help="staff users", description="Staff users.")
        user_commands = group.add_subparsers(title="commands", metavar="COMMAND", required=True)
    add_user_commands(user_commands)
    add_audit_commands(commands)


def add_user_commands(user_commands: Commands) -> None:
    """Add ``list``, ``activate``, ``deactivate``, ``passwd`` and ``unlock`` to ``user``."""
    listing = user_commands.add_parser(
        "list",
        help="list staff users",
        description="List staff users, by username: a table, or JSON for scripts.",
    )
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.add_argument("--role", choices=tuple(ROLE_PERMISSIONS), help="only this role")
    state = listing.add_mutually_exclusive_group()
    state.add_argument(
        "--active", dest="active", action="store_const", const=True, help="only active users"
    )
    state.add_argument(
        "--inactive", dest="active", action="store_const", const=False, help="only inactive users"
    )
    listing.add_argument("--search", default="", metavar="TEXT", help="in usernames and names")
    listing.set_defaults(handler=user_list)

    for name, verb, handler in (
        ("activate", "activate a user: they can log in again", user_activate),
        (
            "deactivate",
            "deactivate a user: they cannot log in (users are never deleted)",
            user_deactivate,
        ),
        ("unlock", "lift a log-in lock-out after too many failed attempts", user_unlock),
    ):
        command = user_commands.add_parser(name, help=verb, description=f"{verb.capitalize()}.")
        command.add_argument("name", help="username")
        command.set_defaults(handler=handler)

    passwd = user_commands.add_parser(
        "passwd",
        help="set a new password or PIN",
        description="Set a user's new password (a cashier may have a 4-8 digit PIN) and lift any "
        "lock-out. It is asked for twice on a terminal, or read as one line from standard input.",
    )
    passwd.add_argument("name", help="username")
    passwd.set_defaults(handler=user_passwd)

    store = user_commands.add_parser(
        "store",
        help="set a user's home store",
        description="Set a user's home store by its code (see `posapp user list`), or 'all': "
        "staff hear of a store's low stock, pickups and refunds only at their home store. "
        "An admin always works for all stores.",
    )
    store.add_argument("name", help="username")
    store.add_argument("store", metavar="CODE", help="a store's code, or 'all'")
    store.set_defaults(handler=user_store)


def add_audit_commands(commands: Commands) -> None:
    """Add ``audit verify``."""
    audit = commands.add_parser("audit", help="the audit log", description="The audit log.")
    audit_commands = audit.add_subparsers(title="commands", metavar="COMMAND", required=True)
    verify = audit_commands.add_parser(
        "verify",
        help="check that nobody changed the audit log behind the app's back",
        description="Recompute the audit log's hash chain. Exit status 0 when it is intact; 1 "
        "with the id of the first row that was changed, removed or inserted when it is not.",
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(handler=audit_verify)


@contextmanager
def _backend(config: AppConfig) -> Iterator[Backend]:
    """Open (and migrate) the configured database for one command, then close it."""
    database = open_database(config.database_url)
    try:
        yield Backend(database, register=config.register)
    finally:
        database.dispose()


def read_password() -> str:
    """Ask twice on a terminal; otherwise read one line (without its line break) from stdin.

    Raises:
        ValidationError: the two entries differ.
    """
    if sys.stdin.isatty():
        password = getpass.getpass("New password: ")
        if getpass.getpass("Repeat the password: ") != password:
            raise ValidationError("The passwords do not match.")
        return password
    return sys.stdin.readline().removesuffix("\n").removesuffix("\r")


def user_list(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp user list``: a table, or ``--json``."""
    flt = UserFilter(search=args.search, role=args.role, active=args.active)
    with _backend(config) as backend:
        found = list_users(backend.read_uow(), None, flt)
        codes = {s.id: s.code for s in stores_for_command_line(backend.read_uow())}
    if args.json:
        print(json.dumps([user_json(u, codes) for u in found], ensure_ascii=False, indent=2))
        return EXIT_OK
    rows = [
        (
            u.username,
            u.full_name,
            u.role,
            "yes" if u.active else "no",
            "all" if u.store_id is None else codes.get(u.store_id, str(u.store_id)),
            local_time(u.last_login_at),
        )
        for u in found
    ]
    print(table(("USERNAME", "FULL NAME", "ROLE", "ACTIVE", "STORE", "LAST LOGIN"), rows))
    return EXIT_OK


def store_by_code(stores: Sequence[StoreDTO], code: str) -> StoreDTO | None:
    """The store with ``code`` (any case), or None for ``all``.

    Raises:
        ValidationError: no store has that code.
    """
    wanted = code.strip().casefold()
    if wanted == "all":
        return None
    for store in stores:
        if store.code.casefold() == wanted:
            return store
    known = ", ".join(s.code for s in stores if s.active) or "none yet"
    shown = code.strip()[:40]
    raise ValidationError(f"No store has the code {shown!r} (stores: {known}; or 'all').")


def user_store(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp user store NAME CODE|all``."""
    with _backend(config) as backend:
        user = find_user(backend.read_uow(), args.name)
        stores = stores_for_command_line(backend.read_uow())
        store = store_by_code(stores, args.store)
        store_id = None if store is None else store.id
        user = update_user(backend.uow(), None, user.id, store_id=store_id)
    where = "all stores" if store is None else f"{store.name} ({store.code})"
    print(f"{user.role.capitalize()} '{user.username}' now works for {where}")
    return EXIT_OK


def _set_active(config: AppConfig, name: str, active: bool) -> int:
    with _backend(config) as backend:
        user = find_user(backend.read_uow(), name)
        if user.active == active:
            state = "active" if active else "inactive"
            print(f"User '{user.username}' is already {state}")
            return EXIT_OK
        user = set_active(backend.uow(), None, user.id, active)
    print(f"{'Activated' if active else 'Deactivated'} {user.role} user '{user.username}'")
    return EXIT_OK


def user_activate(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp user activate NAME``."""
    return _set_active(config, args.name, True)


def user_deactivate(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp user deactivate NAME`` (refused for the last active admin)."""
    return _set_active(config, args.name, False)


def user_passwd(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp user passwd NAME``: the new password from the terminal or standard input."""
    with _backend(config) as backend:
        user = find_user(backend.read_uow(), args.name)
        password = read_password()
        reset_password(backend.uow(), None, user.id, password)
    print(f"Changed the password of {user.role} user '{user.username}'")
    return EXIT_OK


def user_unlock(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp user unlock NAME``."""
    with _backend(config) as backend:
        user = find_user(backend.read_uow(), args.name)
        unlock_user(backend.uow(), None, user.id)
    print(f"Unlocked {user.role} user '{user.username}'")
    return EXIT_OK


def audit_verify(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp audit verify``: 0 when the chain is intact, 1 naming the first bad row."""
    with _backend(config) as backend:
        report = verify_audit_chain(backend.read_uow(), None)
    if args.json:
        result = {
            "ok": report.ok,
            "rows": report.rows,
            "first_bad_id": report.first_bad_id,
            "problem": report.problem,
        }
        print(json.dumps(result, ensure_ascii=False))
    elif report.ok:
        print(f"Audit log intact: {report.rows} rows checked")
    else:
        print(
            f"Audit log NOT intact: row {report.first_bad_id} fails the check "
            f"({report.problem}); {report.rows} rows checked"
        )
    return EXIT_OK if report.ok else EXIT_ERROR


def user_json(user: UserDTO, codes: dict[int, str] | None = None) -> dict[str, object]:
    """A user as a JSON object (timestamps in ISO 8601 with their UTC offset).

    ``store`` is the home store's code (``codes``: store id → code), or null for all stores.
    """

    def iso(at: datetime | None) -> str | None:
        return None if at is None else at.isoformat()

    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "active": user.active,
        "created_at": iso(user.created_at),
        "last_login_at": iso(user.last_login_at),
        "locked_until": iso(user.locked_until),
        "store_id": user.store_id,
        "store": None if user.store_id is None else (codes or {}).get(user.store_id),
    }


def local_time(at: datetime | None) -> str:
    """A timestamp in the machine's local time, to the minute, for people to read."""
    return "never" if at is None else at.astimezone().strftime("%Y-%m-%d %H:%M")


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Plain left-aligned columns separated by two spaces."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in (header, *rows)
    ]
    return "\n".join(line.rstrip() for line in lines)
