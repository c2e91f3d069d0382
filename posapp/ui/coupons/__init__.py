"""The Coupons tab: campaigns, codes, the redemption log and the effectiveness report.

This is the package's face: other packages import only from here; modules inside import each
other directly.
"""

from posapp.ui.coupons.tab import CouponsTab

__all__ = [
    "CouponsTab",
]
