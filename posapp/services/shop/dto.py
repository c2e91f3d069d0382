"""What the edges see of a shop setting: its meaning, its current value as text, its bounds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SettingDTO:
    """One setting as the Settings page and ``posapp settings`` show it."""

    key: str
    group: str
    label: str
    description: str
    kind: str
    """int, number, percent, money, text, choice, zone or amounts."""
    value: str
    """The current value as text (what :meth:`ShopApi.change_setting` reads back)."""
    default: str
    bounds: str
    """What it accepts, in words."""
    is_set: bool
    """Whether the database holds a value (else the default applies)."""
    choices: tuple[tuple[str, str], ...] = ()
    """(value, label) pairs of a choice, or every time zone of a zone."""
    multiline: bool = False
    limit: int = 0
    """Most characters of a text."""
    unit: str = ""
