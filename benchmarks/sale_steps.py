"""Where a sale's time goes, step by step: ``python -m benchmarks.sale_steps [--sales N]``.

Not a figure of the table: a tool for issue #23's profile. It seeds a shop (the standard sales of
``benchmarks.shop`` on a fresh SQLite file with posapp's pragmas, WAL and ``synchronous=FULL``,
after ``--history`` past sales), wraps each step :func:`place_order` calls with a timer, places
``--sales`` sales of each kind after a warm-up, and prints the median µs of each step, the wall
time of the whole call and what the steps leave unaccounted (the unit of work's session,
Python glue). The commit is split into the audit append (the HMAC-chained row) and the commit
itself (SQLite's fsync). Timers add ~0.3 µs a step.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from benchmarks.bench_checkout import one_sale
from benchmarks.context import Context, Sizes
from benchmarks.shop import add_history, register_name, seed_shop
from posapp.services.backend import Backend
from posapp.services.platform import audit
from posapp.services.platform import uow as uow_module
from posapp.services.sales import checkout

_STEPS = (
    "check_draft",
    "authorize_actor",
    "already_placed",
    "card_rules",
    "require_open_session",
    "price_sale",
    "order_customer",
    "next_number",
    "insert_lines",
    "take_sale_stock",
    "redeem_coupons",
    "sell_cards",
    "write_payments",
    "earn_on_sale",
    "write_history",
    "audit_placed",
)


class _Clock:
    """Accumulates the time spent in each wrapped function during one sale."""

    def __init__(self) -> None:
        self.current: dict[str, float] = defaultdict(float)

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.current[name] += time.perf_counter() - start

        return timed


@contextmanager
def _wrapped(clock: _Clock) -> Iterator[None]:
    """Wrap the steps in the modules that call them; restore them afterwards."""
    saved: list[tuple[object, str, object]] = []

    def put(owner: object, attr: str, label: str) -> None:
        original = getattr(owner, attr)
        saved.append((owner, attr, original))
        setattr(owner, attr, clock.wrap(label, original))

    for step in _STEPS:
        put(checkout, step, step)
    put(checkout._INSERT_ORDER, "one", "insert order")
    put(uow_module, "append", "audit append (HMAC chain)")
    put(audit._SELECT_TAIL, "one", "  of which: chain tail read")
    put(audit, "_key", "  of which: key check")
    put(audit, "_hash", "  of which: HMAC of the row")
    put(audit._INSERT_ENTRIES, "many", "  of which: row insert")
    put(Session, "commit", "commit (fsync)")
    try:
        yield
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)


def steps(sales: int, warmup: int, history: int, *, full: bool) -> dict[str, float]:
    """Median µs per step over ``sales`` sales of one kind (plus ``wall`` and ``other``)."""
    with tempfile.TemporaryDirectory(prefix="sale-steps-") as folder:
        ctx = Context(Sizes(), Path(folder), None, "")
        database = ctx.sqlite("steps")
        try:
            shop = seed_shop(database, full=full)
            database.dispose()
            shop = add_history(Path(database.url.database or ""), shop, history)
            backend = Backend(database, register=register_name(0))
            clock = _Clock()
            per_step: dict[str, list[float]] = defaultdict(list)
            with _wrapped(clock):
                for index in range(warmup + sales):
                    clock.current = defaultdict(float)
                    start = time.perf_counter()
                    one_sale(backend, shop)
                    wall = time.perf_counter() - start
                    if index < warmup:
                        continue
                    for name, spent in clock.current.items():
                        per_step[name].append(spent * 1e6)
                    per_step["wall"].append(wall * 1e6)
                    counted = sum(v for k, v in clock.current.items() if not k.startswith(" "))
                    per_step["other"].append((wall - counted) * 1e6)
        finally:
            database.dispose()
    return {name: statistics.median(values) for name, values in per_step.items()}


def main() -> None:
    """Print the step table for both standard sales."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sales", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--history", type=int, default=20_000)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} at start")
    cash = steps(args.sales, args.warmup, args.history, full=False)
    full = steps(args.sales, args.warmup, args.history, full=True)
    print(f"load average {os.getloadavg()[0]:.2f} at end")
    print("| step | 5-line cash sale, µs | coupon + card + cash, µs |\n|---|---|---|")
    names = [n for n in (*_STEPS[:8], "insert order", *_STEPS[8:]) if n in cash or n in full]
    audit_parts = ("chain tail read", "key check", "HMAC of the row", "row insert")
    parts = tuple(f"  of which: {part}" for part in audit_parts)
    for name in (*names, "audit append (HMAC chain)", *parts, "commit (fsync)", "other", "wall"):
        print(f"| {name} | {cash.get(name, 0):.0f} | {full.get(name, 0):.0f} |")


if __name__ == "__main__":
    main()
