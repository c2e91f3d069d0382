"""The catalog's physical floor: the same index reads as the service, straight on sqlite3.

:func:`raw_search` runs the statements :mod:`posapp.services.catalog.search` runs on SQLite for a
search text (exact code, SKU/barcode prefix ranges, the FTS5 trigram ``MATCH`` or the name
prefix ranges) and sorts the same way, without SQLAlchemy, a unit of work or authorisation.
:func:`raw_lookup` is the scanner path: the two unique-index reads and the product's row.
"""

from __future__ import annotations

import sqlite3
from itertools import product as cartesian
from pathlib import Path

LIMIT = 200


def connect(path: Path) -> sqlite3.Connection:
    """A connection with posapp's pragmas."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def _next(value: str) -> str:
    return value[:-1] + chr(ord(value[-1]) + 1)


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def raw_search(conn: sqlite3.Connection, text: str) -> list[int]:
    """Ordered ids for ``text`` (exact match first), at most ``LIMIT``."""
    query = " ".join(text.split())[:100]
    key = query.upper()
    exact_row = conn.execute(
        "SELECT id FROM products WHERE barcode = ? AND active = 1 UNION ALL "
        "SELECT id FROM products WHERE sku_key = ? AND active = 1",
        (query, key),
    ).fetchone()
    exact = None if exact_row is None else exact_row[0]
    words = query.split(" ")
    found: dict[int, str] = {}
    n = LIMIT + 1
    if len(words) == 1:
        found.update(
            conn.execute(
                "SELECT id, name FROM products WHERE sku_key >= ? AND sku_key < ? "
                "AND +active = 1 ORDER BY sku_key LIMIT ?",
                (key, _next(key), n),
            )
        )
        if query.isdigit():
            found.update(
                conn.execute(
                    "SELECT id, name FROM products WHERE barcode >= ? AND barcode < ? "
                    "AND +active = 1 ORDER BY barcode LIMIT ?",
                    (query, _next(query), n),
                )
            )
    if not (len(words) == 1 and query.isdigit()):
        long_words = [w for w in words if len(w) >= 3]
        if long_words:
            match = " AND ".join('name : "' + w.replace('"', '""') + '"' for w in long_words)
            short = [f"%{_like(w)}%" for w in words if len(w) < 3]
            filters = "".join(" AND p.name LIKE ? ESCAPE '\\'" for _ in short)
            found.update(
                conn.execute(
                    "SELECT p.id, p.name FROM products_fts CROSS JOIN products AS p "
                    "ON p.id = products_fts.rowid WHERE products_fts MATCH ? AND +p.active = 1"
                    f"{filters} LIMIT ?",
                    (match, *short, n),
                )
            )
        else:
            pattern = _like(query) + "%"
            for chars in cartesian(*(sorted({c, c.upper(), c.lower()}) for c in query[:2])):
                variant = "".join(chars)
                found.update(
                    conn.execute(
                        "SELECT id, name FROM products WHERE active = 1 AND name >= ? "
                        "AND name < ? AND name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?",
                        (variant, _next(variant), pattern, n),
                    )
                )
    ordered = sorted(found.items(), key=lambda item: (item[1].casefold(), item[0]))
    ids = [product_id for product_id, _ in ordered if product_id != exact]
    if exact is not None:
        ids.insert(0, exact)
    return ids[:LIMIT]


def raw_lookup(conn: sqlite3.Connection, code: str) -> tuple[object, ...] | None:
    """The active product whose barcode or SKU is ``code``: its row, or None."""
    row = conn.execute(
        "SELECT id, active, 0 AS rank FROM products WHERE barcode = ? UNION ALL "
        "SELECT id, active, 1 AS rank FROM products WHERE sku_key = ? ORDER BY rank",
        (code, code.upper()),
    ).fetchone()
    if row is None or not row[1]:
        return None
    found: tuple[object, ...] | None = conn.execute(
        "SELECT id, sku, barcode, name, description, category_id, price_minor, cost_minor, "
        "tax_rate_bp, tax_included, active, version, created_at, changed_at FROM products "
        "WHERE id = ?",
        (row[0],),
    ).fetchone()
    return found
