"""Append-only lists read newest first in keyset pages, for a model's ``fetchMore``.

``STYLE.md`` §5: a list that only grows (notifications, the email outbox, an account's or a
product's movements) is read a page at a time with ``WHERE (key) < :last LIMIT n``, never
OFFSET, as the view scrolls. :class:`KeysetRows` holds the rows read so far and does the reading
for the model that owns it; the model forwards ``rowCount``, ``canFetchMore`` and ``fetchMore``
to it. A source reads one page after a cursor and says where the next page starts (None: this
was the last); :func:`after_last` makes one from a query that takes the last row's key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex

from posapp.services.platform.errors import ServiceError

T = TypeVar("T")
K = TypeVar("K")
Index = QModelIndex | QPersistentModelIndex
Source = Callable[[K | None], tuple[Sequence[T], K | None]]
"""Reads the page after a cursor (None: the newest page); returns its rows and the next cursor."""


def after_last(
    fetch: Callable[[K | None], Sequence[T]], key: Callable[[T], K], page_size: int
) -> Source[K, T]:
    """Return a source over ``fetch`` (the page after a row's key): a short page is the last."""

    def read(after: K | None) -> tuple[Sequence[T], K | None]:
        page = fetch(after)
        return page, key(page[-1]) if page and len(page) >= page_size else None

    return read


class KeysetRows(Generic[T, K]):
    """The rows of one append-only list, read newest first a page at a time.

    Args:
        model: The model that shows the rows (told of every reset and insert).
        source: Where the rows come from (None: nothing to show yet).
        on_error: Told the message when a page cannot be read (it is also kept in :attr:`error`).
    """

    def __init__(
        self,
        model: QAbstractItemModel,
        source: Source[K, T] | None = None,
        *,
        on_error: Callable[[str], object] | None = None,
    ) -> None:
        self._model = model
        self._source = source
        self._on_error = on_error
        self._cursor: K | None = None
        self.rows: list[T] = []
        """The rows read so far, newest first (always this one list)."""
        self.more = False
        self.error = ""
        """The message of the last read that failed ("" when none has)."""

    @property
    def source(self) -> Source[K, T] | None:
        """Where the rows come from."""
        return self._source

    def reload(self) -> None:
        """Forget the rows read and read the newest page again."""
        self.show(self._source)

    def show(self, source: Source[K, T] | None) -> None:
        """Show the rows of ``source`` (None: none) from the newest page on."""
        self._model.beginResetModel()
        self.rows.clear()  # in place: the model may hold the list
        self._source, self._cursor = source, None
        # No more to fetch until the reset is over: a view asks for more while the model says
        # it was reset, which would insert rows before the model's other listeners heard it.
        self.more, self.error = False, ""
        self._model.endResetModel()
        self.more = source is not None
        self.fetch_more()

    def can_fetch_more(self, parent: Index) -> bool:
        """Whether there may be older rows (``canFetchMore``)."""
        return not parent.isValid() and self.more

    def fetch_more(self, parent: Index | None = None) -> None:
        """Read the next page and append it (``fetchMore``); a refusal stops the reading."""
        if (parent is not None and parent.isValid()) or not self.more or self._source is None:
            return
        try:
            page, cursor = self._source(self._cursor)
        except ServiceError as exc:
            self.error, self.more = str(exc), False
            if self._on_error is not None:
                self._on_error(self.error)
            return
        self._cursor, self.more = cursor, cursor is not None
        if page:
            first = len(self.rows)
            self._model.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self.rows.extend(page)
            self._model.endInsertRows()


class KeysetModelMixin(Generic[T, K]):
    """The model side of :class:`KeysetRows` for any item model (a list or a table).

    Put it before the Qt model class in the bases (``class M(KeysetModelMixin[Row, int],
    QAbstractListModel)``) and set :attr:`pages` in ``__init__``: ``rowCount`` is what was read
    so far, ``canFetchMore``/``fetchMore`` read the next page and :meth:`reload` starts again
    from the newest. (No ``@override`` here: the Qt class these override comes after the mixin.)
    """

    __slots__ = ()
    pages: KeysetRows[T, K]
    """The rows read so far; ``pages.error`` says why the last page could not be read."""

    def reload(self) -> None:
        """Forget the rows read and read the newest page again."""
        self.pages.reload()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """How many rows were read so far (none under a row)."""
        return 0 if parent.isValid() else len(self.pages.rows)

    def canFetchMore(self, parent: Index) -> bool:
        """Whether there may be older rows."""
        return self.pages.can_fetch_more(parent)

    def fetchMore(self, parent: Index) -> None:
        """Read the next page."""
        self.pages.fetch_more(parent)
