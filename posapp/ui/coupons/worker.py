"""Long coupon work off the GUI thread: the shared worker, where a coupon operation can cancel.

The task and the dialog are :mod:`posapp.ui.kit.worker`'s; here
:class:`~posapp.services.coupons.dto.OperationCancelledError` (raised by code generation, reports
and exports when ``cancelled()`` turns true) counts as cancelled, and a failure stays on screen
in the dialog with a Close button.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from posapp.services.coupons import OperationCancelledError
from posapp.ui.kit import worker
from posapp.ui.kit.worker import Cancelled, Progress, TaskSignals, Work

__all__ = ["Cancelled", "Progress", "Task", "TaskDialog", "TaskSignals", "Work"]


class Task(worker.Task):
    """Runs ``work(progress, cancelled)``; a cancelled coupon operation counts as cancelled."""

    def __init__(self, work: Work) -> None:
        super().__init__(work, cancel_errors=(OperationCancelledError,), name="coupon task")


class TaskDialog(worker.TaskDialog):
    """The shared progress dialog (object name ``couponTaskDialog``); failures stay shown in it.

    ``result_value`` holds the work's result after ``accepted``; ``error`` the message after a
    failure (the dialog then stays open showing it, with a Close button).
    """

    def __init__(self, title: str, what: str, work: Work, parent: QWidget | None = None) -> None:
        super().__init__(title, what, Task(work), parent, object_name="couponTaskDialog")
