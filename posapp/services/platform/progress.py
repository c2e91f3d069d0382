"""The progress and cancel callbacks of long service work: code generation, reports, imports."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]
"""Called with (done, total) as the work advances."""
Cancelled = Callable[[], bool]
"""Polled between steps; True stops the work, which then raises and keeps nothing."""


def no_progress(done: int, total: int) -> None:
    """Ignore progress (the default of a caller that shows none)."""


def never_cancelled() -> bool:
    """Never cancel (the default of a caller that offers no Cancel)."""
    return False
