"""The HTTP API's figures (issue #22): catalog search p95 and web checkout median, over HTTP.

Each runs against the real server (``posapp.api.create_app`` on uvicorn, in a thread, on a
loopback port, the limits opened wide) with a real client (httpx, one kept-alive connection),
on SQLite and on PostgreSQL. Beside each, its **floor** is the same use case called in-process
through the facade (``backend.catalog.public_products`` + ``backend.stock.public_availability``;
``backend.sales.place_web_order``), timed in turn with the HTTP calls (A B, B A…), so the ratio
is what HTTP, JSON and validation add. The issue names no target: the figures are information.

Data: a storefront with ``--api-products`` products made through the catalog's use cases (so the
search index is the application's own on both databases), named from a few brands and words; the
search types those names prefix by prefix. The checkout is the standard 5-line web order, paid at
pickup. Checks: every search of a whole name finds that product; every order is placed with the
basket's total, and the stock went down by one per order and line.
"""

from __future__ import annotations

import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

import httpx
import uvicorn
from sqlalchemy import func, select

from benchmarks.common import Figure, Samples, check, figure_from, skipped_figure
from benchmarks.context import Context
from benchmarks.shop import STOCK, Shop, seed_shop
from posapp.api import ApiConfig, create_app
from posapp.api.limits import Rate
from posapp.models import StockLevel, WebOrder
from posapp.services.backend import Backend
from posapp.services.catalog import ProductDraft, create_product
from posapp.services.platform.db import Database
from posapp.services.sales import WebLine, WebOrderDraft

OPEN = Rate(burst=10**9, per_second=10.0**9)
BRANDS = ("Kelmar", "Rosvin", "Talpo", "Norsil", "Quabel", "Zendor", "Felgar", "Humcor")
WORDS = ("Organic", "Apple", "Juice", "Coffee", "Beans", "Green", "Tea", "Oat", "Milk", "Honey")
SIZES = ("250g", "500g", "1L", "2L", "6 pack")


@contextmanager
def serving(backend: Backend) -> Iterator[str]:
    """The API over ``backend`` on 127.0.0.1 until the block ends; yields its base URL."""
    app = create_app(backend, ApiConfig(address_rate=OPEN, token_rate=OPEN))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", server_header=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        check(thread.is_alive() and time.monotonic() < deadline, "the API server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()


def _names(count: int) -> list[str]:
    rng = random.Random(22)
    return [
        f"{rng.choice(BRANDS)} {rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(SIZES)} {n:05d}"
        for n in range(count)
    ]


def _queries(names: list[str], typed: int) -> list[tuple[str, str | None]]:
    """Prefixes of ``typed`` names word by word; the whole name must find its product."""
    queries: list[tuple[str, str | None]] = []
    for name in names[:typed]:
        words = name.split()
        for end in range(1, len(words) + 1):
            text = " ".join(words[:end])
            queries += [(text[:-1], None), (text, name if end == len(words) else None)]
    return [(q, n) for q, n in queries if q.strip()]


def _timed(action: Callable[[], object], samples: Samples) -> None:
    started = time.perf_counter()
    action()
    samples.values.append((time.perf_counter() - started) * 1000)


def _alternate(
    first: Callable[[], object], second: Callable[[], object], runs: int
) -> tuple[Samples, Samples]:
    """Time ``first`` and ``second`` in turn (A B, B A…), ``runs`` each, in ms."""
    a, b = Samples(), Samples()
    for n in range(runs):
        pair = ((first, a), (second, b))
        for action, samples in pair if n % 2 == 0 else pair[::-1]:
            _timed(action, samples)
    return a, b


def _search_http(http: httpx.Client, store: int, query: str, name: str | None) -> None:
    answer = http.get("/api/v1/catalog/products", params={"q": query, "store": store})
    check(answer.status_code == 200, f"search {query!r} answered {answer.status_code}")
    if name is not None:
        found = [item["name"] for item in answer.json()["items"]]
        check(name in found, f"{query!r} did not find its product")


def _search_service(backend: Backend, store: int, query: str, name: str | None) -> None:
    page = backend.catalog.public_products(query, category_id=None, after=None, limit=20)
    backend.stock.public_availability([p.id for p in page.items], store)
    if name is not None:
        found = [product.name for product in page.items]
        check(name in found, f"{query!r} did not find its product in-process")


def _order(shop: Shop) -> WebOrderDraft:
    return WebOrderDraft(
        uuid.uuid4(),
        shop.store_id,
        tuple(WebLine(pid, 1) for pid in shop.product_ids),
        customer_name="Bench Customer",
        email="bench@example.com",
    )


def _order_http(http: httpx.Client, shop: Shop, total: list[int]) -> None:
    body = {
        "store_id": shop.store_id,
        "lines": [{"product_id": pid, "quantity": 1} for pid in shop.product_ids],
        "customer": {"name": "Bench Customer", "email": "bench@example.com"},
    }
    answer = http.post("/api/v1/orders", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    check(answer.status_code == 201, f"the web order answered {answer.status_code}: {answer.text}")
    total.append(answer.json()["total_minor"])


def _order_service(backend: Backend, shop: Shop, total: list[int]) -> None:
    total.append(backend.sales.place_web_order(_order(shop)).total_minor)


def _figures(ctx: Context, database: Database, kind: str) -> list[Figure]:
    sizes = ctx.sizes
    count = 50 if ctx.smoke else sizes.api_products
    shop = seed_shop(database, full=False)
    backend = Backend(database, register="bench-api")
    names = _names(count)
    ctx.log(f"API ({kind}): {count} products through the catalog's use cases")
    for n, text in enumerate(names):
        create_product(
            backend.uow(), shop.admin, ProductDraft(sku=f"API-{n:06d}", name=text, price_minor=199)
        )
    queries = _queries(names, 2 if ctx.smoke else sizes.names)
    runs = max(2, sizes.sales)
    with serving(backend) as url, httpx.Client(base_url=url, timeout=60) as http:
        for query, whole in queries[:5]:  # warm-up: first connection, first statements
            _search_http(http, shop.store_id, query, whole)
            _search_service(backend, shop.store_id, query, whole)
        web_s, service_s = Samples(), Samples()
        for n, (query, whole) in enumerate(queries):
            web = partial(_search_http, http, shop.store_id, query, whole)
            local = partial(_search_service, backend, shop.store_id, query, whole)
            pair = ((web, web_s), (local, service_s))
            for action, samples in pair if n % 2 == 0 else pair[::-1]:
                _timed(action, samples)
        totals: list[int] = []
        for _ in range(max(1, sizes.warmup // 3)):
            _order_http(http, shop, totals)
            _order_service(backend, shop, totals)
        web_o, service_o = _alternate(
            partial(_order_http, http, shop, totals),
            partial(_order_service, backend, shop, totals),
            runs,
        )
    check(len(set(totals)) == 1, f"web orders of one basket had totals {sorted(set(totals))}")
    placed = len(totals)
    with backend.read_uow() as uow:
        orders = uow.session.scalar(select(func.count()).select_from(WebOrder))
        left = uow.session.scalar(
            select(func.min(StockLevel.on_hand)).where(StockLevel.product_id.in_(shop.product_ids))
        )
    check(orders == placed, f"{orders} web orders stored, {placed} placed")
    # seed_shop's own first (unpaid) sale took one unit of each product too.
    check(left == STOCK - placed - 1, f"stock {left} after {placed} web orders")
    note = "floor: the same use case in-process, timed in turn; no target in the issue"
    return [
        figure_from(
            web_s,
            f"catalog search over the API, p95, {count:,} products ({kind})",
            floor=service_s,
            stat="p95",
            floor_name="in-process public search",
            checked=f"{len(queries)} typed prefixes; whole names find their product",
            note=note,
        ),
        figure_from(
            web_o,
            f"checkout over the API, 5-line pickup order ({kind})",
            floor=service_o,
            floor_name="in-process place_web_order",
            checked=f"{placed} web orders, one total, stock down by one per line",
            note=note,
        ),
    ]


def sqlite_figures(ctx: Context) -> list[Figure]:
    """The API's figures on a fresh SQLite file."""
    database = ctx.sqlite("api")
    try:
        return _figures(ctx, database, "SQLite")
    finally:
        database.dispose()


def postgres_figures(ctx: Context) -> list[Figure]:
    """The API's figures on PostgreSQL (skipped without a server)."""
    if not ctx.pg_url:
        return [
            skipped_figure("catalog search over the API, p95 (PostgreSQL)", ctx.pg_skip),
            skipped_figure("checkout over the API, 5-line pickup order (PostgreSQL)", ctx.pg_skip),
        ]
    with ctx.postgres("api") as database:
        return _figures(ctx, database, "PostgreSQL")
