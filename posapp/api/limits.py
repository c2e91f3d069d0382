"""Abuse limits: request body size and rate (a token bucket per client address and per token).

In-process, as the API runs in one process beside one database: the buckets live in memory and
reset with the server. Both are pure ASGI middleware or plain objects, so a refused request
costs no database work.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from posapp.api.problems import PROBLEM


@dataclass(frozen=True, slots=True)
class Rate:
    """``burst`` requests at once, refilled at ``per_second``."""

    burst: int
    per_second: float


class TokenBuckets:
    """One token bucket per key (a client address, an API token), oldest keys forgotten first.

    Args:
        rate: The bucket's size and refill rate.
        clock: Seconds, monotonic (tests may inject one).
        max_keys: How many keys are remembered (a flood of new addresses cannot fill memory).
    """

    def __init__(
        self, rate: Rate, clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000
    ) -> None:
        self._rate = rate
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token for ``key``: 0.0 if allowed, else the seconds until one is free."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (float(self._rate.burst), now))
            tokens = min(float(self._rate.burst), tokens + (now - at) * self._rate.per_second)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self._rate.per_second
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
            return wait


def _problem_bytes(status: int, detail: str) -> bytes:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    return json.dumps(body | {"detail": detail}).encode()


async def send_problem(
    send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Answer with a problem+json body straight from ASGI middleware."""
    body = _problem_bytes(status, detail)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM.encode()),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def retry_after(wait: float) -> list[tuple[bytes, bytes]]:
    """The Retry-After header for a wait in seconds (whole seconds, at least 1)."""
    return [(b"retry-after", str(max(1, int(wait + 0.999))).encode())]


TOO_MANY = "Too many requests: slow down and try again after the Retry-After seconds."


class RateLimitByAddress:
    """Refuse (429) a client address that sends faster than its bucket allows."""

    def __init__(self, app: ASGIApp, buckets: TokenBuckets) -> None:
        self._app = app
        self._buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Let the request through, or answer 429."""
        if scope["type"] == "http":
            client = scope.get("client")
            wait = self._buckets.take(client[0] if client else "unknown")
            if wait > 0:
                await send_problem(send, 429, TOO_MANY, retry_after(wait))
                return
        await self._app(scope, receive, send)


class BodyTooLargeError(HTTPException):
    """The request's body grew past the limit while it was read (answered as a 413 problem)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body is larger than {max_bytes:,} bytes.")


class BodyLimit:
    """Refuse (413) a request whose body is larger than ``max_bytes``, announced or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self._app = app
        self._max = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count the bytes as they arrive."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        detail = f"The request body is larger than {self._max:,} bytes."
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > self._max):
                await send_problem(send, 413, detail)
                return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self._max:
                    raise BodyTooLargeError(self._max)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self._app(scope, counted, watched)
        except BodyTooLargeError:
            if not started:
                await send_problem(send, 413, detail)
