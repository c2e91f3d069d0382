"""Customer accounts on a double-entry ledger: open, deposit, withdraw, transfer, statements."""
