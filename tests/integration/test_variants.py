"""Product templates and variants on both databases: the matrix saved all or nothing, names,
search through the trigram index, selling variants by barcode, and the permission matrix."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from posapp.events import ProductsImported, RecordingPublisher
from posapp.models import AuditEntry, Product, ProductTemplate, VariantValue
from posapp.services.backend import Backend
from posapp.services.catalog import (
    AttributeDraft,
    MatrixError,
    TemplateDTO,
    VariantDraft,
    variants,
)
from posapp.services.catalog import products as catalog
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, PermissionDeniedError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.stock import StockLine
from tests.checkout_seed import open_shop
from tests.integration.catalog_support import add_staff, draft
from tests.integration.variants_support import shirt_barcode, shirt_draft, shirt_rows


@pytest.fixture
def staff(backend: Backend) -> dict[str, UserDTO]:
    return add_staff(backend)


def _count(backend: Backend, model: type[object]) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_matrix_makes_six_named_variants_in_one_event(
    backend: Backend, staff: dict[str, UserDTO], publisher: RecordingPublisher
) -> None:
    publisher.events.clear()
    saved = backend.catalog.save_template(staff["manager"], shirt_draft())
    assert [a.name for a in saved.attributes] == ["Colour", "Size"]
    assert [v.name for v in saved.variants] == [
        "T-shirt, blue, S",
        "T-shirt, blue, M",
        "T-shirt, blue, L",
        "T-shirt, red, S",
        "T-shirt, red, M",
        "T-shirt, red, L",
    ]
    assert [v.values for v in saved.variants][1] == ("blue", "M")
    assert [v.price_minor for v in saved.variants] == [1499] * 3 + [1599] * 3
    assert [type(e) for e in publisher.events] == [ProductsImported]
    assert publisher.events[0].created == 6  # type: ignore[union-attr]
    product = backend.catalog.product(staff["manager"], saved.variants[0].product_id)
    assert (product.sku, product.tax_rate_bp, product.price_minor) == ("TS-BLUE-S", 2000, 1499)
    with backend.read_uow() as uow:
        keys = uow.session.scalar(select(Product.search_keys).where(Product.sku == "TS-BLUE-M"))
        actions = uow.session.scalars(select(AuditEntry.action)).all()
    assert keys == "t-shirt blue m tshirt blue m"
    assert actions.count("product.create") == 6
    assert actions.count("template.create") == 1
    assert _count(backend, VariantValue) == 12
    assert backend.catalog.template_of(staff["cashier"], product.id) == saved.id
    assert [(t.name, t.variants) for t in backend.catalog.templates(staff["cashier"])] == [
        ("T-shirt", 6)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tshirt blue", {"T-shirt, blue, S", "T-shirt, blue, M", "T-shirt, blue, L"}),
        ("T-shirt blue M", {"T-shirt, blue, M"}),
        ("shirt red", {"T-shirt, red, S", "T-shirt, red, M", "T-shirt, red, L"}),
        ("TS-RED-L", {"T-shirt, red, L"}),
    ],
)
def test_search_finds_variants_by_template_and_values(
    backend: Backend, staff: dict[str, UserDTO], text: str, expected: set[str]
) -> None:
    backend.catalog.save_template(staff["manager"], shirt_draft())
    catalog.create_product(backend.uow(), staff["manager"], draft(sku="B-1", name="Blue mug"))
    found = backend.catalog.search(staff["cashier"], text)
    rows = backend.catalog.rows(staff["cashier"], list(found.ids))
    assert {row.name for row in rows} == expected
    register = backend.sales.search_products(staff["cashier"], text)
    assert {p.name for p in register} == expected


def test_the_register_f2_search_finds_a_phrase_of_template_and_value(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    backend.catalog.save_template(staff["manager"], shirt_draft())
    names = [p.name for p in backend.sales.search_products(staff["cashier"], "shirt blue")]
    assert sorted(names) == ["T-shirt, blue, L", "T-shirt, blue, M", "T-shirt, blue, S"]


def test_two_variants_sold_by_barcode_carry_their_names_and_their_stock_falls(
    backend: Backend,
) -> None:
    shop = open_shop(backend)
    saved = backend.catalog.save_template(shop.manager, shirt_draft())
    lines = [StockLine(v.product_id, 10) for v in saved.variants]
    backend.stock.receive_stock(shop.manager, shop.store_id, lines, reference="first delivery")
    blue_m = backend.sales.lookup_code(shop.cashier, shirt_barcode(1))
    red_l = backend.sales.lookup_code(shop.cashier, shirt_barcode(5))
    assert blue_m is not None
    assert red_l is not None
    total = blue_m.price_minor + 2 * red_l.price_minor
    placed = backend.sales.place_order(
        shop.cashier,
        SaleDraft(
            sale_uuid=uuid.uuid4(),
            lines=(DraftLine(1, blue_m.id, 1), DraftLine(2, red_l.id, 2)),
            payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, 5000),),
        ),
    )
    detail = backend.sales.order_detail(shop.cashier, placed.order_id)
    assert [(line.name, line.quantity) for line in detail.lines] == [
        ("T-shirt, blue, M", 1),
        ("T-shirt, red, L", 2),
    ]
    assert detail.total_minor == 1499 + 2 * 1599
    rows = backend.stock.stock_rows(
        shop.manager, shop.store_id, [v.product_id for v in saved.variants]
    )
    assert [row.on_hand for row in rows] == [10, 9, 10, 10, 10, 8]


def _cells(error: MatrixError) -> set[tuple[int | None, str]]:
    return {(cell.row, cell.field) for cell in error.errors}


def test_every_bad_cell_is_named_and_nothing_is_written(
    backend: Backend, staff: dict[str, UserDTO], publisher: RecordingPublisher
) -> None:
    catalog.create_product(
        backend.uow(), staff["manager"], draft(sku="TAKEN", barcode="4006381333931")
    )
    publisher.events.clear()
    rows = list(shirt_rows())
    rows[0] = dataclasses.replace(rows[0], sku="taken ")  # another product's SKU, other case
    rows[1] = dataclasses.replace(rows[1], barcode="4006381333931")  # another product's barcode
    rows[2] = dataclasses.replace(rows[2], sku="TS-BLUE-S", barcode="4006381333932")  # bad check
    rows[3] = dataclasses.replace(rows[3], price_minor=-1)
    rows[4] = dataclasses.replace(rows[4], values=("green", "M"), sku="=cmd")
    rows[5] = dataclasses.replace(rows[5], barcode=rows[5].barcode, sku="x" * 65)
    with pytest.raises(MatrixError) as raised:
        backend.catalog.save_template(staff["manager"], shirt_draft(variants=tuple(rows)))
    cells = _cells(raised.value)  # the cells' own checks and the database's, in one answer
    assert cells == {
        (0, "sku"),
        (1, "barcode"),
        (2, "barcode"),
        (3, "price"),
        (4, "values"),
        (5, "sku"),
    }
    assert "check digit" in str(next(c for c in raised.value.errors if c.row == 2)).lower()
    # a SKU twice in the grid marks the second; the database's checks stay
    rows[2] = dataclasses.replace(rows[2], barcode=None, sku="TS-BLUE-L")
    rows[3] = dataclasses.replace(rows[3], price_minor=None)
    rows[4] = dataclasses.replace(rows[4], values=("red", "M"), sku="TS-RED-M")
    rows[5] = dataclasses.replace(rows[5], sku="TS-BLUE-M")  # the same as row 2 (index 1)
    with pytest.raises(MatrixError) as raised:
        backend.catalog.save_template(staff["manager"], shirt_draft(variants=tuple(rows)))
    assert _cells(raised.value) == {(0, "sku"), (1, "barcode"), (5, "sku")}
    rows[5] = dataclasses.replace(rows[5], sku="TS-RED-L")
    with pytest.raises(MatrixError) as raised:
        backend.catalog.save_template(staff["manager"], shirt_draft(variants=tuple(rows)))
    assert _cells(raised.value) == {(0, "sku"), (1, "barcode")}
    assert "Gala Apples" in raised.value.errors[0].message
    assert _count(backend, ProductTemplate) == 0
    assert _count(backend, Product) == 1
    assert publisher.events == []


@pytest.mark.parametrize(
    ("fields", "cell"),
    [
        ({"code": ""}, (None, "code")),
        ({"name": "x" * 201}, (None, "name")),
        ({"price_minor": 10**15}, (None, "price")),
        ({"tax_rate_bp": 10_001}, (None, "tax_rate")),
        ({"attributes": ()}, (None, "attributes")),
        ({"variants": (*shirt_rows(), shirt_rows()[0])}, (6, "values")),
    ],
)
def test_bad_template_fields(
    backend: Backend, staff: dict[str, UserDTO], fields: dict[str, Any], cell: tuple[int, str]
) -> None:
    with pytest.raises(MatrixError) as raised:
        backend.catalog.save_template(staff["manager"], shirt_draft(**fields))
    assert cell in _cells(raised.value)
    assert _count(backend, Product) == 0


def test_an_edit_renames_adds_and_archives_in_one_save(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    saved = backend.catalog.save_template(staff["manager"], shirt_draft())
    kept = [
        VariantDraft(v.values, v.sku, v.barcode, v.price_minor, v.product_id)
        for v in saved.variants[1:]
    ]
    extra = VariantDraft(("blue", "XL"), "TS-BLUE-XL", None, None)
    attributes = (
        saved.attributes[0],
        dataclasses.replace(saved.attributes[1], values=("S", "M", "L", "XL")),
    )
    again = backend.catalog.save_template(
        staff["manager"],
        shirt_draft(name="Tee", attributes=attributes, variants=(*kept, extra)),
        template_id=saved.id,
    )
    by_sku = {v.sku: v for v in again.variants}
    assert by_sku["TS-BLUE-S"].active is False
    assert by_sku["TS-BLUE-M"].name == "Tee, blue, M"
    assert by_sku["TS-BLUE-XL"].name == "Tee, blue, XL"
    assert by_sku["TS-BLUE-XL"].price_minor == 1499
    assert backend.sales.lookup_code(staff["cashier"], shirt_barcode(0)) is None  # archived
    found = backend.catalog.search(staff["cashier"], "tee blue")
    assert len(found.ids) == 3


def test_a_save_over_someone_elses_is_refused(
    backend: Backend, staff: dict[str, UserDTO], publisher: RecordingPublisher
) -> None:
    opened = backend.catalog.save_template(staff["manager"], shirt_draft())
    backend.catalog.save_template(
        staff["admin"],
        shirt_draft(name="Tee", variants=_kept(opened)),
        template_id=opened.id,
        expected_changed_at=opened.changed_at,
    )
    publisher.events.clear()
    with pytest.raises(ConflictError, match="Someone saved “Tee”"):
        backend.catalog.save_template(
            staff["manager"],
            shirt_draft(name="Shirt", variants=_kept(opened)),
            template_id=opened.id,
            expected_changed_at=opened.changed_at,
        )
    assert backend.catalog.template(staff["manager"], opened.id).name == "Tee"
    assert publisher.events == []


def test_values_taken_out_leave_the_matrix_and_attributes_change_until_variants_exist(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    manager = staff["manager"]
    empty = backend.catalog.save_template(manager, shirt_draft(variants=()))
    fewer = (AttributeDraft("Colour", ("blue", "green")), AttributeDraft("Fit", ("slim",)))
    again = backend.catalog.save_template(
        manager, shirt_draft(attributes=fewer, variants=()), template_id=empty.id
    )
    assert again.attributes == fewer
    full = backend.catalog.save_template(manager, shirt_draft(), template_id=empty.id)
    blue = tuple(v for v in _kept(full) if v.values[0] == "blue")
    colours = (AttributeDraft("Colour", ("blue",)), full.attributes[1])
    after = backend.catalog.save_template(
        manager, shirt_draft(attributes=colours, variants=blue), template_id=empty.id
    )
    assert after.attributes[0].values == ("blue",)  # red: only archived variants have it
    assert sum(v.active for v in after.variants) == 3


def _kept(saved: TemplateDTO) -> tuple[VariantDraft, ...]:
    return tuple(
        VariantDraft(v.values, v.sku, v.barcode, v.price_minor, v.product_id)
        for v in saved.variants
    )


def test_a_row_cannot_edit_another_templates_variant(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    first = backend.catalog.save_template(staff["manager"], shirt_draft())
    other = shirt_draft(
        code="HOODIE",
        name="Hoodie",
        variants=(VariantDraft(("blue", "S"), "HO-1", None, None, first.variants[0].product_id),),
    )
    with pytest.raises(MatrixError) as raised:
        backend.catalog.save_template(staff["manager"], other)
    assert (0, "values") in _cells(raised.value)
    assert _count(backend, ProductTemplate) == 1


ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], Any]] = {
    "catalog.variants.save_template": lambda uow, a, s: variants.save_template(
        uow, a, shirt_draft(code=f"T-{a.role}", variants=())
    ),
    "catalog.variants.get_template": lambda uow, a, s: variants.get_template(uow, a, 1),
    "catalog.variants.list_templates": lambda uow, a, s: variants.list_templates(uow, a),
    "catalog.variants.template_of": lambda uow, a, s: variants.template_of(uow, a, 1),
}


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_variants_matrix(backend: Backend, staff: dict[str, UserDTO], role: str) -> None:
    from posapp.services.staff.permissions import ROLE_PERMISSIONS
    from posapp.services.staff.security import ACTIONS

    variants.save_template(backend.uow(), staff["admin"], shirt_draft(code="SEED", variants=()))
    assert {name for name in ACTIONS if name.startswith("catalog.variants.")} == set(ACTION_CALLS)
    actor = staff[role]
    for action, call in ACTION_CALLS.items():
        if ACTIONS[action] in ROLE_PERMISSIONS[role]:
            call(backend.uow(), actor, staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(backend.uow(), actor, staff)
