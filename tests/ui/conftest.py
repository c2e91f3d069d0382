"""Fixtures for the pytest-qt tests: the themed app, a fresh EventBus and a real SQLite backend."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # tests/conftest.py does too; be safe

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.resources import apply_theme
from posapp.ui.main_window import MainWindow
from tests.checkout_seed import Shop, shop_with_open_till
from tests.ui.cashier_driver import register_of
from tests.ui.lifetime_support import OFFSCREEN_LIMITATIONS
from tests.ui.seed import add_staff

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_LIMITATIONS))


@pytest.fixture(scope="session", autouse=True)
def themed_app(qapp: QApplication) -> Iterator[QApplication]:
    """Run every UI test with the production style, so stylesheet problems fail tests too."""
    style_name, sheet, palette, font = (
        qapp.style().name(),
        qapp.styleSheet(),
        qapp.palette(),
        qapp.font(),
    )
    apply_theme(qapp)
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setStyle(style_name)
    qapp.setPalette(palette)
    qapp.setFont(font)


@pytest.fixture
def bus(qapp: QApplication) -> EventBus:
    """A fresh event bus (never a global: each test gets its own)."""
    return EventBus()


@pytest.fixture
def ui_backend(sqlite_database: Database, bus: EventBus) -> Backend:
    """Services over a fresh SQLite file, publishing to ``bus`` like the real application."""
    return Backend(sqlite_database, bus, register="till-1")


@pytest.fixture
def staff(ui_backend: Backend) -> dict[str, UserDTO]:
    """One user per role: ``admin1``, ``manager1`` and ``cashier1`` (password ``PASSWORD``)."""
    return add_staff(ui_backend)


@pytest.fixture
def cashier_shop(ui_backend: Backend) -> Shop:
    """The checkout test shop with this register's till open."""
    return shop_with_open_till(ui_backend)


@pytest.fixture
def cashier_window(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, cashier_shop: Shop
) -> MainWindow:
    """The cashier's real main window, as after log-in: the register, its scan field focused."""
    window = MainWindow(ui_backend, bus, cashier_shop.cashier)
    qtbot.add_widget(window)
    window.show()
    window.activateWindow()
    qtbot.wait_until(window.isActiveWindow)
    register = register_of(window)
    register.flow.receipt_sink = lambda _number, _pdf: None
    qtbot.wait_until(register.scan_edit.hasFocus)
    return window
