"""Long order work (a sales report over months) off the GUI thread, and where PDFs go.

:class:`TaskDialog` runs one function on the global thread pool behind a modal progress bar
with Cancel, using :mod:`posapp.ui.kit.worker`'s task and dialog; the worker never touches a widget,
it hands its result back through signals that Qt delivers in the GUI thread. Cancel abandons
the result (reportlab cannot be interrupted mid-page); the dialog closes at once and the late
result is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from posapp.config import data_dir
from posapp.services.platform.files import write_atomic
from posapp.ui.kit import worker
from posapp.ui.kit.worker import Cancelled, Progress

PdfSink = Callable[[str, bytes], None]


def save_and_open_pdf(name: str, pdf: bytes) -> None:
    """Keep a PDF in the data folder's ``reports`` and open it in the system viewer."""
    folder = data_dir() / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    write_atomic(path, pdf)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).resolve())))


class TaskDialog(worker.TaskDialog):
    """Runs ``work`` on the thread pool with a busy bar and Cancel (Esc); starts at once.

    After ``exec()``: :attr:`outcome` is the work's result, :attr:`error` a message, or both
    are empty (None and "") when the user cancelled. Failures close the dialog: the caller shows
    the message.
    """

    def __init__(
        self, title: str, text: str, work: Callable[[], object], parent: QWidget | None = None
    ) -> None:
        def run(_progress: Progress, _cancelled: Cancelled) -> object:
            return work()

        super().__init__(
            title,
            text,
            worker.Task(run, name="order task"),
            parent,
            keep_open_on_failure=False,
            wait_for_worker=False,
            object_name="orderTaskDialog",
            progress_name=title,
        )
        self.start()

    @property
    def outcome(self) -> object:
        """The work's result once it has finished; None otherwise."""
        return self.result_value
