"""Long account work off the GUI thread: the shared worker in the Accounts screens' dress.

A statement for a busy year reads thousands of movements and renders many pages; that runs on
the thread pool while a modal dialog shows a progress bar and offers Cancel (Esc). The task and
the dialog are :mod:`posapp.ui.kit.worker`'s; here a rendering cancelled mid-PDF
(:class:`~posapp.reports.statement.RenderCancelledError`) also counts as cancelled, and the
dialog wears the Accounts stylesheet and closes on failure so the screen shows the message.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from typing_extensions import override

from posapp.reports.statement import RenderCancelledError
from posapp.ui.kit import worker
from posapp.ui.kit.resources import styled
from posapp.ui.kit.worker import Cancelled, Progress, TaskCancelledError, TaskSignals, Work

__all__ = [
    "Cancelled",
    "Progress",
    "Task",
    "TaskCancelledError",
    "TaskDialog",
    "TaskSignals",
    "Work",
    "run_task",
]


class Task(worker.Task):
    """Runs ``work(progress, cancelled)``; a cancelled statement rendering counts as cancelled."""

    def __init__(self, work: Work) -> None:
        super().__init__(work, cancel_errors=(RenderCancelledError,), name="account task")

    @override
    def write_error(self, exc: OSError) -> str:
        return f"Cannot write the file: {exc.strerror or exc}."


class TaskDialog(worker.TaskDialog):
    """The shared progress dialog with the Accounts look (object name ``accountsDialog``).

    After a failure :attr:`error` holds the message; the dialog closes (the caller shows the
    message where the person was working) unless ``keep_open_on_failure``.
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
        super().__init__(
            title,
            what,
            Task(work),
            parent,
            keep_open_on_failure=keep_open_on_failure,
            object_name="accountsDialog",
            window_title=f"{title} — posapp",
        )
        self.bar.setTextVisible(False)
        styled(self, "shared", "accounts")


def run_task(parent: QWidget, title: str, what: str, work: Work) -> TaskDialog:
    """Run ``work`` behind a window-modal progress dialog; return the dialog once it has closed."""
    return TaskDialog(title, what, work, parent).run_modal()
