"""Scan to line painted: the real register widget, offscreen, driven with QTest (no pytest-qt).

A :class:`posapp.ui.register.view.RegisterView` over a seeded SQLite file with this register's
till open. Each sample types a different product's barcode into the scan field, then times from
the scanner's Enter (``QTest.keyClick``) until the cart view has painted with the new line: the
product lookup through the service, the cart, the totals and the repaint. Target: p95 ≤ 16 ms
(one frame at 60 Hz; issue #5 set it on the median, issue #17 on the p95, on a busy machine).
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from benchmarks.common import Figure, Samples, check, figure_from, with_profile
from benchmarks.context import Context
from benchmarks.qt import PaintSpy, qt_app, spin_until
from benchmarks.shop import register_name, seed_shop
from posapp.models import Product, StockLevel
from posapp.services.backend import Backend
from posapp.ui.kit.bus import EventBus
from posapp.ui.register.view import RegisterView

TARGET_MS = 16.0
WARMUP = 5
PROFILE_SCANS = 20


def scan_figure(ctx: Context) -> Figure:
    """Time the scans; check every scan became a line with the right product."""
    app = qt_app()
    count = ctx.sizes.scans + WARMUP
    extra = PROFILE_SCANS if ctx.profile else 0
    ctx.log(f"scan to line painted: {ctx.sizes.scans} scans after {WARMUP}")
    database = ctx.sqlite("register")
    try:
        shop = seed_shop(database)
        codes = _add_scan_products(Backend(database), shop.store_id, count + extra)
        bus = EventBus()
        backend = Backend(database, bus, register=register_name(0))
        view = RegisterView(backend.sales, bus, shop.cashiers[0])
        view.resize(1240, 720)
        view.show()
        spin_until(app, view.isVisible)
        for _ in range(5):
            app.processEvents()
        check(view.till is not None, "the register sees no open till")
        expected = [0]
        spy = PaintSpy(lambda: view.model.rowCount() == expected[0])
        view.table.viewport().installEventFilter(spy)
        samples = Samples()
        pending = iter(enumerate(codes))

        def scan_next() -> float:
            index, (code, name) = next(pending)
            view.scan_edit.setText(code)
            app.processEvents()
            expected[0] = index + 1
            spy.painted = False
            start = time.perf_counter()
            QTest.keyClick(view.scan_edit, Qt.Key.Key_Return)
            spin_until(app, lambda: spy.painted, timeout_s=30)
            elapsed = (time.perf_counter() - start) * 1000
            check(view.cart.lines[-1].product.name == name, f"scan {code} added the wrong line")
            return elapsed

        for index in range(count):
            elapsed = scan_next()
            if index >= WARMUP:
                samples.values.append(elapsed)
        check(len(view.cart.lines) == count, f"{len(view.cart.lines)} lines after {count} scans")
        fig = figure_from(
            samples,
            "scan to line painted on the register (offscreen)",
            stat="p95",
            target=TARGET_MS,
            checked=f"{count} scans → {count} lines, each the scanned product, painted",
        )
        what = f"{PROFILE_SCANS} more scans (lines {count + 1}–{count + PROFILE_SCANS})"
        fig = with_profile(fig, scan_next, enabled=ctx.profile, runs=PROFILE_SCANS, what=what)
        view.close()
        view.deleteLater()
        app.processEvents()
    finally:
        database.dispose()
    return fig


def _add_scan_products(backend: Backend, store_id: int, count: int) -> list[tuple[str, str]]:
    """``count`` products in stock with distinct barcodes; returns (barcode, name) pairs."""
    rows = []
    with backend.uow() as uow:
        for n in range(count):
            code = f"3{n:011d}"
            product = Product(
                sku=f"S-{n}",
                sku_key=f"S-{n}",
                barcode=code,
                name=f"Scanned item {n}",
                price_minor=100 + n,
                tax_rate_bp=2000,
                tax_included=True,
            )
            uow.session.add(product)
            uow.flush()
            uow.session.add(StockLevel(store_id=store_id, product_id=product.id, on_hand=1000))
            rows.append((code, product.name))
        uow.commit()
    return rows
