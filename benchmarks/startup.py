"""Cold start to the login window painted, against a bare PySide6 window; login to main window."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure, Samples, figure_from

# The child reports the wall-clock time of the first paint of its first top-level window, then
# quits. The same filter serves the bare window and posapp, so both are measured the same way.
_CHILD_PRELUDE = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

app = QApplication.instance() or QApplication(sys.argv[:1])

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and isinstance(obj, QWidget) and obj.isWindow():
            print(f"PAINTED {time.time():.6f}", flush=True)
            QTimer.singleShot(0, lambda: __import__("os")._exit(0))
        return False

_filter = FirstPaint()
app.installEventFilter(_filter)
"""

_BARE = _CHILD_PRELUDE + """
w = QWidget(); w.resize(440, 640); w.show()
app.exec()
"""

_POSAPP = _CHILD_PRELUDE + """
from posapp.app import main
main(["--database-url", sys.argv[1]])
"""


def _spawn(code: str, *args: str) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    start = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("PAINTED "):
            return (float(line.split()[1]) - start) * 1000
    msg = f"the child never painted (exit {proc.returncode}): {proc.stderr[-2000:]}"
    raise RuntimeError(msg)


def cold_start(repeat: int = 7) -> list[Figure]:
    """Time the bare window and posapp's login window, alternating, on a prepared database."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        _seed(url)
        bare, posapp = Samples(), Samples()
        _spawn(_BARE)  # warm the file cache
        _spawn(_POSAPP, url)
        for _ in range(repeat):
            bare.values_ms.append(_spawn(_BARE))
            posapp.values_ms.append(_spawn(_POSAPP, url))
    return [
        figure_from(bare, "bare PySide6 window first paint"),
        figure_from(
            posapp,
            "cold start to login window painted",
            floor=bare.median,
            floor_name="bare window",
            max_ratio=3.0,
        ),
    ]


def _seed(url: str) -> None:
    from posapp.services.backend import Backend
    from posapp.services.db import open_database
    from posapp.services.users import add_user

    database = open_database(url)
    try:
        add_user(Backend(database).uow(), None, "bench", "bench-password-123", "admin")
    finally:
        database.dispose()


def login_to_main_window(repeat: int = 10) -> Figure:
    """Build, show and paint the main window for a logged-in admin (in process, offscreen)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from posapp.services.backend import Backend
    from posapp.services.db import open_database
    from posapp.ui.bus import EventBus
    from posapp.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        _seed(url)
        database = open_database(url)
        bus = EventBus()
        backend = Backend(database, bus, register="bench")
        user = backend.login("bench", "bench-password-123")
        samples = Samples()
        for i in range(repeat + 2):
            start = time.perf_counter()
            window = MainWindow(backend, bus, user)
            window.show()
            window.repaint()
            app.processEvents()
            elapsed = (time.perf_counter() - start) * 1000
            window.close()
            window.deleteLater()
            app.processEvents()
            if i >= 2:
                samples.values_ms.append(elapsed)
        database.dispose()
    return figure_from(samples, "login to main window shown", target=500)
