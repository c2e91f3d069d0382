"""The order system's slice of the permission matrix: ``ACTION_CALLS`` for the lead's test.

Each call sets up what it needs (a store, stock, an open till, an order) in the unit of work it
is given, then runs the action as the given actor, so the matrix can call it for every role.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from posapp.models import CouponCode, Product, StockLevel, Store, TillSession
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import PermissionDeniedError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales import checkout, orders, parked, returns, tills
from posapp.services.sales import lookup as checkout_lookup
from posapp.services.sales import queries as orders_queries
from posapp.services.sales import report as orders_sales
from posapp.services.sales.dto import (
    BasketItem,
    DraftLine,
    ManagerApproval,
    ParkedCart,
    ParkedLine,
    PaymentDraft,
    PaymentKind,
    ProductDTO,
    SaleDraft,
)
from posapp.services.sales.order_dto import OrderFilter, ReturnLineRequest, ReturnRequest
from posapp.services.staff.permissions import ROLE_PERMISSIONS, Permission
from posapp.services.staff.security import ACTIONS
from tests.checkout_seed import PASSWORD, add_coupon, add_staff

Call = Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]
PRICE = 250


def _world(uow: UnitOfWork, staff: dict[str, UserDTO], *, till: bool = True) -> tuple[int, int]:
    """A store with a stocked product, and (if asked) an open till on the uow's register."""
    with uow:
        store = uow.session.scalar(select(Store).where(Store.code == "MX"))
        if store is None:
            store = Store(code="MX", name="Matrix store", kind="store")
            product = Product(
                sku="MX-1",
                sku_key="MX-1",
                barcode="2000000000015",
                name="Matrix item",
                price_minor=PRICE,
            )
            uow.session.add_all([store, product])
            uow.flush()
            uow.session.add(StockLevel(store_id=store.id, product_id=product.id, on_hand=100_000))
        product_id = uow.session.scalar(select(Product.id).where(Product.sku_key == "MX-1"))
        assert product_id is not None
        is_open = uow.session.scalar(
            select(TillSession.id).where(TillSession.open_register == uow.register)
        )
        if till and is_open is None:
            uow.session.add(
                TillSession(
                    store_id=store.id,
                    register=uow.register,
                    cashier_id=staff["admin"].id,
                    float_minor=0,
                    open_register=uow.register,
                )
            )
        store_id = store.id
        uow.commit()
    return store_id, int(product_id)


def _close_open_till(uow: UnitOfWork) -> None:
    with uow:
        for session in uow.session.scalars(
            select(TillSession).where(TillSession.open_register == uow.register)
        ):
            session.closed_at, session.open_register = uow.now(), None
            session.expected_minor = session.counted_minor = 0
        uow.commit()


def _order(
    uow: UnitOfWork, staff: dict[str, UserDTO], *, paid: bool = True, pickup: bool = False
) -> int:
    _store, product = _world(uow, staff)
    payments = (PaymentDraft(uuid.uuid4(), PaymentKind.CASH, PRICE, PRICE),) if paid else ()
    draft = SaleDraft(uuid.uuid4(), (DraftLine(1, product, 1),), payments=payments, pickup=pickup)
    return checkout.place_order(uow, staff["admin"], draft).order_id


def _approval(staff: dict[str, UserDTO]) -> ManagerApproval:
    return ManagerApproval(staff["manager"].username, PASSWORD, "matrix")


def _cart(uow: UnitOfWork, staff: dict[str, UserDTO]) -> ParkedCart:
    _store, product = _world(uow, staff)
    item = ProductDTO(product, "MX-1", None, "Matrix item", None, PRICE, 0, True)
    return ParkedCart(uuid.uuid4(), (ParkedLine(item, 1),))


def _parked(uow: UnitOfWork, staff: dict[str, UserDTO]) -> int:
    return parked.park_sale(uow, staff["admin"], _cart(uow, staff), total_minor=PRICE).id


def _closed_session(uow: UnitOfWork, staff: dict[str, UserDTO]) -> int:
    _world(uow, staff)
    return tills.close_till(uow, staff["admin"], 0).session.id


def _open_again(uow: UnitOfWork, staff: dict[str, UserDTO]) -> int:
    store, _product = _world(uow, staff, till=False)
    _close_open_till(uow)
    return store


def _number(uow: UnitOfWork, staff: dict[str, UserDTO]) -> str:
    order_id = _order(uow, staff)
    return orders_queries.order_detail(uow, staff["admin"], order_id).number


def _return(uow: UnitOfWork, actor: UserDTO, staff: dict[str, UserDTO]) -> object:
    order_id = _order(uow, staff)
    line = orders_queries.order_detail(uow, staff["admin"], order_id).lines[0]
    request = ReturnRequest(uuid.uuid4(), order_id, (ReturnLineRequest(line.id, 1),))
    return returns.return_items(uow, actor, request)


TODAY = datetime.now(UTC).date()

ACTION_CALLS: dict[str, Call] = {
    "sales.checkout.place_order": lambda uow, a, s: checkout.place_order(
        uow, a, SaleDraft(uuid.uuid4(), (DraftLine(1, _world(uow, s)[1], 1),))
    ),
    "sales.checkout.pay_order": lambda uow, a, s: checkout.pay_order(
        uow,
        a,
        _order(uow, s, paid=False),
        (PaymentDraft(uuid.uuid4(), PaymentKind.CASH, PRICE, PRICE),),
    ),
    "sales.checkout.verify_approval": lambda uow, a, s: checkout.verify_approval(
        uow, a, _approval(s), Permission.OVERRIDE_PRICE
    ),
    "sales.lookup.lookup_code": lambda uow, a, s: checkout_lookup.lookup_code(uow, a, "MX-1"),
    "sales.lookup.scan_code": lambda uow, a, s: checkout_lookup.scan_code(uow, a, "2100042004558"),
    "sales.lookup.search_products": lambda uow, a, s: checkout_lookup.search_products(
        uow, a, "mat"
    ),
    "sales.lookup.categories": lambda uow, a, s: checkout_lookup.categories(uow, a),
    "sales.lookup.category_products": lambda uow, a, s: checkout_lookup.category_products(
        uow, a, 1
    ),
    "sales.lookup.search_customers": lambda uow, a, s: checkout_lookup.search_customers(
        uow, a, "x"
    ),
    "sales.lookup.quote_sale_coupon": lambda uow, a, s: _quote(uow, a, s),  # noqa: PLW0108
    "sales.orders.advance_order": lambda uow, a, s: orders.advance_order(
        uow, a, _order(uow, s, pickup=True), "collect"
    ),
    "sales.orders.cancel_order": lambda uow, a, s: orders.cancel_order(
        uow, a, _order(uow, s, paid=False), "matrix", _approval(s)
    ),
    "sales.orders.void_sale": lambda uow, a, s: orders.void_sale(uow, a, uuid.uuid4(), 1, PRICE),
    "sales.orders.record_line_removed": lambda uow, a, s: orders.record_line_removed(
        uow, a, uuid.uuid4(), _world(uow, s)[1], 1, PRICE
    ),
    "sales.returns.return_items": _return,
    "sales.queries.order_page": lambda uow, a, s: orders_queries.order_page(uow, a, OrderFilter()),
    "sales.queries.order_detail": lambda uow, a, s: orders_queries.order_detail(
        uow, a, _order(uow, s)
    ),
    "sales.queries.find_order": lambda uow, a, s: orders_queries.find_order(
        uow, a, _number(uow, s)
    ),
    "sales.report.sales_summary": lambda uow, a, s: orders_sales.sales_summary(
        uow, a, TODAY - timedelta(days=1), TODAY
    ),
    "sales.parked.park_sale": lambda uow, a, s: parked.park_sale(
        uow, a, _cart(uow, s), total_minor=PRICE
    ),
    "sales.parked.parked_sales": lambda uow, a, s: (_world(uow, s), parked.parked_sales(uow, a)),
    "sales.parked.resume_sale": lambda uow, a, s: parked.resume_sale(uow, a, _parked(uow, s)),
    "sales.parked.discard_parked": lambda uow, a, s: parked.discard_parked(uow, a, _parked(uow, s)),
    "sales.tills.current_till": lambda uow, a, s: tills.current_till(uow, a),
    "sales.tills.till_denominations": lambda uow, a, s: tills.till_denominations(uow, a),
    "sales.tills.open_till": lambda uow, a, s: tills.open_till(uow, a, _open_again(uow, s), 0),
    "sales.tills.cash_movement": lambda uow, a, s: (
        _world(uow, s),
        tills.cash_movement(uow, a, 100, "matrix"),
    ),
    "sales.tills.check_close_till": lambda uow, a, s: tills.check_close_till(uow, a),
    "sales.tills.close_till": lambda uow, a, s: (_world(uow, s), tills.close_till(uow, a, 0)),
    "sales.tills.x_report": lambda uow, a, s: (_world(uow, s), tills.x_report(uow, a)),
    "sales.tills.z_report": lambda uow, a, s: tills.z_report(uow, a, _closed_session(uow, s)),
    "sales.tills.recent_sessions": lambda uow, a, s: tills.recent_sessions(uow, a),
    "sales.tills.over_short_by_cashier": lambda uow, a, s: tills.over_short_by_cashier(
        uow, a, TODAY - timedelta(days=1), TODAY
    ),
}
"""One call per order-system action, for ``tests/unit/test_security.py``'s ``CALLS``."""


def _quote(uow: UnitOfWork, actor: UserDTO, staff: dict[str, UserDTO]) -> object:
    _store, product = _world(uow, staff)
    with uow:
        exists = uow.session.scalar(select(CouponCode.id).where(CouponCode.code_key == "MATRIX1"))
    if exists is None:
        add_coupon(_Wrap(uow), "MATRIX-1")  # type: ignore[arg-type]
    basket = [BasketItem(1, product, None, 1, PRICE)]
    return checkout_lookup.quote_sale_coupon(
        uow, actor, "MATRIX-1", basket, customer_account_id=None
    )


class _Wrap:
    """Lets seed helpers that want a backend use a bare unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def uow(self) -> UnitOfWork:
        return self._uow


MINE = {name: permission for name, permission in ACTIONS.items() if name in ACTION_CALLS}


def test_every_order_action_has_a_call() -> None:
    prefixes = (
        "sales.checkout.",
        "sales.lookup.",
        "sales.orders.",
        "sales.returns.",
        "sales.queries.",
        "sales.report.",
        "sales.parked.",
        "sales.tills.",
    )
    mine = {name for name in ACTIONS if name.startswith(prefixes)}
    assert mine == set(ACTION_CALLS)


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_order_permission_matrix(backend: Backend, role: str) -> None:
    staff = add_staff(backend)
    actor = staff[role]
    for action, permission in MINE.items():
        if permission in ROLE_PERMISSIONS[role]:
            ACTION_CALLS[action](backend.uow(), actor, staff)
        else:
            with pytest.raises(PermissionDeniedError):
                ACTION_CALLS[action](backend.uow(), actor, staff)
