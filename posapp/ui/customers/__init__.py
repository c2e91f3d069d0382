"""The Customers tab: find a customer by any field, their details, accounts and purchase history."""

from posapp.ui.customers.tab import CustomersTab

__all__ = ["CustomersTab"]
