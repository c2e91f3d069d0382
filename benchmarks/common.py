"""Figures, timing helpers and the results table shared by every benchmark."""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure with its target (lower is better unless ``higher_is_better``)."""

    name: str
    median: float
    p95: float
    unit: str
    target: float | None = None
    floor: float | None = None
    floor_name: str = ""
    max_ratio: float | None = None
    higher_is_better: bool = False
    samples: int = 0
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """The median against the physical floor measured in the same run."""
        if self.floor is None or self.floor <= 0:
            return None
        return self.median / self.floor

    @property
    def passed(self) -> bool | None:
        """Whether the figure meets its target (and its ratio bound), None if it has neither."""
        checks: list[bool] = []
        if self.target is not None:
            value = self.p95 if "p95" in self.note else self.median
            checks.append(value >= self.target if self.higher_is_better else value <= self.target)
        if self.max_ratio is not None and self.ratio is not None:
            checks.append(self.ratio <= self.max_ratio)
        return all(checks) if checks else None


@dataclass
class Samples:
    """Repeated timings of one operation, in milliseconds."""

    values_ms: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """The median in ms."""
        return statistics.median(self.values_ms)

    @property
    def p95(self) -> float:
        """The 95th percentile in ms (nearest rank)."""
        ordered = sorted(self.values_ms)
        return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def measure(action: Callable[[], object], *, repeat: int, warmup: int = 3) -> Samples:
    """Time ``action`` ``repeat`` times after ``warmup`` untimed runs."""
    for _ in range(warmup):
        action()
    samples = Samples()
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.values_ms.append((time.perf_counter() - start) * 1000)
    return samples


def figure_from(samples: Samples, name: str, **kwargs: object) -> Figure:
    """Build a millisecond figure from samples."""
    return Figure(
        name=name,
        median=samples.median,
        p95=samples.p95,
        unit="ms",
        samples=len(samples.values_ms),
        **kwargs,  # type: ignore[arg-type]
    )


def render_table(figures: list[Figure]) -> str:
    """Format the figures as a plain-text table."""
    header = ("figure", "median", "p95", "target", "floor", "ratio", "result")
    rows = [header]
    for f in figures:
        target = "" if f.target is None else f"{'≥' if f.higher_is_better else '≤'} {f.target:g} {f.unit}"
        floor = "" if f.floor is None else f"{f.floor:.3g} {f.unit} ({f.floor_name})"
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}×" + (
            f" (≤ {f.max_ratio:g}×)" if f.max_ratio else ""
        )
        result = {True: "pass", False: "FAIL", None: "-"}[f.passed]
        rows.append(
            (f.name, f"{f.median:.3g} {f.unit}", f"{f.p95:.3g} {f.unit}", target, floor, ratio, result)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(figures: list[Figure], path: Path, sizes: dict[str, int]) -> None:
    """Write the results with the date and machine."""
    payload = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
        },
        "sizes": sizes,
        "figures": [asdict(f) | {"ratio": f.ratio, "passed": f.passed} for f in figures],
    }
    path.write_text(json.dumps(payload, indent=2))
