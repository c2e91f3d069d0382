"""The notification centre: a user's notifications with filters, mark read, and open the object."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Final

from PySide6 import QtGui
from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QFont, QKeySequence, QPainter, QPen, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.events import NotificationCreated
from posapp.i18n import _
from posapp.services.notifications import (
    TRIGGERS,
    NotificationDTO,
    NotificationFilter,
    NotificationsApi,
    trigger_label,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.keyset import KeysetModelMixin, KeysetRows, after_last
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.resources import PALETTE, icon_pixmap
from posapp.ui.kit.session import error_text
from posapp.ui.kit.widgets import (
    SPACING,
    EmptyState,
    PageHeader,
    message_label,
    push_button,
    show_message,
)
from posapp.ui.notifications.toasts import LEVEL_NAMES

PAGE_SIZE: Final = 100
ROW_HEIGHT: Final = 8 * SPACING
REFRESH_DELAY_MS: Final = 150
LEVEL_COLOURS: Final = {"info": PALETTE["accent"], "warning": PALETTE["warning"],
                        "error": PALETTE["danger"]}  # fmt: skip
NotificationRole: Final = Qt.ItemDataRole.UserRole
"""The item data role giving the row's :class:`NotificationDTO`."""


def when_text(at: datetime, now: datetime | None = None) -> str:
    """Say when, briefly: "just now", "5 min ago", "3 h ago", then the local date and time."""
    now = now or datetime.now(UTC)
    seconds = int((now - at).total_seconds())
    if seconds < 60:  # noqa: PLR2004
        return _("just now")
    if seconds < 3600:  # noqa: PLR2004
        return _("{minutes} min ago").format(minutes=seconds // 60)
    if seconds < 12 * 3600:
        return _("{hours} h ago").format(hours=seconds // 3600)
    local = at.astimezone()
    same_year = local.year == now.astimezone().year
    return local.strftime("%d %b %H:%M" if same_year else "%d %b %Y")


class NotificationListModel(KeysetModelMixin[NotificationDTO, int], QAbstractListModel):
    """A user's notifications, newest first, fetched a page at a time (keyset on the id)."""

    def __init__(self, api: NotificationsApi, user: UserDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._user = user
        self._filter = NotificationFilter(limit=PAGE_SIZE)
        self.pages = KeysetRows(self, after_last(self._page, lambda note: note.id, PAGE_SIZE))
        self._rows = self.pages.rows

    def _page(self, before_id: int | None) -> list[NotificationDTO]:
        return self._api.list_notifications(self._user, replace(self._filter, before_id=before_id))

    @property
    def filter(self) -> NotificationFilter:
        """What is listed."""
        return self._filter

    def set_filter(self, *, unread_only: bool, kind: str) -> None:
        """List something else (reloads from the newest)."""
        self._filter = NotificationFilter(unread_only=unread_only, kind=kind, limit=PAGE_SIZE)
        self.reload()

    def notification(self, row: int) -> NotificationDTO:
        """The notification on ``row``."""
        return self._rows[row]

    def row_of(self, notification_id: int) -> int:
        """The row of a notification id, or -1."""
        return next((i for i, n in enumerate(self._rows) if n.id == notification_id), -1)

    def mark_local(self, ids: Sequence[int], *, read: bool) -> None:
        """Show ``ids`` read or unread without reloading."""
        wanted = set(ids)
        stamp = datetime.now(UTC) if read else None
        for row, note in enumerate(self._rows):
            if note.id in wanted:
                self._rows[row] = replace(note, read_at=stamp if read else None)
                index = self.index(row)
                self.dataChanged.emit(index, index)

    @override
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        note = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return note.title
        if role == Qt.ItemDataRole.ToolTipRole:  # typed text: never rendered as HTML
            return QtGui.Qt.convertFromPlainText(note.body or note.title)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            state = _("Unread") if note.unread else _("Read")
            level = _(LEVEL_NAMES.get(note.level, note.level))
            return f"{state} {level}: {note.title}. {note.body} {when_text(note.created_at)}"
        if role == NotificationRole:
            return note
        return None

    @override
    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class NotificationDelegate(QStyledItemDelegate):
    """Paints a notification as a card row: level icon, title and time, kind and body."""

    @override
    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(option.rect.width(), ROW_HEIGHT)

    @override
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        note = index.data(NotificationRole)
        if not isinstance(note, NotificationDTO):
            super().paint(painter, option, index)
            return
        rect: QRect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        background = PALETTE["accent_soft"] if selected else (
            "#f7faff" if note.unread else PALETTE["surface"])  # fmt: skip
        painter.fillRect(rect, QColor(background))
        painter.setPen(QPen(QColor(PALETTE["border"]), 1))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        if note.unread:
            painter.fillRect(
                QRect(rect.left(), rect.top(), 3, rect.height()), QColor(PALETTE["accent"])
            )
        if focused:
            painter.setPen(QPen(QColor(PALETTE["focus"]), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -1, -1))

        pad = 2 * SPACING
        icon_name = note.level if note.level in LEVEL_COLOURS else "info"
        pixmap = icon_pixmap(icon_name, 20, LEVEL_COLOURS.get(note.level, PALETTE["accent"]),
                             device_pixel_ratio=painter.device().devicePixelRatioF())  # fmt: skip
        painter.drawPixmap(rect.left() + pad, rect.top() + pad - 2, pixmap)

        left = rect.left() + pad + 20 + 12
        width = rect.right() - left - pad
        base = QFont(option.font)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.9)
        when = when_text(note.created_at)
        painter.setFont(small)
        when_width = painter.fontMetrics().horizontalAdvance(when)
        painter.setPen(QColor(PALETTE["muted"]))
        top_line = QRect(left, rect.top() + pad - 4, width, 22)
        painter.drawText(
            top_line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, when
        )

        title_font = QFont(base)
        title_font.setBold(note.unread)
        painter.setFont(title_font)
        painter.setPen(QColor(PALETTE["text"]))
        title_rect = QRect(left, top_line.top(), width - when_width - 2 * SPACING, 22)
        title = painter.fontMetrics().elidedText(
            note.title, Qt.TextElideMode.ElideRight, title_rect.width()
        )
        painter.drawText(
            title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title
        )

        painter.setFont(small)
        painter.setPen(QColor(PALETTE["muted"]))
        detail = trigger_label(note.kind) + (
            f"  ·  {' '.join(note.body.split())}" if note.body else ""
        )
        detail_rect = QRect(left, top_line.bottom() + 2, width, 20)
        detail = painter.fontMetrics().elidedText(detail, Qt.TextElideMode.ElideRight, width)
        painter.drawText(
            detail_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, detail
        )
        painter.restore()


class NotificationCentre(QDialog):
    """The list of the user's notifications: filter, mark read, mark all read, open.

    Not modal: the register stays usable while it is open. Every action has a shortcut: Enter
    opens the selected notification, Ctrl+R marks it read, Ctrl+U unread, Ctrl+Shift+R marks
    all read, Escape closes.

    Signals:
        open_requested(str, int): the user asked to open the linked object (kind, id), e.g.
            ``("product", 7)``; the main window decides where to show it.
        unread_changed(int): the user's unread count as the centre last read it.
    """

    open_requested = Signal(str, int)
    unread_changed = Signal(int)

    def __init__(
        self,
        api: NotificationsApi,
        bus: EventBus,
        user: UserDTO,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._user = user
        self._unread = 0
        self.setObjectName("notificationCentre")
        self.setWindowTitle(_("Notifications"))
        self.setAccessibleName(_("Notification centre"))
        self.resize(560, 640)

        self.header = PageHeader(_("Notifications"), "", "bell", self)
        self.model = NotificationListModel(api, user, self)
        filters = self._build_filters()
        self._build_list()
        buttons = self._build_buttons()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 3 * SPACING)
        layout.setSpacing(2 * SPACING)
        layout.addWidget(self.header)
        layout.addLayout(filters)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self.unread_only.toggled.connect(self._on_filters_changed)
        self.kind_combo.currentIndexChanged.connect(self._on_filters_changed)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.view.activated.connect(self._on_view_activated)
        bus.notification_created.connect(self._on_bus_notification_created)
        self.refresh()

    def _build_filters(self) -> QHBoxLayout:
        self.unread_only = QCheckBox(_("&Unread only"), self)
        self.unread_only.setToolTip(_("Show only unread notifications (Alt+U)"))
        self.kind_combo = QComboBox(self)
        self.kind_combo.setAccessibleName(_("Kind of notification"))
        self.kind_combo.addItem(_("All kinds"), "")
        for spec in TRIGGERS:
            self.kind_combo.addItem(_(spec.label), spec.key)
        kind_label = QLabel(_("&Kind"), self)
        kind_label.setBuddy(self.kind_combo)
        row = QHBoxLayout()
        row.setSpacing(SPACING)
        row.addWidget(self.unread_only)
        row.addStretch(1)
        row.addWidget(kind_label)
        row.addWidget(self.kind_combo)
        return row

    def _build_list(self) -> None:
        self.view = QListView(self)
        self.view.setObjectName("notificationList")
        self.view.setAccessibleName(_("Notifications"))
        self.view.setModel(self.model)
        self.view.setItemDelegate(NotificationDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setUniformItemSizes(True)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.empty = EmptyState(
            "bell", _("You're all caught up"), _("New notifications will appear here."), self
        )
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        self.error_label = message_label("errorLabel", self)

    def _build_buttons(self) -> QHBoxLayout:
        self.open_button = push_button(
            _("&Open"), _("Open what the notification is about (Enter)"), self
        )
        self.read_button = push_button(
            _("Mark &read"), _("Mark the selected as read (Ctrl+R)"), self
        )
        self.unread_button = push_button(
            _("Mark u&nread"), _("Mark the selected as unread (Ctrl+U)"), self
        )
        self.all_button = push_button(
            _("Mark &all read"), _("Mark every notification read (Ctrl+Shift+R)"), self
        )
        close_button = push_button(_("Close"), _("Close (Esc)"), self)
        self.open_button.setProperty("variant", "primary")
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.read_button.clicked.connect(self._on_read_button_clicked)
        self.unread_button.clicked.connect(self._on_unread_button_clicked)
        self.all_button.clicked.connect(self._on_all_button_clicked)
        close_button.clicked.connect(self.close)
        for keys, slot in (
            ("Ctrl+R", self._on_read_button_clicked),
            ("Ctrl+U", self._on_unread_button_clicked),
            ("Ctrl+Shift+R", self._on_all_button_clicked),
        ):
            QShortcut(QKeySequence(keys), self, slot)
        row = QHBoxLayout()
        row.setSpacing(SPACING)
        for button in (self.all_button, self.unread_button, self.read_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(close_button)
        row.addWidget(self.open_button)
        return row

    # ---- state -------------------------------------------------------------------------------

    @property
    def unread(self) -> int:
        """The unread count last read."""
        return self._unread

    def selected_notifications(self) -> list[NotificationDTO]:
        """The selected notifications, in list order."""
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        return [self.model.notification(row) for row in rows]

    @Slot()
    def refresh(self) -> None:
        """Reload the list and the unread count, keeping the selection where possible."""
        kept = {n.id for n in self.selected_notifications()} if self.model.rowCount() else set()
        self.model.reload()
        for note_id in kept:
            row = self.model.row_of(note_id)
            if row >= 0:
                self.view.selectionModel().select(
                    self.model.index(row),
                    QItemSelectionModel.SelectionFlag.Select,
                )
        self._refresh_count()
        self.stack.setCurrentWidget(self.view if self.model.rowCount() else self.empty)
        self._show_error(self.model.pages.error)
        self._update_buttons()

    def _refresh_count(self) -> None:
        try:
            self._unread = self._api.unread_count(self._user)
        except ServiceError as exc:
            self._show_error(error_text(self, exc))
            return
        self.header.subtitle_label.setText(
            f"{self._unread} unread" if self._unread else _("Nothing unread")
        )
        emit(self.unread_changed, self._unread)

    def _show_error(self, message: str) -> None:
        show_message(self.error_label, message)

    @Slot()
    def _update_buttons(self) -> None:
        selected = self.selected_notifications()
        self.open_button.setEnabled(len(selected) == 1)
        self.read_button.setEnabled(any(n.unread for n in selected))
        self.unread_button.setEnabled(any(not n.unread for n in selected))
        self.all_button.setEnabled(self._unread > 0)

    # ---- actions -----------------------------------------------------------------------------

    def _mark(self, notes: Sequence[NotificationDTO], *, read: bool) -> None:
        ids = [n.id for n in notes if n.unread == read]
        if not ids:
            return
        try:
            self._api.mark_read(self._user, ids, read=read)
        except ServiceError as exc:
            self._show_error(error_text(self, exc))
            return
        if self.model.filter.unread_only and read:
            self.refresh()
            return
        self.model.mark_local(ids, read=read)
        self._refresh_count()
        self._update_buttons()

    def open_notification(self, note: NotificationDTO) -> None:
        """Mark ``note`` read and ask for its object to be shown (if it links to one)."""
        self._mark([note], read=True)
        if note.link_kind and note.link_id is not None:
            emit(self.open_requested, note.link_kind, note.link_id)

    @Slot()
    def _on_open_button_clicked(self) -> None:
        selected = self.selected_notifications()
        if len(selected) == 1:
            self.open_notification(selected[0])

    @Slot(QModelIndex)
    def _on_view_activated(self, index: QModelIndex) -> None:
        self.open_notification(self.model.notification(index.row()))

    @Slot()
    def _on_read_button_clicked(self) -> None:
        self._mark(self.selected_notifications(), read=True)

    @Slot()
    def _on_unread_button_clicked(self) -> None:
        self._mark(self.selected_notifications(), read=False)

    @Slot()
    def _on_all_button_clicked(self) -> None:
        try:
            self._api.mark_all_read(self._user, str(self.kind_combo.currentData() or ""))
        except ServiceError as exc:
            self._show_error(error_text(self, exc))
            return
        self.refresh()

    @Slot()
    def _on_filters_changed(self) -> None:
        self.model.set_filter(
            unread_only=self.unread_only.isChecked(),
            kind=str(self.kind_combo.currentData() or ""),
        )
        self.stack.setCurrentWidget(self.view if self.model.rowCount() else self.empty)
        self._update_buttons()

    @Slot(object)
    def _on_bus_notification_created(self, event: NotificationCreated) -> None:
        if event.user_id == self._user.id:
            self._refresh_timer.start()  # a burst becomes one reload
