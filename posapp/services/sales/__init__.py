"""Sales: the register's use cases, checkout, the order lifecycle, returns, tills and receipts."""
