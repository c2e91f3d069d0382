"""The Accounts tab: customer accounts, their movements, money dialogs and statements.

This is the package's face: other packages import only from here; modules inside import each
other directly.
"""

from posapp.ui.accounts.tab import AccountsTab

__all__ = [
    "AccountsTab",
]
