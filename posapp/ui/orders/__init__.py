"""The Orders tab: the register, the order list with its detail and returns, and the till.

This is the package's face: other packages import only from here; modules inside import each
other directly.
"""

from posapp.ui.orders.tab import OrdersTab

__all__ = [
    "OrdersTab",
]
