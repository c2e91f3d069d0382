"""An offline sale as the register shows and prints it: its receipt, and the till it joined.

:func:`offline_detail` builds the ``OrderDetail`` the receipt renderers take from the journalled
sale and its priced cart (status ``offline``: the receipt says OFFLINE, the number is the
provisional ``OFF-R1-00012``). :func:`offline_till` is the register's till while the server is
gone: the one read last from the server, or else the one the cache holds.
"""

from __future__ import annotations

from posapp.services.sales.dto import StoreHeader
from posapp.services.sales.offline.cache import OfflineCache
from posapp.services.sales.offline.sale import TenderKind
from posapp.services.sales.offline.till import OfflineReceipt
from posapp.services.sales.order_dto import OrderDetail, OrderLineDTO, PaymentDTO
from posapp.services.sales.till_dto import TillSessionDTO

__all__ = ["OFFLINE_STATUS", "offline_detail", "offline_till"]

OFFLINE_STATUS = "offline"
"""The status of a sale taken offline, not yet on the server (its receipt says so)."""


def offline_detail(
    receipt: OfflineReceipt, cashier: str, cache: OfflineCache, store_name: str = ""
) -> OrderDetail:
    """The receipt's ``OrderDetail`` of a journalled sale (ids 0: the server has none yet).

    ``store_name`` is the store's name as last read from the server (its code when unknown).
    """
    sale, cart = receipt.entry.sale, receipt.cart
    till = cache.till()
    code = till.store_code if till is not None else ""
    store = StoreHeader(sale.store_id, code, store_name or code, "", "")
    priced = {line.line_no: line for line in cart.lines}
    lines = tuple(
        OrderLineDTO(
            id=0,
            line_no=line.line_no,
            product_id=line.product_id,
            sku=_sku(cache, line.product_id),
            name=line.name,
            quantity=line.quantity,
            returned_qty=0,
            list_price_minor=line.unit_price_minor,
            unit_price_minor=line.unit_price_minor,
            discount_minor=priced[line.line_no].line_discount_minor,
            order_discount_minor=priced[line.line_no].order_discount_minor,
            coupon_minor=priced[line.line_no].coupon_minor,
            tax_rate_bp=line.tax_rate_bp,
            tax_included=line.tax_included,
            tax_minor=priced[line.line_no].tax_minor,
            total_minor=priced[line.line_no].total_minor,
            unit=line.unit,
        )
        for line in sale.lines
    )
    change_left = receipt.change_minor
    payments = []
    for tender in sale.tenders:
        change = change_left if tender.kind is TenderKind.CASH else 0
        change_left -= change
        payments.append(
            PaymentDTO(
                id=0,
                method=tender.kind.value,
                amount_minor=tender.amount_minor,
                tendered_minor=tender.tendered_minor,
                change_minor=change,
                card_reference=tender.card_reference,
                card_last4=tender.card_last4,
                account_number="",
                created_at=sale.taken_at,
                user_name=cashier,
            )
        )
    return OrderDetail(
        id=-receipt.entry.seq,
        number=receipt.number,
        sale_uuid=sale.sale_uuid,
        status=OFFLINE_STATUS,
        store=store,
        register=sale.register,
        cashier_name=cashier,
        customer=None,
        created_at=sale.taken_at,
        placed_at=sale.taken_at,
        paid_at=sale.taken_at,
        closed_at=sale.taken_at,
        pickup=False,
        subtotal_minor=cart.subtotal_minor,
        discount_minor=cart.line_discount_minor + cart.order_discount_minor,
        coupon_minor=cart.coupon_minor,
        tax_minor=cart.tax_minor,
        total_minor=cart.total_minor,
        paid_minor=sum(t.amount_minor for t in sale.tenders),
        refunded_minor=0,
        note=sale.note,
        lines=lines,
        payments=tuple(payments),
        history=(),
        coupons=(),
        returns=(),
        taxes=cart.taxes,
    )


def offline_till(
    cache: OfflineCache, last: TillSessionDTO | None, register: str
) -> TillSessionDTO | None:
    """The register's open till while offline: the last one read if the cache still has it."""
    cached = cache.till()
    if cached is None:
        return None
    if last is not None and last.id == cached.session_id and last.closed_at is None:
        return last
    read_at = cache.read_at()
    if read_at is None:
        return None
    return TillSessionDTO(
        id=cached.session_id,
        store_id=cached.store_id,
        store_name=cached.store_code,
        register=register,
        cashier_id=cached.cashier_id,
        cashier_name="",
        opened_at=read_at,
        float_minor=0,
        closed_at=None,
        expected_minor=None,
        counted_minor=None,
    )


def _sku(cache: OfflineCache, product_id: int) -> str:
    product = cache.product(product_id)
    return "" if product is None else product.sku_key
