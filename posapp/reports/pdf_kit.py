"""Fonts, colours and text helpers every posapp PDF draws with (one look for all of them).

DejaVu Sans (regular and bold) and DejaVu Sans Mono Bold are registered once, when the machine
has them, so any name (accents, Greek, Cyrillic, the minus sign, arrows) prints. Otherwise the
base-14 Helvetica and Courier are used, which print Windows-1252 (Latin-1 with dashes, quotes,
``…`` and ``€``) only: :func:`printable` maps text to what the chosen font can print, and
:func:`markup` makes user text safe for a ``Paragraph``.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_DIRS: Final = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
"""Where DejaVu is looked for, in order (Debian, Fedora, Arch, local, macOS, Windows)."""

INK: Final = colors.HexColor("#17202c")
MUTED: Final = colors.HexColor("#5c6878")
SUBTLE: Final = colors.HexColor("#8b96a5")
RULE: Final = colors.HexColor("#e1e6ed")
BAND: Final = colors.HexColor("#f4f6f9")
"""The light band behind alternate table rows and figure tiles."""
ACCENT: Final = colors.HexColor("#2563eb")
ACCENT_SOFT: Final = colors.HexColor("#e8effd")
SUCCESS: Final = colors.HexColor("#067647")
DANGER: Final = colors.HexColor("#b42318")
"""Negative balances, low stock, a till that is short."""


@dataclass(frozen=True, slots=True)
class Fonts:
    """The font names to draw with; ``unicode`` says whether any character prints."""

    regular: str
    bold: str
    mono: str
    unicode: bool


@functools.cache
def fonts() -> Fonts:
    """Register DejaVu once if the machine has it; return the names to use."""
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("PosSans", str(regular)))
            pdfmetrics.registerFont(TTFont("PosSans-Bold", str(bold)))
            pdfmetrics.registerFontFamily("PosSans", normal="PosSans", bold="PosSans-Bold")
            mono, mono_name = folder / "DejaVuSansMono-Bold.ttf", "Courier-Bold"
            if mono.is_file():
                mono_name = "PosMono-Bold"
                pdfmetrics.registerFont(TTFont(mono_name, str(mono)))
            return Fonts("PosSans", "PosSans-Bold", mono_name, True)
    return Fonts("Helvetica", "Helvetica-Bold", "Courier-Bold", False)


_BASE14: Final = str.maketrans({"−": "-", "→": "->", "\u202f": "\u00a0"})


def logo_reader(png: bytes) -> ImageReader | None:
    """The shop's logo ready to draw, or None when there is none or it cannot be read."""
    if not png:
        return None
    try:
        return ImageReader(io.BytesIO(png))
    except (OSError, ValueError):  # stored by an older or broken writer: print without it
        return None


def fit_box(reader: ImageReader, width: float, height: float) -> tuple[float, float]:
    """The size to draw ``reader``'s picture at, as large as fits ``width`` × ``height``."""
    pixels_wide, pixels_high = reader.getSize()
    scale = min(width / max(1, pixels_wide), height / max(1, pixels_high))
    return pixels_wide * scale, pixels_high * scale


def printable(value: str) -> str:
    """Text the chosen font can print.

    With DejaVu, the text as it is; with the base-14 fonts, the minus sign and the arrow spelt
    ``-`` and ``->``, and anything else outside Windows-1252 replaced by ``?``.
    """
    if fonts().unicode:
        return value
    return value.translate(_BASE14).encode("cp1252", "replace").decode("cp1252")


def markup(value: str) -> str:
    """User text made safe for a ``Paragraph``: printable, and shown literally (never markup)."""
    return escape(printable(value))


def fit(value: str, font: str, size: float, width: float) -> str:
    """Cut ``value`` with an ellipsis so that it fits ``width`` points."""
    if pdfmetrics.stringWidth(value, font, size) <= width:
        return value
    while value and pdfmetrics.stringWidth(value + "…", font, size) > width:
        value = value[:-1]
    return value + "…"


class PageCountCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
    """A canvas that holds its pages until it saves, so that each can print "Page 2 of 5".

    A subclass draws the count in :meth:`draw_page_count`, and may watch the pages as they are
    laid out in :meth:`page_done`. After saving, :attr:`page_count` is the number of pages.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self.page_count = 0

    def showPage(self) -> None:
        """Keep the finished page (its drawing state) for :meth:`save`; start the next one."""
        self._pages.append(dict(self.__dict__))
        self.page_done(len(self._pages))
        self._startPage()

    def save(self) -> None:
        """Finish every kept page with its count, then write the document."""
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.draw_page_count(number, total)
            super().showPage()
        self.page_count = total
        super().save()

    def page_done(self, done: int) -> None:
        """Called as each page is laid out, with the pages done so far (raise to stop)."""

    def draw_page_count(self, number: int, total: int) -> None:
        """Draw "Page ``number`` of ``total``" on the page being finished."""
        raise NotImplementedError
