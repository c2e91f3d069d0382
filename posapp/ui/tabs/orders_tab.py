"""The Orders tab: the register and the order list."""

from __future__ import annotations

from posapp.ui.tabs.placeholder import PlaceholderTab


class OrdersTab(PlaceholderTab):
    """The register for selling and the list of orders."""

    TITLE = "Orders"
    SUBTITLE = "The register and the order list."
    ICON = "cart"
    EMPTY_TITLE = "The register and your orders come here"
    EMPTY_TEXT = (
        "Ring up sales from the keyboard or a scanner, take cash, card, account and coupon "
        "payments, park sales, and follow every order from placed to paid, fulfilled or "
        "refunded."
    )
