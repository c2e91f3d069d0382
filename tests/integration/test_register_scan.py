"""The register's exact code lookup (the scan, issue #23): one statement, nothing cached.

``sales.lookup_code`` reads the cashier's row (the permission check) and the barcode's product
in one statement on a Core connection. These tests pin what that must not change: the same
product for a barcode or a SKU, a price or an archive seen by the very next scan (there is no
cache to go stale), a cashier deactivated meanwhile refused, and bad input answered with
nothing rather than a traceback. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses

import pytest

from posapp.services.backend import Backend
from posapp.services.catalog import products as catalog
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import SessionEndedError, users
from tests.integration.catalog_support import add_staff, draft


@pytest.fixture
def staff(backend: Backend) -> dict[str, UserDTO]:
    return add_staff(backend)


@pytest.fixture
def products(backend: Backend, staff: dict[str, UserDTO]) -> dict[str, int]:
    made = {}
    for sku, name, barcode in (
        ("APL-1", "Gala Apples", "5012345678900"),
        ("PEAR-1", "Pears", "96385074"),
        ("NOBAR-1", "No barcode", None),
        ("OLD-1", "Archived", "4006381333931"),
    ):
        made[sku] = catalog.create_product(
            backend.uow(), staff["manager"], draft(sku=sku, name=name, barcode=barcode)
        ).id
    catalog.archive_product(backend.uow(), staff["manager"], made["OLD-1"])
    return made


def scan(backend: Backend, user: UserDTO, code: str) -> int | None:
    product = backend.sales.lookup_code(user, code)
    return None if product is None else product.id


def test_a_barcode_or_a_sku_finds_its_active_product(
    backend: Backend, staff: dict[str, UserDTO], products: dict[str, int]
) -> None:
    cashier = staff["cashier"]
    assert scan(backend, cashier, "5012345678900") == products["APL-1"]
    assert scan(backend, cashier, " apl-1 ") == products["APL-1"]
    assert scan(backend, cashier, "nobar-1") == products["NOBAR-1"]
    assert scan(backend, cashier, "96385074") == products["PEAR-1"]
    assert scan(backend, cashier, "9638507") is None  # a barcode is matched whole
    assert scan(backend, cashier, "4006381333931") is None  # archived
    assert scan(backend, cashier, "OLD-1") is None
    found = backend.sales.lookup_code(cashier, "5012345678900")
    assert found is not None
    assert (found.sku, found.name, found.price_minor) == ("APL-1", "Gala Apples", 349)


BAD_CODES: tuple[str, ...] = (
    "",
    " ",
    "\t",
    "\x00",
    "5012345678900\x00",
    "x" * 10_000,
    "🍎",
    "عصير",
    "%",
    "_",
)
BAD_CODES += ("' OR 1=1--", "1.23E+12", "=1+1")


@pytest.mark.parametrize("code", BAD_CODES)
def test_bad_input_finds_nothing_without_an_error(
    backend: Backend, staff: dict[str, UserDTO], products: dict[str, int], code: str
) -> None:
    found = scan(backend, staff["cashier"], code)
    assert found is None or (code.startswith("5012") and found == products["APL-1"])


def test_a_new_price_and_an_archive_are_seen_by_the_next_scan(
    backend: Backend, staff: dict[str, UserDTO], products: dict[str, int]
) -> None:
    cashier, manager = staff["cashier"], staff["manager"]
    before = backend.sales.lookup_code(cashier, "5012345678900")
    assert before is not None
    assert before.price_minor == 349
    current = catalog.get_product(backend.read_uow(), manager, products["APL-1"])
    catalog.update_product(
        backend.uow(),
        manager,
        products["APL-1"],
        draft(sku="APL-1", name="Gala Apples", barcode="5012345678900", price=399),
        expected_version=current.version,
    )
    after = backend.sales.lookup_code(cashier, "5012345678900")
    assert after is not None
    assert after.price_minor == 399
    catalog.archive_product(backend.uow(), manager, products["APL-1"])
    assert scan(backend, cashier, "5012345678900") is None
    assert scan(backend, cashier, "APL-1") is None


def test_a_deactivated_or_unknown_cashier_is_refused_whatever_is_scanned(
    backend: Backend, staff: dict[str, UserDTO], products: dict[str, int]
) -> None:
    cashier = staff["cashier"]
    users.set_active(backend.uow(), staff["admin"], cashier.id, False)
    for code in ("5012345678900", "APL-1", "no such code"):
        with pytest.raises(SessionEndedError):
            backend.sales.lookup_code(cashier, code)
    ghost = dataclasses.replace(staff["admin"], id=staff["admin"].id + 1000)
    with pytest.raises(SessionEndedError):
        backend.sales.lookup_code(ghost, "5012345678900")
