"""The sale with the app's background services running, against the same sale without them.

Issue #23: with the notification worker, the outbox sender (mailer) and the campaign clock
running as the application runs them (:func:`posapp.app_services.start_services`; the relay
between registers runs too on PostgreSQL), a sale's p95 must stay within 1.3× its p95
without them. One SQLite file (WAL, ``synchronous=FULL``) with ``history`` past sales (and a
PostgreSQL database, with the relay); the
coupon + card + cash sale, whose events (``OrderPlaced``, ``PaymentConfirmed``,
``OrderStatusChanged``, ``CouponRedeemed``) reach the services. Sales run back to back, the
worst case for the background (a cashier rings a sale every few seconds), in blocks that
alternate between the services' backend (its events go to the runner) and a plain one (no
events), so both see the same disk moments; before each block the runner is let finish, so
the plain blocks measure the sale alone.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import Connection, event

from benchmarks.bench_checkout import one_sale
from benchmarks.common import Figure, Samples, check, figure_from, skipped_figure
from benchmarks.context import Context
from benchmarks.shop import Shop, add_history, check_sales, register_name, seed_shop
from posapp.app_services import THREAD_PREFIX, start_services
from posapp.config import AppConfig
from posapp.events import null_publisher
from posapp.services.backend import Backend
from posapp.services.platform.db import Database

MAX_RATIO = 1.3
BLOCK = 20
"""Sales per block (blocks alternate: with the services' events, without)."""


def background_figures(ctx: Context) -> list[Figure]:
    """The coupon + card + cash sale's p95 with the background services, and without them."""
    sizes = ctx.sizes
    name = "checkout 5 lines + coupon + card/cash with the background services (SQLite)"
    ctx.log(f"{name}: {sizes.history:,} past sales, then 2 × {sizes.sales} sales in blocks")
    database = ctx.sqlite("checkout-background")
    try:
        path = Path(database.url.database or "")
        shop = seed_shop(database, full=True)
        database.dispose()
        shop = add_history(path, shop, sizes.history)
        return _measure(ctx, database, shop, name, "SQLite")
    finally:
        database.dispose()


def postgres_background_figures(ctx: Context) -> list[Figure]:
    """The same on PostgreSQL, where the relay between registers runs too."""
    name = "checkout 5 lines + coupon + card/cash with the background services (PostgreSQL)"
    if not ctx.pg_url:
        return [skipped_figure(name, ctx.pg_skip)]
    ctx.log(f"{name}: 2 × {ctx.sizes.sales} sales in blocks")
    with ctx.postgres("background") as database:
        shop = seed_shop(database, full=True)
        return _measure(ctx, database, shop, name, "PostgreSQL")


class _Transactions:
    """Counts the transactions the background threads begin: writing (the write lock on
    SQLite: BEGIN IMMEDIATE) and reading. What the sale may wait on, whatever the machine's speed.
    """

    def __init__(self) -> None:
        self.writes = 0
        self.reads = 0

    def __call__(self, connection: Connection) -> None:
        if not threading.current_thread().name.startswith(THREAD_PREFIX):
            return
        if connection.get_execution_options().get("posapp_write"):
            self.writes += 1
        else:
            self.reads += 1


def _measure(ctx: Context, database: Database, shop: Shop, name: str, where: str) -> list[Figure]:
    sizes = ctx.sizes
    url = database.url.render_as_string(hide_password=False)
    counted = _Transactions()
    event.listen(database.engine, "begin", counted)  # before the threads start (not thread-safe)
    services = start_services(database, null_publisher, AppConfig(url, register_name(0)))
    try:
        plain = Backend(database, register=register_name(0))
        with_services, without = Samples(), Samples()
        for _ in range(sizes.warmup):
            one_sale(services.backend, shop)
            one_sale(plain, shop)
        check(services.runner.wait_idle(60), "the background services did not finish")
        block = min(BLOCK, max(1, sizes.sales))
        while len(without.values) < sizes.sales:
            for backend, samples in ((services.backend, with_services), (plain, without)):
                for _ in range(block):
                    start = time.perf_counter()
                    one_sale(backend, shop)
                    samples.values.append((time.perf_counter() - start) * 1000)
                if backend is services.backend:
                    check(services.runner.wait_idle(60), "the background did not finish")
        sold = 2 * (sizes.warmup + len(without.values))
    finally:
        services.stop()
        event.remove(database.engine, "begin", counted)
    checked = check_sales(database, shop, sold)
    per_sale = sizes.warmup + len(with_services.values)
    running = "notification worker, outbox sender and campaign clock running"
    relayed = ""
    if services.relay is not None:
        running += ", and the relay between registers"
        relayed = f"; the relay sent {services.relay.sent_transactions} NOTIFY transactions"
    alone = figure_from(
        without,
        f"checkout 5 lines + coupon + card/cash, same run without the background ({where})",
        checked="in turn with the blocks with the services",
    )
    return [
        figure_from(
            with_services,
            name,
            stat="p95",
            floor=without,
            floor_name="without them",
            max_ratio=MAX_RATIO,
            checked=f"{checked}; {running}",
            note=(
                "blocks of sales in turn with and without the services' events (same disk); "
                f"the background began {counted.writes} writing and {counted.reads} reading "
                f"transactions for {per_sale} sales{relayed}"
            ),
        ),
        alone,
    ]
