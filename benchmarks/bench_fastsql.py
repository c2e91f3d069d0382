"""What ``Prepared`` buys: the standard sales with fastsql's cursor path and with plain Core.

Issue #15 keeps :mod:`posapp.services.platform.fastsql` only if it wins by a margin that matters
(≥ 25 % of the sale). Each standard sale (#5's 5-line cash sale, #9's coupon + card + cash sale)
runs through ``place_order`` on one SQLite file (seeded, then ``--history`` past sales, as the
checkout figures) in two ways, alternating sale by sale in the order A B, B A, A B…:

- **Prepared**: as in shops, every ``Prepared`` statement runs straight on the driver's cursor;
- **plain Core**: :data:`~posapp.services.platform.fastsql.PLAIN_CORE` set, so the same statement
  objects run through ``Connection.execute(stmt, params)`` with the engine's compiled cache (what
  checkout would do without fastsql).

The full sale is measured on PostgreSQL too (no history, as its checkout figure). Both paths run
the same code otherwise, on the same database at the same moment, so a busy machine
slows both alike. The saving is reported per pair of neighbouring sales as a share of the
plain-Core sale: ``(plain − prepared) / plain``; its median is the figure the issue's rule reads.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from benchmarks.bench_checkout import one_sale
from benchmarks.common import Figure, Samples, figure_from, skipped_figure
from benchmarks.context import Context
from benchmarks.shop import Shop, add_history, check_sales, register_name, seed_shop
from posapp.services.backend import Backend
from posapp.services.platform import fastsql
from posapp.services.platform.db import Database


def sqlite_figures(ctx: Context) -> list[Figure]:
    """Both standard sales on SQLite, Prepared against plain Core, alternating."""
    return [
        *_sqlite(ctx, full=False, name="checkout 5-line cash sale"),
        *_sqlite(ctx, full=True, name="checkout 5 lines + coupon + card/cash"),
    ]


def postgres_figures(ctx: Context) -> list[Figure]:
    """The full sale on PostgreSQL (as the checkout figure: no history), alternating."""
    name = "checkout 5 lines + coupon + card/cash"
    if not ctx.pg_url:
        return [skipped_figure(f"{name}: Prepared vs plain Core (PostgreSQL)", ctx.pg_skip)]
    ctx.log(f"{name}: Prepared vs plain Core on PostgreSQL, {ctx.sizes.sales} pairs")
    with ctx.postgres("fastsql") as database:
        shop = seed_shop(database)
        return _compare(ctx, database, shop, name=name, where="PostgreSQL")


def _timed_sale(backend: Backend, shop: Shop, *, plain: bool) -> float:
    """One standard sale in ms, its statements through plain Core when ``plain``."""
    fastsql.PLAIN_CORE = plain
    try:
        start = time.perf_counter()
        one_sale(backend, shop)
        return (time.perf_counter() - start) * 1000
    finally:
        fastsql.PLAIN_CORE = False


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _sqlite(ctx: Context, *, full: bool, name: str) -> list[Figure]:
    """One standard sale on a SQLite file with ``--history`` past sales."""
    sizes = ctx.sizes
    kind = "full" if full else "cash"
    ctx.log(
        f"{name}: Prepared vs plain Core on SQLite, {sizes.history:,} past sales, "
        f"{sizes.sales} pairs after {sizes.warmup}"
    )
    database = ctx.sqlite(f"fastsql-{kind}-sqlite")
    try:
        path = Path(database.url.database or "")
        shop = seed_shop(database, full=full)
        database.dispose()
        shop = add_history(path, shop, sizes.history)
        return _compare(ctx, database, shop, name=name, where="SQLite")
    finally:
        database.dispose()


def _compare(
    ctx: Context, database: Database, shop: Shop, *, name: str, where: str
) -> list[Figure]:
    """Alternate the two paths sale by sale; the three figures (two medians, the saving)."""
    sizes = ctx.sizes
    backend = Backend(database, register=register_name(0))
    prepared, plain, saving = Samples(), Samples(), Samples()
    load_start = _load()
    for index in range(sizes.warmup + sizes.sales):
        if index % 2 == 0:
            a = _timed_sale(backend, shop, plain=False)
            b = _timed_sale(backend, shop, plain=True)
        else:
            b = _timed_sale(backend, shop, plain=True)
            a = _timed_sale(backend, shop, plain=False)
        if index >= sizes.warmup:
            prepared.values.append(a)
            plain.values.append(b)
            saving.values.append((b - a) / b * 100)
    load = f"load average {load_start} at the start, {_load()} at the end"
    checked = check_sales(database, shop, 2 * (sizes.warmup + sizes.sales))
    of_medians = (plain.median - prepared.median) / plain.median * 100
    ctx.log(
        f"{name} ({where}): Prepared {prepared.median:.3f} ms, plain Core "
        f"{plain.median:.3f} ms (medians); Prepared saves {of_medians:.1f} % of the plain-Core sale (median per pair "
        f"{saving.median:.1f} %); {load}"
    )
    note = f"alternating sale by sale on one database; {load}"
    return [
        figure_from(
            prepared,
            f"{name}: Prepared on the driver's cursor ({where}, alternating)",
            checked=checked,
            note=note,
        ),
        figure_from(
            plain,
            f"{name}: plain Core, compiled cache ({where}, alternating)",
            floor=prepared,
            floor_name="Prepared",
            checked="the same sales (checked with the Prepared ones)",
            note=note,
        ),
        Figure(
            name=f"{name}: Prepared saves, % of the plain-Core sale ({where}, per pair)",
            median=saving.median,
            p95=saving.p95,
            unit="%",
            higher_is_better=True,
            samples=len(saving.values),
            checked="difference of neighbouring sales",
            note=f"from the medians: {of_medians:.1f} %; issue #15 keeps Prepared at ≥ 25 %",
        ),
    ]
