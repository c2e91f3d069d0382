"""Coupons: bulk code generation, validation at checkout, the effectiveness report (issue #6).

* Generating ``--codes`` (100,000) unique codes through ``generate_codes`` into a new campaign,
  on SQLite and on PostgreSQL: target ≤ 5 s. Check: the campaign holds exactly N distinct codes
  in the grouped format.
* Validating a code at checkout (``quote_coupon`` inside a running transaction, as
  ``place_order`` does), among the generated codes, typed in lower case: target ≤ 1 ms; plus the
  register's F8 path (``SalesApi.quote_coupon``: its own unit of work and authorisation), for
  information. Check: every quote gives the expected 10 % discount.
* The effectiveness report over ``--report-codes`` (10,000) codes and ``--redemptions``
  (100,000) redemptions (orders and redemptions bulk-inserted): loading, the report model and
  the PDF: target ≤ 5 s. Check: the report counts every redemption and code; the PDF's text
  (pypdf) shows the redemption count.
"""

from __future__ import annotations

import io
import random
import re
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from sqlalchemy import func, insert, select

from benchmarks.common import Figure, Samples, check, figure_from, skipped_figure, with_profile
from benchmarks.context import Context
from posapp.models import CouponCode, CouponRedemption, Order, Store
from posapp.models.base import utcnow
from posapp.reports.coupon_effectiveness import render_effectiveness
from posapp.services.backend import Backend
from posapp.services.coupons.campaigns import create_campaign
from posapp.services.coupons.dto import CampaignDraft
from posapp.services.coupons.generation import generate_codes
from posapp.services.coupons.redemption import BasketLine, quote_coupon
from posapp.services.coupons.report_data import effectiveness_report
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.sales.dto import BasketItem
from posapp.services.staff import users

GENERATE_S = 5.0
VALIDATE_MS = 1.0
REPORT_S = 5.0
BASKET = [BasketLine(i, i, None, 1, 400 + 100 * i) for i in range(1, 6)]  # 35.00
DISCOUNT = sum(line.amount_minor for line in BASKET) // 10
CODE_FORMAT = re.compile(r"^BULK(-[2-9A-HJKMNP-Z]{4}){2,}$")


def _admin(backend: Backend) -> UserDTO:
    return users.add_user(backend.uow(), None, "couponadmin", "correct horse battery", "admin")


def _campaign(backend: Backend, admin: UserDTO, name: str) -> int:
    start = utcnow() - timedelta(days=30)
    return create_campaign(backend.uow(), admin, CampaignDraft(name, "percent", 1000, start)).id


def generation_figures(ctx: Context, database: Database, where: str) -> list[Figure]:
    """Generate codes ``heavy_repeat`` times; then validate among them."""
    n = ctx.sizes.codes
    backend = Backend(database, register="bench")
    admin = _admin(backend)
    generate_codes(backend.uow(), admin, _campaign(backend, admin, "Warm-up"), 1_000)
    samples = Samples()
    codes: list[str] = []
    for run in range(ctx.sizes.heavy_repeat):
        if samples.over_budget():
            break
        ctx.log(f"generate {n:,} codes on {where} (run {run + 1})")
        campaign_id = _campaign(backend, admin, f"Bulk {run}")
        start = time.perf_counter()
        result = generate_codes(backend.uow(), admin, campaign_id, n, prefix="BULK")
        samples.values.append(time.perf_counter() - start)
        check(result.count == n, f"generated {result.count}, asked {n}")
        with database.read_sessions() as session:
            codes = list(
                session.scalars(
                    select(CouponCode.code).where(CouponCode.campaign_id == campaign_id)
                )
            )
        check(len(codes) == n and len(set(codes)) == n, f"{len(codes)} codes stored, expected {n}")
        check(all(CODE_FORMAT.match(c) for c in codes[:1000]), f"bad code format: {codes[0]}")
    gen = figure_from(
        samples,
        f"generate {n:,} coupon codes ({where})",
        unit="s",
        target=GENERATE_S,
        checked=f"{n:,} distinct codes stored per run, grouped format",
    )
    gen = with_profile(
        gen,
        lambda: generate_codes(
            backend.uow(), admin, _campaign(backend, admin, f"P{uuid.uuid4().hex[:6]}"), n
        ),
        enabled=ctx.profile,
        runs=1,
    )
    return [gen, *_validation(ctx, backend, admin, codes, where)]


def _typed(code: str) -> str:
    return code.lower().replace("-", " ")


def _quote_in_transaction(backend: Backend, code: str) -> float:
    """One quote inside a running transaction (the checkout's case); its time in ms."""
    with backend.read_uow() as uow:
        uow.session.execute(select(1))  # the checkout's transaction is already running
        start = time.perf_counter()
        quote = quote_coupon(uow, _typed(code), BASKET, customer_account_id=None)
        elapsed = (time.perf_counter() - start) * 1000
    check(quote.discount_minor == DISCOUNT, f"{code}: discount {quote.discount_minor}")
    return elapsed


def _validation(
    ctx: Context, backend: Backend, admin: UserDTO, codes: list[str], where: str
) -> list[Figure]:
    count = ctx.sizes.validations
    rng = random.Random(11)
    picks = [rng.choice(codes) for _ in range(count + 20)]
    ctx.log(f"validate {count:,} codes on {where}")
    for code in picks[:20]:
        _quote_in_transaction(backend, code)
    samples = Samples([_quote_in_transaction(backend, code) for code in picks[20:]])
    fig = figure_from(
        samples,
        f"coupon validation at checkout, among {len(codes):,} ({where})",
        target=VALIDATE_MS,
        checked=f"{count:,} quotes, each 10 % off the basket",
        note="quote_coupon inside the sale's transaction",
    )
    fig = with_profile(fig, partial(_quote_in_transaction, backend, picks[0]), enabled=ctx.profile)
    desk = backend.sales
    basket = [BasketItem(b.line_no, b.product_id, None, 1, b.amount_minor) for b in BASKET]

    def register_quote(code: str) -> float:
        start = time.perf_counter()
        quote = desk.quote_coupon(admin, _typed(code), basket, None)
        elapsed = (time.perf_counter() - start) * 1000
        check(quote.discount_minor == DISCOUNT, f"{code}: discount {quote.discount_minor}")
        return elapsed

    for code in picks[:20]:
        register_quote(code)
    desk_samples = Samples([register_quote(code) for code in picks[20:]])
    desk_fig = figure_from(
        desk_samples,
        f"coupon check from the register (F8) ({where})",
        checked=f"{count:,} quotes, each 10 % off the basket",
        note="own unit of work + authorisation; no target in the issues",
    )
    return [fig, desk_fig]


def sqlite_figures(ctx: Context) -> list[Figure]:
    """Generation and validation on SQLite, then the report."""
    database = ctx.sqlite("coupons")
    try:
        figures = generation_figures(ctx, database, "SQLite")
    finally:
        database.dispose()
    return [*figures, report_figure(ctx)]


def postgres_figures(ctx: Context) -> list[Figure]:
    """Generation and validation on PostgreSQL."""
    names = [
        f"generate {ctx.sizes.codes:,} coupon codes (PostgreSQL)",
        "coupon validation at checkout (PostgreSQL)",
    ]
    if not ctx.pg_url:
        return [skipped_figure(name, ctx.pg_skip) for name in names]
    with ctx.postgres("coupons") as database:
        return generation_figures(ctx, database, "PostgreSQL")


def report_figure(ctx: Context) -> Figure:
    """The effectiveness report (data, model, PDF) over the seeded redemptions."""
    sizes = ctx.sizes
    database = ctx.sqlite("coupon-report")
    try:
        backend = Backend(database, register="bench")
        admin = _admin(backend)
        campaign_id = _campaign(backend, admin, "Report")
        generate_codes(backend.uow(), admin, campaign_id, sizes.report_codes, prefix="RPT")
        ctx.log(f"seeding {sizes.redemptions:,} orders with redemptions")
        seed_redemptions(backend, admin.id, campaign_id, sizes.redemptions)
        first = (utcnow() - timedelta(days=30)).date()
        last = (utcnow() + timedelta(days=1)).date()

        def build() -> bytes:
            report = effectiveness_report(
                backend.read_uow(), admin, first, last, campaign_ids=[campaign_id]
            )
            overall = report.overall
            check(
                overall.redemptions == sizes.redemptions,
                f"the report counts {overall.redemptions:,} redemptions",
            )
            check(overall.codes_issued == sizes.report_codes, f"{overall.codes_issued} issued")
            return render_effectiveness(report)

        samples, pdf = _repeat(build, sizes.heavy_repeat)
        ctx.log("effectiveness report built; reading the PDF back")
        _check_pdf(pdf, f"{sizes.redemptions:,}")
    finally:
        database.dispose()
    fig = figure_from(
        samples,
        f"coupon report, {sizes.report_codes:,} codes / {sizes.redemptions:,} redemptions",
        unit="s",
        target=REPORT_S,
        checked=f"counts match; the PDF ({len(pdf):,} bytes) shows {sizes.redemptions:,}",
    )
    return with_profile(fig, build, enabled=ctx.profile, runs=1)


def _repeat(action: Callable[[], bytes], runs: int) -> tuple[Samples, bytes]:
    samples = Samples()
    result = b""
    for _ in range(runs):
        if samples.over_budget():
            break
        start = time.perf_counter()
        result = action()
        samples.values.append(time.perf_counter() - start)
    return samples, result


def _check_pdf(pdf: bytes, expected: str) -> None:
    check(pdf.startswith(b"%PDF"), "the report is not a PDF")
    try:
        from pypdf import PdfReader
    except ImportError:  # pypdf is a test dependency; without it only the header is checked
        return
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages[:2])
    check(expected in text, f"the PDF does not show {expected}")


def seed_redemptions(backend: Backend, user_id: int, campaign_id: int, count: int) -> None:
    """Insert ``count`` orders over 28 days, each with one redemption (Core executemany)."""
    with backend.uow() as uow:
        store = Store(code=f"B{uuid.uuid4().hex[:5]}", name="Bench", kind="store")
        uow.session.add(store)
        uow.flush()
        code_ids = list(
            uow.session.scalars(select(CouponCode.id).where(CouponCode.campaign_id == campaign_id))
        )
        first = utcnow() - timedelta(days=28, hours=1)
        step = timedelta(days=28) / max(1, count)
        batch = 10_000
        for offset in range(0, count, batch):
            stamps = [first + step * (offset + i) for i in range(min(batch, count - offset))]
            orders = [
                {
                    "sale_uuid": uuid.uuid4(),
                    "number": f"BN-{offset + i:07d}",
                    "store_id": store.id,
                    "register": "bench",
                    "cashier_id": user_id,
                    "status": "fulfilled",
                    "pickup": False,
                    "subtotal_minor": 2000,
                    "discount_minor": 0,
                    "coupon_minor": 300,
                    "tax_minor": 0,
                    "total_minor": 1700,
                    "paid_minor": 1700,
                    "refunded_minor": 0,
                    "note": "",
                    "placed_at": at,
                    "created_at": at,
                }
                for i, at in enumerate(stamps)
            ]
            ids = list(
                uow.session.scalars(
                    insert(Order).returning(Order.id, sort_by_parameter_order=True), orders
                )
            )
            uow.session.execute(
                insert(CouponRedemption),
                [
                    {
                        "code_id": code_ids[(offset + i) % len(code_ids)],
                        "campaign_id": campaign_id,
                        "order_id": order_id,
                        "cashier_id": user_id,
                        "discount_minor": 300,
                        "redeemed_at": stamps[i],
                    }
                    for i, order_id in enumerate(ids)
                ],
            )
        uow.commit()
    with backend.read_uow() as uow:
        stored = uow.session.scalar(select(func.count(CouponRedemption.id)))
    check(stored == count, f"{stored} redemptions seeded, expected {count}")
