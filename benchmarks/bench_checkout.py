"""Checkout speed: a 5-line cash sale through place_order vs the same writes in raw sqlite3.

Run (no pytest; needs no PostgreSQL)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_checkout.py [--sales 400]

Both sides run on a SQLite file in WAL mode with ``synchronous=FULL`` and foreign keys on (the
pragmas posapp uses), in the same process and the same run, after a warm-up; the medians and
their ratio are printed. Targets: service median ≤ 1.5 ms and ≤ 4× raw.

The second part measures "scan to line painted" on the real register widget (offscreen): from
the scanner's Enter in the barcode field to the repaint of the cart view showing the new line.
Target ≤ 16 ms (one frame at 60 Hz).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from posapp.models import Product, StockLevel, Store
from posapp.services import users
from posapp.services.backend import Backend
from posapp.services.checkout import place_order
from posapp.services.db import open_database
from posapp.services.dto import UserDTO
from posapp.services.orders_desk import OrdersDesk
from posapp.services.orders_dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.tills import open_till
from posapp.ui.bus import EventBus
from posapp.ui.register_view import RegisterView
from posapp.ui.resources import apply_theme

LINES = 5
PRICES = (120, 249, 1299, 89, 850)
TOTAL = sum(PRICES)


def _seed(backend: Backend) -> tuple[UserDTO, list[int]]:
    cashier = users.add_user(backend.uow(), None, "bench", "4321", "cashier")
    with backend.uow() as uow:
        store = Store(code="B", name="Bench store", kind="store")
        uow.session.add(store)
        uow.flush()
        products = [
            Product(
                sku=f"B-{i}",
                sku_key=f"B-{i}",
                barcode=f"20000000000{i}",
                name=f"Bench item {i}",
                price_minor=price,
                tax_rate_bp=2000,
                tax_included=True,
            )
            for i, price in enumerate(PRICES)
        ]
        uow.session.add_all(products)
        uow.flush()
        for product in products:
            uow.session.add(
                StockLevel(store_id=store.id, product_id=product.id, on_hand=10_000_000)
            )
        ids = [p.id for p in products]
        store_id = store.id
        uow.commit()
    open_till(backend.uow(), cashier, store_id, 10_000)
    return cashier, ids


def _draft(product_ids: list[int]) -> SaleDraft:
    return SaleDraft(
        sale_uuid=uuid.uuid4(),
        lines=tuple(DraftLine(n, pid, 1) for n, pid in enumerate(product_ids, start=1)),
        payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, TOTAL, 5000),),
        expected_total_minor=TOTAL,
    )


def bench_service(folder: Path, sales: int, warmup: int) -> list[float]:
    database = open_database(f"sqlite:///{folder / 'service.sqlite3'}")
    backend = Backend(database, register="bench-till")
    cashier, ids = _seed(backend)
    times = []
    for i in range(warmup + sales):
        draft = _draft(ids)
        start = time.perf_counter()
        place_order(backend.uow(), cashier, draft)
        elapsed = time.perf_counter() - start
        if i >= warmup:
            times.append(elapsed)
    database.dispose()
    return times


_RAW_SCHEMA = """
CREATE TABLE counters (store_id INTEGER PRIMARY KEY, last_number INTEGER NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, sale_uuid TEXT NOT NULL UNIQUE,
    number TEXT NOT NULL UNIQUE, store_id INTEGER NOT NULL, cashier_id INTEGER NOT NULL,
    status TEXT NOT NULL, subtotal INTEGER, discount INTEGER, tax INTEGER, total INTEGER,
    paid INTEGER, placed_at TEXT, created_at TEXT);
CREATE TABLE lines (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),
    line_no INTEGER, product_id INTEGER, sku TEXT, name TEXT, quantity INTEGER,
    price INTEGER, tax INTEGER, total INTEGER, UNIQUE (order_id, line_no));
CREATE TABLE levels (store_id INTEGER, product_id INTEGER, on_hand INTEGER NOT NULL
    CHECK (on_hand >= 0), reorder_point INTEGER NOT NULL DEFAULT 0, changed_at TEXT,
    PRIMARY KEY (store_id, product_id));
CREATE TABLE movements (id INTEGER PRIMARY KEY, store_id INTEGER, product_id INTEGER,
    kind TEXT, quantity INTEGER, batch_uuid TEXT, order_id INTEGER REFERENCES orders(id),
    created_at TEXT);
CREATE TABLE history (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders(id),
    from_status TEXT, to_status TEXT, user_id INTEGER, at TEXT);
CREATE TABLE payments (id INTEGER PRIMARY KEY, payment_uuid TEXT NOT NULL UNIQUE,
    order_id INTEGER REFERENCES orders(id), method TEXT, amount INTEGER, tendered INTEGER,
    change INTEGER, created_at TEXT);
CREATE TABLE audit (id INTEGER PRIMARY KEY, action TEXT, object_id INTEGER, after TEXT,
    prev_hash TEXT, hash TEXT, at TEXT);
"""


def bench_raw(folder: Path, sales: int, warmup: int) -> list[float]:
    """The same rows written by hand: the floor a framework is measured against."""
    conn = sqlite3.connect(folder / "raw.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(_RAW_SCHEMA)
    conn.executemany(
        "INSERT INTO levels (store_id, product_id, on_hand) VALUES (1, ?, 10000000)",
        [(i,) for i in range(LINES)],
    )
    times = []
    for i in range(warmup + sales):
        now = datetime.now(UTC).isoformat()
        start = time.perf_counter()
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        number = cur.execute(
            "INSERT INTO counters VALUES (1, 1) ON CONFLICT (store_id) DO UPDATE "
            "SET last_number = last_number + 1 RETURNING last_number"
        ).fetchone()[0]
        order_id = cur.execute(
            "INSERT INTO orders (sale_uuid, number, store_id, cashier_id, status, subtotal, "
            "discount, tax, total, paid, placed_at, created_at) "
            "VALUES (?, ?, 1, 1, 'placed', ?, 0, 0, ?, 0, ?, ?) RETURNING id",
            (uuid.uuid4().hex, f"B-{number:06d}", TOTAL, TOTAL, now, now),
        ).fetchone()[0]
        cur.executemany(
            "INSERT INTO lines (order_id, line_no, product_id, sku, name, quantity, price, tax, "
            "total) VALUES (?, ?, ?, ?, ?, 1, ?, 0, ?)",
            [(order_id, n, n, f"B-{n}", f"Bench item {n}", p, p) for n, p in enumerate(PRICES)],
        )
        batch = uuid.uuid4().hex
        for n in range(LINES):
            cur.execute(
                "INSERT INTO levels (store_id, product_id, on_hand, changed_at) "
                "VALUES (1, ?, 0, ?) ON CONFLICT DO NOTHING",
                (n, now),
            )
            row = cur.execute(
                "UPDATE levels SET on_hand = on_hand - 1, changed_at = ? WHERE store_id = 1 "
                "AND product_id = ? AND on_hand - 1 >= 0 RETURNING on_hand, reorder_point",
                (now, n),
            ).fetchone()
            assert row is not None
            cur.execute(
                "INSERT INTO movements (store_id, product_id, kind, quantity, batch_uuid, "
                "order_id, created_at) VALUES (1, ?, 'sale', -1, ?, ?, ?)",
                (n, batch, order_id, now),
            )
        cur.execute(
            "INSERT INTO payments (payment_uuid, order_id, method, amount, tendered, change, "
            "created_at) VALUES (?, ?, 'cash', ?, 5000, ?, ?)",
            (uuid.uuid4().hex, order_id, TOTAL, 5000 - TOTAL, now),
        )
        cur.execute(
            "UPDATE orders SET status = 'fulfilled', paid = ? WHERE id = ?", (TOTAL, order_id)
        )
        cur.executemany(
            "INSERT INTO history (order_id, from_status, to_status, user_id, at) "
            "VALUES (?, ?, ?, 1, ?)",
            [
                (order_id, "draft", "placed", now),
                (order_id, "placed", "paid", now),
                (order_id, "paid", "fulfilled", now),
            ],
        )
        prev = cur.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        cur.execute(
            "INSERT INTO audit (action, object_id, after, prev_hash, hash, at) "
            "VALUES ('order.placed', ?, '{}', ?, ?, ?)",
            (order_id, prev[0] if prev else "", uuid.uuid4().hex, now),
        )
        cur.execute("COMMIT")
        elapsed = time.perf_counter() - start
        if i >= warmup:
            times.append(elapsed)
    conn.close()
    return times


def measure_scan(samples: int) -> list[float]:
    """Seconds from the scanner's Enter to the cart view painted with the new line.

    A real :class:`posapp.ui.register_view.RegisterView` on the offscreen platform, over a
    seeded SQLite file; every scan is a different product, so each one adds a line.
    """
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app)
    with tempfile.TemporaryDirectory() as tmp:
        database = open_database(f"sqlite:///{tmp}/scan.sqlite3")
        bus = EventBus()
        backend = Backend(database, bus, register="bench-till")
        cashier, _ids = _seed(backend)
        codes = []
        with backend.uow() as uow:
            store_id = uow.session.scalar(select(Store.id))
            for n in range(samples + 5):
                code = f"3{n:011d}"
                product = Product(
                    sku=f"S-{n}",
                    sku_key=f"S-{n}",
                    barcode=code,
                    name=f"Scanned item {n}",
                    price_minor=100 + n,
                    tax_rate_bp=2000,
                )
                uow.session.add(product)
                uow.flush()
                uow.session.add(StockLevel(store_id=store_id, product_id=product.id, on_hand=1000))
                codes.append(code)
            uow.commit()
        view = RegisterView(OrdersDesk(backend), bus, cashier)
        view.resize(1240, 720)
        view.show()
        for _ in range(5):
            app.processEvents()

        class PaintSpy(QObject):
            painted = False

            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint:
                    self.painted = True
                return False

        spy = PaintSpy()
        view.table.viewport().installEventFilter(spy)
        times = []
        for index, code in enumerate(codes):
            view.scan_edit.setText(code)
            app.processEvents()
            spy.painted = False
            start = time.perf_counter()
            QTest.keyClick(view.scan_edit, Qt.Key.Key_Return)
            while not spy.painted:
                app.processEvents()
            elapsed = time.perf_counter() - start
            if index >= 5:  # warm-up: first queries, first paint of each column
                times.append(elapsed)
        assert view.model.rowCount() == len(codes)
        view.close()
        database.dispose()
    return times


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=400, help="measured sales per side")
    parser.add_argument("--warmup", type=int, default=50, help="sales before measuring")
    parser.add_argument("--scans", type=int, default=60, help="measured scans on the register")
    parser.add_argument("--no-ui", action="store_true", help="skip the register measurement")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        service = bench_service(folder, args.sales, args.warmup)
        raw = bench_raw(folder, args.sales, args.warmup)
    service_median = statistics.median(service)
    raw_median = statistics.median(raw)
    ratio = service_median / raw_median
    print(f"5-line cash sale, SQLite WAL synchronous=FULL, {args.sales} sales after {args.warmup}")
    print(f"  place_order median   {_ms(service_median)}   (p90 {_ms(_p90(service))})")
    print(f"  raw sqlite3 median   {_ms(raw_median)}   (p90 {_ms(_p90(raw))})")
    print(f"  ratio                {ratio:.2f}x")
    ok = service_median <= 0.0015 and ratio <= 4.0
    print(f"  targets (<= 1.5 ms, <= 4x raw): {'met' if ok else 'NOT met'}")
    if not args.no_ui:
        scans = measure_scan(args.scans)
        scan_median = statistics.median(scans)
        print(f"Scan to line painted on the register ({args.scans} scans, offscreen)")
        print(f"  median {_ms(scan_median)}   p90 {_ms(_p90(scans))}   max {_ms(max(scans))}")
        print(f"  target (<= 16 ms): {'met' if scan_median <= 0.016 else 'NOT met'}")
    return 0


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(len(ordered) * 0.9)]


if __name__ == "__main__":
    raise SystemExit(main())
