"""``posapp tax list|add|set|set-default``: the tax rates products pick from, for scripts.

A thin edge over :attr:`Backend.catalog <posapp.services.backend.Backend.catalog>`, like
``posapp settings``: the command line acts as the trusted local admin (``actor=None``), each
change is validated, audited and announced as in the app's Settings page, and a refused value
(a taken name, a rate outside 0 to 100 %, an unknown id) prints one ``posapp: error: …`` line
and exits with status 2, changing nothing. Rates are typed as percentages: ``19``, ``5.5``.
"""

from __future__ import annotations

import argparse
import json
import sys

from posapp.cli.kit import EXIT_OK, EXIT_USAGE, PROG, Commands, command, group, open_backend, table
from posapp.config import AppConfig


def register_cli(commands: Commands) -> None:
    """Add ``tax list``, ``tax add``, ``tax set`` and ``tax set-default`` to the parser."""
    tax = group(commands, "tax", "the tax rates products pick from")
    listing = command(tax, "list", tax_list, "list the tax rates (the default marked *)")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    add = command(
        tax,
        "add",
        tax_add,
        "add a tax rate",
        "Add a tax rate: its name and its rate as a percentage (19, 5.5); included in prices "
        "unless --added.",
    )
    add.add_argument("name", help="the rate's name, such as 'Standard VAT'")
    add.add_argument("rate", help="a percentage from 0 to 100, at most two decimals")
    add.add_argument("--added", action="store_true", help="tax is added on top of the price")
    add.add_argument("--default", action="store_true", help="make it the default rate")
    change = command(
        tax,
        "set",
        tax_set,
        "rename a tax rate or change its figures",
        "Change a tax rate; its products sell at the new figures from the next sale on "
        "(past sales keep theirs).",
    )
    change.add_argument("id", type=int, help="the rate's id (`posapp tax list`)")
    change.add_argument("--name", help="a new name")
    change.add_argument("--rate", help="a new percentage")
    kind = change.add_mutually_exclusive_group()
    kind.add_argument("--included", action="store_true", help="tax is included in prices")
    kind.add_argument("--added", action="store_true", help="tax is added on top of prices")
    default = command(tax, "set-default", tax_set_default, "make a rate the default")
    default.add_argument("id", type=int, help="the rate's id (`posapp tax list`)")


def _refused(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _percent(rate_bp: int) -> str:
    whole, rest = divmod(rate_bp, 100)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"


def tax_list(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp tax list [--json]``."""
    from posapp.services.catalog import list_tax_rates  # noqa: PLC0415 - loads the services

    with open_backend(config) as backend:
        rates = list_tax_rates(backend.read_uow(), None)
    if args.json:
        rows = [
            {"id": r.id, "name": r.name, "rate_bp": r.rate_bp, "included": r.included,
             "default": r.is_default, "products": r.products}
            for r in rates
        ]  # fmt: skip
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    lines = [
        (str(r.id), r.name + (" *" if r.is_default else ""), _percent(r.rate_bp),
         "included" if r.included else "added", str(r.products))
        for r in rates
    ]  # fmt: skip
    print(table(("ID", "NAME", "RATE", "TAX", "PRODUCTS"), lines))
    return EXIT_OK


def tax_add(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp tax add NAME RATE [--added] [--default]``."""
    from posapp.services.catalog import add_tax_rate  # noqa: PLC0415
    from posapp.services.platform.errors import ValidationError  # noqa: PLC0415

    with open_backend(config) as backend:
        try:
            rate = add_tax_rate(
                backend.uow(), None, args.name, args.rate, not args.added, default=args.default
            )
        except ValidationError as exc:
            return _refused(str(exc))
    print(f"added tax rate {rate.id}: {rate.name} ({_percent(rate.rate_bp)})")
    return EXIT_OK


def tax_set(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp tax set ID [--name N] [--rate R] [--included | --added]``."""
    from posapp.services.catalog import change_tax_rate  # noqa: PLC0415
    from posapp.services.platform.errors import NotFoundError, ValidationError  # noqa: PLC0415

    included = True if args.included else False if args.added else None
    if args.name is None and args.rate is None and included is None:
        return _refused("say what changes: --name, --rate, --included or --added.")
    with open_backend(config) as backend:
        try:
            rate = change_tax_rate(
                backend.uow(), None, args.id, name=args.name, rate=args.rate, included=included
            )
        except (ValidationError, NotFoundError) as exc:
            return _refused(str(exc))
    kind = "included" if rate.included else "added"
    print(f"tax rate {rate.id}: {rate.name} ({_percent(rate.rate_bp)} {kind})")
    return EXIT_OK


def tax_set_default(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp tax set-default ID``."""
    from posapp.services.catalog import set_default_tax_rate  # noqa: PLC0415
    from posapp.services.platform.errors import NotFoundError  # noqa: PLC0415

    with open_backend(config) as backend:
        try:
            rate = set_default_tax_rate(backend.uow(), None, args.id)
        except NotFoundError as exc:
            return _refused(str(exc))
    print(f"the default tax rate is {rate.id}: {rate.name}")
    return EXIT_OK
