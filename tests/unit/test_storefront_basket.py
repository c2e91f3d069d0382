"""The storefront's basket cookie: what it keeps, and that an altered or odd cookie is no basket."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from posapp.api.storefront.basket import COOKIE_MAX, Basket, dump, load

KEY = b"k" * 32


def signed(data: object) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(data).encode())
    mac = base64.urlsafe_b64encode(hmac.new(KEY, payload, hashlib.sha256).digest()).decode()
    return f"{payload.decode()}.{mac}"


def test_a_basket_goes_there_and_back() -> None:
    basket = Basket().with_quantity(7, 2).with_quantity(3, 999).with_code(" spring - 10 ")
    again = load(dump(basket, KEY), KEY)
    assert again == basket
    assert again is not None
    assert (again.count, again.code, again.quantity_of(7)) == (1001, "spring - 10", 2)
    assert again.with_quantity(7, 0).lines == ((3, 999),)
    assert again.with_quantity(3, 10**12).quantity_of(3) == 999
    assert load(dump(basket, KEY), b"another key" * 3) is None


def test_at_most_fifty_products() -> None:
    basket = Basket()
    for product_id in range(1, 60):
        basket = basket.with_quantity(product_id, 1)
    assert len(basket.lines) == 50
    assert len(dump(basket.with_quantity(2**63 - 1, 999), KEY)) < COOKIE_MAX


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        ".",
        "a.b.c",
        "x" * (COOKIE_MAX + 1),
        "%%%.%%%",
        "é.é",
        signed([1, 2]),
        signed({"l": "no", "t": "tok"}),
        signed({"l": [], "t": ""}),
        signed({"l": []}),
    ],
)
def test_odd_cookies_are_no_basket(value: str | None) -> None:
    assert load(value, KEY) is None


def test_odd_lines_are_dropped() -> None:
    lines = [[1, 2], [0, 1], [-1, 1], [2, 0], [3, 1000], [True, 1], [4, 1.5], ["5", 1], [6], 7]
    found = load(signed({"l": lines, "c": 12, "t": "tok"}), KEY)
    assert found is not None
    assert (found.lines, found.code, found.token) == (((1, 2),), None, "tok")
