"""The Coupons tab: campaigns, codes, the redemption log and the effectiveness report.

The package's face (see docs/ARCHITECTURE.md).
"""

from posapp.ui.coupons.tab import CouponsTab

__all__ = [
    "CouponsTab",
]
