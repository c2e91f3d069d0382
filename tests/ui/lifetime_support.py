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
from PySide6.QtWidgets import QApplication, QDialog, QGesture, QWidget
from typing_extensions import override

WAIT_S = 20.0
# The offscreen platform warns whenever a shown window's size limits change (a dialog growing
# to fit an error message) or it is raised: real platforms support both. Only these exact
# platform limitations are ignored; every other Qt warning still fails the test.
OFFSCREEN_LIMITATIONS = r"^This plugin does not support (propagateSizeHints|raise)\(\)$"


@dataclass(frozen=True, slots=True)
class Census:
    """What is alive: top-level widgets, all widgets, QObjects in trees (app and windows)."""

    windows: int
    widgets: int
    objects: int

    def grew_from(self, before: Census) -> bool:
        """Whether any count is above ``before``'s.

        "No more than before", as in tests/ui/test_operation.py: objects of earlier tests in the
        same process may still go (pytest-qt deletes their widgets later, the garbage collector
        frees parentless ones whenever it runs), never come.
        """
        return (
            self.windows > before.windows
            or self.widgets > before.widgets
            or self.objects > before.objects
        )


def flush_deletions() -> None:
    """Run the deletions posted with ``deleteLater()`` (the event loop does this between keys)."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _tree(root: QObject) -> int:
    """QObjects under ``root``, leaving out Qt's gesture cache.

    Qt keeps a gesture object per scroll area that grabbed one and drops them in batches on
    its own schedule: their number goes up and down by a few whatever the screens do.
    """
    return len(root.findChildren(QObject)) - len(root.findChildren(QGesture))


def census() -> Census:
    """Count top-level widgets, every widget, and every QObject under the app or a window."""
    flush_deletions()
    app = QCoreApplication.instance()
    assert app is not None
    windows = QApplication.topLevelWidgets()
    objects = _tree(app) + sum(1 + _tree(window) for window in windows)
    return Census(len(windows), len(QApplication.allWidgets()), objects)


def object_kinds() -> dict[str, int]:
    """The objects :func:`census` counts, by class name (to say what grew)."""
    flush_deletions()
    app = QCoreApplication.instance()
    assert app is not None
    kinds: dict[str, int] = {}
    for obj in [*app.findChildren(QObject), *QApplication.topLevelWidgets()]:
        for one in [obj, *(obj.findChildren(QObject) if isinstance(obj, QWidget) else [])]:
            name = type(one).__name__
            kinds[name] = kinds.get(name, 0) + 1
    return kinds


def kinds_grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """What changed between two :func:`object_kinds`, by class name."""
    names = set(before) | set(after)
    return {
        n: after.get(n, 0) - before.get(n, 0) for n in names if after.get(n, 0) != before.get(n, 0)
    }


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
        """``time.perf_counter()`` at the dialog's first paint."""
        self.painted_cpu: float = 0.0
        """``time.thread_time()`` (this thread's CPU time) then."""
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
            self.painted_at, self.painted_cpu = time.perf_counter(), time.thread_time()
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
        spin_until(lambda: answer.done)  # a dialog opened with open() does not block the block
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
