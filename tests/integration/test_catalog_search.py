"""Search as you type and the scanner path, the same on SQLite (FTS5) and PostgreSQL (pg_trgm)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from posapp.services.backend import Backend
from posapp.services.catalog import products as catalog
from posapp.services.catalog import search as catalog_search
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.like import after_prefix
from tests.integration.catalog_support import add_staff, draft

PRODUCTS = (
    ("APL-GALA-1", "Gala Apples 1 kg", "5012345678900"),
    ("APL-FUJI-1", "Fuji Apples 1 kg", "96385074"),
    ("BAN-1", "Bananas", "012345678905"),
    ("PIN-APL", "Pineapple Juice 1 L", None),
    ("CHOC-70", "Dark Chocolate 70% cocoa", "ITEM_7"),
    ("ÄPF-1", "Äpfel aus dem Garten", None),
    ("PCT-1", "100% Pure_Orange", None),
    ("QUOTE-1", 'The "Best" Tea', None),
)


@pytest.fixture
def admin(backend: Backend) -> UserDTO:
    return add_staff(backend)["admin"]


@pytest.fixture
def ids(backend: Backend, admin: UserDTO) -> dict[str, int]:
    made = {}
    for sku, name, barcode in PRODUCTS:
        made[sku] = catalog.create_product(
            backend.uow(), admin, draft(sku=sku, name=name, barcode=barcode)
        ).id
    return made


def search(backend: Backend, admin: UserDTO, query: str, **kwargs: object) -> list[int]:
    return list(catalog.search_products(backend.read_uow(), admin, query, **kwargs).ids)  # type: ignore[arg-type]


def test_words_match_anywhere_in_the_name_case_insensitively(
    backend: Backend, admin: UserDTO, ids: dict[str, int]
) -> None:
    assert search(backend, admin, "apple") == [ids["APL-FUJI-1"], ids["APL-GALA-1"], ids["PIN-APL"]]
    assert search(backend, admin, "APPLES") == [ids["APL-FUJI-1"], ids["APL-GALA-1"]]
    assert search(backend, admin, "kg gala") == [ids["APL-GALA-1"]]  # any order, short words too
    assert search(backend, admin, "  gala   apples ") == [ids["APL-GALA-1"]]
    assert search(backend, admin, "juice pine") == [ids["PIN-APL"]]
    assert search(backend, admin, "gala bananas") == []


def test_short_text_matches_the_start_of_names_and_skus(
    backend: Backend, admin: UserDTO, ids: dict[str, int]
) -> None:
    assert search(backend, admin, "ba") == [ids["BAN-1"]]
    assert search(backend, admin, "Gа") == []  # a Cyrillic а is not an a
    assert search(backend, admin, "gA") == [ids["APL-GALA-1"]]
    assert set(search(backend, admin, "ap")) == {ids["APL-FUJI-1"], ids["APL-GALA-1"]}


def test_skus_and_barcodes_match_from_their_start(
    backend: Backend, admin: UserDTO, ids: dict[str, int]
) -> None:
    assert search(backend, admin, "apl-g") == [ids["APL-GALA-1"]]
    assert search(backend, admin, "choc") == [ids["CHOC-70"]]
    assert search(backend, admin, "50123") == [ids["APL-GALA-1"]]
    assert search(backend, admin, "9638") == [ids["APL-FUJI-1"]]
    assert search(backend, admin, "12345") == []  # numbers are codes: not looked for in names


def test_an_exact_code_comes_first_and_is_marked(
    backend: Backend, admin: UserDTO, ids: dict[str, int]
) -> None:
    result = catalog.search_products(backend.read_uow(), admin, "pin-apl")
    assert result.exact_id == ids["PIN-APL"]
    assert result.ids[0] == ids["PIN-APL"]
    scanned = catalog.search_products(backend.read_uow(), admin, "012345678905\n")
    assert scanned.exact_id == ids["BAN-1"]
    assert (
        catalog.search_products(backend.read_uow(), admin, "0012345678905").exact_id == ids["BAN-1"]
    )


@pytest.mark.parametrize(
    "query",
    [
        "%",
        "_",
        "100%",
        "'",
        "' OR 1=1--",
        '"',
        '"Best"',
        "NEAR(a b)",
        "a AND b",
        "apple*",
        "name:apple",
        "\\",
        "x" * 1_000,
        "\x00",
        "🍎",
        "-",
        "^gala",
    ],
)
def test_odd_text_never_breaks_the_search(
    backend: Backend, admin: UserDTO, ids: dict[str, int], query: str
) -> None:
    catalog.search_products(backend.read_uow(), admin, query)


def test_wildcards_and_quotes_are_literal(
    backend: Backend, admin: UserDTO, ids: dict[str, int]
) -> None:
    assert search(backend, admin, "100%") == [ids["PCT-1"]]
    assert search(backend, admin, "0% pure") == [ids["PCT-1"]]
    assert search(backend, admin, "pure_orange") == [ids["PCT-1"]]
    assert search(backend, admin, "e_j") == []  # _ is not "any character" ("Pineapple Juice")
    assert search(backend, admin, '"best"') == [ids["QUOTE-1"]]
    assert search(backend, admin, "70%") == [ids["CHOC-70"]]


def test_non_ascii_names(backend: Backend, admin: UserDTO, ids: dict[str, int]) -> None:
    assert search(backend, admin, "äpfel") == [ids["ÄPF-1"]]
    assert search(backend, admin, "garten") == [ids["ÄPF-1"]]


def test_archived_products_only_when_asked(
    backend: Backend, admin: UserDTO, ids: dict[str, int]
) -> None:
    catalog.archive_product(backend.uow(), admin, ids["APL-GALA-1"])
    assert ids["APL-GALA-1"] not in search(backend, admin, "gala")
    assert search(backend, admin, "gala", include_archived=True) == [ids["APL-GALA-1"]]
    assert search(backend, admin, "apl-g") == []
    assert ids["APL-GALA-1"] not in search(backend, admin, "")
    assert catalog.lookup_code(backend.read_uow(), "5012345678900") is None
    assert (
        catalog.lookup_product(backend.read_uow(), admin, "5012345678900", include_archived=True)
        is not None
    )


def test_browse_lists_everything_by_name(
    backend: Backend, admin: UserDTO, ids: dict[str, int]
) -> None:
    everything = search(backend, admin, "")
    assert len(everything) == len(PRODUCTS)
    first = catalog.search_products(backend.read_uow(), admin, "", limit=3)
    assert first.ids == tuple(everything[:3])
    assert first.truncated


def test_results_are_capped_and_say_so(backend: Backend, admin: UserDTO) -> None:
    limit = catalog_search.SEARCH_LIMIT
    with backend.uow() as uow:  # many matching products, quickly
        for number in range(limit + 5):
            uow.session.execute(
                text(
                    "INSERT INTO products (sku, sku_key, name, description, price_minor, "
                    "cost_minor, tax_rate_bp, tax_included, sold_by_weight, active, created_at, "
                    "changed_at, version) VALUES (:s, :s, :n, '', 1, 0, 0, true, false, true, "
                    ":t, :t, 1)"
                ),
                {"s": f"BULK-{number:04d}", "n": f"Widget {number:04d}", "t": uow.now()},
            )
        uow.commit()
    result = catalog.search_products(backend.read_uow(), admin, "widget")
    assert len(result.ids) == limit
    assert result.truncated
    assert len(catalog.search_products(backend.read_uow(), admin, "widget 0007").ids) == 1


def test_the_index_follows_renames(backend: Backend, admin: UserDTO, ids: dict[str, int]) -> None:
    product = catalog.get_product(backend.read_uow(), admin, ids["BAN-1"])
    catalog.update_product(
        backend.uow(),
        admin,
        product.id,
        draft(sku="BAN-1", name="Plantains", barcode=product.barcode),
        expected_version=product.version,
    )
    assert search(backend, admin, "banana") == []
    assert search(backend, admin, "plantain") == [product.id]
    renamed = catalog.get_product(backend.read_uow(), admin, product.id)
    catalog.update_product(  # a save without a new name leaves the index as it is
        backend.uow(),
        admin,
        product.id,
        draft(sku="BAN-1", name="Plantains", price=1, barcode=product.barcode),
        expected_version=renamed.version,
    )
    assert search(backend, admin, "plantain") == [product.id]


def test_fts_rows_follow_inserts_updates_and_deletes(backend: Backend, admin: UserDTO) -> None:
    """The SQLite triggers keep products_fts equal to the products' names (checked directly)."""
    if not backend.database.is_sqlite:
        pytest.skip("PostgreSQL indexes the column itself")
    product = catalog.create_product(backend.uow(), admin, draft(name="Kiwi Gold"))
    with backend.uow() as uow:
        uow.session.execute(
            text("UPDATE products SET name = 'Kiwi Green' WHERE id = :i"), {"i": product.id}
        )
        uow.commit()
    with backend.read_uow() as uow:
        rows = uow.session.execute(
            text("SELECT rowid FROM products_fts WHERE products_fts MATCH '\"green\"'")
        ).all()
        assert [r[0] for r in rows] == [product.id]
        assert not uow.session.execute(
            text("SELECT rowid FROM products_fts WHERE products_fts MATCH '\"gold\"'")
        ).all()
        check = uow.session.execute(
            text("INSERT INTO products_fts(products_fts, rank) VALUES ('integrity-check', 1)")
        )
        del check
    with backend.uow() as uow:  # products are never deleted by the app; the trigger copes
        uow.session.execute(text("DELETE FROM products WHERE id = :i"), {"i": product.id})
        uow.session.execute(
            text("INSERT INTO products_fts(products_fts, rank) VALUES ('integrity-check', 1)")
        )
        uow.commit()


def test_lookup_code_is_the_scanner_path(
    backend: Backend, admin: UserDTO, ids: dict[str, int]
) -> None:
    assert catalog.lookup_code(backend.read_uow(), "5012345678900").id == ids["APL-GALA-1"]  # type: ignore[union-attr]
    assert catalog.lookup_code(backend.read_uow(), " apl-gala-1 ").id == ids["APL-GALA-1"]  # type: ignore[union-attr]
    assert catalog.lookup_code(backend.read_uow(), "item_7").id == ids["CHOC-70"]  # type: ignore[union-attr]
    assert catalog.lookup_code(backend.read_uow(), "00123") is None
    assert catalog.lookup_code(backend.read_uow(), "") is None
    assert catalog.lookup_code(backend.read_uow(), "' OR 1=1--") is None


def test_a_barcode_match_wins_over_a_sku_match(backend: Backend, admin: UserDTO) -> None:
    by_sku = catalog.create_product(backend.uow(), admin, draft(sku="96385074", name="A"))
    by_code = catalog.create_product(backend.uow(), admin, draft(sku="B", barcode="96385074"))
    assert catalog.lookup_code(backend.read_uow(), "96385074").id == by_code.id  # type: ignore[union-attr]
    assert by_sku.id != by_code.id


def test_pages_come_back_in_the_order_asked(
    backend: Backend, admin: UserDTO, ids: dict[str, int]
) -> None:
    wanted = [ids["BAN-1"], ids["APL-GALA-1"], 999_999, ids["CHOC-70"]]
    rows = catalog.product_page(backend.read_uow(), admin, wanted)
    assert [r.id for r in rows] == [ids["BAN-1"], ids["APL-GALA-1"], ids["CHOC-70"]]
    assert rows[1].barcode == "5012345678900"
    assert catalog.product_page(backend.read_uow(), admin, []) == []


EDGE_TEXTS = (
    "\U0010ffff",
    "\U0010ffff\U0010ffff",
    "a\U0010ffff",
    "apl-\U0010ffff",
    "\U0010ffffx",
    "\ud7ff",
    "a\ud7ff",
    "\ue000",
    "\uffff",
    "\ufffd",
    "\U0001f600",
    "9\U0010ffff",
)


@pytest.mark.parametrize("query", EDGE_TEXTS)
def test_any_code_point_can_end_a_search(
    backend: Backend, admin: UserDTO, ids: dict[str, int], query: str
) -> None:
    """Issue #16, defect 12: a text ending in U+10FFFF (or U+D7FF) raised in the range read."""
    assert search(backend, admin, query) == []


def test_names_and_skus_with_the_last_code_point_are_found(
    backend: Backend, admin: UserDTO, ids: dict[str, int]
) -> None:
    edge = catalog.create_product(
        backend.uow(), admin, draft(sku="\U0010ffffZ", name="\U0010ffff\U0010ffff top")
    ).id
    below = catalog.create_product(backend.uow(), admin, draft(sku="\ud7ffA", name="\ud7ff low")).id
    assert search(backend, admin, "\U0010ffff") == [edge]
    assert search(backend, admin, "\U0010ffff\U0010ffff") == [edge]
    assert search(backend, admin, "\ud7ff") == [below]


def test_after_prefix_is_the_least_string_above_the_prefix() -> None:
    assert after_prefix("ab") == "ac"
    assert after_prefix("a\U0010ffff") == "b"
    assert after_prefix("a\U0010ffff\U0010ffff") == "b"
    assert after_prefix("\ud7ff") == "\ue000"
    assert after_prefix("\U0010ffff") is None
    assert after_prefix("") is None
    assert catalog_search._next_string("\U0010ffff") > "\U0010ffff" * 200


EDGE_CHARS = st.sampled_from(["\U0010ffff", "\ud7ff", "\ue000", "\uffff", "\x00", "%", "_", "\\"])


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
@given(st.lists(st.one_of(st.text(max_size=3), EDGE_CHARS), max_size=6).map("".join))
@example("\U0010ffff")
@example("apl-\U0010ffff\U0010ffff")
def test_any_search_text_gives_ids(backend: Backend, admin: UserDTO, query: str) -> None:
    """Every search box accepts any valid string (st.text never draws a lone surrogate)."""
    result = catalog.search_products(backend.read_uow(), admin, query)
    assert all(isinstance(product_id, int) for product_id in result.ids)
