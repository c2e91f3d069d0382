"""The API application: FastAPI over a :class:`Backend`, with its limits and error handling.

Built by :func:`create_app` (``posapp serve`` runs it on uvicorn; tests start it the same way).
Layers from the outside in: the body size limit, the per-address rate limit, the optional CORS
(closed unless origins are given), then the routes, whose per-token limit and scope check run
as a dependency before any use case.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from posapp.api import catalog, coupons, orders, problems, staff, storefront, users
from posapp.api.limits import BodyLimit, Rate, RateLimitByAddress, TokenBuckets
from posapp.services.backend import Backend

OPENAPI_URL = "/api/v1/openapi.json"
ADDRESS_RATE = Rate(burst=120, per_second=20.0)
TOKEN_RATE = Rate(burst=60, per_second=10.0)
COUPON_RATE = Rate(burst=10, per_second=0.2)


@dataclass(frozen=True, slots=True)
class ApiConfig:
    """The API's limits.

    Attributes:
        max_body_bytes: The largest request body accepted (413 above it).
        address_rate: Requests per client address (429 above it), before any token is read.
        token_rate: Requests per API token (429 above it).
        cors_origins: Origins a browser may call from (none: CORS stays closed).
        coupon_rate: Coupon checks per client address (the API's and the storefront's form
            together), so that codes cannot be guessed by trying.
        cookie_key: Signs the storefront's basket cookies; None: a random key per start
            (baskets then empty when the server restarts).
    """

    max_body_bytes: int = 64 * 1024
    address_rate: Rate = ADDRESS_RATE
    token_rate: Rate = TOKEN_RATE
    cors_origins: tuple[str, ...] = field(default=())
    coupon_rate: Rate = COUPON_RATE
    cookie_key: bytes | None = field(default=None, repr=False)


class SecurityHeaders:
    """Headers every answer carries: no sniffing, no framing, no caching, no referrer.

    A route may set its own ``Cache-Control`` (public product images) or ``Referrer-Policy``
    (the storefront's pages, whose forms need the browser to send their origin): those stay.
    """

    _HEADERS = (
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"cache-control", b"no-store"),
        (b"referrer-policy", b"no-referrer"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to the response's start."""

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                named = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in self._HEADERS if name not in named]
                message["headers"] = headers
            await send(message)

        await self._app(scope, receive, with_headers)


def create_app(backend: Backend, config: ApiConfig | None = None) -> FastAPI:
    """The API over ``backend``: routes, problem+json errors and the limits of ``config``."""
    config = config or ApiConfig()
    app = FastAPI(
        title="posapp API",
        version="1",
        description="The shop's HTTP API (docs/API.md). Errors are RFC 9457 problem+json.",
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
    )
    app.state.backend = backend
    app.state.token_buckets = TokenBuckets(config.token_rate)
    app.state.coupon_buckets = TokenBuckets(config.coupon_rate)
    app.include_router(users.router)
    app.include_router(catalog.router)
    app.include_router(coupons.router)
    app.include_router(orders.router)
    app.include_router(staff.router)
    storefront.install(app, config.cookie_key or secrets.token_bytes(32))
    problems.install(app, html=storefront.error_page)
    # add_middleware wraps: the last added runs first.
    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        )
    app.add_middleware(RateLimitByAddress, buckets=TokenBuckets(config.address_rate))
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app
