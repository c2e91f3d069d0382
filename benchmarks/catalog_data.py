"""A realistic product catalog, bulk-loaded fast, and cached per size between runs.

Products have a brand (~3,300 made-up brands), one or two descriptors, a product type and a
size (``Kelmar Organic Apple Juice 1L``), SKUs like ``KEL0042-00017`` and valid EAN-13
barcodes. Rows go in with ``executemany`` with the product indexes and triggers dropped, then the
indexes and triggers are recreated and the FTS5 index rebuilt once (``'rebuild'``): how a bulk
load is done. Everything measured afterwards uses the application's own schema and code.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from benchmarks.context import Context, cached_file
from posapp.models import Product
from posapp.services.backend import Backend
from posapp.services.catalog import categories as catalog_categories
from posapp.services.platform.db import Database, open_database
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import users

ADMIN = "bench"
PASSWORD = "correct horse battery"


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


def sample_products(database: Database, ids: list[int]) -> list[tuple[int, str, str, str]]:
    """(id, name, SKU, barcode) of the products ``ids``, in that order."""
    with database.read_sessions() as session:
        rows = session.execute(
            select(Product.id, Product.name, Product.sku, Product.barcode).where(
                Product.id.in_(ids)
            )
        ).all()
    by_id = {row[0]: (int(row[0]), row[1], row[2], row[3] or "") for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def typing_queries(
    rows: list[tuple[int, str, str, str]], names: int
) -> list[tuple[str, int | None]]:
    """Every prefix a person types: names word by word, SKUs and barcodes char by char.

    Each query comes with the product id the search must return as its exact match when the
    query is a whole SKU or barcode (None otherwise).
    """
    queries: list[tuple[str, int | None]] = []
    for _, name, _, _ in rows[:names]:
        typed = ""
        for word in name.split()[:3]:
            queries.extend((typed + word[:k], None) for k in range(1, len(word) + 1))
            typed += word + " "
    for product_id, _, sku, barcode in rows[names:]:
        queries.extend(
            (sku[:k], product_id if k == len(sku) else None) for k in range(1, len(sku) + 1)
        )
        queries.extend(
            (barcode[:k], product_id if k == len(barcode) else None)
            for k in range(1, len(barcode) + 1)
        )
    return queries


def _build(path: Path, count: int) -> dict[str, float]:
    database = open_database(f"sqlite:///{path}")
    try:
        backend = Backend(database, register="bench")
        admin = users.add_user(backend.uow(), None, ADMIN, PASSWORD, "admin")
        tops = [
            catalog_categories.create_category(backend.uow(), admin, f"Aisle {n}") for n in range(8)
        ]
        leaves = [
            catalog_categories.create_category(backend.uow(), admin, f"Shelf {n}", top.id)
            for top in tops
            for n in range(6)
        ]
        phases = bulk_load(database, count, [leaf.id for leaf in leaves])
    finally:
        database.dispose()
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return phases


def catalog_dataset(ctx: Context, count: int) -> Path:
    """A migrated SQLite file with ``count`` products, an admin and categories (cached).

    The cache key is the size and a hash of the migrations; a file is only published to the
    cache once complete (built under a temporary name, then renamed).
    """
    target = cached_file(ctx, f"catalog-{count}")
    if target is not None and target.exists():
        ctx.log(f"catalog dataset: {count:,} products from the cache ({target})")
        return target
    path = (target.parent if target else ctx.folder("catalog")) / f"building-{os.getpid()}.sqlite3"
    ctx.log(f"catalog dataset: building {count:,} products…")
    started = time.perf_counter()
    phases = _build(path, count)
    detail = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items())
    ctx.log(f"catalog dataset built in {time.perf_counter() - started:.1f} s ({detail})")
    final = target or path.with_name(f"catalog-{count}.sqlite3")
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.rename(final)
    return final


def admin_of(database: Database) -> UserDTO:
    """Log the dataset's admin in (the services re-read the user on every action)."""
    return Backend(database, register="bench").staff.login(ADMIN, PASSWORD)


def category_paths(database: Database) -> list[str]:
    """Every category path (the CSV import names categories by path)."""
    from posapp.services.catalog.search import category_paths as paths

    with database.read_sessions() as session:
        return sorted(set(paths(session).values()))
