"""``posapp customer export|erase``: a customer's data on request, from the command line.

    posapp customer export 42 --out ann.json     # or ann.csv; the file is made 0600
    posapp customer erase 42 --reason "Her request of 3 May"

The command line is trusted like a shell on the machine (no staff log-in), as for
``posapp settings``; both are audited with no user.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from posapp.cli.kit import EXIT_OK, Commands, command, group, open_backend
from posapp.services.customers import erase_customer, export_customer
from posapp.services.platform.files import check_target

if TYPE_CHECKING:
    from posapp.config import AppConfig


def register_cli(commands: Commands) -> None:
    """Add ``customer export`` and ``customer erase`` to the top-level commands."""
    customers = group(commands, "customer", "a customer's data: export or erase on request")
    export = command(
        customers,
        "export",
        export_command,
        "write everything kept about a customer to a JSON or CSV file",
        "Write the customer's record, accounts and purchase history to FILE (.json or .csv), "
        "readable by its owner only (0600). Audited.",
    )
    export.add_argument("customer_id", type=int, metavar="ID", help="the customer's number")
    export.add_argument("--out", type=Path, required=True, metavar="FILE", help="a new file")
    erase = command(
        customers,
        "erase",
        erase_command,
        "erase a customer's personal data on their request",
        "Blank the customer's name, phone, email, address, notes and tags (and those of their "
        "closed accounts); orders, returns and the ledger stay whole. Audited with the reason.",
    )
    erase.add_argument("customer_id", type=int, metavar="ID", help="the customer's number")
    erase.add_argument("--reason", required=True, metavar="TEXT", help="why (kept in the audit)")


def export_command(args: argparse.Namespace, config: AppConfig) -> int:
    """Export one customer; print what was written."""
    out = check_target(args.out)
    with open_backend(config) as backend:
        data = export_customer(backend.uow(), None, args.customer_id, out)
    print(
        f"Wrote {data.customer.name}'s data to {out}: {len(data.orders)} "
        f"order{'s' if len(data.orders) != 1 else ''}, {len(data.customer.accounts)} account(s)."
    )
    return EXIT_OK


def erase_command(args: argparse.Namespace, config: AppConfig) -> int:
    """Erase one customer; print the placeholder name they now have."""
    with open_backend(config) as backend:
        erased = erase_customer(backend.uow(), None, args.customer_id, args.reason)
    print(f"Erased customer {args.customer_id}: now shown as {erased.name!r}.")
    return EXIT_OK
