"""The storefront's plumbing: reading forms and the basket cookie, answering with a page.

Kept apart from the routes (:mod:`posapp.api.storefront.pages`) so that each route reads as
what it shows. Every page goes out with a Content-Security-Policy that allows nothing from
elsewhere and no script at all (the storefront has none).
"""

from __future__ import annotations

import hmac
from typing import Final
from urllib.parse import parse_qsl, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment
from starlette.exceptions import HTTPException

from posapp.api.auth import backend_of
from posapp.api.storefront import basket as cookies
from posapp.api.storefront.basket import Basket

CSP: Final = (
    "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
FORM_FIELDS_MAX: Final = 20
EXPIRED: Final = "This form has expired: go back, reload the page and try again."
NUMBER_DIGITS_MAX: Final = 19


def environment_of(request: Request) -> Environment:
    """The app's template environment."""
    env = request.app.state.storefront_templates
    assert isinstance(env, Environment)
    return env


def key_of(request: Request) -> bytes:
    """The key the basket cookie is signed with."""
    key = request.app.state.storefront_key
    assert isinstance(key, bytes)
    return key


def basket_of(request: Request) -> Basket:
    """The visitor's basket (a new, empty one when the cookie is absent or not ours)."""
    found = cookies.load(request.cookies.get(cookies.COOKIE), key_of(request))
    return found or Basket()


def keep(request: Request, response: Response, basket: Basket) -> Response:
    """Set the basket cookie on ``response`` (HttpOnly, SameSite=Lax; Secure over HTTPS)."""
    response.set_cookie(
        cookies.COOKIE,
        cookies.dump(basket, key_of(request)),
        max_age=cookies.MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


def page(
    request: Request, template: str, basket: Basket, status: int = 200, **context: object
) -> HTMLResponse:
    """Render ``template`` inside the shop's frame and keep the basket cookie."""
    backend = backend_of(request)
    profile = backend.shop.shop_profile()
    frame = {
        "shop_name": profile.legal_name.strip() or "Our shop",
        "shop_address": profile.address,
        "has_logo": bool(profile.logo),
        "categories": backend.catalog.public_categories(),
        "basket_count": basket.count,
        "token": basket.token,
        "query": "",
    }
    html = environment_of(request).get_template(template).render(frame | context)
    # same-origin: a form's POST then carries our Origin (no-referrer would send "null").
    headers = {"Content-Security-Policy": CSP, "Referrer-Policy": "same-origin"}
    response = HTMLResponse(html, status_code=status, headers=headers)
    keep(request, response, basket)
    return response


def see_other(request: Request, where: str, basket: Basket) -> Response:
    """Redirect (303) to ``where`` after a form, keeping the basket."""
    return keep(request, RedirectResponse(where, status_code=303), basket)


async def form_of(request: Request) -> dict[str, str]:
    """The fields of an urlencoded form (at most 20; the body limit holds its size)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(415, "Send the form as the page does.")
    body = await request.body()
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=FORM_FIELDS_MAX
        )
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "The form could not be read: reload the page.") from None
    return dict(pairs)


def checked_basket(request: Request, form: dict[str, str]) -> Basket:
    """The basket of a posted form, once the form is shown to come from our own page.

    Raises:
        HTTPException: 403 when the Origin names another host (or is "null") or the form
            token does not match.
    """
    # The host is compared, not the scheme: behind a proxy that terminates TLS the server may
    # see http while the browser says https.
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.url.netloc:
        raise HTTPException(403, "Forms are only taken from this shop's own pages.")
    found = cookies.load(request.cookies.get(cookies.COOKIE), key_of(request))
    token = form.get("token", "")
    if found is None or not hmac.compare_digest(found.token.encode(), token.encode()):
        raise HTTPException(403, EXPIRED)
    return found


def number(form: dict[str, str], name: str, low: int, high: int, label: str) -> int:
    """A whole number field between ``low`` and ``high``.

    Raises:
        HTTPException: 422 with a sentence naming ``label`` otherwise.
    """
    text = form.get(name, "").strip()
    if text.isascii() and text.isdigit() and len(text) <= NUMBER_DIGITS_MAX:
        value = int(text)
        if low <= value <= high:
            return value
    raise HTTPException(422, f"{label} must be a whole number from {low} to {high}.")
