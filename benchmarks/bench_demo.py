"""Demo data: how long the first ``make run`` waits for its shop (information, no target).

The demo is built through the real use cases (checkout, returns, stock, ledger, coupons, tills) on
a clock set back (``posapp.demo``), some 3,000 transactions for three weeks of trading. Each
sample loads it into a fresh, migrated SQLite file, as the application does on an empty database.
Check: the shop has its stores, staff, products and orders.
"""

from __future__ import annotations

import time

from benchmarks.common import Figure, Samples, check, figure_from
from benchmarks.context import Context
from posapp.demo import load_demo
from posapp.services.backend import Backend


def demo_figure(ctx: Context) -> Figure:
    """Load the demo ``heavy_repeat`` times (once under --smoke, with two days and 30 products)."""
    days, products = (2, 30) if ctx.smoke else (21, 240)
    runs = 1 if ctx.smoke else ctx.sizes.heavy_repeat
    ctx.log(f"demo data: {runs} load(s) of {days} days, {products} products")
    samples = Samples()
    for run in range(runs):
        database = ctx.sqlite(f"demo-{run}")
        try:
            started = time.perf_counter()
            summary = load_demo(Backend(database), days=days, product_count=products)
            samples.values.append(time.perf_counter() - started)
        finally:
            database.dispose()
        check(summary.products == products, f"{summary.products} products, not {products}")
        check(summary.orders > 0 and summary.stores > 0, "the demo shop has no orders or stores")
    return figure_from(
        samples,
        f"demo data loaded ({days} days, {products} products, SQLite)",
        unit="s",
        checked=f"{summary.orders:,} orders, {summary.users} staff, {summary.stores} stores",
    )
