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


_SURROGATES: Final = range(0xD800, 0xE000)
"""Code points a valid ``str`` to be stored never holds (UTF-8 cannot encode them alone)."""


def after_prefix(prefix: str) -> str | None:
    """The smallest valid string above every string that starts with ``prefix``, or None.

    For an index range ``prefix <= column < after_prefix(prefix)`` in code-point order (SQLite's
    BINARY collation, which compares UTF-8 bytes, orders by code point). Trailing U+10FFFF have
    no successor, so they are dropped and the character before them is raised instead; the
    surrogates are skipped (U+D7FF is followed by U+E000). None means no upper bound: the
    prefix is empty or made of U+10FFFF alone, and every string from ``prefix`` on matches.
    """
    stripped = prefix.rstrip(chr(0x10FFFF))
    if not stripped:
        return None
    following = ord(stripped[-1]) + 1
    if following in _SURROGATES:
        following = _SURROGATES.stop
    return stripped[:-1] + chr(following)
