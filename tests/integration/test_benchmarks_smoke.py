"""The benchmark harness still runs: ``python -m benchmarks --smoke`` measures every figure once.

Tiny sizes, no timing asserted: only that every figure of issue #9 was measured and its result
check passed (a figure that measured nothing is an ERROR), that the table and the JSON file
were written, and that the PostgreSQL figures ran when a server is given.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import PG_URL

REPO = Path(__file__).resolve().parents[2]

# Every figure the run must produce (name prefixes), per issue #9.
EXPECTED = (
    "cold start to login window painted",
    "bare PySide6 window first paint",
    "login (Sign in clicked) to main window painted",
    "checkout 5-line cash sale (SQLite",
    "checkout 5-line cash sale floor: raw sqlite3",
    "checkout 5 lines + coupon + card/cash (SQLite",
    "checkout 5 lines + coupon + card/cash floor: raw sqlite3",
    "checkout 5-line cash sale minimal floor: raw sqlite3",
    "checkout 5 lines + coupon + card/cash minimal floor: raw sqlite3",
    "checkout 5 lines + coupon + card/cash with the background services (SQLite)",
    "checkout 5 lines + coupon + card/cash (PostgreSQL)",
    "checkout throughput",
    "checkout 5-line cash sale: Prepared on the driver's cursor",
    "checkout 5-line cash sale: plain Core, compiled cache",
    "checkout 5-line cash sale: Prepared saves",
    "checkout 5 lines + coupon + card/cash: Prepared saves",
    "scan to line painted",
    "register soak: top-level widgets grown",
    "register soak: F12 → payment dialog painted, GUI thread CPU, last",
    "search as you type",
    "exact barcode lookup",
    "stores product picker",
    "register F2 search",
    "stores stock table search",
    "catalog search, same keystrokes",
    "register exact code lookup",
    "receiving a delivery",
    "catalog tab first rows painted",
    "peak RSS",
    "CSV import",
    "generate 500 coupon codes (SQLite)",
    "generate 500 coupon codes (PostgreSQL)",
    "coupon validation at checkout, among 500 (SQLite)",
    "coupon validation at checkout",
    "coupon report",
    "account statement",
    "demo data loaded",
    "catalog search over the API, p95",
    "checkout over the API, 5-line pickup order (SQLite)",
    "checkout over the API, 5-line pickup order (PostgreSQL)",
)
POSTGRES = ("(PostgreSQL)", "throughput")
"""Figures that need PostgreSQL: skipped (with the reason) only when no server is given."""


def _run(tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    out = tmp_path / "results.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    # Children keep compiled bytecode in the benchmark cache (as a real install would).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "posapp-bench-cache/pycache")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--json", str(out), "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=600,
        check=False,
    )
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc, json.loads(out.read_text())


def test_every_figure_is_measured_and_checked(tmp_path: Path) -> None:
    proc, results = _run(tmp_path)
    figures = results["figures"]
    assert isinstance(figures, list)
    by_name = {f["name"]: f for f in figures}
    errors = {name: f["note"] for name, f in by_name.items() if f["status"] == "error"}
    assert not errors, f"{errors}\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for prefix in EXPECTED:
        assert any(name.startswith(prefix) for name in by_name), f"no figure {prefix!r}"
    for name, figure in by_name.items():
        on_postgres = any(tag in name for tag in POSTGRES)
        if figure["status"] == "skipped":
            assert on_postgres, f"{name} skipped: {figure['note']}"
            assert not PG_URL, f"{name} skipped although a server is given: {figure['note']}"
            assert "PostgreSQL" in figure["note"], figure["note"]
            continue
        assert figure["samples"] >= 1, name
        if figure["unit"] == "%":  # a saving, one path against another: a busy machine may
            # make it negative in a run this short, so only that it was measured is checked
            assert math.isfinite(figure["median"]), name
            assert figure["median"] < 100, name
        elif figure["unit"].endswith("/1k sales"):  # growth over a soak: 0 when nothing leaks
            assert math.isfinite(figure["median"]), name
        else:
            assert figure["median"] > 0, name
        assert figure["checked"], f"{name}: nothing was checked"
        assert figure["result"] in {"PASS", "FAIL", "info"}, name
    # One table on stdout with every figure; the machine is recorded for the README.
    assert "figure" in proc.stdout
    assert "result" in proc.stdout
    for name in by_name:
        assert name in proc.stdout
    machine = results["machine"]
    assert isinstance(machine, dict)
    for key in ("cores", "cpu", "uname", "date"):
        assert machine[key], key
