"""Coupon code text: generation from a secure source, and the normalisation codes are matched by.

A generated code is ``PREFIX-XXXX-XXXX``: an optional prefix, then groups of four characters from
an alphabet without look-alikes (no 0/O, 1/I/L). Codes are matched by their *key*: upper-cased,
with spaces and dashes removed, so ``spring 7kq2-m9xd`` finds ``SPRING-7KQ2-M9XD``.

Strength: each generated character carries log2(31) ≈ 4.95 bits, so the default two groups give
≈ 39.6 bits (8.5 × 10^11 possibilities): with 100,000 live codes a guesser needs about 8.5 million
tries per hit, and every try is a visible refusal at a till. Three groups (≈ 59 bits) are there
for campaigns that are published online.

This module is pure (no database): the services insert what it makes.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable, Iterator
from typing import Final

from posapp.i18n import _
from posapp.services.platform.errors import ValidationError

ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""31 characters that cannot be mistaken for one another when read aloud or printed."""

GROUP_SIZE: Final = 4
MIN_GROUPS: Final = 2
MAX_GROUPS: Final = 4
PREFIX_MAX: Final = 12
KEY_MAX: Final = 64
"""The longest key stored (the column's width); longer input cannot be a code."""
SHARED_MIN: Final = 3
SHARED_MAX: Final = 32

# Bytes at or above this are dropped, so that ``byte % 31`` is uniform (248 = 8 × 31).
_UNIFORM_LIMIT: Final = 256 - 256 % len(ALPHABET)
_DASHES: Final = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212")
_KEY_CHARS: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

RandomBytes = Callable[[int], bytes]


def code_key(text: str) -> str:
    """Return the key a typed code is matched by: upper-case, without spaces or dashes.

    The text is NFKC-normalised first, so full-width letters and digits (as typed on some
    keyboards) match too; every kind of dash and whitespace is ignored. The result may contain
    characters no code has; such keys simply match nothing.
    """
    normal = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in normal if not ch.isspace() and ch not in _DASHES).upper()


def is_possible_key(key: str) -> bool:
    """Whether ``key`` could belong to a code (ASCII letters and digits, not too long)."""
    return 0 < len(key) <= KEY_MAX and all(ch in _KEY_CHARS for ch in key)


def clean_prefix(prefix: str) -> str:
    """Return the prefix to print before generated codes, upper-cased and without dashes.

    Raises:
        ValidationError: the prefix has characters other than letters and digits, or is long.
    """
    key = code_key(prefix)
    if not key:
        return ""
    if not all(ch in _KEY_CHARS for ch in key):
        raise ValidationError(_("A code prefix may only have the letters A-Z and digits."))
    if len(key) > PREFIX_MAX:
        raise ValidationError(
            _("A code prefix has at most {prefix_max} characters.").format(prefix_max=PREFIX_MAX)
        )
    return key


def clean_shared_code(text: str) -> tuple[str, str]:
    """Check a code chosen by hand (one code shared by a campaign); return (code, key).

    The code keeps the dashes it was typed with (``SUMMER-10``) but is upper-cased.

    Raises:
        ValidationError: empty, too short or long, or with characters other than letters,
            digits, spaces and dashes.
    """
    shown = " ".join(unicodedata.normalize("NFKC", text).split()).upper()
    key = code_key(shown)
    if not all(ch in _KEY_CHARS for ch in key):
        raise ValidationError(_("A code may only have the letters A-Z, digits and dashes."))
    if not SHARED_MIN <= len(key) <= SHARED_MAX:
        raise ValidationError(
            _(
                "A code needs {shared_min} to {shared_max} letters and digits (dashes not counted)."
            ).format(shared_min=SHARED_MIN, shared_max=SHARED_MAX)
        )
    return shown.replace(" ", "-"), key


def format_code(prefix: str, body: str) -> str:
    """Group ``body`` by four and put ``prefix`` in front: ``SPRING-7KQ2-M9XD``."""
    groups = [body[i : i + GROUP_SIZE] for i in range(0, len(body), GROUP_SIZE)]
    return "-".join([prefix, *groups] if prefix else groups)


def random_bodies(
    count: int, length: int, random_bytes: RandomBytes = secrets.token_bytes
) -> Iterator[str]:
    """Yield ``count`` random strings of ``length`` alphabet characters (not yet unique).

    Bytes come from ``secrets`` (the operating system's CSPRNG) in bulk; bytes that would
    bias the choice are rejected, so every character is uniformly distributed.
    """
    size = len(ALPHABET)
    needed = count * length
    chars: list[str] = []
    while len(chars) < needed:
        chunk = random_bytes(max(64, (needed - len(chars)) * 9 // 8 + 16))
        chars.extend(ALPHABET[b % size] for b in chunk if b < _UNIFORM_LIMIT)
    text = "".join(chars[:needed])
    for start in range(0, needed, length):
        yield text[start : start + length]


def new_codes(
    count: int,
    *,
    prefix: str = "",
    groups: int = MIN_GROUPS,
    taken: set[str] | None = None,
    random_bytes: RandomBytes = secrets.token_bytes,
) -> list[tuple[str, str]]:
    """Return ``count`` new (code, key) pairs, unique among themselves and not in ``taken``.

    ``taken`` (keys) is updated with the keys returned, so calling this batch after batch with
    the same set never repeats a code. Checking against the database is the caller's job.

    Raises:
        ValueError: ``groups`` is out of range or ``count`` is negative (programming errors).
    """
    if not MIN_GROUPS <= groups <= MAX_GROUPS:
        raise ValueError(f"groups must be between {MIN_GROUPS} and {MAX_GROUPS}, not {groups}")
    if count < 0:
        raise ValueError("count must not be negative")
    seen = taken if taken is not None else set()
    out: list[tuple[str, str]] = []
    while len(out) < count:
        for body in random_bodies(count - len(out), groups * GROUP_SIZE, random_bytes):
            key = prefix + body
            if key not in seen:
                seen.add(key)
                out.append((format_code(prefix, body), key))
    return out
