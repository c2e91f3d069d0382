"""The Accounts tab: customer accounts, money dialogs and statements."""
