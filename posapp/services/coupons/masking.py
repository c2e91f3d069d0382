"""Who reads whole coupon codes: staff who manage coupons; everyone else sees them masked.

A cashier may look at campaigns and their figures (``VIEW_COUPONS``) but must not be able to copy
an unused code and discount a friend's basket, so every read of the Coupons tab (the codes, the
redemption log, the CSV export, the code sheet) carries the code masked for staff without
``MANAGE_COUPONS``: ``SPRING-7KQ2-M9XD`` becomes ``SPRING-****-M9XD``. The rule is enforced here,
in the services, so the DTO itself holds the masked code whatever screen shows it; the trusted
local command line and the background runner (``actor=None``) read codes whole.

Masked staff also search only by what they see (a code's last group), or a search would spell a
hidden code out one character at a time.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import ColumnElement, false

from posapp.models import CouponCode
from posapp.services.coupons.codes import GROUP_SIZE, code_key
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.like import LIKE_ESCAPE, contains, like_escaped
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import Permission, authorize, permissions_of

MASK: Final = "*"
_SHOWN_PARTS_MIN: Final = 3
"""A code of this many dash-separated parts or more shows its first (the campaign's prefix)."""
_ONE_PART_SHOWN: Final = 4
"""A code of one part (chosen by hand) shows one character in this many, from its end."""


def mask_code(code: str) -> str:
    """The code as staff without ``MANAGE_COUPONS`` see it: the hidden characters as ``*``.

    ``PREFIX-XXXX-XXXX…`` shows the prefix and the last group (``SPRING-****-M9XD``); two parts
    show the last (``****-M9XD``); a code of one part, chosen by hand, shows its last quarter
    (``******5``). Dashes and the length stay, so a masked code still reads like a code.
    """
    parts = code.split("-")
    if len(parts) == 1:
        shown = len(code) // _ONE_PART_SHOWN
        return MASK * (len(code) - shown) + code[len(code) - shown :]
    first = parts[0] if len(parts) >= _SHOWN_PARTS_MIN else MASK * len(parts[0])
    middle = [MASK * len(part) for part in parts[1:-1]]
    return "-".join([first, *middle, parts[-1]])


def authorize_code_reading(uow: UnitOfWork, actor: UserDTO | None) -> bool:
    """Check ``VIEW_COUPONS`` on the stored role; return whether whole codes may be read.

    Raises:
        SessionEndedError, PermissionDeniedError: as :func:`~posapp.services.staff.authorize`.
    """
    if actor is None:
        return True
    user = authorize(uow, actor, Permission.VIEW_COUPONS)
    return Permission.MANAGE_COUPONS in permissions_of(user.role)


def shown_code(code: str, whole: bool) -> str:
    """``code`` itself when ``whole``, else :func:`mask_code` of it."""
    return code if whole else mask_code(code)


def code_matches(search: str, whole: bool) -> ColumnElement[bool] | None:
    """The condition on a code for a typed search, or None when the search is empty.

    Whole readers find codes containing the search (case, spaces and dashes ignored); masked
    readers find codes ending with the search's last characters (a group at most), which is
    what they can see: ``M9XD`` and a pasted ``SPRING-****-M9XD`` alike.
    """
    key = code_key(search)
    if not key:
        return None
    if whole:
        return CouponCode.code_key.like(contains(key), escape=LIKE_ESCAPE)
    tail = key[-GROUP_SIZE:]
    if MASK in tail:
        return false()
    return CouponCode.code_key.like("%" + like_escaped(tail), escape=LIKE_ESCAPE)
