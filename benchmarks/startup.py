"""Cold start of posapp to the login window painted, against a bare PySide6 window; login to the
main window painted.

Each sample is a fresh Python process (``--starts`` of each kind, alternating, after one warm-up
of each to fill the file cache). The child installs an application event filter before anything
else: when a window first gets a paint event it waits for the end of that paint pass (a zero
timer runs after the backing store is flushed) and prints the wall-clock time. Both children
pay the same interpreter and PySide6 start-up, so the bare window is the floor (issue #9:
posapp ≤ 3 × bare).

The posapp child runs ``posapp.app.main`` (the console script's entry) on a seeded SQLite file;
once the login dialog is painted it types the admin's credentials and clicks Sign in, and reports
the time from the click to the main window painted (target ≤ 500 ms): the password check
(Argon2id), importing the main window and its tabs (lazy until the first login), building them,
the first paint. Checks: the first window painted is the login dialog; the second is the main
window, with tabs.
"""

from __future__ import annotations

import pstats
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.common import Figure, Samples, check, figure_from, format_profile
from benchmarks.context import REPO, Context, child_env

MAX_RATIO = 3.0
LOGIN_MS = 500.0
USER, PASSWORD = "bench", "bench-password-123"

_PRELUDE = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

app = QApplication.instance() or QApplication(sys.argv[:1])
_seen = set()

def painted(name, window):
    print(f"PAINTED {name} {time.time():.6f}", flush=True)
    on_painted(name, window)

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and isinstance(obj, QWidget):
            window = obj.window()
            name = window.objectName() or type(window).__name__
            if name not in _seen:
                _seen.add(name)
                QTimer.singleShot(0, lambda: painted(name, window))
        return False

_filter = FirstPaint()
app.installEventFilter(_filter)
"""

_BARE = (
    _PRELUDE
    + """
def on_painted(name, window):
    os._exit(0)

w = QWidget(); w.setObjectName("bare"); w.resize(440, 640); w.show()
app.exec()
"""
)

_POSAPP = (
    _PRELUDE
    + """
import cProfile
from PySide6.QtWidgets import QTabWidget

_dump = sys.argv[4] if len(sys.argv) > 4 else ""  # profile into _dump + ".cold" / ".login"
_cold, _login = cProfile.Profile(), cProfile.Profile()

def on_painted(name, window):
    if name == "loginDialog":
        if _dump:
            _cold.disable()
            _cold.dump_stats(_dump + ".cold")
        when_ready(window)
    elif name == "mainWindow":
        if _dump:
            _login.disable()
            _login.dump_stats(_dump + ".login")
        tabs = window.findChild(QTabWidget)
        print(f"TABS {tabs.count() if tabs else 0}", flush=True)
        os._exit(0)
    else:
        print(f"UNEXPECTED {name}", flush=True)
        os._exit(3)

def when_ready(window):
    # The database opens behind the painted login window: sign in once it is open, as a
    # cashier typing would (the time to "ready" is reported on its own).
    if not window.is_ready():
        QTimer.singleShot(5, lambda: when_ready(window))
        return
    print(f"READY {time.time():.6f}", flush=True)
    window.username_edit.setText(sys.argv[2])
    window.password_edit.setText(sys.argv[3])
    print(f"CLICK {time.time():.6f}", flush=True)
    if _dump:
        _login.enable()
    window.sign_in_button.click()

if _dump:
    _cold.enable()
from posapp.app import main
main(["--database-url", sys.argv[1]])
"""
)


def _spawn(ctx: Context, code: str, *args: str, data_dir: Path) -> dict[str, float]:
    env = child_env(ctx, POSAPP_DATA_DIR=str(data_dir))
    start = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=180,
        check=False,
    )
    marks: dict[str, float] = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if parts[:1] == ["PAINTED"]:
            marks[parts[1]] = (float(parts[2]) - start) * 1000
        elif parts[:1] == ["READY"]:
            marks["ready"] = (float(parts[1]) - start) * 1000
        elif parts[:1] == ["CLICK"]:
            marks["click"] = (float(parts[1]) - start) * 1000
        elif parts[:1] == ["TABS"]:
            marks["tabs"] = float(parts[1])
        elif parts[:1] == ["UNEXPECTED"]:
            check(False, f"the child painted {parts[1]} first, not the login dialog")
    check(bool(marks), f"the child painted nothing (exit {proc.returncode}): {proc.stderr[-800:]}")
    return marks


def _seed(url: str) -> None:
    from posapp.services.backend import Backend
    from posapp.services.platform.db import open_database
    from posapp.services.staff.users import add_user

    database = open_database(url)
    try:
        add_user(Backend(database).uow(), None, USER, PASSWORD, "admin")
    finally:
        database.dispose()


def startup_figures(ctx: Context) -> list[Figure]:
    """Cold starts alternating with bare windows; each posapp start also logs in."""
    folder = ctx.folder("startup")
    url = f"sqlite:///{folder / 'posapp.sqlite3'}"
    _seed(url)
    bare, cold, login, ready = Samples(), Samples(), Samples(), Samples()
    ctx.log(f"cold start: {ctx.sizes.starts} posapp starts and {ctx.sizes.starts} bare windows")
    warm = not ctx.smoke
    for index in range(ctx.sizes.starts + (1 if warm else 0)):
        b = _spawn(ctx, _BARE, data_dir=folder)
        p = _spawn(ctx, _POSAPP, url, USER, PASSWORD, data_dir=folder)
        check("bare" in b, "the bare window did not paint")
        check("loginDialog" in p, "posapp did not paint its login dialog")
        check("mainWindow" in p, "the main window did not paint after signing in")
        check(p.get("tabs", 0) > 0, "the main window has no tabs")
        if warm and index == 0:
            continue
        bare.values.append(b["bare"])
        cold.values.append(p["loginDialog"])
        login.values.append(p["mainWindow"] - p["click"])
        ready.values.append(p["ready"])
    figures = [
        figure_from(
            cold,
            "cold start to login window painted",
            floor=bare,
            floor_name="bare window",
            max_ratio=MAX_RATIO,
            checked="a fresh process each time; the first window painted is the login dialog",
        ),
        figure_from(
            bare,
            "bare PySide6 window first paint (the floor)",
            checked="a fresh process each time",
        ),
        figure_from(
            ready,
            "cold start to ready to sign in (database open)",
            checked="the login window's database is open: demo log-ins and footer shown",
            note="the database opens on a thread after the login window has painted",
        ),
        figure_from(
            login,
            "login (Sign in clicked) to main window painted",
            target=LOGIN_MS,
            checked="admin signs in through the dialog; the main window paints with its tabs",
            note="first login of the process: Argon2id check, main window import, build, paint",
        ),
    ]
    if ctx.profile and (figures[0].passed is False or figures[3].passed is False):
        figures = _profiled(ctx, figures, url, folder)
    return figures


def _profiled(ctx: Context, figures: list[Figure], url: str, folder: Path) -> list[Figure]:
    """One more posapp start under cProfile: the start to the login, then the login."""
    ctx.log("cold start: one more start under cProfile")
    dump = folder / "startup.prof"
    _spawn(ctx, _POSAPP, url, USER, PASSWORD, str(dump), data_dir=folder)
    cold = format_profile(pstats.Stats(f"{dump}.cold"), 1, what="one start (to login painted)")
    login = format_profile(pstats.Stats(f"{dump}.login"), 1, what="one login (click to painted)")
    return [
        replace(figures[0], profile=cold) if figures[0].passed is False else figures[0],
        figures[1],
        figures[2],
        replace(figures[3], profile=login) if figures[3].passed is False else figures[3],
    ]
