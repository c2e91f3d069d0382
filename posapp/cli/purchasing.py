"""``posapp report purchases --from DATE --to DATE --out FILE.pdf``: purchase orders of a period."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posapp.cli.kit import EXIT_ERROR, EXIT_OK, Commands, open_backend, period_report
from posapp.config import AppConfig
from posapp.money import format_money
from posapp.reports.purchasing import purchases_report_pdf
from posapp.services.platform.files import check_target, write_atomic
from posapp.services.platform.zone import shop_zone
from posapp.services.purchasing import purchases_report

__all__ = ["register_cli", "report_purchases"]


def register_cli(subparsers: Commands) -> None:
    """Add ``report purchases`` to ``posapp``'s commands."""
    period_report(
        subparsers,
        "purchases",
        report_purchases,
        "purchase orders by supplier",
        "Write the purchase orders created in a date range (inclusive, in the shop's time "
        "zone) as a PDF: totals by supplier, then each order with what was received.",
    )


def report_purchases(args: argparse.Namespace, config: AppConfig) -> int:
    """Handle ``posapp report purchases``; errors are ``ServiceError`` for the CLI to print."""
    out: Path = check_target(args.out)
    if out.suffix.lower() != ".pdf":
        print("posapp: error: the output file must end in .pdf", file=sys.stderr)
        return EXIT_ERROR
    with open_backend(config) as backend:
        report = purchases_report(backend.read_uow(), None, args.from_day, args.to_day)
        with backend.read_uow() as uow:
            zone = shop_zone(uow)
    write_atomic(out, purchases_report_pdf(report, zone=zone))
    print(
        f"Wrote {out}: {len(report.orders)} purchase order"
        f"{'s' if len(report.orders) != 1 else ''}, ordered "
        f"{format_money(report.ordered_minor)}, received {format_money(report.received_minor)}."
    )
    return EXIT_OK
