"""The storefront: the shop's small web site at ``/``, server-rendered, no script.

See docs/STOREFRONT.md.

It is part of the HTTP edge (it imports service faces and DTOs only) and runs in the same app as
the JSON API: :func:`install` adds its pages, its style sheet and the shop's logo, and gives
errors outside ``/api/`` as pages instead of problem+json.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from posapp.api.auth import backend_of
from posapp.api.storefront import checkout, pages
from posapp.api.storefront.render import HERE, environment
from posapp.api.storefront.web import basket_of, page

__all__ = ["error_page", "install"]

ASSET_MAX_AGE: Final = 3600
_CSS: Final = (HERE / "static" / "shop.css").read_bytes()
assets = APIRouter(include_in_schema=False)


@assets.get("/static/shop.css")
def style_sheet() -> Response:
    """The storefront's one style sheet."""
    cache = {"Cache-Control": f"public, max-age={ASSET_MAX_AGE}"}
    return Response(_CSS, media_type="text/css", headers=cache)


@assets.get("/shop/logo.png")
def logo(request: Request) -> Response:
    """The shop's logo from its profile (PNG; 404 while it has none)."""
    data = backend_of(request).shop.shop_logo()
    if not data:
        return Response(status_code=404)
    cache = {"Cache-Control": f"public, max-age={ASSET_MAX_AGE}"}
    return Response(data, media_type="image/png", headers=cache)


def error_page(request: Request, status: int, detail: str) -> Response:
    """An error as a page of the shop (a bare one if even that cannot be drawn)."""
    try:
        return page(request, "error.html", basket_of(request), status, title="Sorry", detail=detail)
    except Exception:  # the database may be what failed: still answer
        bare = "<!doctype html><title>Sorry</title><p>Something went wrong. Try again later.</p>"
        return HTMLResponse(bare, status_code=status)


def install(app: FastAPI, key: bytes) -> None:
    """Serve the storefront from ``app``, its basket cookies signed with ``key``."""
    app.state.storefront_templates = environment()
    app.state.storefront_key = key
    app.include_router(pages.router)
    app.include_router(checkout.router)
    app.include_router(assets)
