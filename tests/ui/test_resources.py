"""Bundled resources: the folder, the stylesheet and the icons."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from posapp.ui.kit import resources

pytestmark = pytest.mark.ui

REQUIRED_ICONS = {
    "store", "box", "cart", "coupon", "tag", "wallet", "users", "user", "bell", "logout",
    "lock", "search", "plus", "edit", "warning", "info", "check", "error", "close",
    "database", "till", "logo",
}  # fmt: skip


def test_resources_folder_is_found_next_to_the_package() -> None:
    folder = resources.resources_dir()
    assert (folder / "style.qss").is_file()
    assert (folder / "icons").is_dir()


def test_every_colour_token_of_the_stylesheet_is_resolved() -> None:
    sheet = resources.stylesheet()
    assert "@" not in sheet
    assert "/*" not in sheet
    assert resources.PALETTE["accent"] in sheet


def test_stylesheet_applies_without_qt_warnings(qtbot: QtBot) -> None:
    # qt_log_level_fail = WARNING: a stylesheet Qt cannot parse fails this test.
    host = QWidget()
    qtbot.add_widget(host)
    layout = QVBoxLayout(host)
    button = QPushButton("Pay", host)
    button.setProperty("touch", True)
    for widget in (QLineEdit(host), button, QTabWidget(host)):
        layout.addWidget(widget)
    host.setStyleSheet(resources.stylesheet())
    host.show()
    qtbot.wait_exposed(host)
    assert button.height() >= 48  # touch-friendly buttons for the register


SCREEN_SHEETS = sorted(
    path.stem for path in resources.resources_dir().glob("*.qss") if path.stem != "style"
)


def test_screens_have_their_own_stylesheets() -> None:
    assert {"register", "payment", "shared", "accounts", "staff", "stores"} <= set(SCREEN_SHEETS)


@pytest.mark.parametrize("name", SCREEN_SHEETS)
def test_screen_stylesheet_resolves_and_applies_without_qt_warnings(
    qtbot: QtBot, name: str
) -> None:
    sheet = resources.stylesheet(name)
    assert "@" not in sheet
    assert "/*" not in sheet
    host = QWidget()
    qtbot.add_widget(host)
    layout = QVBoxLayout(host)
    for widget in (QLineEdit(host), QPushButton("OK", host), QTabWidget(host)):
        layout.addWidget(widget)
    resources.styled(host, name)
    host.show()
    qtbot.wait_exposed(host)
    assert host.styleSheet() == sheet


def test_an_unknown_stylesheet_or_colour_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        resources.stylesheet("no-such-sheet")
    sheet = tmp_path / "bad.qss"
    sheet.write_text("QLabel { color: @no_such_colour; }")
    # An absolute name replaces the resources folder in the path join: a sheet outside it.
    with pytest.raises(ValueError, match="@no_such_colour"):
        resources.stylesheet(str(sheet.with_suffix("")))


def test_required_icons_exist_as_24px_stroke_drawings() -> None:
    assert set(resources.icon_names()) >= REQUIRED_ICONS
    for name in REQUIRED_ICONS:
        svg = (resources.resources_dir() / "icons" / f"{name}.svg").read_text()
        assert 'viewBox="0 0 24 24"' in svg, name
        if name != "logo":
            assert 'stroke="currentColor"' in svg, name


@pytest.mark.parametrize("name", sorted(REQUIRED_ICONS))
def test_icons_render(name: str) -> None:
    icon = resources.icon(name)
    assert not icon.isNull()
    image = icon.pixmap(QSize(24, 24)).toImage()
    painted = [image.pixelColor(x, y).alpha() for x in range(24) for y in range(24)]
    assert max(painted) > 0, f"{name} renders nothing"


def test_icon_is_tinted_with_the_given_colour() -> None:
    image = resources.icon_pixmap("plus", 24, "#ff0000").toImage()
    centre = image.pixelColor(12, 12)
    assert centre == QColor(255, 0, 0), centre.name()


def test_missing_icon_is_a_clear_error() -> None:
    with pytest.raises(FileNotFoundError, match="no-such-icon"):
        resources.icon("no-such-icon")


def test_default_font_prefers_ui_fonts_and_falls_back_to_dejavu() -> None:
    font = resources.default_font()
    assert font.families()[-1] == "DejaVu Sans"
    assert font.pointSizeF() == resources.FONT_POINT_SIZE
