"""Long work off the GUI thread: one cancellable task and one progress dialog for every screen.

A statement over a busy year, ten thousand coupon codes, a replenishment export or a sales
report over months runs on the global thread pool while a modal dialog shows a progress bar
and offers Cancel (Esc). The work is a plain function ``work(progress, cancelled)``: it calls
``progress(done, total)`` now and then and, where it can stop, checks ``cancelled()`` and raises
:class:`TaskCancelledError` (or one of the task's extra cancel types). The worker never touches
a widget: it reports through :class:`TaskSignals`, which Qt queues onto the GUI thread.

The dialog never waits for the thread pool (``QThreadPool.waitForDone()`` from the GUI thread
deadlocks while a worker needs the GIL to emit); when Cancel must wait, it keeps the event loop
running until the worker reports that it stopped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import ClassVar, Self

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

from posapp.services.platform.errors import ServiceError
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.widgets import SPACING

_log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""``progress(done, total)``: report how far the work is."""
Cancelled = Callable[[], bool]
"""``cancelled()``: whether the person asked the work to stop."""
Work = Callable[[Progress, Cancelled], object]
"""The work itself: runs in a worker thread and returns its result."""

CancelErrors = tuple[type[Exception], ...]
KEPT_NOTHING = "Cancelling… nothing will be kept."


class TaskCancelledError(Exception):
    """The work noticed the person cancelled it (raise it when ``cancelled()`` is true)."""


class TaskSignals(QObject):
    """What a task reports; emitted in the worker thread, delivered in the GUI thread.

    Exactly one of ``finished``, ``failed`` and ``cancelled`` is emitted, once.

    Signals:
        progress(int, int): done and total.
        finished(object): the work's result.
        failed(str): a message for the person (never a traceback).
        cancelled(): the work stopped; nothing was kept.
    """

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Task(QRunnable):
    """Runs ``work(progress, cancelled)`` on the thread pool and reports through :attr:`signals`.

    :class:`TaskCancelledError` and the ``cancel_errors`` types mean "cancelled"; a
    :class:`~posapp.services.platform.errors.ServiceError` fails with its message; an ``OSError``
    with
    :meth:`write_error`; anything else is a bug: logged, and the person reads
    :attr:`unexpected_text`. Subclasses may reword the last two.
    """

    unexpected_text: ClassVar[str] = "Something went wrong; the details are in the log."

    def __init__(
        self, work: Work, *, cancel_errors: CancelErrors = (), name: str = "background task"
    ) -> None:
        """Prepare ``work``; ``name`` says in the log which task failed."""
        super().__init__()
        self.setAutoDelete(False)  # whoever started it keeps it until its signals are delivered
        self.signals = TaskSignals()
        self.name = name
        self._work = work
        self._cancel_types: CancelErrors = (TaskCancelledError, *cancel_errors)
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at its next check (any thread)."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancel.is_set()

    def write_error(self, exc: OSError) -> str:
        """The message when the system refuses a file (override to name the file)."""
        return f"Cannot write the file: {exc.strerror or exc}"

    def _progress(self, done: int, total: int) -> None:
        emit(self.signals.progress, done, total)

    @override
    def run(self) -> None:
        try:
            result = self._work(self._progress, self._cancel.is_set)
        except self._cancel_types:  # before ServiceError: some cancel types are ServiceErrors
            emit(self.signals.cancelled)
        except ServiceError as exc:
            emit(self.signals.failed, str(exc))
        except OSError as exc:
            emit(self.signals.failed, self.write_error(exc))
        except Exception:  # a bug: log it, say so plainly, never crash the app
            _log.exception("%s failed", self.name)
            emit(self.signals.failed, self.unexpected_text)
        else:
            emit(self.signals.finished, result)


class TaskDialog(QDialog):
    """A modal progress dialog running one task; Cancel (Esc, the close button) stops it.

    After ``accepted``, :attr:`result_value` holds the work's result. After a failure
    :attr:`error` holds the message; after a cancel both are empty.

    Args:
        title: what the work is called (window title and the progress bar's accessible name).
        what: the line above the bar (plain text).
        work: the function to run in a new :class:`Task` (with ``cancel_errors``), or a task
            made by the caller.
        parent: the window it belongs to.
        cancel_errors: extra exception types that mean "cancelled" (only when ``work`` is a
            function).
        keep_open_on_failure: show the error in the dialog with a Close button (True), or close
            at once and leave :attr:`error` for the caller to show where the person works.
        wait_for_worker: on Cancel while running, ask the work to stop and stay open until it
            reports (True: the work checks ``cancelled()``), or close at once and drop the late
            result (False: for work that cannot be interrupted, e.g. a reportlab page).
        cancelling: the line shown while waiting for the work to stop.
        steps: the bar's initial total; 0 shows a busy bar until the work reports progress.
        object_name: the dialog's object name (for stylesheets and tests).
        window_title: the window title; ``title`` by default.
        progress_name: the progress bar's accessible name; "<title> progress" by default.
    """

    def __init__(
        self,
        title: str,
        what: str,
        work: Work | Task,
        parent: QWidget | None = None,
        *,
        cancel_errors: CancelErrors = (),
        keep_open_on_failure: bool = True,
        wait_for_worker: bool = True,
        cancelling: str = KEPT_NOTHING,
        steps: int = 0,
        object_name: str = "taskDialog",
        window_title: str | None = None,
        progress_name: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._keep_open, self._wait = keep_open_on_failure, wait_for_worker
        self._cancelling = cancelling
        self.setObjectName(object_name)
        self.setWindowTitle(title if window_title is None else window_title)
        self.setMinimumWidth(52 * SPACING)
        self.result_value: object = None
        self.error = ""
        self.label = self._plain_label(what)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, steps)
        self.bar.setAccessibleName(f"{title} progress" if progress_name is None else progress_name)
        self.error_label = self._plain_label("")
        self.error_label.setObjectName("errorLabel")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.rejected.connect(self._on_buttons_rejected)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 2 * SPACING)
        layout.setSpacing(2 * SPACING)
        for widget in (self.label, self.bar, self.error_label, self.buttons):
            layout.addWidget(widget)
        self.task = work if isinstance(work, Task) else Task(work, cancel_errors=cancel_errors)
        self.task.signals.progress.connect(self._on_task_progress)
        self.task.signals.finished.connect(self._on_task_finished)
        self.task.signals.failed.connect(self._on_task_failed)
        self.task.signals.cancelled.connect(self._on_task_cancelled)
        self._running = False
        self._abandoned = False

    def _plain_label(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        return label

    @property
    def running(self) -> bool:
        """Whether the work has not reported back yet (and was not abandoned)."""
        return self._running

    def start(self) -> None:
        """Start the work on the global thread pool."""
        self._running = True
        QThreadPool.globalInstance().start(self.task)

    def run_modal(self) -> Self:
        """Start the work, block in a window-modal ``exec()`` until it is over, return self."""
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.start()
        self.exec()
        return self

    @Slot(int, int)
    def _on_task_progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(1, total, done))
        self.bar.setValue(done)

    def _reported(self) -> bool:
        """Note that the worker has reported; False if the dialog had abandoned it (drop it)."""
        if self._abandoned:
            return False
        self._running = False
        return True

    @Slot(object)
    def _on_task_finished(self, result: object) -> None:
        if self._reported():
            self.result_value = result
            self.accept()

    @Slot(str)
    def _on_task_failed(self, message: str) -> None:
        if not self._reported():
            return
        self.error = message
        if not self._keep_open:
            super().reject()
            return
        self.error_label.setText(message)
        self.error_label.show()
        self.bar.hide()
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)

    @Slot()
    def _on_task_cancelled(self) -> None:
        if self._reported():
            super().reject()

    @Slot()
    def _on_buttons_rejected(self) -> None:
        if not self._running:
            super().reject()
            return
        self.task.cancel()
        if self._wait:  # stay open until the worker says it stopped: nothing is left behind
            self.label.setText(self._cancelling)
            return
        self._abandoned, self._running = True, False  # whatever it still reports is dropped
        super().reject()

    @override
    def reject(self) -> None:
        """Esc or the close button: the same as Cancel."""
        self._on_buttons_rejected()


def run_task(
    parent: QWidget,
    title: str,
    what: str,
    work: Work | Task,
    *,
    cancel_errors: CancelErrors = (),
    keep_open_on_failure: bool = True,
) -> TaskDialog:
    """Run ``work`` behind a window-modal progress dialog; return the dialog once it has closed.

    ``cancel_errors`` and ``keep_open_on_failure`` are as for :class:`TaskDialog`.
    """
    return TaskDialog(
        title,
        what,
        work,
        parent,
        cancel_errors=cancel_errors,
        keep_open_on_failure=keep_open_on_failure,
    ).run_modal()
