"""Tax rates as a table (issue #18): products pick a rate; a changed rate sells from the next sale.

On both databases: the permission matrix, validation that writes nothing and announces nothing,
the audit rows, the products' copies rewritten in the same transaction while past order lines
keep theirs, migration 0024 turning the products' own figures into rates, and ``posapp tax``.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import select

from posapp.cli.main import main
from posapp.events import RecordingPublisher, SettingChanged
from posapp.models import AuditEntry, OrderLine, Product, TaxRate
from posapp.money import tax_from_net
from posapp.services.backend import Backend
from posapp.services.catalog import FieldError, ProductDraft, taxes
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, PermissionDeniedError, ValidationError
from posapp.services.platform.migrate import current_revision, head_revision
from posapp.services.platform.migrate import upgrade_database as upgrade
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.staff import ACTIONS, ROLE_PERMISSIONS
from posapp.services.stock import StockLine
from tests.checkout_seed import Shop, open_shop_till, seed_shop
from tests.integration.migration_support import upgrade_all_but
from tests.integration.variants_support import shirt_draft, shirt_rows

ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]] = {
    "catalog.taxes.list_tax_rates": lambda uow, a, s: taxes.list_tax_rates(uow, a),
    "catalog.taxes.add_tax_rate": lambda uow, a, s: taxes.add_tax_rate(
        uow, a, f"Matrix {a.username}", "7", True
    ),
    "catalog.taxes.change_tax_rate": lambda uow, a, s: taxes.change_tax_rate(uow, a, 1, rate="8"),
    "catalog.taxes.set_default_tax_rate": lambda uow, a, s: taxes.set_default_tax_rate(uow, a, 1),
}


@pytest.fixture
def shop(backend: Backend) -> Shop:
    return seed_shop(backend)


def _product(backend: Backend, shop: Shop, sku: str, rate_id: int) -> int:
    draft = ProductDraft(sku=sku, name=f"Item {sku}", price_minor=1190, tax_rate_id=rate_id)
    product_id = backend.catalog.create_product(shop.manager, draft).id
    backend.stock.receive_stock(
        shop.manager, shop.store_id, [StockLine(product_id, 10)], reference=f"IN-{sku}"
    )
    return product_id


def _sell(backend: Backend, shop: Shop, product_id: int, total: int) -> int:
    placed = backend.sales.place_order(
        shop.cashier,
        SaleDraft(
            uuid.uuid4(),
            (DraftLine(1, product_id, 1),),
            payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CARD, total, card_reference="A1",
                                   card_last4="4242"),),
            expected_total_minor=total,
        ),
    )  # fmt: skip
    return placed.order_id


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_who_may_do_what(backend: Backend, shop: Shop, role: str) -> None:
    backend.catalog.add_tax_rate(shop.staff["admin"], "Standard", "19", True)
    actor = shop.staff[role]
    for name, call in ACTION_CALLS.items():
        if ACTIONS[name] in ROLE_PERMISSIONS[role]:
            with contextlib.suppress(NotFoundError, ValidationError):
                call(backend.uow(), actor, shop.staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(backend.uow(), actor, shop.staff)
    allowed = {name for name in ACTION_CALLS if ACTIONS[name] in ROLE_PERMISSIONS[role]}
    assert ("catalog.taxes.add_tax_rate" in allowed) == (role == "admin")


def test_a_changed_rate_applies_to_future_sales_only(
    backend: Backend, shop: Shop, publisher: RecordingPublisher
) -> None:
    admin = shop.staff["admin"]
    standard = backend.catalog.add_tax_rate(admin, "Standard VAT", "19", True)
    reduced = backend.catalog.add_tax_rate(admin, "Reduced VAT", "7", True)
    assert standard.is_default  # the first rate of the table
    tea = _product(backend, shop, "TEA-1", reduced.id)
    open_shop_till(backend, shop)
    first = _sell(backend, shop, tea, 1190)  # 7 % included
    version = backend.catalog.product(shop.manager, tea).version

    publisher.events.clear()
    changed = backend.catalog.change_tax_rate(admin, reduced.id, rate="5.5", included=False)
    assert (changed.rate_bp, changed.included, changed.products) == (550, False, 1)
    assert [e.key for e in publisher.events if isinstance(e, SettingChanged)] == [
        taxes.TAX_RATES_KEY
    ]
    product = backend.catalog.product(shop.manager, tea)
    assert (product.tax_rate_id, product.tax_rate_bp, product.tax_included) == (
        reduced.id,
        550,
        False,
    )
    assert product.version == version + 1  # an open editor sees the change
    second = _sell(backend, shop, tea, 1190 + tax_from_net(1190, 550))  # 5.5 % added
    with backend.read_uow() as uow:
        lines = dict(
            uow.session.execute(
                select(OrderLine.order_id, OrderLine.tax_rate_bp).where(OrderLine.product_id == tea)
            ).all()
        )
        before, after, user_id = uow.session.execute(
            select(AuditEntry.before, AuditEntry.after, AuditEntry.user_id).where(
                AuditEntry.action == "tax_rate.change"
            )
        ).one()
    assert lines == {first: 700, second: 550}  # the past sale keeps its copy
    assert json.loads(before or "{}")["rate_bp"] == 700
    assert json.loads(after or "{}")["rate_bp"] == 550
    assert json.loads(after or "{}")["products"] == 1
    assert user_id == admin.id

    backend.catalog.set_default_tax_rate(admin, reduced.id)
    rates = backend.catalog.tax_rates(shop.manager)
    assert [(r.name, r.is_default) for r in rates] == [
        ("Reduced VAT", True),
        ("Standard VAT", False),
    ]


def test_a_changed_rate_reaches_the_variants_and_their_template(
    backend: Backend, shop: Shop
) -> None:
    admin = shop.staff["admin"]
    standard = backend.catalog.add_tax_rate(admin, "Standard VAT", "20", True)
    saved = backend.catalog.save_template(shop.manager, shirt_draft())  # typed as 20 % included
    template = backend.catalog.template(shop.manager, saved.id)
    variants = [v.product_id for v in template.variants]
    assert variants
    assert all(
        backend.catalog.product(shop.manager, pid).tax_rate_id == standard.id for pid in variants
    )
    changed = backend.catalog.change_tax_rate(admin, standard.id, rate="21")
    assert changed.products == len(variants)
    assert {backend.catalog.product(shop.manager, pid).tax_rate_bp for pid in variants} == {2100}
    again = backend.catalog.template(shop.manager, saved.id)
    assert again.tax_rate_bp == 2100  # the next save of the matrix keeps the new rate
    ids = {v.values: v.product_id for v in again.variants}
    backend.catalog.save_template(
        shop.manager,
        shirt_draft(
            tax_rate_bp=again.tax_rate_bp,
            variants=tuple(replace(row, product_id=ids[row.values]) for row in shirt_rows()),
        ),
        template_id=saved.id,
        expected_changed_at=again.changed_at,
    )
    assert {backend.catalog.product(shop.manager, pid).tax_rate_bp for pid in variants} == {2100}


@pytest.mark.parametrize(
    ("name", "rate", "words"),
    [
        ("", "19", "name"),
        ("x" * 61, "19", "at most 60"),
        ("standard vat", "19", "already called 'Standard VAT'"),
        ("New", "101", "percentage from 0 to 100"),
        ("New", "-1", "percentage"),
        ("New", "5.555", "at most two decimals"),
        ("New", "1e1", "percentage"),
        ("New", "NaN", "percentage"),
        ("New", 10_001, "percentage"),
    ],
)
def test_bad_rates_write_nothing(
    backend: Backend,
    shop: Shop,
    publisher: RecordingPublisher,
    name: str,
    rate: str | int,
    words: str,
) -> None:
    admin = shop.staff["admin"]
    backend.catalog.add_tax_rate(admin, "Standard VAT", "19", True)
    publisher.events.clear()
    with pytest.raises(FieldError, match=words):
        backend.catalog.add_tax_rate(admin, name, rate, True)
    assert len(backend.catalog.tax_rates(admin)) == 1
    assert publisher.events == []


def test_products_pick_a_rate_of_the_table(backend: Backend, shop: Shop) -> None:
    admin = shop.staff["admin"]
    with pytest.raises(FieldError, match="no longer exists"):
        _product(backend, shop, "X-1", 999)
    with pytest.raises(FieldError, match="no longer exists"):
        _product(backend, shop, "X-2", 2**63)
    # a product saved with figures alone (the CSV import, the demo) gets the matching rate
    draft = ProductDraft(sku="X-3", name="By figures", price_minor=100, tax_rate_bp=2000)
    first = backend.catalog.create_product(shop.manager, draft)
    again = backend.catalog.create_product(shop.manager, ProductDraft(**{
        **{f: getattr(draft, f) for f in ("name", "price_minor", "tax_rate_bp")}, "sku": "X-4"
    }))  # fmt: skip
    assert first.tax_rate_id is not None
    assert again.tax_rate_id == first.tax_rate_id
    assert [(r.name, r.products) for r in backend.catalog.tax_rates(admin)] == [("20% incl.", 2)]


def test_the_cli_manages_rates_and_refuses_in_one_line(
    backend: Backend, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    url = database.url.render_as_string(hide_password=False)
    base = ["--database-url", url, "tax"]
    assert main([*base, "add", "Standard VAT", "19"]) == 0
    assert main([*base, "add", "Reduced", "7", "--added", "--default"]) == 0
    capsys.readouterr()
    assert main([*base, "list"]) == 0
    out = capsys.readouterr().out
    assert "Reduced *" in out
    assert "19%" in out
    for bad in (
        ["add", "standard vat", "5"],
        ["add", "Odd", "150"],
        ["set", "99", "--rate", "5"],
        ["set", "1", "--rate", "abc"],
        ["set", "1"],
        ["set-default", "99"],
    ):
        assert main([*base, *bad]) == 2, bad
        out, err = capsys.readouterr()
        assert out == ""
        assert len(err.strip().splitlines()) == 1
        assert err.startswith("posapp: error: ")
    assert main([*base, "set", "1", "--rate", "16", "--name", "Standard"]) == 0
    with backend.read_uow() as uow:
        rows = uow.session.execute(select(TaxRate.name, TaxRate.rate_bp).order_by(TaxRate.id))
        assert rows.all() == [("Standard", 1600), ("Reduced", 700)]


AT = "2024-01-01 00:00:00+00:00"


def test_migration_turns_the_products_figures_into_rates(bare: Database) -> None:
    upgrade_all_but(bare.engine, "0024")
    figures = ((2000, True), (2000, True), (700, False), (2000, False))
    with bare.engine.begin() as conn:
        for n, (rate, included) in enumerate(figures):
            conn.exec_driver_sql(
                "INSERT INTO products (sku, sku_key, name, description, price_minor, cost_minor, "
                "tax_rate_bp, tax_included, sold_by_weight, active, created_at, changed_at, "
                f"version) VALUES ('S{n}', 'S{n}', 'P{n}', '', 100, 50, {rate}, "
                f"{'true' if included else 'false'}, false, true, '{AT}', '{AT}', 1)"
            )
    upgrade(bare.engine)
    assert current_revision(bare.engine) == head_revision()
    with bare.read_sessions() as session:
        rates = {
            r.id: (r.name, r.rate_bp, r.included, r.is_default)
            for r in session.scalars(select(TaxRate))
        }
        assert sorted(rates.values()) == [
            ("20% added", 2000, False, False),
            ("20% incl.", 2000, True, True),  # the most used pair is the default
            ("7% added", 700, False, False),
        ]
        for product in session.scalars(select(Product)):
            _name, rate_bp, included, _ = rates[product.tax_rate_id or 0]
            assert (rate_bp, included) == (product.tax_rate_bp, product.tax_included)
