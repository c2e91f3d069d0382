"""``posapp report inventory --store CODE --out FILE.pdf``: what a store's stock is worth."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posapp.cli.kit import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    Commands,
    command,
    open_backend,
    report_commands,
)
from posapp.config import AppConfig
from posapp.money import format_money
from posapp.reports.inventory import inventory_pdf
from posapp.services.platform.errors import NotFoundError, ValidationError
from posapp.services.platform.files import check_target, write_atomic
from posapp.services.platform.zone import shop_zone
from posapp.services.stock import inventory_valuation

__all__ = ["register_cli", "report_inventory"]


def register_cli(subparsers: Commands) -> None:
    """Add ``report inventory`` to ``posapp``'s commands."""
    parser = command(
        report_commands(subparsers),
        "inventory",
        report_inventory,
        "what a store's stock is worth",
        "Write the inventory valuation of one store as a PDF: the stock on hand by category "
        "and product, with its average unit cost and value.",
    )
    parser.add_argument("--store", required=True, metavar="CODE", help="the store's code")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help="PDF to write")


def report_inventory(args: argparse.Namespace, config: AppConfig) -> int:
    """Handle ``posapp report inventory``.

    An unknown or empty ``--store`` exits 2 (a usage error, one line); other errors are
    ``ServiceError`` for the CLI to print.
    """
    out: Path = check_target(args.out)
    if out.suffix.lower() != ".pdf":
        print("posapp: error: the output file must end in .pdf", file=sys.stderr)
        return EXIT_ERROR
    with open_backend(config) as backend:
        try:
            report = inventory_valuation(backend.read_uow(), None, args.store)
        except (NotFoundError, ValidationError) as exc:  # a bad --store is a usage error
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        with backend.read_uow() as uow:
            zone = shop_zone(uow)
    write_atomic(out, inventory_pdf(report, zone=zone))
    print(
        f"Wrote {out}: {report.store_code}, {report.products} product"
        f"{'s' if report.products != 1 else ''} in stock worth {format_money(report.value_minor)}."
    )
    return EXIT_OK
