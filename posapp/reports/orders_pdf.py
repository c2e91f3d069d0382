"""Fonts, colours and table styles shared by the receipt, the X/Z reports and the sales report.

DejaVu Sans is registered when the machine has it (so the minus sign, bullets and any product
name print); otherwise the base-14 Helvetica is used and such characters are replaced.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, Table, TableStyle

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
BAND: Final = colors.HexColor("#f4f6f9")
ACCENT: Final = colors.HexColor("#2563eb")
ACCENT_SOFT: Final = colors.HexColor("#e8effd")
SUCCESS: Final = colors.HexColor("#067647")
DANGER: Final = colors.HexColor("#b42318")


@dataclass(frozen=True, slots=True)
class Fonts:
    """The font names to draw with; ``unicode`` says whether any character prints."""

    regular: str
    bold: str
    unicode: bool


@functools.cache
def fonts() -> Fonts:
    """Register DejaVu Sans once if the machine has it; return the names to use."""
    files = {"OrdSans": "DejaVuSans.ttf", "OrdSans-Bold": "DejaVuSans-Bold.ttf"}
    for folder in _FONT_DIRS:
        paths = {name: folder / file for name, file in files.items()}
        if all(path.is_file() for path in paths.values()):
            for name, path in paths.items():
                pdfmetrics.registerFont(TTFont(name, str(path)))
            pdfmetrics.registerFontFamily("OrdSans", normal="OrdSans", bold="OrdSans-Bold")
            return Fonts("OrdSans", "OrdSans-Bold", True)
    return Fonts("Helvetica", "Helvetica-Bold", False)


_LATIN1 = str.maketrans({"−": "-", "•": "*", "…": "...", "→": "->"})


def safe(value: str) -> str:
    """Text the chosen font can print (typographic characters mapped without DejaVu)."""
    return value if fonts().unicode else value.translate(_LATIN1)


def para(value: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of user text, shown literally (escaped, never read as markup)."""
    return Paragraph(escape(safe(value)), style)


def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles of the A4 reports."""
    f = fonts()
    return {
        "title": ParagraphStyle("title", fontName=f.bold, fontSize=20, leading=24, textColor=INK),
        "subtitle": ParagraphStyle(
            "subtitle", fontName=f.regular, fontSize=10, leading=14, textColor=MUTED
        ),
        "h2": ParagraphStyle(
            "h2",
            fontName=f.bold,
            fontSize=12,
            leading=16,
            textColor=INK,
            spaceBefore=14,
            spaceAfter=6,
        ),
        "body": ParagraphStyle("body", fontName=f.regular, fontSize=9, leading=12, textColor=INK),
        "small": ParagraphStyle(
            "small", fontName=f.regular, fontSize=8, leading=10, textColor=MUTED
        ),
        "kpi": ParagraphStyle("kpi", fontName=f.bold, fontSize=16, leading=20, textColor=INK),
        "kpi_label": ParagraphStyle(
            "kpi_label", fontName=f.regular, fontSize=8, leading=10, textColor=MUTED
        ),
    }


def table(
    rows: list[list[object]],
    widths: list[float],
    *,
    numeric_from: int = 1,
    header: bool = True,
    total_row: bool = False,
) -> Table:
    """A clean table: bold header over a hairline, numbers right-aligned, light zebra rows."""
    f = fonts()
    result = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    commands: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), f.regular, 9),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
    ]
    if header:
        commands += [
            ("FONT", (0, 0), (-1, 0), f.bold, 8),
            ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
        ]
    first = 1 if header else 0
    for index in range(first, len(rows)):
        if (index - first) % 2 == 1:
            commands.append(("BACKGROUND", (0, index), (-1, index), BAND))
    if total_row and len(rows) > first:
        commands += [
            ("FONT", (0, -1), (-1, -1), f.bold, 9),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
            ("BACKGROUND", (0, -1), (-1, -1), colors.white),
        ]
    result.setStyle(TableStyle(commands))
    return result


def local_time(at: datetime | None, zone: tzinfo | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC instant in the shop's (or the machine's) local time."""
    return "" if at is None else at.astimezone(zone).strftime(fmt)
