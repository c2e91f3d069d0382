"""The storefront's basket: a signed cookie, so the server keeps no state per visitor.

The cookie holds the lines (product id, quantity), the coupon code the visitor entered and a
random form token; it is ``payload.signature`` with an HMAC-SHA256 of the payload under the
server's key. The signature is what makes the coupon's rate limit hold: a code only gets into
the cookie through the (rate-limited) coupon form, never by editing the cookie. Prices are
never in it: every page prices the lines again from the catalog.

Forms are protected against cross-site posting three ways: the cookie is ``SameSite=Lax``, a
form's hidden ``token`` must equal the signed cookie's (a page on another site can read
neither), and a request whose ``Origin`` names another site is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field, replace
from typing import Final

from posapp.services.sales import BASKET_LINES_MAX, COUPON_CODE_MAX, QUANTITY_MAX

COOKIE: Final = "posapp_basket"
COOKIE_MAX: Final = 3000
"""Longest cookie read (50 lines of two big numbers fit; browsers keep 4 KB)."""
MAX_AGE: Final = 14 * 24 * 3600
"""A basket is kept two weeks."""


@dataclass(frozen=True, slots=True)
class Basket:
    """What a visitor has chosen: lines in the order added, a coupon code, a form token."""

    lines: tuple[tuple[int, int], ...] = ()
    code: str | None = None
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18))

    @property
    def count(self) -> int:
        """Units in the basket."""
        return sum(quantity for _, quantity in self.lines)

    def quantity_of(self, product_id: int) -> int:
        """Units of ``product_id`` in the basket (0: none)."""
        return dict(self.lines).get(product_id, 0)

    def with_quantity(self, product_id: int, quantity: int) -> Basket:
        """The basket with ``product_id`` at ``quantity`` (0 removes it), kept within limits."""
        quantity = max(0, min(QUANTITY_MAX, quantity))
        lines = dict(self.lines)
        if quantity == 0:
            lines.pop(product_id, None)
        elif product_id in lines or len(lines) < BASKET_LINES_MAX:
            lines[product_id] = quantity
        return replace(self, lines=tuple(lines.items()))

    def with_code(self, code: str | None) -> Basket:
        """The basket with ``code`` as its coupon (None: none)."""
        cleaned = None if code is None else " ".join(code.split())[:COUPON_CODE_MAX] or None
        return replace(self, code=cleaned)

    def emptied(self) -> Basket:
        """An empty basket keeping the form token."""
        return Basket(token=self.token)


def _sign(key: bytes, payload: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, payload, hashlib.sha256).digest()).decode()


def dump(basket: Basket, key: bytes) -> str:
    """The cookie value of ``basket``."""
    data = {"l": [list(line) for line in basket.lines], "c": basket.code, "t": basket.token}
    payload = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    return f"{payload.decode()}.{_sign(key, payload)}"


def _line(item: object) -> tuple[int, int] | None:
    if not isinstance(item, list) or len(item) != 2:  # noqa: PLR2004 - a pair
        return None
    product_id, quantity = item
    if type(product_id) is not int or type(quantity) is not int:
        return None
    if product_id < 1 or not 1 <= quantity <= QUANTITY_MAX:
        return None
    return product_id, quantity


def load(value: str | None, key: bytes) -> Basket | None:
    """The basket in a cookie value, or None when it is absent, altered or malformed."""
    if not value or len(value) > COOKIE_MAX or not value.isascii() or value.count(".") != 1:
        return None
    payload_text, signature = value.split(".")
    payload = payload_text.encode("ascii")
    if not hmac.compare_digest(_sign(key, payload).encode(), signature.encode()):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    raw_lines, code, token = data.get("l"), data.get("c"), data.get("t")
    if not isinstance(raw_lines, list) or not isinstance(token, str) or not token:
        return None
    lines = [_line(item) for item in raw_lines[:BASKET_LINES_MAX]]
    return Basket(
        tuple(line for line in lines if line is not None),
        code if isinstance(code, str) and code else None,
        token,
    )
