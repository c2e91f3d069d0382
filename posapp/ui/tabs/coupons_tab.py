"""The Coupons tab: coupon campaigns and their codes."""

from __future__ import annotations

from posapp.ui.tabs.placeholder import PlaceholderTab


class CouponsTab(PlaceholderTab):
    """Coupon campaigns, their codes and the effectiveness report."""

    TITLE = "Coupons"
    SUBTITLE = "Campaigns, codes and how they performed."
    ICON = "coupon"
    EMPTY_TITLE = "Campaigns and codes come here"
    EMPTY_TEXT = (
        "Run campaigns, generate thousands of unique codes, export them as CSV or a printable "
        "sheet, and see how each campaign performed."
    )
