"""``posapp report statement``: an account's statement as PDF, from the command line.

The lead wires :func:`register_cli` into :mod:`posapp.cli.main`::

    posapp report statement 1234 5678 89 --from 2026-03-01 --to 2026-03-31 --out march.pdf

The command line is trusted like a shell on the machine (no staff log-in), as for ``posapp user``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from posapp.cli.kit import EXIT_OK, Commands, open_backend, period_report, report_commands
from posapp.money import format_money
from posapp.services.accounts import display, statement
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.files import check_target

if TYPE_CHECKING:
    from posapp.config import AppConfig


def register_cli(commands: Commands) -> None:
    """Add ``report statement`` to the top-level commands (sharing ``report`` with others).

    Safe to call when another module already added ``report``, and idempotent.
    """
    reports = report_commands(commands)
    if "statement" in reports.choices:
        return
    parser = period_report(
        commands,
        "statement",
        statement_command,
        "a customer account's statement for a period",
        "Write a customer account's statement for a period as a PDF: opening "
        "balance, every movement with the balance after it, and closing balance. Days are "
        "the computer's local days; both are included.",
    )
    parser.add_argument(
        "account", nargs="+", metavar="ACCOUNT", help="the account number (spaces allowed)"
    )
    parser.add_argument(
        "--shop-name",
        default="",
        metavar="TEXT",
        help="name in the header (default: the shop's legal name, else posapp)",
    )


def statement_command(args: argparse.Namespace, config: AppConfig) -> int:
    """Write the statement PDF; print one line saying what was written.

    Raises:
        ServiceError: the account or period is not valid, or the file cannot be written.
    """
    number = " ".join(args.account)
    out: Path = check_target(args.out)
    with open_backend(config) as backend:
        data = statement(
            backend.read_uow(), None, number, first_day=args.from_day, last_day=args.to_day
        )
        shop = backend.shop.shop_profile()
    from posapp.reports.statement import write_statement_pdf  # noqa: PLC0415 - reportlab is slow

    try:
        pages = write_statement_pdf(
            data, out, shop_name=args.shop_name or "posapp", shop=None if args.shop_name else shop
        )
    except OSError as exc:
        raise ValidationError(f"Cannot write {out}: {exc.strerror or exc}.") from exc
    print(
        f"Wrote the statement of {display(data.number)} ({data.holder_name}) to {out}: "
        f"{len(data.lines)} movements, opening {format_money(data.opening_balance_minor)}, "
        f"closing {format_money(data.closing_balance_minor)}, {pages} "
        f"page{'s' if pages != 1 else ''}."
    )
    return EXIT_OK
