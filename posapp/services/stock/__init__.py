"""Stores and stock: storefronts and warehouses, the stock ledger, counts and replenishment."""
