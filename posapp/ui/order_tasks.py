"""Long order work (a sales report over months) off the GUI thread, and where PDFs go.

:class:`TaskDialog` runs one function on the global thread pool behind a modal progress bar
with Cancel; the worker never touches a widget, it hands its result back through signals
that Qt delivers in the GUI thread. Cancel abandons the result (reportlab cannot be
interrupted mid-page); the dialog closes at once and the late result is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QVBoxLayout, QWidget
from typing_extensions import override

from posapp.config import data_dir
from posapp.services.errors import ServiceError
from posapp.services.files import write_atomic
from posapp.ui.qt_compat import emit
from posapp.ui.widgets import SPACING

_log = logging.getLogger(__name__)

PdfSink = Callable[[str, bytes], None]


def save_and_open_pdf(name: str, pdf: bytes) -> None:
    """Keep a PDF in the data folder's ``reports`` and open it in the system viewer."""
    folder = data_dir() / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    write_atomic(path, pdf)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).resolve())))


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(str)


class _Task(QRunnable):
    def __init__(self, work: Callable[[], object]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = _Signals()
        self._work = work

    @override
    def run(self) -> None:
        try:
            result = self._work()
        except ServiceError as exc:
            emit(self.signals.failed, str(exc))
        except OSError as exc:
            emit(self.signals.failed, f"Cannot write the file: {exc.strerror or exc}")
        except Exception:  # a bug: log it, say so plainly, keep the register running
            _log.exception("order task failed")
            emit(self.signals.failed, "Something went wrong; the details are in the log.")
        else:
            emit(self.signals.finished, result)


class TaskDialog(QDialog):
    """Runs ``work`` on the thread pool with a busy bar and Cancel (Esc).

    After ``exec()``: :attr:`outcome` is the work's result, :attr:`error` a message, or both
    are None when the user cancelled.
    """

    def __init__(
        self, title: str, text: str, work: Callable[[], object], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("orderTaskDialog")
        self.outcome: object = None
        self.error: str | None = None
        label = QLabel(text, self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setAccessibleName(title)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 3 * SPACING)
        column.addWidget(label)
        column.addWidget(self.bar)
        column.addWidget(buttons)
        self.setMinimumWidth(48 * SPACING)
        self._done = False
        self._task = _Task(work)
        self._task.signals.finished.connect(self._on_task_finished)
        self._task.signals.failed.connect(self._on_task_failed)
        QThreadPool.globalInstance().start(self._task)

    @Slot(object)
    def _on_task_finished(self, result: object) -> None:
        if not self._done:
            self._done = True
            self.outcome = result
            self.accept()

    @Slot(str)
    def _on_task_failed(self, message: str) -> None:
        if not self._done:
            self._done = True
            self.error = message
            super().reject()

    @override
    def reject(self) -> None:
        self._done = True  # a late result is dropped
        super().reject()
