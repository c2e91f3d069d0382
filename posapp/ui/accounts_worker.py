"""Long account work off the GUI thread: a cancellable task and a progress dialog.

A statement for a busy year reads thousands of movements and renders many pages; that runs on
the thread pool while a modal dialog shows a progress bar and offers Cancel (Esc). The worker
never touches a widget: it reports through signals that Qt queues onto the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QProgressBar, QVBoxLayout, QWidget
from typing_extensions import override

from posapp.reports.statement import RenderCancelledError
from posapp.services.errors import ServiceError
from posapp.ui.accounts_style import message_label, plain_label, show_message, styled
from posapp.ui.qt_compat import emit
from posapp.ui.widgets import SPACING

_log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
Work = Callable[[Progress, Cancelled], object]


class TaskCancelledError(Exception):
    """The work noticed the person cancelled it."""


class TaskSignals(QObject):
    """What a task reports (emitted in the worker, delivered in the GUI thread).

    Signals:
        progress(int, int): done and total.
        finished(object): the work's result.
        failed(str): a message for the person.
        cancelled(): the work stopped; nothing was kept.
    """

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Task(QRunnable):
    """Runs ``work(progress, cancelled)`` on the thread pool."""

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
        except (TaskCancelledError, RenderCancelledError):
            emit(self.signals.cancelled)
        except ServiceError as exc:
            emit(self.signals.failed, str(exc))
        except OSError as exc:
            emit(self.signals.failed, f"Cannot write the file: {exc.strerror or exc}.")
        except Exception:  # a bug: log it, say so plainly, never crash the app
            _log.exception("account task failed")
            emit(self.signals.failed, "Something went wrong; the details are in the log.")
        else:
            emit(self.signals.finished, result)


class TaskDialog(QDialog):
    """A modal progress dialog running one task; Cancel (Esc) stops it.

    After ``accepted``, :attr:`result_value` holds the work's result. After a failure
    :attr:`error` holds the message; the dialog closes (the caller shows the message where the
    person was working) unless ``keep_open_on_failure``, when it shows it with a Close button.
    """

    def __init__(
        self,
        title: str,
        what: str,
        work: Work,
        parent: QWidget | None = None,
        *,
        keep_open_on_failure: bool = False,
    ) -> None:
        super().__init__(parent)
        self._keep_open = keep_open_on_failure
        self.setObjectName("accountsDialog")
        self.setWindowTitle(f"{title} — posapp")
        self.setMinimumWidth(52 * SPACING)
        styled(self)
        self.result_value: object = None
        self.error = ""
        self.label = plain_label(what, self)
        self.label.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(f"{title} progress")
        self.error_label = message_label("errorLabel", self)
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

    @property
    def running(self) -> bool:
        """Whether the work has not reported back yet."""
        return self._running

    def start(self) -> None:
        """Start the work on the global thread pool."""
        self._running = True
        QThreadPool.globalInstance().start(self.task)

    @Slot(int, int)
    def _on_task_progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(1, total, done))
        self.bar.setValue(done)

    @Slot(object)
    def _on_task_finished(self, result: object) -> None:
        self._running = False
        self.result_value = result
        self.accept()

    @Slot(str)
    def _on_task_failed(self, message: str) -> None:
        self._running = False
        self.error = message
        if not self._keep_open:
            super().reject()
            return
        show_message(self.error_label, message)
        self.bar.hide()
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)

    @Slot()
    def _on_task_cancelled(self) -> None:
        self._running = False
        super().reject()

    @Slot()
    def _on_buttons_rejected(self) -> None:
        if self._running:
            self.label.setText("Cancelling… nothing will be kept.")
            self.task.cancel()
            return
        super().reject()

    @override
    def reject(self) -> None:
        self._on_buttons_rejected()


def run_task(parent: QWidget, title: str, what: str, work: Work) -> TaskDialog:
    """Run ``work`` behind a modal progress dialog; return the dialog once it has closed."""
    dialog = TaskDialog(title, what, work, parent)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.start()
    dialog.exec()
    return dialog
