"""Loyalty points (issue #19): earned on goods, spent as a tender, taken and given back, expiring.

Every test runs on SQLite and PostgreSQL and ends with the reliability invariants, which include
"each customer's points balance is the sum of their point movements, never below zero".
"""

from __future__ import annotations

import dataclasses
import io
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from posapp.app_services import ServiceOptions, start_services
from posapp.config import AppConfig
from posapp.events import RecordingPublisher
from posapp.models import Category, Order, OrderLine, Payment, PointMovement
from posapp.reports.receipt import receipt_pdf
from posapp.services.backend import Backend
from posapp.services.customers import CustomerDraft, PointsRefused, loyalty
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import PermissionDeniedError, ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales import OrderDetail, ReturnLineRequest, ReturnRequest, receipt_model
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.receipt import receipt_text as receipt_lines
from posapp.services.sales.receipt_email import receipt_text as email_body
from posapp.services.shop import SettingsRefusedError
from posapp.services.staff import ROLE_PERMISSIONS
from posapp.services.staff.security import ACTIONS
from posapp.services.stock import actions as stock
from posapp.services.stock.dto import StockLine
from tests.checkout_seed import ITEMS, Shop, open_shop_till, seed_shop
from tests.reliability.invariants import assert_invariants


def open_shop(backend: Backend, *, earn: int = 1) -> Shop:
    shop = seed_shop(backend, items=tuple(dataclasses.replace(i, stock=0) for i in ITEMS))
    lines = [StockLine(pid, 100) for pid in shop.products.values()]
    stock.receive_stock(backend.uow(), shop.staff["admin"], shop.store_id, lines, reference="IN")
    open_shop_till(backend, shop)
    backend.shop.change_setting(shop.staff["admin"], "loyalty.earn_points_per_unit", str(earn))
    return shop


def new_customer(backend: Backend, shop: Shop, name: str = "Ada Walker") -> int:
    return backend.customers.create(shop.manager, CustomerDraft(name, phone="+1 555 0100")).id


def cash(amount: int) -> PaymentDraft:
    return PaymentDraft(uuid.uuid4(), PaymentKind.CASH, amount, amount)


def points(amount: int) -> PaymentDraft:
    return PaymentDraft(uuid.uuid4(), PaymentKind.POINTS, amount)


COFFEE_CANDLE = 3099  # coffee 12.99 incl. tax + candle 15.00 + 20 % added


def sale(backend: Backend, shop: Shop, customer_id: int | None, *payments: PaymentDraft) -> int:
    lines = (DraftLine(1, shop.products["coffee"], 1), DraftLine(2, shop.products["candle"], 1))
    placed = backend.sales.place_order(
        shop.cashier,
        SaleDraft(uuid.uuid4(), lines, payments or (cash(COFFEE_CANDLE),), customer_id=customer_id),
    )
    return placed.order_id


def balance(backend: Backend, shop: Shop, customer_id: int) -> int:
    return backend.loyalty.points(shop.cashier, customer_id).balance


def test_a_sale_earns_points_shown_on_the_receipt_and_the_customer(backend: Backend) -> None:
    shop = open_shop(backend)
    customer = new_customer(backend, shop)
    order_id = sale(backend, shop, customer)
    assert balance(backend, shop, customer) == 30  # 30.99 rounded down
    detail = backend.sales.order_detail(shop.cashier, order_id)
    assert detail.customer_name == "Ada Walker"  # a customer without an account (leftover)
    assert detail.points is not None
    assert (detail.points.earned, detail.points.redeemed, detail.points.balance) == (30, 0, 30)
    # The line shares add up to the sale's points (coffee 12.99 of 30.99 gets 13 by remainder).
    assert _line_points(backend, order_id) == [13, 17]
    model = receipt_model(detail)
    assert ("Points earned", "+30") in [(r.left, r.right) for r in model.points]
    assert "Points balance  30" in email_body(model)  # the emailed receipt's text
    text = "".join(p.extract_text() for p in PdfReader(_pdf(detail)).pages)
    assert "Customer Ada Walker" in text
    assert "Points balance" in text
    history = backend.loyalty.points(shop.cashier, customer)
    assert [(m.kind, m.points, m.order_number) for m in history.movements] == [
        ("earn", 30, detail.number)
    ]
    assert_invariants(backend.database.engine)


def _line_points(backend: Backend, order_id: int) -> list[int]:
    with backend.read_uow() as uow:
        return sorted(
            uow.session.scalars(
                select(OrderLine.points_earned).where(OrderLine.order_id == order_id)
            )
        )


def _pdf(detail: OrderDetail) -> io.BytesIO:
    return io.BytesIO(receipt_pdf(detail))


def test_rounding_and_excluded_categories_follow_the_settings(backend: Backend) -> None:
    shop = open_shop(backend)
    customer = new_customer(backend, shop)
    admin = shop.staff["admin"]
    backend.shop.change_setting(admin, "loyalty.rounding", "nearest")
    sale(backend, shop, customer)
    assert balance(backend, shop, customer) == 31
    with backend.read_uow() as uow:
        drinks = uow.session.scalar(select(Category.id).where(Category.name == "Drinks"))
    backend.shop.change_setting(admin, "loyalty.excluded_categories", f" {drinks} ")
    sale(backend, shop, customer)  # only the candle (18.00) earns
    assert balance(backend, shop, customer) == 31 + 18
    # No customer: no points, nothing written.
    sale(backend, shop, None)
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(PointMovement)) == 2
    assert_invariants(backend.database.engine)


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("loyalty.earn_points_per_unit", "-1"),
        ("loyalty.earn_points_per_unit", "1.5"),
        ("loyalty.redeem_points_per_unit", "0"),
        ("loyalty.expiry_days", "99999"),
        ("loyalty.excluded_categories", "drinks"),
        ("loyalty.rounding", "up"),
    ],
)
def test_bad_settings_are_refused_in_words(backend: Backend, key: str, text: str) -> None:
    shop = open_shop(backend)
    with pytest.raises(ValidationError) as refused:
        backend.shop.change_settings(shop.staff["admin"], {key: text})
    assert isinstance(refused.value, SettingsRefusedError)
    assert key in refused.value.problems


def test_a_cashier_cannot_change_the_rules_or_adjust(backend: Backend) -> None:
    shop = open_shop(backend)
    customer = new_customer(backend, shop)
    with pytest.raises(PermissionDeniedError):
        backend.shop.change_setting(shop.cashier, "loyalty.earn_points_per_unit", "5")
    with pytest.raises(PermissionDeniedError):
        backend.loyalty.adjust(shop.cashier, customer, 100, "goodwill")
    with pytest.raises(PointsRefused):
        backend.loyalty.adjust(shop.manager, customer, 100, "   ")
    with pytest.raises(PointsRefused):
        backend.loyalty.adjust(shop.manager, customer, -1, "correction")  # none to take
    assert balance(backend, shop, customer) == 0


def test_points_pay_part_and_a_return_gives_back_points_in_proportion(backend: Backend) -> None:
    shop = open_shop(backend)
    customer = new_customer(backend, shop)
    backend.loyalty.adjust(shop.manager, customer, 5000, "welcome")
    # 100 points pay 1.00 (the default): 15.00 costs 1500 points; the rest in cash.
    order_id = sale(backend, shop, customer, points(1500), cash(COFFEE_CANDLE - 1500))
    assert balance(backend, shop, customer) == 5000 - 1500 + 30
    detail = backend.sales.order_detail(shop.cashier, order_id)
    assert detail.points is not None
    assert (detail.points.earned, detail.points.redeemed) == (30, 1500)
    assert [p.method for p in detail.payments] == ["points", "cash"]
    printed = receipt_lines(receipt_model(detail))
    assert any(line.startswith("Points spent") and line.endswith("−1,500") for line in printed)
    coffee = next(line for line in detail.lines if line.line_no == 1)
    result = backend.sales.return_items(
        shop.cashier,
        ReturnRequest(uuid.uuid4(), order_id, (ReturnLineRequest(coffee.id, 1),)),
    )
    # The points tender takes its share, round(1500 × 12.99 / 30.99) = 6.29; cash the rest.
    assert dict(result.refunds) == {"points": 629, "cash": 670}
    # 629 points come back; the 13 points the coffee earned are taken back.
    assert balance(backend, shop, customer) == 5000 - 1500 + 30 + 629 - 13
    # The purchase history shows what the order did to the points, net (the welcome is no order's).
    (entry,) = backend.customers.history(shop.manager, customer)
    assert (entry.order_id, entry.points) == (order_id, -1500 + 30 + 629 - 13)
    # The rest of the sale: everything spent comes back, everything earned goes.
    candle = next(line for line in detail.lines if line.line_no == 2)
    backend.sales.return_items(
        shop.cashier,
        ReturnRequest(uuid.uuid4(), order_id, (ReturnLineRequest(candle.id, 1),)),
    )
    assert balance(backend, shop, customer) == 5000
    assert_invariants(backend.database.engine)
    report = backend.sales.x_report(shop.manager)
    assert "points" in [m.method for m in report.methods]


def test_too_few_points_or_no_customer_refuses_and_writes_nothing(backend: Backend) -> None:
    shop = open_shop(backend)
    customer = new_customer(backend, shop)
    backend.loyalty.adjust(shop.manager, customer, 100, "welcome")
    with pytest.raises(PointsRefused, match="100 points"):
        sale(backend, shop, customer, points(101), cash(COFFEE_CANDLE - 101))
    with pytest.raises(PointsRefused, match="Attach the customer"):
        sale(backend, shop, None, points(100), cash(COFFEE_CANDLE - 100))
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 0
        assert uow.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert balance(backend, shop, customer) == 100
    assert_invariants(backend.database.engine)


def test_a_spent_point_is_not_taken_back_below_zero(backend: Backend) -> None:
    shop = open_shop(backend)
    customer = new_customer(backend, shop)
    order_id = sale(backend, shop, customer)  # earns 30
    sale(backend, shop, customer, points(25), cash(COFFEE_CANDLE - 25))  # spends 25, earns 30
    backend.loyalty.adjust(shop.manager, customer, -30, "spent at the cafe")
    assert balance(backend, shop, customer) == 5
    detail = backend.sales.order_detail(shop.cashier, order_id)
    backend.sales.return_items(
        shop.cashier,
        ReturnRequest(
            uuid.uuid4(), order_id, tuple(ReturnLineRequest(li.id, 1) for li in detail.lines)
        ),
    )
    assert balance(backend, shop, customer) == 0  # 30 due, only 5 left: never below zero
    assert_invariants(backend.database.engine)


def test_points_expire_oldest_first_and_the_job_is_idempotent(database: Database) -> None:
    start = datetime(2026, 1, 10, 12, tzinfo=UTC)
    now = [start]
    backend = Backend(database, register="test-till", clock=lambda: now[0])
    shop = open_shop(backend)
    backend.shop.change_setting(shop.staff["admin"], "loyalty.expiry_days", "30")
    customer = new_customer(backend, shop)
    sale(backend, shop, customer)  # 30 points on 10 January
    now[0] = start + timedelta(days=20)
    sale(backend, shop, customer)  # 30 more on 30 January
    sale(backend, shop, customer, points(10), cash(COFFEE_CANDLE - 10))  # spends 10, earns 30
    assert backend.loyalty.expire_due() == 0  # nothing is 30 days old yet
    now[0] = start + timedelta(days=30, seconds=1)
    # The first 30 expire, less the 10 spent since (oldest first).
    assert backend.loyalty.expire_due() == 20
    assert backend.loyalty.expire_due() == 0  # again: nothing more
    assert balance(backend, shop, customer) == 60
    now[0] = start + timedelta(days=51)
    assert backend.loyalty.expire_due() == 60
    assert backend.loyalty.expire_due() == 0
    assert balance(backend, shop, customer) == 0
    assert_invariants(backend.database.engine)


def test_expiry_off_expires_nothing(backend: Backend) -> None:
    shop = open_shop(backend)
    backend.shop.change_setting(shop.staff["admin"], "loyalty.expiry_days", "0")
    customer = new_customer(backend, shop)
    sale(backend, shop, customer)
    assert backend.loyalty.expire_due(datetime(2100, 1, 1, tzinfo=UTC)) == 0
    assert balance(backend, shop, customer) == 30


def test_the_background_runner_expires_points_at_start(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path))
    long_ago = datetime.now(UTC) - timedelta(days=400)
    past = Backend(database, register="test-till", clock=lambda: long_ago)
    shop = open_shop(past)
    customer = new_customer(past, shop)
    sale(past, shop, customer)  # 30 points, 400 days ago; the default period is 365 days
    assert balance(past, shop, customer) == 30
    url = database.url.render_as_string(hide_password=False)
    options = ServiceOptions(campaign_check_s=3600, sender_interval_s=3600, relay=False)
    services = start_services(database, RecordingPublisher(), AppConfig(url, "till-1"), options)
    try:
        deadline = time.monotonic() + 30  # generous: a busy CI box
        while balance(past, shop, customer) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        services.stop()
    assert balance(past, shop, customer) == 0
    assert_invariants(database.engine)


ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]] = {
    "customers.loyalty.queries.customer_points": lambda uow, actor, s: loyalty.customer_points(
        uow, actor, 1
    ),
    "customers.loyalty.queries.points_rules": lambda uow, actor, _s: loyalty.points_rules(
        uow, actor
    ),
    "customers.loyalty.queries.adjust_points": lambda uow, actor, _s: loyalty.adjust_points(
        uow, actor, 1, 5, "goodwill"
    ),
}
"""The loyalty use cases, walked role by role below (tests/unit/test_security.py)."""


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_permission_matrix(backend: Backend, role: str) -> None:
    shop = open_shop(backend)
    customer = new_customer(backend, shop)
    assert customer == 1
    actor = shop.staff[role]
    for action, call in ACTION_CALLS.items():
        if ACTIONS[action] in ROLE_PERMISSIONS[role]:
            call(backend.uow(), actor, shop.staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(backend.uow(), actor, shop.staff)


def test_cancelling_a_paid_order_gives_back_spent_and_takes_back_earned_points(
    backend: Backend,
) -> None:
    shop = open_shop(backend)
    customer = new_customer(backend, shop)
    backend.loyalty.adjust(shop.manager, customer, 1000, "welcome")
    lines = (DraftLine(1, shop.products["coffee"], 1), DraftLine(2, shop.products["candle"], 1))
    payments = (points(999), cash(COFFEE_CANDLE - 999))
    draft = SaleDraft(uuid.uuid4(), lines, payments, customer_id=customer, pickup=True)
    order_id = backend.sales.place_order(shop.cashier, draft).order_id  # paid, ready for pickup
    assert balance(backend, shop, customer) == 1000 - 999 + 30
    backend.sales.cancel_order(shop.manager, order_id, "customer changed their mind")
    assert balance(backend, shop, customer) == 1000
    detail = backend.sales.order_detail(shop.manager, order_id)
    assert sorted((p.method, p.amount_minor) for p in detail.payments) == [
        ("cash", -2100),
        ("cash", 2100),
        ("points", -999),
        ("points", 999),
    ]
    assert_invariants(backend.database.engine)
