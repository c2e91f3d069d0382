"""The Orders tab: the register, the order list with its detail and returns, and the till.

The package's face (see docs/ARCHITECTURE.md).
"""

from posapp.ui.orders.tab import OrdersTab

__all__ = [
    "OrdersTab",
]
