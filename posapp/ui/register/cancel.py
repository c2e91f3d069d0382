"""Esc, twice, throws the sale away: the first press warns, the second (soon after) voids it.

The void is recorded by the server (``SalesApi.void_sale``: the audit log's loss-prevention
trail); until it is, the sale stays on the register.
"""

from __future__ import annotations

import time
from typing import Final

from posapp.i18n import ngettext
from posapp.services.platform.errors import ServiceError
from posapp.ui.kit.formatting import money_text
from posapp.ui.register.screen import SaleScreen

__all__ = ["CANCEL_WINDOW_S", "CancelGuard"]

CANCEL_WINDOW_S: Final = 4.0
"""Esc must be pressed twice within this many seconds to throw a sale away."""


class CancelGuard:
    """Arms on the first Esc, voids on the second within :data:`CANCEL_WINDOW_S`."""

    def __init__(self) -> None:
        self._armed_at = 0.0

    def confirmed(self, screen: SaleScreen) -> bool:
        """Whether this press voided ``screen``'s sale (recorded); else it warned or refused."""
        cart = screen.cart
        now = time.monotonic()
        if now - self._armed_at > CANCEL_WINDOW_S:
            self._armed_at = now
            screen.say(
                ngettext(
                    "Press Esc again to cancel this sale ({count} item, {total}).",
                    "Press Esc again to cancel this sale ({count} items, {total}).",
                    cart.item_count,
                ).format(count=cart.item_count, total=money_text(cart.priced().total_minor)),
                "warning",
            )
            return False
        self._armed_at = 0.0
        try:
            screen.sales.void_sale(
                screen.user,
                cart.sale_uuid,
                len(cart.lines),
                cart.priced().total_minor,
                "Cancelled at the register",
            )
        except ServiceError as exc:
            screen.say(str(exc), "error")
            return False
        return True
