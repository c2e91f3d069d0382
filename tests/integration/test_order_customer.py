"""A sale records its customer, with or without an account (issue #19), on both databases.

Checkout writes ``orders.customer_id`` in the sale's transaction; an attached account implies its
customer; a customer id from the caller must name a customer whose data was not erased. The
purchase history and the order list read the column; erasure keeps the orders and blanks the
emails about them. The register's quick add records a walk-in with a name and a phone or email.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from posapp.models import AuditEntry, Customer, Order, OutboxAttachment, OutboxEmail
from posapp.services.accounts import AccountDraft
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, PermissionDeniedError, ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales import OrderFilter, receipt_email, sale_customers
from posapp.services.sales.dto import SaleDraft
from posapp.services.staff import ROLE_PERMISSIONS
from posapp.services.staff.security import ACTIONS
from tests.checkout_seed import Shop, cash_sale, on_hand, shop_with_open_till

ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]] = {
    "customers.manage.register_customer": lambda uow, actor, _s: sale_customers.add_sale_customer(
        uow, actor, "Matrix Walker", "0770 090 0123"
    ),
    "sales.sale_customers.find_sale_customers": lambda uow, actor, _s: (
        sale_customers.find_sale_customers(uow, actor, "Matrix")
    ),
    "sales.receipt_email.email_receipt": lambda uow, actor, _s: receipt_email.email_receipt(
        uow, actor, 999_999, "a@example.com", lambda _m: b"%PDF"
    ),
}
"""The use cases of the register's customer and emailed receipts (tests/unit/test_security.py)."""

APPLE = 120


@pytest.fixture
def shop(backend: Backend) -> Shop:
    return shop_with_open_till(backend)


def _sale(shop: Shop, **extra: object) -> SaleDraft:
    return cash_sale(shop, [("apple", 1)], 500, APPLE, **extra)


def _orders(backend: Backend) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Order)) or 0)


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_every_role_that_sells_may_find_add_and_email(
    backend: Backend, shop: Shop, role: str
) -> None:
    actor = shop.staff[role]
    for name, call in ACTION_CALLS.items():
        if ACTIONS[name] in ROLE_PERMISSIONS[role]:
            with contextlib.suppress(NotFoundError, ValidationError):
                call(backend.uow(), actor, shop.staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(backend.uow(), actor, shop.staff)


def test_a_walk_in_added_at_the_till_is_attached_and_their_sale_recorded(
    backend: Backend, shop: Shop
) -> None:
    cashier = shop.cashier
    walk_in = backend.sales.add_customer(cashier, "  Wanda  Walk-in ", "07700 900456")
    assert (walk_in.name, walk_in.phone, walk_in.account) == ("Wanda Walk-in", "07700 900456", None)
    [found] = backend.sales.find_customers(cashier, "900456")  # by the phone's digits
    assert found == walk_in
    placed = backend.sales.place_order(cashier, _sale(shop, customer_id=walk_in.id))
    with backend.read_uow() as uow:
        order = uow.session.get(Order, placed.order_id)
        assert order is not None
        assert (order.customer_id, order.customer_account_id) == (walk_in.id, None)
        record = uow.session.get(Customer, walk_in.id)
        assert record is not None
        assert not record.marketing_opt_in  # consent is never given at the till
        audit = uow.session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_kind == "customer", AuditEntry.object_id == walk_in.id
            )
        ).one()
        assert (audit.action, audit.reason, audit.user_id) == (
            "customer.created",
            "at the register",
            cashier.id,
        )
    [entry] = backend.customers.history(shop.manager, walk_in.id)
    assert (entry.number, entry.total_minor, entry.account_number) == (placed.number, APPLE, "")
    page = backend.sales.order_page(cashier, OrderFilter(customer_id=walk_in.id))
    assert [row.id for row in page] == [placed.order_id]


def test_an_attached_account_implies_its_customer(backend: Backend, shop: Shop) -> None:
    manager = shop.manager
    account = backend.accounts.open(manager, AccountDraft("Dora Buyer"), "2468")
    [dora] = backend.sales.find_customers(shop.cashier, "Dora")
    assert dora.account is not None
    assert dora.account.id == account.id
    by_account = backend.sales.place_order(
        shop.cashier, _sale(shop, customer_account_id=account.id)
    )
    both = backend.sales.place_order(
        shop.cashier, _sale(shop, customer_account_id=account.id, customer_id=dora.id)
    )
    with backend.read_uow() as uow:
        rows = uow.session.execute(
            select(Order.id, Order.customer_id).where(
                Order.id.in_([by_account.order_id, both.order_id])
            )
        ).all()
    assert {tuple(r) for r in rows} == {(by_account.order_id, dora.id), (both.order_id, dora.id)}
    history = backend.customers.history(manager, dora.id)
    assert {h.order_id for h in history} == {by_account.order_id, both.order_id}


@pytest.mark.parametrize(
    ("customer_id", "error", "words"),
    [
        (987_654, NotFoundError, "no longer exists"),
        (2**63, NotFoundError, "no longer exists"),
        (0, NotFoundError, "no longer exists"),
        (True, NotFoundError, "no longer exists"),
    ],
)
def test_a_customer_id_that_names_nobody_is_refused_and_nothing_written(
    backend: Backend, shop: Shop, customer_id: int, error: type[Exception], words: str
) -> None:
    before = (_orders(backend), on_hand(backend, shop, "apple"))
    with pytest.raises(error, match=words):
        backend.sales.place_order(shop.cashier, _sale(shop, customer_id=customer_id))
    assert (_orders(backend), on_hand(backend, shop, "apple")) == before


def test_an_erased_customer_or_another_customers_account_is_refused(
    backend: Backend, shop: Shop
) -> None:
    manager = shop.manager
    gone = backend.sales.add_customer(shop.cashier, "Gone Person", email="gone@example.com")
    backend.customers.erase(manager, gone.id, "their request of today")
    account = backend.accounts.open(manager, AccountDraft("Other Holder"), "1357")
    other = backend.sales.add_customer(shop.cashier, "Not The Holder", "0770 090 0999")
    before = (_orders(backend), on_hand(backend, shop, "apple"))
    with pytest.raises(ValidationError, match="erased"):
        backend.sales.place_order(shop.cashier, _sale(shop, customer_id=gone.id))
    with pytest.raises(ValidationError, match="another customer"):
        backend.sales.place_order(
            shop.cashier, _sale(shop, customer_account_id=account.id, customer_id=other.id)
        )
    with pytest.raises(NotFoundError, match="account no longer exists"):
        backend.sales.place_order(shop.cashier, _sale(shop, customer_account_id=2**63))
    assert (_orders(backend), on_hand(backend, shop, "apple")) == before
    assert backend.sales.find_customers(shop.cashier, "Gone") == []


@pytest.mark.parametrize(
    ("name", "phone", "email", "words"),
    [
        ("Ann", "", "", "phone number or email"),
        ("  ", "0770 090 0123", "", "name"),
        ("Ann", "0770 CALL ME", "", "letters"),
        ("Ann", "", "ann example.com", "@ is missing"),
        ("Ann\x00", "0770 090 0123", "", "control codes"),
        ("A" * 201, "0770 090 0123", "", "200"),
    ],
)
def test_quick_add_refuses_bad_details_and_records_nothing(
    backend: Backend, shop: Shop, name: str, phone: str, email: str, words: str
) -> None:
    with pytest.raises(ValidationError, match=words):
        backend.sales.add_customer(shop.cashier, name, phone, email)
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_names_that_look_like_markup_or_null_are_kept_as_typed(
    backend: Backend, shop: Shop
) -> None:
    for name in ("null", "None", "<b>bold</b>"):
        added = backend.sales.add_customer(shop.cashier, name, "0770 090 0123")
        assert added.name == name


def test_a_parked_sale_keeps_its_customer(backend: Backend, shop: Shop) -> None:
    from posapp.services.sales import ParkedCart, ParkedLine

    walk_in = backend.sales.add_customer(shop.cashier, "Parker Walk-in", "0770 090 0777")
    apple = backend.sales.lookup_code(shop.cashier, "4006381333931")
    assert apple is not None
    draft = _sale(shop)
    parked = backend.sales.park(
        shop.cashier,
        ParkedCart(draft.sale_uuid, (ParkedLine(apple, 1),), person=walk_in),
        APPLE,
    )
    assert parked.customer_name == "Parker Walk-in"
    resumed = backend.sales.resume(shop.cashier, parked.id)
    assert resumed.person == walk_in


def test_erasure_keeps_the_orders_and_blanks_the_receipts_emailed(
    backend: Backend, shop: Shop
) -> None:
    walk_in = backend.sales.add_customer(shop.cashier, "Erin Erase", email="erin@example.com")
    placed = backend.sales.place_order(shop.cashier, _sale(shop, customer_id=walk_in.id))
    sent = backend.sales.email_receipt(shop.cashier, placed.order_id, "", lambda _m: b"%PDF-1.4")
    assert sent.to_address == "erin@example.com"
    backend.customers.erase(shop.manager, walk_in.id, "asked at the till")
    with backend.read_uow() as uow:
        order = uow.session.get(Order, placed.order_id)
        assert order is not None
        assert (order.customer_id, order.total_minor) == (walk_in.id, APPLE)
        email = uow.session.get(OutboxEmail, sent.email_id)
        assert email is not None
        assert (email.to_address, email.status) == ("", "failed")
        assert "Erin" not in email.body
        files = select(func.count()).select_from(OutboxAttachment)
        assert uow.session.scalar(files.where(OutboxAttachment.email_id == email.id)) == 0
    [entry] = backend.customers.history(shop.manager, walk_in.id)
    assert entry.order_id == placed.order_id


def test_a_customer_without_an_account_is_on_the_order_receipt_and_parked_list(
    backend: Backend, shop: Shop
) -> None:
    from posapp.reports.receipt import receipt_pdf
    from posapp.services.sales import ParkedCart, ParkedLine

    walk_in = backend.sales.add_customer(shop.cashier, "Nora Noaccount", "0770 090 0555")
    placed = backend.sales.place_order(shop.cashier, _sale(shop, customer_id=walk_in.id))
    detail = backend.sales.order_detail(shop.cashier, placed.order_id)
    assert detail.customer is None  # no account
    assert detail.customer_name == "Nora Noaccount"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt_pdf(detail))).pages)
    assert "Customer Nora Noaccount" in text
    [row] = backend.sales.order_page(shop.cashier, OrderFilter())
    assert row.customer_name == "Nora Noaccount"
    apple = backend.sales.lookup_code(shop.cashier, "4006381333931")
    assert apple is not None
    backend.sales.park(
        shop.cashier,
        ParkedCart(_sale(shop).sale_uuid, (ParkedLine(apple, 1),), person=walk_in),
        APPLE,
    )
    [parked] = backend.sales.parked(shop.cashier)  # the F10 list, read again
    assert parked.customer_name == "Nora Noaccount"


def test_a_receipt_of_another_store_is_not_emailed(backend: Backend, shop: Shop) -> None:
    from posapp.services.staff import users
    from posapp.services.stock.dto import StoreInput

    placed = backend.sales.place_order(shop.cashier, _sale(shop))
    other = backend.stock.create_store(shop.staff["admin"], StoreInput("NTH", "North"))
    elsewhere = users.add_user(
        backend.uow(), None, "north", "1357", "cashier", full_name="Nils", store_id=other.id
    )
    with pytest.raises(NotFoundError):
        backend.sales.email_receipt(elsewhere, placed.order_id, "a@example.com", lambda _m: b"%PDF")
    sent = backend.sales.email_receipt(
        shop.cashier, placed.order_id, "a@example.com", lambda _m: b"%PDF"
    )
    assert sent.to_address == "a@example.com"
