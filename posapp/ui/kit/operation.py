"""Long work off the GUI thread: the one operation runner of every screen.

In the spirit of Anki's ``QueryOp``/``CollectionOp``: an :class:`Operation` runs ``work(job)``
on a shared thread pool and calls back in the GUI thread. The work never touches a widget; it
reports through its :class:`Job` (``job.progress(done, total)``) and, where it can stop, checks
``job.cancelled()`` (or calls ``job.check()``, which raises :class:`UserCancelledError`)::

    Operation(self, work, name="statement", success=self.set_statement,
              failure=self.show_error).with_dialog("Statement", "Reading…").run_modal()

- **Outcome.** Exactly one of ``success(result)``, ``failure(message)`` and ``cancelled()`` is
  called, once, in the GUI thread. :class:`UserCancelledError` and the ``cancel_errors`` types
  mean "cancelled"; a :class:`~posapp.services.platform.errors.ServiceError` fails with its own
  message, an ``OSError`` with :attr:`Wording.cannot_write`; anything else is a bug: logged
  with its traceback, and the person reads :attr:`Wording.unexpected` (a screen may pass its
  own ``describe``).
- **Progress and Cancel.** :meth:`Operation.with_dialog` adds a
  :class:`~posapp.ui.kit.progress_dialog.ProgressDialog`; :meth:`~Operation.run` opens it
  window-modal, :meth:`~Operation.run_modal` also blocks until it closes. A screen that shows
  progress itself passes ``progress`` and calls :meth:`~Operation.cancel`.
- **Closing.** When the widget that started the work is gone (its window closed), the outcome
  is dropped; :meth:`~Operation.abandon` drops it on purpose. :func:`drain` asks the work under
  a closing window to stop and waits for it.

Operations are made and started in the GUI thread. The work runs on a
``concurrent.futures`` pool rather than a ``QThreadPool``: its futures can be waited on, and no
pool destructor waits for Python work while holding Python's lock. Worker threads hand each
report to one small object in the GUI thread (a queued signal), so nothing per operation is a
``QObject`` but its dialog, which is deleted once it closes: operations leave no objects
behind. Waiting (:meth:`~Operation.wait`, :func:`drain`) needs no events: the work never waits
for the GUI thread, it only posts to it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, Self, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QDialog, QWidget

from posapp.i18n import N_, _
from posapp.services.platform.errors import ServiceError
from posapp.ui.kit.progress_dialog import PLAIN, DialogLook, ProgressDialog
from posapp.ui.kit.qt_compat import emit

_log = logging.getLogger(__name__)

T = TypeVar("T")
THREADS = 4
"""Worker threads shared by every screen (searches, exports, reports)."""


class UserCancelledError(Exception):
    """The work noticed the person cancelled it (raised by :meth:`Job.check`)."""


@dataclass(frozen=True, slots=True)
class Wording:
    """What the person reads when the work fails for a reason other than a ``ServiceError``.

    Attributes:
        unexpected: a bug (the details go to the log).
        cannot_write: the system refused a file; ``{reason}`` stands for its reason.
    """

    unexpected: str = N_("Something went wrong; the details are in the log.")
    cannot_write: str = N_("Cannot write the file: {reason}")


class Job:
    """The work's side of an operation (used in the worker thread)."""

    def __init__(self, report: Callable[[int, int], None], stop: threading.Event) -> None:
        self._report, self._stop = report, stop

    def progress(self, done: int, total: int = 0) -> None:
        """Say how far the work is (``total`` 0: unknown)."""
        self._report(done, total)

    def cancelled(self) -> bool:
        """Whether the person asked the work to stop."""
        return self._stop.is_set()

    def keep_going(self, done: int, total: int = 0) -> bool:
        """Report progress; return False once cancelled (for services that take such a hook)."""
        self.progress(done, total)
        return not self.cancelled()

    def check(self) -> None:
        """Raise :class:`UserCancelledError` if the person asked the work to stop."""
        if self.cancelled():
            raise UserCancelledError


class _Mailbox(QObject):
    """Lives in the GUI thread and runs what worker threads post to it (a queued signal)."""

    posted = Signal(object)

    def __init__(self, parent: QObject | None) -> None:
        super().__init__(parent)
        self.posted.connect(self._on_posted, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _on_posted(self, call: Callable[[], None]) -> None:
        call()


_state_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_mailbox: _Mailbox | None = None
_running: set[Operation[Any]] = set()  # kept alive until they report


def _pool() -> ThreadPoolExecutor:
    global _executor  # noqa: PLW0603 - one pool per process, made on first use
    with _state_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(THREADS, thread_name_prefix="posapp-op")
        return _executor


def _gui_mailbox() -> _Mailbox:
    """The mailbox, made in the GUI thread on first use (again if the application was)."""
    global _mailbox  # noqa: PLW0603 - one per application
    if _mailbox is None or not shiboken6.isValid(_mailbox):
        _mailbox = _Mailbox(QCoreApplication.instance())
    return _mailbox


def _owned_by(obj: QObject, owner: QObject) -> bool:
    node: QObject | None = obj
    while node is not None and shiboken6.isValid(node):
        if node is owner:
            return True
        node = node.parent()
    return False


def running_under(owner: QObject) -> list[Operation[Any]]:
    """The running operations started by ``owner`` or anything it holds."""
    return [op for op in list(_running) if _owned_by(op.parent, owner)]


def wait_for(operations: Iterable[Operation[Any]], seconds: float = 30.0) -> bool:
    """Wait (without events) until the work of ``operations`` has returned; False on timeout."""
    futures = [op.future for op in operations if op.future is not None]
    return not wait_futures(futures, timeout=seconds).not_done


def drain(owner: QObject, seconds: float = 30.0) -> bool:
    """Before ``owner`` closes: ask its operations to stop, then wait for their work to return.

    Work that checks ``cancelled()`` stops with nothing kept (nobody is left to see its result);
    other work runs to its end. Outcomes are dropped. False if the wait timed out.
    """
    operations = running_under(owner)
    for op in operations:
        op.abandon()
    return wait_for(operations, seconds)


class Operation(Generic[T]):
    """Runs ``work(job)`` off the GUI thread and calls back in it (see the module docstring).

    Args:
        parent: what the work is for; when it is deleted, the outcome is dropped. A widget
            also parents the progress dialog.
        work: the function to run; returns the result handed to ``success``.
        name: says in the log which work failed.
        success: called with the result.
        failure: called with a message for the person (never a traceback).
        cancelled: called when the work stopped because the person cancelled it.
        progress: called with ``done`` and ``total`` as the work reports them.
        cancel_errors: extra exception types that mean "cancelled".
        wording: the failure messages that are not a ``ServiceError``'s own.
        describe: turns an exception into the failure message instead (it logs bugs itself).
    """

    def __init__(
        self,
        parent: QObject,
        work: Callable[[Job], T],
        *,
        name: str,
        success: Callable[[T], object] | None = None,
        failure: Callable[[str], object] | None = None,
        cancelled: Callable[[], object] | None = None,
        progress: Callable[[int, int], object] | None = None,
        cancel_errors: tuple[type[Exception], ...] = (),
        wording: Wording = Wording(),
        describe: Callable[[Exception], str] | None = None,
    ) -> None:
        self.parent, self.name = parent, name
        self._work = work
        self._success, self._failure, self._cancelled = success, failure, cancelled
        self._progress = progress
        self._cancel_types: tuple[type[Exception], ...] = (UserCancelledError, *cancel_errors)
        self._wording, self._describe = wording, describe
        self._stop = threading.Event()
        self._mailbox = _gui_mailbox()
        self.dialog: ProgressDialog | None = None
        self.future: Future[None] | None = None
        self.running = False
        self.abandoned = False
        self.result: T | None = None
        self.error = ""

    # ---- set up and start --------------------------------------------------------------

    def with_dialog(
        self,
        title: str,
        what: str,
        look: DialogLook = PLAIN,
        *,
        steps: int = 0,
    ) -> Self:
        """Show a window-modal progress dialog while the work runs (``steps`` 0: a busy bar)."""
        parent = self.parent if isinstance(self.parent, QWidget) else None
        dialog = self.dialog = ProgressDialog(title, what, look, parent, steps=steps)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.cancel_requested.connect(self._on_dialog_cancel_requested)
        return self

    def run(self) -> Self:
        """Start the work (and open the dialog, if any); return at once."""
        self._start()
        if self.dialog is not None:
            self.dialog.open()
        return self

    def run_modal(self) -> Self:
        """Start the work and block in the dialog's ``exec()`` until it has closed."""
        dialog = self.dialog
        if dialog is None:
            msg = "run_modal() needs with_dialog() first"
            raise RuntimeError(msg)
        self._start()
        dialog.exec()
        return self

    def _start(self) -> None:
        if self.future is not None:
            msg = f"{self.name} was started already"
            raise RuntimeError(msg)
        self.running = True
        _running.add(self)
        if self.dialog is not None:
            self.dialog.running = True
        self.future = _pool().submit(self._run_work)

    # ---- control (GUI thread) ----------------------------------------------------------

    def cancel(self) -> None:
        """Ask the work to stop at its next check; its outcome still arrives."""
        self._stop.set()

    @property
    def cancel_requested(self) -> bool:
        """Whether :meth:`cancel` (or :meth:`abandon`) was called."""
        return self._stop.is_set()

    def abandon(self) -> None:
        """Ask the work to stop and drop whatever it still reports; the operation is over."""
        self._stop.set()
        if self.running:
            self.abandoned, self.running = True, False
            _running.discard(self)
            self._close_dialog()

    def wait(self, seconds: float = 30.0) -> bool:
        """Wait (without events) until the work has returned; False on timeout."""
        return wait_for([self], seconds)

    def _on_dialog_cancel_requested(self) -> None:
        assert self.dialog is not None
        if self.dialog.look.wait_for_worker:  # stay open until the work says it stopped
            self.cancel()
            self.dialog.show_cancelling()
        else:
            self.abandon()

    # ---- the worker thread -------------------------------------------------------------

    def _post(self, call: Callable[[], None]) -> None:
        emit(self._mailbox.posted, call)

    def _report(self, done: int, total: int) -> None:
        self._post(partial(self._on_progress, done, total))

    def _run_work(self) -> None:
        job = Job(self._report, self._stop)
        try:
            result = self._work(job)
        except self._cancel_types:  # first: some cancel types are ServiceErrors
            self._post(self._on_cancelled)
        except Exception as exc:  # a bug or a refusal: the GUI thread says which
            self._post(partial(self._on_failed, exc))
        else:
            self._post(partial(self._on_succeeded, result))

    # ---- the outcome (GUI thread) ------------------------------------------------------

    def _ended(self) -> bool:
        """Note that the work has reported; False if nobody wants its outcome any more."""
        if self.abandoned:
            return False
        self.running = False
        _running.discard(self)
        if shiboken6.isValid(self.parent):
            return True
        self.abandoned, self.dialog = True, None  # its window closed: the dialog went with it
        return False

    def _on_progress(self, done: int, total: int) -> None:
        if not self.running or not shiboken6.isValid(self.parent):
            return
        if self.dialog is not None:
            self.dialog.set_progress(done, total)
        if self._progress is not None:
            self._progress(done, total)

    def _on_succeeded(self, result: T) -> None:
        if not self._ended():
            return
        self.result = result
        self._close_dialog(QDialog.DialogCode.Accepted)
        if self._success is not None:
            self._success(result)

    def _on_failed(self, exc: Exception) -> None:
        if not self._ended():
            if not isinstance(exc, ServiceError | OSError):  # a bug all the same
                _log.error("%s failed after it was abandoned", self.name, exc_info=exc)
            return
        self.error = message = self.describe(exc)
        dialog = self.dialog
        if dialog is not None and dialog.look.keep_open_on_failure:
            dialog.running = False
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # gone once read
            dialog.show_error(message)
        else:
            self._close_dialog()
        if self._failure is not None:
            self._failure(message)

    def _on_cancelled(self) -> None:
        if not self._ended():
            return
        self._close_dialog()
        if self._cancelled is not None:
            self._cancelled()

    def describe(self, exc: Exception) -> str:
        """The message for ``exc`` (see the module docstring); a bug is logged here."""
        if self._describe is not None:
            return self._describe(exc)
        if isinstance(exc, ServiceError):
            return str(exc)
        if isinstance(exc, OSError):
            return _(self._wording.cannot_write).replace("{reason}", exc.strerror or str(exc))
        _log.error("%s failed", self.name, exc_info=exc)
        return _(self._wording.unexpected)

    def _close_dialog(self, code: QDialog.DialogCode = QDialog.DialogCode.Rejected) -> None:
        dialog, self.dialog = self.dialog, None  # deleted below: nobody may reach it any more
        if dialog is None or not shiboken6.isValid(dialog):
            return
        dialog.running = False
        if code == QDialog.DialogCode.Accepted:
            dialog.accept()
        else:
            dialog.close_rejected()
        dialog.deleteLater()
