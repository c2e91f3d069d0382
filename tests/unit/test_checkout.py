"""Checkout on SQLite and PostgreSQL: one transaction, idempotent, events after commit only."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from posapp.events import (
    CouponRedeemed,
    OrderPlaced,
    OrderStatusChanged,
    PaymentConfirmed,
    RecordingPublisher,
    StockLow,
    StockMoved,
)
from posapp.models import (
    AuditEntry,
    CouponRedemption,
    Order,
    OrderLine,
    OrderStatusChange,
    Payment,
    StockMovement,
    User,
)
from posapp.services.backend import Backend
from posapp.services.coupons.redemption import CouponRefused
from posapp.services.platform.cards import CardNumberError, contains_card_number
from posapp.services.platform.errors import AuthenticationError, ServiceError, ValidationError
from posapp.services.platform.settings import put_setting
from posapp.services.sales import CARD_DETAILS_KEY, CardRules, checkout
from posapp.services.sales.dto import (
    ApprovalRequiredError,
    DraftLine,
    ManagerApproval,
    PaymentDraft,
    PaymentKind,
    SaleDraft,
)
from posapp.services.sales.pricing import Discount
from posapp.services.sales.tills import TillClosedError, close_till
from posapp.services.staff.permissions import Permission
from posapp.services.stock.ledger import InsufficientStockError
from tests.checkout_seed import (
    PASSWORD,
    Shop,
    add_coupon,
    add_funded_account,
    cash_sale,
    on_hand,
    open_shop_till,
    seed_shop,
)

APPLE, WATER, MUG = 120, 89, 850


@pytest.fixture
def shop(backend: Backend) -> Shop:
    shop = seed_shop(backend, reorder_point=10)
    open_shop_till(backend, shop)
    return shop


def count(backend: Backend, model: type) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_cash_sale_in_one_transaction_events_after_commit(
    backend: Backend, shop: Shop, publisher: RecordingPublisher
) -> None:
    publisher.events.clear()
    total = 3 * APPLE + 2 * WATER
    placed = checkout.place_order(
        backend.uow(), shop.cashier, cash_sale(shop, [("apple", 3), ("water", 2)], 1000, total)
    )
    assert (placed.status, placed.total_minor, placed.change_minor) == (
        "fulfilled",
        total,
        1000 - total,
    )
    assert placed.number == "MAIN-000001"
    assert on_hand(backend, shop, "apple") == 97
    with backend.read_uow() as uow:
        history = uow.session.execute(
            select(OrderStatusChange.from_status, OrderStatusChange.to_status).order_by(
                OrderStatusChange.id
            )
        ).all()
        assert [tuple(h) for h in history] == [
            ("draft", "placed"),
            ("placed", "paid"),
            ("paid", "fulfilled"),
        ]
        audit = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("order.%"))
        ).all()
        assert audit == ["order.placed"]
    kinds = [type(e) for e in publisher.events]
    assert kinds == [
        StockMoved,
        StockMoved,
        OrderPlaced,
        PaymentConfirmed,
        OrderStatusChanged,
        OrderStatusChanged,
    ]


def test_retry_returns_the_first_order_and_writes_nothing(
    backend: Backend, shop: Shop, publisher: RecordingPublisher
) -> None:
    draft = cash_sale(shop, [("apple", 1)], 500, APPLE)
    first = checkout.place_order(backend.uow(), shop.cashier, draft)
    publisher.events.clear()
    again = checkout.place_order(backend.uow(), shop.cashier, draft)
    assert again.replayed
    assert (again.order_id, again.number) == (first.order_id, first.number)
    assert again.change_minor == first.change_minor == 500 - APPLE
    assert count(backend, Order) == 1
    assert count(backend, Payment) == 1
    assert on_hand(backend, shop, "apple") == 99
    assert publisher.events == []


def test_shortage_names_the_item_and_leaves_nothing(
    backend: Backend, shop: Shop, publisher: RecordingPublisher
) -> None:
    publisher.events.clear()
    draft = cash_sale(shop, [("water", 1), ("apple", 101)], 20_000, WATER + 101 * APPLE)
    with pytest.raises(InsufficientStockError, match=r"Apple Braeburn: 100 left, 101 needed"):
        checkout.place_order(backend.uow(), shop.cashier, draft)
    assert count(backend, Order) == count(backend, StockMovement) == 0
    assert on_hand(backend, shop, "water") == 100
    assert publisher.events == []
    # The order number was not used up either.
    ok = checkout.place_order(
        backend.uow(), shop.cashier, cash_sale(shop, [("water", 1)], 100, WATER)
    )
    assert ok.number == "MAIN-000001"


def test_stock_low_published_when_crossing_the_reorder_point(
    backend: Backend, shop: Shop, publisher: RecordingPublisher
) -> None:
    publisher.events.clear()
    checkout.place_order(
        backend.uow(), shop.cashier, cash_sale(shop, [("apple", 90)], 90 * APPLE, 90 * APPLE)
    )
    lows = [e for e in publisher.events if isinstance(e, StockLow)]
    assert [(e.on_hand, e.reorder_point) for e in lows] == [(10, 10)]


def test_split_tender_card_and_cash(backend: Backend, shop: Shop) -> None:
    total = MUG * 12 // 10 + APPLE  # the mug's 20 % tax is added
    draft = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["mug"], 1), DraftLine(2, shop.products["apple"], 1)),
        payments=(
            PaymentDraft(
                uuid.uuid4(),
                PaymentKind.CARD,
                1000,
                card_reference="AUTH 829311",
                card_last4="4242",
            ),
            PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total - 1000, 500),
        ),
        expected_total_minor=total,
    )
    placed = checkout.place_order(backend.uow(), shop.cashier, draft)
    assert placed.change_minor == 500 - (total - 1000)
    with backend.read_uow() as uow:
        rows = uow.session.execute(
            select(
                Payment.method, Payment.amount_minor, Payment.card_last4, Payment.card_reference
            ).order_by(Payment.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("card", 1000, "4242", "AUTH 829311"),
        ("cash", total - 1000, None, None),
    ]


CARD = "4111111111111111"
CARD_VARIANTS = [
    CARD,
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
    "４１１１１１１１１１１１１１１１",  # full-width digits
    "ref 4111 1111 1111 1111 exp 12/27",
    "378282246310005",  # 15-digit Amex
    "6011 0009 9013 9424",
]


@pytest.mark.parametrize("text", CARD_VARIANTS)
def test_card_numbers_are_recognised(text: str) -> None:
    assert contains_card_number(text)


@pytest.mark.parametrize(
    "text", ["AUTH 829311", "4111111111111112", "order MAIN-000042", "1234", "20261125-0830"]
)
def test_other_numbers_are_not_card_numbers(text: str) -> None:
    assert not contains_card_number(text)


@pytest.mark.parametrize("field", ["note", "reference", "last4", "coupon"])
@pytest.mark.parametrize("text", CARD_VARIANTS[:4])
def test_card_numbers_refused_in_every_field(
    backend: Backend, shop: Shop, field: str, text: str
) -> None:
    reference = text if field == "reference" else "AUTH 1"
    last4 = text if field == "last4" else "1111"
    payment = PaymentDraft(
        uuid.uuid4(), PaymentKind.CARD, APPLE, card_reference=reference, card_last4=last4
    )
    draft = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["apple"], 1),),
        payments=(payment,),
        note=text if field == "note" else "",
        coupon_codes=(text,) if field == "coupon" else (),
    )
    with pytest.raises(CardNumberError, match="card number"):
        checkout.place_order(backend.uow(), shop.cashier, draft)
    assert count(backend, Order) == 0


def test_payments_must_cover_the_total_or_be_absent(backend: Backend, shop: Shop) -> None:
    short = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["apple"], 2),),
        payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, APPLE, APPLE),),
    )
    with pytest.raises(checkout.PaymentIncompleteError, match=r"cover 1\.20 of 2\.40"):
        checkout.place_order(backend.uow(), shop.cashier, short)
    over = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["apple"], 1),),
        payments=(
            PaymentDraft(
                uuid.uuid4(), PaymentKind.CARD, 500, card_reference="A", card_last4="1234"
            ),
        ),
    )
    with pytest.raises(ValidationError, match="more than the total"):
        checkout.place_order(backend.uow(), shop.cashier, over)
    assert count(backend, Order) == 0


def test_placed_unpaid_then_paid_in_full(backend: Backend, shop: Shop) -> None:
    draft = SaleDraft(uuid.uuid4(), (DraftLine(1, shop.products["cake"], 2),), pickup=True)
    placed = checkout.place_order(backend.uow(), shop.cashier, draft)
    assert (placed.status, placed.paid_minor) == ("placed", 0)
    pay = (PaymentDraft(uuid.uuid4(), PaymentKind.CASH, 750, 1000),)
    paid = checkout.pay_order(backend.uow(), shop.cashier, placed.order_id, pay)
    assert (paid.status, paid.paid_minor, paid.change_minor) == ("ready", 750, 250)
    again = checkout.pay_order(backend.uow(), shop.cashier, placed.order_id, pay)
    assert again.replayed
    assert count(backend, Payment) == 1
    with pytest.raises(ServiceError, match="ready for pickup: it cannot become paid"):
        checkout.pay_order(
            backend.uow(),
            shop.cashier,
            placed.order_id,
            (PaymentDraft(uuid.uuid4(), PaymentKind.CASH, 750, 750),),
        )


def test_price_override_needs_a_manager(backend: Backend, shop: Shop) -> None:
    line = DraftLine(1, shop.products["mug"], 1, unit_price_minor=500)
    draft = SaleDraft(uuid.uuid4(), (line,))
    with pytest.raises(ApprovalRequiredError, match="Changing the price of Enamel mug") as info:
        checkout.place_order(backend.uow(), shop.cashier, draft)
    assert info.value.permission == "override_price"
    wrong = DraftLine(
        1, shop.products["mug"], 1, 500, override_approval=ManagerApproval("boss", "nope", "dented")
    )
    with pytest.raises(AuthenticationError):
        checkout.place_order(backend.uow(), shop.cashier, SaleDraft(uuid.uuid4(), (wrong,)))
    # The sale rolled back, but the wrong password still counts against the manager.
    with backend.read_uow() as uow:
        assert uow.session.get(User, shop.manager.id).failed_attempts == 1  # type: ignore[union-attr]
    good = DraftLine(
        1,
        shop.products["mug"],
        1,
        500,
        override_approval=ManagerApproval("boss", PASSWORD, "dented"),
    )
    placed = checkout.place_order(backend.uow(), shop.cashier, SaleDraft(uuid.uuid4(), (good,)))
    assert placed.total_minor == 600
    with backend.read_uow() as uow:
        line_row = uow.session.scalars(select(OrderLine)).one()
        assert (line_row.list_price_minor, line_row.unit_price_minor) == (850, 500)
        assert line_row.override_approved_by_id == shop.manager.id
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "order.price_override")
        ).one()
        assert (entry.approver_id, entry.reason) == (shop.manager.id, "dented")


def test_discount_cap_for_cashiers(backend: Backend, shop: Shop) -> None:
    ten = DraftLine(1, shop.products["coffee"], 1, discount=Discount.percent(1000))
    checkout.place_order(backend.uow(), shop.cashier, SaleDraft(uuid.uuid4(), (ten,)))
    fifteen = DraftLine(1, shop.products["coffee"], 1, discount=Discount.percent(1500))
    with pytest.raises(ApprovalRequiredError, match="above 10 %"):
        checkout.place_order(backend.uow(), shop.cashier, SaleDraft(uuid.uuid4(), (fifteen,)))
    order_wide = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["coffee"], 1),),
        order_discount=Discount.amount(500),
    )
    with pytest.raises(ApprovalRequiredError, match="order discount"):
        checkout.place_order(backend.uow(), shop.cashier, order_wide)
    placed = checkout.place_order(backend.uow(), shop.manager, order_wide)
    assert placed.total_minor == 1299 - 500


def test_coupon_redeemed_in_the_same_transaction(
    backend: Backend, shop: Shop, publisher: RecordingPublisher
) -> None:
    add_coupon(backend, "SPRING-10", percent_bp=1000, usage_limit=1)
    publisher.events.clear()
    draft = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["coffee"], 2),),
        payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, 2338, 2400),),
        coupon_codes=(" spring10 ",),
        expected_total_minor=2338,
    )
    placed = checkout.place_order(backend.uow(), shop.cashier, draft)
    assert placed.total_minor == 2598 - 260
    assert any(isinstance(e, CouponRedeemed) for e in publisher.events)
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(Order.coupon_minor)) == 260
        assert uow.session.scalar(select(func.count()).select_from(CouponRedemption)) == 1
    twice = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["coffee"], 1),),
        coupon_codes=("SPRING-10", "spring 10"),
    )
    with pytest.raises(ValidationError, match="twice"):
        checkout.place_order(backend.uow(), shop.cashier, twice)
    used_up = SaleDraft(
        uuid.uuid4(), (DraftLine(1, shop.products["coffee"], 1),), coupon_codes=("SPRING-10",)
    )
    with pytest.raises(CouponRefused) as refused:
        checkout.place_order(backend.uow(), shop.cashier, used_up)
    assert refused.value.reason == "used_up"


def test_account_payment_with_the_holders_pin(backend: Backend, shop: Shop) -> None:
    _account_id, number = add_funded_account(backend, shop, balance_minor=5_000)

    def draft(pin: str) -> SaleDraft:
        return SaleDraft(
            uuid.uuid4(),
            (DraftLine(1, shop.products["coffee"], 1),),
            payments=(
                PaymentDraft(
                    uuid.uuid4(), PaymentKind.ACCOUNT, 1299, account_number=number, pin=pin
                ),
            ),
        )

    with pytest.raises(ServiceError, match="PIN"):
        checkout.place_order(backend.uow(), shop.cashier, draft("0000"))
    assert count(backend, Order) == 0
    placed = checkout.place_order(backend.uow(), shop.cashier, draft("2468"))
    assert placed.status == "fulfilled"
    with backend.read_uow() as uow:
        payment = uow.session.scalars(select(Payment)).one()
        assert payment.method == "account"
        assert payment.ledger_transaction_id is not None
        assert payment.customer_account_id == _account_id


def test_changed_price_refuses_the_shown_total(backend: Backend, shop: Shop) -> None:
    draft = cash_sale(shop, [("apple", 1)], 500, APPLE, expected_total_minor=APPLE - 1)
    with pytest.raises(checkout.PriceChangedError, match=r"now 1\.20, not 1\.19"):
        checkout.place_order(backend.uow(), shop.cashier, draft)


def test_selling_needs_an_open_till(backend: Backend, shop: Shop) -> None:
    close_till(backend.uow(), shop.cashier, 10_000)
    with pytest.raises(TillClosedError, match="open the till"):
        checkout.place_order(
            backend.uow(), shop.cashier, cash_sale(shop, [("apple", 1)], 500, APPLE)
        )


@pytest.mark.parametrize("quantity", [0, -1, 2**31, 2**63])
def test_bad_quantities(backend: Backend, shop: Shop, quantity: int) -> None:
    draft = SaleDraft(uuid.uuid4(), (DraftLine(1, shop.products["apple"], quantity),))
    with pytest.raises(ValidationError):
        checkout.place_order(backend.uow(), shop.cashier, draft)
    assert count(backend, Order) == 0


@pytest.mark.parametrize(
    ("amount", "tendered", "message"),
    [
        (0, 0, "more than zero"),
        (-120, 0, "more than zero"),
        (120, 100, "less than"),
        (120, 10**13, "largest amount"),
    ],
)
def test_bad_payment_amounts(
    backend: Backend, shop: Shop, amount: int, tendered: int, message: str
) -> None:
    draft = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["apple"], 1),),
        payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, amount, tendered),),
    )
    with pytest.raises(ValidationError, match=message):
        checkout.place_order(backend.uow(), shop.cashier, draft)


@pytest.mark.parametrize("last4", ["", "12", "12345", "abcd", "12 34x"])
def test_card_needs_exactly_four_digits(backend: Backend, shop: Shop, last4: str) -> None:
    draft = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["apple"], 1),),
        payments=(
            PaymentDraft(
                uuid.uuid4(), PaymentKind.CARD, APPLE, card_reference="A1", card_last4=last4
            ),
        ),
    )
    with pytest.raises(ValidationError, match="last four digits"):
        checkout.place_order(backend.uow(), shop.cashier, draft)


def test_empty_sale_and_reused_payment_ids_refused(backend: Backend, shop: Shop) -> None:
    with pytest.raises(ValidationError, match="no items"):
        checkout.place_order(backend.uow(), shop.cashier, SaleDraft(uuid.uuid4(), ()))
    key = uuid.uuid4()
    twice = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["apple"], 1),),
        payments=(
            PaymentDraft(key, PaymentKind.CASH, 60, 60),
            PaymentDraft(key, PaymentKind.CASH, 60, 60),
        ),
    )
    with pytest.raises(ValidationError, match="own id"):
        checkout.place_order(backend.uow(), shop.cashier, twice)


def test_verify_approval_names_the_approver(backend: Backend, shop: Shop) -> None:
    name = checkout.verify_approval(
        backend.uow(),
        shop.cashier,
        ManagerApproval("boss", PASSWORD, "price match"),
        Permission.OVERRIDE_PRICE,
    )
    assert name == "Grace Hopper"
    with pytest.raises(ValidationError, match="reason"):
        checkout.verify_approval(
            backend.uow(),
            shop.cashier,
            ManagerApproval("boss", PASSWORD, " "),
            Permission.OVERRIDE_PRICE,
        )


# --- the card details a shop requires (a setting; issue #17) ----------------------------


def require_card(backend: Backend, value: object) -> None:
    with backend.uow() as uow:
        put_setting(uow, CARD_DETAILS_KEY, value)
        uow.commit()


def card_sale(shop: Shop, reference: str = "", last4: str = "") -> SaleDraft:
    return SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["apple"], 1),),
        payments=(
            PaymentDraft(
                uuid.uuid4(),
                PaymentKind.CARD,
                APPLE,
                card_reference=reference,
                card_last4=last4,
            ),
        ),
    )


def orders(backend: Backend) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Order)) or 0)


def test_both_details_are_required_by_default(backend: Backend, shop: Shop) -> None:
    assert backend.sales.card_rules() == CardRules(reference=True, last4=True)
    with pytest.raises(ValidationError, match="last four digits"):
        checkout.place_order(backend.uow(), shop.cashier, card_sale(shop, reference="A1"))
    with pytest.raises(ValidationError, match="approval reference"):
        checkout.place_order(backend.uow(), shop.cashier, card_sale(shop, last4="4242"))
    assert orders(backend) == 0
    checkout.place_order(backend.uow(), shop.cashier, card_sale(shop, "A1", "4242"))
    assert orders(backend) == 1


def test_a_shop_that_requires_only_the_reference(backend: Backend, shop: Shop) -> None:
    require_card(backend, "reference")
    assert backend.sales.card_rules() == CardRules(reference=True, last4=False)
    with pytest.raises(ValidationError, match="approval reference"):
        checkout.place_order(backend.uow(), shop.cashier, card_sale(shop))
    checkout.place_order(backend.uow(), shop.cashier, card_sale(shop, reference="A1"))
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(Payment.card_last4)) is None
    # What is given is still checked: a malformed last four, a card number.
    with pytest.raises(ValidationError, match="last four digits"):
        checkout.place_order(backend.uow(), shop.cashier, card_sale(shop, "A2", "12x"))
    with pytest.raises(CardNumberError):
        checkout.place_order(
            backend.uow(), shop.cashier, card_sale(shop, "4111 1111 1111 1111", "")
        )
    assert orders(backend) == 1


def test_a_shop_that_requires_nothing_and_a_bad_setting(backend: Backend, shop: Shop) -> None:
    require_card(backend, "none")
    assert backend.sales.card_rules() == CardRules(reference=False, last4=False)
    checkout.place_order(backend.uow(), shop.cashier, card_sale(shop))
    assert orders(backend) == 1
    require_card(backend, "everything")  # unreadable: the strictest rules
    assert backend.sales.card_rules() == CardRules()
    require_card(backend, ["reference"])  # the list form of an early draft: unreadable
    assert backend.sales.card_rules() == CardRules()
