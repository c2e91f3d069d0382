"""The storefront's pages over the real server with httpx: what they show, escaping of hostile
names, the basket cookie, its forms' protection, bad quantities and the coupon's limit."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from posapp.api import ApiConfig, create_app
from posapp.api.limits import Rate
from posapp.api.storefront.basket import COOKIE
from posapp.currency import currency_for
from posapp.money import set_current_currency
from posapp.services.backend import Backend
from posapp.services.catalog import ProductDraft
from posapp.services.coupons import CampaignDraft
from posapp.services.platform.chain_key import derived_key
from tests.api.conftest import Catalog, Shop
from tests.api.server import serving

HOSTILE = [
    "<script>alert(1)</script>",
    "\u202eevil\u202c عربي",
    "🍎 Äpfel & <b>bold</b>",
]


def token_of(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "the page has a form token"
    return found.group(1)


def post(client: httpx.Client, path: str, **fields: str) -> httpx.Response:
    return client.post(path, data=fields)


@pytest.fixture
def euro() -> None:
    set_current_currency(currency_for("EUR"))


def test_pages_show_the_catalog_in_the_shops_currency(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog, euro: None
) -> None:
    """Home, a category, a search and a product: HTML with a strict CSP, prices in euros."""
    backend.shop.change_setting(shop.users["root"], "shop.legal_name", "Corner Grocer")
    home = client.get("/")
    assert home.status_code == 200
    assert home.headers["content-type"].startswith("text/html")
    assert "script-src" not in home.headers["content-security-policy"]
    assert "default-src 'none'" in home.headers["content-security-policy"]
    assert "Corner Grocer" in home.text
    assert "€1.00" in home.text
    assert 'href="/category/' in home.text
    fruit = client.get(f"/category/{catalog.fruit}").text
    assert "Apple 0" in fruit
    assert "Banana 1" not in fruit  # a Food product, not a Fruit one
    found = client.get("/search", params={"q": "apple pie"}).text
    assert "apple pie 3" in found
    assert "Banana" not in found
    page = client.get(f"/product/{catalog.products[0]}").text
    assert "Alpha store" in page
    assert "7 in stock" in page
    assert 'for="quantity"' in page
    assert client.get("/static/shop.css").headers["content-type"].startswith("text/css")


def test_hostile_names_are_shown_as_text(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    """Products, categories, the shop's name and a search text with markup, RTL and emoji."""
    root = shop.users["root"]
    backend.shop.change_setting(root, "shop.legal_name", "<i>Shop</i> & co")
    category = backend.catalog.create_category(root, '<img src=x onerror=alert(1) & "q"')
    ids = [
        backend.catalog.create_product(
            root,
            ProductDraft(
                sku=f"BAD-{n}",
                name=name,
                description=name,
                price_minor=100,
                category_id=category.id,
            ),
        ).id
        for n, name in enumerate(HOSTILE)
    ]
    pages = [
        client.get("/").text,
        client.get(f"/category/{category.id}").text,
        client.get("/search", params={"q": "<script>alert(1)</script>"}).text,
        *(client.get(f"/product/{product_id}").text for product_id in ids),
    ]
    for html in pages:
        assert "<script" not in html
        assert "<b>" not in html
        assert "<i>Shop" not in html
        assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[3]
    assert "\u202eevil\u202c عربي" in pages[4]
    assert 'dir="auto">🍎 Äpfel &amp; &lt;b&gt;bold&lt;/b&gt;' in pages[5]
    assert "&lt;i&gt;Shop&lt;/i&gt; &amp; co" in pages[0]


def test_basket_and_coupon_through_the_forms(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog, euro: None
) -> None:
    """Add, change, apply a coupon (the saving shown), remove it, remove a line."""
    draft = CampaignDraft("Spring", "percent", 1000, backend.clock() - timedelta(days=1))
    backend.coupons.create_campaign(shop.users["root"], draft, shared_code="SPRING10")
    first, second = catalog.products[0], catalog.products[1]
    token = token_of(client.get(f"/product/{first}").text)
    added = post(client, "/basket/add", token=token, product_id=str(first), quantity="2")
    assert added.status_code == 303
    assert added.headers["location"] == "/basket"
    post(client, "/basket/add", token=token, product_id=str(second), quantity="1")
    basket = client.get("/basket").text
    assert "Apple 0" in basket
    assert "Banana 1" in basket
    assert "€3.01" in basket
    post(client, "/basket/coupon", token=token, code=" spring-10 ")
    basket = client.get("/basket").text
    assert "Coupon <strong>SPRING10</strong> applied" in basket
    assert "you save <strong>€0.30</strong>" in basket
    assert "€2.71" in basket
    post(client, "/basket/coupon", token=token, code="NOPE")
    assert "We do not know that code" in client.get("/basket").text
    post(client, "/basket/coupon", token=token, remove="1")
    assert "We do not know" not in client.get("/basket").text
    post(client, "/basket/update", token=token, product_id=str(first), quantity="0")
    basket = client.get("/basket").text
    assert "Apple 0" not in basket
    assert "€1.01" in basket
    checkout = client.get("/checkout").text
    assert 'action="/checkout"' in checkout
    assert "Banana 1" in checkout


def test_forms_refuse_other_sites_and_altered_cookies(
    client: httpx.Client, catalog: Catalog
) -> None:
    """No token, a wrong one, another site's Origin, an edited cookie, a JSON body: refused."""
    first = str(catalog.products[0])
    token = token_of(client.get(f"/product/{first}").text)
    cookie = client.cookies[COOKIE]
    refused = [
        post(client, "/basket/add", product_id=first, quantity="1"),
        post(client, "/basket/add", token="x" + token, product_id=first, quantity="1"),
        *(
            client.post(
                "/basket/add",
                data={"token": token, "product_id": first, "quantity": "1"},
                headers={"Origin": origin},
            )
            for origin in ("https://evil.example", "null", "http://127.0.0.1.evil.example")
        ),
    ]
    for answer in refused:
        assert answer.status_code == 403, answer.text
        assert answer.headers["content-type"].startswith("text/html")
        assert "Sorry" in answer.text
    payload, signature = cookie.split(".")
    client.cookies.set(COOKIE, payload[:-2] + "AA." + signature)
    edited = post(client, "/basket/add", token=token, product_id=first, quantity="1")
    assert edited.status_code == 403
    client.cookies.set(COOKIE, cookie)
    as_json = client.post("/basket/add", json={"token": token, "product_id": first})
    assert as_json.status_code == 415
    assert client.get("/basket").text.count('class="qty"') == 0  # nothing was added
    host = httpx.URL(str(client.base_url)).netloc.decode()
    behind_tls = client.post(  # a proxy terminating TLS: the browser says https, we see http
        "/basket/add",
        data={"token": token, "product_id": first, "quantity": "1"},
        headers={"Origin": f"https://{host}"},
    )
    assert behind_tls.status_code == 303


@pytest.mark.parametrize(
    "quantity", ["", " ", "0", "-1", "1.5", "１２", "٥", "1e3", "9" * 30, "1000"]
)
def test_bad_quantities_are_a_page_saying_why(
    client: httpx.Client, catalog: Catalog, quantity: str
) -> None:
    """Each bad quantity: 422 with a sentence, the basket unchanged."""
    first = str(catalog.products[0])
    token = token_of(client.get(f"/product/{first}").text)
    answer = post(client, "/basket/add", token=token, product_id=first, quantity=quantity)
    assert answer.status_code == 422, quantity
    assert "The quantity must be a whole number from 1 to 999." in answer.text
    assert "Your basket is empty" in client.get("/basket").text


def test_unknown_pages_are_pages(client: httpx.Client, catalog: Catalog) -> None:
    """A missing or archived product, a bad id, an unknown path: a page of the shop, no JSON."""
    for path, status in [
        (f"/product/{catalog.archived}", 404),
        ("/product/999999", 404),
        (f"/product/{2**64}", 404),
        ("/product/abc", 422),
        ("/category/999999", 404),
        ("/nowhere", 404),
    ]:
        answer = client.get(path)
        assert answer.status_code == status, path
        assert answer.headers["content-type"].startswith("text/html"), path
        assert 'href="/"' in answer.text


@pytest.mark.parametrize(
    "api_config", [ApiConfig(coupon_rate=Rate(burst=2, per_second=0.001))], ids=["2 tries"]
)
def test_the_coupon_form_shares_the_coupon_limit(
    client: httpx.Client, catalog: Catalog, api_config: ApiConfig
) -> None:
    """Two codes through the form, a third through the API: 429 (one bucket per address)."""
    first = str(catalog.products[0])
    token = token_of(client.get(f"/product/{first}").text)
    for code in ("ONE", "TWO"):
        assert post(client, "/basket/coupon", token=token, code=code).status_code == 303
    third = client.post("/api/v1/coupons/validate", json={"code": "THREE", "lines": []})
    assert third.status_code == 429
    form = post(client, "/basket/coupon", token=token, code="FOUR")
    assert form.status_code == 429
    assert "Too many coupon checks" in form.text


def test_goods_sold_by_weight_show_their_unit_and_stay_in_the_shop(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog, euro: None
) -> None:
    """A kg product: priced per kg, no basket form, and a forged add is refused."""
    cheese = backend.catalog.create_product(
        shop.users["root"], ProductDraft(sku="CHZ", name="Cheddar", price_minor=1290, unit="kg")
    ).id
    page = client.get(f"/product/{cheese}").text
    assert "€12.90/kg" in page
    assert "Sold by weight or length" in page
    assert 'action="/basket/add"' not in page
    token = token_of(client.get(f"/product/{catalog.products[0]}").text)
    refused = post(client, "/basket/add", token=token, product_id=str(cheese), quantity="1")
    assert refused.status_code == 422
    assert "Cheddar is sold by weight or length" in refused.text


def _basket_after(backend: Backend, config: ApiConfig, cookies: dict[str, str]) -> str:
    """The basket page of a server started anew with ``config``, for a shopper's cookies."""
    with (
        serving(create_app(backend, config), backend) as running,
        httpx.Client(base_url=running.url, timeout=30, cookies=cookies) as http,
    ):
        return http.get("/basket").text


def test_a_basket_outlives_a_restart_of_posapp_serve(
    backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    """``posapp serve`` signs basket cookies with a key kept for the database, not one per start."""
    keyed = ApiConfig(cookie_key=derived_key(backend.database.url, "storefront cookies"))
    first = catalog.products[0]
    with (
        serving(create_app(backend, keyed), backend) as before,
        httpx.Client(base_url=before.url, timeout=30) as http,
    ):
        token = token_of(http.get(f"/product/{first}").text)
        post(http, "/basket/add", token=token, product_id=str(first), quantity="2")
        cookies = {COOKIE: http.cookies[COOKIE]}
    again = ApiConfig(cookie_key=derived_key(backend.database.url, "storefront cookies"))
    assert again.cookie_key == keyed.cookie_key
    assert again.cookie_key != derived_key(backend.database.url, "another purpose")
    assert "Apple 0" in _basket_after(backend, again, cookies)
    assert "Apple 0" not in _basket_after(backend, ApiConfig(), cookies)  # a key per start
