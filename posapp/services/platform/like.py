"""LIKE patterns built from what a person typed: its wildcards match only themselves.

Use the patterns with ``escape=LIKE_ESCAPE`` (``column.like(contains(text), escape=LIKE_ESCAPE)``)
or, in raw SQL, with an ``ESCAPE`` clause naming the backslash.
"""

from __future__ import annotations

from typing import Final

LIKE_ESCAPE: Final = "\\"
"""The escape character of every pattern made here."""


def like_escaped(text: str) -> str:
    """``text`` with ``%``, ``_`` and the escape character escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(text: str) -> str:
    """A pattern matching ``text`` anywhere."""
    return f"%{like_escaped(text)}%"


def starts_with(text: str) -> str:
    """A pattern matching what begins with ``text``."""
    return f"{like_escaped(text)}%"
