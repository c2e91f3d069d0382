"""Counting what the UI keeps alive, and answering the modal dialogs a key opens, by keyboard.

Shared by the dialog-lifetime tests (tests/ui/test_dialog_lifetime.py), the register soak
(tests/reliability/test_register_soak.py) and its benchmark (benchmarks/bench_soak.py).
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from typing_extensions import override

WAIT_S = 20.0


@dataclass(frozen=True, slots=True)
class Census:
    """What is alive: top-level widgets, all widgets, QObjects in trees (app and windows)."""

    windows: int
    widgets: int
    objects: int


def flush_deletions() -> None:
    """Run the deletions posted with ``deleteLater()`` (the event loop does this between keys)."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def census() -> Census:
    """Count top-level widgets, every widget, and every QObject under the app or a window."""
    flush_deletions()
    app = QCoreApplication.instance()
    assert app is not None
    windows = QApplication.topLevelWidgets()
    objects = len(app.findChildren(QObject)) + sum(
        1 + len(window.findChildren(QObject)) for window in windows
    )
    return Census(len(windows), len(QApplication.allWidgets()), objects)


def python_qobjects() -> int:
    """How many Python wrappers of QObjects the garbage collector can see (slow: seconds)."""
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, QObject))


def rss_bytes() -> int:
    """The process's resident set size now (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm", encoding="ascii") as stream:
        resident_pages = int(stream.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def spin_until(condition: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
    """Run the event loop until ``condition()`` holds; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            msg = "timed out waiting for a condition"
            raise TimeoutError(msg)
        QTest.qWait(1)


def focused() -> QWidget:
    """The widget with keyboard focus (what a keyboard types into)."""
    widget = QApplication.focusWidget()
    assert widget is not None, "no widget has the keyboard focus"
    return widget


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """Press one key on the focused widget."""
    QTest.keyClick(focused(), key, modifier)


def type_text(text: str) -> None:
    """Type ``text`` into the focused widget."""
    QTest.keyClicks(focused(), text)


class ModalAnswer(QObject):
    """Answers the next modal dialog by keyboard, and notes when it first painted.

    Install with :func:`answering`; the key that opens the dialog blocks in its ``exec()``, and
    ``act(dialog)`` runs inside it once the dialog is the active window with a focused widget.
    """

    def __init__(self, act: Callable[[QDialog], object], kind: type[QDialog]) -> None:
        super().__init__()
        self._act, self._kind = act, kind
        self.painted_at: float | None = None
        self.done = False
        self.failure: BaseException | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._poll)

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            self.painted_at is None
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, self._kind)
        ):
            self.painted_at = time.perf_counter()
            self._timer.start()
        return False

    def _poll(self) -> None:
        dialog = QApplication.activeModalWidget()
        if self.done or not isinstance(dialog, self._kind) or not dialog.isVisible():
            return
        if not dialog.isActiveWindow() or dialog.focusWidget() is None:
            dialog.activateWindow()
            return
        self._timer.stop()
        self.done = True
        try:
            self._act(dialog)
        except BaseException as exc:  # re-raised in the test, not lost in a Qt slot
            self.failure = exc
            if dialog.isVisible():
                dialog.done(0)


@contextmanager
def answering(
    act: Callable[[QDialog], object], kind: type[QDialog] = QDialog
) -> Iterator[ModalAnswer]:
    """Answer the modal ``kind`` dialog the block opens with ``act``; fail if none opened."""
    app = QCoreApplication.instance()
    assert app is not None
    answer = ModalAnswer(act, kind)
    app.installEventFilter(answer)
    try:
        yield answer
    finally:
        app.removeEventFilter(answer)
        answer.deleteLater()
    if answer.failure is not None:
        raise answer.failure
    assert answer.done, f"no {kind.__name__} opened"


def keys_in_dialog(*keys: Qt.Key | str) -> Callable[[QDialog], None]:
    """An answer that types text and presses keys on whatever has the focus, in order."""

    def act(_dialog: QDialog) -> None:
        for key in keys:
            if isinstance(key, str):
                type_text(key)
            else:
                press(key)

    return act
