"""``python -m benchmarks`` / ``make bench``: every figure of issue #9 in one table, and as JSON.

Examples::

    python -m benchmarks                       # defaults: a few minutes on 2 cores
    python -m benchmarks --full                # adds the 1,000,000-product figures
    python -m benchmarks --only checkout,coupons --quick
    python -m benchmarks --smoke               # each figure about once, tiny sizes (the test)

Exit status: 0 when every figure ran and its result check passed (a missed target is reported
as FAIL in the table but is not an error), 1 when a figure could not be measured or its
operation did not do what it should (ERROR), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, fields, replace
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The datasets are cached across runs and machines' data folders (issue #16): their audit
# chains are keyed with this fixed, public key, never with a shop's.
os.environ.setdefault("POSAPP_AUDIT_KEY", "posapp benchmarks: a throwaway key, not a secret")

from benchmarks.common import (
    Figure,
    error_figure,
    machine_info,
    render_notes,
    render_table,
    write_json,
)
from benchmarks.context import REPO, Context, Sizes, pg_problem

SUITES = (
    "startup",
    "checkout",
    "register",
    "catalog",
    "variants",
    "memory",
    "import",
    "coupons",
    "accounts",
    "demo",
    "api",
)
FULL_PRODUCTS = (100_000, 1_000_000)
DEFAULT_JSON = REPO / "benchmarks" / "results-latest.json"
_SIZE_ARGS = {
    "import_rows": "CSV rows imported (default 100,000)",
    "api_products": "products of the API's catalog, made through the use cases (default 1,000)",
    "codes": "coupon codes generated per run (default 100,000)",
    "report_codes": "codes of the reported campaign (default 10,000)",
    "redemptions": "redemptions in the coupon report (default 100,000)",
    "movements": "movements on the statement (default 10,000)",
    "sales": "measured checkouts per database (default 300)",
    "warmup": "checkouts before measuring (default 30)",
    "history": "past sales in the store before the checkout figures (default 100,000)",
    "registers": "register processes for the throughput figure (default 4)",
    "register_sales": "sales per register process (default 150)",
    "scans": "measured scans on the register (default 60)",
    "soak_sales": "keyboard sales of the register soak (default 300)",
    "starts": "cold starts of posapp and of the bare window (default 7)",
    "names": "product names typed for search as you type (default 150)",
    "typed_codes": "SKUs and barcodes typed for search as you type (default 25)",
    "lookups": "barcode lookups (default 500)",
    "validations": "coupon validations (default 1,000)",
    "heavy_repeat": "runs of the multi-second figures (default 3)",
    "table_repeat": "Catalog tab opens (default 5)",
    "delivery_lines": "lines of the delivery received (default 10,000)",
}


def _products(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of sizes: {text!r}") from None
    if not values or min(values) < 100:
        raise argparse.ArgumentTypeError("catalog sizes are at least 100")
    return tuple(sorted(set(values)))


def _names(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown suite(s) {unknown}; known: {', '.join(SUITES)}")
    return names


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (sizes have defaults that finish in a few minutes on 2 cores)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run posapp's benchmarks and print one table with targets and floors.",
    )
    parser.add_argument(
        "--products",
        type=_products,
        help="catalog sizes, comma-separated (default 100000; --full: 100000,1000000)",
    )
    parser.add_argument("--full", action="store_true", help="include the 1,000,000 catalog")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer repetitions, same data sizes")
    mode.add_argument("--smoke", action="store_true", help="tiny sizes, each figure ~once")
    for name, text in _SIZE_ARGS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, metavar="N", help=text)
    parser.add_argument("--only", type=_names, help=f"suites to run, of: {', '.join(SUITES)}")
    parser.add_argument("--skip", type=_names, default=(), help="suites to leave out")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="results file")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "posapp-bench-cache",
        help="where built catalog datasets are kept between runs",
    )
    parser.add_argument("--no-cache", action="store_true", help="build every dataset afresh")
    parser.add_argument("--pg-url", default=os.environ.get("POSAPP_TEST_PG_URL", ""))
    parser.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL figures")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile each figure that misses its target"
    )
    parser.add_argument(
        "--load",
        action="store_true",
        help="search as you type with a second process loading the machine (issue #23)",
    )
    parser.add_argument("--label", default="", help="a note saved with the results")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser.parse_args(argv)


def sizes_from(args: argparse.Namespace) -> Sizes:
    """The sizes: a preset (default, --quick, --smoke) with the explicit arguments on top."""
    products = args.products or (FULL_PRODUCTS if args.full else Sizes().products)
    if args.smoke:
        base = Sizes.smoke()
        if args.products:
            base = replace(base, products=products)
    elif args.quick:
        base = Sizes.quick(products)
    else:
        base = Sizes(products=products)
    given = {f.name: getattr(args, f.name) for f in fields(Sizes) if f.name in _SIZE_ARGS}
    return replace(base, **{k: v for k, v in given.items() if v is not None})


Part = tuple[str, Callable[[], list[Figure]]]
"""A labelled part of a suite: its failure becomes one ERROR row, the other parts still run."""


def _suites(ctx: Context) -> dict[str, list[Part]]:
    from benchmarks import (
        bench_accounts,
        bench_api,
        bench_background,
        bench_catalog,
        bench_checkout,
        bench_coupons,
        bench_demo,
        bench_fastsql,
        bench_memory,
        bench_register,
        bench_search,
        bench_soak,
        bench_variants,
        startup,
    )

    sizes = ctx.sizes
    largest, smallest = max(sizes.products), min(sizes.products)
    searches: list[Part] = [
        (f"search and lookup ({n:,} products)", partial(bench_catalog.search_figures, ctx, n))
        for n in sizes.products
    ]
    searches += [
        (
            f"register and stores search, lookup, delivery ({n:,} products)",
            partial(bench_search.search_figures, ctx, n),
        )
        for n in sizes.products
    ]
    return {
        "startup": [("cold start and login", partial(startup.startup_figures, ctx))],
        "checkout": [
            ("checkout (SQLite)", partial(bench_checkout.sqlite_figures, ctx)),
            ("checkout (PostgreSQL)", partial(bench_checkout.postgres_figures, ctx)),
            ("sale with background services", partial(bench_background.background_figures, ctx)),
            (
                "sale with background services (PostgreSQL)",
                partial(bench_background.postgres_background_figures, ctx),
            ),
            ("Prepared vs plain Core (SQLite)", partial(bench_fastsql.sqlite_figures, ctx)),
            ("Prepared vs plain Core (PostgreSQL)", partial(bench_fastsql.postgres_figures, ctx)),
        ],
        "register": [
            ("scan to line painted", lambda: [bench_register.scan_figure(ctx)]),
            ("register soak", partial(bench_soak.soak_figures, ctx)),
        ],
        "variants": [
            (
                f"variant search ({largest:,} variants)",
                partial(bench_variants.variant_figures, ctx, largest),
            ),
        ],
        "catalog": [
            *searches,
            (
                f"catalog tab first rows ({largest:,} products)",
                lambda: [bench_catalog.first_rows_figure(ctx, largest)],
            ),
        ],
        "memory": [("peak RSS", lambda: [bench_memory.rss_figure(ctx, largest)])],
        "import": [("CSV import", lambda: [bench_catalog.import_figure(ctx, smallest)])],
        "coupons": [
            ("coupons (SQLite)", partial(bench_coupons.sqlite_figures, ctx)),
            ("coupons (PostgreSQL)", partial(bench_coupons.postgres_figures, ctx)),
        ],
        "accounts": [("account statement", lambda: [bench_accounts.statement_figure(ctx)])],
        "demo": [("demo data", lambda: [bench_demo.demo_figure(ctx)])],
        "api": [
            ("HTTP API (SQLite)", partial(bench_api.sqlite_figures, ctx)),
            ("HTTP API (PostgreSQL)", partial(bench_api.postgres_figures, ctx)),
        ],
    }


def _message(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}"


def run(ctx: Context, names: tuple[str, ...]) -> list[Figure]:
    """Run the named suites in order; return every figure."""
    suites = _suites(ctx)
    figures: list[Figure] = []
    for name in names:
        started = time.perf_counter()
        ctx.log(f"== {name}")
        for label, part in suites[name]:
            try:
                figures += part()
            except Exception as exc:  # the table shows it as an ERROR row
                traceback.print_exc(file=sys.stderr)
                figures.append(error_figure(label, _message(exc)))
        ctx.log(f"== {name} done in {time.perf_counter() - started:.1f} s")
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run, print the table and the notes, write the JSON file."""
    args = parse_args(argv)
    sizes = sizes_from(args)
    names = tuple(n for n in (args.only or SUITES) if n not in args.skip)
    names = tuple(n for n in SUITES if n in names)  # always the same order
    machine = machine_info(args.label)
    pg_url, pg_skip = "", "--no-pg given"
    if not args.no_pg:
        pg_skip = pg_problem(args.pg_url)
        pg_url = "" if pg_skip else args.pg_url
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="posapp-bench-") as work:
        ctx = Context(
            sizes=sizes,
            work=Path(work),
            cache=None if args.no_cache else args.cache_dir,
            pg_url=pg_url,
            pg_skip=pg_skip,
            profile=args.profile,
            load=args.load,
            smoke=args.smoke,
            verbose=not args.quiet,
        )
        ctx.log(f"suites: {', '.join(names)}; sizes: {asdict(sizes)}")
        ctx.log("PostgreSQL: " + (pg_url.split("?")[0] if pg_url else pg_skip))
        try:
            figures = run(ctx, names)
        finally:
            ctx.close()
    elapsed = time.perf_counter() - started
    machine["seconds"] = round(elapsed, 1)
    machine["postgresql"] = "used" if pg_url else pg_skip
    print(_heading(machine, sizes))
    print(render_table(figures))
    notes = render_notes(figures)
    if notes:
        print("\n" + notes)
    write_json(figures, args.json, asdict(sizes), machine)
    print(f"\n{len(figures)} figures in {elapsed:.0f} s; results written to {args.json}")
    return 1 if any(f.status == "error" for f in figures) else 0


def _heading(machine: dict[str, object], sizes: Sizes) -> str:
    label = f" — {machine['label']}" if machine.get("label") else ""
    return (
        f"posapp benchmarks {machine['date']}{label}\n"
        f"{machine['cpu']}, {machine['cores']} cores, load average "
        f"{machine['load_average_start']} at start; Python {machine['python']}, SQLite "
        f"{machine['sqlite']}; catalog sizes {', '.join(f'{n:,}' for n in sizes.products)}\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())
