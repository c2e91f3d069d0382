"""Customers (issue #19): records, search, history, export and erasure, on both databases."""

from __future__ import annotations

import contextlib
import csv
import json
import stat
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from posapp.models import AuditEntry, LedgerAccount, OrderLine, OutboxEmail
from posapp.services.accounts import AccountDraft
from posapp.services.backend import Backend
from posapp.services.customers import (
    CustomerDraft,
    customer_cursor,
    export,
    history_cursor,
    manage,
    queries,
)
from posapp.services.customers.export import ORDER_COLUMNS
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, PermissionDeniedError, ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales import checkout, returns
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.order_dto import ReturnLineRequest, ReturnRequest
from posapp.services.staff import ROLE_PERMISSIONS
from posapp.services.staff.security import ACTIONS
from tests.checkout_seed import Shop, add_coupon, shop_with_open_till
from tests.integration.accounts_support import check_ledger

ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]] = {
    "customers.manage.create_customer": lambda uow, actor, _s: manage.create_customer(
        uow, actor, CustomerDraft("Matrix Walker")
    ),
    "customers.manage.edit_customer": lambda uow, actor, _s: manage.edit_customer(
        uow, actor, 999_999, CustomerDraft("Matrix Walker")
    ),
    "customers.manage.get_customer": lambda uow, actor, _s: manage.get_customer(
        uow, actor, 999_999
    ),
    "customers.manage.erase_customer": lambda uow, actor, _s: manage.erase_customer(
        uow, actor, 999_999, "asked"
    ),
    "customers.export.export_customer": lambda uow, actor, _s: export.export_customer(
        uow, actor, 999_999, Path("/nonexistent/never.json")
    ),
    "customers.queries.search_customers": lambda uow, actor, _s: queries.search_customers(
        uow, actor, "x"
    ),
    "customers.queries.purchase_history": lambda uow, actor, _s: queries.purchase_history(
        uow, actor, 999_999
    ),
}
"""Every customers use case, for the permission matrix (tests/unit/test_security.py)."""

ANN = CustomerDraft(
    name="Ann Émile O'Brien-Smith",
    phone="+44 (0)7700 900123",
    email="ann@bücher.example",
    address="1 High Street\r\nLittle  Town",
    marketing_opt_in=True,
    notes="Prefers oat milk",
    tags="VIP, wholesale ,vip",
)


@pytest.fixture
def shop(backend: Backend) -> Shop:
    return shop_with_open_till(backend)


def test_a_customer_is_recorded_cleaned_and_audited(backend: Backend, shop: Shop) -> None:
    manager = shop.staff["manager"]
    ann = backend.customers.create(manager, ANN)
    assert (ann.name, ann.address, ann.tags) == (
        "Ann Émile O'Brien-Smith",
        "1 High Street\nLittle Town",
        ("vip", "wholesale"),
    )
    assert ann.email == "ann@bücher.example"
    assert ann.marketing_opt_in
    assert ann.opt_changed_at is not None
    assert ann.accounts == ()
    edited = backend.customers.edit(
        manager, ann.id, CustomerDraft(name="Ann Smith", tags="vip"), expected_version=ann.version
    )
    assert (edited.name, edited.phone, edited.marketing_opt_in) == ("Ann Smith", "", False)
    with backend.read_uow() as uow:
        actions = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_kind == "customer")
        ).all()
    assert actions == ["customer.created", "customer.edited"]
    with pytest.raises(Exception, match="changed this customer"):
        backend.customers.edit(manager, ann.id, ANN, expected_version=ann.version)


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (CustomerDraft(name="  "), "Enter the customer's name"),
        (CustomerDraft(name="Ann\x00"), "control codes"),
        (CustomerDraft(name="Ann", email="ann@@example"), "cannot hold"),
        (CustomerDraft(name="Ann", email="ann@example"), "domain"),
        (CustomerDraft(name="Ann", email="ann example.com"), "@ is missing"),
        (CustomerDraft(name="Ann", phone="0770 CALL ME"), "letters"),
        (CustomerDraft(name="Ann", phone="12"), "digits"),
        (CustomerDraft(name="Ann", tags="vip, <script>"), "tag"),
        (CustomerDraft(name="Ann", tags=",".join(f"t{i}" for i in range(11))), "10 tags"),
        (CustomerDraft(name="Ann", notes="card 4111 1111 1111 1111"), "card"),
        (CustomerDraft(name="Ann", address="Flat\u200b 2"), "invisible"),
        (CustomerDraft(name="A" * 201), "200"),
    ],
)
def test_bad_inputs_are_refused_in_words_and_nothing_is_written(
    backend: Backend, shop: Shop, draft: CustomerDraft, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        backend.customers.create(shop.staff["manager"], draft)
    assert backend.customers.search(shop.staff["cashier"], "") == []


def test_search_finds_a_customer_by_any_field_in_keyset_pages(backend: Backend, shop: Shop) -> None:
    manager, cashier = shop.staff["manager"], shop.staff["cashier"]
    ann = backend.customers.create(manager, ANN)
    for i in range(5):
        backend.customers.create(manager, CustomerDraft(name=f"Zed {i}", email=f"z{i}@x.org"))
    account = backend.accounts.open(
        manager, AccountDraft("Bob Holder", phone="01234 567890"), "2468"
    )
    for text in ("o'brien", "ANN@", "07700900123", "7700 900", "little town", "oat", "wholesale"):
        assert [r.id for r in backend.customers.search(cashier, text)] == [ann.id], text
    bob = backend.customers.search(cashier, account.number[2:9])
    assert [(r.name, r.account_id) for r in bob] == [("Bob Holder", account.id)]
    assert [r.name for r in backend.customers.search(cashier, "01234567890")] == ["Bob Holder"]
    assert backend.customers.search(cashier, "50%_") == []
    first = backend.customers.search(cashier, "zed", limit=2)
    second = backend.customers.search(cashier, "zed", customer_cursor(first[-1]), limit=2)
    third = backend.customers.search(cashier, "zed", customer_cursor(second[-1]), limit=2)
    assert [r.name for r in first + second + third] == [f"Zed {i}" for i in range(5)]
    with pytest.raises(ValidationError, match="invisible"):
        backend.customers.search(cashier, "an\u200bn")


def test_opening_an_account_gives_it_a_customer_who_holds_the_consent(
    backend: Backend, shop: Shop
) -> None:
    manager = shop.staff["manager"]
    account = backend.accounts.open(
        manager, AccountDraft("Cleo Holder", "cleo@example.com", marketing_opt_in=True), "2468"
    )
    [row] = backend.customers.search(manager, "Cleo")
    customer = backend.customers.get(manager, row.id)
    assert [a.number for a in customer.accounts] == [account.number]
    assert customer.marketing_opt_in
    assert account.marketing_opt_in
    draft = AccountDraft("Cleo Holder", "cleo@example.com", marketing_opt_in=False)
    edited = backend.accounts.edit(manager, account.id, draft, account.version)
    assert not edited.marketing_opt_in
    assert not backend.customers.get(manager, row.id).marketing_opt_in


def _sale(backend: Backend, shop: Shop, account_id: int, coupon: str = "") -> int:
    price = shop.items["cake"].price_minor * 2
    total = price - price // 10 if coupon else price
    placed = checkout.place_order(
        backend.uow(),
        shop.staff["cashier"],
        SaleDraft(
            sale_uuid=uuid.uuid4(),
            lines=(DraftLine(1, shop.products["cake"], 2),),
            payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, total),),
            customer_account_id=account_id,
            coupon_codes=(coupon,) if coupon else (),
        ),
    )
    return placed.order_id


def _customer_with_orders(backend: Backend, shop: Shop) -> tuple[int, int, list[int]]:
    manager = shop.staff["manager"]
    account = backend.accounts.open(manager, AccountDraft("Dora Buyer", "dora@example.com"), "2468")
    add_coupon(backend, "SPRING-10")
    orders = [_sale(backend, shop, account.id, "SPRING-10" if i == 1 else "") for i in range(3)]
    with backend.read_uow() as uow:
        line_id = uow.session.scalar(select(OrderLine.id).where(OrderLine.order_id == orders[0]))
    assert line_id is not None
    request = ReturnRequest(uuid.uuid4(), orders[0], (ReturnLineRequest(line_id, 1),))
    returns.return_items(backend.uow(), manager, request)
    [row] = backend.customers.search(manager, "Dora")
    return row.id, account.id, orders


def test_purchase_history_lists_orders_returns_and_coupons_in_pages(
    backend: Backend, shop: Shop
) -> None:
    customer_id, _account, orders = _customer_with_orders(backend, shop)
    cashier = shop.staff["cashier"]
    first = backend.customers.history(cashier, customer_id, limit=2)
    rest = backend.customers.history(cashier, customer_id, history_cursor(first[-1]), limit=2)
    entries = first + rest
    assert [e.order_id for e in entries] == orders[::-1]
    assert entries[1].coupon_codes == ("SPRING-10",)
    assert (entries[2].returns, entries[2].returned_minor) == (1, shop.items["cake"].price_minor)
    assert entries[0].returns == 0
    with pytest.raises(NotFoundError):
        backend.customers.history(cashier, 999_999)


def test_export_writes_private_json_and_csv_and_is_audited(
    backend: Backend, shop: Shop, tmp_path: Path
) -> None:
    customer_id, _account, orders = _customer_with_orders(backend, shop)
    manager = shop.staff["manager"]
    out = tmp_path / "dora.json"
    backend.customers.export(manager, customer_id, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["customer"]["name"] == "Dora Buyer"
    assert [o["order_id"] for o in data["orders"]] == orders[::-1]
    sheet = tmp_path / "dora.csv"
    backend.customers.export(manager, customer_id, sheet)
    assert stat.S_IMODE(sheet.stat().st_mode) == 0o600
    rows = list(csv.reader(sheet.read_text(encoding="utf-8").splitlines()))
    assert ["email", "dora@example.com"] in rows
    header = rows.index(list(ORDER_COLUMNS))
    assert [r[5] for r in rows[header + 1 :]] == ["0", "0", "1"]
    with pytest.raises(ValidationError, match="exists already"):
        backend.customers.export(manager, customer_id, out)
    with pytest.raises(ValidationError, match=r"\.json or \.csv"):
        backend.customers.export(manager, customer_id, tmp_path / "dora.txt")
    with backend.read_uow() as uow:
        exported = uow.session.scalars(
            select(AuditEntry.after).where(AuditEntry.action == "customer.exported")
        ).all()
    assert len(exported) == 2
    assert "Dora" not in str(exported)


def test_erasure_blanks_the_person_and_keeps_orders_and_ledger_whole(
    backend: Backend, shop: Shop
) -> None:
    customer_id, account_id, orders = _customer_with_orders(backend, shop)
    manager = shop.staff["manager"]
    with pytest.raises(ValidationError, match="Close the customer's account"):
        backend.customers.erase(manager, customer_id, "Her request of 3 May")
    backend.accounts.close(manager, account_id, "customer leaves")
    with pytest.raises(ValidationError, match="Say why"):
        backend.customers.erase(manager, customer_id, "  ")
    before = check_ledger(backend.read_uow())
    erased = backend.customers.erase(manager, customer_id, "Her request of 3 May")
    assert erased.erased
    assert (erased.name, erased.email, erased.phone, erased.notes) == (
        f"Erased customer {customer_id}",
        "",
        "",
        "",
    )
    account = backend.accounts.get(manager, account_id)
    assert (account.holder_name, account.email) == (erased.name, "")
    assert check_ledger(backend.read_uow()) == before
    with backend.read_uow() as uow:
        names = uow.session.scalars(select(LedgerAccount.name)).all()
        after, reason = uow.session.execute(
            select(AuditEntry.after, AuditEntry.reason).where(
                AuditEntry.action == "customer.erased"
            )
        ).one()
        emails = uow.session.execute(
            select(OutboxEmail.to_address, OutboxEmail.body, OutboxEmail.status)
        ).all()
    assert not any("Dora" in name for name in names)
    assert emails  # checkout queued the receipts to her address: blanked and cancelled
    assert {(e.to_address, e.status) for e in emails} == {("", "failed")}
    assert not any("Dora" in e.body or "dora@" in e.body for e in emails)
    assert "Dora" not in str(after)
    assert reason == "Her request of 3 May"
    history = backend.customers.history(manager, customer_id)
    assert [e.order_id for e in history] == orders[::-1]
    assert backend.customers.search(manager, "Dora") == []
    with pytest.raises(ValidationError, match="erased"):
        backend.customers.erase(manager, customer_id, "again")
    with pytest.raises(ValidationError, match="erased"):
        backend.customers.edit(manager, customer_id, ANN)


def test_cashiers_view_and_managers_manage(backend: Backend, shop: Shop, tmp_path: Path) -> None:
    cashier = shop.staff["cashier"]
    ann = backend.customers.create(shop.staff["manager"], ANN)
    assert backend.customers.get(cashier, ann.id).name == ann.name
    assert backend.customers.history(cashier, ann.id) == []
    with pytest.raises(PermissionDeniedError):
        backend.customers.create(cashier, ANN)
    with pytest.raises(PermissionDeniedError):
        backend.customers.edit(cashier, ann.id, ANN)
    with pytest.raises(PermissionDeniedError):
        backend.customers.export(cashier, ann.id, tmp_path / "x.json")
    with pytest.raises(PermissionDeniedError):
        backend.customers.erase(cashier, ann.id, "asked")
    assert not (tmp_path / "x.json").exists()


def test_the_register_finds_an_account_by_its_customers_record(
    backend: Backend, shop: Shop
) -> None:
    manager, cashier = shop.staff["manager"], shop.staff["cashier"]
    account = backend.accounts.open(manager, AccountDraft("Eve Holder"), "2468")
    [row] = backend.customers.search(manager, "Eve Holder")
    version = backend.customers.get(manager, row.id).version
    draft = CustomerDraft("Eve Holder", address="9 Mill Lane", notes="Bakery", tags="trade")
    backend.customers.edit(manager, row.id, draft, expected_version=version)
    backend.customers.create(manager, CustomerDraft("No Account", tags="trade"))
    for text in ("trade", "mill lane", "bakery"):
        assert [c.id for c in backend.sales.search_customers(cashier, text)] == [account.id]


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_who_may_do_what(backend: Backend, shop: Shop, role: str) -> None:
    actor = shop.staff[role]
    for name, call in ACTION_CALLS.items():
        if ACTIONS[name] in ROLE_PERMISSIONS[role]:
            with contextlib.suppress(NotFoundError, ValidationError):
                call(backend.uow(), actor, shop.staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(backend.uow(), actor, shop.staff)
    allowed = {name for name in ACTION_CALLS if ACTIONS[name] in ROLE_PERMISSIONS[role]}
    reads = {n for n in ACTION_CALLS if n.endswith(("get_customer", "_customers", "_history"))}
    assert allowed == (reads if role == "cashier" else set(ACTION_CALLS))
