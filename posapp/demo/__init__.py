"""Demo data: a realistic shop built through the same use cases the cashier uses."""
