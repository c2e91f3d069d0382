"""A store's products as a grid of cards: picture, name, price and availability.

:class:`ProductCardModel` is a list model over ordered product ids with a page cache (the same
ids-first pattern as the stock table); :class:`ProductCardDelegate` paints each card; and
:class:`ProductGridView` lays them out in rows that reflow with the width.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6 import QtGui
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import _
from posapp.services.stock import LevelCursor, ProductCard
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.keyset import KeysetRows
from posapp.ui.kit.paged_ids import PagedIds
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.resources import PALETTE, icon_pixmap
from posapp.ui.kit.table_model import Index
from posapp.ui.stores.models import PAGE_SIZE, LevelSource, first_then_pages

CARD_SIZE = QSize(184, 236)
IMAGE_SIZE = 112
MAX_PAGES = 40

PRICE_ROLE = Qt.ItemDataRole.UserRole + 1
AVAILABILITY_ROLE = Qt.ItemDataRole.UserRole + 2
STATE_ROLE = Qt.ItemDataRole.UserRole + 3
SKU_ROLE = Qt.ItemDataRole.UserRole + 4


def card_state(card: ProductCard) -> str:
    """``out``, ``low`` or ``ok``: the colour of the availability badge."""
    if card.on_hand <= 0:
        return "out"
    if card.reorder_point > 0 and card.on_hand <= card.reorder_point:
        return "low"
    return "ok"


class ProductCardModel(QAbstractListModel):
    """Cards for ordered product ids, fetched a page at a time; thumbnails decoded once.

    Roles: ``DisplayRole`` the name, ``DecorationRole`` the thumbnail (a QPixmap, or None),
    ``UserRole`` the product id, and the module's ``PRICE_ROLE``, ``AVAILABILITY_ROLE``,
    ``STATE_ROLE`` and ``SKU_ROLE`` for the delegate.
    """

    def __init__(
        self, fetch: Callable[[Sequence[int]], list[ProductCard]], parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._cards = PagedIds(fetch, lambda c: c.product_id, PAGE_SIZE, MAX_PAGES)
        self._pages: KeysetRows[int, LevelCursor] = KeysetRows(self)
        self._cards.ids = self._pages.rows  # one list: the ids read so far, in display order
        self._pixmaps: dict[int, QPixmap | None] = {}

    def set_source(self, fetch: LevelSource | None, *, keep: int = 0) -> None:
        """Show the products ``fetch`` reads a page at a time, as the grid scrolls.

        As :meth:`posapp.ui.stores.models.StockTableModel.set_source` (issue #23).
        """
        self._cards.clear()
        self._pages.show(None if fetch is None else first_then_pages(fetch, keep))

    @override
    def canFetchMore(self, parent: Index) -> bool:
        return self._pages.can_fetch_more(parent)

    @override
    def fetchMore(self, parent: Index) -> None:
        self._pages.fetch_more(parent)

    def invalidate(self) -> None:
        """Forget fetched cards (stock moved); visible cards are fetched again."""
        self._cards.clear()
        if self._cards.ids:
            emit(self.dataChanged, self.index(0), self.index(len(self._cards.ids) - 1))

    def card(self, row: int) -> ProductCard | None:
        """The card on ``row`` (fetching its page if needed)."""
        return self._cards.item(row)

    def _pixmap(self, card: ProductCard) -> QPixmap | None:
        if card.product_id not in self._pixmaps:
            pixmap = None
            if card.thumbnail:
                loaded = QPixmap()
                if loaded.loadFromData(card.thumbnail):
                    pixmap = loaded
            self._pixmaps[card.product_id] = pixmap
        return self._pixmaps[card.product_id]

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._cards.ids)

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        card = self.card(index.row())
        if card is None:
            return None
        values: dict[int, Callable[[], Any]] = {
            Qt.ItemDataRole.DisplayRole: lambda: card.name,
            Qt.ItemDataRole.DecorationRole: lambda: self._pixmap(card),
            Qt.ItemDataRole.UserRole: lambda: card.product_id,
            Qt.ItemDataRole.ToolTipRole: lambda: QtGui.Qt.convertFromPlainText(  # never HTML
                f"{card.name}\n{_('SKU')} {card.sku}\n{card.category}"
            ),
            Qt.ItemDataRole.AccessibleTextRole: lambda: (
                f"{card.name}, {money_text(card.price_minor)}, {card.availability}"
            ),
            PRICE_ROLE: lambda: (
                money_text(card.price_minor) + ("" if card.unit == "pc" else f" / {card.unit}")
            ),
            AVAILABILITY_ROLE: lambda: card.availability,
            STATE_ROLE: lambda: card_state(card),
            SKU_ROLE: lambda: card.sku,
        }
        getter = values.get(role)
        return getter() if getter is not None else None


_BADGE = {
    "ok": (PALETTE["success"], "#e7f6ee"),
    "low": (PALETTE["warning"], PALETTE["warning_soft"]),
    "out": (PALETTE["danger"], PALETTE["danger_soft"]),
}


class ProductCardDelegate(QStyledItemDelegate):
    """Paints a product card. Text is drawn as plain text, so names never render as HTML."""

    @override
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return CARD_SIZE

    @override
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(option.rect).adjusted(6, 6, -6, -6)
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        focused = bool(state & QStyle.StateFlag.State_HasFocus)
        path = QPainterPath()
        path.addRoundedRect(rect, 10, 10)
        painter.fillPath(path, QColor(PALETTE["accent_soft"] if selected else PALETTE["surface"]))
        border = PALETTE["focus"] if focused or selected else PALETTE["border"]
        painter.setPen(QPen(QColor(border), 2 if focused else 1))
        painter.drawPath(path)

        image = QRect(
            int(rect.center().x() - IMAGE_SIZE / 2), int(rect.top() + 12), IMAGE_SIZE, IMAGE_SIZE
        )
        self._paint_image(painter, image, index)
        left, width = int(rect.left() + 12), int(rect.width() - 24)
        top = image.bottom() + 10
        base = QFont(option.font)
        name_font = QFont(base)
        name_font.setBold(True)
        painter.setFont(name_font)
        painter.setPen(QColor(PALETTE["text"]))
        metrics = QFontMetrics(name_font)
        name = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        for line_no, line in enumerate(_two_lines(name, metrics, width)):
            painter.drawText(
                QRect(left, top + line_no * metrics.height(), width, metrics.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                line,
            )
        top += 2 * metrics.height() + 4
        painter.setFont(base)
        painter.setPen(QColor(PALETTE["muted"]))
        price = str(index.data(PRICE_ROLE) or "")
        painter.drawText(QRect(left, top, width, 18), Qt.AlignmentFlag.AlignLeft, price)
        self._paint_badge(painter, index, left, int(rect.bottom()) - 30, width, base)
        painter.restore()

    @staticmethod
    def _paint_image(painter: QPainter, box: QRect, index: Index) -> None:
        painter.fillRect(box, QColor(PALETTE["surface_alt"]))
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            scaled = pixmap.scaled(
                box.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            x = box.x() + (box.width() - scaled.width()) // 2
            y = box.y() + (box.height() - scaled.height()) // 2
            painter.drawPixmap(x, y, scaled)
        else:
            placeholder = icon_pixmap("box", 40, PALETTE["subtle"])
            painter.drawPixmap(box.center().x() - 20, box.center().y() - 20, placeholder)

    @staticmethod
    def _paint_badge(
        painter: QPainter, index: Index, left: int, top: int, width: int, font: QFont
    ) -> None:
        text = str(index.data(AVAILABILITY_ROLE) or "")
        ink, fill = _BADGE.get(str(index.data(STATE_ROLE)), _BADGE["ok"])
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        small.setBold(True)
        metrics = QFontMetrics(small)
        text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width - 16)
        badge = QRectF(left, top, min(width, metrics.horizontalAdvance(text) + 16), 22)
        path = QPainterPath()
        path.addRoundedRect(badge, 11, 11)
        painter.fillPath(path, QColor(fill))
        painter.setFont(small)
        painter.setPen(QColor(ink))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)


def _two_lines(text: str, metrics: QFontMetrics, width: int) -> list[str]:
    """Wrap ``text`` on words into at most two lines, the second elided."""
    words = text.split()
    first = ""
    while words and metrics.horizontalAdvance(f"{first} {words[0]}".strip()) <= width:
        first = f"{first} {words.pop(0)}".strip()
    if not first:  # one very long word
        return [metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)]
    rest = " ".join(words)
    if not rest:
        return [first]
    return [first, metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width)]


class ProductGridView(QListView):
    """Cards in reflowing rows; arrow keys move between cards, Enter activates one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("productGrid")
        self.setAccessibleName(_("Products"))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setGridSize(CARD_SIZE)
        self.setSpacing(0)
        self.setWrapping(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setItemDelegate(ProductCardDelegate(self))
