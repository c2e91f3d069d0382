"""Peak memory (RSS) of posapp with the million-product catalog open, in a process of its own.

The child logs the dataset's admin in, builds the real main window (offscreen), switches to the
Catalog tab, waits until the tab lists every product (the background load of all ids), drags
the scroll bar to the end, and reports its peak resident set size (``VmHWM`` from /proc; psutil is not a
dependency). Target ≤ 300 MB (issue #9).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from benchmarks.catalog_data import catalog_dataset
from benchmarks.common import Figure, check
from benchmarks.context import REPO, Context, child_env

TARGET_MB = 300.0


def rss_figure(ctx: Context, count: int) -> Figure:
    """Run the child on the ``count`` catalog; check it listed every product."""
    path = catalog_dataset(ctx, count)
    ctx.log(f"peak RSS with the catalog tab open on {count:,} products (child process)")
    env = child_env(ctx)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_memory", str(path), str(count)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=900,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    check(bool(lines), f"the child reported nothing (exit {proc.returncode}): {proc.stderr[-800:]}")
    report = json.loads(lines[-1])
    check(report["rows"] == count, f"the tab listed {report['rows']:,} of {count:,} products")
    peak = float(report["peak_mb"])
    return Figure(
        name=f"peak RSS, main window + catalog tab open ({count:,} products)",
        median=peak,
        p95=peak,
        unit="MB",
        target=TARGET_MB,
        samples=1,
        checked=f"{report['rows']:,} products listed, scrolled to the end",
        note=f"after login and imports: {report['before_mb']:.0f} MB",
    )


def _peak_mb() -> float:
    """This process's peak RSS in MB.

    ``VmHWM`` from /proc is the peak of this program's own memory; ``ru_maxrss`` would carry
    over the parent's peak across fork and exec (the benchmark process itself is large).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(path: Path, count: int) -> int:
    """The measured process (run as ``python -m benchmarks.bench_memory PATH COUNT``)."""
    from PySide6.QtWidgets import QApplication, QTableView

    from benchmarks.catalog_data import ADMIN, PASSWORD
    from benchmarks.qt import spin_until
    from posapp.services.backend import Backend
    from posapp.services.platform.db import Database
    from posapp.ui.catalog.tab import CatalogTab
    from posapp.ui.kit.bus import EventBus
    from posapp.ui.kit.resources import apply_theme
    from posapp.ui.main_window import MainWindow

    app = QApplication(["posapp-bench-rss"])
    apply_theme(app)
    database = Database(f"sqlite:///{path}")
    bus = EventBus()
    backend = Backend(database, bus, register="bench")
    user = backend.staff.login(ADMIN, PASSWORD)
    before = _peak_mb()
    window = MainWindow(backend, bus, user)
    window.resize(1280, 800)
    window.show()
    tab = window.findChild(CatalogTab)
    check(tab is not None, "the main window has no Catalog tab")
    assert tab is not None
    window.tabs.setCurrentWidget(tab)
    finished = [False]
    tab.search_finished.connect(lambda: finished.__setitem__(0, True))
    spin_until(app, lambda: finished[0] and tab.model.rowCount() >= count, timeout_s=600)
    table = tab.findChild(QTableView)
    assert table is not None
    scroll = table.verticalScrollBar()
    for step in range(41):
        scroll.setValue(scroll.maximum() * step // 40)
        app.processEvents()
    print(
        json.dumps({"rows": tab.model.rowCount(), "peak_mb": _peak_mb(), "before_mb": before}),
        flush=True,
    )
    window.close()
    database.dispose()
    os._exit(0)  # skip Qt's teardown: the figure is taken


if __name__ == "__main__":
    raise SystemExit(child(Path(sys.argv[1]), int(sys.argv[2])))
