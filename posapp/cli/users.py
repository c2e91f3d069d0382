"""``posapp user add|list|activate|deactivate|passwd|unlock|store`` and ``posapp audit verify``.

A thin edge over the staff services (:mod:`posapp.services.staff`: users and the audit log), wired
into :mod:`posapp.cli.main` through :func:`register_cli`. Handlers have that module's shape,
``handler(args, config) -> exit status``: they print what happened and let a
:class:`~posapp.services.platform.errors.ServiceError` propagate, so ``posapp.cli.main.main`` prints
it as one ``posapp: error: …`` line. The command line acts as the trusted local admin
(``actor=None``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from posapp.cli.kit import (
    EXIT_ERROR,
    EXIT_OK,
    Commands,
    Handler,
    command,
    group,
    open_backend,
    read_password,
    table,
)
from posapp.config import AppConfig
from posapp.services.platform.dto import StoreDTO, UserDTO
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.private import shown
from posapp.services.staff import (
    ROLE_PERMISSIONS,
    UserFilter,
    add_user,
    find_user,
    list_users,
    reset_password,
    set_active,
    stores_for_command_line,
    unlock_user,
    update_user,
    verify_audit_chain,
    write_audit_anchor,
)

ROLES = ("admin", "manager", "cashier")


def register_cli(commands: Commands) -> None:
    """Add the ``user`` commands below and ``audit verify`` to ``posapp``'s parser.

    The ``user`` group is made here unless another module made it first.
    """
    add_user_commands(group(commands, "user", "staff users"))
    add_audit_commands(commands)


def _name_command(
    user_commands: Commands, name: str, handler: Handler, text: str, description: str = ""
) -> argparse.ArgumentParser:
    """A ``user`` sub-command about one user, named by the ``name`` argument."""
    parser = command(user_commands, name, handler, text, description)
    parser.add_argument("name", help="username")
    return parser


def add_user_commands(user_commands: Commands) -> None:
    """Add ``add``, ``list``, ``activate``, ``deactivate``, ``passwd``, ``unlock`` and ``store``."""
    add = _name_command(
        user_commands,
        "add",
        user_add,
        "add a staff user",
        "Add a staff user. The password (a cashier may have a 4-8 digit PIN) is asked for "
        "twice on a terminal, or read as one line from standard input.",
    )
    add.add_argument("--role", required=True, choices=ROLES, help="role")
    add.add_argument("--full-name", default="", metavar="TEXT", help="the person's name")
    add.add_argument(
        "--store", default="all", metavar="CODE", help="home store's code (default: all stores)"
    )

    listing = command(
        user_commands,
        "list",
        user_list,
        "list staff users",
        "List staff users, by username: a table, or JSON for scripts.",
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

    for name, verb, handler in (
        ("activate", "activate a user: they can log in again", user_activate),
        (
            "deactivate",
            "deactivate a user: they cannot log in (users are never deleted)",
            user_deactivate,
        ),
        ("unlock", "lift a log-in lock-out after too many failed attempts", user_unlock),
    ):
        _name_command(user_commands, name, handler, verb)

    _name_command(
        user_commands,
        "passwd",
        user_passwd,
        "set a new password or PIN",
        "Set a user's new password (a cashier may have a 4-8 digit PIN) and lift any lock-out. "
        "It is asked for twice on a terminal, or read as one line from standard input.",
    )

    store = _name_command(
        user_commands,
        "store",
        user_store,
        "set a user's home store",
        "Set a user's home store by its code (see `posapp user list`), or 'all': staff hear of "
        "a store's low stock, pickups and refunds only at their home store. An admin always "
        "works for all stores.",
    )
    store.add_argument("store", metavar="CODE", help="a store's code, or 'all'")


def add_audit_commands(commands: Commands) -> None:
    """Add ``audit verify`` and ``audit anchor``."""
    audit = group(commands, "audit", "the audit log")
    verify = command(
        audit,
        "verify",
        audit_verify,
        "check that nobody changed the audit log behind the app's back",
        "Recompute the audit log's keyed hash chain, check the ledger against it, and hold "
        "it to its anchors (the database's anchor file, and any given here): rows removed "
        "from the end show only against an anchor. Exit status 0 when it is intact; 1 with "
        "the first row or anchor that fails when it is not.",
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.add_argument(
        "--anchor",
        metavar="FILE",
        action="append",
        default=[],
        help="also check the anchors in FILE (an anchor file kept elsewhere, or lines "
        "'rows=N head=H' typed from printed Z reports); may be repeated",
    )
    verify.add_argument(
        "--z-reports",
        action="store_true",
        help="also check the anchor of every Z report and that no closed till lost its Z row",
    )
    anchor = command(
        audit,
        "anchor",
        audit_anchor,
        "write the audit chain's head down, to catch rows removed later",
        "Append the audit chain's head now (row count and hash) to the database's anchor "
        "file, or to FILE (e.g. on another machine or a write-once medium), and print it. "
        "`posapp audit verify` then fails if rows were removed since.",
    )
    anchor.add_argument("--to", metavar="FILE", help="the anchor file to append to")


def audit_anchor(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp audit anchor [--to FILE]``."""
    target = None if args.to is None else Path(args.to)
    with open_backend(config) as backend:
        line, where = write_audit_anchor(backend.read_uow(), None, target)
    print(f"{line}\nAppended to {shown(where)}")
    return EXIT_OK


def user_list(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp user list``: a table, or ``--json``."""
    flt = UserFilter(search=args.search, role=args.role, active=args.active)
    with open_backend(config) as backend:
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


def user_add(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp user add NAME --role ROLE [--full-name TEXT] [--store CODE|all]``."""
    with open_backend(config) as backend:
        store = store_by_code(stores_for_command_line(backend.read_uow()), args.store)
        password = read_password()
        user = add_user(
            backend.uow(),
            None,
            args.name,
            password,
            args.role,
            full_name=args.full_name,
            store_id=None if store is None else store.id,
        )
    where = "" if store is None else f" at {store.name} ({store.code})"
    print(f"Added {user.role} user '{user.username}'{where}")
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
    with open_backend(config) as backend:
        user = find_user(backend.read_uow(), args.name)
        stores = stores_for_command_line(backend.read_uow())
        store = store_by_code(stores, args.store)
        store_id = None if store is None else store.id
        user = update_user(backend.uow(), None, user.id, store_id=store_id)
    where = "all stores" if store is None else f"{store.name} ({store.code})"
    print(f"{user.role.capitalize()} '{user.username}' now works for {where}")
    return EXIT_OK


def _set_active(config: AppConfig, name: str, active: bool) -> int:
    with open_backend(config) as backend:
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
    with open_backend(config) as backend:
        user = find_user(backend.read_uow(), args.name)
        password = read_password("New password: ")
        reset_password(backend.uow(), None, user.id, password)
    print(f"Changed the password of {user.role} user '{user.username}'")
    return EXIT_OK


def user_unlock(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp user unlock NAME``."""
    with open_backend(config) as backend:
        user = find_user(backend.read_uow(), args.name)
        unlock_user(backend.uow(), None, user.id)
    print(f"Unlocked {user.role} user '{user.username}'")
    return EXIT_OK


def audit_verify(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp audit verify``: 0 when the chain is intact, 1 naming the first bad row."""
    files = [Path(name) for name in args.anchor]
    with open_backend(config) as backend:
        report = verify_audit_chain(backend.read_uow(), None, files, z_reports=args.z_reports)
    if args.json:
        result = {
            "ok": report.ok,
            "rows": report.rows,
            "first_bad_id": report.first_bad_id,
            "problem": report.problem,
        }
        print(json.dumps(result, ensure_ascii=False))
    elif report.ok:
        extra = "".join(
            f", {count} {what}"
            for count, what in (
                (report.ledger_transactions, "ledger transactions"),
                (report.anchors, "anchors"),
            )
            if count
        )
        print(f"Audit log intact: {report.rows} rows checked{extra}")
    elif report.first_bad_id is None:
        print(f"Audit log NOT intact: {report.problem}; {report.rows} rows checked")
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
