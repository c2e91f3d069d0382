"""The order lifecycle: moves, cancel, returns and refunds, the order list and one order."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from posapp.events import OrderStatusChanged, PaymentConfirmed, RecordingPublisher
from posapp.models import AuditEntry, CouponCode, StockMovement
from posapp.services.backend import Backend
from posapp.services.platform.errors import ConflictError, ServiceError, ValidationError
from posapp.services.sales import checkout, orders, returns
from posapp.services.sales import queries as orders_queries
from posapp.services.sales.dto import (
    ApprovalRequiredError,
    DraftLine,
    ManagerApproval,
    PaymentDraft,
    PaymentKind,
    SaleDraft,
)
from posapp.services.sales.order_dto import (
    OrderDetail,
    OrderFilter,
    RefundTo,
    ReturnLineRequest,
    ReturnRequest,
)
from posapp.services.sales.pricing import PriceLine, price_cart
from tests.checkout_seed import (
    PASSWORD,
    Shop,
    add_coupon,
    add_customer,
    add_funded_account,
    cash_sale,
    on_hand,
    open_shop_till,
    seed_shop,
)


@pytest.fixture
def shop(backend: Backend) -> Shop:
    shop = seed_shop(backend)
    open_shop_till(backend, shop)
    return shop


def sale(backend: Backend, shop: Shop, lines: list[tuple[str, int]], **extra: object) -> int:
    items = [shop.items[key] for key, _qty in lines]
    total = price_cart(
        [
            PriceLine(no, qty, item.price_minor, item.tax_rate_bp, item.tax_included)
            for no, (item, (_key, qty)) in enumerate(zip(items, lines, strict=True), start=1)
        ]
    ).total_minor
    return checkout.place_order(
        backend.uow(), shop.cashier, cash_sale(shop, lines, total, total, **extra)
    ).order_id


def detail(backend: Backend, shop: Shop, order_id: int) -> OrderDetail:
    return orders_queries.order_detail(backend.uow(), shop.manager, order_id)


def unpaid(backend: Backend, shop: Shop, *, pickup: bool = False) -> int:
    draft = SaleDraft(uuid.uuid4(), (DraftLine(1, shop.products["cake"], 2),), pickup=pickup)
    return checkout.place_order(backend.uow(), shop.cashier, draft).order_id


def test_pickup_order_lifecycle_records_who_and_when(backend: Backend, shop: Shop) -> None:
    order_id = unpaid(backend, shop, pickup=True)
    # An unpaid pickup order may also be made ready first, to be paid at pickup (#22).
    assert detail(backend, shop, order_id).actions == ("pay", "ready", "cancel")
    checkout.pay_order(
        backend.uow(),
        shop.cashier,
        order_id,
        (PaymentDraft(uuid.uuid4(), PaymentKind.CASH, 750, 750),),
    )
    assert (
        orders.advance_order(backend.uow(), shop.cashier, order_id, "collect", "picked up")
        == "collected"
    )
    history = detail(backend, shop, order_id).history
    assert [(h.from_status, h.to_status) for h in history] == [
        ("draft", "placed"),
        ("placed", "paid"),
        ("paid", "ready"),
        ("ready", "collected"),
    ]
    assert {h.user_name for h in history} == {"Sam Carter"}
    assert history[-1].note == "picked up"


def test_pickup_order_made_ready_before_payment_is_paid_then_collected(
    backend: Backend, shop: Shop
) -> None:
    """Pay at pickup (#22): ready while unpaid; collecting waits for the payment."""
    order_id = unpaid(backend, shop, pickup=True)
    assert orders.advance_order(backend.uow(), shop.cashier, order_id, "ready") == "ready"
    assert detail(backend, shop, order_id).actions == ("pay", "cancel")
    with pytest.raises(ValidationError, match="not paid: take payment first"):
        orders.advance_order(backend.uow(), shop.cashier, order_id, "collect")
    paid = checkout.pay_order(
        backend.uow(),
        shop.cashier,
        order_id,
        (PaymentDraft(uuid.uuid4(), PaymentKind.CASH, 750, 1000),),
    )
    assert (paid.status, paid.paid_minor, paid.change_minor) == ("ready", 750, 250)
    assert detail(backend, shop, order_id).actions[:1] == ("collect",)
    assert orders.advance_order(backend.uow(), shop.cashier, order_id, "collect") == "collected"
    history = detail(backend, shop, order_id).history
    assert [(h.from_status, h.to_status) for h in history] == [
        ("draft", "placed"),
        ("placed", "ready"),
        ("ready", "collected"),
    ]
    till_order = unpaid(backend, shop)  # not for pickup: no ready before payment
    with pytest.raises(orders.IllegalTransitionError):
        orders.advance_order(backend.uow(), shop.cashier, till_order, "ready")


@pytest.mark.parametrize(
    ("action", "message"),
    [("collect", "handed over: it cannot become collected"), ("ready", "cannot become ready")],
)
def test_illegal_moves_are_refused_clearly(
    backend: Backend, shop: Shop, action: str, message: str
) -> None:
    order_id = sale(backend, shop, [("apple", 1)])
    with pytest.raises(orders.IllegalTransitionError, match=message):
        orders.advance_order(backend.uow(), shop.cashier, order_id, action)


def test_unknown_action_refused(backend: Backend, shop: Shop) -> None:
    with pytest.raises(ValidationError, match="Unknown order action"):
        orders.advance_order(backend.uow(), shop.cashier, 1, "teleport")


def test_cancel_gives_back_stock_coupon_and_money(
    backend: Backend, shop: Shop, publisher: RecordingPublisher
) -> None:
    add_coupon(backend, "SAVE-5", percent_bp=500, usage_limit=1)
    draft = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["coffee"], 2),),
        payments=(
            PaymentDraft(
                uuid.uuid4(), PaymentKind.CARD, 1000, card_reference="A1", card_last4="4242"
            ),
            PaymentDraft(uuid.uuid4(), PaymentKind.CASH, 2468 - 1000, 2000),
        ),
        coupon_codes=("SAVE-5",),
        pickup=True,
    )
    order_id = checkout.place_order(backend.uow(), shop.cashier, draft).order_id
    assert on_hand(backend, shop, "coffee") == 98
    with pytest.raises(ApprovalRequiredError, match="needs a manager"):
        orders.cancel_order(backend.uow(), shop.cashier, order_id, "changed mind")
    publisher.events.clear()
    approval = ManagerApproval("boss", PASSWORD, "customer left")
    assert (
        orders.cancel_order(backend.uow(), shop.cashier, order_id, "changed mind", approval)
        == "cancelled"
    )
    assert on_hand(backend, shop, "coffee") == 100
    order = detail(backend, shop, order_id)
    assert order.refunded_minor == order.paid_minor == 2468
    refunds = [(p.method, p.amount_minor) for p in order.payments if p.amount_minor < 0]
    assert refunds == [("card", -1000), ("cash", -1468)]
    assert order.coupons[0].reversed
    assert order.history[-1].approver_name == "Grace Hopper"
    with backend.read_uow() as uow:
        code = uow.session.scalars(select(CouponCode)).one()
        assert code.used_count == 0
    assert [type(e) for e in publisher.events if not type(e).__name__.startswith("Stock")] == [
        PaymentConfirmed,
        PaymentConfirmed,
        OrderStatusChanged,
    ]
    with pytest.raises(
        orders.IllegalTransitionError, match="cancelled: it cannot become cancelled"
    ):
        orders.cancel_order(backend.uow(), shop.manager, order_id, "again")


def test_handed_over_orders_are_returned_not_cancelled(backend: Backend, shop: Shop) -> None:
    order_id = sale(backend, shop, [("apple", 1)])
    with pytest.raises(orders.IllegalTransitionError, match="handed over"):
        orders.cancel_order(backend.uow(), shop.manager, order_id, "no")


def _return(
    backend: Backend, shop: Shop, order_id: int, picks: list[tuple[int, int, bool]], **extra: object
) -> object:
    order = detail(backend, shop, order_id)
    lines = tuple(
        ReturnLineRequest(order.lines[index].id, qty, restock) for index, qty, restock in picks
    )
    request = ReturnRequest(uuid.uuid4(), order_id, lines, **extra)  # type: ignore[arg-type]
    return returns.return_items(backend.uow(), shop.cashier, request)


def test_partial_returns_never_more_than_sold_and_add_up(backend: Backend, shop: Shop) -> None:
    order_id = sale(backend, shop, [("apple", 3), ("water", 2), ("cake", 1)])
    first = _return(backend, shop, order_id, [(0, 1, True), (1, 2, False)])
    assert first.status == "partly_refunded"  # type: ignore[attr-defined]
    assert first.amount_minor == 120 + 178  # type: ignore[attr-defined]
    assert on_hand(backend, shop, "apple") == 98  # restocked
    assert on_hand(backend, shop, "water") == 98  # written off
    with pytest.raises(ValidationError, match="Only 2 of Apple Braeburn can still be returned"):
        _return(backend, shop, order_id, [(0, 3, True)])
    _return(backend, shop, order_id, [(0, 2, True), (2, 1, True)])
    order = detail(backend, shop, order_id)
    assert order.status == "refunded"
    assert order.refunded_minor == order.total_minor
    assert sum(-p.amount_minor for p in order.payments if p.amount_minor < 0) == order.total_minor
    assert "return" not in order.actions


@pytest.mark.parametrize("quantity", [0, -1, 2**31])
def test_bad_return_quantities(backend: Backend, shop: Shop, quantity: int) -> None:
    order_id = sale(backend, shop, [("apple", 1)])
    with pytest.raises(ValidationError):
        _return(backend, shop, order_id, [(0, quantity, True)])


def test_return_retry_returns_once(backend: Backend, shop: Shop) -> None:
    order_id = sale(backend, shop, [("apple", 2)])
    order = detail(backend, shop, order_id)
    request = ReturnRequest(uuid.uuid4(), order_id, (ReturnLineRequest(order.lines[0].id, 1),))
    first = returns.return_items(backend.uow(), shop.cashier, request)
    again = returns.return_items(backend.uow(), shop.cashier, request)
    assert again.replayed
    assert again.return_id == first.return_id
    assert again.refunds == first.refunds
    assert on_hand(backend, shop, "apple") == 99


def test_return_without_receipt_needs_a_manager(backend: Backend, shop: Shop) -> None:
    order_id = sale(backend, shop, [("apple", 1)])
    with pytest.raises(ApprovalRequiredError, match="without the receipt"):
        _return(backend, shop, order_id, [(0, 1, True)], with_receipt=False)
    result = _return(
        backend,
        shop,
        order_id,
        [(0, 1, True)],
        with_receipt=False,
        approval=ManagerApproval("boss", PASSWORD, "regular customer"),
    )
    assert result.amount_minor == 120  # type: ignore[attr-defined]
    with backend.read_uow() as uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "order.return")
        ).one()
        assert entry.approver_id == shop.manager.id


def test_refund_to_the_customers_account(backend: Backend, shop: Shop) -> None:
    account_id, _number = add_funded_account(backend, shop, balance_minor=1_000)
    order_id = sale(backend, shop, [("coffee", 1)], customer_account_id=account_id)
    result = _return(backend, shop, order_id, [(0, 1, True)], refund_to=RefundTo.ACCOUNT)
    assert result.refunds == (("account", 1299),)  # type: ignore[attr-defined]
    bare = sale(backend, shop, [("apple", 1)])
    with pytest.raises(ValidationError, match="Attach the customer's account"):
        _return(backend, shop, bare, [(0, 1, True)], refund_to=RefundTo.ACCOUNT)


def test_card_numbers_refused_in_return_reason(backend: Backend, shop: Shop) -> None:
    order_id = sale(backend, shop, [("apple", 1)])
    with pytest.raises(ServiceError, match="card number"):
        _return(backend, shop, order_id, [(0, 1, True)], reason="card 4111 1111 1111 1111")


def test_a_line_from_another_order_is_refused(backend: Backend, shop: Shop) -> None:
    one = sale(backend, shop, [("apple", 1)])
    two = sale(backend, shop, [("water", 1)])
    other_line = detail(backend, shop, two).lines[0].id
    request = ReturnRequest(uuid.uuid4(), one, (ReturnLineRequest(other_line, 1),))
    with pytest.raises(ValidationError, match="not on this order"):
        returns.return_items(backend.uow(), shop.cashier, request)


def test_order_list_keyset_pages_and_filters(backend: Backend, shop: Shop) -> None:
    customer = add_customer(backend)
    ids = [sale(backend, shop, [("apple", 1)]) for _ in range(7)]
    ids.append(sale(backend, shop, [("water", 1)], customer_account_id=customer))
    seen: list[int] = []
    after = None
    while True:
        page = orders_queries.order_page(backend.uow(), shop.cashier, OrderFilter(), after, limit=3)
        seen += [row.id for row in page]
        if len(page) < 3:
            break
        after = page[-1].key
    assert seen == sorted(ids, reverse=True)
    mine = orders_queries.order_page(
        backend.uow(), shop.cashier, OrderFilter(customer_account_id=customer)
    )
    assert [row.customer_name for row in mine] == ["Jane Doe"]
    by_number = orders_queries.order_page(backend.uow(), shop.cashier, OrderFilter(number="3"))
    assert [row.number for row in by_number] == ["MAIN-000003"]
    for text, expected in (
        (" main-00000", [f"MAIN-00000{n}" for n in range(8, 0, -1)]),  # a prefix, any case
        ("MAIN-000007", ["MAIN-000007"]),
        ("main-000007x", []),
        ("ma%", []),  # LIKE's wildcards are plain characters
        ("M_IN", []),
        ("\U0010ffff", []),  # the last code point has no successor
        ("0007", ["MAIN-000007"]),
        ("0", []),
    ):
        found = orders_queries.order_page(backend.uow(), shop.cashier, OrderFilter(number=text))
        assert [row.number for row in found] == expected, text
    assert (
        orders_queries.order_page(backend.uow(), shop.cashier, OrderFilter(statuses=("cancelled",)))
        == []
    )
    today = datetime.now(UTC).date()
    window = OrderFilter(date_from=today - timedelta(days=1), date_to=today + timedelta(days=1))
    assert len(orders_queries.order_page(backend.uow(), shop.cashier, window)) == 8
    past = OrderFilter(date_from=today - timedelta(days=9), date_to=today - timedelta(days=8))
    assert orders_queries.order_page(backend.uow(), shop.cashier, past) == []
    again = orders_queries.order_page(
        backend.uow(), shop.cashier, OrderFilter(store_id=shop.store_id)
    )
    assert len(again) == 8
    assert again[0].item_count == 1


@pytest.mark.parametrize(
    "text", ["\ud7ff", "MAIN-\U0010ffff", "\U0010ffff", "\U0010ffff\U0010ffff"]
)
def test_an_order_number_ending_in_any_code_point_is_searched(
    backend: Backend, shop: Shop, text: str
) -> None:
    """Issue #16, defect 12: U+D7FF was followed by a lone surrogate SQLite cannot store."""
    sale(backend, shop, [("apple", 1)])
    found = orders_queries.order_page(backend.uow(), shop.cashier, OrderFilter(number=text))
    assert found == []


def paid_pickup(backend: Backend, shop: Shop) -> int:
    """A pickup order paid in cash: ready to collect."""
    order_id = unpaid(backend, shop, pickup=True)
    payment = PaymentDraft(uuid.uuid4(), PaymentKind.CASH, 750, 750)
    checkout.pay_order(backend.uow(), shop.cashier, order_id, (payment,))
    return order_id


def _audit_moves(backend: Backend, action: str) -> list[tuple[object, object]]:
    with backend.read_uow() as uow:
        rows = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        return [(json.loads(row.before or "{}"), json.loads(row.after or "{}")) for row in rows]


def test_the_cancel_audit_row_records_the_status_before_the_move(
    backend: Backend, shop: Shop
) -> None:
    """Issue #16, defect 14: the row was written after the move and said "cancelled" before."""
    approval = ManagerApproval("boss", PASSWORD, "customer left")
    placed = unpaid(backend, shop, pickup=True)
    orders.cancel_order(backend.uow(), shop.cashier, placed, "changed mind", approval)
    ready = paid_pickup(backend, shop)
    orders.cancel_order(backend.uow(), shop.cashier, ready, "changed mind", approval)
    moves = _audit_moves(backend, "order.cancelled")
    assert [(before["status"], after["status"]) for before, after in moves] == [  # type: ignore[index]
        ("placed", "cancelled"),
        ("ready", "cancelled"),
    ]
    assert [before["paid_minor"] for before, _after in moves] == [0, 750]  # type: ignore[index]


def test_an_advance_audit_row_records_the_status_before_the_move(
    backend: Backend, shop: Shop
) -> None:
    order_id = paid_pickup(backend, shop)
    orders.advance_order(backend.uow(), shop.cashier, order_id, "collect")
    assert _audit_moves(backend, "order.collected") == [
        ({"status": "ready"}, {"status": "collected"})
    ]


def test_find_order_by_number_and_detail(backend: Backend, shop: Shop) -> None:
    order_id = sale(backend, shop, [("mug", 2)])
    found = orders_queries.find_order(backend.uow(), shop.cashier, " main-000001 ")
    assert found.id == order_id
    assert found.total_minor == 2040
    assert found.tax_added_minor == 340
    assert found.actions == ("return",)
    with pytest.raises(ServiceError, match="No order numbered X-1"):
        orders_queries.find_order(backend.uow(), shop.cashier, "x-1")


def test_void_sale_is_audited(backend: Backend, shop: Shop) -> None:
    orders.void_sale(backend.uow(), shop.cashier, uuid.uuid4(), 3, 990, "customer left")
    with backend.read_uow() as uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sale.voided")
        ).one()
        assert entry.reason == "customer left"


def test_concurrent_return_of_the_same_units_cannot_exceed(backend: Backend, shop: Shop) -> None:
    order_id = sale(backend, shop, [("apple", 1)])
    _return(backend, shop, order_id, [(0, 1, True)])
    with pytest.raises((ValidationError, ConflictError, orders.IllegalTransitionError)):
        _return(backend, shop, order_id, [(0, 1, True)])
    with backend.read_uow() as uow:
        kinds = uow.session.scalars(select(StockMovement.kind).order_by(StockMovement.id)).all()
        assert kinds == ["sale", "return"]
