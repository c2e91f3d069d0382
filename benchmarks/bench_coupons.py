"""Coupon benchmarks: bulk generation, checkout validation, the effectiveness report.

Standalone (not pytest)::

    .venv/bin/python benchmarks/bench_coupons.py [--database-url URL]

Targets (issue 6): 100,000 codes generated in ≤ 5 s; a code validated at checkout
(``quote_coupon``) in ≤ 1 ms; the effectiveness report over 10,000 codes and 100,000
redemptions in ≤ 5 s. The default database is a fresh SQLite file.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from posapp.models import CouponCode, CouponRedemption, Order, Store
from posapp.reports.coupon_effectiveness import render_effectiveness
from posapp.services import users
from posapp.services.backend import Backend
from posapp.services.coupon_campaigns import create_campaign, generate_codes
from posapp.services.coupon_dto import CampaignDraft
from posapp.services.coupon_report_data import effectiveness_report
from posapp.services.coupons import BasketLine, quote_coupon
from posapp.services.db import open_database

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def line(label: str, seconds: float, target: float) -> None:
    verdict = "ok" if seconds <= target else "SLOW"
    print(f"{label:<58} {seconds * 1000:>10.2f} ms  (target {target * 1000:.0f} ms)  {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        database = open_database(url)
        try:
            backend = Backend(database, clock=lambda: NOW)
            run(backend)
        finally:
            database.dispose()
    return 0


def run(backend: Backend) -> None:
    print(f"posapp coupon benchmarks on {backend.database_description}")
    admin = users.add_user(
        backend.uow(), None, f"bench{uuid.uuid4().hex[:6]}", "correct horse battery", "admin"
    )
    start = NOW - timedelta(days=30)
    big = create_campaign(backend.uow(), admin, CampaignDraft("Bulk", "percent", 1000, start))
    began = time.perf_counter()
    generate_codes(backend.uow(), admin, big.id, 100_000, prefix="BULK")
    line("generate 100,000 unique codes", time.perf_counter() - began, 5.0)

    with backend.read_uow() as uow:
        code = uow.session.scalar(
            select(CouponCode.code).where(CouponCode.campaign_id == big.id).limit(1)
        )
    assert code is not None
    lines = [BasketLine(i, 1, None, 1, 500 + i) for i in range(1, 6)]
    samples = []
    with backend.read_uow() as uow:
        for _ in range(50):  # warm the statement cache
            quote_coupon(uow, code, lines, customer_account_id=None)
        for _ in range(1000):
            t0 = time.perf_counter()
            quote_coupon(uow, code.lower(), lines, customer_account_id=None)
            samples.append(time.perf_counter() - t0)
    samples.sort()
    line("validate a code at checkout (quote_coupon, median)", statistics.median(samples), 0.001)
    line(
        "validate a code at checkout (quote_coupon, p95)", samples[int(len(samples) * 0.95)], 0.001
    )

    report_campaign = create_campaign(
        backend.uow(), admin, CampaignDraft("Report", "fixed", 300, start)
    )
    generate_codes(backend.uow(), admin, report_campaign.id, 10_000, prefix="RPT")
    seed_redemptions(backend, admin.id, report_campaign.id, 100_000)
    began = time.perf_counter()
    report = effectiveness_report(
        backend.read_uow(), admin, start.date(), NOW.date(), campaign_ids=[report_campaign.id]
    )
    loaded = time.perf_counter() - began
    pdf = render_effectiveness(report)
    total = time.perf_counter() - began
    print(
        f"  (report: {report.overall.redemptions:,} redemptions, {len(pdf):,} bytes; "
        f"load+model {loaded * 1000:.0f} ms)"
    )
    line("effectiveness report, 10,000 codes / 100,000 redemptions", total, 5.0)


def seed_redemptions(backend: Backend, user_id: int, campaign_id: int, count: int) -> None:
    """Insert ``count`` orders, each with one redemption of the campaign's codes (bulk SQL)."""
    with backend.uow() as uow:
        store = Store(code=f"B{uuid.uuid4().hex[:5]}", name="Bench", kind="store")
        uow.session.add(store)
        uow.flush()
        code_ids = list(
            uow.session.scalars(select(CouponCode.id).where(CouponCode.campaign_id == campaign_id))
        )
        first = NOW - timedelta(days=29)
        batch = 10_000
        for offset in range(0, count, batch):
            orders = [
                {
                    "sale_uuid": uuid.uuid4(),
                    "number": f"BN-{offset + i:07d}",
                    "store_id": store.id,
                    "register": "bench",
                    "cashier_id": user_id,
                    "status": "fulfilled",
                    "pickup": False,
                    "subtotal_minor": 2000,
                    "discount_minor": 0,
                    "tax_minor": 0,
                    "total_minor": 1700,
                    "paid_minor": 1700,
                    "refunded_minor": 0,
                    "note": "",
                    "placed_at": first + timedelta(seconds=(offset + i) * 25),
                    "created_at": first + timedelta(seconds=(offset + i) * 25),
                }
                for i in range(min(batch, count - offset))
            ]
            ids = list(uow.session.scalars(insert(Order).returning(Order.id), orders))
            uow.session.execute(
                insert(CouponRedemption),
                [
                    {
                        "code_id": code_ids[(offset + i) % len(code_ids)],
                        "campaign_id": campaign_id,
                        "order_id": order_id,
                        "cashier_id": user_id,
                        "discount_minor": 300,
                        "redeemed_at": orders[i]["placed_at"],
                    }
                    for i, order_id in enumerate(ids)
                ],
            )
        uow.commit()


if __name__ == "__main__":
    raise SystemExit(main())
