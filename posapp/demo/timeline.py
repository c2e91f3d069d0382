"""The demo's clock and calendar: actions run in time order, each with the clock set to its moment.

The services read the time from their unit of work's clock (``Backend(clock=…)``), never from the
machine, so a :class:`DemoClock` set back to a past moment makes a sale, a return or a till
closing land on that moment exactly as if it had happened then.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import datetime
from itertools import count

Action = Callable[[], None]


class DemoClock:
    """A clock that says whatever time it was set to (a ``Clock`` for the backend)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        """The time it was set to."""
        return self.at


class Timeline:
    """Actions scheduled at moments before ``until``, run in time order by :meth:`run`.

    An action may schedule more actions (a sale schedules its return for later); an action
    scheduled at or after ``until`` is dropped, as it has not happened yet.
    """

    def __init__(self, clock: DemoClock, until: datetime) -> None:
        self.clock = clock
        self.until = until
        self._queue: list[tuple[datetime, int, Action]] = []
        self._order = count()

    def at(self, when: datetime, action: Action) -> bool:
        """Schedule ``action`` at ``when``; return whether it will happen (before ``until``)."""
        if when < self.clock.at:
            raise ValueError(f"cannot schedule in the past: {when} < {self.clock.at}")
        if when >= self.until:
            return False
        heapq.heappush(self._queue, (when, next(self._order), action))
        return True

    def run(self) -> None:
        """Run every scheduled action in time order (ties in the order they were scheduled)."""
        while self._queue:
            when, _, action = heapq.heappop(self._queue)
            self.clock.at = when
            action()
