"""The Stores tab: stores and warehouses, their stock, movements and replenishment.

The package's face (see docs/ARCHITECTURE.md).
"""

from posapp.ui.stores.tab import StoresTab

__all__ = [
    "StoresTab",
]
