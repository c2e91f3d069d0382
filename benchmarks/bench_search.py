"""Where a cashier or a stock clerk waits (issue #23): the register's searches, receiving stock.

On the same cached catalog as ``bench_catalog`` (``--products``; 1,000,000 with ``--full``):

* register F2 search (``SalesApi.search_products``: name or SKU contains the text, exact codes
  first, the first 20 by name) and the Stores tab's stock table search (its first page, what the
  table shows at once: ``StockApi.stock_level_page``, 100 ids by name, for a store stocking
  ``--delivery-lines`` × ``--heavy-repeat`` products; the rest is read as the table scrolls) on the same
  typing as search as you type, each keystroke timed beside the catalog's own search
  (``catalog.search_products``) in the same run: the catalog search is the floor. Targets:
  median ≤ 5 ms, p95 ≤ 15 ms, and within 1.5× of the catalog search by the same statistic (one
  row per statistic). Checks: a whole SKU or barcode typed finds its product first; the stock
  table lists only the store's products, by name.
* exact code lookup at the register (``SalesApi.lookup_code``: the scan path, with the user's
  permission check) ≤ 0.05 ms; floor: the barcode's unique-index probe on bare sqlite3.
* receiving a delivery of ``--delivery-lines`` (10,000) lines (``StockApi.receive_stock``: one
  transaction) ≤ 1 s, into a copy of the catalog. Check: one movement and the right on-hand per
  line.
"""

from __future__ import annotations

import random
import sqlite3
import time
import uuid
from functools import partial
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.catalog_data import admin_of, catalog_dataset, sample_products, typing_queries
from benchmarks.common import Figure, Samples, check, figure_from, with_profile
from benchmarks.context import Context, copy_sqlite
from posapp.models import StockMovement
from posapp.services.backend import Backend
from posapp.services.catalog import products as catalog
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.stock import StockFilter, StockLine, StoreInput

SEARCH_MEDIAN_MS = 5.0
SEARCH_P95_MS = 15.0
SEARCH_RATIO = 1.5
LOOKUP_MS = 0.05
RECEIVE_S = 1.0
REGISTER_LIMIT = 20
_PROBE = (
    "SELECT id, sku, barcode, name, category_id, price_minor, tax_rate_bp, tax_included "
    "FROM products WHERE barcode = ? AND active = 1"
)


def search_figures(ctx: Context, count: int) -> list[Figure]:
    """Register and Stores searches beside the catalog search, the lookup, the delivery."""
    source = catalog_dataset(ctx, count)
    path = ctx.folder("search") / "catalog.sqlite3"
    copy_sqlite(source, path)  # the delivery writes: never into the cached file
    database = Database(f"sqlite:///{path}")
    try:
        admin = admin_of(database)
        backend = Backend(database, register="bench")
        receive, store_id = _receive_figure(ctx, backend, admin, count)
        sizes = ctx.sizes
        rng = random.Random(3)
        picks = rng.sample(range(1, count + 1), min(count, sizes.names + sizes.typed_codes))
        queries = typing_queries(sample_products(database, picks), sizes.names)
        ctx.log(f"register and stores search at {count:,} products: {len(queries):,} keystrokes")
        figures = _searches(ctx, backend, admin, store_id, queries, count)
        codes = [b for _, _, _, b in sample_products(database, rng.sample(picks, len(picks)))]
        codes = (codes * (1 + sizes.lookups // max(1, len(codes))))[: sizes.lookups]
        figures.append(_lookup_figure(ctx, backend, admin, path, codes, count))
        return [*figures, receive]
    finally:
        database.dispose()


def _searches(
    ctx: Context,
    backend: Backend,
    admin: UserDTO,
    store_id: int,
    queries: list[tuple[str, int | None]],
    count: int,
) -> list[Figure]:
    register, stores, floor = Samples(), Samples(), Samples()
    stocked = set(backend.stock.stock_level_ids(admin, store_id))
    for query, _ in queries[:50]:  # warm the caches, as the first minute of use does
        backend.sales.search_products(admin, query, REGISTER_LIMIT)
        backend.stock.stock_level_page(admin, store_id, StockFilter(search=query))
        catalog.search_products(backend.read_uow(), admin, query)
    for query, exact in queries:
        start = time.perf_counter()
        found = backend.sales.search_products(admin, query, REGISTER_LIMIT)
        register.values.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        page = backend.stock.stock_level_page(admin, store_id, StockFilter(search=query))
        stores.values.append((time.perf_counter() - start) * 1000)
        listed = page.ids
        start = time.perf_counter()
        catalog.search_products(backend.read_uow(), admin, query)
        floor.values.append((time.perf_counter() - start) * 1000)
        if exact is not None:
            check(bool(found) and found[0].id == exact, f"register: {query!r} missed {exact}")
            if exact in stocked:
                found_it = exact in listed or page.next_cursor is not None
                check(found_it, f"stores: {query!r} missed {exact}")
        check(set(listed) <= stocked, f"stores: {query!r} listed products not in the store")
    typed = f"{len(queries):,} keystrokes"
    figures = []
    for name, samples, what in (
        ("register F2 search", register, "whole SKUs/barcodes first"),
        (
            "stores stock table search",
            stores,
            "first page; whole SKUs/barcodes of the store's found",
        ),
    ):
        for stat, target in (("median", SEARCH_MEDIAN_MS), ("p95", SEARCH_P95_MS)):
            figures.append(
                figure_from(
                    samples,
                    f"{name} ({count:,} products), {stat}",
                    stat=stat,  # type: ignore[arg-type]
                    floor=floor,
                    floor_name="catalog search",
                    max_ratio=SEARCH_RATIO,
                    target=target,
                    checked=f"{typed}; {what}",
                )
            )
    worst = max(queries, key=lambda q: len(q[0]))[0]
    figures[1] = with_profile(
        figures[1],
        partial(backend.sales.search_products, admin, worst, REGISTER_LIMIT),
        enabled=ctx.profile,
        what=f"20 register searches for {worst!r}",
    )
    figures.append(
        figure_from(
            floor,
            f"catalog search, same keystrokes ({count:,} products)",
            checked=typed,
            note="the floor of the two searches above, measured between them",
        )
    )
    return figures


def _lookup_figure(
    ctx: Context, backend: Backend, admin: UserDTO, path: Path, codes: list[str], count: int
) -> Figure:
    """The register's scan: ``SalesApi.lookup_code`` against the raw unique-index probe."""
    ctx.log(f"register code lookup at {count:,} products: {len(codes)} scans")
    raw = sqlite3.connect(path)
    try:
        for code in codes[:20]:
            backend.sales.lookup_code(admin, code)
            raw.execute(_PROBE, (code,)).fetchone()
        service, floor = Samples(), Samples()
        for code in codes:
            start = time.perf_counter()
            product = backend.sales.lookup_code(admin, code)
            service.values.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            row = raw.execute(_PROBE, (code,)).fetchone()
            floor.values.append((time.perf_counter() - start) * 1000)
            check(product is not None and product.barcode == code, f"lookup of {code} failed")
            check(row is not None and row[2] == code, f"raw probe of {code} failed")
    finally:
        raw.close()
    fig = figure_from(
        service,
        f"register exact code lookup ({count:,} products)",
        floor=floor,
        floor_name="raw index probe",
        target=LOOKUP_MS,
        checked=f"{len(codes)} scans, each found its product",
    )
    return with_profile(
        fig, partial(backend.sales.lookup_code, admin, codes[0]), enabled=ctx.profile, runs=200
    )


def _receive_figure(
    ctx: Context, backend: Backend, admin: UserDTO, count: int
) -> tuple[Figure, int]:
    """Book deliveries of ``--delivery-lines`` distinct products; returns the store's id too."""
    lines = min(ctx.sizes.delivery_lines, count // max(1, ctx.sizes.heavy_repeat))
    store = backend.stock.create_store(admin, StoreInput("BENCH", "Bench store"))
    samples = Samples()
    for run in range(ctx.sizes.heavy_repeat):
        if samples.over_budget():
            break
        first = 1 + run * lines
        delivery = [StockLine(pid, 1 + pid % 7) for pid in range(first, first + lines)]
        before = _movements(backend)
        ctx.log(f"receiving a delivery of {lines:,} lines (run {run + 1})")
        start = time.perf_counter()
        result = backend.stock.receive_stock(
            admin, store.id, delivery, reference=f"DN-{run}", request_id=uuid.uuid4()
        )
        samples.values.append(time.perf_counter() - start)
        check(result.movements == lines, f"{result.movements} movements for {lines} lines")
        check(_movements(backend) == before + lines, "the ledger did not grow by the lines")
        for line in delivery[:: max(1, lines // 50)]:
            level = result.on_hand(store.id, line.product_id)
            check(level == line.quantity, f"on hand {level} after receiving {line.quantity}")
    fig = figure_from(
        samples,
        f"receiving a delivery of {lines:,} lines (into {count:,} products)",
        unit="s",
        target=RECEIVE_S,
        checked="one movement and the right on-hand per line, the ledger grew by the lines",
    )
    return fig, store.id


def _movements(backend: Backend) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count(StockMovement.id))) or 0)
