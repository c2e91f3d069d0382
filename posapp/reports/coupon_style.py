"""Fonts, colours and small drawing helpers shared by the coupon PDFs.

DejaVu Sans is registered when the machine has it, so any campaign name (accents, Greek,
Cyrillic, symbols) prints; otherwise the PDF falls back to the base-14 Helvetica (Latin-1).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

_FONT_DIRS: Final = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)

INK: Final = colors.HexColor("#17202c")
MUTED: Final = colors.HexColor("#5c6878")
SUBTLE: Final = colors.HexColor("#8b96a5")
RULE: Final = colors.HexColor("#e1e6ed")
BAND: Final = colors.HexColor("#f0f3f7")
ACCENT: Final = colors.HexColor("#2563eb")
ACCENT_SOFT: Final = colors.HexColor("#e8effd")
ACCENT_2: Final = colors.HexColor("#f59e0b")
SUCCESS: Final = colors.HexColor("#067647")


@dataclass(frozen=True, slots=True)
class Fonts:
    """The font names to draw with."""

    regular: str
    bold: str
    mono: str


@functools.cache
def fonts() -> Fonts:
    """Register DejaVu (once) if present; return the names to use."""
    files = {"PosSans": "DejaVuSans.ttf", "PosSans-Bold": "DejaVuSans-Bold.ttf"}
    files["PosMono-Bold"] = "DejaVuSansMono-Bold.ttf"
    for folder in _FONT_DIRS:
        paths = {name: folder / file for name, file in files.items()}
        if all(path.is_file() for path in paths.values()):
            for name, path in paths.items():
                pdfmetrics.registerFont(TTFont(name, str(path)))
            pdfmetrics.registerFontFamily("PosSans", normal="PosSans", bold="PosSans-Bold")
            return Fonts("PosSans", "PosSans-Bold", "PosMono-Bold")
    return Fonts("Helvetica", "Helvetica-Bold", "Courier-Bold")


def text(value: str) -> str:
    """User text made safe for a Paragraph (which reads a little XML markup)."""
    return escape(value)


def fit(value: str, font: str, size: float, width: float) -> str:
    """Cut ``value`` with an ellipsis so that it fits ``width`` points."""
    if pdfmetrics.stringWidth(value, font, size) <= width:
        return value
    while value and pdfmetrics.stringWidth(value + "…", font, size) > width:
        value = value[:-1]
    return value + "…"
