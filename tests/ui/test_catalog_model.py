"""The catalog table model: ids first, one query per page, a bounded page cache."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest
from PIL import Image
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QPixmap
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from posapp.services.catalog.dto import ProductRow, SearchResult
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.ui.catalog.model import COLUMN_KEYS, MAX_PAGES, PAGE_SIZE, PENDING, CatalogTableModel

pytestmark = pytest.mark.ui

USER = UserDTO(1, "u", "", "admin", True)


def thumb() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    return buffer.getvalue()


class FakeCatalog:
    """Rows for ids 1..n, counting the page reads (only ``rows`` is used by the model)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.reads: list[tuple[int, ...]] = []
        self.fail = False
        self.picture = thumb()

    def rows(self, actor: UserDTO, ids: Sequence[int]) -> list[ProductRow]:
        if self.fail:
            raise ServiceError("Your session has ended.")
        self.reads.append(tuple(ids))
        return [
            ProductRow(
                id=i,
                sku=f"SKU-{i}",
                barcode=None if i % 2 else "96385074",
                name="<b>bold</b>" if i == 1 else f"Product {i}",
                category_path="Food > Fruit" if i % 3 else "",
                price_minor=i * 10,
                cost_minor=i,
                tax_rate_bp=550,
                tax_included=i % 4 != 0,
                active=i % 5 != 0,
                image_count=1 if i % 7 == 0 else 0,
                thumbnail=self.picture if i % 7 == 0 else None,
            )
            for i in ids
            if 1 <= i <= self.count
        ]


def make(qtbot: QtBot, count: int = 1_000) -> tuple[CatalogTableModel, FakeCatalog]:
    fake = FakeCatalog(count)
    model = CatalogTableModel(fake, USER)  # type: ignore[arg-type]
    model.set_result(SearchResult(tuple(range(1, count + 1))))
    return model, fake


def cell(
    model: CatalogTableModel, row: int, key: str, role: int = Qt.ItemDataRole.DisplayRole
) -> object:
    return model.data(model.index(row, COLUMN_KEYS.index(key)), role)


def test_qtmodeltester(qtbot: QtBot, qtmodeltester: ModelTester) -> None:
    model, _ = make(qtbot, 250)
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]
    model.set_result(SearchResult(tuple(range(1, 600))))  # extends: rows appended
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]
    model.set_result(SearchResult((5, 3, 1)))  # another order: reset
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]
    model.set_result(SearchResult(()))
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]


def test_rows_are_read_one_page_at_a_time(qtbot: QtBot) -> None:
    model, fake = make(qtbot, 100_000)
    assert model.rowCount() == 100_000
    assert fake.reads == []  # nothing read before something is shown
    assert cell(model, 0, "name") == "<b>bold</b>"  # shown literally (plain text)
    assert cell(model, 1, "sku") == "SKU-2"
    assert cell(model, PAGE_SIZE - 1, "sku") == f"SKU-{PAGE_SIZE}"
    assert len(fake.reads) == 1
    assert cell(model, PAGE_SIZE, "sku") == f"SKU-{PAGE_SIZE + 1}"
    assert len(fake.reads) == 2
    assert all(len(ids) <= PAGE_SIZE for ids in fake.reads)


def test_scrolling_to_the_end_never_loads_every_row(qtbot: QtBot) -> None:
    model, fake = make(qtbot, 1_000_000)
    for row in range(0, 1_000_000, 997):
        cell(model, row, "name")
    assert model.cached_rows <= MAX_PAGES * PAGE_SIZE
    assert cell(model, 999_999, "sku") == "SKU-1000000"
    assert sum(len(ids) for ids in fake.reads) < 1_000_000 // 5


def test_roles(qtbot: QtBot) -> None:
    model, _ = make(qtbot)
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert cell(model, 9, "price", Qt.ItemDataRole.TextAlignmentRole) == right
    assert cell(model, 9, "price", Qt.ItemDataRole.UserRole) == 100
    assert cell(model, 9, "tax") == "5.5 %"
    assert cell(model, 3, "tax") == "5.5 % +"  # price without tax
    assert cell(model, 4, "status") == "Archived"
    assert isinstance(cell(model, 4, "name", Qt.ItemDataRole.ForegroundRole), QColor)
    assert cell(model, 0, "name", Qt.ItemDataRole.ForegroundRole) is None
    picture = cell(model, 6, "image", Qt.ItemDataRole.DecorationRole)
    assert isinstance(picture, QPixmap)
    assert not picture.isNull()
    assert cell(model, 6, "image", Qt.ItemDataRole.AccessibleTextRole) == "1 image"
    assert cell(model, 0, "image", Qt.ItemDataRole.DecorationRole) is None
    assert model.headerData(COLUMN_KEYS.index("price"), Qt.Orientation.Horizontal) == "Price"


def test_extending_appends_and_other_results_reset(qtbot: QtBot) -> None:
    model, _ = make(qtbot, 100)
    with qtbot.wait_signal(model.rowsInserted) as inserted:
        model.set_result(SearchResult(tuple(range(1, 301))))
    assert inserted.args[1:] == [100, 299]
    with qtbot.wait_signal(model.modelReset):
        model.set_result(SearchResult((3, 2, 1)))
    assert model.product_id(0) == 3
    assert model.row_of(1) == 2
    assert model.row_of(99) is None
    assert model.selected_ids([2, 0, 2, 7]) == [3, 1]  # in row order; 7 is out of range


def test_a_product_change_marks_the_cache_stale(qtbot: QtBot) -> None:
    model, fake = make(qtbot)
    cell(model, 0, "name")
    with qtbot.wait_signal(model.dataChanged):
        model.mark_stale()
    assert model.cached_rows == 0
    cell(model, 0, "name")
    assert len(fake.reads) == 2


def test_a_failed_read_is_reported_once(qtbot: QtBot) -> None:
    model, fake = make(qtbot)
    fake.fail = True
    with qtbot.wait_signal(model.load_failed) as failed:
        assert cell(model, 0, "name") == PENDING
    assert failed.args == ["Your session has ended."]
    with qtbot.assert_not_emitted(model.load_failed):
        cell(model, 1, "name")
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags
