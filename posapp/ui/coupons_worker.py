"""Long coupon work off the GUI thread: a cancellable task and a dialog with a progress bar."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.services.coupon_dto import OperationCancelledError
from posapp.services.errors import ServiceError
from posapp.ui.qt_compat import emit
from posapp.ui.widgets import SPACING

_log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
Work = Callable[[Progress, Cancelled], object]


class TaskSignals(QObject):
    """What a task reports; emitted from the worker thread, delivered in the GUI thread.

    Signals:
        progress(int, int): done and total.
        finished(object): the work's result.
        failed(str): a message for the user.
        cancelled(): the user cancelled; nothing was kept.
    """

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Task(QRunnable):
    """Runs ``work(progress, cancelled)`` on the thread pool; never touches a widget."""

    def __init__(self, work: Work) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the dialog keeps it until its signals are delivered
        self.signals = TaskSignals()
        self._work = work
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._cancel.set()

    def _progress(self, done: int, total: int) -> None:
        emit(self.signals.progress, done, total)

    @override
    def run(self) -> None:
        try:
            result = self._work(self._progress, self._cancel.is_set)
        except OperationCancelledError:
            emit(self.signals.cancelled)
        except ServiceError as exc:
            emit(self.signals.failed, str(exc))
        except OSError as exc:
            emit(self.signals.failed, f"Cannot write the file: {exc.strerror or exc}")
        except Exception:  # a bug: log it, tell the user plainly, never crash the app
            _log.exception("coupon task failed")
            emit(self.signals.failed, "Something went wrong; the details are in the log.")
        else:
            emit(self.signals.finished, result)


class TaskDialog(QDialog):
    """A modal progress dialog: runs one task, shows its progress, offers Cancel (Esc).

    ``result_value`` holds the work's result after ``accepted``; ``error`` the message after a
    failure (the dialog then stays open showing it, with a Close button).
    """

    def __init__(self, title: str, what: str, work: Work, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("couponTaskDialog")
        self.setMinimumWidth(52 * SPACING)
        self.result_value: object = None
        self.error = ""
        self.label = QLabel(what, self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setAccessibleName(f"{title} progress")
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
        self.task = Task(work)
        self.task.signals.progress.connect(self._on_task_progress)
        self.task.signals.finished.connect(self._on_task_finished)
        self.task.signals.failed.connect(self._on_task_failed)
        self.task.signals.cancelled.connect(self._on_task_cancelled)
        self._running = False

    def start(self) -> None:
        """Start the work on the global thread pool."""
        self._running = True
        QThreadPool.globalInstance().start(self.task)

    @property
    def running(self) -> bool:
        """Whether the work has not reported back yet."""
        return self._running

    @Slot(int, int)
    def _on_task_progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(min(done, max(1, total)))

    @Slot(object)
    def _on_task_finished(self, result: object) -> None:
        self._running = False
        self.result_value = result
        self.accept()

    @Slot(str)
    def _on_task_failed(self, message: str) -> None:
        self._running = False
        self.error = message
        self.error_label.setText(message)
        self.error_label.show()
        self.bar.hide()
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)

    @Slot()
    def _on_task_cancelled(self) -> None:
        self._running = False
        self.reject()

    @Slot()
    def _on_buttons_rejected(self) -> None:
        if self._running:
            self.label.setText("Cancelling… nothing will be kept.")
            self.task.cancel()
            return
        self.reject()

    @override
    def reject(self) -> None:
        if self._running:  # Esc while running: cancel and wait for the worker to stop
            self._on_buttons_rejected()
            return
        super().reject()
