"""The kit's model helpers: column-spec tables, the id-first page cache, keyset pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from pytestqt.qtbot import QtBot
from typing_extensions import override

from posapp.services.platform.errors import ValidationError
from posapp.ui.kit.keyset import KeysetRows, after_last
from posapp.ui.kit.paged_ids import PagedIds
from posapp.ui.kit.table_model import RIGHT, Column, ColumnTableModel

pytestmark = pytest.mark.ui

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Row:
    id: int
    name: str


class RowsModel(ColumnTableModel[Row]):
    columns = (
        Column("name", "Name", lambda r: r.name, lambda r: r.name.casefold()),
        Column("id", "Id", lambda r: str(r.id), lambda r: r.id, RIGHT),
    )

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[Sequence[int]] = []
        self.pages = PagedIds(self._read, lambda r: r.id, 10, max_pages=2)
        self.keyset: KeysetRows[Row, int] | None = None

    def _read(self, ids: Sequence[int]) -> list[Row]:
        self.reads.append(list(ids))
        return [Row(i, f"Row {i}") for i in ids]

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.pages.ids)

    @override
    def item(self, row: int) -> Row | None:
        return self.pages.item(row)


def test_column_table_model_answers_header_and_roles(qtmodeltester: object) -> None:
    model = RowsModel()
    model.pages.set_ids(range(1, 31))
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    horizontal = Qt.Orientation.Horizontal
    assert model.headerData(1, horizontal) == "Id"
    assert model.headerData(1, horizontal, Qt.ItemDataRole.TextAlignmentRole) == int(RIGHT)
    index = model.index(2, 0)
    assert model.data(index) == "Row 3"
    assert model.data(index, Qt.ItemDataRole.UserRole) == "row 3"
    assert model.data(model.index(2, 1), Qt.ItemDataRole.UserRole) == 3
    assert model.data(index, Qt.ItemDataRole.ToolTipRole) is None


def test_paged_ids_read_one_page_per_query_and_keep_a_bounded_cache() -> None:
    model = RowsModel()
    model.pages.set_ids(range(100, 150))
    assert model.pages.item(0) == Row(100, "Row 100")
    assert model.pages.item(9) == Row(109, "Row 109")
    assert model.reads == [list(range(100, 110))]
    model.pages.item(15)
    model.pages.item(25)  # a third page: the least recently read (the first) is dropped
    model.pages.item(19)
    assert len(model.reads) == 3
    model.pages.item(0)
    assert len(model.reads) == 4
    assert model.pages.row_of(120) == 20
    assert model.pages.row_of(7) is None
    assert model.pages.id_at(50) is None
    model.pages.clear()
    model.pages.item(0)
    assert len(model.reads) == 5


class NewestFirst(RowsModel):
    """A list of 25 rows read newest first, 10 at a time after the last id."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.fail = fail
        self.keyset = KeysetRows(self, after_last(self._page, lambda r: r.id, 10))

    def _page(self, before: int | None) -> list[Row]:
        if self.fail:
            raise ValidationError("The list cannot be read now.")
        top = 25 if before is None else before - 1
        return [Row(i, f"Row {i}") for i in range(top, max(top - 10, 0), -1)]

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        assert self.keyset is not None
        return 0 if parent.isValid() else len(self.keyset.rows)

    @override
    def canFetchMore(self, parent: Index) -> bool:
        assert self.keyset is not None
        return self.keyset.can_fetch_more(parent)

    @override
    def fetchMore(self, parent: Index) -> None:
        assert self.keyset is not None
        self.keyset.fetch_more(parent)

    @override
    def item(self, row: int) -> Row | None:
        assert self.keyset is not None
        return self.keyset.rows[row] if 0 <= row < len(self.keyset.rows) else None


def test_keyset_rows_read_page_after_page_until_a_short_one(
    qtbot: QtBot, qtmodeltester: object
) -> None:
    model = NewestFirst()
    assert model.keyset is not None
    with qtbot.wait_signal(model.modelReset):
        model.keyset.reload()
    assert [r.id for r in model.keyset.rows] == list(range(25, 15, -1))
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert [r.id for r in model.keyset.rows] == list(range(25, 0, -1))
    assert model.keyset.error == ""


def test_keyset_rows_keep_a_refusal_and_stop() -> None:
    model = NewestFirst(fail=True)
    assert model.keyset is not None
    model.keyset.reload()
    assert model.keyset.rows == []
    assert model.keyset.error == "The list cannot be read now."
    assert not model.canFetchMore(QModelIndex())
