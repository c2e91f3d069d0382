"""Figures, timing helpers, the results table and the JSON file shared by every benchmark."""

from __future__ import annotations

import cProfile
import json
import os
import platform
import pstats
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

Stat = Literal["median", "p95"]
Status = Literal["ok", "skipped", "error"]


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure with its target.

    ``stat`` names the statistic compared with ``target`` and with the floor (the floor is the
    same statistic of the floor's samples). Lower is better unless ``higher_is_better``.
    A figure whose operation failed or whose result check failed has ``status="error"`` and
    fails; a figure that could not run here (no PostgreSQL) has ``status="skipped"``.
    """

    name: str
    median: float = 0.0
    p95: float = 0.0
    unit: str = "ms"
    target: float | None = None
    stat: Stat = "median"
    floor: float | None = None
    floor_name: str = ""
    max_ratio: float | None = None
    higher_is_better: bool = False
    samples: int = 0
    checked: str = ""
    """What was verified about the operation's result (it did the work)."""
    note: str = ""
    status: Status = "ok"
    profile: str = ""
    """Where the time goes (cProfile), for a figure that missed its target with --profile."""

    @property
    def value(self) -> float:
        """The statistic that is compared with the target."""
        return self.p95 if self.stat == "p95" else self.median

    @property
    def ratio(self) -> float | None:
        """The figure against the physical floor measured in the same run."""
        if self.floor is None or self.floor <= 0 or self.status != "ok":
            return None
        return self.value / self.floor

    @property
    def passed(self) -> bool | None:
        """Whether the figure meets its target and ratio bound (None: nothing to meet)."""
        if self.status == "error":
            return False
        if self.status == "skipped":
            return None
        checks: list[bool] = []
        if self.target is not None:
            met = self.value >= self.target if self.higher_is_better else self.value <= self.target
            checks.append(met)
        if self.max_ratio is not None and self.ratio is not None:
            checks.append(self.ratio <= self.max_ratio)
        return all(checks) if checks else None

    @property
    def result(self) -> str:
        """PASS, FAIL, ERROR, skipped, or info (no target)."""
        if self.status == "error":
            return "ERROR"
        if self.status == "skipped":
            return "skipped"
        return {True: "PASS", False: "FAIL", None: "info"}[self.passed]

    def miss(self) -> str:
        """By how much the target (or ratio bound) is missed, in words; empty when met."""
        if self.passed is not False or self.status != "ok":
            return ""
        parts = []
        if self.target is not None:
            over = self.value / self.target if self.target else float("inf")
            if self.higher_is_better and self.value < self.target:
                parts.append(f"{self.stat} {_num(self.value)} < {_num(self.target)} {self.unit}")
            elif not self.higher_is_better and self.value > self.target:
                parts.append(
                    f"{self.stat} {_num(self.value)} {self.unit} is {over:.1f}× the "
                    f"{_num(self.target)} {self.unit} target"
                )
        if self.max_ratio is not None and self.ratio is not None and self.ratio > self.max_ratio:
            parts.append(f"{self.ratio:.1f}× the floor (bound {self.max_ratio:g}×)")
        return "; ".join(parts)


def error_figure(name: str, message: str, **kwargs: object) -> Figure:
    """A figure whose operation or result check failed: it counts as a failure."""
    return Figure(name=name, status="error", note=message, **kwargs)  # type: ignore[arg-type]


def skipped_figure(name: str, reason: str, **kwargs: object) -> Figure:
    """A figure that cannot run on this machine (e.g. no PostgreSQL)."""
    return Figure(name=name, status="skipped", note=reason, **kwargs)  # type: ignore[arg-type]


class CheckFailedError(AssertionError):
    """A benchmark's result check failed: the operation did not do what it should."""


def check(condition: bool, message: str) -> None:
    """Fail the figure unless ``condition`` (kept under ``python -O``, unlike assert)."""
    if not condition:
        raise CheckFailedError(message)


HEAVY_BUDGET_S = 60.0
"""A multi-second figure is not run again once its runs took this long (the defaults must
finish in a few minutes); the figure's ``samples`` says how many runs there were."""


@dataclass
class Samples:
    """Repeated timings of one operation, in milliseconds (or another unit)."""

    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """The median."""
        return statistics.median(self.values)

    @property
    def p95(self) -> float:
        """The 95th percentile (nearest rank)."""
        return percentile(self.values, 0.95)

    def over_budget(self) -> bool:
        """Whether these samples (in seconds) used up :data:`HEAVY_BUDGET_S`."""
        return sum(self.values) > HEAVY_BUDGET_S

    def stat(self, which: Stat) -> float:
        """The median or the p95."""
        return self.p95 if which == "p95" else self.median


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered)) - 1)]


def measure(action: Callable[[], object], *, repeat: int, warmup: int = 3) -> Samples:
    """Time ``action`` (ms) ``repeat`` times after ``warmup`` untimed runs."""
    for _ in range(warmup):
        action()
    samples = Samples()
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.values.append((time.perf_counter() - start) * 1000)
    return samples


def timed_ms(action: Callable[[], object]) -> float:
    """Run ``action`` once; return its wall time in ms."""
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def figure_from(
    samples: Samples,
    name: str,
    *,
    floor: Samples | None = None,
    stat: Stat = "median",
    **kwargs: object,
) -> Figure:
    """Build a figure from samples (and a floor's samples, compared by the same statistic)."""
    return Figure(
        name=name,
        median=samples.median,
        p95=samples.p95,
        samples=len(samples.values),
        stat=stat,
        floor=None if floor is None else floor.stat(stat),
        **kwargs,  # type: ignore[arg-type]
    )


_ROOT = str(Path(__file__).resolve().parents[1]) + "/"


def format_profile(stats: pstats.Stats, runs: int, *, what: str = "", top: int = 12) -> str:
    """Where the time goes, per run: posapp's functions by cumulative time (what calls what
    costs), then the functions with the most time of their own anywhere (the leaves: SQL,
    fsync, hashing, imports…).
    """
    table = stats.stats  # type: ignore[attr-defined]
    rows = [
        (key, float(value[2]) / runs * 1000, float(value[3]) / runs * 1000)
        for key, value in table.items()
    ]

    def where(key: tuple[str, int, str]) -> str:
        path, line, name = key
        short = path.split("site-packages/")[-1].removeprefix(_ROOT)
        return f"{short}:{line} {name}" if line else name

    own = sorted((r for r in rows if "/posapp/" in r[0][0]), key=lambda r: r[2], reverse=True)
    leaves = sorted(rows, key=lambda r: r[1], reverse=True)[:6]
    head = f"cProfile of {what or f'{runs} run(s)'}; ms per run."
    out = [f"{head} posapp functions by cumulative time:"]
    out += [f"  {cum:9.2f} ms  {where(key)}" for key, _, cum in own[:top]]
    out.append("most time spent inside (own time):")
    out += [f"  {tot:9.2f} ms  {where(key)}" for key, tot, _ in leaves]
    return "\n".join(out)


def profile_action(action: Callable[[], object], runs: int, *, what: str = "") -> str:
    """Run ``action`` ``runs`` times under cProfile; see :func:`format_profile`."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        action()
    profiler.disable()
    return format_profile(pstats.Stats(profiler), runs, what=what)


def with_profile(
    fig: Figure,
    action: Callable[[], object],
    *,
    enabled: bool,
    runs: int = 20,
    what: str = "",
) -> Figure:
    """Attach a profile to ``fig`` when it missed its target and profiling was asked for."""
    if not enabled or fig.passed is not False or fig.status != "ok":
        return fig
    try:
        return replace(fig, profile=profile_action(action, runs, what=what))
    except Exception as exc:
        return replace(fig, profile=f"(profiling failed: {exc})")


def _num(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def render_table(figures: list[Figure]) -> str:
    """Format the figures as a plain-text table."""
    header = ("figure", "median", "p95", "n", "target", "floor", "ratio", "result")
    rows = [header]
    for f in figures:
        if f.status != "ok":
            rows.append((f.name, "", "", "", _target(f), "", "", f"{f.result}: {f.note}"))
            continue
        floor = "" if f.floor is None else f"{_num(f.floor)} {f.unit} {f.floor_name}"
        ratio = "" if f.ratio is None else f"{f.ratio:.1f}×"
        if f.max_ratio is not None and ratio:
            ratio += f" (≤ {f.max_ratio:g}×)"
        rows.append(
            (
                f.name,
                f"{_num(f.median)} {f.unit}",
                f"{_num(f.p95)} {f.unit}",
                str(f.samples),
                _target(f),
                floor,
                ratio,
                f.result,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)), r[-1]]) for r in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _target(f: Figure) -> str:
    if f.target is None:
        return ""
    sign = "≥" if f.higher_is_better else "≤"
    return f"{f.stat} {sign} {_num(f.target)} {f.unit}"


def render_notes(figures: list[Figure]) -> str:
    """What each missed figure misses by, what was checked, and profiles when taken."""
    out: list[str] = []
    for f in figures:
        if f.status == "ok" and f.passed is False:
            out.append(f"MISS {f.name}: {f.miss()}" + (f" — {f.note}" if f.note else ""))
            if f.profile:
                out.extend("    " + line for line in f.profile.splitlines())
        elif f.status == "error":
            out.append(f"ERROR {f.name}: {f.note}")
    return "\n".join(out)


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or what platform knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(label: str = "") -> dict[str, object]:
    """Date, machine and software versions, for the JSON file and the README."""
    uname = platform.uname()
    info: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "label": label,
        "uname": " ".join((uname.system, uname.node, uname.release, uname.version, uname.machine)),
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average_start": round(os.getloadavg()[0], 2),
    }
    try:
        from importlib.metadata import version

        info["pyside6"] = version("PySide6-Essentials")
        info["sqlalchemy"] = version("SQLAlchemy")
    except Exception:
        pass
    return info


def write_json(
    figures: list[Figure], path: Path, sizes: dict[str, object], machine: dict[str, object]
) -> None:
    """Write the results with the date, the machine and the sizes used."""
    machine = dict(machine, load_average_end=round(os.getloadavg()[0], 2))
    payload = {
        "machine": machine,
        "sizes": sizes,
        "figures": [
            asdict(f) | {"ratio": f.ratio, "passed": f.passed, "result": f.result} for f in figures
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
