"""Render the storefront into docs/screenshots/ at desktop and phone width (run by hand).

Usage::

    .venv/bin/python -m tests.api.make_screenshots_storefront

The demo shop (``posapp.demo.load_demo``) in a temporary SQLite file, in pounds, with a name,
an address and a logo, served by the real server and shot with the browser test's chromium.
"""

from __future__ import annotations

import functools
import io
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import Page

from posapp.api import ApiConfig, create_app
from posapp.api.limits import Rate
from posapp.demo import load_demo
from posapp.events import RecordingPublisher
from posapp.services.backend import Backend
from posapp.services.coupons import CampaignDraft, create_campaign
from posapp.services.platform.db import open_database
from posapp.services.shop import change_setting, set_logo
from posapp.services.staff import users
from tests.api.browser import chromium
from tests.api.server import serving

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = {"": (1280, 860), "_phone": (390, 844)}
OPEN = Rate(burst=100_000, per_second=100_000.0)


def _logo(path: Path) -> None:
    image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 248, 248), fill="#f4ead9", outline="#b3541e", width=14)
    font = ImageFont.truetype("DejaVuSans-Bold.ttf", 120)  # fonts-dejavu-core is on the image
    draw.text((128, 132), "CG", fill="#1d5c47", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())


def _shop(backend: Backend, tmp: Path) -> None:
    for key, text in [
        ("shop.currency", "GBP"),
        ("shop.legal_name", "Corner Grocer"),
        ("shop.address", "12 Market Street\nLondon SE10 8RT"),
    ]:
        change_setting(backend.uow(), None, key, text)
    _logo(tmp / "logo.png")
    set_logo(backend.uow(), None, tmp / "logo.png")
    load_demo(backend, days=1)
    draft = CampaignDraft("Welcome", "percent", 1000, backend.clock() - timedelta(days=1))
    admin = users.find_user(backend.read_uow(), "admin")
    assert admin is not None
    create_campaign(backend.uow(), admin, draft, shared_code="WELCOME10")
    backend.shop.apply_currency()


def _shot(page: Page, suffix: str, what: str, full: bool = False) -> None:
    page.wait_for_load_state("networkidle")
    path = OUT / f"storefront_{what}{suffix}.png"
    page.screenshot(path=str(path), full_page=full)
    print(path)


def main() -> int:
    """Shoot the pages; print where they went."""
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        database = open_database(f"sqlite:///{tmp}/posapp.sqlite3")
        backend = Backend(database, RecordingPublisher(), register="web")
        _shop(backend, tmp)
        config = ApiConfig(address_rate=OPEN, coupon_rate=OPEN)
        with serving(create_app(backend, config), backend) as server, chromium() as browser:
            for suffix, (width, height) in SIZES.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                page.set_default_timeout(30_000)
                shot = functools.partial(_shot, page, suffix)
                page.goto(server.url)
                shot("home")
                page.get_by_role("navigation", name="Categories").get_by_role(
                    "link", name="Groceries"
                ).click()
                page.locator(".card-link").nth(2).click()
                shot("product")
                page.get_by_label("Quantity").fill("2")
                page.get_by_role("button", name="Add to basket").click()
                page.goto(f"{server.url}/search?q=tea")
                shot("search")
                page.locator(".card-link").first.click()
                page.get_by_role("button", name="Add to basket").click()
                page.get_by_label("Coupon code").fill("welcome10")
                page.get_by_role("button", name="Apply").click()
                shot("basket", full=True)
                page.goto(f"{server.url}/checkout")
                shot("checkout", full=True)
                page.close()
        database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
