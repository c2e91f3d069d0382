"""Keyset pages of newest-first lists: each page starts where the previous one ended, never OFFSET.

So page 100 costs what page 1 costs: the database seeks to the key in the list's index instead of
counting past every row before it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import QueryableAttribute

_Columns = TypeVarTuple("_Columns")
_T = TypeVar("_T")
Column: TypeAlias = ColumnElement[_T] | QueryableAttribute[_T]
"""A column of a table or of a mapped class (``Notification.id``)."""


def newest_first(
    query: Select[*_Columns],
    id_column: Column[int],
    before_id: int | None,
    limit: int,
) -> Select[*_Columns]:
    """``query`` as one page ordered by ``id_column`` descending, below ``before_id`` when given.

    ``before_id`` is the last id of the previous page (None for the first page).
    """
    if before_id is not None:
        query = query.where(id_column < before_id)
    return query.order_by(id_column.desc()).limit(limit)


def older_than(
    at_column: Column[datetime], id_column: Column[int], at: datetime, row_id: int
) -> ColumnElement[bool]:
    """Rows after (``at``, ``row_id``) in a newest-first (time, id) order: the next page's rows."""
    return or_(at_column < at, and_(at_column == at, id_column < row_id))
