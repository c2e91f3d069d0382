"""``posapp report coupons``: the coupon effectiveness report as PDF from the command line.

The lead wires it into :mod:`posapp.cli.main` with ``register_cli(commands)``; it adds the
``report`` command if nobody has yet, and its ``coupons`` subcommand either way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posapp.cli.kit import EXIT_ERROR, EXIT_OK, Commands, open_backend, period_report
from posapp.config import AppConfig
from posapp.money import format_money
from posapp.reports.coupon_effectiveness import render_effectiveness
from posapp.services.coupons import effectiveness_report, rate_text
from posapp.services.platform.files import check_target, write_atomic
from posapp.services.platform.ids import storable_id


def _campaign_id(text: str) -> int:
    """A campaign id: a whole number the database can hold (2**63 would overflow it)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not storable_id(value):
        raise argparse.ArgumentTypeError(f"not a campaign id: {text!r}") from None
    return value


def register_cli(subparsers: Commands) -> None:
    """Add ``report coupons --from DATE --to DATE --out FILE.pdf [--campaign ID …]``."""
    coupons = period_report(
        subparsers,
        "coupons",
        report_coupons,
        "coupon effectiveness report",
        "Write the coupon effectiveness report (codes issued and redeemed, "
        "redemption rate, discount, revenue and average basket with and without a code, "
        "by campaign, day and cashier) for the shop's local days FROM to TO, inclusive.",
    )
    coupons.add_argument(
        "--campaign",
        dest="campaign_ids",
        type=_campaign_id,
        action="append",
        metavar="ID",
        help="only this campaign (repeat for several; default: every campaign of the period)",
    )


def report_coupons(args: argparse.Namespace, config: AppConfig) -> int:
    """Handle ``posapp report coupons``; service errors propagate to the CLI's handler."""
    out: Path = check_target(args.out)
    with open_backend(config) as backend:
        report = effectiveness_report(
            backend.read_uow(), None, args.from_day, args.to_day, campaign_ids=args.campaign_ids
        )
    try:
        write_atomic(out, render_effectiveness(report))
    except OSError as exc:
        print(f"posapp: error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    overall = report.overall
    print(
        f"Wrote {out}: {len(report.campaigns)} campaigns, {overall.redemptions:,} redemptions, "
        f"redemption rate {rate_text(overall.rate_bp)}, "
        f"discount {format_money(overall.discount_minor)} ({report.period_text})."
    )
    return EXIT_OK
