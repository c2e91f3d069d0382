"""``posapp import products FILE`` and ``posapp export products FILE``.

The lead wires :func:`register_cli` into :mod:`posapp.cli.main` with ``register_cli(commands)``; it
adds the ``import`` and ``export`` commands if nobody has yet, and their ``products``
subcommands either way. The command line is the local, trusted edge (``actor`` None), like
``posapp user add``. Exit status: 0 when every row was imported, 1 when nothing was (the
line-numbered report goes to standard error), 130 on Ctrl+C (nothing imported).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posapp.cli.kit import EXIT_ERROR, EXIT_OK, PROG, Commands, command, group, open_backend
from posapp.config import AppConfig
from posapp.services.catalog import ENCODINGS, ImportOptions, export_products, import_file

__all__ = ["register_cli"]


def register_cli(subparsers: Commands) -> None:
    """Add ``import products FILE`` and ``export products FILE``."""
    importing = group(
        subparsers, "import", "import data from a file", title="what to import", metavar="WHAT"
    )
    exporting = group(
        subparsers, "export", "export data to a file", title="what to export", metavar="WHAT"
    )
    if "products" in importing.choices or "products" in exporting.choices:
        return  # registered already
    products = command(
        importing,
        "products",
        _import_products,
        "import products from CSV (all or nothing)",
        "Import products from a CSV file with a header line (sku, name, price; "
        "optionally barcode, description, category, cost, tax_rate, tax_included, active). "
        "Every row is checked; nothing is stored unless every row is valid, and each problem "
        "is printed with its line number.",
    )
    products.add_argument("file", type=Path, help="the CSV file")
    products.add_argument(
        "--update",
        action="store_true",
        help="update products whose SKU exists (default: such rows are refused)",
    )
    products.add_argument(
        "--encoding",
        choices=tuple(ENCODINGS),
        help="the file's encoding (default: detect UTF-8 or UTF-16 from the bytes)",
    )
    decimals = products.add_mutually_exclusive_group()
    decimals.add_argument("--decimal-comma", action="store_true", help="amounts are written 12,50")
    decimals.add_argument("--decimal-dot", action="store_true", help="amounts are written 12.50")

    out = command(
        exporting,
        "products",
        _export_products,
        "export every product to CSV",
        "Write every product to a CSV file (UTF-8 with a byte-order mark); cells "
        "that a spreadsheet would run as a formula are prefixed with an apostrophe.",
    )
    out.add_argument("file", type=Path, help="the CSV file to write (replaced if it exists)")
    out.add_argument("--active-only", action="store_true", help="leave archived products out")


def _progress(done: int, total: int) -> None:
    """Print a percentage on a terminal (nothing when standard error is a file or a pipe)."""
    if sys.stderr.isatty():
        print(f"\r{done * 100 // max(total, 1):3d} %", end="", file=sys.stderr, flush=True)


def _import_products(args: argparse.Namespace, config: AppConfig) -> int:
    decimal = True if args.decimal_comma else (False if args.decimal_dot else None)
    options = ImportOptions(
        update_existing=args.update, encoding=args.encoding, decimal_comma=decimal
    )
    with open_backend(config) as backend:
        report = import_file(backend.uow(), None, args.file, options=options, progress=_progress)
    if sys.stderr.isatty():
        print("\r", end="", file=sys.stderr)
    for warning in report.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    if not report.ok:
        for problem in report.problems:
            print(f"{args.file}:{problem.line}: {problem.message}", file=sys.stderr)
        if report.more_problems:
            print(f"…and {report.more_problems:,} more problems", file=sys.stderr)
        print(f"{PROG}: error: {report.summary()}", file=sys.stderr)
        return EXIT_ERROR
    print(report.summary())
    return EXIT_OK


def _export_products(args: argparse.Namespace, config: AppConfig) -> int:
    with open_backend(config) as backend:
        report = export_products(
            backend.read_uow(), None, args.file, include_archived=not args.active_only
        )
    print(f"Exported {report.rows:,} products to {args.file}")
    return EXIT_OK
