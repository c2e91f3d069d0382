"""The benchmark process's QApplication (offscreen) and a paint spy."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QMessageLogContext, QObject, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication


def qt_app() -> QApplication:
    """The one QApplication of this process, on the offscreen platform, with posapp's theme."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    qInstallMessageHandler(_quiet)
    app = QApplication(["posapp-bench"])
    from posapp.ui.kit.resources import apply_theme

    apply_theme(app)
    return app


def _quiet(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """Forward Qt's messages to stderr, except the offscreen platform's size-hint notice."""
    if "propagateSizeHints" not in message:
        print(f"Qt {kind.name}: {message}", file=sys.stderr)


class PaintSpy(QObject):
    """Notes that the watched widget got a paint event while ``ready()`` held.

    The paint itself runs right after the filter returns, inside the same ``processEvents()``:
    time taken when that call returns includes it.
    """

    def __init__(self, ready: Callable[[], bool] = lambda: True) -> None:
        super().__init__()
        self.ready = ready
        self.painted = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.painted and event.type() == QEvent.Type.Paint and self.ready():
            self.painted = True
        return False


def spin_until(app: QApplication, done: Callable[[], bool], timeout_s: float = 60.0) -> None:
    """Process events until ``done()``; raise TimeoutError after ``timeout_s``."""
    deadline = time.perf_counter() + timeout_s
    while not done():
        app.processEvents()
        if time.perf_counter() > deadline:
            raise TimeoutError("the UI did not get there in time")
