"""The list of stores and warehouses: a small model and a two-line delegate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6 import QtGui
from PySide6.QtCore import QAbstractListModel, QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem
from typing_extensions import override

from posapp.i18n import _, ngettext
from posapp.services.stock import StoreSummary
from posapp.ui.kit.formatting import count_text
from posapp.ui.kit.resources import PALETTE, icon_pixmap
from posapp.ui.kit.table_model import Index

SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 1
ACTIVE_ROLE = Qt.ItemDataRole.UserRole + 2
KIND_ROLE = Qt.ItemDataRole.UserRole + 3


def store_subtitle(store: StoreSummary) -> str:
    """``HS01 · 1,234 units · 3 low``."""
    parts = [
        store.code,
        ngettext("{count} unit", "{count} units", store.units).format(
            count=count_text(store.units)
        ),
    ]
    if store.low:
        parts.append(_("{count} low").format(count=count_text(store.low)))
    return " · ".join(parts)


class StoreListModel(QAbstractListModel):
    """Stores and warehouses (a chain has tens of them: fully loaded).

    Roles: ``DisplayRole`` the name, ``UserRole`` the id, ``SUBTITLE_ROLE`` the code and
    counts, ``ACTIVE_ROLE`` whether it is active, ``KIND_ROLE`` store or warehouse.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._stores: list[StoreSummary] = []

    def set_stores(self, stores: Sequence[StoreSummary]) -> None:
        """Show these stores."""
        self.beginResetModel()
        self._stores = list(stores)
        self.endResetModel()

    @property
    def stores(self) -> list[StoreSummary]:
        """The stores shown, in order."""
        return list(self._stores)

    def store(self, row: int) -> StoreSummary | None:
        """The store on ``row``."""
        return self._stores[row] if 0 <= row < len(self._stores) else None

    def row_of(self, store_id: int) -> int:
        """The row of ``store_id``, or -1."""
        return next((i for i, s in enumerate(self._stores) if s.id == store_id), -1)

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._stores)

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        store = self.store(index.row()) if index.isValid() else None
        if store is None:
            return None
        state = "" if store.active else _(", inactive")
        values: dict[int, object] = {
            Qt.ItemDataRole.DisplayRole: store.name,
            Qt.ItemDataRole.UserRole: store.id,
            SUBTITLE_ROLE: store_subtitle(store),
            ACTIVE_ROLE: store.active,
            KIND_ROLE: store.kind,
            Qt.ItemDataRole.ToolTipRole: QtGui.Qt.convertFromPlainText(  # never HTML
                "\n".join(p for p in (store.name, _(store.kind_label), store.address) if p)
            ),
            Qt.ItemDataRole.AccessibleTextRole: (
                f"{store.name}, {_(store.kind_label)}{state}, {store_subtitle(store)}"
            ),
        }
        return values.get(role)


class StoreItemDelegate(QStyledItemDelegate):
    """Two lines per store: an icon, the name (plain text) and its code and counts."""

    HEIGHT = 56

    @override
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(220, self.HEIGHT)

    @override
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect: QRect = option.rect.adjusted(4, 2, -4, -2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        if selected or focused:
            path = QPainterPath()
            path.addRoundedRect(rect, 8, 8)
            if selected:
                painter.fillPath(path, QColor(PALETTE["accent_soft"]))
            if focused:
                painter.setPen(QPen(QColor(PALETTE["focus"]), 2))
                painter.drawPath(path)
        active = bool(index.data(ACTIVE_ROLE))
        kind = str(index.data(KIND_ROLE) or "store")
        tint = PALETTE["accent"] if selected else PALETTE["muted"]
        icon_name = "store" if kind == "store" else "box"
        painter.drawPixmap(
            rect.left() + 10, rect.center().y() - 10, icon_pixmap(icon_name, 20, tint)
        )
        left = rect.left() + 42
        width = rect.width() - 50
        name_font = QFont(option.font)
        name_font.setBold(True)
        metrics = QFontMetrics(name_font)
        badge = "" if active else _("Inactive")
        badge_w = QFontMetrics(option.font).horizontalAdvance(badge) + 14 if badge else 0
        name = metrics.elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
            Qt.TextElideMode.ElideRight,
            width - badge_w - 6,
        )
        painter.setFont(name_font)
        painter.setPen(QColor(PALETTE["text"] if active else PALETTE["subtle"]))
        name_rect = QRect(left, rect.top() + 8, width, metrics.height())
        painter.drawText(
            name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
        )
        if badge:
            x = left + metrics.horizontalAdvance(name) + 8
            box = QRect(x, name_rect.top(), badge_w, name_rect.height())
            path = QPainterPath()
            path.addRoundedRect(box, 6, 6)
            painter.fillPath(path, QColor(PALETTE["surface_alt"]))
            painter.setFont(option.font)
            painter.setPen(QColor(PALETTE["muted"]))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, badge)
        painter.setFont(option.font)
        painter.setPen(QColor(PALETTE["muted"]))
        sub = QFontMetrics(option.font).elidedText(
            str(index.data(SUBTITLE_ROLE) or ""), Qt.TextElideMode.ElideRight, width
        )
        painter.drawText(
            QRect(left, name_rect.bottom() + 3, width, metrics.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            sub,
        )
        painter.restore()
