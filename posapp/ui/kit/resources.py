"""Bundled resources as Qt objects: the stylesheet, tinted SVG icons, the theme and the font."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QWidget

import posapp

PALETTE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "bg": "#f4f6f9",
        "surface": "#ffffff",
        "surface_alt": "#f0f3f7",
        "border": "#e1e6ed",
        "border_strong": "#c9d1dc",
        "text": "#17202c",
        "muted": "#5c6878",
        "subtle": "#8b96a5",
        "accent": "#2563eb",
        "accent_hover": "#1d54d6",
        "accent_pressed": "#1a45b0",
        "accent_soft": "#e8effd",
        "accent_text": "#ffffff",
        "focus": "#2563eb",
        "focus_on_accent": "#9dbcfa",
        "danger": "#b42318",
        "danger_soft": "#fef3f2",
        "danger_border": "#f6c6c1",
        "warning": "#b54708",
        "warning_soft": "#fffaeb",
        "warning_border": "#f5d7a1",
        "success": "#067647",
        "success_soft": "#ecfdf3",
        "success_border": "#abefc6",
        "toast_bg": "#1e2733",
        "toast_text": "#f6f8fb",
        "toast_muted": "#c3ccd8",
        "toast_info": "#7fb0ff",
        "toast_warning": "#f8b84e",
        "toast_error": "#ff8a80",
        "toast_hover": "#3a4656",
    }
)
"""The light theme's colours: ``@name`` in a ``.qss`` file is replaced by ``PALETTE[name]``."""

FONT_FAMILIES: Final = (
    "Inter",
    "Segoe UI",
    "SF Pro Text",
    "Cantarell",
    "Noto Sans",
    "Ubuntu",
    "DejaVu Sans",
)
"""Preferred UI fonts, best first. No font is bundled: DejaVu Sans is the last resort on Linux."""

FONT_POINT_SIZE: Final = 10.0
ICON_SIZES: Final = (16, 18, 20, 24, 32, 40, 48, 64, 96, 128)
"""Pixel sizes rendered for every icon; QIcon scales the nearest one for other sizes."""

_TOKEN = re.compile(r"@([a-z_]+)")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CURRENT_COLOR = "currentColor"


@functools.cache
def resources_dir() -> Path:
    """Return the resources folder.

    An installed wheel carries it as ``posapp/_resources``; a source checkout has ``resources/``
    next to the ``posapp`` package.

    Raises:
        FileNotFoundError: neither folder exists (a broken installation).
    """
    package = Path(posapp.__file__).resolve().parent
    for candidate in (package / "_resources", package.parent / "resources"):
        if (candidate / "style.qss").is_file():
            return candidate
    msg = f"posapp resources not found next to {package}"
    raise FileNotFoundError(msg)


@functools.cache
def stylesheet(name: str = "style") -> str:
    """Return the stylesheet ``resources/NAME.qss`` with every ``@colour`` token resolved.

    ``style`` is the application's, set once by :func:`apply_theme`. The others are a few
    screens' own rules (``register``, ``accounts`` …), set on the screen's top widget with
    :func:`styled` so that they reach nothing else. Every stylesheet of the app is a file read
    here: no QSS is written in Python.

    Raises:
        FileNotFoundError: there is no such stylesheet.
        ValueError: the stylesheet names a colour that ``PALETTE`` does not define.
    """
    path = resources_dir() / f"{name}.qss"
    text = _COMMENT.sub("", path.read_text(encoding="utf-8"))

    def colour(match: re.Match[str]) -> str:
        token = match.group(1)
        if token not in PALETTE:
            msg = f"{path.name} uses an unknown colour @{token}"
            raise ValueError(msg)
        return PALETTE[token]

    return _TOKEN.sub(colour, text)


def styled(widget: QWidget, *names: str) -> None:
    """Give ``widget`` and its children the stylesheets ``names``, in that order.

    A widget's own stylesheet wins over the application's for the properties it sets, whatever
    the selectors' specificity; so a screen's rules that set a border restate the focus ring.
    """
    widget.setStyleSheet("".join(stylesheet(name) for name in names))


def icon_names() -> list[str]:
    """Return the names of every bundled icon, sorted."""
    return sorted(path.stem for path in (resources_dir() / "icons").glob("*.svg"))


@functools.cache
def _svg_source(name: str) -> str:
    """Return the SVG text of icon ``name`` (cached: icons are read once)."""
    path = resources_dir() / "icons" / f"{name}.svg"
    if not path.is_file():
        msg = f"no icon named {name!r} in {path.parent}"
        raise FileNotFoundError(msg)
    return path.read_text(encoding="utf-8")


def _renderer(name: str, color: str) -> QSvgRenderer:
    """Return a renderer for icon ``name`` with its ``currentColor`` strokes painted ``color``."""
    svg = _svg_source(name).replace(_CURRENT_COLOR, color)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        msg = f"icon {name!r} is not valid SVG"
        raise ValueError(msg)
    return renderer


def _render(renderer: QSvgRenderer, size: int, device_pixel_ratio: float = 1.0) -> QPixmap:
    """Paint ``renderer`` into a transparent square pixmap of ``size`` logical pixels."""
    physical = max(1, round(size * device_pixel_ratio))
    pixmap = QPixmap(QSize(physical, physical))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, physical, physical))
    painter.end()
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    return pixmap


def icon(name: str, color: str | None = None, *, checked_color: str | None = None) -> QIcon:
    """Return the bundled icon ``resources/icons/NAME.svg`` as a QIcon.

    Icons are line drawings whose strokes use ``currentColor``; that colour is replaced here,
    so one SVG serves every tint. Pixmaps are rendered at several sizes, which keeps icons crisp
    without relying on the SVG icon-engine plugin being deployed.

    Args:
        name: The file name without ``.svg`` (see :func:`icon_names`).
        color: Stroke colour; the theme's muted text colour by default.
        checked_color: Stroke colour for the "on" state (a selected tab, a checked button).

    Raises:
        FileNotFoundError: there is no such icon.
    """
    result = QIcon()
    states = [(QIcon.State.Off, color or PALETTE["muted"])]
    if checked_color is not None:
        states.append((QIcon.State.On, checked_color))
    for state, tint in states:
        renderer = _renderer(name, tint)
        for size in ICON_SIZES:
            result.addPixmap(_render(renderer, size), QIcon.Mode.Normal, state)
    return result


def icon_pixmap(
    name: str, size: int, color: str | None = None, *, device_pixel_ratio: float = 1.0
) -> QPixmap:
    """Return icon ``name`` as one pixmap of ``size`` logical pixels, for a QLabel.

    Raises:
        FileNotFoundError: there is no such icon.
    """
    return _render(_renderer(name, color or PALETTE["muted"]), size, device_pixel_ratio)


def default_font() -> QFont:
    """Return the UI font: the first installed family of ``FONT_FAMILIES`` at 10 pt."""
    font = QFont()
    font.setFamilies(list(FONT_FAMILIES))
    font.setPointSizeF(FONT_POINT_SIZE)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    return font


def light_palette() -> QPalette:
    """Return a QPalette matching the stylesheet, for what QSS does not reach (e.g. tooltips)."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: PALETTE["bg"],
        QPalette.ColorRole.WindowText: PALETTE["text"],
        QPalette.ColorRole.Base: PALETTE["surface"],
        QPalette.ColorRole.AlternateBase: PALETTE["surface_alt"],
        QPalette.ColorRole.Text: PALETTE["text"],
        QPalette.ColorRole.Button: PALETTE["surface"],
        QPalette.ColorRole.ButtonText: PALETTE["text"],
        QPalette.ColorRole.Highlight: PALETTE["accent"],
        QPalette.ColorRole.HighlightedText: PALETTE["accent_text"],
        QPalette.ColorRole.ToolTipBase: PALETTE["toast_bg"],
        QPalette.ColorRole.ToolTipText: PALETTE["toast_text"],
        QPalette.ColorRole.PlaceholderText: PALETTE["subtle"],
        QPalette.ColorRole.Link: PALETTE["accent"],
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(
        QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(PALETTE["subtle"])
    )
    palette.setColor(
        QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(PALETTE["subtle"])
    )
    return palette


def apply_theme(app: QApplication) -> None:
    """Give ``app`` posapp's look: Fusion style, light palette, font, stylesheet and icon."""
    app.setStyle("Fusion")  # the same base on every platform, so the stylesheet looks the same
    app.setPalette(light_palette())
    app.setFont(default_font())
    app.setStyleSheet(stylesheet())
    app.setWindowIcon(icon("logo"))
