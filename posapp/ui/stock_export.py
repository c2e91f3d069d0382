"""Export the replenishment list (CSV or PDF) off the GUI thread, with a progress bar and Cancel.

The file is written next to the target under a temporary name and moved into place only when
complete, so a cancelled or failed export never leaves half a file behind.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QVBoxLayout, QWidget
from typing_extensions import override

from posapp.reports.replenishment import render_pdf, write_csv
from posapp.services.dto import UserDTO
from posapp.services.errors import ServiceError
from posapp.services.files import atomic_target
from posapp.ui.qt_compat import emit
from posapp.ui.stores_port import StoresPort
from posapp.ui.widgets import SPACING

_log = logging.getLogger(__name__)
STEPS = 3


class ExportSignals(QObject):
    """What an export reports (emitted in the worker, delivered in the GUI thread).

    Signals:
        progress(int, int): steps done and total.
        finished(str): the written file's path.
        failed(str): a message for the user.
        cancelled(): nothing was written.
    """

    progress = Signal(int, int)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()


class ExportTask(QRunnable):
    """Reads a store's replenishment list and writes it as ``fmt`` ("csv" or "pdf")."""

    def __init__(
        self, port: StoresPort, actor: UserDTO, store_id: int, path: Path, fmt: str
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = ExportSignals()
        self._port, self._actor, self._store_id = port, actor, store_id
        self._path, self._fmt = path, fmt
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Stop before the file is moved into place."""
        self._cancel.set()

    @override
    def run(self) -> None:
        try:
            written = self._export()
        except ServiceError as exc:
            emit(self.signals.failed, str(exc))
        except OSError as exc:
            emit(self.signals.failed, f"Cannot write {self._path.name}: {exc.strerror or exc}")
        except Exception:  # a bug: logged, shown plainly, never a crash
            _log.exception("replenishment export failed")
            emit(self.signals.failed, "The export failed; the details are in the log.")
        else:
            if written:
                emit(self.signals.finished, str(self._path))
            else:
                emit(self.signals.cancelled)

    def _export(self) -> bool:
        try:
            return self._write()
        except _CancelledError:
            return False

    def _write(self) -> bool:
        plan = self._port.replenishment_list(self._actor, self._store_id)
        emit(self.signals.progress, 1, STEPS)
        if self._cancel.is_set():
            return False
        with atomic_target(self._path) as temp:
            if self._fmt == "csv":
                # utf-8-sig: spreadsheet programs then read accents and "›" correctly.
                with temp.open("w", encoding="utf-8-sig", newline="") as stream:
                    write_csv(plan, stream)
            else:
                render_pdf(plan, temp)
            emit(self.signals.progress, 2, STEPS)
            if self._cancel.is_set():
                raise _CancelledError
        emit(self.signals.progress, 3, STEPS)
        return True


class _CancelledError(Exception):
    """Cancel was pressed: the temporary file goes, the target is left as it was."""


class ExportDialog(QDialog):
    """Runs one export with a progress bar; Cancel (Esc) stops it and keeps nothing.

    ``path`` holds the written file after ``accepted``; ``error`` the message after a failure
    (the dialog then stays open showing it, with a Close button).
    """

    def __init__(self, task: ExportTask, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export replenishment list")
        self.setMinimumWidth(52 * SPACING)
        self.path = ""
        self.error = ""
        self.task = task
        self.label = QLabel(what, self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, STEPS)
        self.bar.setAccessibleName("Export progress")
        self.error_label = QLabel(self)
        self.error_label.setObjectName("errorLabel")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.rejected.connect(self._on_buttons_rejected)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 2 * SPACING)
        layout.setSpacing(2 * SPACING)
        for widget in (self.label, self.bar, self.error_label, self.buttons):
            layout.addWidget(widget)
        task.signals.progress.connect(self._on_task_progress)
        task.signals.finished.connect(self._on_task_finished)
        task.signals.failed.connect(self._on_task_failed)
        task.signals.cancelled.connect(self._on_task_cancelled)
        self.running = False

    def start(self) -> None:
        """Start the export on the global thread pool."""
        self.running = True
        QThreadPool.globalInstance().start(self.task)

    @Slot(int, int)
    def _on_task_progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, total)
        self.bar.setValue(done)

    @Slot(str)
    def _on_task_finished(self, path: str) -> None:
        self.running = False
        self.path = path
        self.accept()

    @Slot(str)
    def _on_task_failed(self, message: str) -> None:
        self.running = False
        self.error = message
        self.error_label.setText(message)
        self.error_label.show()
        self.bar.hide()
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)

    @Slot()
    def _on_task_cancelled(self) -> None:
        self.running = False
        self.reject()

    @Slot()
    def _on_buttons_rejected(self) -> None:
        if self.running:
            self.label.setText("Cancelling… nothing will be written.")
            self.task.cancel()
            return
        self.reject()

    @override
    def reject(self) -> None:
        if self.running:
            self._on_buttons_rejected()
            return
        super().reject()
