"""Reads of the Stores tab: stock tables, product cards, movement history, replenishment.

Large lists follow the ids-first pattern (``STYLE.md`` §5): a ``…_ids`` query filters and sorts
in SQL and returns ordered ids; the screen then asks for rows a page of ids at a time.

Search:
    Stock tables: the text matches a product whose name or SKU contains it (ignoring case;
    through the catalog's trigram index from three characters on:
    :func:`posapp.services.catalog.containing_condition`) or whose barcode is exactly it
    (:func:`product_search`), within the store's stocked products. The product picker
    (:func:`find_products`) goes through the catalog's search, so it stays fast over a million
    products.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, text
from sqlalchemy.orm import Session

from posapp.models import Category, Product, ProductImage, StockLevel, StockMovement, Store, User
from posapp.services.catalog import (
    Containing,
    containing_condition,
    has_variants,
    normalize_query,
    search_ids,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.keyset import older_than
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import ACTIONS, Permission, authorize, authorize_actor, requires
from posapp.services.stock.dto import (
    CategoryOption,
    Cursor,
    LevelCursor,
    LevelPage,
    MovementPage,
    MovementRow,
    ProductCard,
    ProductPick,
    ReplenishmentLine,
    ReplenishmentList,
    StockFilter,
    StockRow,
    suggested_quantity,
)
from posapp.services.stock.stores import load_store, store_summary
from posapp.services.stock.walk import broad_page, card_walk, level_walk, listed_page

PAGE_MAX = 1_000
LEVEL_PAGE = 100
HISTORY_PAGE = 100
SEARCH_MAX = 200
_Row = TypeVarTuple("_Row")


def product_search(session: Session, text: str) -> Containing | None:
    """The condition for a search box's text, or None when it is empty.

    See :func:`posapp.services.catalog.containing_condition`: names through the trigram index.
    Control characters (a NUL, a tab pasted in) are dropped, as the register's search does.
    """
    clean = _clean(text)
    if not clean:
        return None
    return containing_condition(session, clean)


def _clean(text: str) -> str:
    """A search box's text as searched: NFKC, no control characters, stripped, at most 200."""
    value = unicodedata.normalize("NFKC", text)
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cc")
    return value.strip()[:SEARCH_MAX]


def _category_rows(uow: UnitOfWork) -> list[tuple[int, str, int | None]]:
    rows = uow.session.execute(select(Category.id, Category.name, Category.parent_id)).all()
    return [(int(i), str(n), None if p is None else int(p)) for i, n, p in rows]


def _category_tree(uow: UnitOfWork) -> list[CategoryOption]:
    """Every category depth-first, siblings by name, with its path."""
    rows = _category_rows(uow)
    children: dict[int | None, list[tuple[int, str]]] = {}
    known = {cid for cid, _, _ in rows}
    for cid, name, parent in rows:
        children.setdefault(parent if parent in known else None, []).append((cid, name))
    out: list[CategoryOption] = []
    stack: list[tuple[int, str, int]] = [
        (cid, name, 0) for cid, name in sorted(children.get(None, []), key=lambda c: c[1].lower())
    ][::-1]
    seen: set[int] = set()
    while stack:
        cid, path, depth = stack.pop()
        if cid in seen:  # a cycle in bad data must not hang the screen
            continue
        seen.add(cid)
        out.append(CategoryOption(cid, path, depth))
        kids = sorted(children.get(cid, []), key=lambda c: c[1].lower(), reverse=True)
        stack.extend((kid, f"{path} › {name}", depth + 1) for kid, name in kids)
    return out


def _subtree(uow: UnitOfWork, category_id: int) -> list[int]:
    """The category and all its descendants (filters include subcategories)."""
    children: dict[int, list[int]] = {}
    for cid, _, parent in _category_rows(uow):
        if parent is not None:
            children.setdefault(parent, []).append(cid)
    found, todo = set(), [category_id]
    while todo:
        cid = todo.pop()
        if cid not in found:
            found.add(cid)
            todo.extend(children.get(cid, []))
    return sorted(found)


def _paths(uow: UnitOfWork) -> dict[int, str]:
    return {option.id: option.path for option in _category_tree(uow)}


def _level_at(store_id: int) -> ColumnElement[bool]:
    """Joins a product to its stock level at ``store_id`` (outer: a product may have none)."""
    return and_(StockLevel.product_id == Product.id, StockLevel.store_id == store_id)


def _is_low() -> ColumnElement[bool]:
    return and_(StockLevel.reorder_point > 0, StockLevel.on_hand <= StockLevel.reorder_point)


_Order = tuple[ColumnElement[str], ColumnElement[int]]
_NAME_KEY: ColumnElement[str] = StockLevel.__table__.c.name_key
_BY_LEVEL_NAME: _Order = (_NAME_KEY, StockLevel.product_id)  # type: ignore[assignment]
"""A store's levels by their product's lowercased name, from ``ix_stock_levels_store_name``."""
_BY_NAME: _Order = (func.lower(Product.name), Product.id)  # type: ignore[assignment]
"""Products by lowercased name (the grid lists every active product, stocked or not)."""


def _narrowed(
    query: Select[*_Row],
    uow: UnitOfWork,
    flt: StockFilter,
    order: _Order,
    search: Containing | None = None,
) -> tuple[Select[*_Row], _Order]:
    """``query`` narrowed by the filter, and the order to read it in.

    When the search starts from the products the index found (:class:`Containing`), the order
    is an expression no index serves: the query sorts what it finds, rather than walking a whole
    store's name index to meet them.
    """
    search = search or product_search(uow.session, flt.search)
    if search is not None:
        query = query.where(search.condition)
        if search.sort:
            order = (func.coalesce(order[0], ""), order[1])
    if flt.category_id is not None:
        query = query.where(Product.category_id.in_(_subtree(uow, flt.category_id)))
    if flt.low_only:
        query = query.where(_is_low())
    return query, order


def _ids(
    uow: UnitOfWork,
    actor: UserDTO,
    query: Select[int],
    flt: StockFilter | None,
    order: _Order,
) -> list[int]:
    """The product ids ``query`` selects, narrowed by the filter and ordered by ``order``."""
    with uow:
        authorize(uow, actor, Permission.VIEW_STOCK)
        narrowed, order = _narrowed(query, uow, flt or StockFilter(), order)
        return [int(i) for i in uow.session.scalars(narrowed.order_by(*order))]


@requires(Permission.VIEW_STOCK)
def categories(uow: UnitOfWork, actor: UserDTO) -> list[CategoryOption]:
    """The category tree for filters, depth-first."""
    with uow:
        authorize(uow, actor, Permission.VIEW_STOCK)
        return _category_tree(uow)


@requires(Permission.VIEW_STOCK)
def stock_level_ids(
    uow: UnitOfWork, actor: UserDTO, store_id: int, flt: StockFilter | None = None
) -> list[int]:
    """Ids of the products stocked at a store (ever moved or given a reorder point), by name."""
    query = (
        select(StockLevel.product_id)
        .join(Product, Product.id == StockLevel.product_id)
        .where(StockLevel.store_id == store_id)
    )
    return _ids(uow, actor, query, flt, _BY_LEVEL_NAME)


# The pages a search box reads per keystroke check the actor once, with Core (no ORM user).
ACTIONS["stock.queries.stock_level_page"] = Permission.VIEW_STOCK
ACTIONS["stock.queries.product_card_page"] = Permission.VIEW_STOCK


def stock_level_page(
    uow: UnitOfWork,
    actor: UserDTO,
    store_id: int,
    flt: StockFilter | None = None,
    *,
    after: LevelCursor | None = None,
    limit: int = LEVEL_PAGE,
) -> LevelPage:
    """One page of :func:`stock_level_ids`: the same products in the same order, by ``limit``.

    The stock table shows the first page and reads the next one as it scrolls (issue #23): a
    search no longer sorts every matching product of the store, only finds the first ``limit``
    after ``after`` (the previous page's ``next_cursor``; a keyset, never OFFSET), through the
    catalog's trigram index as :func:`product_search` says. Pages read one after the other give
    :func:`stock_level_ids`' list (``tests/integration/test_register_search.py``).
    The order comes from ``ix_stock_levels_store_name`` (migration 0029): a page with no search,
    or one that many products match, walks it and stops at the page's end.
    """
    query = (
        select(StockLevel.product_id, _NAME_KEY)
        .join(Product, Product.id == StockLevel.product_id)
        .where(StockLevel.store_id == store_id)
    )
    return _page(uow, actor, query, flt, after, limit, _BY_LEVEL_NAME, walk_store=store_id)


def product_card_page(
    uow: UnitOfWork,
    actor: UserDTO,
    store_id: int,
    flt: StockFilter | None = None,
    *,
    after: LevelCursor | None = None,
    limit: int = LEVEL_PAGE,
) -> LevelPage:
    """One page of :func:`product_card_ids` (the grid's), as :func:`stock_level_page` is.

    Every active product, by lowercased name: ``ix_products_lower_name`` (migration 0029) gives
    that order, walked for no text or one or two characters (:func:`.walk.card_walk`).
    """
    query = select(Product.id, func.lower(Product.name)).outerjoin(StockLevel, _level_at(store_id))
    return _page(uow, actor, query, flt, after, limit, _BY_NAME, cards=True)


def _page(
    uow: UnitOfWork,
    actor: UserDTO,
    query: Select[int, str] | Select[int, str | None],
    flt: StockFilter | None,
    after: LevelCursor | None,
    limit: int,
    order: _Order,
    *,
    walk_store: int | None = None,
    cards: bool = False,
) -> LevelPage:
    """The ``limit`` products of ``query`` (id, lowered name) after ``after``, in ``order``.

    With ``walk_store``, a search text that many products match is read from that store's levels
    (:func:`~posapp.services.stock.walk.broad_page`). ``cards``: the grid's page, every active
    product (``query`` has no condition on ``active``: this chooses how SQLite is told it).
    """
    size = max(1, min(limit, PAGE_MAX))
    flt = flt or StockFilter()
    with uow:
        authorize_actor(uow, actor, Permission.VIEW_STOCK)
        search = product_search(uow.session, flt.search)
        rows: Sequence[Sequence[object]] | None = None
        plain = flt == StockFilter(search=flt.search)  # a text only: no category, not low only
        sqlite = uow.session.get_bind().dialect.name == "sqlite"
        if walk_store is not None and plain and search is not None:
            if search.broad:
                rows = broad_page(uow.session, walk_store, search.broad, after, size + 1)
            elif search.listed:
                rows = listed_page(uow.session, walk_store, search.listed, after, size + 1)
            elif sqlite and not search.sort and not has_variants(uow.session):
                # One or two characters: the store's levels in their index alone.
                text_ = _clean(flt.search)
                rows = level_walk(uow.session, walk_store, text_, after, size + 1)
        if cards and sqlite and plain and (search is None or not search.sort):
            rows = card_walk(uow.session, _clean(flt.search), after, size + 1)
        if rows is None:
            if cards:
                # ``+active`` when the index found the products: SQLite then starts from them
                # instead of reading every active product (ix_products_active_name's
                # ``active = ?``). A walk that gave up sorts every match, as it always did.
                from_index = sqlite and search is not None and search.sort
                active = text("+products.active = 1") if from_index else Product.active.is_(True)
                query = query.where(active)
            query, (name, key) = _narrowed(query, uow, flt, order, search)
            if after is not None:
                query = query.where(or_(name > after[0], and_(name == after[0], key > after[1])))
            rows = uow.session.execute(query.order_by(name, key).limit(size + 1)).all()
    page = rows[:size]
    cursor = (str(page[-1][1]), int(str(page[-1][0]))) if len(rows) > size else None
    return LevelPage(tuple(int(str(i)) for i, _ in page), cursor)


@requires(Permission.VIEW_STOCK)
def stock_rows(
    uow: UnitOfWork, actor: UserDTO, store_id: int, ids: Sequence[int]
) -> list[StockRow]:
    """Rows of the stock table for the products ``ids`` (at most 1,000), in the order given.

    A product without a level at the store shows zero stock and no reorder point.
    """
    wanted = list(ids)[:PAGE_MAX]
    with uow:
        authorize(uow, actor, Permission.VIEW_STOCK)
        paths = _paths(uow)
        rows = uow.session.execute(
            select(
                Product,
                StockLevel.on_hand,
                StockLevel.reorder_point,
                StockLevel.reorder_qty,
                StockLevel.changed_at,
            )
            .outerjoin(StockLevel, _level_at(store_id))
            .where(Product.id.in_(wanted))
        ).all()
        by_id = {
            product.id: StockRow(
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                category=paths.get(product.category_id or 0, ""),
                price_minor=product.price_minor,
                sold_by_weight=product.sold_by_weight,
                active=product.active,
                on_hand=int(on_hand or 0),
                reorder_point=int(point or 0),
                reorder_qty=int(qty or 0),
                changed_at=changed_at,
                unit=product.unit,
            )
            for product, on_hand, point, qty, changed_at in rows
        }
    return [by_id[i] for i in wanted if i in by_id]


@requires(Permission.VIEW_STOCK)
def product_card_ids(
    uow: UnitOfWork, actor: UserDTO, store_id: int, flt: StockFilter | None = None
) -> list[int]:
    """Ids of the active products for a store's grid, by name (stocked or not)."""
    query = select(Product.id).outerjoin(StockLevel, _level_at(store_id))
    return _ids(uow, actor, query.where(Product.active.is_(True)), flt, _BY_NAME)


@requires(Permission.VIEW_STOCK)
def product_cards(
    uow: UnitOfWork, actor: UserDTO, store_id: int, ids: Sequence[int]
) -> list[ProductCard]:
    """Cards for the products ``ids`` (at most 1,000), in the order given, with a thumbnail each."""
    wanted = list(ids)[:PAGE_MAX]
    first_image = (
        select(ProductImage.thumbnail)
        .where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position, ProductImage.id)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )
    with uow:
        authorize(uow, actor, Permission.VIEW_STOCK)
        paths = _paths(uow)
        rows = uow.session.execute(
            select(
                Product.id,
                Product.sku,
                Product.name,
                Product.category_id,
                Product.price_minor,
                Product.sold_by_weight,
                StockLevel.on_hand,
                StockLevel.reorder_point,
                first_image,
                Product.unit,
            )
            .outerjoin(StockLevel, _level_at(store_id))
            .where(Product.id.in_(wanted))
        ).all()
        by_id = {
            int(pid): ProductCard(
                product_id=int(pid),
                sku=sku,
                name=name,
                category=paths.get(category_id or 0, ""),
                price_minor=int(price),
                sold_by_weight=bool(by_weight),
                on_hand=int(on_hand or 0),
                reorder_point=int(point or 0),
                thumbnail=thumb,
                unit=str(unit),
            )
            for pid, sku, name, category_id, price, by_weight, on_hand, point, thumb, unit in rows
        }
    return [by_id[i] for i in wanted if i in by_id]


@requires(Permission.VIEW_STOCK)
def find_products(
    uow: UnitOfWork, actor: UserDTO, text: str, *, store_id: int | None = None, limit: int = 20
) -> list[ProductPick]:
    """Products for a picker: the exact barcode or SKU first, then active before archived.

    Matched by the catalog's search (:func:`posapp.services.catalog.search.search_ids`: SKU
    and barcode prefixes, every name word, through the trigram index): a few milliseconds over
    a million products, where a ``LIKE '%…%'`` scan took a third of a second a keystroke.
    """
    if not normalize_query(text):  # (the search would list every product)
        return []
    cap = max(1, min(limit, 100))
    with uow:
        authorize(uow, actor, Permission.VIEW_STOCK)
        found = search_ids(uow.session, text, include_archived=True)
        if not found.ids:
            return []
        on_hand: ColumnElement[int] = literal(0)
        query = select(Product, on_hand).where(Product.id.in_(found.ids))
        if store_id is not None:
            query = (
                select(Product, func.coalesce(StockLevel.on_hand, 0))
                .outerjoin(StockLevel, _level_at(store_id))
                .where(Product.id.in_(found.ids))
            )
        rows = {product.id: (product, int(count)) for product, count in uow.session.execute(query)}
        place = {product_id: index for index, product_id in enumerate(found.ids)}
        ordered = sorted(rows, key=lambda i: (i != found.exact_id, not rows[i][0].active, place[i]))
        return [
            ProductPick(
                id=product.id,
                sku=product.sku,
                barcode=product.barcode or "",
                name=product.name,
                sold_by_weight=product.sold_by_weight,
                active=product.active,
                on_hand=count,
                unit=product.unit,
            )
            for product, count in (rows[i] for i in ordered[:cap])
        ]


@requires(Permission.VIEW_STOCK)
def movement_history(
    uow: UnitOfWork,
    actor: UserDTO,
    store_id: int,
    product_id: int,
    *,
    before: Cursor | None = None,
    limit: int = HISTORY_PAGE,
) -> MovementPage:
    """A product's movements at a store, newest first, a keyset page at a time.

    ``balance`` is the running sum of the ledger up to and including each movement. The database
    sums every quantity up to the page's newest row, in the same transaction as the rows, so it
    always agrees with the ledger; each older row's balance is that less the quantities after it
    on the page. The sum reads only the index ``(store, product, time, id, quantity)``, and the
    rows are a keyset page: no sort of the product's whole history (a window sum over it took
    0.3 s a page at 100,000 movements).

    Args:
        uow: The unit of work.
        actor: Who looks (VIEW_STOCK).
        store_id: The location.
        product_id: The product.
        before: The previous page's ``next_cursor`` (None for the newest page).
        limit: Rows per page (1 to 1,000).
    """
    size = max(1, min(limit, PAGE_MAX))
    mine = (StockMovement.store_id == store_id, StockMovement.product_id == product_id)
    query = (
        select(
            StockMovement.id,
            StockMovement.created_at,
            StockMovement.kind,
            StockMovement.quantity,
            StockMovement.reason,
            StockMovement.reference,
            StockMovement.order_id,
            StockMovement.batch_uuid,
            User.full_name,
            User.username,
        )
        .outerjoin(User, User.id == StockMovement.user_id)
        .where(*mine)
        .order_by(StockMovement.created_at.desc(), StockMovement.id.desc())
        .limit(size + 1)
    )
    if before is not None:
        query = query.where(_before(*before))
    with uow:
        authorize(uow, actor, Permission.VIEW_STOCK)
        rows = uow.session.execute(query).all()
        balance = 0
        if rows:
            newest = rows[0]
            upto = or_(
                _before(newest.created_at, newest.id),
                StockMovement.id == newest.id,
            )
            total = select(func.coalesce(func.sum(StockMovement.quantity), 0)).where(*mine, upto)
            balance = int(uow.session.scalar(total) or 0)
    page = []
    for r in rows[:size]:
        page.append(
            MovementRow(
                id=int(r.id),
                at=r.created_at,
                kind=r.kind,
                quantity=int(r.quantity),
                balance=balance,
                store_id=store_id,
                user_name=r.full_name or r.username or "",
                reason=r.reason,
                reference=r.reference,
                order_id=r.order_id,
                batch_uuid=r.batch_uuid,
            )
        )
        balance -= int(r.quantity)
    cursor = (page[-1].at, page[-1].id) if len(rows) > size else None
    return MovementPage(tuple(page), cursor)


def _before(at: datetime, movement_id: int) -> ColumnElement[bool]:
    """Movements older than (``at``, ``movement_id``) in the ledger's (time, id) order."""
    return older_than(StockMovement.created_at, StockMovement.id, at, movement_id)


@requires(Permission.VIEW_STOCK)
def replenishment_list(uow: UnitOfWork, actor: UserDTO, store_id: int) -> ReplenishmentList:
    """The active products at or below their reorder point at a store, with what to order.

    ``elsewhere`` is what the other active warehouses hold, so a manager can see which lines
    a transfer covers and which need a supplier. Sorted by category path, then name.
    """
    other = Store.__table__.alias("other")
    elsewhere = (
        select(StockLevel.product_id, func.sum(StockLevel.on_hand).label("units"))
        .join(other, other.c.id == StockLevel.store_id)
        .where(other.c.kind == "warehouse", other.c.active.is_(True), other.c.id != store_id)
        .group_by(StockLevel.product_id)
        .subquery()
    )
    with uow:
        authorize(uow, actor, Permission.VIEW_STOCK)
        load_store(uow, store_id)
        summary = store_summary(uow, store_id)
        paths = _paths(uow)
        rows = uow.session.execute(
            select(
                Product,
                StockLevel.on_hand,
                StockLevel.reorder_point,
                StockLevel.reorder_qty,
                func.coalesce(elsewhere.c.units, 0),
            )
            .join(StockLevel, StockLevel.product_id == Product.id)
            .outerjoin(elsewhere, elsewhere.c.product_id == Product.id)
            .where(StockLevel.store_id == store_id, Product.active.is_(True), _is_low())
        ).all()
        lines = [
            ReplenishmentLine(
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                category=paths.get(product.category_id or 0, ""),
                on_hand=int(on_hand),
                reorder_point=int(point),
                reorder_qty=int(qty),
                suggested=suggested_quantity(int(on_hand), int(point), int(qty)),
                elsewhere=int(units),
                cost_minor=product.cost_minor,
                sold_by_weight=product.sold_by_weight,
                unit=product.unit,
            )
            for product, on_hand, point, qty, units in rows
        ]
        now = uow.now()
    lines.sort(key=lambda line: (line.category.casefold(), line.name.casefold(), line.product_id))
    return ReplenishmentList(summary, now, tuple(lines))
