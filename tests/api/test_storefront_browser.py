"""The storefront in a real browser (Debian's chromium via Playwright) against the real server:
browse a category, search, open a product, add it to the basket, apply a coupon, see the saving,
place the pickup order; then the store collects it in the desktop Orders tab (pytest-qt).

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
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from posapp.api.storefront.render import money
from posapp.currency import currency_for
from posapp.money import set_current_currency
from posapp.services.backend import Backend
from posapp.services.catalog import ProductDraft, prepare_image
from posapp.services.coupons import CampaignDraft
from posapp.services.sales import WebOrderStatus
from posapp.services.stock import StockLine, receive_stock
from posapp.ui.kit.bus import EventBus
from posapp.ui.orders.listing import OrderListView
from posapp.ui.register.payment import PaymentDialog
from tests.api import browser
from tests.api.browser import chromium
from tests.api.conftest import Catalog, Shop
from tests.api.server import Running
from tests.ui.lifetime_support import OFFSCREEN_LIMITATIONS
from tests.ui.test_register import activate, answering

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


def _bake_a_pie(backend: Backend, shop: Shop, catalog: Catalog) -> int:
    """The shop's name, a SPRING10 campaign, and an apple pie with its picture, 5 in stock."""
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
    return pie


@pytest.mark.parametrize("db_kind", ["sqlite"])
@pytest.mark.ui
@pytest.mark.qt_log_ignore(OFFSCREEN_LIMITATIONS)
def test_a_customer_finds_a_product_and_saves_with_a_coupon(
    server: Running, backend: Backend, shop: Shop, catalog: Catalog, db_kind: str, qtbot: QtBot
) -> None:
    """Category → subcategory → search → product (with its picture) → basket → coupon →
    a pickup order placed; then the store finds it in the desktop Orders tab, makes it ready,
    takes the money at the counter and hands it over."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)  # its own default is 5 s: CI is a busy box

    pie = _bake_a_pie(backend, shop, catalog)
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

        number = _place_order(page)
    placed = backend.sales.web_order_status(number, "ada@example.com")
    shown = (expected.total_minor, expected.coupon.saving_minor)
    _collect_in_the_orders_tab(qtbot, backend, shop, catalog.store, placed, shown)


def _collect_in_the_orders_tab(
    qtbot: QtBot,
    backend: Backend,
    shop: Shop,
    store_id: int,
    placed: WebOrderStatus,
    shown: tuple[int, int],
) -> None:
    """The web order (its total and coupon saving as the customer saw them) in the real Orders
    tab: ready, paid in cash at the counter, collected."""
    assert (placed.total_minor, placed.coupon_minor) == shown
    cashier = shop.users["till"]
    backend.sales.open_till(cashier, store_id, 0)
    view = OrderListView(backend.sales, EventBus(), cashier)
    qtbot.add_widget(view)
    activate(qtbot, view)
    view.ensure_loaded()
    view.pickup_check.setChecked(True)
    qtbot.wait_until(lambda: view.model.rowCount() == 1)
    view.table.selectRow(0)
    qtbot.wait_until(lambda: view.detail.order_id == placed.order_id)
    view.detail.action_buttons["ready"].click()
    qtbot.wait_until(lambda: "ready" not in view.detail.action_buttons)
    qtbot.wait_until(view.detail.action_buttons["pay"].isVisible)

    def pay_cash(dialog: QDialog) -> None:
        assert isinstance(dialog, PaymentDialog)
        assert dialog.total_minor == placed.total_minor
        qtbot.wait_until(dialog.isActiveWindow)
        QTest.keyClicks(dialog.amount_edit, "30")
        QTest.keyClick(dialog.amount_edit, Qt.Key.Key_Return)
        assert dialog.placed is not None
        qtbot.wait_until(dialog.isActiveWindow)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    with answering(pay_cash):
        view.detail.action_buttons["pay"].click()
    qtbot.wait_until(lambda: "collect" in view.detail.action_buttons)
    view.detail.action_buttons["collect"].click()
    qtbot.wait_until(
        lambda: backend.sales.order_detail(cashier, placed.order_id).status == "collected"
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
