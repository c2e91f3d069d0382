"""Catalog reads for big tables and the scanner: ordered ids, pages of rows, exact code lookup.

These functions take a running session (the caller's unit of work) and authorise nothing; the
services in :mod:`posapp.services.catalog.products` wrap them. Other systems may reuse them inside
their own transactions (the register's scanner path, the Stores tab's product search).

What a search text matches (the same on SQLite and PostgreSQL):
    * Exact: a product whose barcode (UPC-A and its EAN-13 form alike) or SKU (ignoring case and
      surrounding spaces) equals the whole text. Listed first.
    * One word: SKUs starting with it (any case) and, when it is all digits, barcodes starting
      with it. A number is taken for a code, so it is not looked for in names.
    * Words: the name (or a variant's search keys: its template's name and its attribute
      values, with and without punctuation) contains every word, case-insensitively, in any
      order. Words of three or more characters go through the trigram index (SQLite FTS5
      ``products_fts``, its name and search_keys columns; PostgreSQL ``pg_trgm``); shorter words
      are checked on the rows the index found.
      When every word is shorter than three characters the name must start with the text
      instead (a trigram index cannot answer one or two letters anywhere in a million names
      quickly).
    * Archived products only when asked for.
    At most ``SEARCH_LIMIT`` ids are returned (``truncated`` says when more matched): search
    as you type wants the first screenful fast, and a longer word narrows it.

Order: the exact match, then by name (case-insensitively), then id. The browse list (no text)
is ordered by the database (``ORDER BY name, id`` from an index: case-sensitive on SQLite,
the collation's order on PostgreSQL) and is complete: every id, no limit.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from itertools import product as cartesian
from typing import Any, Final

from sqlalchemy import Result, TextClause, bindparam, func, select, text
from sqlalchemy.orm import Session

from posapp.models import Category, Product, ProductImage
from posapp.services.catalog.dto import (
    CategoryDTO,
    ProductDTO,
    ProductImageDTO,
    ProductRow,
    SearchResult,
)
from posapp.services.catalog.rules import (
    BARCODE_MAX,
    NAME_MAX,
    PATH_SEPARATOR,
    SKU_MAX,
    barcode_variants,
    scan_code,
    sku_key,
)
from posapp.services.platform.like import after_prefix, contains, starts_with

__all__ = [
    "BROWSE_FIRST",
    "QUERY_MAX",
    "SEARCH_LIMIT",
    "browse_ids",
    "browse_page",
    "category_paths",
    "category_tree",
    "find_by_code",
    "normalize_query",
    "product_dto",
    "product_rows",
    "search_ids",
]

SEARCH_LIMIT: Final = 200
QUERY_MAX: Final = 100
"""Longest search text taken; longer input is cut."""
BROWSE_FIRST: Final = 200
"""How many ids the first, quick browse read returns (the first screens)."""
_TRIGRAM: Final = 3

_Hit = tuple[int, str]
"""A matching product: (id, name)."""


def _hits(result: Result[Any]) -> list[_Hit]:
    # One fetchall: iterating a Result fetches row by row (a third of a search's time).
    rows: Sequence[Sequence[Any]] = result.all()
    return [(int(row[0]), str(row[1])) for row in rows]


def normalize_query(text_: str) -> str:
    """NFKC, control characters dropped, whitespace collapsed to single spaces, cut to 100."""
    value = unicodedata.normalize("NFKC", text_)
    value = "".join(" " if unicodedata.category(ch) in {"Cc", "Zl", "Zp"} else ch for ch in value)
    return " ".join(value.split())[:QUERY_MAX].strip()


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


# --- exact lookup (the scanner path) ---------------------------------------------------------


@functools.cache
def _find_statement(variants: int) -> TextClause:
    codes = ", ".join(f":b{i}" for i in range(variants))
    return text(
        f"SELECT id, active, 0 AS rank FROM products WHERE barcode IN ({codes}) "
        "UNION ALL SELECT id, active, 1 AS rank FROM products WHERE sku_key = :key "
        "ORDER BY rank"
    )


def find_by_code(session: Session, code: str, *, include_archived: bool = False) -> int | None:
    """The id of the product whose barcode or SKU is exactly ``code``, or None.

    One statement, two unique-index reads (at most three rows back); a barcode match wins over
    a SKU match; a UPC-A code finds its EAN-13 form and back. Archived products are filtered
    here rather than in SQL, where a condition on ``active`` could tempt the planner away from
    the unique indexes.
    """
    value = scan_code(code)
    if not value:
        return None
    variants = barcode_variants(value)
    params: dict[str, object] = {"key": sku_key(value)}
    params.update({f"b{i}": variant for i, variant in enumerate(variants)})
    rows = session.connection().execute(_find_statement(len(variants)), params)
    for product_id, active, _ in rows:
        if include_archived or active:
            return int(product_id)
    return None


# --- ordered ids -----------------------------------------------------------------------------


def browse_ids(
    session: Session, *, include_archived: bool = False, limit: int | None = None
) -> list[int]:
    """Every product id (or the first ``limit``) by name then id, read from an index only.

    A million ids come back in well under a second: the statement is plain SQL run on the
    driver, and only the integers are kept.
    """
    where = "" if include_archived else "WHERE active = %(yes)s "
    if _is_sqlite(session):
        where = where.replace("%(yes)s", "1")
    sql = f"SELECT id FROM products {where}ORDER BY name, id"
    params: dict[str, object] = {"yes": True}
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    # The driver's own cursor, on the session's connection and transaction: SQLAlchemy's result
    # rows would triple the time for a million ids.
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql, params if "%(yes)s" in sql else ())
        return [product_id for (product_id,) in cursor.fetchall()]
    finally:
        cursor.close()


def browse_page(
    session: Session,
    *,
    after: int | None,
    limit: int,
    category_ids: Sequence[int] | None = None,
) -> list[int] | None:
    """The next ``limit`` active ids in the browse order (name, id) after product ``after``.

    A keyset read from the (active, name, id) index: a page costs the same on page 1 as on page
    10,000. ``after`` may have been archived since (its name still places it); ``category_ids``
    keeps those categories' products only. None when ``after`` names no product.
    """
    params: dict[str, object] = {"n": int(limit)}
    where = ["p.active = :yes"]
    params["yes"] = True
    if after is not None:
        row = session.execute(
            text("SELECT name FROM products WHERE id = :id"), {"id": after}
        ).first()
        if row is None:
            return None
        where.append("(p.name > :name OR (p.name = :name AND p.id > :id))")
        params.update({"name": row[0], "id": after})
    if category_ids is not None:
        if not category_ids:
            return []
        where.append("p.category_id IN :categories")
        params["categories"] = list(category_ids)
    statement = text(
        f"SELECT p.id FROM products AS p WHERE {' AND '.join(where)} ORDER BY p.name, p.id LIMIT :n"
    )
    if category_ids is not None:
        statement = statement.bindparams(bindparam("categories", expanding=True))
    return [int(product_id) for (product_id,) in session.execute(statement, params)]


def search_ids(
    session: Session, text_: str, *, include_archived: bool = False, limit: int = SEARCH_LIMIT
) -> SearchResult:
    """Search as you type: see the module docstring for what matches and in which order."""
    query = normalize_query(text_)
    if not query:
        ids = browse_ids(session, include_archived=include_archived)
        return SearchResult(tuple(ids))
    exact = find_by_code(session, query, include_archived=include_archived)
    words = query.split(" ")
    found: dict[int, str] = {}
    overflow = False
    sources: list[list[_Hit]] = []
    if len(words) == 1:
        sources.append(_sku_prefix(session, query, include_archived, limit + 1))
        if query.isdigit():
            sources.append(_barcode_prefix(session, query, include_archived, limit + 1))
    if not (len(words) == 1 and query.isdigit()):
        long_words = [word for word in words if len(word) >= _TRIGRAM]
        if long_words:
            short = [word for word in words if len(word) < _TRIGRAM]
            sources.append(_name_words(session, long_words, short, include_archived, limit + 1))
        else:
            sources.append(_name_prefix(session, query, include_archived, limit + 1))
    for batch in sources:
        overflow = overflow or len(batch) > limit
        found.update(batch)
    ordered = sorted(found.items(), key=lambda item: (item[1].casefold(), item[0]))
    ids = [product_id for product_id, _ in ordered if product_id != exact]
    if exact is not None:
        ids.insert(0, exact)
    truncated = overflow or len(ids) > limit
    return SearchResult(tuple(ids[:limit]), truncated=truncated, exact_id=exact)


def _active_clause(include_archived: bool, *, sqlite_plain: bool = False) -> str:
    if include_archived:
        return ""
    # The unary + keeps SQLite from picking the (active, name) index for these range reads.
    return " AND +p.active = 1" if sqlite_plain else " AND p.active = true"


def _next_string(value: str) -> str:
    """The smallest string above every string that starts with ``value`` (binary order).

    When there is none (``value`` is U+10FFFF alone, or several of them), a string above every
    string a product's name, SKU or barcode can hold: U+10FFFF repeated past the longest of them.
    """
    return after_prefix(value) or chr(0x10FFFF) * (max(NAME_MAX, SKU_MAX, BARCODE_MAX) + 1)


def _sku_prefix(session: Session, query: str, include_archived: bool, limit: int) -> list[_Hit]:
    key = sku_key(query)
    if _is_sqlite(session):
        sql = (
            "SELECT p.id, p.name FROM products AS p WHERE p.sku_key >= :lo AND p.sku_key < :hi"
            f"{_active_clause(include_archived, sqlite_plain=True)} ORDER BY p.sku_key LIMIT :n"
        )
        return _hits(session.execute(text(sql), {"lo": key, "hi": _next_string(key), "n": limit}))
    sql = (
        "SELECT p.id, p.name FROM products AS p WHERE p.sku_key LIKE :pattern"
        f"{_active_clause(include_archived)} ORDER BY p.sku_key LIMIT :n"
    )
    return _hits(session.execute(text(sql), {"pattern": starts_with(key), "n": limit}))


def _barcode_prefix(session: Session, query: str, include_archived: bool, limit: int) -> list[_Hit]:
    if _is_sqlite(session):
        sql = (
            "SELECT p.id, p.name FROM products AS p WHERE p.barcode >= :lo AND p.barcode < :hi"
            f"{_active_clause(include_archived, sqlite_plain=True)} ORDER BY p.barcode LIMIT :n"
        )
        return _hits(
            session.execute(text(sql), {"lo": query, "hi": _next_string(query), "n": limit})
        )
    sql = (
        "SELECT p.id, p.name FROM products AS p WHERE p.barcode LIKE :pattern"
        f"{_active_clause(include_archived)} ORDER BY p.barcode LIMIT :n"
    )
    return _hits(session.execute(text(sql), {"pattern": query + "%", "n": limit}))


def _name_words(
    session: Session,
    words: Sequence[str],
    short: Sequence[str],
    include_archived: bool,
    limit: int,
) -> list[_Hit]:
    params: dict[str, object] = {"n": limit}
    if _is_sqlite(session):
        # The index holds SKUs too (migration 0012): a name search reads the name column and a
        # variant's search keys (its template's name and its values, migration 0022).
        params["match"] = " AND ".join(
            '{name search_keys} : "' + word.replace('"', '""') + '"' for word in words
        )
        filters = "".join(
            f" AND (p.name LIKE :s{i} ESCAPE '\\' OR p.search_keys LIKE :s{i} ESCAPE '\\')"
            for i in range(len(short))
        )
        params.update({f"s{i}": contains(word) for i, word in enumerate(short)})
        sql = (
            "SELECT p.id, p.name FROM products_fts CROSS JOIN products AS p "
            "ON p.id = products_fts.rowid WHERE products_fts MATCH :match"
            f"{_active_clause(include_archived, sqlite_plain=True)}{filters} LIMIT :n"
        )
        return _hits(session.execute(text(sql), params))
    every = [*words, *short]
    filters = " AND ".join(
        f"(p.name ILIKE :w{i} OR p.search_keys ILIKE :w{i})" for i in range(len(every))
    )
    params.update({f"w{i}": contains(word) for i, word in enumerate(every)})
    sql = (
        f"SELECT p.id, p.name FROM products AS p WHERE {filters}"
        f"{_active_clause(include_archived)} ORDER BY p.id LIMIT :n"
    )
    return _hits(session.execute(text(sql), params))


def _case_variants(prefix: str) -> list[str]:
    """Every upper/lower-case spelling of ``prefix`` (at most two letters: four spellings)."""
    options = [sorted({ch, ch.upper(), ch.lower()}) for ch in prefix]
    return ["".join(chars) for chars in cartesian(*options)]


def _name_prefix(session: Session, query: str, include_archived: bool, limit: int) -> list[_Hit]:
    pattern = starts_with(query)
    if not _is_sqlite(session):
        sql = (
            "SELECT p.id, p.name FROM products AS p WHERE p.name ILIKE :pattern"
            f"{_active_clause(include_archived)} ORDER BY p.name, p.id LIMIT :n"
        )
        return _hits(session.execute(text(sql), {"pattern": pattern, "n": limit}))
    # SQLite's name index is case-sensitive: read one index range per spelling of the first
    # two characters, and let LIKE (case-insensitive for ASCII) check the rest.
    # Active products are read from the (active, name, id) index alone: no table lookups.
    active = "" if include_archived else "p.active = 1 AND "
    ranged = text(
        f"SELECT p.id, p.name FROM products AS p WHERE {active}p.name >= :lo AND p.name < :hi "
        "AND p.name LIKE :pattern ESCAPE '\\' ORDER BY p.name LIMIT :n"
    )
    rows: list[_Hit] = []
    for variant in _case_variants(query[:2]):
        if len(rows) > limit:
            break
        params = {"lo": variant, "hi": _next_string(variant), "pattern": pattern, "n": limit}
        rows.extend(_hits(session.execute(ranged, params)))
    return rows


# --- one product, read at Core speed (the scanner path) --------------------------------------


# Built once: constructing a statement costs more than running it on these index reads.
_PRODUCT_BY_ID = select(
    Product.id,
    Product.sku,
    Product.barcode,
    Product.name,
    Product.description,
    Product.category_id,
    Product.price_minor,
    Product.cost_minor,
    Product.tax_rate_bp,
    Product.tax_included,
    Product.active,
    Product.version,
    Product.created_at,
    Product.changed_at,
    Product.unit,
    Product.tax_rate_id,
).where(Product.id == bindparam("product_id"))
_IMAGES_OF_PRODUCT = (
    select(
        ProductImage.id,
        ProductImage.storage_name,
        ProductImage.content_type,
        ProductImage.width,
        ProductImage.height,
        ProductImage.byte_size,
        ProductImage.position,
        ProductImage.thumbnail,
    )
    .where(ProductImage.product_id == bindparam("product_id"))
    .order_by(ProductImage.position, ProductImage.id)
)


_CATEGORY_PATH = text(
    "WITH RECURSIVE up(id, name, parent_id, depth) AS ("
    " SELECT id, name, parent_id, 0 FROM categories WHERE id = :category_id"
    " UNION ALL SELECT c.id, c.name, c.parent_id, up.depth + 1 FROM categories AS c"
    " JOIN up ON c.id = up.parent_id WHERE up.depth < 32)"
    " SELECT name FROM up ORDER BY depth DESC"
)


def _category_path(session: Session, category_id: int | None) -> str:
    """The path of one category, in one recursive read (depth capped against a cycle)."""
    if category_id is None:
        return ""
    names = session.connection().execute(_CATEGORY_PATH, {"category_id": category_id})
    return PATH_SEPARATOR.join(str(name) for (name,) in names)


def product_dto(session: Session, product_id: int) -> ProductDTO | None:
    """One product with its images' thumbnails, in a few small Core reads (no ORM objects)."""
    connection = session.connection()
    row = connection.execute(_PRODUCT_BY_ID, {"product_id": product_id}).first()
    if row is None:
        return None
    images = connection.execute(_IMAGES_OF_PRODUCT, {"product_id": product_id}).all()
    return ProductDTO(
        id=int(row[0]),
        sku=row[1],
        barcode=row[2],
        name=row[3],
        description=row[4],
        category_id=row[5],
        category_path=_category_path(session, row[5]),
        price_minor=int(row[6]),
        cost_minor=int(row[7]),
        tax_rate_bp=int(row[8]),
        tax_included=bool(row[9]),
        active=bool(row[10]),
        version=int(row[11]),
        created_at=row[12],
        changed_at=row[13],
        unit=str(row[14]),
        tax_rate_id=row[15],
        images=tuple(
            ProductImageDTO(
                id=int(image[0]),
                storage_name=image[1],
                content_type=image[2],
                width=int(image[3]),
                height=int(image[4]),
                byte_size=int(image[5]),
                position=int(image[6]),
                thumbnail=bytes(image[7]),
            )
            for image in images
        ),
    )


# --- rows ------------------------------------------------------------------------------------


def category_tree(session: Session) -> list[CategoryDTO]:
    """Every category with its path, depth-first by name (parents before their children)."""
    rows = session.execute(
        select(Category.id, Category.name, Category.parent_id, Category.active)
    ).all()
    children: dict[int | None, list[tuple[int, str, bool]]] = {}
    known = {int(row[0]) for row in rows}
    for category_id, name, parent_id, active in rows:
        parent = parent_id if parent_id in known else None
        children.setdefault(parent, []).append((int(category_id), str(name), bool(active)))
    result: list[CategoryDTO] = []
    seen: set[int] = set()

    def visit(parent_id: int | None, path: str, depth: int) -> None:
        for category_id, name, active in sorted(
            children.get(parent_id, []), key=lambda c: (c[1].casefold(), c[0])
        ):
            if category_id in seen:  # a cycle written behind the app's back
                continue
            seen.add(category_id)
            full = f"{path}{PATH_SEPARATOR}{name}" if path else name
            result.append(CategoryDTO(category_id, name, parent_id, full, depth + 1, active))
            visit(category_id, full, depth + 1)

    visit(None, "", -1)
    return result


def category_paths(session: Session) -> dict[int, str]:
    """Category id → full path (``Food > Fruit``)."""
    return {category.id: category.path for category in category_tree(session)}


def product_rows(
    session: Session, ids: Sequence[int], *, thumbnails: bool = True
) -> list[ProductRow]:
    """The table rows of ``ids``, in the same order (ids that do not exist are skipped)."""
    if not ids:
        return []
    first_image = (
        select(ProductImage.thumbnail)
        .where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position, ProductImage.id)
        .limit(1)
        .scalar_subquery()
    )
    image_count = (
        select(func.count(ProductImage.id))
        .where(ProductImage.product_id == Product.id)
        .scalar_subquery()
    )
    columns = [
        Product.id,
        Product.sku,
        Product.barcode,
        Product.name,
        Product.category_id,
        Product.price_minor,
        Product.cost_minor,
        Product.tax_rate_bp,
        Product.tax_included,
        Product.active,
        image_count,
    ]
    if thumbnails:
        columns.append(first_image)
    rows = session.execute(select(*columns).where(Product.id.in_(list(ids)))).all()
    paths = category_paths(session) if any(row[4] is not None for row in rows) else {}
    by_id: dict[int, ProductRow] = {}
    for row in rows:
        category_id = row[4]
        by_id[int(row[0])] = ProductRow(
            id=int(row[0]),
            sku=row[1],
            barcode=row[2],
            name=row[3],
            category_path="" if category_id is None else paths.get(category_id, ""),
            price_minor=int(row[5]),
            cost_minor=int(row[6]),
            tax_rate_bp=int(row[7]),
            tax_included=bool(row[8]),
            active=bool(row[9]),
            image_count=int(row[10] or 0),
            thumbnail=row[11] if thumbnails else None,
        )
    return [by_id[product_id] for product_id in ids if product_id in by_id]
