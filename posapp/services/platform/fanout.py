"""A publisher that hands each committed event to several publishers, isolating their failures."""

from __future__ import annotations

import contextlib
import logging

from posapp.events import DomainEvent, Publisher

_log = logging.getLogger(__name__)


class Fanout:
    """A publisher that hands each event to several publishers, in order, isolating failures.

    The composition root gives this to the ``Backend`` (the background runner, then the bus):
    one publisher raising must not stop the others, nor make an action that has committed look
    failed.
    """

    def __init__(self, *publishers: Publisher) -> None:
        self._publishers: list[Publisher] = list(publishers)

    def add(self, publisher: Publisher) -> None:
        """Also publish to ``publisher`` from now on."""
        self._publishers.append(publisher)

    def remove(self, publisher: Publisher) -> None:
        """Stop publishing to ``publisher`` (a no-op if it is not there)."""
        with contextlib.suppress(ValueError):
            self._publishers.remove(publisher)

    def __call__(self, event: DomainEvent) -> None:
        """Publish ``event`` to each publisher; failures are logged, never raised."""
        for publisher in list(self._publishers):
            try:
                publisher(event)
            except Exception:
                _log.exception("a publisher failed on %r", event)
