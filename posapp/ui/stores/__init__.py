"""The Stores tab: stores and warehouses, stock levels, movements and replenishment."""
