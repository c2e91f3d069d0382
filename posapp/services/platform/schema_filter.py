"""What the models-versus-migrations comparison ignores: the catalog's search indexes.

The FTS5 virtual table (and the shadow tables SQLite keeps for it) and the PostgreSQL
``pg_trgm`` GIN index are created by migration 0004a with raw DDL; they have no ORM model, so
Alembic's autogenerate comparison would report them as "to be removed". Wire both hooks into
``context.configure(...)`` in ``posapp/migrations/env.py`` and into the ``MigrationContext`` opts
of ``tests/integration/test_schema.py``::

    from posapp.services.platform.schema_filter import include_name, include_object

    context.configure(..., include_name=include_name, include_object=include_object)
    MigrationContext.configure(conn, opts={..., "include_name": include_name,
                                           "include_object": include_object})

``include_name`` runs before reflection, so the virtual table is never even reflected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from alembic.runtime.environment import NameFilterParentNames, NameFilterType
    from sqlalchemy.sql.schema import SchemaItem

__all__ = ["SEARCH_INDEXES", "SEARCH_TABLE_PREFIX", "include_name", "include_object"]

SEARCH_TABLE_PREFIX: Final = "products_fts"
"""``products_fts`` and its shadow tables ``products_fts_data``, ``_idx``, ``_docsize``…"""

SEARCH_INDEXES: Final = frozenset({"ix_products_search_trgm", "ix_products_lower_name"})
"""Raw DDL without a model: pg_trgm's GIN index (0004a) and the grid's ``lower(name)`` (0029)."""


def _ignored(name: str | None, type_: str) -> bool:
    if name is None:
        return False
    if type_ == "table":
        return name == SEARCH_TABLE_PREFIX or name.startswith(SEARCH_TABLE_PREFIX + "_")
    if type_ == "index":
        return name in SEARCH_INDEXES
    return False


def include_name(
    name: str | None, type_: NameFilterType, parent_names: NameFilterParentNames
) -> bool:
    """Alembic's ``include_name`` hook: skip the search tables and indexes before reflection."""
    return not _ignored(name, type_)


def include_object(
    obj: SchemaItem,
    name: str | None,
    type_: NameFilterType,
    reflected: bool,
    compare_to: SchemaItem | None,
) -> bool:
    """Alembic's ``include_object`` hook: skip the search tables and indexes."""
    return not _ignored(name, type_)
