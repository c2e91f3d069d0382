"""Run catalog work on a thread pool and hand the result back on the GUI thread."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from posapp.services.platform.errors import ServiceError

_log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong; the details are in the log."


class TaskSignals(QObject):
    """The signals of one task; they live in the GUI thread, so slots run there.

    Signals:
        finished(object): the work's result.
        failed(str): a message for the user (a ServiceError's, or a generic one).
        progressed(int, int): done and total, as reported by the work.
    """

    finished = Signal(object)
    failed = Signal(str)
    progressed = Signal(int, int)


class Task(QRunnable):
    """Runs ``work`` (which must not touch widgets) and emits its outcome."""

    def __init__(self, work: Callable[[Task], object]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the owner keeps it until its signals were delivered
        self.signals = TaskSignals()
        self._work = work

    def report(self, done: int, total: int) -> None:
        """Called by the work (on the worker thread) to move a progress bar."""
        self.signals.progressed.emit(done, total)

    def run(self) -> None:
        """Run the work (on a pool thread)."""
        try:
            result = self._work(self)
        except ServiceError as exc:
            self.signals.failed.emit(str(exc))
        except Exception:
            _log.exception("catalog task failed")
            self.signals.failed.emit(UNEXPECTED)
        else:
            self.signals.finished.emit(result)


class _Relay(QObject):
    """Receives one task's signals in the GUI thread (a queued connection) and calls back."""

    def __init__(
        self,
        runner: TaskRunner,
        task: Task,
        on_done: Callable[[object], None],
        on_failed: Callable[[str], None],
        on_progress: Callable[[int, int], None] | None,
    ) -> None:
        super().__init__(runner)
        self._runner = runner
        self._task = task
        self._on_done = on_done
        self._on_failed = on_failed
        self._on_progress = on_progress

    @Slot(object)
    def _on_task_finished(self, result: object) -> None:
        self._runner.forget(self)
        self._on_done(result)

    @Slot(str)
    def _on_task_failed(self, message: str) -> None:
        self._runner.forget(self)
        self._on_failed(message)

    @Slot(int, int)
    def _on_task_progressed(self, done: int, total: int) -> None:
        if self._on_progress is not None:
            self._on_progress(done, total)


class TaskRunner(QObject):
    """Starts tasks on its own small pool and keeps them alive until they report back."""

    def __init__(self, parent: QObject | None = None, *, threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._relays: dict[_Relay, Task] = {}

    @property
    def busy(self) -> bool:
        """Whether a task has not reported back yet."""
        return bool(self._relays)

    def start(
        self,
        work: Callable[[Task], object],
        on_done: Callable[[object], None],
        on_failed: Callable[[str], None],
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Task:
        """Run ``work(task)`` on the pool; call ``on_done(result)`` or ``on_failed(message)``.

        The callbacks run in the GUI thread.
        """
        task = Task(work)
        relay = _Relay(self, task, on_done, on_failed, on_progress)
        task.signals.finished.connect(relay._on_task_finished)
        task.signals.failed.connect(relay._on_task_failed)
        task.signals.progressed.connect(relay._on_task_progressed)
        self._relays[relay] = task
        self.pool.start(task)
        return task

    def forget(self, relay: QObject) -> None:
        """Drop a relay whose task has reported back."""
        if isinstance(relay, _Relay):
            self._relays.pop(relay, None)
            relay.deleteLater()

    def wait(self, msecs: int = 30_000) -> None:
        """Drop queued tasks and wait for the running ones (before closing a window).

        Waits in short sleeps, not with ``QThreadPool.waitForDone``: that call keeps Python's GIL,
        so a task still running Python code could never finish and the window would hang.
        """
        self.pool.clear()
        deadline = time.monotonic() + msecs / 1000
        while self.pool.activeThreadCount() > 0 and time.monotonic() < deadline:
            time.sleep(0.005)
