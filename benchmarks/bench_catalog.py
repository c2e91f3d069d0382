"""Catalog speed on SQLite: search as you type, scanner lookup, the table's first rows, CSV import.

Usage (from the repository root)::

    python -m benchmarks.bench_catalog --products 1000000

Builds a temporary SQLite database through the real migrations, bulk-loads realistic products
(a brand, one or two descriptors, a product type and a size; ~3,300 brands, SKUs like
``KEL0042-00017``, valid EAN-13 barcodes), then measures:

* search as you type: every keystroke of product names typed word by word, SKUs and barcodes
  typed character by character, through the service (``catalog.search_products``, with its
  authorisation) — targets p95 ≤ 20 ms;
* the scanner path: ``catalog.lookup_code`` by barcode (a unit of work, two unique-index reads,
  the product's DTO) and the bare index read ``catalog_search.find_by_code`` — target ≤ 1 ms;
* the Catalog table model's first rows at N products (ids of the first screens, one page query)
  and the background load of every id; then scrolling to the end, counting page queries —
  targets ≤ 300 ms and "never loads all rows";
* importing 100,000 CSV rows into that database in one transaction — target ≤ 30 s.

Wall-clock figures depend on what else runs on the machine; CPU time of the benchmark process
is printed next to them (on a busy machine it is the fairer figure). The dataset is loaded with
executemany and the FTS index rebuilt once (``'rebuild'``), which is how a bulk load is done;
every measured operation uses the application's own code and schema.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import select

from posapp.models import Product
from posapp.services import catalog, catalog_categories, catalog_search, product_csv, users
from posapp.services.backend import Backend
from posapp.services.catalog_api import CatalogApi
from posapp.services.db import Database, open_database
from posapp.services.dto import UserDTO

if TYPE_CHECKING:
    from posapp.ui.catalog_model import CatalogTableModel


def _split(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


SYLLABLES = _split(
    "ka ve lo ri mu ta ne so pa di zu bel cor fin gar hol jun kel lum mar nor pol qua ros "
    "sil tor vin wel xan yor zen al ber ca dor el fa go ha in jo"
)
TYPES = _split(
    "Apple Juice,Orange Juice,Sparkling Water,Still Water,Cola,Lemonade,Iced Tea,Green Tea,"
    "Black Tea,Coffee Beans,Ground Coffee,Instant Coffee,Espresso Pods,Hot Chocolate,Whole Milk,"
    "Oat Milk,Almond Milk,Yogurt,Greek Yogurt,Butter,Cheddar,Mozzarella,Brie,Parmesan,"
    "Cream Cheese,Eggs,Bread,Sourdough,Baguette,Bagels,Croissants,Muffins,Pancake Mix,Flour,"
    "Sugar,Brown Sugar,Honey,Maple Syrup,Jam,Peanut Butter,Hazelnut Spread,Cereal,Granola,Oats,"
    "Rice,Basmati Rice,Pasta,Spaghetti,Penne,Noodles,Tomato Sauce,Pesto,Ketchup,Mustard,"
    "Mayonnaise,Olive Oil,Vinegar,Salt,Pepper,Paprika,Curry Powder,Soup,Beans,Chickpeas,Lentils,"
    "Tuna,Salmon,Sardines,Chicken Breast,Ground Beef,Sausages,Bacon,Ham,Tofu,Hummus,Crisps,"
    "Tortilla Chips,Popcorn,Pretzels,Crackers,Cookies,Biscuits,Chocolate Bar,Dark Chocolate,"
    "Gummy Bears,Chewing Gum,Ice Cream,Frozen Pizza,Frozen Peas,Fries,Dish Soap,"
    "Laundry Detergent,Fabric Softener,Bleach,Glass Cleaner,Sponges,Paper Towels,Toilet Paper,"
    "Tissues,Trash Bags,Aluminium Foil,Cling Film,Shampoo,Conditioner,Shower Gel,Hand Soap,"
    "Toothpaste,Toothbrush,Mouthwash,Deodorant,Razor,Shaving Foam,Sunscreen,Body Lotion,"
    "Lip Balm,Cotton Pads,Plasters,Painkillers,Vitamins,Batteries,Light Bulb,Extension Cord,"
    "USB Cable,Phone Charger,Headphones,Notebook,Pens,Pencils,Markers,Sticky Notes,Stapler,Tape,"
    "Scissors,Glue Stick,Envelopes,Printer Paper,Candles,Matches,Lighter,Dog Food,Cat Food,"
    "Cat Litter,Bird Seed,Plant Food,Potting Soil,Garden Gloves,Screws,Nails,Hammer,Screwdriver,"
    "Wrench,Paint Brush,Wall Paint,Sandpaper,Work Gloves,Socks,T-Shirt,Cap,Umbrella,"
    "Water Bottle,Lunch Box,Mug,Plates,Cutlery Set,Frying Pan,Saucepan,Kitchen Knife,"
    "Cutting Board,Tea Towel,Bath Towel,Pillow,Blanket",
    ",",
)
DESCRIPTORS = _split(
    "Organic,Classic,Original,Light,Extra,Premium,Family,Mini,Large,Natural,Smooth,Crunchy,"
    "Spicy,Mild,Sweet,Salted,Unsalted,Sugar-Free,Gluten-Free,Vegan,Wholegrain,Fresh,Frozen,"
    "Smoked,Roasted,Toasted,Strawberry,Raspberry,Blueberry,Cherry,Lemon,Lime,Orange,Mango,Peach,"
    "Vanilla,Caramel,Chocolate,Mint,Coconut,Honey,Ginger,Cinnamon,Garlic,Herb,Tomato,Cheese,"
    "Onion,Sea Salt,Barbecue,Chilli,Lavender,Rose,Aloe,Charcoal,Sensitive,Whitening,Ultra,Max,"
    "Pro,Compact,Eco,Recycled,Red,Blue,Green,Black,White,Yellow,Pink,Grey,Silver,Gold,Wooden,"
    "Steel,Ceramic,Glass,Cotton,Wool,Bamboo,Kids,Baby,Sport,Travel,Deluxe,Budget,Value",
    ",",
)
SIZES = _split(
    "50g 100g 125g 150g 200g 250g 300g 400g 500g 750g 1kg 2kg 5kg 100ml 200ml 250ml 330ml 500ml "
    "750ml 1L 1.5L 2L 5L 2-pack 4-pack 6-pack 10-pack 12-pack 24-pack S M L XL 10cm 20cm 30cm 1m "
    "2m 5m 10m"
)
WORDS = _split("fresh crisp tasty simple everyday quality value choice best new favourite")
INSERT_SQL = (
    "INSERT INTO products (id, sku, sku_key, barcode, name, description, category_id, "
    "price_minor, cost_minor, tax_rate_bp, tax_included, sold_by_weight, active, created_at, "
    "changed_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, 1, ?, ?, 1)"
)
STAMP = "2026-01-01 09:00:00.000000"


def ean13(first12: str) -> str:
    """Append the EAN-13 check digit."""
    digits = [ord(d) - 48 for d in first12]
    total = sum(digits[0::2]) + 3 * sum(digits[1::2])
    return first12 + str((10 - total % 10) % 10)


def brand_names(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct made-up brand names."""
    seen: set[str] = set()
    while len(seen) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3)))).capitalize()
        if len(word) >= 4:
            seen.add(word)
    return sorted(seen)


def product_rows(
    count: int,
    categories: list[int],
    seed: int,
    start_id: int = 1,
    tag: str = "",
    barcode_prefix: str = "50",
) -> Iterator[tuple[object, ...]]:
    """Rows for INSERT_SQL; ``tag`` and ``barcode_prefix`` keep codes apart between runs."""
    rng = random.Random(seed)
    brands = brand_names(random.Random(7), max(50, count // 300, 3_300))
    seqs = [0] * len(brands)
    texts = [" ".join(rng.choices(WORDS, k=rng.randrange(4, 14))) for _ in range(4_096)]
    draw = rng.random  # random.choice is five times slower; a million rows notice
    prefix = barcode_prefix
    for offset in range(count):
        index = int(draw() * len(brands))
        brand = brands[index]
        seqs[index] += 1
        roll = draw()
        descriptor = DESCRIPTORS[int(draw() * len(DESCRIPTORS))] if roll < 0.8 else ""
        if roll < 0.25:
            descriptor += " " + DESCRIPTORS[int(draw() * len(DESCRIPTORS))]
        kind = TYPES[int(draw() * len(TYPES))]
        size = SIZES[int(draw() * len(SIZES))]
        name = f"{brand} {descriptor} {kind} {size}" if descriptor else f"{brand} {kind} {size}"
        sku = f"{tag}{brand[:3].upper()}{index:04d}-{seqs[index]:05d}"
        barcode = ean13(f"{prefix}{index:05d}{seqs[index]:05d}")
        description = texts[offset % 4_096]
        price = 50 + int(draw() * 199_950)
        yield (
            start_id + offset,
            sku,
            sku.upper(),
            barcode,
            name,
            description,
            categories[int(draw() * len(categories))],
            price,
            price * 6 // 10,
            (0, 550, 1000, 2000)[int(draw() * 4)],
            STAMP,
            STAMP,
        )


def bulk_load(database: Database, count: int, categories: list[int]) -> dict[str, float]:
    """Insert ``count`` products with executemany; rebuild the FTS index once.

    Returns:
        Seconds per phase.
    """
    path = database.url.database or ""
    phases: dict[str, float] = {}
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-400000")
        ddl = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'products' "
            "AND type IN ('trigger', 'index') AND sql IS NOT NULL"
        ).fetchall()
        for kind, name, _ in ddl:
            conn.execute(f"DROP {kind.upper()} {name}")
        conn.execute("BEGIN")
        rows = product_rows(count, categories, seed=11)
        while chunk := [row for _, row in zip(range(50_000), rows, strict=False)]:
            conn.executemany(INSERT_SQL, chunk)
        conn.execute("COMMIT")
        phases["rows generated and inserted"] = time.perf_counter() - started
        started = time.perf_counter()
        for _, _, sql in ddl:
            conn.execute(sql)
        phases["indexes and triggers"] = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute("INSERT INTO products_fts(products_fts) VALUES ('rebuild')")
        phases["FTS rebuild"] = time.perf_counter() - started
    finally:
        conn.close()
    return phases


def sample_products(database: Database, ids: list[int]) -> list[tuple[str, str, str]]:
    """(name, SKU, barcode) of the products ``ids``, in that order."""
    with database.read_sessions() as session:
        rows = session.execute(
            select(Product.id, Product.name, Product.sku, Product.barcode).where(
                Product.id.in_(ids)
            )
        ).all()
    by_id = {row[0]: (row[1], row[2], row[3] or "") for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def typing_queries(rng: random.Random, rows: list[tuple[str, str, str]], names: int) -> list[str]:
    """Every prefix a person types: names word by word, SKUs and barcodes char by char."""
    queries: list[str] = []
    for name, _, _ in rows[:names]:
        typed = ""
        for word in name.split()[:3]:
            queries.extend(typed + word[:k] for k in range(1, len(word) + 1))
            typed += word + " "
    for _, sku, barcode in rows[names:]:
        queries.extend(sku[:k] for k in range(1, len(sku) + 1))
        queries.extend(barcode[:k] for k in range(1, len(barcode) + 1))
    return queries


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall and CPU milliseconds of one operation."""

    wall: float
    cpu: float


def timed(action: Callable[[], object]) -> Timing:
    """Run ``action`` once and time it."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return Timing((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered)) - 1)]


def report(label: str, timings: list[Timing], target_ms: float | None = None) -> None:
    """Print p50/p95/max of wall time, and CPU p50/p95."""
    walls = [t.wall for t in timings]
    cpus = [t.cpu for t in timings]
    p95 = percentile(walls, 0.95)
    verdict = "" if target_ms is None else ("  PASS" if p95 <= target_ms else "  MISS")
    target = "" if target_ms is None else f" (target p95 <= {target_ms:g} ms)"
    print(
        f"{label:<44} n={len(walls):>5}  p50 {statistics.median(walls):7.2f} ms  "
        f"p95 {p95:7.2f} ms  max {max(walls):7.2f} ms  |  CPU p50 {statistics.median(cpus):6.2f} "
        f"p95 {percentile(cpus, 0.95):6.2f} ms{target}{verdict}"
    )


def _search(backend: Backend, admin: UserDTO, query: str) -> None:
    catalog.search_products(backend.read_uow(), admin, query)


def _lookup(backend: Backend, code: str) -> None:
    catalog.lookup_code(backend.read_uow(), code)


def _load_all(model: CatalogTableModel, api: CatalogApi, admin: UserDTO) -> None:
    model.set_result(api.search(admin, ""))


def bench_search(
    backend: Backend, admin: UserDTO, queries: list[str], label: str = "search as you type"
) -> None:
    """Search as you type through the service."""
    for query in queries[:50]:  # warm the caches the way a first minute of use does
        catalog.search_products(backend.read_uow(), admin, query)
    timings = [timed(partial(_search, backend, admin, query)) for query in queries]
    report(f"{label} (all keystrokes)", timings, 20)
    kinds: dict[str, list[Timing]] = {"name": [], "SKU": [], "barcode": []}
    for query, timing in zip(queries, timings, strict=True):
        kind = "barcode" if query.isdigit() else "SKU" if "-" in query[3:9] else "name"
        kinds[kind].append(timing)
    for kind, values in kinds.items():
        if values:
            report(f"  … {kind} keystrokes", values)


def bench_lookup(backend: Backend, database: Database, codes: list[str]) -> None:
    """The scanner path."""
    for code in codes[:20]:
        catalog.lookup_code(backend.read_uow(), code)
    report(
        "scanner lookup_code (barcode → ProductDTO)",
        [timed(partial(_lookup, backend, code)) for code in codes],
        1,
    )
    with database.read_sessions() as session:
        report(
            "  … index read find_by_code (open session)",
            [timed(partial(catalog_search.find_by_code, session, code)) for code in codes],
            1,
        )


def bench_table(backend: Backend, admin: UserDTO) -> None:
    """The Catalog table model's first rows, the full id list, scrolling to the end.

    This is what the Catalog tab does when it opens: a quick read of the first ``FIRST_IDS``
    ids and their first page (what the user sees), then every id in the background (appended
    rows), then pages as the user scrolls.
    """
    from PySide6.QtCore import QModelIndex, Qt
    from PySide6.QtWidgets import QApplication

    from posapp.ui.catalog_model import FIRST_IDS, CatalogTableModel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    api = CatalogApi(backend)
    firsts: list[Timing] = []
    full: list[Timing] = []
    rows = scroll_reads = cached = 0
    for _ in range(5):
        model = CatalogTableModel(api, admin)

        def first_rows(m: CatalogTableModel = model) -> None:
            m.set_result(api.search(admin, "", limit=FIRST_IDS))
            for row in range(30):  # one screenful painted
                m.data(m.index(row, 2), Qt.ItemDataRole.DisplayRole)

        firsts.append(timed(first_rows))
        full.append(timed(partial(_load_all, model, api, admin)))
        rows = model.rowCount(QModelIndex())
        before = model.page_reads
        for row in range(0, rows, max(1, rows // 40)):  # drag the scroll bar to the end
            model.data(model.index(row, 2), Qt.ItemDataRole.DisplayRole)
        model.data(model.index(rows - 1, 2), Qt.ItemDataRole.DisplayRole)
        scroll_reads = model.page_reads - before
        cached = model.cached_rows
    report("catalog table: first rows shown", firsts, 300)
    report("  … every id loaded (background, appended)", full)
    print(
        f"{'  … scrolling to the end':<44} {scroll_reads} page queries, {cached:,} rows cached "
        f"of {rows:,} (never all)"
    )
    del app


def bench_import(backend: Backend, admin: UserDTO, rows: int, categories: list[str]) -> None:
    """Import ``rows`` new products from a CSV file in one transaction."""
    path = Path(tempfile.mkstemp(suffix=".csv")[1])
    try:
        rng = random.Random(5)
        with path.open("w", encoding="utf-8", newline="") as stream:
            stream.write("sku,barcode,name,description,category,price,cost,tax_rate\r\n")
            for row in product_rows(rows, [0], seed=99, start_id=0, tag="IMP", barcode_prefix="40"):
                price = int(str(row[7]))
                stream.write(
                    f'{row[1]},{row[3]},"{row[4]}",{row[5]},{rng.choice(categories)},'
                    f"{price // 100}.{price % 100:02d},{price * 6 // 1000}.00,20\r\n"
                )
        calls: list[int] = []
        started = time.perf_counter()
        cpu = time.process_time()
        result = product_csv.import_file(
            backend.uow(), admin, path, progress=lambda done, total: calls.append(done)
        )
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu
    finally:
        path.unlink(missing_ok=True)
    verdict = "PASS" if result.ok and seconds <= 30 else "MISS"
    print(
        f"{'CSV import, one transaction':<44} {rows:,} rows in {seconds:6.1f} s "
        f"(CPU {cpu_seconds:5.1f} s), {len(calls)} progress updates, {result.summary()} "
        f"(target <= 30 s)  {verdict}"
    )


def main(argv: list[str] | None = None) -> int:
    """Build the dataset, run every measurement, print the figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_catalog")
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--names", type=int, default=150, help="product names typed")
    parser.add_argument("--codes", type=int, default=25, help="SKUs and barcodes typed")
    parser.add_argument("--keep", metavar="DIR", help="build the database in DIR and keep it")
    args = parser.parse_args(argv)
    folder = args.keep or tempfile.mkdtemp(prefix="posapp-bench-")
    path = Path(folder) / "catalog.sqlite3"
    path.unlink(missing_ok=True)
    database = open_database(f"sqlite:///{path}")
    try:
        backend = Backend(database, register="bench")
        admin = users.add_user(backend.uow(), None, "bench", "correct horse battery", "admin")
        tops = [
            catalog_categories.create_category(backend.uow(), admin, f"Aisle {n}") for n in range(8)
        ]
        leaves = [
            catalog_categories.create_category(backend.uow(), admin, f"Shelf {n}", top.id)
            for top in tops
            for n in range(6)
        ]
        print(
            f"posapp catalog benchmark: {args.products:,} products, SQLite {sqlite3.sqlite_version}"
        )
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
        phases = bulk_load(database, args.products, [leaf.id for leaf in leaves])
        detail = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items())
        total = sum(phases.values())
        print(f"{'dataset built (executemany + FTS rebuild)':<44} {total:6.1f} s ({detail})")
        rng = random.Random(3)
        sampled = sample_products(
            database, rng.sample(range(1, args.products + 1), args.names + args.codes)
        )
        queries = typing_queries(rng, sampled, args.names)
        bench_search(backend, admin, queries)
        picks = rng.sample(range(1, args.products + 1), 500)
        codes = [barcode for _, _, barcode in sample_products(database, picks)]
        bench_lookup(backend, database, codes)
        bench_table(backend, admin)
        bench_import(backend, admin, args.import_rows, [leaf.path for leaf in leaves])
        bench_search(backend, admin, queries, "search after the import")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        database.dispose()
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
