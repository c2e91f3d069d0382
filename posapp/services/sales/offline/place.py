"""An offline sale as the checkout draft that places it on the server.

The draft carries the sale's own UUID and payment UUIDs, so placing it is idempotent like any
sale: a sale whose COMMIT answer was lost is found, not placed twice. Each line goes at the price
the customer paid, and its discount as the amount taken off; the total the customer was shown is
the expected total, so a price changed on the server meanwhile is noticed instead of charged.

This is the happy path (the prices, products and stock as they were): what the server must do
when they are not (the sale keeps its prices, stock may go below zero, every such difference a
sync conflict for the manager) is the server-side use case still to build (docs/OFFLINE.md).
"""

from __future__ import annotations

from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.offline.sale import OfflineSale, TenderKind
from posapp.services.sales.pricing import Discount

__all__ = ["draft_of"]

_KINDS = {TenderKind.CASH: PaymentKind.CASH, TenderKind.CARD: PaymentKind.CARD}


def draft_of(sale: OfflineSale) -> SaleDraft:
    """The checkout draft of ``sale`` (see the module's text)."""
    return SaleDraft(
        sale_uuid=sale.sale_uuid,
        lines=tuple(
            DraftLine(
                line.line_no,
                line.product_id,
                line.quantity,
                unit_price_minor=line.unit_price_minor,
                discount=Discount.amount(line.discount_minor) if line.discount_minor else None,
            )
            for line in sale.lines
        ),
        payments=tuple(
            PaymentDraft(
                tender.payment_uuid,
                _KINDS[tender.kind],
                tender.amount_minor,
                tender.tendered_minor,
                card_reference=tender.card_reference,
                card_last4=tender.card_last4,
            )
            for tender in sale.tenders
        ),
        coupon_codes=sale.coupon_codes,
        expected_total_minor=sale.total_minor,
        note=sale.note,
    )
