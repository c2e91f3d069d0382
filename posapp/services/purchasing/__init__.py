"""Purchasing: suppliers, what they supply, purchase orders and receiving against them.

The package's face (see docs/ARCHITECTURE.md); the edges use ``Backend.purchasing``.
"""

from posapp.services.purchasing.api import PurchasingApi
from posapp.services.purchasing.dto import (
    OPEN_STATUSES,
    STATUS_LABELS,
    PurchaseLine,
    PurchaseLineInput,
    PurchaseOrderDTO,
    PurchaseOrderRow,
    PurchasesReport,
    ReceiptResult,
    ReceiveLine,
    SupplierInput,
    SupplierItem,
    SupplierItemInput,
    SupplierSummary,
    SupplierTotal,
    line_cost_minor,
)
from posapp.services.purchasing.orders import Renderer
from posapp.services.purchasing.queries import purchases_report
from posapp.services.purchasing.receiving import moving_average

__all__ = [
    "OPEN_STATUSES",
    "STATUS_LABELS",
    "PurchaseLine",
    "PurchaseLineInput",
    "PurchaseOrderDTO",
    "PurchaseOrderRow",
    "PurchasesReport",
    "PurchasingApi",
    "ReceiptResult",
    "ReceiveLine",
    "Renderer",
    "SupplierInput",
    "SupplierItem",
    "SupplierItemInput",
    "SupplierSummary",
    "SupplierTotal",
    "line_cost_minor",
    "moving_average",
    "purchases_report",
]
