"""Products and categories through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from posapp import i18n
from posapp.events import ProductChanged, RecordingPublisher
from posapp.models import AuditEntry, Product, ProductImage
from posapp.services.backend import Backend
from posapp.services.catalog import categories as catalog_categories
from posapp.services.catalog import products as catalog
from posapp.services.catalog.rules import FieldError
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, NotFoundError, PermissionDeniedError
from posapp.services.platform.uow import UnitOfWork
from tests.integration.catalog_support import add_staff, draft, image


@pytest.fixture
def staff(backend: Backend) -> dict[str, UserDTO]:
    return add_staff(backend)


def count(backend: Backend, model: type[object]) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def product_events(publisher: RecordingPublisher) -> list[tuple[int, str]]:
    return [(e.product_id, e.change) for e in publisher.events if isinstance(e, ProductChanged)]


# --- create, edit, archive ---------------------------------------------------------------------


def test_create_product_with_images(
    backend: Backend, staff: dict[str, UserDTO], publisher: RecordingPublisher
) -> None:
    fruit = catalog_categories.create_category(backend.uow(), staff["manager"], "Fruit")
    created = catalog.create_product(
        backend.uow(),
        staff["manager"],
        draft(
            sku=" apl-1 ",
            barcode="5012345678900",
            description="Crisp.\nSweet.",
            category_id=fruit.id,
            cost_minor=200,
            tax_rate_bp=550,
            tax_included=False,
        ),
        [image("red"), image("green", fmt="JPEG")],
    )
    assert (created.sku, created.barcode, created.category_path) == (
        "apl-1",
        "5012345678900",
        "Fruit",
    )
    assert (created.price_minor, created.cost_minor, created.tax_rate_bp) == (349, 200, 550)
    assert created.tax_included is False
    assert created.active is True
    assert [i.position for i in created.images] == [0, 1]
    assert all(i.thumbnail and i.storage_name.endswith(".jpg") for i in created.images)
    assert product_events(publisher) == [(created.id, "created")]
    assert catalog.image_data(backend.read_uow(), staff["cashier"], created.images[0].id)
    again = catalog.get_product(backend.read_uow(), staff["cashier"], created.id)
    assert again == created


def test_edit_moves_the_version_and_records_before_and_after(
    backend: Backend, staff: dict[str, UserDTO], publisher: RecordingPublisher
) -> None:
    first = catalog.create_product(backend.uow(), staff["admin"], draft())
    edited = catalog.update_product(
        backend.uow(), staff["manager"], first.id, draft(price=399), expected_version=first.version
    )
    assert edited.version == first.version + 1
    assert edited.price_minor == 399
    with backend.read_uow() as uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "product.edit")
        ).one()
        assert '"price_minor": 349' in (entry.before or "")
        assert '"price_minor": 399' in (entry.after or "")
        assert entry.user_id == staff["manager"].id
    assert product_events(publisher)[-1] == (first.id, "edited")


def test_images_are_added_reordered_replaced_and_removed(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    product = catalog.create_product(
        backend.uow(), staff["admin"], draft(), [image("red"), image("blue")]
    )
    red, blue = product.images
    new = image("green")
    changed = catalog.update_product(
        backend.uow(),
        staff["admin"],
        product.id,
        draft(),
        expected_version=product.version,
        images=[new, blue.id],  # red replaced by green, and green first
    )
    assert [i.id for i in changed.images][1] == blue.id
    assert [i.position for i in changed.images] == [0, 1]
    assert count(backend, ProductImage) == 2
    kept = catalog.update_product(
        backend.uow(), staff["admin"], product.id, draft(), expected_version=changed.version
    )
    assert [i.id for i in kept.images] == [i.id for i in changed.images]  # None: unchanged
    cleared = catalog.update_product(
        backend.uow(), staff["admin"], product.id, draft(), expected_version=kept.version, images=[]
    )
    assert cleared.images == ()
    assert count(backend, ProductImage) == 0
    with pytest.raises(NotFoundError):
        catalog.image_data(backend.read_uow(), staff["admin"], red.id)


def test_at_most_eight_images(backend: Backend, staff: dict[str, UserDTO]) -> None:
    with pytest.raises(FieldError, match="at most 8 images") as caught:
        catalog.create_product(backend.uow(), staff["admin"], draft(), [image()] * 9)
    assert caught.value.field == "images"
    assert count(backend, Product) == 0


def test_archive_and_restore_never_delete(
    backend: Backend, staff: dict[str, UserDTO], publisher: RecordingPublisher
) -> None:
    product = catalog.create_product(backend.uow(), staff["admin"], draft())
    archived = catalog.archive_product(backend.uow(), staff["manager"], product.id)
    assert archived.active is False
    assert (
        catalog.archive_product(backend.uow(), staff["manager"], product.id).version
        == archived.version
    )
    assert catalog.search_products(backend.read_uow(), staff["cashier"], "").ids == ()
    assert catalog.search_products(
        backend.read_uow(), staff["cashier"], "", include_archived=True
    ).ids == (product.id,)
    assert catalog.lookup_code(backend.read_uow(), "APL-1") is None
    restored = catalog.restore_product(backend.uow(), staff["manager"], product.id)
    assert restored.active is True
    assert count(backend, Product) == 1
    assert [c for _, c in product_events(publisher)] == ["created", "archived", "restored"]


# --- uniqueness ----------------------------------------------------------------------------------


@pytest.mark.parametrize("other", ["apl-1", " APL-1 ", "Apl-1\u00a0", "ＡＰＬ－１"])
def test_skus_differing_only_by_case_or_spaces_are_refused(
    backend: Backend, staff: dict[str, UserDTO], publisher: RecordingPublisher, other: str
) -> None:
    catalog.create_product(backend.uow(), staff["admin"], draft(sku="APL-1"))
    publisher.events.clear()
    message = r"already used by “Gala Apples” .*ignoring case"
    with pytest.raises(FieldError, match=message) as caught:
        catalog.create_product(
            backend.uow(), staff["admin"], draft(sku=other, name="Other"), [image()]
        )
    assert caught.value.field == "sku"
    assert count(backend, Product) == 1
    assert count(backend, ProductImage) == 0  # nothing half-written
    assert publisher.events == []


def test_an_archived_product_keeps_its_sku_and_barcode(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    old = catalog.create_product(backend.uow(), staff["admin"], draft(barcode="96385074"))
    catalog.archive_product(backend.uow(), staff["admin"], old.id)
    with pytest.raises(FieldError, match="archived"):
        catalog.create_product(backend.uow(), staff["admin"], draft(name="New apples"))
    with pytest.raises(FieldError, match="barcode 96385074 is already used"):
        catalog.create_product(backend.uow(), staff["admin"], draft(sku="B", barcode=" 96385074 "))


def test_upc_a_and_ean_13_forms_cannot_belong_to_two_products(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    upc = catalog.create_product(backend.uow(), staff["admin"], draft(barcode="012345678905"))
    with pytest.raises(FieldError, match="already used"):
        catalog.create_product(
            backend.uow(), staff["admin"], draft(sku="X", barcode="0012345678905")
        )
    assert catalog.lookup_code(backend.read_uow(), "0012345678905").id == upc.id  # type: ignore[union-attr]
    assert catalog.lookup_code(backend.read_uow(), "012345678905").id == upc.id  # type: ignore[union-attr]


def test_saving_a_product_with_its_own_codes_is_fine(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    product = catalog.create_product(backend.uow(), staff["admin"], draft(barcode="96385074"))
    saved = catalog.update_product(
        backend.uow(),
        staff["admin"],
        product.id,
        draft(sku="apl-1", barcode="96385074"),
        expected_version=product.version,
    )
    assert saved.sku == "apl-1"


# --- bad inputs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"sku": ""}, "sku", "Enter a SKU"),
        ({"sku": "x" * 256}, "sku", "at most 64"),
        ({"sku": "a\tb"}, "sku", "TAB"),
        ({"name": ""}, "name", "Enter a name"),
        ({"name": "x" * 256}, "name", "at most 200"),
        ({"name": "x" * 10_000}, "name", "10,000"),
        ({"name": "a\x00b"}, "name", "NUL"),
        ({"name": "a\nb"}, "name", "LINE BREAK"),
        ({"barcode": "5012345678901"}, "barcode", "check digit should be 0"),
        ({"barcode": "00123"}, "barcode", "cannot start with 0"),
        ({"barcode": "1.23E+12"}, "barcode", "scientific notation"),
        ({"description": "x" * 10_001}, "description", "10,000"),
        ({"price": -1}, "price", "between 0 and"),
        ({"price": 10**12}, "price", "between 0 and"),
        ({"price": True}, "price", "whole number"),
        ({"cost_minor": 1.5}, "cost", "whole number"),
        ({"tax_rate_bp": 10_001}, "tax_rate", "between 0 % and 100 %"),
        ({"category_id": 999_999}, "category", "no longer exists"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_written(
    backend: Backend,
    staff: dict[str, UserDTO],
    publisher: RecordingPublisher,
    fields: dict[str, Any],
    field: str,
    message: str,
) -> None:
    publisher.events.clear()
    with pytest.raises(FieldError, match=message) as caught:
        catalog.create_product(backend.uow(), staff["admin"], draft(**fields), [image()])
    assert caught.value.field == field
    assert count(backend, Product) == 0
    assert count(backend, ProductImage) == 0
    assert publisher.events == []


@pytest.mark.parametrize(
    "name", ["🍎 Äpfel <b>bold</b>", "<img src=x>", '=HYPERLINK("x")', "null", "' OR 1=1--"]
)
def test_unusual_names_are_stored_literally(
    backend: Backend, staff: dict[str, UserDTO], name: str
) -> None:
    product = catalog.create_product(backend.uow(), staff["admin"], draft(name=name))
    assert catalog.get_product(backend.read_uow(), staff["admin"], product.id).name == name


# --- optimistic locking --------------------------------------------------------------------------


def test_the_second_save_of_the_same_version_is_a_conflict(
    backend: Backend, staff: dict[str, UserDTO], publisher: RecordingPublisher
) -> None:
    product = catalog.create_product(backend.uow(), staff["admin"], draft())
    catalog.update_product(
        backend.uow(),
        staff["manager"],
        product.id,
        draft(price=400),
        expected_version=product.version,
    )
    publisher.events.clear()
    with pytest.raises(
        ConflictError, match="Grace Hopper changed “Gala Apples” after you opened it"
    ):
        catalog.update_product(
            backend.uow(),
            staff["admin"],
            product.id,
            draft(price=999),
            expected_version=product.version,
            images=[image()],
        )
    stored = catalog.get_product(backend.read_uow(), staff["admin"], product.id)
    assert stored.price_minor == 400  # never a silent overwrite
    assert stored.images == ()
    assert publisher.events == []
    with pytest.raises(ConflictError):
        catalog.archive_product(
            backend.uow(), staff["admin"], product.id, expected_version=product.version
        )


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_a_race_past_the_check_is_caught_by_the_version_column(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    """Another register commits between our read and our write: the UPDATE matches no row.

    (On SQLite, BEGIN IMMEDIATE serialises writers, so the explicit version check decides.)
    """
    product = catalog.create_product(backend.uow(), staff["admin"], draft())
    table = Product.__table__
    uow = backend.uow()
    with uow:
        row = uow.session.get(Product, product.id)
        assert row is not None
        with backend.database.engine.begin() as other:
            other.execute(
                table.update()  # type: ignore[attr-defined]
                .where(table.c.id == product.id)
                .values(version=table.c.version + 1, price_minor=1)
            )
        row.price_minor = 2
        with pytest.raises(ConflictError, match="Someone else changed this"):
            uow.flush()
    assert catalog.get_product(backend.read_uow(), staff["admin"], product.id).price_minor == 1


# --- permissions ---------------------------------------------------------------------------------


def test_cashiers_look_but_do_not_change(backend: Backend, staff: dict[str, UserDTO]) -> None:
    product = catalog.create_product(backend.uow(), staff["manager"], draft())
    cashier = staff["cashier"]
    assert catalog.get_product(backend.read_uow(), cashier, product.id).id == product.id
    assert catalog.search_products(backend.read_uow(), cashier, "gala").ids == (product.id,)
    for action in (
        lambda: catalog.create_product(backend.uow(), cashier, draft(sku="X")),
        lambda: catalog.update_product(
            backend.uow(), cashier, product.id, draft(), expected_version=product.version
        ),
        lambda: catalog.archive_product(backend.uow(), cashier, product.id),
        lambda: catalog_categories.create_category(backend.uow(), cashier, "X"),
    ):
        with pytest.raises(PermissionDeniedError):
            action()


# --- categories ----------------------------------------------------------------------------------


def test_category_tree(backend: Backend, staff: dict[str, UserDTO]) -> None:
    admin = staff["admin"]
    food = catalog_categories.create_category(backend.uow(), admin, "Food")
    fruit = catalog_categories.create_category(backend.uow(), admin, "Fruit", food.id)
    apples = catalog_categories.create_category(backend.uow(), admin, "Apples", fruit.id)
    catalog_categories.create_category(backend.uow(), admin, "Drinks")
    assert apples.path == "Food > Fruit > Apples"
    assert apples.depth == 2
    tree = catalog_categories.list_categories(backend.read_uow(), staff["cashier"])
    assert [c.path for c in tree] == ["Drinks", "Food", "Food > Fruit", "Food > Fruit > Apples"]
    with pytest.raises(ConflictError, match="already a category 'Fruit'"):
        catalog_categories.create_category(backend.uow(), admin, "FRUIT", food.id)
    catalog_categories.create_category(backend.uow(), admin, "Fruit")  # same name elsewhere is fine
    with pytest.raises(Exception, match="under itself"):
        catalog_categories.update_category(
            backend.uow(), admin, food.id, parent_id=apples.id, move=True
        )
    moved = catalog_categories.update_category(
        backend.uow(), admin, apples.id, name="Pommes", parent_id=None, move=True
    )
    assert moved.path == "Pommes"
    with pytest.raises(NotFoundError):
        catalog_categories.create_category(backend.uow(), admin, "X", 999_999)


def test_a_product_shows_its_category_path(backend: Backend, staff: dict[str, UserDTO]) -> None:
    admin = staff["admin"]
    food = catalog_categories.create_category(backend.uow(), admin, "Food")
    fruit = catalog_categories.create_category(backend.uow(), admin, "Fruit", food.id)
    product = catalog.create_product(backend.uow(), admin, draft(category_id=fruit.id))
    rows = catalog.product_page(backend.read_uow(), admin, [product.id])
    assert rows[0].category_path == "Food > Fruit"
    assert catalog.lookup_code(backend.read_uow(), "apl-1").category_path == "Food > Fruit"  # type: ignore[union-attr]


# --- the permission matrix: the lead adds these to tests/unit/test_security.py::CALLS ----------

Call = Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]


def _version(uow: UnitOfWork, product_id: int) -> int:
    with uow:
        return int(uow.session.scalar(select(Product.version).where(Product.id == product_id)) or 1)


ACTION_CALLS: dict[str, Call] = {
    "catalog.products.create_product": lambda uow, a, s: catalog.create_product(
        uow, a, draft(sku=f"M-{a.role}")
    ),
    "catalog.products.update_product": lambda uow, a, s: catalog.update_product(
        uow, a, 1, draft(sku="M-upd"), expected_version=_version(uow, 1)
    ),
    "catalog.products.archive_product": lambda uow, a, s: catalog.archive_product(uow, a, 1),
    "catalog.products.restore_product": lambda uow, a, s: catalog.restore_product(uow, a, 1),
    "catalog.products.get_product": lambda uow, a, s: catalog.get_product(uow, a, 1),
    "catalog.products.image_data": lambda uow, a, s: catalog.image_data(uow, a, 1),
    "catalog.products.search_products": lambda uow, a, s: catalog.search_products(uow, a, "x"),
    "catalog.products.product_page": lambda uow, a, s: catalog.product_page(uow, a, [1]),
    "catalog.products.product_labels": lambda uow, a, s: catalog.product_labels(uow, a, [1]),
    "catalog.products.lookup_product": lambda uow, a, s: catalog.lookup_product(uow, a, "x"),
    "catalog.categories.list_categories": lambda uow, a, s: catalog_categories.list_categories(
        uow, a
    ),
    "catalog.categories.create_category": lambda uow, a, s: catalog_categories.create_category(
        uow, a, f"Matrix {a.role}"
    ),
    "catalog.categories.update_category": lambda uow, a, s: catalog_categories.update_category(
        uow, a, 1, name=f"Matrix {a.role} 2"
    ),
}
"""One call per catalog action, for the permission matrix (role × action).

Actions on product or image 1 assume it exists when allowed; :func:`test_catalog_matrix` seeds
it. ``product_csv.import_products``/``export_products`` are in ``test_product_csv.ACTION_CALLS``.
"""


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_catalog_matrix(backend: Backend, staff: dict[str, UserDTO], role: str) -> None:
    from posapp.services.staff.permissions import ROLE_PERMISSIONS
    from posapp.services.staff.security import ACTIONS

    catalog.create_product(backend.uow(), staff["admin"], draft(sku="SEED"), [image()])
    catalog_categories.create_category(backend.uow(), staff["admin"], "Seed")
    mine = {
        name for name in ACTIONS if name.startswith(("catalog.products.", "catalog.categories."))
    }
    assert mine == set(ACTION_CALLS)
    actor = staff[role]
    for action, call in ACTION_CALLS.items():
        if ACTIONS[action] in ROLE_PERMISSIONS[role]:
            call(backend.uow(), actor, staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(backend.uow(), actor, staff)


def test_a_bad_price_names_the_editors_field_in_any_language(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    """The field is the editor's key (``price``), the sentence the user's language."""
    i18n.set_language("de")
    try:
        with pytest.raises(FieldError) as price:
            catalog.create_product(backend.uow(), staff["admin"], draft(price=-1))
        with pytest.raises(FieldError) as cost:
            catalog.create_product(backend.uow(), staff["admin"], draft(cost_minor=1.5))
    finally:
        i18n.set_language("en")
    assert price.value.field == "price"
    assert str(price.value).startswith("Der Preis muss zwischen 0 und")
    assert cost.value.field == "cost"
    assert str(cost.value) == "Der Einkaufspreis muss ein ganzer Betrag in Cent sein."
    assert count(backend, Product) == 0
