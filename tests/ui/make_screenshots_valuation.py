"""Render the inventory valuation and the sales report's margin page into docs/screenshots/ (#20).

A shop receives its stock at two costs, sells (with a discount and a coupon), takes a return,
then both reports are drawn and their pages rendered with ``pdftoppm``. Run by hand::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_valuation
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import io
import subprocess
import tempfile
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtWidgets import QApplication

from posapp.reports.inventory import inventory_pdf
from posapp.reports.sales_report import sales_report_pdf
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.order_dto import ReturnLineRequest, ReturnRequest
from posapp.services.sales.pricing import Discount
from posapp.services.stock import StockLine
from posapp.ui.kit.bus import EventBus
from tests.checkout_seed import ITEMS, add_coupon, open_shop_till, seed_shop
from tests.ui.make_screenshots_orders import OUT, main


def render_page(pdf: bytes, page: int, name: str, resolution: int = 60) -> Path:
    """Render one page (1-based) of ``pdf`` to docs/screenshots/``name``."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(pdf)
        pages = ["-f", str(page), "-l", str(page)]
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(resolution), *pages, str(source), f"{tmp}/out"],
            check=True,
        )
        target = OUT / name
        target.write_bytes(next(Path(tmp).glob("out*.png")).read_bytes())
    return target


def _shoot(_app: QApplication, database: Database) -> None:
    backend = Backend(database, EventBus(), register="till-1")
    shop = seed_shop(backend, items=tuple(replace(item, stock=0) for item in ITEMS))
    open_shop_till(backend, shop, 15_000)
    add_coupon(backend, "SPRING-10", percent_bp=1000)
    p = shop.products
    costs = {"apple": 55, "banana": 120, "coffee": 640, "water": 38, "mug": 410, "candle": 700}
    for delivery, bump in (("INV-2041", 0), ("INV-2077", 7)):
        stock = [StockLine(p[k], 24, cost + bump) for k, cost in costs.items()]
        stock += [StockLine(p["bag"], 200, 4), StockLine(p["cake"], 12, 160 + bump)]
        backend.stock.receive_stock(shop.manager, shop.store_id, stock, reference=delivery)
    sales = (
        ((("coffee", 2, 500), ("mug", 1, 0), ("bag", 1, 0)), ("SPRING-10",)),
        ((("apple", 6, 0), ("banana", 2, 0), ("water", 4, 0)), ()),
        ((("candle", 2, 0), ("cake", 3, 0)), ("SPRING-10",)),
        ((("coffee", 1, 0), ("water", 2, 0), ("cake", 1, 1000)), ()),
    )
    orders = []
    for picks, coupons in sales:
        lines = tuple(
            DraftLine(n, p[key], qty, discount=Discount.percent(off) if off else None)
            for n, (key, qty, off) in enumerate(picks, start=1)
        )
        placed = backend.sales.place_order(
            shop.cashier, SaleDraft(uuid.uuid4(), lines, coupon_codes=coupons)
        )
        cash = PaymentDraft(uuid.uuid4(), PaymentKind.CASH, placed.total_minor, placed.total_minor)
        backend.sales.pay_order(shop.cashier, placed.order_id, (cash,))
        orders.append(placed.order_id)
    detail = backend.sales.order_detail(shop.manager, orders[0])
    backend.sales.return_items(
        shop.cashier,
        ReturnRequest(uuid.uuid4(), orders[0], (ReturnLineRequest(detail.lines[1].id, 1),)),
    )
    zone = backend.sales.shop_zone()
    valuation = backend.stock.inventory_valuation(shop.manager, "MAIN")
    print(render_page(inventory_pdf(valuation, zone=zone), 1, "inventory_report.png"))
    today = detail.created_at.astimezone(zone).date()
    report = backend.sales.sales_summary(shop.manager, today - timedelta(days=6), today)
    pdf = sales_report_pdf(report, zone=zone)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    first = next(i for i, text in enumerate(pages, start=1) if "Margin by day" in text)
    print(render_page(pdf, first, "sales_report_margin.png"))


if __name__ == "__main__":
    raise SystemExit(main(_shoot))
