"""Suppliers and purchase orders as one object for the Stores tab (``backend.purchasing``)."""

from __future__ import annotations

from posapp.services.platform.facade import Facade, reads, writes
from posapp.services.purchasing import orders, queries, receiving, suppliers


class PurchasingApi(Facade):
    """Purchasing use cases over one context; every call names the acting user."""

    # suppliers
    list_suppliers = reads(suppliers.list_suppliers)
    save_supplier = writes(suppliers.save_supplier)
    set_supplier_active = writes(suppliers.set_supplier_active)
    supplier_items = reads(suppliers.supplier_items)
    set_supplier_items = writes(suppliers.set_supplier_items)
    remove_supplier_item = writes(suppliers.remove_supplier_item)

    # purchase orders
    purchase_orders = reads(queries.purchase_orders)
    purchase_order = reads(orders.purchase_order)
    purchases_report = reads(queries.purchases_report)
    create_purchase_order = writes(orders.create_purchase_order)
    order_from_replenishment = writes(orders.order_from_replenishment)
    send_purchase_order = writes(orders.send_purchase_order)
    cancel_purchase_order = writes(orders.cancel_purchase_order)
    close_purchase_order = writes(orders.close_purchase_order)
    receive_purchase_order = writes(receiving.receive_purchase_order)
