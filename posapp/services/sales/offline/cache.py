"""What a register needs to sell without its server, kept in a SQLite file of its own.

The cache holds the products (code, barcode, name, price, tax, whether still sold), the active
staff with their credential hashes (a cashier logs in and a manager approves against them), the
shop's settings, the register's open till session, and the shared-code coupon campaigns
(:mod:`~posapp.services.sales.offline.coupons`; never a single-use code). It is filled by
:func:`snapshot` (read from the server in one read transaction) and
:meth:`OfflineCache.apply`: the first call copies everything, later ones only the products
changed since the last (``products.changed_at``, with a margin for clocks and transactions still
open at the last read), so the periodic catch-up and the relay's "catalog changed" events cost
little on a large catalog.

The file is private (0600 in the 0700 data folder): it holds password hashes, like the database.
Reads never touch the server: the register asks the cache only once the server is gone.

The file carries its layout's version (:data:`CACHE_VERSION`, SQLite's ``user_version``): a file
of another version is emptied and laid out anew when opened, and the next catch-up copies
everything again (it is a copy of the server, never the only place of anything).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

from sqlalchemy import select

from posapp.i18n import _
from posapp.models import Category, Product, Setting, Store, TillSession, User
from posapp.services.catalog import sku_key
from posapp.services.platform.like import LIKE_ESCAPE, contains
from posapp.services.platform.private import create_private_file, make_private_folder, shown
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.offline.coupons import CachedCoupon, read_coupons
from posapp.services.sales.offline.sale import JournalError
from posapp.services.staff import username_key

__all__ = [
    "CACHE_VERSION",
    "CATCH_UP_MARGIN",
    "CachedCategory",
    "CachedProduct",
    "CachedStaff",
    "CachedTill",
    "OfflineCache",
    "Snapshot",
    "snapshot",
]

CATCH_UP_MARGIN = timedelta(minutes=5)
"""How far before the last read a catch-up looks again: a product changed in a transaction that
was still open at the last read carries a ``changed_at`` from before it, and clocks drift."""

CACHE_VERSION = 2
"""The cache file's layout: 1 the first; 2 adds the product grid's categories (a product's
``category_id``, the ``categories`` table) and what an offline sign-in needs of a staff user
(display name, home store, locale, a lock-out the server had set)."""

_TABLES = ("products", "staff", "settings", "till", "coupons", "categories", "meta")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    id           INTEGER PRIMARY KEY,
    sku_key      TEXT NOT NULL,
    barcode      TEXT,
    name         TEXT NOT NULL,
    price_minor  INTEGER NOT NULL,
    tax_rate_bp  INTEGER NOT NULL,
    tax_included INTEGER NOT NULL,
    active       INTEGER NOT NULL,
    unit         TEXT NOT NULL DEFAULT 'pc',
    category_id  INTEGER
);
CREATE INDEX IF NOT EXISTS ix_cache_category ON products (category_id, name);
CREATE TABLE IF NOT EXISTS categories (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    parent_id     INTEGER
);
CREATE INDEX IF NOT EXISTS ix_cache_sku ON products (sku_key);
CREATE INDEX IF NOT EXISTS ix_cache_barcode ON products (barcode);
CREATE TABLE IF NOT EXISTS staff (
    id            INTEGER PRIMARY KEY,
    username_key  TEXT NOT NULL UNIQUE,
    full_name     TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT,
    pin_hash      TEXT,
    username      TEXT NOT NULL DEFAULT '',
    store_id      INTEGER,
    locale        TEXT NOT NULL DEFAULT '',
    locked_until  TEXT
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS till (
    one           INTEGER PRIMARY KEY CHECK (one = 1),
    session_id    INTEGER NOT NULL,
    store_id      INTEGER NOT NULL,
    store_code    TEXT NOT NULL,
    cashier_id    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS coupons (
    code_key            TEXT PRIMARY KEY,
    code                TEXT NOT NULL,
    code_id             INTEGER NOT NULL,
    campaign_id         INTEGER NOT NULL,
    name                TEXT NOT NULL,
    kind                TEXT NOT NULL,
    value               INTEGER NOT NULL,
    min_spend_minor     INTEGER NOT NULL,
    max_discount_minor  INTEGER,
    starts_at           TEXT NOT NULL,
    ends_at             TEXT,
    product_ids         TEXT,
    refusal             TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS signins (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL,
    signed_in_at  TEXT NOT NULL
);
"""
# ``signins`` is not a copy of the server: the sign-ins made offline, kept (across layouts too,
# it is not in _TABLES) until the server's audit log has them.


@dataclass(frozen=True, slots=True)
class CachedProduct:
    """A product as the register sells it offline."""

    id: int
    sku_key: str
    barcode: str | None
    name: str
    price_minor: int
    tax_rate_bp: int
    tax_included: bool
    active: bool
    unit: str = "pc"
    """What a quantity counts (:mod:`posapp.units`): thousandths of a kilo, metre or litre."""
    category_id: int | None = None
    """The product grid's category (None: in none)."""


@dataclass(frozen=True, slots=True)
class CachedCategory:
    """An active category, for the register's product grid offline."""

    id: int
    name: str
    parent_id: int | None


@dataclass(frozen=True, slots=True)
class CachedStaff:
    """An active staff user with the hashes to check a log-in or an approval offline."""

    id: int
    username_key: str
    full_name: str
    role: str
    password_hash: str | None
    pin_hash: str | None
    username: str = ""
    """The name as the user writes it (``username_key`` is it folded)."""
    store_id: int | None = None
    locale: str = ""
    locked_until: datetime | None = None
    """A lock-out the server had set when the cache was filled (an offline sign-in honours it)."""


@dataclass(frozen=True, slots=True)
class CachedTill:
    """The register's open till session (offline sales join it when they are replayed)."""

    session_id: int
    store_id: int
    store_code: str
    cashier_id: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one read of the server gave: a full copy, or the products changed since ``since``."""

    read_at: datetime
    since: datetime | None
    products: tuple[CachedProduct, ...]
    staff: tuple[CachedStaff, ...]
    settings: tuple[tuple[str, str], ...]
    till: CachedTill | None
    coupons: tuple[CachedCoupon, ...] = ()
    """The shared-code campaigns' codes (:mod:`~posapp.services.sales.offline.coupons`)."""
    categories: tuple[CachedCategory, ...] = ()
    """The active categories (small: always read whole)."""


def snapshot(uow: UnitOfWork, since: datetime | None) -> Snapshot:
    """Read what the register's cache needs, in one read transaction on the server.

    ``since`` None reads every product; otherwise the products changed after it (minus
    :data:`CATCH_UP_MARGIN`). Staff, settings and the till are small and always read whole.
    """
    with uow:
        session = uow.session
        read_at = uow.now()
        products = select(
            Product.id,
            Product.sku_key,
            Product.barcode,
            Product.name,
            Product.price_minor,
            Product.tax_rate_bp,
            Product.tax_included,
            Product.active,
            Product.unit,
            Product.category_id,
        )
        if since is not None:
            products = products.where(Product.changed_at >= since - CATCH_UP_MARGIN)
        product_rows = tuple(_product(tuple(row)) for row in session.execute(products))
        staff_rows = tuple(
            _staff(tuple(row), stored=False)
            for row in session.execute(
                select(
                    User.id,
                    User.username_key,
                    User.full_name,
                    User.role,
                    User.password_hash,
                    User.pin_hash,
                    User.username,
                    User.store_id,
                    User.locale,
                    User.locked_until,
                ).where(User.active.is_(True))
            )
        )
        settings = tuple(
            (key, value) for key, value in session.execute(select(Setting.key, Setting.value))
        )
        till_row = session.execute(
            select(TillSession.id, TillSession.store_id, Store.code, TillSession.cashier_id)
            .join(Store, Store.id == TillSession.store_id)
            .where(TillSession.register == uow.register, TillSession.closed_at.is_(None))
            .order_by(TillSession.id.desc())
            .limit(1)
        ).first()
        coupons = read_coupons(session, read_at)
        categories = tuple(
            CachedCategory(*row)
            for row in session.execute(
                select(Category.id, Category.name, Category.parent_id).where(
                    Category.active.is_(True)
                )
            )
        )
    till = CachedTill(*till_row) if till_row is not None else None
    return Snapshot(read_at, since, product_rows, staff_rows, settings, till, coupons, categories)


class OfflineCache:
    """The cache file; thread-safe (the background refreshes it, the register reads it)."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> Self:
        """Open (or create, 0600) the cache at ``path``."""
        make_private_folder(path.parent)
        create_private_file(path)
        try:
            connection = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=30
            )
            connection.execute("PRAGMA journal_mode=WAL")
            _lay_out(connection)
        except sqlite3.DatabaseError as exc:
            raise JournalError(
                _("The offline cache {path} cannot be opened: {exc}.").format(
                    path=shown(path), exc=exc
                )
            ) from None
        return cls(connection, path)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    # --- filling ----------------------------------------------------------------------------

    def apply(self, snap: Snapshot) -> None:
        """Take in a snapshot, in one transaction: readers see the old cache or the new one."""
        product_rows = [
            (
                p.id,
                p.sku_key,
                p.barcode,
                p.name,
                p.price_minor,
                p.tax_rate_bp,
                p.tax_included,
                p.active,
                p.unit,
                p.category_id,
            )
            for p in snap.products
        ]
        with self._transaction() as db:
            if snap.since is None:
                db.execute("DELETE FROM products")
            db.executemany(
                "INSERT OR REPLACE INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                product_rows,
            )
            db.execute("DELETE FROM staff")
            db.executemany(
                "INSERT INTO staff VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        s.id,
                        s.username_key,
                        s.full_name,
                        s.role,
                        s.password_hash,
                        s.pin_hash,
                        s.username,
                        s.store_id,
                        s.locale,
                        None if s.locked_until is None else _stamp(s.locked_until),
                    )
                    for s in snap.staff
                ],
            )
            db.execute("DELETE FROM categories")
            db.executemany(
                "INSERT INTO categories VALUES (?, ?, ?)",
                [(c.id, c.name, c.parent_id) for c in snap.categories],
            )
            db.execute("DELETE FROM settings")
            db.executemany("INSERT INTO settings VALUES (?, ?)", snap.settings)
            db.execute("DELETE FROM coupons")
            db.executemany(
                "INSERT INTO coupons VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [coupon.to_row() for coupon in snap.coupons],
            )
            db.execute("DELETE FROM till")
            if snap.till is not None:
                till = snap.till
                db.execute(
                    "INSERT INTO till VALUES (1, ?, ?, ?, ?)",
                    (till.session_id, till.store_id, till.store_code, till.cashier_id),
                )
            db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('read_at', ?)",
                (_stamp(snap.read_at),),
            )

    # --- reading ----------------------------------------------------------------------------

    def read_at(self) -> datetime | None:
        """When the server was last read into the cache (None: never, nothing to sell from)."""
        row = self._one("SELECT value FROM meta WHERE name = 'read_at'", ())
        return None if row is None else datetime.fromisoformat(row[0])

    def product(self, product_id: int) -> CachedProduct | None:
        """A product by id."""
        row = self._one("SELECT * FROM products WHERE id = ?", (product_id,))
        return None if row is None else _product(row)

    def by_code(self, code: str) -> CachedProduct | None:
        """The product with this barcode, or else this SKU (compared as the catalog does)."""
        text = code.strip()
        row = self._one("SELECT * FROM products WHERE barcode = ?", (text,))
        if row is None:
            row = self._one("SELECT * FROM products WHERE sku_key = ?", (sku_key(text),))
        return None if row is None else _product(row)

    def search(self, text: str, limit: int = 20) -> list[CachedProduct]:
        """Products still sold whose name or SKU contains ``text``, by name."""
        wanted = text.strip()
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM products WHERE active AND (name LIKE ?1 ESCAPE ?3 "
                "OR sku_key LIKE ?2 ESCAPE ?3) ORDER BY name, id LIMIT ?4",
                (contains(wanted), contains(sku_key(wanted)), LIKE_ESCAPE, limit),
            ).fetchall()
        return [_product(row) for row in rows]

    def staff(self, username: str) -> CachedStaff | None:
        """An active staff user by user name (as typed: names are stored folded)."""
        row = self._one("SELECT * FROM staff WHERE username_key = ?", (username_key(username),))
        return None if row is None else _staff(row)

    def staff_by_id(self, user_id: int) -> CachedStaff | None:
        """An active staff user by id."""
        row = self._one("SELECT * FROM staff WHERE id = ?", (user_id,))
        return None if row is None else _staff(row)

    def categories(self) -> list[tuple[CachedCategory, int]]:
        """Categories with products still sold, each with how many, by name (as the server's)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT c.id, c.name, c.parent_id, COUNT(p.id) FROM categories c "
                "JOIN products p ON p.category_id = c.id WHERE p.active "
                "GROUP BY c.id, c.name, c.parent_id ORDER BY c.name, c.id"
            ).fetchall()
        return [(CachedCategory(i, name, parent), int(n)) for i, name, parent, n in rows]

    def category_products(self, category_id: int, limit: int = 60) -> list[CachedProduct]:
        """A category's products still sold, by name (at most ``limit``, as the server's)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM products WHERE category_id = ? AND active ORDER BY name, id LIMIT ?",
                (category_id, max(1, min(limit, 200))),
            ).fetchall()
        return [_product(row) for row in rows]

    def setting(self, key: str) -> str | None:
        """A setting's stored (JSON) text, or None where the shop left the default."""
        row = self._one("SELECT value FROM settings WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    def coupon(self, key: str) -> CachedCoupon | None:
        """The shared code with this key (:func:`~posapp.services.coupons.code_key`), if kept."""
        row = self._one("SELECT * FROM coupons WHERE code_key = ?", (key,))
        return None if row is None else CachedCoupon.of_row(row)

    def till(self) -> CachedTill | None:
        """The register's till session when the cache was last filled."""
        row = self._one("SELECT session_id, store_id, store_code, cashier_id FROM till", ())
        return None if row is None else CachedTill(*row)

    # --- offline sign-ins, for the server's audit log ------------------------------------------

    def record_signin(self, user_id: int, at: datetime) -> None:
        """Keep a sign-in made offline until :meth:`forget_signins` (durable at once)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO signins (user_id, signed_in_at) VALUES (?, ?)", (user_id, _stamp(at))
            )

    def signins(self, limit: int = 100) -> list[tuple[int, int, datetime]]:
        """The oldest sign-ins made offline not yet audited: (id, user id, when)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, user_id, signed_in_at FROM signins ORDER BY id LIMIT ?", (limit,)
            ).fetchall()
        return [(int(i), int(user), datetime.fromisoformat(at)) for i, user, at in rows]

    def forget_signins(self, last_id: int) -> None:
        """Drop the sign-ins up to ``last_id`` (the server's audit log has them now)."""
        with self._transaction() as db:
            db.execute("DELETE FROM signins WHERE id <= ?", (last_id,))

    def counts(self) -> tuple[int, int]:
        """(products, staff) in the cache."""
        with self._lock:
            products = self._db.execute("SELECT COUNT(*) FROM products").fetchone()[0]
            staff = self._db.execute("SELECT COUNT(*) FROM staff").fetchone()[0]
        return int(products), int(staff)

    # --- inside -----------------------------------------------------------------------------

    def _one(self, sql: str, params: Sequence[object]) -> tuple[Any, ...] | None:
        with self._lock:
            row = self._db.execute(sql, params).fetchone()
        return None if row is None else tuple(row)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")


def _lay_out(db: sqlite3.Connection) -> None:
    """Create the tables; a file of another :data:`CACHE_VERSION` is emptied first."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version != CACHE_VERSION:
        for table in _TABLES:  # a copy of the server: the next catch-up fills it again
            db.execute(f"DROP TABLE IF EXISTS {table}")
    db.executescript(_SCHEMA)
    db.execute(f"PRAGMA user_version = {CACHE_VERSION}")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _product(row: Sequence[Any]) -> CachedProduct:
    product_id, key, barcode, name, price, rate, included, active, unit, category = row
    return CachedProduct(
        product_id, key, barcode, name, price, rate, bool(included), bool(active), unit, category
    )


def _staff(row: Sequence[Any], *, stored: bool = True) -> CachedStaff:
    """A staff row: from the cache file (``stored``: the lock as text) or from the server."""
    user_id, key, full_name, role, password_hash, pin_hash, name, store, locale, until = row
    if stored and until is not None:
        until = datetime.fromisoformat(until)
    return CachedStaff(
        user_id, key, full_name, role, password_hash, pin_hash, name, store, locale, until
    )
