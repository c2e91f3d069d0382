"""The people the shop sells to: the Customers tab and the Accounts tab.

The Accounts tab holds accounts, their movements, money dialogs and statements. One package
for both tabs: a customer may have an account, and both screens share the dialogs' look; the
tab bar shows them apart. The package's face (see docs/ARCHITECTURE.md).
"""

from posapp.ui.accounts.customers_tab import CustomersTab
from posapp.ui.accounts.tab import AccountsTab

__all__ = [
    "AccountsTab",
    "CustomersTab",
]
