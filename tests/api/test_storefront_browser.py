"""The storefront in a real browser (Debian's chromium via Playwright) against the real server:
browse a category, search, open a product, add it to the basket, apply a coupon, see the saving.

Every wait is on a condition with a generous limit (30 s), never on time: CI is a busy box.
"""

from __future__ import annotations

import io
import pathlib
import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from posapp.api.storefront.render import money
from posapp.currency import currency_for
from posapp.money import set_current_currency
from posapp.services.backend import Backend
from posapp.services.catalog import ProductDraft, prepare_image
from posapp.services.coupons import CampaignDraft
from posapp.services.stock import StockLine, receive_stock
from tests.api import browser
from tests.api.browser import chromium
from tests.api.conftest import Catalog, Shop
from tests.api.server import Running

if TYPE_CHECKING:
    from playwright.sync_api import Page

WAIT_MS = 30_000


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "#c0392b").save(buffer, "JPEG")
    return buffer.getvalue()


def _place_order(page: Page) -> str:
    """From the basket: checkout, fill the form, place the order; its number."""
    from playwright.sync_api import expect

    page.get_by_role("link", name="Go to checkout").click()
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_role("button", name=re.compile("Place the order")).click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Order \S+$"))
    expect(page.get_by_role("status")).to_contain_text("your order is placed")
    return heading.inner_text().removeprefix("Order ")


@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_a_customer_finds_a_product_and_saves_with_a_coupon(
    server: Running, backend: Backend, shop: Shop, catalog: Catalog, db_kind: str
) -> None:
    """Category → subcategory → search → product (with its picture) → basket → coupon →
    a pickup order placed."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)  # its own default is 5 s: CI is a busy box

    set_current_currency(currency_for("EUR"))
    root = shop.users["root"]
    backend.shop.change_setting(root, "shop.legal_name", "Corner Grocer")
    draft = CampaignDraft("Spring", "percent", 1000, backend.clock() - timedelta(days=1))
    backend.coupons.create_campaign(root, draft, shared_code="SPRING10")
    pie = backend.catalog.create_product(
        root,
        ProductDraft(sku="PIE-1", name="Apple pie, homemade", price_minor=1250,
                     category_id=catalog.food, description="Baked this morning."),
        [prepare_image(_photo(), "pie.jpg")],
    ).id  # fmt: skip
    receive_stock(backend.uow(), root, catalog.store, [StockLine(pie, 5)], reference="oven")
    expected = backend.sales.public_basket([(pie, 2)], "SPRING10")
    assert expected.coupon is not None
    saving = money(expected.coupon.saving_minor)

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(WAIT_MS)
        page.goto(server.url)
        expect(page).to_have_title(re.compile("Corner Grocer"))
        page.keyboard.press("Tab")  # the first stop is the skip link
        expect(page.get_by_role("link", name="Skip to the content")).to_be_focused()

        nav = page.get_by_role("navigation", name="Categories")
        nav.get_by_role("link", name="Food").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Food")
        page.get_by_role("link", name="Fruit").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Fruit")
        expect(page.get_by_role("link", name="Apple 0")).to_be_visible()

        search = page.get_by_label("Search the shop")
        search.fill("apple pie")
        search.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Search: apple pie")
        page.get_by_role("link", name="Apple pie, homemade").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Apple pie, homemade")
        picture = page.get_by_role("img", name="Apple pie, homemade")
        expect(picture).to_be_visible()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth === 400", arg=picture.element_handle()
        )
        expect(page.locator(".price.big")).to_have_text(money(1250))
        page.get_by_label("Quantity").fill("2")
        page.get_by_role("button", name="Add to basket").click()

        expect(page).to_have_url(f"{server.url}/basket")
        expect(page.get_by_role("row", name=re.compile("Apple pie, homemade"))).to_be_visible()
        expect(page.locator(".basket-link .count")).to_contain_text("2")
        page.get_by_label("Coupon code").fill("spring10")
        page.get_by_role("button", name="Apply").click()

        status = page.get_by_role("status")
        expect(status).to_contain_text("Coupon SPRING10 applied")
        expect(status).to_contain_text(f"you save {saving}")
        expect(page.locator(".totals .total dd")).to_have_text(money(expected.total_minor))
        assert expected.total_minor == 2 * 1250 - expected.coupon.saving_minor

        placed = backend.sales.web_order_status(_place_order(page), "ada@example.com")
        assert (placed.total_minor, placed.coupon_minor) == (
            expected.total_minor,
            expected.coupon.saving_minor,
        )


def test_a_missing_browser_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    """Without chromium the browser test FAILS under CI=true and skips elsewhere."""
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"), browser.chromium():
        pass
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception), browser.chromium():
        pass
