"""The register's F2 search and the Stores stock search through the trigram index (issue #23).

Both used ``lower(name) LIKE '%…%'``; they now go through the catalog's trigram index
(:mod:`posapp.services.catalog.contains`). Each test here runs the query they replaced, word for
word, beside the new one on the same data, on SQLite and PostgreSQL, and checks the same first
20 results (the Stores lists: the same whole list) for terms with accents, SKUs, digits, LIKE's
wildcards and one or two characters, in both of the ways the index is read (every match sorted,
or the name index walked when there are many). The one difference is pinned at the end.

Variants (issue #20) are found by their search keys too (the template's name and the values,
with and without punctuation: "T-Shirt, navy, M" by ``tshirt navy``), so the oracles here look
in ``search_keys`` as well; the catalog mixes variants with plain products whose names hold the
same words, and the terms include the bad inputs of ``/work/shared/BAD_INPUTS.md`` (empty,
LIKE's and FTS5's special characters, quotes, very long, RTL, emoji, NUL and tabs).
"""

from __future__ import annotations

import unicodedata
import uuid
from itertools import product as cartesian

import pytest
from sqlalchemy import ColumnElement, func, or_, select, update

from posapp.models import Product, StockLevel
from posapp.services.backend import Backend
from posapp.services.catalog import AttributeDraft, TemplateDraft, VariantDraft
from posapp.services.catalog import contains as contains_module
from posapp.services.catalog import products as catalog
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.like import LIKE_ESCAPE, contains
from posapp.services.stock import StockFilter, StockLine, StoreInput
from posapp.services.stock import queries as stock_queries
from posapp.services.stock import walk as stock_walk
from tests.integration.catalog_support import add_staff, draft

_BRANDS = ("Kelmar", "Zenbel", "Rosal", "Café du Nord", "Brûlerie")
_TYPES = ("Apple Juice", "Crème fraîche", "Still Water", "Dark Chocolate 70%", "Pure_Orange")
_SIZES = ("1L", "500ml", "12-pack", "250g")

TERMS = (
    # names, three characters and more (the trigram index)
    "apple",
    "APPLE JUICE",
    "  apple   ",
    "juice 1",
    "ple jui",
    "water",
    "zenbel still",
    "juice apple",  # both words in the name, but not this text: no match
    "kel 1L",
    # accents (the same letter case as in the names), and not a match without them
    "café",
    "CAFÉ",
    "crème",
    "fraîche",
    "brûl",
    "creme",
    # SKUs and barcodes: whole, from their start, any case
    "kel",
    "KEL0",
    "kel0000-00003",
    "ZEN",
    "5012345678900",
    "50123",
    "96385074",
    "9638",
    "b00012",
    "0001-0000",
    "-000",
    # digits
    "70%",
    "500",
    "12-pack",
    "1",
    "12",
    # LIKE's wildcards and FTS5's quotes only match themselves
    "%",
    "_",
    "e_o",
    "70\\",
    '"best"',
    '"be',
    # one or two characters (no trigram: the name index walked in name order)
    "a",
    "K",
    "ké",
    "é",
    "É",
    "ju",
    "zz",
    "l ",
    # variants: by the template's name, its values, with and without punctuation
    "shirt",
    "t-shirt",
    "tshirt",
    "tshirt navy",
    "t-shirt navy",
    "shirt blue",
    "shirt, blue",
    "navy",
    "blue m",
    "polo white",
    "cremesweater",
    "crème sweater rouge",
    "basicts",
    "TSH-NAVY",
    "m",
    "bl",
    "ts",
    "ct",
    # bad inputs: empty, blank, wildcards and quotes, very long, RTL, emoji, control characters
    "",
    " ",
    "\t",
    "%%",
    "__",
    "'",
    "''",
    "' OR 1=1--",
    '"',
    '""',
    "a\x00b",
    "apple\tjuice",
    "=1+1",
    "@kel",
    "x" * 300,
    "apple " * 40,
    "عصير تفاح",
    "🍎",
    "🍎 apple",
    "١٢٣",
    "１２３",
    # nothing
    "no such thing",
)


@pytest.fixture
def admin(backend: Backend) -> UserDTO:
    return add_staff(backend)["admin"]


@pytest.fixture
def shop(backend: Backend, admin: UserDTO) -> dict[str, int]:
    """84 products (3 archived), some with the same name; a store stocking every other one."""
    return _build_shop(backend, admin, variants=True)


@pytest.fixture
def plain_shop(backend: Backend, admin: UserDTO) -> dict[str, int]:
    """The shop without variants: the Stores tab then searches the levels' index alone."""
    return _build_shop(backend, admin, variants=False)


def _build_shop(backend: Backend, admin: UserDTO, *, variants: bool) -> dict[str, int]:
    made: dict[str, int] = {}
    n = 0
    for b, brand in enumerate(_BRANDS):
        for t, kind in enumerate(_TYPES):
            for size in _SIZES[: 2 + (b + t) % 3]:
                n += 1
                sku = f"{brand[:3].upper()}{b:04d}-{n:05d}"
                made[sku] = catalog.create_product(
                    backend.uow(),
                    admin,
                    draft(sku=sku, name=f"{brand} {kind} {size}", barcode=f"B{n:05d}"),
                ).id
    extra = (
        ("GALA-1", "Apple Juice 1L", "5012345678900"),  # a duplicate name
        ("APL-2", "apple juice 1L", None),
        ("BEST-1", 'The "Best" Tea', None),
        ("PCT-1", "100% Pure_Orange", "96385074"),
        ("ÄPF-1", "Äpfel aus dem Garten", None),
        ("ECO-1", "école maternelle kit", None),
        ("ARCH-1", "Apple Juice archived", None),
        ("ARCH-2", "Kelmar Apple Juice old", None),
        ("ARCH-3", "Crème archived", None),
        # plain products holding the variants' words, so the name walk meets both kinds
        ("SBH-1", "Shirt blue hanger", None),
        ("SBH-2", "Shirt blue hanger large", None),
        ("SBH-3", "Shirt blue hanger small", None),
        ("NAVY-1", "navy tshirt navy bag", None),
        ("RTL-1", "عصير تفاح 1L", None),
        ("EMO-1", "🍎 apple box", None),
    )
    for sku, name, barcode in extra:
        made[sku] = catalog.create_product(
            backend.uow(), admin, draft(sku=sku, name=name, barcode=barcode)
        ).id
    for code, name, attributes in _TEMPLATES if variants else ():
        _save_template(backend, admin, made, code, name, attributes)
    for sku in ("ARCH-1", "ARCH-2", "ARCH-3", "TSH-RED-L"):  # a variant too
        if sku in made:
            catalog.archive_product(backend.uow(), admin, made[sku])
    store = backend.stock.create_store(admin, StoreInput("S1", "Main street"))
    archived = ("ARCH-1", "ARCH-2", "ARCH-3", "TSH-RED-L")
    stocked = [pid for sku, pid in sorted(made.items()) if sku not in archived][::2]
    lines = [StockLine(pid, 5) for pid in stocked]
    backend.stock.receive_stock(
        admin, store.id, lines, reference="OPENING", request_id=uuid.uuid4()
    )
    made["store"] = store.id
    return made


_TEMPLATES = (
    ("TSH", "Basic T-Shirt", (("Colour", ("blue", "navy", "red")), ("Size", ("S", "M", "L")))),
    ("POLO", "Polo Shirt", (("Colour", ("white", "blue")), ("Size", ("M", "XL")))),
    ("CRS", "Crème Sweater", (("Couleur", ("rouge", "bleu")), ("Taille", ("38", "40")))),
)


def _save_template(
    backend: Backend,
    admin: UserDTO,
    made: dict[str, int],
    code: str,
    name: str,
    attributes: tuple[tuple[str, tuple[str, ...]], ...],
) -> None:
    rows = tuple(
        VariantDraft(values=values, sku="-".join((code, *(v.upper() for v in values))))
        for values in cartesian(*(values for _, values in attributes))
    )
    draft_ = TemplateDraft(
        code=code,
        name=name,
        price_minor=1999,
        attributes=tuple(AttributeDraft(a, v) for a, v in attributes),
        variants=rows,
    )
    saved = backend.catalog.save_template(admin, draft_)
    made.update({variant.sku: variant.product_id for variant in saved.variants})


def _cleaned(text: str, longest: int = 100) -> str:
    """What a search takes of a typed text: NFKC, no control characters, stripped, cut."""
    value = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cc").strip()[:longest]


def old_register_search(backend: Backend, text: str, limit: int) -> list[int]:
    """``checkout_lookup.search_products`` as it was (the oracle), with one fix.

    Its ``exact`` was NULL, not false, for a product without a barcode, so ``ORDER BY exact
    DESC`` put such products before all others on PostgreSQL and after them on SQLite; the
    intent, and the new search, is exact codes first, then by name: ``coalesce`` here.
    """
    value = _cleaned(text)
    if not value:
        return []  # nothing typed, nothing listed
    pattern = contains(value.lower())
    exact = func.coalesce((Product.sku_key == value.upper()) | (Product.barcode == value), False)
    with backend.read_uow() as uow:
        return list(
            uow.session.scalars(
                select(Product.id)
                .where(
                    Product.active.is_(True),
                    or_(
                        Product.sku_key == value.upper(),
                        Product.barcode == value,
                        func.lower(Product.name).like(pattern, escape=LIKE_ESCAPE),
                        func.lower(Product.sku).like(pattern, escape=LIKE_ESCAPE),
                        func.lower(Product.search_keys).like(pattern, escape=LIKE_ESCAPE),
                    ),
                )
                .order_by(exact.desc(), Product.name, Product.id)
                .limit(limit)
            )
        )


def _old_stock_condition(text: str) -> ColumnElement[bool]:
    clean = _cleaned(text, 200)
    return or_(
        func.lower(Product.name).like(contains(clean.lower()), escape="\\"),
        func.lower(Product.search_keys).like(contains(clean.lower()), escape="\\"),
        Product.sku_key.like(contains(clean.upper()), escape="\\"),
        Product.barcode == clean,
    )


def old_stock_ids(backend: Backend, store_id: int, text: str, *, cards: bool) -> list[int]:
    """The Stores tab's stock table (or product grid) ids as they were (the oracle)."""
    if cards:
        level = (StockLevel.product_id == Product.id) & (StockLevel.store_id == store_id)
        query = select(Product.id).outerjoin(StockLevel, level).where(Product.active.is_(True))
    else:
        query = (
            select(StockLevel.product_id)
            .join(Product, Product.id == StockLevel.product_id)
            .where(StockLevel.store_id == store_id)
        )
    query = query.where(_old_stock_condition(text)).order_by(func.lower(Product.name), Product.id)
    with backend.read_uow() as uow:
        return [int(i) for i in uow.session.scalars(query)]


def register(backend: Backend, admin: UserDTO, text: str, limit: int = 20) -> list[int]:
    return [p.id for p in backend.sales.search_products(admin, text, limit)]


@pytest.fixture(params=["sorted", "walked", "walk cut short", "walk estimated"])
def index_read(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every way of reading the index: matches sorted, the name index walked, or both.

    ``walk estimated``: the index's first 5 matches tell whether a walk of 7 names pays (it
    does for some terms, not for others), and a sort is bounded by the 3rd of them by name.
    """
    if request.param == "walk estimated":
        monkeypatch.setattr(contains_module, "DENSE", 4)
        monkeypatch.setattr(contains_module, "WALK_BUDGET", 7)
        monkeypatch.setattr(contains_module, "SURE_SORT", 0)
        monkeypatch.setattr(contains_module, "SURE_WALK", 1_000_000)
        monkeypatch.setattr(contains_module, "WALK_COST", 0.01)  # the place alone decides
        return str(request.param)
    if request.param != "sorted":
        monkeypatch.setattr(contains_module, "DENSE", 1)
    if request.param == "walk cut short":
        monkeypatch.setattr(contains_module, "WALK_BUDGET", 7)
        monkeypatch.setattr(stock_walk, "WALK_LEVELS", 7)  # a Stores page walks 7 levels
        monkeypatch.setattr(stock_walk, "INDEX_WALK_LEVELS", 7)  # in the levels' index too
        monkeypatch.setattr(stock_walk, "CARD_WALK", 7)  # and the grid 7 products
    return str(request.param)


def test_register_search_gives_the_first_20_the_like_gave(
    backend: Backend, admin: UserDTO, shop: dict[str, int], index_read: str
) -> None:
    compared = 0
    for term in TERMS:
        for limit in (20, 3):
            old = old_register_search(backend, term, limit)
            assert register(backend, admin, term, limit) == old, (term, limit, index_read)
            compared += len(old)
    assert compared > 400  # the terms find a good many products, not only nothing


def test_the_first_20_are_exact_codes_then_by_name(
    backend: Backend, admin: UserDTO, shop: dict[str, int]
) -> None:
    found = register(backend, admin, "5012345678900")
    assert found[0] == shop["GALA-1"]
    by_sku = register(backend, admin, "kel0000-00003")
    assert by_sku[0] == shop["KEL0000-00003"]
    names = [p.name for p in backend.sales.search_products(admin, "apple juice", 20)]
    assert names[:2] == ["Apple Juice 1L", "Brûlerie Apple Juice 12-pack"]
    assert names == sorted(names)
    assert len(register(backend, admin, "e")) == 20


def test_stores_stock_search_gives_the_lists_the_like_gave(
    backend: Backend, admin: UserDTO, shop: dict[str, int], index_read: str
) -> None:
    store = shop["store"]
    for term in TERMS:
        flt = StockFilter(search=term)
        old_levels = old_stock_ids(backend, store, term, cards=False)
        assert backend.stock.stock_level_ids(admin, store, flt) == old_levels, term
        old_cards = old_stock_ids(backend, store, term, cards=True)
        assert backend.stock.product_card_ids(admin, store, flt) == old_cards, term


def stock_pages(
    backend: Backend,
    admin: UserDTO,
    store_id: int,
    flt: StockFilter,
    limit: int,
    *,
    cards: bool = False,
) -> list[int]:
    """The Stores tab's stock table (or grid) read page by page, as it scrolls (every page full)."""
    read = backend.stock.product_card_page if cards else backend.stock.stock_level_page
    ids: list[int] = []
    after = None
    while True:
        page = read(admin, store_id, flt, after=after, limit=limit)
        ids += page.ids
        if page.next_cursor is None:
            return ids
        assert len(page.ids) == limit
        after = page.next_cursor


def test_stores_stock_pages_give_the_list_the_like_gave(
    backend: Backend, admin: UserDTO, shop: dict[str, int], index_read: str
) -> None:
    """Page after page (a keyset on the lowered name and id), the same lists as the old query.

    The shop has names equal but for letter case ("Apple Juice 1L", "apple juice 1L"): a page
    may end between them.
    """
    store = shop["store"]
    compared = 0
    for term in TERMS:
        old = old_stock_ids(backend, store, term, cards=False)
        flt = StockFilter(search=term)
        for limit in (100, 1):
            assert stock_pages(backend, admin, store, flt, limit) == old, (term, limit, index_read)
        old_cards = old_stock_ids(backend, store, term, cards=True)
        assert stock_pages(backend, admin, store, flt, 2, cards=True) == old_cards, term
        compared += len(old)
    assert compared > 300
    low = StockFilter(search="apple", low_only=True)
    assert stock_pages(backend, admin, store, low, 2) == backend.stock.stock_level_ids(
        admin, store, low
    )


def test_without_variants_the_stores_pages_read_the_levels_index_alone(
    backend: Backend,
    admin: UserDTO,
    plain_shop: dict[str, int],
    index_read: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Names and SKUs checked on the levels' own keys (0029-0030): the lists the LIKE gave."""
    walked: list[str] = []
    level_walk = stock_walk.level_walk

    def spy(*args: object, **kwargs: object) -> object:
        walked.append(str(args[2]))
        return level_walk(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stock_walk, "level_walk", spy)
    monkeypatch.setattr(stock_queries, "level_walk", spy)
    store = plain_shop["store"]
    compared = 0
    for term in (*TERMS, "B00012", "b0001", "kel00"):
        old = old_stock_ids(backend, store, term, cards=False)
        flt = StockFilter(search=term)
        for limit in (100, 1):
            assert stock_pages(backend, admin, store, flt, limit) == old, (term, limit, index_read)
        compared += len(old)
    assert compared > 300
    sqlite = backend.database.url.get_backend_name() == "sqlite"
    assert ({"K", "ju", "é"} <= set(walked)) == sqlite  # one or two characters
    if index_read != "sorted":
        assert ("kel" in walked) == sqlite  # many matches


def test_a_new_sku_and_a_long_name_take_their_place_in_the_stores_search(
    backend: Backend, admin: UserDTO, plain_shop: dict[str, int]
) -> None:
    """The levels' SKU keys follow the product's (0030); a 200-character name can be stocked.

    0029 declared the name key 100 characters long: PostgreSQL refused to stock a product
    whose name was longer.
    """
    store = plain_shop["store"]
    product = plain_shop["GALA-1"]
    with backend.uow() as uow:
        uow.session.execute(
            update(Product).where(Product.id == product).values(sku="QZX-9", sku_key="QZX-9")
        )
        uow.commit()
    for term in ("qz", "QZX", "gala"):
        found = stock_pages(backend, admin, store, StockFilter(search=term), 100)
        assert found == old_stock_ids(backend, store, term, cards=False), term
    assert product in stock_pages(backend, admin, store, StockFilter(search="qz"), 100)
    assert product not in stock_pages(backend, admin, store, StockFilter(search="gala"), 100)
    long_name = "Kelmar " + "very " * 36 + "long name"
    assert len(long_name) == 196
    made = catalog.create_product(backend.uow(), admin, draft(sku="LONG-1", name=long_name)).id
    line = StockLine(made, 3)
    backend.stock.receive_stock(admin, store, [line], reference="DN-L", request_id=uuid.uuid4())
    for term in ("LONG-1", "very very", "lo"):
        found = stock_pages(backend, admin, store, StockFilter(search=term), 100)
        assert made in found, term
        assert found == old_stock_ids(backend, store, term, cards=False), term


def test_letter_case_is_ignored_beyond_ascii_from_three_characters(
    backend: Backend, admin: UserDTO, shop: dict[str, int], index_read: str
) -> None:
    """The one difference in names: SQLite's lower() folded ASCII only ("äpfel" missed "Äpfel")."""
    for term in ("äpfel", "ÄPFEL", "Äpf", "ÉCOLE"):
        assert register(backend, admin, term)[:1] in ([shop["ÄPF-1"]], [shop["ECO-1"]]), term
        cards = backend.stock.product_card_ids(admin, shop["store"], StockFilter(search=term))
        assert len(cards) == 1, term


def test_the_stores_order_follows_a_rename_and_a_new_level(
    backend: Backend, admin: UserDTO, shop: dict[str, int]
) -> None:
    """The levels' name keys (migration 0029) are kept by the database's triggers."""
    store = shop["store"]
    every = StockFilter()
    first = stock_pages(backend, admin, store, every, 100)[0]
    with backend.uow() as uow:
        renamed = update(Product).where(Product.id == first).values(name="ZZZ Last Of All")
        uow.session.execute(renamed)
        uow.commit()
    listed = stock_pages(backend, admin, store, every, 3)
    assert listed[0] != first
    assert listed == old_stock_ids(backend, store, "", cards=False)
    stocked = set(listed)
    new = next(i for i in backend.stock.product_card_ids(admin, store) if i not in stocked)
    line = StockLine(new, 2)
    backend.stock.receive_stock(admin, store, [line], reference="DN-1", request_id=uuid.uuid4())
    listed = stock_pages(backend, admin, store, every, 3)
    assert new in listed
    assert listed == old_stock_ids(backend, store, "", cards=False)


@pytest.mark.parametrize("dense", [1, 2, 3])
def test_words_with_a_short_one_ask_the_index_for_the_phrase(
    backend: Backend,
    admin: UserDTO,
    shop: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    dense: int,
) -> None:
    """``juice 1`` asks the index for ``juice``; when that finds too many, the whole phrase."""
    monkeypatch.setattr(contains_module, "DENSE", dense)
    store = shop["store"]
    for term in ("juice 1", "kel 1L", "apple j", "e j", "ple jui", "zenbel s"):
        for limit in (20, 3):
            assert register(backend, admin, term, limit) == old_register_search(
                backend, term, limit
            ), (term, limit, dense)
        old = old_stock_ids(backend, store, term, cards=False)
        assert stock_pages(backend, admin, store, StockFilter(search=term), 1) == old, term
        cards = old_stock_ids(backend, store, term, cards=True)
        found = stock_pages(backend, admin, store, StockFilter(search=term), 2, cards=True)
        assert found == cards, term
