"""A real browser for the storefront's tests: Debian's chromium, driven by Playwright.

Playwright's own browser download is not used (nor reachable on CI): it drives the system's
``/usr/bin/chromium`` (``apt-get install chromium``; ``.ci/run`` installs it when missing).
Without it the browser tests skip on a developer's machine and FAIL under ``CI=true``, so a CI
machine without a browser cannot pass them by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} (CI=true: the browser tests must run)")
    pytest.skip(f"{what}: the browser tests are skipped")


@contextmanager
def chromium() -> Iterator[Browser]:
    """The system's chromium, headless, closed at the end of the block."""
    if not CHROMIUM.exists():
        _missing(f"no {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
