"""Row ids: what a database id column can hold (a BigInteger: 1 .. 2**63 - 1)."""

from __future__ import annotations

from typing import Final

ID_MAX: Final = 2**63 - 1
"""The largest id a row can have; a larger one overflows the column (PostgreSQL refuses it)."""


def storable_id(value: object) -> bool:
    """Whether ``value`` is an id a row could have: an int (a bool is not one) in 1 .. ID_MAX.

    An id outside that range names no row: callers answer "not found" without asking the
    database, which would raise on it.
    """
    return type(value) is int and 0 < value <= ID_MAX
