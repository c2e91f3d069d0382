"""A shift at the register: 1,000 keyboard sales on the real main window leave nothing behind.

Issue #17: every sale left its payment dialog behind (+1 top-level window, ~85 QObjects and ~2 MB
per sale), and F12 → payment dialog went from 35 ms to 411 ms over 1,300 sales. The driver
(tests/ui/register_shift.py) logs in once, goes to the register with Ctrl+3 and rings up sales
of 3–6 scans paid in exact cash, with search, coupons, park/resume, the customer picker and
returns mixed in. This test asserts:

- after every sale the top-level widgets, all widgets and the QObjects in the application's and
  the windows' trees are no more than after the warm-up sales (objects of earlier tests in the
  process may still go; in a run of its own they are exactly the same); the Python wrappers of
  QObjects the garbage collector sees do not grow either;
- RSS grows by at most 20 MB per 1,000 sales;
- every sale was stored, paid exactly.

F12 → payment dialog painted is measured and printed (medians of the first and last 100 sales,
wall-clock and GUI-thread CPU time) but not asserted here: no test may depend on the machine's
speed, and on the shared 2-core box neither is steady enough for "within 20 %". Two windows of
100 sales are minutes apart and see different loads: at load 6–11 the wall-clock medians moved by
3× (82 ms → 25 ms as the load dropped), and even the GUI thread's CPU time, which leaves out
the waiting for a core, moved by up to 45 % (28 → 40 ms as the load rose to 11: cold caches),
with nothing growing. The slowdown of issue #17 came from what this test does assert — a
hidden dialog per sale (F12 then took 69 ms CPU over the first 100 sales and 181 ms by sale 250).
The timing, with its 20 % target, is a figure of ``benchmarks/bench_soak.py`` (``make bench``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from posapp.models import Order, Payment
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.resources import apply_theme
from tests.reliability.figures import FIGURES
from tests.ui.lifetime_support import OFFSCREEN_LIMITATIONS, census, python_qobjects
from tests.ui.register_shift import WARMUP, Shift, growth, seed_shift

pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore(OFFSCREEN_LIMITATIONS)]

SALES = int(os.environ.get("POSAPP_SOAK_SALES", "1000"))
RSS_MB_PER_1000 = 20.0


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    """The production style sheet and palette: the register as the cashier sees it."""
    sheet, palette = qapp.styleSheet(), qapp.palette()
    apply_theme(qapp)
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)


def test_a_shift_of_keyboard_sales_leaves_nothing_behind(
    themed: QApplication, sqlite_database: Database
) -> None:
    bus = EventBus()
    backend = Backend(sqlite_database, bus, register="till-1")
    shift = Shift(backend, bus, seed_shift(backend))
    shift.log_in()
    try:
        for index in range(WARMUP):
            shift.sale(index)
        start, wrappers = census(), python_qobjects()
        for index in range(WARMUP, WARMUP + SALES):
            sample = shift.sale(index)
            assert not sample.alive.grew_from(start), (
                f"sale {index}: {sample.alive}, {start} at first"
            )
        assert python_qobjects() <= wrappers
        figures = growth(shift.samples)
    finally:
        shift.close()
    FIGURES.append(
        f"register soak, {SALES:,} sales (+{WARMUP} warm-up), per 1,000 sales: "
        f"top-level widgets {figures.windows:+.0f}, widgets {figures.widgets:+.0f}, "
        f"QObjects {figures.objects:+.0f}, RSS {figures.rss_mb:+.1f} MB; F12 → payment dialog "
        f"painted, median of first/last 100: {figures.f12_first_ms:.1f}/{figures.f12_last_ms:.1f} "
        f"ms wall, {figures.cpu_first_ms:.1f}/{figures.cpu_last_ms:.1f} ms CPU; extras "
        + ", ".join(f"{name} ×{n}" for name, n in shift.extras.items())
    )
    assert figures.rss_mb <= RSS_MB_PER_1000
    assert set(shift.extras) == {
        "search (F2)",
        "coupon (F8)",
        "park (F9) and resume (F10)",
        "customer (F4)",
        "return (Alt+O, Ctrl+R)",
    }
    with backend.read_uow() as uow:
        orders = uow.session.scalar(select(func.count()).select_from(Order))
        unpaid = uow.session.scalar(
            select(func.count())
            .select_from(Order)
            .where(
                Order.total_minor
                != select(func.coalesce(func.sum(Payment.amount_minor), 0))
                .where(Payment.order_id == Order.id, Payment.refund_of_id.is_(None))
                .scalar_subquery()
            )
        )
    assert orders == WARMUP + SALES
    assert unpaid == 0
