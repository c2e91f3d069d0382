"""The Stores tab's pages in one SQLite statement or two, read in an index's order (#23).

The stock table reads a store's levels by name a page at a time, and the grid every active
product (:func:`posapp.services.stock.queries.stock_level_page`, ``product_card_page``). These
find a page without checking every level or product (migration 0029's indexes):

* :func:`listed_page`: the few products the trigram index found, looked up at the store;
* :func:`broad_page`: a text the index finds many products of: the store's levels walked by
  name, else the index's matches looked up at the store;
* :func:`level_walk`: one or two characters, or a text many products match, in a catalog
  without variants: the store's levels walked in their index alone (each level carries its
  product's name and SKU keys, migrations 0029-0030; a variant's search keys are not there);
* :func:`card_walk`: the grid with no text or one or two characters, walked by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from sqlalchemy import text
from sqlalchemy.orm import Session

from posapp.services.catalog import has_variants, matching_ids, walk_matches
from posapp.services.platform.fastsql import Prepared
from posapp.services.platform.like import contains
from posapp.services.stock.dto import LevelCursor

__all__ = [
    "CARD_WALK",
    "INDEX_WALK_LEVELS",
    "WALK_LEVELS",
    "broad_page",
    "card_walk",
    "level_walk",
    "listed_page",
]

_KEYSET = " AND (sl.name_key > :k OR (sl.name_key = :k AND sl.product_id > :i))"

WALK_LEVELS: Final = 1_000
"""How many of a store's levels (by name) a walk reads before giving up (:func:`broad_page`)."""


def broad_page(
    session: Session, store_id: int, value: str, after: LevelCursor | None, want: int
) -> Sequence[Sequence[object]]:
    """The first ``want`` levels of a store by name whose product matches ``value`` (SQLite).

    For a text the trigram index finds many products of. An ASCII text first walks the store's
    levels in ``ix_stock_levels_store_name`` order (after ``after``) and stops at the
    ``want``-th match: a text many names share (``Ber``) finds its page among the first few
    hundred. In a catalog without variants the walk reads the levels' index alone
    (:func:`level_walk`, :data:`INDEX_WALK_LEVELS` levels: ``Kel`` 0.6 ms at 100,000 products,
    where the index's matches looked up at the store took 3.4 ms); with variants it reads each
    level's product. When :data:`WALK_LEVELS` levels hold fewer (the SKUs of one family, ``KEL15``,
    crowd together in name order, or few of the matches are at this store), the index's matches
    are read instead and each looked up at the store, and those found sorted: 3-10 ms at
    1,000,000 products where checking each of a store's 30,000 levels took 40-50 ms.
    """
    if value.isascii():
        if not has_variants(session):
            # Names and SKUs in the levels' index alone: a walk ten times cheaper, so a longer one.
            walked = level_walk(session, store_id, value, after, want, budget=INDEX_WALK_LEVELS)
        else:
            match, params = walk_matches(value, "p")
            walked = _walk(
                session, store_id, after, want, WALK_LEVELS, match, params, products=True
            )
        if walked is not None:
            return walked
    found, params = matching_ids(value)
    keyset = _KEYSET.replace(" AND", " WHERE", 1) if after is not None else ""
    driven = (
        f"SELECT DISTINCT sl.product_id, sl.name_key FROM ({found}) AS f "
        "CROSS JOIN stock_levels AS sl "
        f"ON sl.store_id = :store AND sl.product_id = f.id{keyset} "
        "ORDER BY sl.name_key, sl.product_id LIMIT :n"
    )
    values = {"store": store_id, "n": want, **_after_values(after), **params}
    return session.execute(text(driven), values).all()


INDEX_WALK_LEVELS: Final = 20_000
"""How many of a store's levels a walk in their index alone reads before giving up (about
2.6 ms; a walk reading each level's product took that for 2,000)."""


def level_walk(
    session: Session,
    store_id: int,
    value: str,
    after: LevelCursor | None,
    want: int,
    *,
    budget: int | None = None,
) -> Sequence[Sequence[object]] | None:
    """The first ``want`` levels of a store by name matching ``value``, from their index alone.

    For a catalog without variants (SQLite): the level's name key and SKU key are checked with
    the ``LIKE`` :func:`~posapp.services.catalog.walk_matches` uses on the product (the same
    lowercased name, the same SKU key), and the product whose barcode is ``value`` is found
    once. No product row is read: 0.13 µs a level, against 1.3 µs. Stops at the ``want``-th
    match; with a ``budget``, after that many levels too, and then None when fewer matched.
    """
    match = (
        "(w.name_key LIKE :pattern ESCAPE '\\' OR w.sku_key LIKE :sku ESCAPE '\\' "
        "OR w.id IN (SELECT id FROM products WHERE barcode = :code))"
    )
    params = {"pattern": contains(value.lower()), "sku": contains(value.upper()), "code": value}
    return _walk(session, store_id, after, want, budget, match, params, products=False)


def _walk(
    session: Session,
    store_id: int,
    after: LevelCursor | None,
    want: int,
    budget: int | None,
    match: str,
    params: Mapping[str, object],
    *,
    products: bool,
) -> Sequence[Sequence[object]] | None:
    """The first ``want`` of a store's levels after ``after`` by name that ``match`` keeps.

    The levels are walked in ``ix_stock_levels_store_name`` order; ``match`` sees the level as
    ``w`` and, when ``products``, its product as ``p``. With a ``budget``, at most that many
    levels are read, and None when fewer matched.
    """
    keyset = _KEYSET if after is not None else ""
    levels = (
        "SELECT sl.product_id AS id, sl.name_key AS name_key, sl.sku_key AS sku_key "
        f"FROM stock_levels AS sl WHERE sl.store_id = :store{keyset} "
        "ORDER BY sl.name_key, sl.product_id"
    )
    bounded = "" if budget is None else " LIMIT :budget"
    join = " CROSS JOIN products AS p ON p.id = w.id" if products else ""
    # No ORDER BY outside: the walk streams in index order and the matches stop it.
    sql = f"SELECT w.id, w.name_key FROM ({levels}{bounded}) AS w{join} WHERE {match} LIMIT :n"
    values = {**params, **_after_values(after), "store": store_id, "n": want, "budget": budget}
    rows = session.execute(text(sql), values).all()
    return rows if budget is None or len(rows) >= want else None


def _after_values(after: LevelCursor | None) -> dict[str, object]:
    """The keyset's parameters (:data:`_KEYSET`): the name key and id to start after."""
    return {} if after is None else {"k": after[0], "i": after[1]}


_LISTED = {
    after: Prepared(
        text(
            "SELECT sl.product_id, sl.name_key FROM json_each(:ids) AS j CROSS JOIN stock_levels "
            "AS sl ON sl.store_id = :store AND sl.product_id = j.value"
            + (_KEYSET.replace(" AND", " WHERE", 1) if after else "")
            + " ORDER BY sl.name_key, sl.product_id LIMIT :n"
        )
    )
    for after in (False, True)
}


def listed_page(
    session: Session, store_id: int, ids: str, after: LevelCursor | None, want: int
) -> list[tuple[object, ...]]:
    """The first ``want`` levels of a store by name among the products ``ids`` (a JSON array).

    For a text the trigram index finds a few products of (SQLite): each is looked up at the
    store and those found sorted, in one statement on the driver's cursor.
    """
    values = {"ids": ids, "store": store_id, "n": want, **_after_values(after)}
    return _LISTED[after is not None].all(session.connection(), values)


CARD_WALK: Final = 20_000
"""How many products (by name) the grid's walk reads before giving up (:func:`card_walk`)."""


def card_walk(
    session: Session, value: str, after: LevelCursor | None, want: int
) -> Sequence[Sequence[object]] | None:
    """The grid's first ``want`` active products by lowercased name matching ``value``, or None.

    For no text or one or two characters (SQLite): walks ``ix_products_lower_name``
    (migration 0029) from ``after`` and stops at the ``want``-th match (the grid's first look
    at a million products: under a millisecond, it sorted them all in 190 ms). When
    :data:`CARD_WALK` products hold fewer matches (a pair few names contain), None: the caller
    sorts the matches instead, as it always did.
    """
    keyset = " AND (lower(p.name) > :k OR (lower(p.name) = :k AND p.id > :i))" if after else ""
    inner = (
        "SELECT p.id AS id, lower(p.name) AS name_key, p.name AS name, p.sku_key AS sku_key, "
        "p.search_keys AS search_keys, p.barcode AS barcode "
        "FROM products AS p INDEXED BY ix_products_lower_name "
        f"WHERE +p.active = 1{keyset} ORDER BY lower(p.name), p.id LIMIT :budget"
    )
    match, params = walk_matches(value, "w") if value else ("1", {})
    values = {**params, "n": want, "budget": CARD_WALK, **_after_values(after)}
    rows = session.execute(
        text(f"SELECT w.id, w.name_key FROM ({inner}) AS w WHERE {match} LIMIT :n"), values
    ).all()
    if len(rows) >= want:
        return rows
    read = session.execute(text(f"SELECT count(*) FROM ({inner})"), values).scalar_one()
    return rows if read < CARD_WALK else None
