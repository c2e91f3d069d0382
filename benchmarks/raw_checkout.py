"""The checkout's physical floor: the same sale written by hand with the sqlite3 module.

The same migrated posapp schema (tables, indexes, CHECKs, foreign keys and audit triggers), the
same pragmas as posapp's connections (WAL, ``synchronous=FULL``, foreign keys, busy timeout),
``BEGIN IMMEDIATE``, and the rows the service writes for the standard sale:

* reads: the cashier, the sale's UUID (idempotency), the open till, the five products, the coupon;
* the order number counter, the order, five lines (one executemany);
* per product: the conditional stock decrement (``RETURNING``) and its movement row;
* the coupon: the guarded use counts of the code and of the campaign, the redemption row;
* two payments (card, cash), three status-history rows, one hash-chained audit row; COMMIT.

For the plain sale (``Shop.full`` false) the coupon's read and writes are left out and one cash
payment is written.

The **minimal** floor (``minimal=True``, issue #23) writes only what a sale must: the order
number counter, the order, its lines, the stock decrements and movements, the coupon uses (full
sale) and the payments, then COMMIT; no reads (the ids are looked up once before the loop), no
status history, no audit row. The richer floor above is what a careful hand-written checkout
does; the minimal one is the least any durable sale can cost on this disk.

Prices come from the first (service-placed) sale of the same shop: a hand-written checkout would
compute them with a few integer operations, which is noise next to the writes.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import Samples, check
from benchmarks.shop import CARD_PART, COUPON, Shop, register_name

_FMT = "%Y-%m-%d %H:%M:%S.%f"  # how posapp's UTC column type stores a datetime on SQLite
_INSERT_ORDER = (
    "INSERT INTO orders (sale_uuid, number, store_id, register, cashier_id, "
    "customer_account_id, till_session_id, status, pickup, subtotal_minor, "
    "discount_minor, coupon_minor, tax_minor, total_minor, paid_minor, refunded_minor, "
    "note, placed_at, paid_at, closed_at, created_at) VALUES "
    "(?, ?, ?, ?, ?, NULL, ?, 'fulfilled', 0, ?, ?, ?, ?, ?, ?, 0, '', ?, ?, ?, ?) "
    "RETURNING id"
)
_INSERT_LINES = (
    "INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, "
    "returned_qty, list_price_minor, unit_price_minor, discount_minor, "
    "order_discount_minor, coupon_discount_minor, tax_rate_bp, tax_included, tax_minor, "
    "total_minor) VALUES (?, ?, ?, ?, ?, 1, 0, ?, ?, 0, 0, ?, ?, ?, ?, ?)"
)
_INSERT_MOVEMENT = (
    "INSERT INTO stock_movements (store_id, product_id, kind, quantity, batch_uuid, "
    "reason, reference, order_id, user_id, created_at) "
    "VALUES (?, ?, 'sale', -1, ?, '', ?, ?, ?, ?)"
)
_INSERT_CASH = (
    "INSERT INTO payments (payment_uuid, order_id, method, amount_minor, "
    "tendered_minor, change_minor, card_reference, card_last4, till_session_id, "
    "user_id, created_at) VALUES (?, ?, 'cash', ?, ?, 500, NULL, NULL, ?, ?, ?)"
)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class RawRegister:
    """A hand-written register on its own copy of the file: :meth:`sale` places one sale.

    ``minimal``: the minimal floor (see the module docstring) instead of the richer one. The
    benchmark calls it in turn with the service's sales, so all three see the same disk.
    """

    def __init__(self, path: Path, shop: Shop, *, minimal: bool = False) -> None:
        self._conn = _connect(path)
        self._shop = shop
        self._template = _template(self._conn)
        self._ids = _fixed_ids(self._conn, shop) if minimal else None

    def sale(self) -> float:
        """Place one standard sale; return how long it took (ms)."""
        start = time.perf_counter()
        if self._ids is None:
            _sale(self._conn, self._shop, self._template)
        else:
            _minimal_sale(self._conn, self._shop, self._template, self._ids)
        return (time.perf_counter() - start) * 1000

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def run_raw(path: Path, shop: Shop, *, sales: int, warmup: int, minimal: bool = False) -> Samples:
    """Place ``warmup + sales`` standard sales by hand; time the last ``sales`` (ms)."""
    register = RawRegister(path, shop, minimal=minimal)
    try:
        samples = Samples()
        for index in range(warmup + sales):
            elapsed = register.sale()
            if index >= warmup:
                samples.values.append(elapsed)
        return samples
    finally:
        register.close()


@dataclass(frozen=True, slots=True)
class _Template:
    """The first sale's figures: order totals and, per line, what the service priced."""

    subtotal: int
    discount: int
    coupon: int
    tax: int
    total: int
    lines: list[tuple[int, int, str, str, int, int, int, int, int, int]]


def _template(conn: sqlite3.Connection) -> _Template:
    order = conn.execute(
        "SELECT id, subtotal_minor, discount_minor, coupon_minor, tax_minor, total_minor "
        "FROM orders ORDER BY id LIMIT 1"
    ).fetchone()
    check(order is not None, "the shop has no first sale to take prices from")
    lines = conn.execute(
        "SELECT line_no, product_id, sku, name, list_price_minor, coupon_discount_minor, "
        "tax_rate_bp, tax_included, tax_minor, total_minor FROM order_lines WHERE order_id = ? "
        "ORDER BY line_no",
        (order[0],),
    ).fetchall()
    subtotal, discount, coupon, tax, total = (int(v) for v in order[1:])
    return _Template(subtotal, discount, coupon, tax, total, lines)


@dataclass(frozen=True, slots=True)
class _Ids:
    """What the minimal floor looks up once instead of in every sale."""

    till_id: int
    store_id: int
    store_code: str
    code_id: int
    campaign_id: int


def _fixed_ids(conn: sqlite3.Connection, shop: Shop) -> _Ids:
    till_id, store_id, store_code = conn.execute(
        "SELECT t.id, t.store_id, s.code FROM till_sessions AS t JOIN stores AS s "
        "ON s.id = t.store_id WHERE t.open_register = ?",
        (register_name(0),),
    ).fetchone()
    code_id = campaign_id = 0
    if shop.full:
        code_id, campaign_id = conn.execute(
            "SELECT id, campaign_id FROM coupon_codes WHERE code_key = ?",
            (COUPON.replace("-", ""),),
        ).fetchone()
    return _Ids(till_id, store_id, store_code, code_id, campaign_id)


def _minimal_sale(conn: sqlite3.Connection, shop: Shop, template: _Template, ids: _Ids) -> None:
    """The least a durable sale writes: counter, order, lines, stock, coupon, payments; COMMIT."""
    total, lines, cashier = template.total, template.lines, shop.cashiers[0].id
    now = datetime.now(UTC).strftime(_FMT)
    sale_uuid = uuid.uuid4().hex
    cur = conn.cursor()
    cur.execute("BEGIN IMMEDIATE")
    try:
        number = cur.execute(
            "UPDATE order_counters SET last_number = last_number + 1 WHERE store_id = ? "
            "RETURNING last_number",
            (ids.store_id,),
        ).fetchone()[0]
        order_number = f"{ids.store_code}-{number:06d}"
        order_id = cur.execute(
            _INSERT_ORDER,
            (sale_uuid, order_number, ids.store_id, register_name(0), cashier, ids.till_id,
             template.subtotal, template.discount, template.coupon, template.tax, total, total,
             now, now, now, now),
        ).fetchone()[0]  # fmt: skip
        _insert_lines(cur, order_id, lines)
        for product_id in sorted(line[1] for line in lines):
            cur.execute(
                "UPDATE stock_levels SET on_hand = on_hand - 1, changed_at = ? "
                "WHERE store_id = ? AND product_id = ? AND on_hand - 1 >= 0",
                (now, ids.store_id, product_id),
            )
            cur.execute(
                _INSERT_MOVEMENT,
                (ids.store_id, product_id, sale_uuid, order_number, order_id, cashier, now),
            )
        if shop.full:
            _redeem_and_split(
                cur, ids.code_id, ids.campaign_id, order_id, cashier, template.coupon, now,
                total, ids.till_id,
            )  # fmt: skip
        else:
            cur.execute(
                _INSERT_CASH,
                (uuid.uuid4().hex, order_id, total, total + 500, ids.till_id, cashier, now),
            )
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def _sale(conn: sqlite3.Connection, shop: Shop, template: _Template) -> None:
    subtotal, discount, coupon = template.subtotal, template.discount, template.coupon
    tax, total, lines = template.tax, template.total, template.lines
    cashier = shop.cashiers[0].id
    now = datetime.now(UTC).strftime(_FMT)
    sale_uuid = uuid.uuid4().hex
    cur = conn.cursor()
    cur.execute("BEGIN IMMEDIATE")
    try:
        user = cur.execute("SELECT role, active FROM users WHERE id = ?", (cashier,)).fetchone()
        check(user is not None and user[1], "the cashier is gone")
        check(
            cur.execute("SELECT id FROM orders WHERE sale_uuid = ?", (sale_uuid,)).fetchone()
            is None,
            "sale UUID reused",
        )
        till_id, store_id, store_code = cur.execute(
            "SELECT t.id, t.store_id, s.code FROM till_sessions AS t JOIN stores AS s "
            "ON s.id = t.store_id WHERE t.open_register = ?",
            (register_name(0),),
        ).fetchone()
        ids = [line[1] for line in lines]
        products = cur.execute(
            f"SELECT id, sku, name, price_minor, tax_rate_bp, tax_included, active FROM products "
            f"WHERE id IN ({', '.join('?' * len(ids))})",
            ids,
        ).fetchall()
        check(len(products) == len(ids), "a product is missing")
        if shop.full:
            code_id, campaign_id = cur.execute(
                "SELECT c.id, k.id FROM coupon_codes AS c JOIN coupon_campaigns AS k "
                "ON k.id = c.campaign_id WHERE c.code_key = ? AND c.active AND k.active",
                (COUPON.replace("-", ""),),
            ).fetchone()
        number = cur.execute(
            "INSERT INTO order_counters (store_id, last_number) VALUES (?, 1) "
            "ON CONFLICT (store_id) DO UPDATE SET last_number = last_number + 1 "
            "RETURNING last_number",
            (store_id,),
        ).fetchone()[0]
        order_number = f"{store_code}-{number:06d}"
        order_id = cur.execute(
            _INSERT_ORDER,
            (sale_uuid, order_number, store_id, register_name(0), cashier, till_id, subtotal,
             discount, coupon, tax, total, total, now, now, now, now),
        ).fetchone()[0]  # fmt: skip
        _insert_lines(cur, order_id, lines)
        for product_id in sorted(ids):
            left = cur.execute(
                "UPDATE stock_levels SET on_hand = on_hand - 1, changed_at = ? "
                "WHERE store_id = ? AND product_id = ? AND on_hand - 1 >= 0 "
                "RETURNING on_hand, reorder_point",
                (now, store_id, product_id),
            ).fetchone()
            check(left is not None, "out of stock")
            cur.execute(
                _INSERT_MOVEMENT,
                (store_id, product_id, sale_uuid, order_number, order_id, cashier, now),
            )
        if shop.full:
            _redeem_and_split(
                cur, code_id, campaign_id, order_id, cashier, coupon, now, total, till_id
            )
        else:
            cur.execute(
                _INSERT_CASH,
                (uuid.uuid4().hex, order_id, total, total + 500, till_id, cashier, now),
            )
        cur.executemany(
            "INSERT INTO order_status_history (order_id, from_status, to_status, user_id, at, "
            "note) VALUES (?, ?, ?, ?, ?, '')",
            [
                (order_id, "draft", "placed", cashier, now),
                (order_id, "placed", "paid", cashier, now),
                (order_id, "paid", "fulfilled", cashier, now),
            ],
        )
        prev = cur.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        paid = (
            [["card", CARD_PART], ["cash", total - CARD_PART]] if shop.full else [["cash", total]]
        )
        after = json.dumps(
            {"number": order_number, "status": "fulfilled", "total_minor": total, "lines": 5,
             "payments": paid, "change_minor": 500, "coupon_minor": coupon},
            sort_keys=True,
        )  # fmt: skip
        prev_hash = prev[0] if prev else ""
        payload = json.dumps(
            [prev_hash, now, cashier, None, register_name(0), "order.placed", "order", order_id,
             None, after, ""],
            separators=(",", ":"),
        )  # fmt: skip
        cur.execute(
            "INSERT INTO audit_log (at, user_id, register, action, object_kind, object_id, "
            "after, reason, prev_hash, hash) VALUES (?, ?, ?, 'order.placed', 'order', ?, ?, '', "
            "?, ?)",
            (now, cashier, register_name(0), order_id, after, prev_hash,
             hashlib.sha256(payload.encode()).hexdigest()),
        )  # fmt: skip
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def _insert_lines(
    cur: sqlite3.Cursor,
    order_id: int,
    lines: list[tuple[int, int, str, str, int, int, int, int, int, int]],
) -> None:
    cur.executemany(
        _INSERT_LINES,
        [(order_id, n, pid, sku, name, price, price, cpn, rate, inc, ltax, ltotal)
         for n, pid, sku, name, price, cpn, rate, inc, ltax, ltotal in lines],
    )  # fmt: skip


def _redeem_and_split(
    cur: sqlite3.Cursor,
    code_id: int,
    campaign_id: int,
    order_id: int,
    cashier: int,
    coupon: int,
    now: str,
    total: int,
    till_id: int,
) -> None:
    """The full sale's coupon use (code, campaign, redemption row) and card + cash payments."""
    cur.execute(
        "UPDATE coupon_codes SET used_count = used_count + 1 WHERE id = ? "
        "AND (max_uses IS NULL OR used_count < max_uses)",
        (code_id,),
    )
    cur.execute(
        "UPDATE coupon_campaigns SET used_count = used_count + 1 WHERE id = ? "
        "AND (usage_limit IS NULL OR used_count < usage_limit) RETURNING used_count",
        (campaign_id,),
    ).fetchone()
    cur.execute(
        "INSERT INTO coupon_redemptions (code_id, campaign_id, order_id, cashier_id, "
        "discount_minor, redeemed_at) VALUES (?, ?, ?, ?, ?, ?)",
        (code_id, campaign_id, order_id, cashier, coupon, now),
    )
    cash = total - CARD_PART
    cur.executemany(
        "INSERT INTO payments (payment_uuid, order_id, method, amount_minor, tendered_minor, "
        "change_minor, card_reference, card_last4, till_session_id, user_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (uuid.uuid4().hex, order_id, "card", CARD_PART, 0, 0, "AUTH-000123", "4242",
             till_id, cashier, now),
            (uuid.uuid4().hex, order_id, "cash", cash, cash + 500, 500, None, None, till_id,
             cashier, now),
        ],
    )  # fmt: skip
