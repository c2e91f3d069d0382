"""The audit view for admins: filter by user, action and date; export CSV; verify the chain.

Rows come newest first in keyset pages (:mod:`posapp.ui.staff.audit_model`). The export and the
chain check read the whole log, so they run on a worker thread with a progress bar and Cancel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QDate, QDateTime, QLocale, QTime, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import N_, _, ngettext
from posapp.services.platform.chain_verify import ChainReport
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import AuditFilter, AuditRow, ExportCancelledError, StaffApi, UserFilter
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.operation import Job, Operation
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.region import start_weeks
from posapp.ui.kit.resources import icon
from posapp.ui.kit.session import error_text
from posapp.ui.kit.widgets import SPACING, message_label, show_message
from posapp.ui.staff.audit_model import AUDIT_COLUMNS, AuditTableModel
from posapp.ui.staff.dialogs import chevron_combo
from posapp.ui.staff.page import CardPage, Shortcut, card_row, card_table

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

PERIODS = (N_("Any time"), N_("Today"), N_("Last 7 days"), N_("Last 30 days"), N_("Custom dates"))
CUSTOM = len(PERIODS) - 1
_DAYS_BACK = {1: 0, 2: 6, 3: 29}
ROW_HEIGHT = 40
COLUMN_WIDTHS = {
    "at": 172,
    "user": 124,
    "action": 184,
    "object": 150,
    "approver": 110,
    "reason": 150,
    "register": 96,
}


def _utc(date: QDate) -> datetime:
    """The UTC instant of local midnight at the start of ``date``."""
    local = QDateTime(date, QTime(0, 0))
    return datetime.fromtimestamp(local.toSecsSinceEpoch(), UTC)


class AuditView(CardPage):
    """The audit log for admins (needs ``READ_AUDIT_LOG``; the services check it too).

    Signals:
        task_finished(): an export or a chain check has ended, however it ended.
    """

    task_finished = Signal()

    def __init__(
        self, staff: StaffApi, bus: EventBus, user: UserDTO, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._staff, self._bus, self._user = staff, bus, user
        self._job: Operation[Any] | None = None
        self._loaded = False
        self.model = AuditTableModel(self, on_error=self._on_model_error)
        self.build_card()

    # ---- building -----------------------------------------------------------------------

    @override
    def _build_filters(self, parent: QWidget) -> QHBoxLayout:
        self.user_filter = chevron_combo(parent)
        self.user_filter.setAccessibleName(_("User filter"))
        self.user_filter.setMinimumWidth(22 * SPACING)
        self.action_filter = chevron_combo(parent)
        self.action_filter.setAccessibleName(_("Action filter"))
        self.action_filter.setMinimumWidth(22 * SPACING)
        self.period_filter = chevron_combo(parent)
        self.period_filter.setAccessibleName(_("Period"))
        self.period_filter.addItems([_(period) for period in PERIODS])
        today = QDate.currentDate()
        self.from_edit = QDateEdit(today.addDays(-6), parent)
        self.to_edit = QDateEdit(today, parent)
        for edit, name in ((self.from_edit, _("From date")), (self.to_edit, _("To date"))):
            edit.setCalendarPopup(True)
            start_weeks(edit)
            edit.setAccessibleName(name)
            edit.setDisplayFormat(QLocale().dateFormat(QLocale.FormatType.ShortFormat))
            edit.hide()
            edit.dateChanged.connect(self._on_filters_changed)
        self.verify_button = QPushButton(icon("check"), _("Verify chain"), parent)
        self.verify_button.setToolTip(
            _(
                "Recompute the audit log's hash chain to detect changes made behind the app's back "
                "(Ctrl+Shift+V)"
            )
        )
        self.verify_button.clicked.connect(self.verify_chain)
        self.export_button = QPushButton(_("Export CSV…"), parent)
        self.export_button.setToolTip(_("Save the rows matching the filters as CSV (Ctrl+E)"))
        self.export_button.clicked.connect(self._on_export_button_clicked)
        for combo in (self.user_filter, self.action_filter, self.period_filter):
            combo.currentIndexChanged.connect(self._on_filters_changed)

        row = card_row()
        for widget in (self.user_filter, self.action_filter, self.period_filter):
            row.addWidget(widget)
        row.addWidget(self.from_edit)
        self.dash = QLabel("–", parent)
        self.dash.hide()
        row.addWidget(self.dash)
        row.addWidget(self.to_edit)
        row.addStretch(1)
        row.addWidget(self.verify_button)
        row.addWidget(self.export_button)
        return row

    @override
    def _build_table(self, parent: QWidget) -> QTableView:
        view = self.table = card_table(parent, ROW_HEIGHT)
        view.setModel(self.model)
        view.setAccessibleName(_("Audit log"))
        view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = view.horizontalHeader()
        for number, spec in enumerate(AUDIT_COLUMNS):
            if spec.key in COLUMN_WIDTHS:
                view.setColumnWidth(number, COLUMN_WIDTHS[spec.key])
            else:
                header.setSectionResizeMode(number, QHeaderView.ResizeMode.Stretch)
        return view

    @override
    def _build_footer(self, parent: QWidget) -> QHBoxLayout:
        self.count_label = QLabel(parent)
        self.count_label.setObjectName("countLabel")
        self.result_label = message_label("successLabel", parent)
        self.result_label.setWordWrap(False)
        self.progress = QProgressBar(parent)
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(20 * SPACING)
        self.progress.setAccessibleName(_("Progress"))
        self.progress.hide()
        self.cancel_button = QPushButton(_("Cancel"), parent)
        self.cancel_button.setToolTip(_("Stop the export or the check (Esc)"))
        self.cancel_button.clicked.connect(self.cancel_task)
        self.cancel_button.hide()
        row = card_row(top=SPACING)
        row.addWidget(self.count_label)
        row.addSpacing(2 * SPACING)
        row.addWidget(self.result_label)
        row.addStretch(1)
        row.addWidget(self.progress)
        row.addWidget(self.cancel_button)
        return row

    @override
    def _shortcuts(self) -> Sequence[Shortcut]:
        return (
            (_("Refresh the audit log"), "F5", self.refresh),
            (_("Export CSV"), "Ctrl+E", self._on_export_button_clicked),
            (_("Verify chain"), "Ctrl+Shift+V", self.verify_chain),
            (_("Cancel"), "Esc", self.cancel_task),
        )

    # ---- loading ------------------------------------------------------------------------

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.load()

    def load(self) -> None:
        """Fill the user and action filters, then the rows (on first show, or when asked)."""
        self._loaded = True
        try:
            people = self._staff.list_users(self._user, UserFilter(service=True))
            actions = self._staff.audit_actions(self._user)
        except Exception as exc:  # error_text logs anything unexpected with its traceback
            show_message(self.error_label, error_text(self, exc))
            return
        self._fill_filters(people, actions)
        self.refresh()

    def _fill_filters(self, people: list[UserDTO], actions: list[str]) -> None:
        for combo in (self.user_filter, self.action_filter):
            combo.blockSignals(True)
            combo.clear()
        self.user_filter.addItem(_("Anyone"), None)
        for person in people:
            label = (
                f"{person.username} ({person.full_name})" if person.full_name else person.username
            )
            self.user_filter.addItem(label, person.id)
        self.action_filter.addItem(_("All actions"), "")
        families = sorted({action.split(".", 1)[0] for action in actions if "." in action})
        for family in families:
            self.action_filter.addItem(_("{family}.* (all)").format(family=family), f"{family}.")
            for action in actions:
                if action.startswith(f"{family}."):
                    self.action_filter.addItem(f"    {action}", action)
        for action in actions:
            if "." not in action:
                self.action_filter.addItem(action, action)
        for combo in (self.user_filter, self.action_filter):
            combo.blockSignals(False)

    def current_filter(self) -> AuditFilter:
        """The filter the controls describe."""
        user_id = self.user_filter.currentData()
        period = self.period_filter.currentIndex()
        since = until = None
        today = QDate.currentDate()
        if period in _DAYS_BACK:
            since, until = _utc(today.addDays(-_DAYS_BACK[period])), _utc(today.addDays(1))
        elif period == CUSTOM:
            first, last = sorted((self.from_edit.date(), self.to_edit.date()))
            since, until = _utc(first), _utc(last.addDays(1))
        return AuditFilter(
            user_id=user_id if isinstance(user_id, int) else None,
            action=str(self.action_filter.currentData() or ""),
            since=since,
            until=until,
        )

    @Slot()
    def refresh(self) -> None:
        """Show the newest rows matching the filters again."""
        flt = self.current_filter()

        def page(before_id: int | None) -> list[AuditRow]:
            return self._staff.audit_page(self._user, flt, before_id=before_id)

        try:
            self.model.reset(page)
            count = self._staff.audit_count(self._user, flt)
        except Exception as exc:  # error_text logs anything unexpected with its traceback
            show_message(self.error_label, error_text(self, exc))
            return
        show_message(self.error_label, "")
        self.count_label.setText(
            ngettext("{count} row", "{count} rows", count).format(count=QLocale().toString(count))
        )

    def _on_model_error(self, exc: Exception) -> None:
        show_message(self.error_label, error_text(self, exc))

    @Slot()
    def _on_filters_changed(self) -> None:
        custom = self.period_filter.currentIndex() == CUSTOM
        for widget in (self.from_edit, self.dash, self.to_edit):
            widget.setVisible(custom)
        if self._loaded:
            self.refresh()

    # ---- export and verify --------------------------------------------------------------

    def _start(
        self,
        work: Callable[[Job], _T],
        success: Callable[[_T], object],
        *,
        name: str,
        progress: Callable[[int, int], object] | None = None,
    ) -> None:
        self._job = Operation(
            self,
            work,
            name=name,
            success=success,
            failure=lambda message: self._finish(message, ok=False),
            cancelled=lambda: self._finish(_("Export cancelled: no file was written.")),
            progress=progress,
            cancel_errors=(ExportCancelledError,),
            describe=lambda exc: error_text(self, exc),
        )
        show_message(self.result_label, "")
        for button in (self.export_button, self.verify_button):
            button.setEnabled(False)
        self.progress.setRange(0, 0 if progress is None else 100)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self._job.run()

    def _finish(self, message: str = "", *, ok: bool = True) -> None:
        self._job = None
        for button in (self.export_button, self.verify_button):
            button.setEnabled(True)
        self.progress.hide()
        self.cancel_button.hide()
        self.result_label.setObjectName("successLabel" if ok else "errorLabel")
        self.result_label.style().unpolish(self.result_label)
        self.result_label.style().polish(self.result_label)
        show_message(self.result_label, message)
        emit(self.task_finished)

    def is_busy(self) -> bool:
        """Whether an export or a chain check is running."""
        return self._job is not None

    @Slot()
    def _on_export_button_clicked(self) -> None:
        if self.is_busy():
            return
        stamp = datetime.now(UTC).astimezone().strftime("%Y-%m-%d")
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Export the audit log"), f"audit-log-{stamp}.csv", _("CSV files (*.csv)")
        )
        if path:
            self.export_csv(path)

    def export_csv(self, path: str | Path) -> None:
        """Export the rows matching the filters to ``path`` on a worker thread."""
        if self.is_busy():
            return
        flt, target = self.current_filter(), Path(path)
        try:
            total = max(1, self._staff.audit_count(self._user, flt))
        except Exception as exc:  # error_text logs anything unexpected with its traceback
            show_message(self.error_label, error_text(self, exc))
            return
        staff, user = self._staff, self._user

        def work(job: Job) -> int:
            return staff.export_audit_csv(
                user, flt, target, progress=lambda done: job.keep_going(done, total)
            )

        def exported(count: int) -> None:
            self._finish(
                ngettext(
                    "Exported {count} row to {name}.", "Exported {count} rows to {name}.", count
                ).format(count=QLocale().toString(count), name=target.name)
            )

        self._start(work, exported, name="audit export", progress=self._on_export_progressed)

    def _on_export_progressed(self, done: int, total: int) -> None:
        self.progress.setValue(min(100, 100 * done // total))

    @Slot()
    def verify_chain(self) -> None:
        """Recompute the hash chain on a worker thread and show what it found."""
        if self.is_busy():
            return
        staff, user = self._staff, self._user
        self._start(
            lambda _job: staff.verify_audit_chain(user), self._on_verify_done, name="chain check"
        )

    def _on_verify_done(self, report: ChainReport) -> None:
        rows = QLocale().toString(report.rows)
        if report.ok:
            self._finish(
                ngettext(
                    "Chain intact: all {count} row checks out.",
                    "Chain intact: all {count} rows check out.",
                    report.rows,
                ).format(count=rows)
            )
        elif report.first_bad_id is None:
            self._finish(
                _("Tampering detected: {problem}.").format(problem=report.problem), ok=False
            )
        else:
            self._finish(
                _("Tampering detected at row {id}: {problem}.").format(
                    id=report.first_bad_id, problem=report.problem
                ),
                ok=False,
            )

    @Slot()
    def cancel_task(self) -> None:
        """Cancel the running export (no file is written) or stop waiting for the check."""
        job = self._job
        if job is None:
            return
        if self.progress.maximum() == 0:  # the chain check cannot stop: stop waiting for it
            job.abandon()
            self._finish(_("Chain check cancelled."))
        else:
            job.cancel()
