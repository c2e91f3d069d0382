"""The Accounts tab: customer accounts and their ledger."""

from __future__ import annotations

from posapp.ui.tabs.placeholder import PlaceholderTab


class AccountsTab(PlaceholderTab):
    """Customer accounts: balances, movements and statements."""

    TITLE = "Accounts"
    SUBTITLE = "Customer accounts, balances and statements."
    ICON = "wallet"
    EMPTY_TITLE = "Customer accounts come here"
    EMPTY_TEXT = (
        "Open and freeze accounts, take deposits and withdrawals, transfer between accounts and "
        "print statements from a ledger that always adds up."
    )
