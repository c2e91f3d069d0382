"""The email outbox: what is waiting, sent and failed, why, and retrying."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtGui import QColor, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import N_, _, ngettext
from posapp.services.notifications import (
    OUTBOX_KIND_LABELS,
    OUTBOX_STATUS_LABELS,
    PROMOTION_PERMISSION,
    SMTP_PERMISSION,
    NotificationsApi,
    OutboxFilter,
    OutboxRowDTO,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.staff import has_permission
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.keyset import KeysetModelMixin, KeysetRows, after_last
from posapp.ui.kit.lifetime import open_once
from posapp.ui.kit.resources import PALETTE
from posapp.ui.kit.session import error_text
from posapp.ui.kit.widgets import (
    SPACING,
    PageHeader,
    message_label,
    page_column,
    push_button,
    show_message,
)
from posapp.ui.notifications.centre import when_text
from posapp.ui.notifications.outbox_dialogs import PromotionDialog, SmtpSettingsDialog

PAGE_SIZE: Final = 200
AUTO_REFRESH_MS: Final = 15_000
COLUMNS: Final = (
    N_("Created"),
    N_("To"),
    N_("Subject"),
    N_("Kind"),
    N_("Status"),
    N_("Tries"),
    N_("Next try"),
    N_("Last error"),
)
_STATUS: Final = 4
_TRIES: Final = 5
_ERROR: Final = 7
STATUS_COLOURS: Final = {"failed": PALETTE["danger"], "pending": PALETTE["warning"],
                         "sent": PALETTE["success"]}  # fmt: skip
RowRole: Final = Qt.ItemDataRole.UserRole


def _next_try(row: OutboxRowDTO) -> str:
    if row.status != "pending" or row.next_attempt_at is None:
        return "—"
    return row.next_attempt_at.astimezone().strftime("%d %b %H:%M")


_CELLS: Final[tuple[Callable[[OutboxRowDTO], str], ...]] = (
    lambda r: when_text(r.created_at),
    lambda r: f"{r.to_name} <{r.to_address}>" if r.to_name else r.to_address,
    lambda r: r.subject,
    lambda r: _(OUTBOX_KIND_LABELS.get(r.kind, r.kind)),
    lambda r: _(OUTBOX_STATUS_LABELS.get(r.status, r.status)),
    lambda r: str(r.attempts),
    _next_try,
    lambda r: " ".join(r.last_error.split()) or "—",
)
"""The text of each column, in ``COLUMNS`` order."""


def _cell(row: OutboxRowDTO, column: int) -> str:
    return _CELLS[column](row)


class OutboxTableModel(KeysetModelMixin[OutboxRowDTO, int], QAbstractTableModel):
    """The outbox, newest first, a page at a time (keyset on the id), optionally by status."""

    def __init__(self, api: NotificationsApi, user: UserDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._user = user
        self._filter = OutboxFilter(limit=PAGE_SIZE)
        self.pages = KeysetRows(self, after_last(self._page, lambda row: row.id, PAGE_SIZE))
        self._rows = self.pages.rows

    def _page(self, before_id: int | None) -> list[OutboxRowDTO]:
        return self._api.list_outbox(self._user, replace(self._filter, before_id=before_id))

    def set_status(self, status: str) -> None:
        """List only ``status`` (``""`` for every status) and reload."""
        self._filter = OutboxFilter(status=status, limit=PAGE_SIZE)
        self.reload()

    def row_dto(self, row: int) -> OutboxRowDTO:
        """The email on ``row``."""
        return self._rows[row]

    @override
    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    @override
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(COLUMNS[section]) if 0 <= section < len(COLUMNS) else None
        return None

    @override
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == _TRIES:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return row if role == RowRole else None

    @staticmethod
    def _tooltip(row: OutboxRowDTO, column: int) -> str:
        if column == _ERROR and row.last_error:
            return row.last_error
        if column == 0:
            return row.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        return _cell(row, column)

    @staticmethod
    def _colour(row: OutboxRowDTO, column: int) -> QColor | None:
        if column == _STATUS:
            return QColor(STATUS_COLOURS.get(row.status, PALETTE["text"]))
        if column == _ERROR and row.status == "failed":
            return QColor(PALETTE["danger"])
        return None


class OutboxView(QWidget):
    """The outbox for managers and admins; both write promotions, admins set the mail server.

    Shortcuts: F5 refreshes, Ctrl+R retries the selected emails, Ctrl+N writes a promotion.
    """

    def __init__(
        self, api: NotificationsApi, bus: EventBus, user: UserDTO, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._bus = bus
        self._user = user
        self.setObjectName("outboxView")
        self.setAccessibleName(_("Email outbox"))
        self.header = PageHeader(_("Email outbox"), "", "info", self)
        self.status_combo = QComboBox(self)
        self.status_combo.setAccessibleName(_("Show"))
        for label, status in ((_("All emails"), ""), (_("Failed"), "failed"),
                              (_("Waiting"), "pending"), (_("Sent"), "sent")):  # fmt: skip
            self.status_combo.addItem(label, status)
        show_label = QLabel(_("Sho&w"), self)
        show_label.setBuddy(self.status_combo)
        self.refresh_button = push_button(_("Refresh"), _("Load the outbox again (F5)"), self, "F5")
        self.retry_button = push_button(
            _("&Retry"), _("Try the selected emails again now (Ctrl+R)"), self, "Ctrl+R"
        )
        self.promotion_button = push_button(
            _("Write &promotion…"), _("Email customers who opted in (Ctrl+N)"), self, "Ctrl+N"
        )
        self.settings_button = push_button(_("&Mail server…"), _("SMTP settings"), self)
        self.promotion_button.setVisible(has_permission(user, PROMOTION_PERMISSION))
        self.settings_button.setVisible(has_permission(user, SMTP_PERMISSION))
        self.promotion_button.setProperty("variant", "primary")

        self.model = OutboxTableModel(api, user, self)
        self._build_table()
        bar = self._build_bar(show_label)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.preview)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = page_column(self)
        layout.addWidget(self.header)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        layout.addWidget(self.error_label)

        self.status_combo.currentIndexChanged.connect(self._on_status_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.retry_button.clicked.connect(self._on_retry_clicked)
        self.promotion_button.clicked.connect(self._on_promotion_clicked)
        self.settings_button.clicked.connect(self._on_settings_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self._timer = QTimer(self)
        self._timer.setInterval(AUTO_REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.refresh()

    def _build_bar(self, show_label: QLabel) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(SPACING)
        bar.addWidget(show_label)
        bar.addWidget(self.status_combo)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.retry_button)
        bar.addStretch(1)
        bar.addWidget(self.settings_button)
        bar.addWidget(self.promotion_button)
        return bar

    def _build_table(self) -> None:
        self.table = QTableView(self)
        self.table.setObjectName("outboxTable")
        self.table.setAccessibleName(_("Emails"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(_ERROR, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(_ERROR, 28 * SPACING)
        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName(_("Selected email"))
        self.preview.setPlaceholderText(_("Select an email to read it."))
        self.error_label = message_label("errorLabel", self, wrap=False)

    def selected_rows(self) -> list[OutboxRowDTO]:
        """The selected emails."""
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [self.model.row_dto(row) for row in rows]

    @Slot()
    def refresh(self) -> None:
        """Reload the counts and the list."""
        try:
            counts = self._api.outbox_counts(self._user)
        except ServiceError as exc:
            self._show_error(error_text(self, exc))
            return
        parts = [
            ngettext("{count} waiting", "{count} waiting", counts.pending).format(
                count=counts.pending
            ),
            ngettext("{count} sent", "{count} sent", counts.sent).format(count=counts.sent),
        ]
        parts.append(
            ngettext("{count} failed", "{count} failed", counts.failed).format(count=counts.failed)
            if counts.failed
            else _("none failed")
        )
        self.header.subtitle_label.setText(" · ".join(parts))
        self.model.reload()
        self._show_error(self.model.pages.error)
        self._on_selection_changed()

    def _show_error(self, message: str) -> None:
        show_message(self.error_label, message)

    @Slot()
    def _on_status_changed(self) -> None:
        self.model.set_status(str(self.status_combo.currentData() or ""))
        self._on_selection_changed()

    @Slot()
    def _on_selection_changed(self) -> None:
        selected = self.selected_rows()
        self.retry_button.setEnabled(any(r.status != "sent" for r in selected))
        if len(selected) != 1:
            self.preview.clear()
            return
        try:
            message = self._api.outbox_message(self._user, selected[0].id)
        except ServiceError as exc:
            self._show_error(error_text(self, exc))
            return
        row = message.row
        lines = [
            _("To: {to}").format(to=_cell(row, 1)),
            _("Subject: {subject}").format(subject=row.subject),
        ]
        if row.last_error:
            lines.append(_("Last error: {error}").format(error=row.last_error))
        self.preview.setPlainText("\n".join(lines) + "\n\n" + message.body)

    @Slot()
    def _on_retry_clicked(self) -> None:
        ids = [r.id for r in self.selected_rows() if r.status != "sent"]
        if not ids:
            return
        try:
            self._api.retry_emails(self._user, ids)
        except ServiceError as exc:
            self._show_error(error_text(self, exc))
            return
        self.refresh()

    @Slot()
    def _on_promotion_clicked(self) -> None:
        dialog = PromotionDialog(self._api, self._user, self)
        dialog.sent.connect(self.refresh)
        open_once(dialog)

    @Slot()
    def _on_settings_clicked(self) -> None:
        open_once(SmtpSettingsDialog(self._api, self._user, self))

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()

    @override
    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)
