"""The Stores tab: stores and warehouses, their stock, movements and replenishment.

This is the package's face: other packages import only from here; modules inside import each
other directly.
"""

from posapp.ui.stores.tab import StoresTab

__all__ = [
    "StoresTab",
]
