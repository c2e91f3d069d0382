"""Customers: the people the shop sells to; a prepaid/credit account is something one may have.

The package's face (see docs/ARCHITECTURE.md); the edges use ``Backend.customers``.
"""

from posapp.services.customers.api import CustomersApi
from posapp.services.customers.dto import (
    CustomerAccountRef,
    CustomerCursor,
    CustomerDraft,
    CustomerDTO,
    CustomerExport,
    CustomerRow,
    HistoryCursor,
    HistoryEntry,
)
from posapp.services.customers.export import FORMATS, as_csv, as_json, export_customer
from posapp.services.customers.manage import ERASED_NAME, erase_customer, register_customer
from posapp.services.customers.queries import customer_cursor, history_cursor, search_customers
from posapp.services.customers.validation import clean_name

__all__ = [
    "ERASED_NAME",
    "FORMATS",
    "CustomerAccountRef",
    "CustomerCursor",
    "CustomerDTO",
    "CustomerDraft",
    "CustomerExport",
    "CustomerRow",
    "CustomersApi",
    "HistoryCursor",
    "HistoryEntry",
    "as_csv",
    "as_json",
    "clean_name",
    "customer_cursor",
    "erase_customer",
    "export_customer",
    "history_cursor",
    "register_customer",
    "search_customers",
]
