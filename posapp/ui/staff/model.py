"""The staff list as a Qt table: a model over user DTOs, a filter proxy and a pill delegate.

Staff lists are small (tens, at most a few hundred users), so STYLE §5's first case applies: load
them all, filter and sort in a ``QSortFilterProxyModel``. The proxy matches like the service's
:func:`~posapp.services.staff.users.list_users`: NFKC-normalised, case-folded substrings of the
username or the full name. The Store column names each user's home store from the stores the model
is given with the users (every store, active or not: a user's store may have closed since).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from PySide6 import QtGui
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget
from typing_extensions import override

from posapp.i18n import N_, _
from posapp.services.platform.dto import StoreDTO, UserDTO
from posapp.ui.kit.formatting import local_time_text
from posapp.ui.kit.resources import PALETTE

Index = QModelIndex | QPersistentModelIndex
Clock = Callable[[], datetime]

SORT_ROLE: Final = Qt.ItemDataRole.UserRole
"""The raw value a column sorts by."""
USER_ROLE: Final = Qt.ItemDataRole.UserRole + 1
"""The row's :class:`UserDTO`."""
TONE_ROLE: Final = Qt.ItemDataRole.UserRole + 2
"""For pill columns: the tone name in :data:`TONES`."""

TONES: Final = {
    "accent": (PALETTE["accent_soft"], PALETTE["accent"]),
    "warning": (PALETTE["warning_soft"], PALETTE["warning"]),
    "success": (PALETTE["success_soft"], PALETTE["success"]),
    "danger": (PALETTE["danger_soft"], PALETTE["danger"]),
    "muted": (PALETTE["surface_alt"], PALETTE["muted"]),
}
"""Pill colours by tone: (background, text)."""
ROLE_TONES: Final = {"admin": "accent", "manager": "warning", "cashier": "muted"}
ALL_STORES: Final = N_("All stores")
ROLE_LABELS = {"admin": N_("Admin"), "manager": N_("Manager"), "cashier": N_("Cashier")}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def is_locked(user: UserDTO, now: datetime) -> bool:
    """Whether ``user`` is locked out of logging in at ``now``."""
    return user.locked_until is not None and user.locked_until > now


def status_text(user: UserDTO, now: datetime) -> str:
    """Active, Inactive or Locked (an active user locked out after failed log-ins)."""
    if not user.active:
        return _("Inactive")
    return _("Locked") if is_locked(user, now) else _("Active")


def _status_tone(user: UserDTO, now: datetime) -> str:
    return {_("Active"): "success", _("Inactive"): "muted", _("Locked"): "danger"}[
        status_text(user, now)
    ]


def store_text(store_id: int | None, stores: Mapping[int, StoreDTO]) -> str:
    """A home store as the staff screens name it: "All stores", or its name (inactive marked)."""
    if store_id is None:
        return _(ALL_STORES)
    store = stores.get(store_id)
    if store is None:
        return _("Store #{id}").format(id=store_id)
    return store.name if store.active else _("{name} (inactive)").format(name=store.name)


def store_tooltip(store_id: int | None, stores: Mapping[int, StoreDTO]) -> str:
    """What a home store means for the notices a user gets through their role."""
    what = _("store notices (low stock, pickup, ready and refunded orders)")
    if store_id is None:
        return _("All stores: {what} from every store.").format(what=what)
    return _("Home store: {what} from {store} only.").format(
        what=what, store=store_text(store_id, stores)
    )


@dataclass(frozen=True, slots=True)
class RowContext:
    """What a column may need besides the user: the time of the load and the stores by id."""

    now: datetime
    stores: Mapping[int, StoreDTO] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Column:
    """One column: header, how to show a user, what to sort by, and whether it is a pill."""

    key: str
    header: str
    text: Callable[[UserDTO, RowContext], str]
    sort: Callable[[UserDTO, RowContext], Any]
    tone: Callable[[UserDTO, RowContext], str] | None = None


def _moment(at: datetime | None) -> float:
    return at.timestamp() if at is not None else float("-inf")


COLUMNS: Final[tuple[Column, ...]] = (
    Column(
        "username", N_("USERNAME"), lambda u, _c: u.username, lambda u, _c: u.username.casefold()
    ),
    Column(
        "full_name",
        N_("FULL NAME"),
        lambda u, _c: u.full_name,
        lambda u, _c: u.full_name.casefold(),
    ),
    Column(
        "role",
        N_("ROLE"),
        lambda u, _c: _(ROLE_LABELS.get(u.role, u.role.capitalize())),
        lambda u, _c: ("admin", "manager", "cashier").index(u.role) if u.role in ROLE_TONES else 9,
        lambda u, _c: ROLE_TONES.get(u.role, "muted"),
    ),
    Column(
        "status",
        N_("STATUS"),
        lambda u, c: status_text(u, c.now),
        lambda u, c: status_text(u, c.now),
        lambda u, c: _status_tone(u, c.now),
    ),
    Column(
        "store",
        N_("STORE"),
        lambda u, c: store_text(u.store_id, c.stores),
        lambda u, c: "" if u.store_id is None else store_text(u.store_id, c.stores).casefold(),
    ),
    Column(
        "last_login",
        N_("LAST LOG-IN"),
        lambda u, _c: local_time_text(u.last_login_at) or _("Never"),
        lambda u, _c: _moment(u.last_login_at),
    ),
    Column(
        "created",
        N_("ADDED"),
        lambda u, _c: local_time_text(u.created_at),
        lambda u, _c: _moment(u.created_at),
    ),
)


class UsersTableModel(QAbstractTableModel):
    """Staff users, one per row, in the columns of :data:`COLUMNS`."""

    def __init__(self, parent: QObject | None = None, *, clock: Clock = _utcnow) -> None:
        super().__init__(parent)
        self._users: list[UserDTO] = []
        self._clock = clock
        self._context = RowContext(clock())

    def set_users(self, users: list[UserDTO], stores: Sequence[StoreDTO] = ()) -> None:
        """Replace every row (a staff list is small: a reset is simplest and cheap).

        Args:
            users: The rows.
            stores: The stores their home stores are named from (every store, active or not).
        """
        self.beginResetModel()
        self._users = list(users)
        self._context = RowContext(self._clock(), {store.id: store for store in stores})
        self.endResetModel()

    def user_at(self, row: int) -> UserDTO:
        """The user of source row ``row``."""
        return self._users[row]

    def row_of(self, user_id: int) -> int | None:
        """The source row of the user with id ``user_id``, if listed."""
        return next((row for row, u in enumerate(self._users) if u.id == user_id), None)

    @property
    def users(self) -> list[UserDTO]:
        """Every user, in load order."""
        return list(self._users)

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._users)

    @override
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._users):
            return None
        user, column = self._users[index.row()], COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(user, self._context)
        if role == Qt.ItemDataRole.ToolTipRole:  # typed text: never rendered as HTML
            tip = self._tooltip(user, column)
            return QtGui.Qt.convertFromPlainText(tip) if tip else tip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return self._custom_data(user, column, role)

    def _custom_data(self, user: UserDTO, column: Column, role: int) -> Any:
        if role == SORT_ROLE:
            return column.sort(user, self._context)
        if role == USER_ROLE:
            return user
        if role == TONE_ROLE and column.tone is not None:
            return column.tone(user, self._context)
        return None

    def _tooltip(self, user: UserDTO, column: Column) -> str | None:
        now = self._context.now
        if column.key == "status" and is_locked(user, now):
            until = local_time_text(user.locked_until)
            return _(
                "Locked out after too many failed log-ins, until {until}. Unlock to lift it."
            ).format(until=until)
        if column.key == "status" and not user.active:
            return _("Deactivated: cannot log in. Their history is kept.")
        if column.key == "store":
            return store_tooltip(user.store_id, self._context.stores)
        text = column.text(user, self._context)
        return text or None

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _(COLUMNS[section].header)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


class UserFilterProxy(QSortFilterProxyModel):
    """Filters the staff list by a search text, a role and an active state; sorts by raw values."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._search = ""
        self._role: str | None = None
        self._active: bool | None = None
        self.setSortRole(SORT_ROLE)

    def set_search(self, text: str) -> None:
        """Show users whose username or full name contains ``text`` (any case)."""
        self.beginFilterChange()
        self._search = _fold(text)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_role(self, role: str | None) -> None:
        """Show only ``role`` (None: every role)."""
        self.beginFilterChange()
        self._role = role
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_active(self, active: bool | None) -> None:
        """Show only active (True) or inactive (False) users; None shows both."""
        self.beginFilterChange()
        self._active = active
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def user_at(self, row: int) -> UserDTO:
        """The user shown in proxy row ``row``."""
        user = self.index(row, 0).data(USER_ROLE)
        assert isinstance(user, UserDTO)
        return user

    @override
    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        source = self.sourceModel()
        assert isinstance(source, UsersTableModel)
        user = source.user_at(source_row)
        if self._role is not None and user.role != self._role:
            return False
        if self._active is not None and user.active != self._active:
            return False
        if self._search:
            return self._search in _fold(user.username) or self._search in _fold(user.full_name)
        return True


class PillDelegate(QStyledItemDelegate):
    """Paints a cell as a small rounded pill in the tone of :data:`TONE_ROLE`."""

    PADDING_X: Final = 10
    HEIGHT: Final = 22

    @override
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        tone = index.data(TONE_ROLE)
        if tone not in TONES:
            super().paint(painter, option, index)
            return
        # The row's background and selection first, without the text.
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        if isinstance(widget, QWidget):
            widget.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        background, foreground = TONES[tone]
        font = option.font
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.9)
        metrics = QFontMetrics(font)
        rect = option.rect
        width = metrics.horizontalAdvance(text) + 2 * self.PADDING_X
        height = min(self.HEIGHT, rect.height() - 4)
        pill = QRectF(rect.left() + 12, rect.center().y() - height / 2 + 1, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(background))
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(QColor(foreground))
        painter.setFont(font)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    @override
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 2 * self.PADDING_X, max(size.height(), self.HEIGHT + 8))
