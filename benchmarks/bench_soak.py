"""The register over a shift: what each 1,000 keyboard sales leave behind, and F12's speed.

The driver of the register soak test (``tests/ui/register_shift.py``, issue #17) on the real
main window, offscreen: log-in, Ctrl+3, then ``--soak-sales`` sales (default 300) of 3–6 scans
paid in exact cash, with search, coupon, park/resume, customer and return mixed in. Growth is
taken from the first sale after the warm-up to the last and scaled to 1,000 sales (300 sales:
the figures are extrapolated ×3.4). Targets: no top-level widget, widget or QObject left per
sale, RSS ≤ 20 MB per 1,000 sales, and F12 → payment dialog painted over the last 100 sales
within 20 % of the first 100 — in wall-clock time (what the cashier waits) and in the GUI
thread's CPU time (which leaves out the waiting for a core). Both move with the machine's load
between the two windows (minutes apart): compare them from a quiet run only. The medians of a
small CPU probe timed before each F12 (in the wall-clock row's note) say how busy the machine
was in each window. The soak test asserts the counts and the RSS, not these timings.
"""

from __future__ import annotations

from benchmarks.common import Figure, check
from benchmarks.context import Context
from benchmarks.qt import qt_app
from posapp.services.backend import Backend
from posapp.ui.kit.bus import EventBus
from tests.ui.register_shift import WARMUP, Growth, Shift, growth, seed_shift

RSS_MB_PER_1000 = 20.0
SLOWER_AT_MOST = 1.2
WINDOW = 100
PER_1000 = "/1k sales"
"""The unit of the growth figures (a leak-free run grows by 0, or by less than 0 for RSS)."""


def soak_figures(ctx: Context) -> list[Figure]:
    """Ring up the sales; the growth per 1,000 sales and F12's first and last medians."""
    qt_app()
    sales = ctx.sizes.soak_sales
    window = min(WINDOW, max(1, sales // 2))
    ctx.log(f"register soak: {sales} keyboard sales on the main window (+{WARMUP} warm-up)")
    database = ctx.sqlite("soak")
    try:
        bus = EventBus()
        backend = Backend(database, bus, register="till-1")
        shift = Shift(backend, bus, seed_shift(backend))
        shift.log_in()
        try:
            for index in range(WARMUP + sales):
                shift.sale(index)
                if index and index % 100 == 0:
                    ctx.log(f"register soak: {index} sales")
        finally:
            shift.close()
        check(len(shift.extras) == 5, f"not every extra ran: {sorted(shift.extras)}")
        grown = growth(shift.samples, window)
    finally:
        database.dispose()
    return _figures(grown, sales, window, shift.extras)


def _figures(grown: Growth, sales: int, window: int, extras: dict[str, int]) -> list[Figure]:
    scale = "" if sales >= 1_000 else f" ({sales} sales, extrapolated)"
    mixed = ", ".join(f"{name} ×{count}" for name, count in extras.items())
    checked = f"{sales} sales placed and paid, each with 3–6 lines; {mixed}"

    def one(
        name: str, value: float, unit: str, target: float | None, note: str = "", n: int = sales
    ) -> Figure:
        return Figure(
            name=f"register soak: {name}",
            median=value,
            p95=value,
            unit=unit,
            target=target,
            samples=n,
            checked=checked,
            note=note,
        )

    def timing(kind: str, first: float, last: float, note: str = "") -> list[Figure]:
        what = f"F12 → payment dialog painted, {kind}"
        ratio = f"{last / first:.2f}× the first {window}" if first > 0 else ""
        return [
            one(f"{what}, first {window} sales", first, "ms", None, n=window),
            one(
                f"{what}, last {window} sales",
                last,
                "ms",
                SLOWER_AT_MOST * first,
                ratio + note,
                n=window,
            ),
        ]

    load = (
        f"; CPU probe median {grown.probe_first_ms:.2f} ms in the first window, "
        f"{grown.probe_last_ms:.2f} ms in the last"
    )
    return [
        one(f"top-level widgets grown{scale}", grown.windows, PER_1000, 0.0),
        one(f"widgets grown{scale}", grown.widgets, PER_1000, 0.0),
        one(f"QObjects grown{scale}", grown.objects, PER_1000, 0.0),
        one(f"RSS grown{scale}", grown.rss_mb, f"MB{PER_1000}", RSS_MB_PER_1000),
        *timing("wall clock", grown.f12_first_ms, grown.f12_last_ms, load),
        *timing("GUI thread CPU", grown.cpu_first_ms, grown.cpu_last_ms),
    ]
