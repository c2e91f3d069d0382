"""Local styles of the notification and outbox screens (the shared stylesheet has no tables)."""

from __future__ import annotations

from posapp.ui.kit.resources import PALETTE


def table_style(object_name: str) -> str:
    """A light card look for a table (the shared stylesheet has no table rules yet)."""
    p = PALETTE
    return (
        f"QTableView#{object_name} {{ background: {p['surface']};"
        f" alternate-background-color: {p['surface_alt']}; border: 1px solid {p['border']};"
        f" border-radius: 8px; selection-background-color: {p['accent_soft']};"
        f" selection-color: {p['text']}; }}"
        f" QTableView#{object_name} QHeaderView::section {{ background: {p['surface']};"
        f" color: {p['muted']}; border: none; border-bottom: 1px solid {p['border']};"
        f" padding: 6px 10px; font-weight: bold; }}"
        f" QTableView#{object_name}::item {{ padding: 0 6px; }}"
    )
