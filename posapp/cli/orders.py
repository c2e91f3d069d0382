"""``posapp report sales --from DATE --to DATE --out FILE.pdf``: the sales report from a shell.

:func:`register_cli` adds the command to ``posapp``'s argument parser (the lead wires it into
``posapp.cli.main``); it joins an existing ``report`` command group if another system made one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posapp.cli.kit import EXIT_ERROR, EXIT_OK, Commands, open_backend, period_report
from posapp.config import AppConfig
from posapp.money import format_money
from posapp.reports.sales_report import sales_report_pdf
from posapp.services.platform.files import check_target, write_atomic
from posapp.services.platform.zone import shop_zone
from posapp.services.sales import sales_summary

__all__ = ["register_cli", "report_sales"]


def register_cli(subparsers: Commands) -> None:
    """Add ``report sales`` to ``posapp``'s commands."""
    sales = period_report(
        subparsers,
        "sales",
        report_sales,
        "sales by day, product, cashier and payment method",
        "Write the sales report for a date range (inclusive, in the shop's time "
        "zone) as a PDF: totals, by day, by payment method, by cashier and by product.",
    )
    sales.add_argument("--store", default=None, metavar="CODE", help="one store only")


def report_sales(args: argparse.Namespace, config: AppConfig) -> int:
    """Handle ``posapp report sales``; errors are ``ServiceError`` for the CLI to print."""
    out: Path = check_target(args.out)
    if out.suffix.lower() != ".pdf":
        print("posapp: error: the output file must end in .pdf", file=sys.stderr)
        return EXIT_ERROR
    with open_backend(config) as backend:
        report = sales_summary(
            backend.read_uow(), None, args.from_day, args.to_day, store_code=args.store
        )
        with backend.read_uow() as uow:
            zone = shop_zone(uow)
        pdf = sales_report_pdf(report, zone=zone)
    write_atomic(out, pdf)
    print(
        f"Wrote {out}: {report.orders} orders, net sales {format_money(report.net_minor)} "
        f"from {report.date_from} to {report.date_to}."
    )
    return EXIT_OK
