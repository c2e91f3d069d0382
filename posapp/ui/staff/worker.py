"""Run long service work (an export, a chain check) off the GUI thread, with progress and Cancel.

Anki's ``CollectionOp`` rule: the worker never touches a widget. It reports through the signals
of a :class:`BackgroundJob` that lives in the GUI thread, so Qt queues each slot call there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QThreadPool, Signal

from posapp.ui.kit.qt_compat import emit

Progress = Callable[[int], bool]
"""Called by the work with how much is done; returns False once the person has cancelled."""


class BackgroundJob(QObject):
    """One piece of work on the global thread pool.

    Signals:
        progressed(int): how much is done (rows written, say).
        succeeded(object): the work's return value.
        failed(object): the exception the work raised (the GUI decides what to show).
    """

    progressed = Signal(int)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._running = False
        # Connected first, so the job no longer counts as running in its listeners' slots.
        self.succeeded.connect(self._on_done)
        self.failed.connect(self._on_done)

    def is_running(self) -> bool:
        """Whether the work has started and not yet reported its end."""
        return self._running

    def cancel(self) -> None:
        """Ask the work to stop at its next progress report."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancel.is_set()

    def start(self, work: Callable[[Progress], object]) -> None:
        """Run ``work(progress)`` on the thread pool."""
        self._running = True
        QThreadPool.globalInstance().start(lambda: self._run(work))

    def _on_done(self) -> None:
        self._running = False

    def _run(self, work: Callable[[Progress], object]) -> None:
        try:
            result = work(self._progress)
        except Exception as exc:  # reported to the GUI thread, which shows or logs it
            emit(self.failed, exc)
        else:
            emit(self.succeeded, result)

    def _progress(self, done: int) -> bool:
        emit(self.progressed, done)
        return not self._cancel.is_set()
