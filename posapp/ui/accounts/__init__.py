"""The Accounts tab: customer accounts, their movements, money dialogs and statements.

The package's face (see docs/ARCHITECTURE.md).
"""

from posapp.ui.accounts.tab import AccountsTab

__all__ = [
    "AccountsTab",
]
