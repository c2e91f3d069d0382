"""Name or SKU contains the text: the first products by name, or every one, through the index.

The register's F2 search and the Stores tab's stock search list the products whose **name or
SKU (or, for a variant, its search keys: template name and values, migration 0022) contains
the text** anywhere, ignoring case, in name order. They ran
``lower(name) LIKE '%…%' OR lower(sku) LIKE '%…%'``, which no index serves: every product was
read and every candidate sorted (142 ms a keystroke at 100,000 products). Here the text goes
through the catalog's trigram index instead: SQLite FTS5 ``products_fts`` (its ``name`` and
``sku`` columns, migration 0012), PostgreSQL ``pg_trgm`` (``name`` and ``sku_key``).

What the text matches, compared with the ``LIKE`` it replaces (``tests/integration/
test_register_search.py`` checks the same first 20 on both databases):
    * Three characters or more: the same products, found through the trigram index; letter
      case is ignored for every letter (SQLite's ``lower()`` folded only ASCII letters, so
      ``äpfel`` did not find ``Äpfel`` there; it does now, as on PostgreSQL).
    * One or two characters: a trigram index cannot answer them. They are checked with the
      same ``lower(…) LIKE`` as before, walking the ``(active, name, id, sku)`` index (no table
      reads) in name order and stopping at the ``limit``-th match: immediate for letters and
      pairs that many names or SKUs contain (the usual case); a pair that few contain reads
      the whole index (a few hundred milliseconds at a million products, where the old query
      read and sorted the whole table). The Stores tab's complete lists check every product,
      as before.

First ``limit`` by name (:func:`first_containing`, SQLite): when the index finds at most
:data:`DENSE` products they are sorted by name; when it finds more, matches are common, so the
first ones by name are likely near the start of the name index, which is walked
(:data:`WALK_BUDGET` products at most, then the matches are sorted after all), unless the
index's first matches say the walk would fail or cost more than the sort (:func:`_walk_pays`:
a SKU family or a brand late in name order, a few thousand matches). The walk's
``LIKE`` gives the index's result for an ASCII text; a text with other letters is always sorted.
In a catalog with variants the walk checks their search keys too (read from the name index
since migration 0028; :func:`has_variants`), so a walk and a sort find the same
products: before, ``shirt blue`` walked past ``Basic T-Shirt, blue, S`` to plain names holding
the words, where the sort listed the variant first. The Stores tab's one- and two-character
search on SQLite looks in the keys as well, as it did on PostgreSQL. Control characters are
dropped from the text by the callers (a NUL made FTS5 fail).
An ASCII text of several words asks the index for each word and checks the rows found for the
whole text with the same ``LIKE`` (see :func:`_match`).

Order: by name (binary on SQLite, the database's collation on PostgreSQL), then id.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Final, NamedTuple

from sqlalchemy import ColumnElement, Integer, and_, column, func, or_, text
from sqlalchemy.orm import Session

from posapp.models import Product
from posapp.services.platform.fastsql import Prepared
from posapp.services.platform.like import LIKE_ESCAPE, contains

__all__ = [
    "DENSE",
    "WALK_BUDGET",
    "Containing",
    "containing_condition",
    "first_containing",
    "has_variants",
    "matching_ids",
    "walk_matches",
]

WORDS_FIRST: Final = 200
"""Words' matches read first, to tell how many there are (:func:`_probe_words`)."""
DENSE: Final = 2_000
"""Above this many trigram matches, the first ones by name are looked for by walking the name
index (common matches are usually near its start) rather than by sorting every match. Many
matches crowded together late in name order (the SKUs of one brand family: ``FIN0``) miss the
walk and are sorted after all: tens of milliseconds at a million products (benchmarks/README)."""
WALK_BUDGET: Final = 20_000
"""How many products (in name order) a walk reads before the matches are sorted instead."""
_TRIGRAM: Final = 3


def first_containing(session: Session, value: str, *, limit: int) -> list[int]:
    """Ids of the first ``limit`` active products by name whose name or SKU contains ``value``.

    See the module docstring. ``value`` is already cleaned (NFKC, stripped, no control
    characters) and not empty.
    """
    if session.get_bind().dialect.name != "sqlite":
        return _first_postgres(session, value, limit)
    if len(value) < _TRIGRAM:
        return _ids(_walk(session, value, limit))
    match, checked = _match(value)
    params = {"match": match, "pattern": contains(value.lower()), "n": limit}
    check = _CHECK if checked else ""
    rowids, many = _probe_words(session, value, match, checked=checked)
    if not many:  # every match: sorted by SQLite, the first ``limit`` returned
        return _ids(_first_of(session, rowids, params, check))
    # Many: the walk in name order, unless the index's first matches say it would most likely
    # find too few or cost more than sorting every match (see :func:`_walk_pays`).
    sample: Sequence[Sequence[object]] | None = None
    if value.isascii():
        walk = True
        if not checked:
            walk, sample = _walk_pays(session, rowids, params, limit)
        if walk:
            walked = _walk(session, value, limit, budget=WALK_BUDGET)
            if len(walked) >= limit:
                return _ids(_by_name(walked))
    found = _FOUND.format(check=check)
    if sample is None:
        sample = _first_of(session, rowids, params, check)
    if len(sample) >= limit:
        # Every one of the first ``limit`` sorts at or before the ``limit``-th of the index's
        # first matches: only what does is sorted (a quarter less time for 26,000 matches).
        found += " AND (p.name < :bound_name OR (p.name = :bound_name AND p.id <= :bound_id))"
        params |= {"bound_name": sample[-1][1], "bound_id": sample[-1][0]}
    return _ids(session.execute(text(f"{found} ORDER BY p.name, p.id LIMIT :n"), params).all())


WALK_COST: Final = 1.5
"""A product walked (its name, SKU and keys checked with LIKE) against a match sorted (its row
read): 0.6-0.75 µs against 0.45 µs at a million products."""


def _walk_pays(
    session: Session, rowids: list[int], params: dict[str, object], limit: int
) -> tuple[bool, Sequence[Sequence[object]] | None]:
    """Whether walking the name index is likely to find ``limit`` matches cheaper than a sort.

    ``rowids`` are the index's first matches of one phrase (by id: :data:`DENSE` + 1 of them),
    a share of all its matches that the ids they span tell. If that share is a tenth, the 2nd
    of them by name stands about where the 20th of all matches does: where the walk would stop.
    Its place in the name index (counted on the index alone, a tenth of a walk's time) is the
    walk's cost; every match read and sorted is the sort's. A SKU family or a brand late in
    name order stands beyond the walk's reach: it read 20,000 names before the sort (15 ms at
    a million products). A text with a few thousand matches sorts them (2 ms) faster than a
    walk reaches its 20th (12 ms for ``FAG``). Words (checked with ``LIKE``) are always walked
    first: the index reads each word's long list to sort them (``sweater orange``: 20 ms for
    5,000 matches; its walk 8 ms).

    Also the first ``limit`` of ``rowids`` by name (:func:`_first_of`) when it read them: a
    sort that follows bounds itself by them.
    """
    matches = _matches(session, rowids)
    share = len(rowids) / matches  # of all the matches, the first ones' share
    if matches > SURE_WALK * WALK_BUDGET * WALK_COST:
        # So many that sorting them costs more than a walk that fails (``ber``: 100,000
        # matches, 27 ms to sort; their 20th within 500 names): and a small share says little.
        return True, None
    if matches <= SURE_SORT * DENSE:
        return False, None  # sorted in 3 ms or less: as soon as a walk's estimate is read
    sample = _first_of(session, rowids, params, "")
    place = math.ceil(limit * share)
    if len(sample) < place:  # fewer active matches than that: a short sort
        return False, sample
    stop = sample[place - 1][1]
    reach = int(session.execute(_PLACE, {"name": stop, "cap": WALK_BUDGET + 1}).scalar_one())
    return reach <= WALK_BUDGET and reach * WALK_COST < matches, sample


SURE_WALK: Final = 1.5
"""Above this many failed walks' worth of matches (in sort costs), the walk is always tried."""
SURE_SORT: Final = 3
"""At most this many times :data:`DENSE` matches are sorted without asking where a walk would
stop."""
_LAST_ID = text("SELECT max(id) FROM products")
_PLACE = text(
    "SELECT count(*) FROM (SELECT 1 FROM products INDEXED BY ix_products_active_name "
    "WHERE active = 1 AND name <= :name LIMIT :cap)"
)


def _first_of(
    session: Session, rowids: list[int], params: dict[str, object], check: str
) -> Sequence[Sequence[object]]:
    """(id, name) of the first ``params["n"]`` active products of ``rowids`` by name.

    By code point. The ids go as one JSON parameter, not an expanding list: no statement of up
    to 2,000 placeholders rendered and bound per keystroke, and SQLite sorts. On the driver's
    cursor (a third of a millisecond less than through the session, on every keystroke).
    """
    if not rowids:
        return []
    statement = _FIRST_CHECKED if check else _FIRST
    values = {"ids": json.dumps(rowids), "n": params["n"], "pattern": params["pattern"]}
    return statement.all(session.connection(), values)


def _by_name(rows: Sequence[Sequence[object]]) -> list[Sequence[object]]:
    return sorted(rows, key=lambda row: (str(row[1]), int(str(row[0]))))


_PROBE = Prepared(
    text("SELECT rowid FROM products_fts WHERE products_fts MATCH :match LIMIT :dense")
)
_BARCODE = Prepared(text("SELECT id FROM products WHERE barcode = :b"))
_IDS = "SELECT value FROM json_each(:ids)"
_FIRST_OF = (
    f"SELECT p.id, p.name FROM products AS p WHERE p.id IN ({_IDS}) AND +p.active = 1{{check}}"
    " ORDER BY p.name, p.id LIMIT :n"
)
_LISTED = f"SELECT p.id FROM products AS p WHERE p.id IN ({_IDS})"


def _probe(session: Session, match: str, cap: int | None = None) -> list[int]:
    """The index's matches for ``match`` by id, at most ``cap`` (:data:`DENSE` + 1).

    On the driver's cursor.
    """
    params = {"match": match, "dense": DENSE + 1 if cap is None else cap}
    return [int(i) for (i,) in _PROBE.all(session.connection(), params)]


def _probe_words(
    session: Session, value: str, match: str, *, checked: bool
) -> tuple[list[int], bool]:
    """:func:`_probe` for ``match``, and whether there are more than :data:`DENSE` matches.

    Words (``checked``): their first :data:`WORDS_FIRST` matches, read first, tell how many
    there are (the share of the ids they span); every one is read only when that says few.
    The index reads each word's list of matches to join them, so the first 2,001 of
    ``jacket purple`` took 6.5 ms at a million products, their first 201 0.9 ms. When there
    are many, the rows returned may be those first ones only.

    ``Pain P`` asks the index for ``Pain`` (one or two letters have no trigram), which finds
    more than :data:`DENSE` products, so every ``Pain`` was walked or sorted (30-55 ms at
    1,000,000 products). The whole text as one phrase, its space included, finds the few that
    hold it (7 ms). The caller checks the rows found with ``LIKE`` either way.
    """
    if not checked:
        rowids = _probe(session, match)
        return rowids, len(rowids) > DENSE
    first = min(WORDS_FIRST, DENSE)
    rowids = _probe(session, match, first + 1)
    many = len(rowids) > first
    if many and _matches(session, rowids) <= 2 * DENSE:
        rowids = _probe(session, match)  # likely few: every one
        many = len(rowids) > DENSE
    if many and any(len(w) < _TRIGRAM for w in value.split(" ") if w):
        phrased = _probe(session, _phrase(value))
        if len(phrased) <= DENSE:
            return phrased, False
    return rowids, many


def _matches(session: Session, rowids: list[int]) -> float:
    """About how many products the index matches, from its first ``rowids`` (by id).

    Their share of all the matches is the share of the ids they span.
    """
    last = int(session.execute(_LAST_ID).scalar() or rowids[-1])
    return len(rowids) / min(1.0, rowids[-1] / max(last, 1))


_FOUND = (
    "SELECT p.id, p.name FROM products_fts CROSS JOIN products AS p "
    "ON p.id = products_fts.rowid WHERE products_fts MATCH :match AND +p.active = 1{check}"
)
_CHECK = (
    " AND (lower(p.name) LIKE :pattern ESCAPE '\\' OR lower(p.sku) LIKE :pattern ESCAPE '\\'"
    " OR p.search_keys LIKE :pattern ESCAPE '\\')"
)
_FIRST = Prepared(text(_FIRST_OF.format(check="")))
_FIRST_CHECKED = Prepared(text(_FIRST_OF.format(check=_CHECK)))


def _phrase(value: str) -> str:
    """An FTS5 query for ``value`` as one string (a phrase of trigrams: a substring)."""
    return '"' + value.replace('"', '""') + '"'


def _match(value: str) -> tuple[str, bool]:
    """The FTS5 query for ``value``, and whether what it finds must be checked with ``LIKE``.

    An ASCII text of several words asks for each word of three characters or more, and the
    rows found are checked for the whole text: FTS5 reads every trigram's list of rows for a
    phrase, and the spaces make common trigrams (``r o``) of a long one (three times slower).
    Other texts are one phrase (``LIKE`` would not fold their letters as the index does).
    """
    words = [word for word in value.split(" ") if len(word) >= _TRIGRAM]
    if " " in value and words and value.isascii():
        return " AND ".join(_phrase(word) for word in words), True
    return _phrase(value), False


def _ids(rows: Sequence[Sequence[object]]) -> list[int]:
    return [int(str(row[0])) for row in rows]


def _walk(
    session: Session, value: str, limit: int, *, budget: int | None = None
) -> Sequence[Sequence[object]]:
    """The first ``limit`` active products by name whose name or SKU contains ``value`` (LIKE).

    Reads the ``(active, name, id, sku, search_keys)`` index in order (the keys only when the
    catalog has variants), and stops at the ``limit``-th match, or after ``budget`` products
    when given.
    """
    match = "(lower(name) LIKE :pattern ESCAPE '\\' OR lower(sku) LIKE :pattern ESCAPE '\\'{keys})"
    columns = "id, name, sku"
    if has_variants(session):
        # A variant is found by its search keys too (in the index since 0028: no table reads).
        match = match.format(keys=" OR search_keys LIKE :pattern ESCAPE '\\'")
        columns += ", search_keys"
    else:
        match = match.format(keys="")
    rows = (
        f"SELECT {columns} FROM products INDEXED BY ix_products_active_name "
        "WHERE active = 1 ORDER BY name, id"
    )
    if budget is None:
        sql = f"{rows.replace(' ORDER BY', f' AND {match} ORDER BY')} LIMIT :n"
    else:
        # No ORDER BY outside: the subquery streams in index order and the first matches stop
        # the read (an ORDER BY here would read all of the budget first); sorted in Python.
        sql = f"SELECT id, name FROM ({rows} LIMIT :budget) WHERE {match} LIMIT :n"
    params = {"pattern": contains(value.lower()), "n": limit, "budget": budget}
    return session.execute(text(sql), params).all()


def has_variants(session: Session) -> bool:
    """Whether any product is a variant (only variants carry search keys): one index probe."""
    probe = "SELECT 1 FROM products WHERE template_id IS NOT NULL LIMIT 1"
    return session.execute(text(probe)).first() is not None


def _first_postgres(session: Session, value: str, limit: int) -> list[int]:
    """One statement: pg_trgm's GIN index serves both columns; the planner picks the way."""
    sql = (
        "SELECT p.id FROM products AS p WHERE p.active = true "
        "AND (p.name ILIKE :pattern OR p.sku_key ILIKE :pattern OR p.search_keys ILIKE :pattern) "
        "ORDER BY p.name, p.id LIMIT :n"
    )
    params = {"pattern": contains(value), "n": limit}
    return [int(i) for (i,) in session.execute(text(sql), params).all()]


def walk_matches(value: str, alias: str) -> tuple[str, dict[str, str]]:
    """SQL (and its parameters) for a row of ``products AS alias`` matching ``value`` by LIKE.

    The name, SKU or search keys contain ``value`` (ASCII letters folded), or the barcode is it:
    the products :func:`containing_condition` finds for an ASCII text.
    """
    sql = (
        f"(lower({alias}.name) LIKE :pattern ESCAPE '\\' OR {alias}.sku_key LIKE :sku ESCAPE '\\'"
        f" OR {alias}.search_keys LIKE :pattern ESCAPE '\\' OR {alias}.barcode = :code)"
    )
    params = {"pattern": contains(value.lower()), "sku": contains(value.upper()), "code": value}
    return sql, params


def matching_ids(value: str) -> tuple[str, dict[str, str]]:
    """SQL selecting the ids of every product matching ``value`` (``id``), with its parameters.

    The products :func:`containing_condition` finds, from the trigram index (SQLite; three
    characters or more), as a subquery to start a query from. An id may come twice (a match
    whose barcode is the text too): select DISTINCT from it.
    """
    match, checked = _match(value)
    ids = "SELECT rowid AS id FROM products_fts WHERE products_fts MATCH :match"
    params = {"match": match, "code": value}
    if checked:
        like, more = walk_matches(value, "c")
        ids = f"SELECT m.id FROM ({ids}) AS m CROSS JOIN products AS c ON c.id = m.id WHERE {like}"
        params |= more
    # UNION ALL: a UNION would sort every match to drop the one the barcode may repeat.
    return f"{ids} UNION ALL SELECT id FROM products WHERE barcode = :code", params


def _like(value: str) -> ColumnElement[bool]:
    """Name, SKU or search keys contain ``value`` (``LIKE`` folds ASCII letters only)."""
    pattern = contains(value.lower())
    return or_(
        func.lower(Product.name).like(pattern, escape=LIKE_ESCAPE),
        Product.sku_key.like(contains(value.upper()), escape=LIKE_ESCAPE),
        Product.search_keys.like(pattern, escape=LIKE_ESCAPE),
    )


class Containing(NamedTuple):
    """What :func:`containing_condition` found: the condition, and how to read it.

    ``sort``: the condition starts from the products the index found (a list of them, or the
    index's every match), so a caller ordering by an index should sort what it finds rather
    than walk that index to meet them. ``False`` for one or two characters (checked row by
    row, as a walk in order does best).
    """

    condition: ColumnElement[bool]
    sort: bool = False
    listed: str = ""
    """The ids the condition lists, as a JSON array, when it lists them (SQLite)."""
    broad: str = ""
    """The text, when the index finds many products (SQLite): a caller may read its first rows
    by walking its order with :func:`walk_matches` (ASCII texts) or by starting from
    :func:`matching_ids`, rather than through ``condition``."""


def containing_condition(session: Session, value: str) -> Containing:
    """The condition on ``Product`` for every product whose name or SKU contains ``value``.

    Or whose barcode is exactly ``value``: the Stores tab's complete, ordered lists. From
    three characters the names and SKUs are found through the trigram index, read here once:
    when it finds at most :data:`DENSE` products the condition lists them (the query then
    starts from them rather than from every product of the store; see :class:`Containing`).
    """
    barcode = Product.barcode == value
    if session.get_bind().dialect.name != "sqlite":
        sku = Product.sku_key.like(contains(value.upper()), escape=LIKE_ESCAPE)
        name = Product.name.ilike(contains(value), escape=LIKE_ESCAPE)
        keys = Product.search_keys.ilike(contains(value), escape=LIKE_ESCAPE)
        return Containing(or_(name, sku, barcode, keys))
    if len(value) < _TRIGRAM:
        return Containing(or_(_like(value), barcode))
    match, checked = _match(value)
    rowids, many = _probe_words(session, value, match, checked=checked)
    if not many:
        # A few: the condition lists them (and the barcode's product) as one JSON parameter, so
        # the query starts from them instead of checking every product of the store against
        # the index (and no statement of up to 2,000 placeholders is rendered per keystroke).
        if checked and rowids:
            rows = text(_LISTED + _CHECK)
            values = {"pattern": contains(value.lower()), "ids": json.dumps(rowids)}
            checked_ids = session.execute(rows, values).scalars()
            rowids = [int(i) for i in checked_ids]
        coded = _BARCODE.all(session.connection(), {"b": value})
        ids = json.dumps(sorted({*rowids, *(int(i) for (i,) in coded)}))
        listed = text(_IDS).bindparams(ids=ids).columns(column("value", Integer)).subquery("listed")
        # A join, not an IN: SQLite then starts from the list (an IN would let it walk a
        # store's whole name index, taking ``store_id = ?`` for a few rows).
        return Containing(Product.id == listed.c.value, sort=True, listed=ids)
    matching = (
        text("SELECT rowid FROM products_fts WHERE products_fts MATCH :match")
        .bindparams(match=match)
        .columns(column("rowid", Integer))
    )
    found: ColumnElement[bool] = Product.id.in_(matching)
    if checked:  # the words' matches, checked for the whole text
        found = and_(found, _like(value))
    return Containing(or_(found, barcode), sort=True, broad=value)
