"""Ordered ids up front, rows read a page at a time: the searchable grids' cache (Anki's browser).

``STYLE.md`` §5: a search returns the ordered ids, a model's ``rowCount`` is their number, and
``data`` reads its row from a page cache filled by one query per page; when the data changes
the cache is dropped and the visible rows are read again. :class:`PagedIds` is that cache, for
the model that owns it (the model still announces resets and changes to its views).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_PAGES = 50
"""Pages kept by default, the least recently read dropped first: memory stays bounded."""


class PagedIds(Generic[T]):
    """Ordered ids and a bounded cache of their rows, read ``page_size`` ids at a time.

    Args:
        fetch: Reads the rows of some ids (in any order; an id without a row is shown empty).
        key: The id of a row.
        page_size: How many ids one read covers.
        max_pages: How many pages are kept.
    """

    def __init__(
        self,
        fetch: Callable[[Sequence[int]], Iterable[T]],
        key: Callable[[T], int],
        page_size: int,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self._fetch = fetch
        self._max_pages = max_pages
        self._key = key
        self._page_size = page_size
        self._pages: OrderedDict[int, dict[int, T]] = OrderedDict()
        self.ids: list[int] = []
        """The ids in display order (replace them with :meth:`set_ids`)."""

    def set_ids(self, ids: Sequence[int]) -> None:
        """Show these ids (a new search) and forget every row read."""
        self.ids = list(ids)
        self._pages.clear()

    def clear(self) -> None:
        """Forget every row read (the data changed); rows are read again when asked for."""
        self._pages.clear()

    def id_at(self, row: int) -> int | None:
        """The id on ``row`` (None: out of range)."""
        return self.ids[row] if 0 <= row < len(self.ids) else None

    def row_of(self, item_id: int) -> int | None:
        """The row showing ``item_id`` (None: not among the ids)."""
        try:
            return self.ids.index(item_id)
        except ValueError:
            return None

    def item(self, row: int) -> T | None:
        """The row of data on ``row``, reading its page first if it is not cached.

        Raises:
            Whatever ``fetch`` raises; nothing is cached then, so the next call reads again.
        """
        item_id = self.id_at(row)
        if item_id is None:
            return None
        number = row // self._page_size
        page = self._pages.get(number)
        if page is None:
            chunk = self.ids[number * self._page_size : (number + 1) * self._page_size]
            page = {self._key(item): item for item in self._fetch(chunk)}
            self._pages[number] = page
            while len(self._pages) > self._max_pages:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page.get(item_id)
