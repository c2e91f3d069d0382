"""Till sessions: float, cash in and out, blind close, X = Z from one calculation, over/short."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from posapp.services.backend import Backend
from posapp.services.platform.errors import (
    ConflictError,
    PermissionDeniedError,
    ServiceError,
    ValidationError,
)
from posapp.services.sales import checkout, returns, tills
from posapp.services.sales import queries as orders_queries
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.order_dto import ReturnLineRequest, ReturnRequest
from tests.checkout_seed import Shop, seed_shop


@pytest.fixture
def shop(backend: Backend) -> Shop:
    return seed_shop(backend)


def _sell(backend: Backend, shop: Shop) -> int:
    """A split sale: 10.00 on a card, the rest (9.02) in cash from a 20.00 note."""
    lines = (
        DraftLine(1, shop.products["coffee"], 1),
        DraftLine(2, shop.products["water"], 2),
        DraftLine(3, shop.products["bag"], 1),
        DraftLine(4, shop.products["mug"], 1),
    )
    total = 1299 + 178 + 20 + 1020
    draft = SaleDraft(
        uuid.uuid4(),
        lines,
        payments=(
            PaymentDraft(
                uuid.uuid4(), PaymentKind.CARD, 1000, card_reference="R1", card_last4="0004"
            ),
            PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total - 1000, 2000),
        ),
        expected_total_minor=total,
    )
    return checkout.place_order(backend.uow(), shop.cashier, draft).order_id


def test_open_once_per_register_with_a_counted_float(backend: Backend, shop: Shop) -> None:
    session = tills.open_till(
        backend.uow(), shop.cashier, shop.store_id, 0, {2000: 2, 500: 1, 100: 5}
    )
    assert session.float_minor == 5000
    assert session.denominations == ((2000, 2), (500, 1), (100, 5))
    with pytest.raises(ConflictError, match="already open"):
        tills.open_till(backend.uow(), shop.manager, shop.store_id, 1000)
    assert tills.current_till(backend.uow(), shop.cashier) == session


@pytest.mark.parametrize(
    ("pieces", "message"),
    [
        ({3: 1}, "not a note or coin"),
        ({100: -1}, "zero or more"),
        ({100: 100_001}, "At most"),
    ],
)
def test_bad_counts_refused(
    backend: Backend, shop: Shop, pieces: dict[int, int], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        tills.open_till(backend.uow(), shop.cashier, shop.store_id, 0, pieces)


@pytest.mark.parametrize("amount", [-1, 10**12 + 1])
def test_bad_floats_refused(backend: Backend, shop: Shop, amount: int) -> None:
    with pytest.raises(ValidationError):
        tills.open_till(backend.uow(), shop.cashier, shop.store_id, amount)


def test_cash_movements_need_a_reason_and_cannot_overdraw(backend: Backend, shop: Shop) -> None:
    tills.open_till(backend.uow(), shop.cashier, shop.store_id, 5000)
    with pytest.raises(ValidationError, match="reason"):
        tills.cash_movement(backend.uow(), shop.cashier, 100, "  ")
    with pytest.raises(ValidationError, match="other than zero"):
        tills.cash_movement(backend.uow(), shop.cashier, 0, "x")
    with pytest.raises(ValidationError, match="cannot take out more"):
        tills.cash_movement(backend.uow(), shop.cashier, -5001, "bank")
    with pytest.raises(ServiceError, match="card number"):
        tills.cash_movement(backend.uow(), shop.cashier, 100, "4111-1111-1111-1111")
    moved = tills.cash_movement(backend.uow(), shop.cashier, -2000, "Bank deposit")
    assert moved.amount_minor == -2000


def test_x_and_z_come_from_one_calculation(backend: Backend, shop: Shop) -> None:
    tills.open_till(backend.uow(), shop.cashier, shop.store_id, 10_000)
    order_id = _sell(backend, shop)
    _sell(backend, shop)
    tills.cash_movement(backend.uow(), shop.cashier, 500, "Change from the safe")
    tills.cash_movement(backend.uow(), shop.cashier, -3000, "Bank deposit")
    line = orders_queries.order_detail(backend.uow(), shop.manager, order_id).lines[1]
    returns.return_items(
        backend.uow(),
        shop.cashier,
        ReturnRequest(uuid.uuid4(), order_id, (ReturnLineRequest(line.id, 2),)),
    )
    x = tills.x_report(backend.uow(), shop.manager)
    cash_in = 2 * (2517 - 1000)
    assert x.cash_sales_minor == cash_in
    assert x.cash_refunds_minor == 0  # the water's 1.78 goes back to the card (cash last)
    assert x.expected_cash_minor == 10_000 + cash_in + 500 - 3000
    assert x.orders_count == 2
    assert x.items_sold == 10
    assert x.refunds_minor == 178
    assert {m.method: m.sales_minor for m in x.methods} == {"cash": cash_in, "card": 2000}
    assert {m.method: m.refunds_minor for m in x.methods} == {"cash": 0, "card": 178}
    assert sum(t.tax_minor for t in x.taxes) == x.tax_minor
    z = tills.close_till(backend.uow(), shop.cashier, pieces={5000: 2, 1000: 1, 100: 2})
    assert z.kind == "Z"
    assert z.counted_minor == 11_200
    assert z.over_short_minor == 11_200 - x.expected_cash_minor
    same = {f.name for f in dataclasses.fields(x)} - {"kind", "session", "generated_at"}
    assert {name: getattr(z, name) for name in same} == {name: getattr(x, name) for name in same}
    again = tills.z_report(backend.uow(), shop.manager, z.session.id)
    assert again.expected_cash_minor == z.expected_cash_minor
    assert again.session.over_short_minor == z.over_short_minor
    with pytest.raises(tills.TillClosedError):
        tills.close_till(backend.uow(), shop.cashier, 0)


def test_blind_count_needs_a_count(backend: Backend, shop: Shop) -> None:
    tills.open_till(backend.uow(), shop.cashier, shop.store_id, 0)
    with pytest.raises(ValidationError, match="Count the cash"):
        tills.close_till(backend.uow(), shop.cashier)


def test_reports_are_for_managers(backend: Backend, shop: Shop) -> None:
    tills.open_till(backend.uow(), shop.cashier, shop.store_id, 0)
    with pytest.raises(PermissionDeniedError):
        tills.x_report(backend.uow(), shop.cashier)
    with pytest.raises(tills.TillClosedError, match="still open"):
        tills.z_report(
            backend.uow(), shop.manager, tills.recent_sessions(backend.uow(), shop.manager)[0].id
        )


def test_over_short_per_cashier(backend: Backend, shop: Shop) -> None:
    tills.open_till(backend.uow(), shop.cashier, shop.store_id, 5000)
    tills.close_till(backend.uow(), shop.cashier, 4900)
    tills.open_till(backend.uow(), shop.cashier, shop.store_id, 5000)
    tills.close_till(backend.uow(), shop.cashier, 5050)
    tills.open_till(backend.uow(), shop.manager, shop.store_id, 1000)
    tills.close_till(backend.uow(), shop.manager, 1000)
    today = datetime.now(UTC).date()
    rows = tills.over_short_by_cashier(
        backend.uow(), shop.manager, today - timedelta(days=1), today + timedelta(days=1)
    )
    summary = {row.cashier_name: (row.sessions, row.over_short_minor) for row in rows}
    assert summary == {"Sam Carter": (2, -50), "Grace Hopper": (1, 0)}
