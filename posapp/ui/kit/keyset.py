"""Append-only lists read newest first in keyset pages, for a model's ``fetchMore``.

``STYLE.md`` §5: a list that only grows (notifications, the email outbox, the redemption log)
is read a page at a time with ``WHERE (key) < :last LIMIT n``, never OFFSET, as the view
scrolls. :class:`KeysetRows` holds the rows read so far and does the reading for the model that
owns it; the model forwards ``rowCount``, ``canFetchMore`` and ``fetchMore`` to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex

from posapp.services.platform.errors import ServiceError

T = TypeVar("T")
K = TypeVar("K")
Index = QModelIndex | QPersistentModelIndex


class KeysetRows(Generic[T, K]):
    """The rows of one append-only list, read newest first a page at a time.

    Args:
        model: The model that shows the rows (told of every reset and insert).
        fetch: Reads the page after key ``K`` (None: the newest page).
        key: The key of a row, which the next page starts after.
        page_size: The size of a full page; a shorter page is the last.
    """

    def __init__(
        self,
        model: QAbstractItemModel,
        fetch: Callable[[K | None], Sequence[T]],
        key: Callable[[T], K],
        page_size: int,
    ) -> None:
        self._model = model
        self._fetch = fetch
        self._key = key
        self._page_size = page_size
        self.rows: list[T] = []
        """The rows read so far, newest first (always this one list)."""
        self.more = True
        self.error = ""
        """The message of the last read that failed ("" when none has)."""

    def reload(self, fetch: Callable[[K | None], Sequence[T]] | None = None) -> None:
        """Forget the rows read and read the newest page again (of ``fetch``, when given)."""
        if fetch is not None:
            self._fetch = fetch
        self._model.beginResetModel()
        self.rows.clear()  # in place: the model may hold the list
        self.more, self.error = True, ""
        self._model.endResetModel()
        self.fetch_more()

    def can_fetch_more(self, parent: Index) -> bool:
        """Whether there may be older rows (``canFetchMore``)."""
        return not parent.isValid() and self.more

    def fetch_more(self, parent: Index | None = None) -> None:
        """Read the next page and append it (``fetchMore``); a refusal is kept in :attr:`error`."""
        if (parent is not None and parent.isValid()) or not self.more:
            return
        after = self._key(self.rows[-1]) if self.rows else None
        try:
            page = self._fetch(after)
        except ServiceError as exc:
            self.error, self.more = str(exc), False
            return
        self.more = len(page) >= self._page_size
        if page:
            first = len(self.rows)
            self._model.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self.rows.extend(page)
            self._model.endInsertRows()
