"""Receipts by email (issue #19): the PDF receipt and an itemised body, through the outbox.

At the change screen the cashier emails the receipt to the sale's customer or to an address the
customer gives. The email is written to the outbox (:func:`posapp.services.notifications.
enqueue_email`) in this use case's own transaction, with the audit entry, and the outbox sends
it with its retries. A receipt is transactional mail: the marketing consent does not apply to
it (it is sent whether or not the customer opted in to promotions).

The PDF is drawn by the edge's renderer (services never import ``posapp.reports``), from the
same :class:`~posapp.services.sales.receipt.ReceiptModel` the body is written from, so the
attachment and the text say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from posapp.i18n import N_, _
from posapp.models import Customer, Order, OutboxEmail
from posapp.services.accounts import clean_email
from posapp.services.notifications import Attachment, enqueue_email
from posapp.services.platform import registry, zone
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, ValidationError
from posapp.services.platform.ids import storable_id
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.queries import order_detail
from posapp.services.sales.receipt import ReceiptModel, ReceiptRow, receipt_model
from posapp.services.staff import Permission, authorize, requires

__all__ = ["EmailedReceipt", "ReceiptRenderer", "email_receipt", "receipt_text"]

ReceiptRenderer = Callable[[ReceiptModel], bytes]
"""Draws a receipt model as PDF bytes (``posapp.reports.receipt``, passed by the edge)."""
PDF = "application/pdf"
NO_ADDRESS = N_("Type the customer's email address: the sale has no customer with an email.")


@dataclass(frozen=True, slots=True)
class EmailedReceipt:
    """A receipt queued to be emailed."""

    email_id: int
    to_address: str
    number: str


def _row(row: ReceiptRow) -> str:
    return f"{row.left}  {row.right}".rstrip() if row.right else row.left


def receipt_text(model: ReceiptModel) -> str:
    """The email's body: the receipt itemised as plain text (lines, totals, payments, points)."""
    parts = [
        f"Thank you for shopping at {model.store_name}.",
        "",
        *model.store_lines,
        *(_row(r) for r in model.meta),
        "",
        *(_row(r) for r in model.items),
        "",
        *(_row(r) for r in model.totals),
        _row(model.total),
        *(f"Tax {t.rate}: {t.tax} of {t.gross}" for t in model.taxes),
        *(_row(r) for r in model.payments),
        *(_row(r) for r in model.points),
        "",
        "Your receipt is attached as a PDF.",
        *model.footer,
        *model.legal,
    ]
    return "\n".join(parts).strip() + "\n"


@requires(Permission.SELL)
def email_receipt(
    uow: UnitOfWork,
    actor: UserDTO,
    order_id: int,
    to_address: str,
    render: ReceiptRenderer,
) -> EmailedReceipt:
    """Queue the receipt of an order to ``to_address`` (empty: the sale's customer's email).

    One transaction: the outbox row, its PDF and the audit entry (``order.receipt_emailed``,
    without the address: the audit log is append-only and an erased customer's address must
    not stay in it).

    Raises:
        ValidationError: the address is not an email address, or none was typed and the sale's
            customer has none.
        NotFoundError: no such order, or it was never placed.
    """
    typed = clean_email(to_address)
    if not storable_id(order_id):
        raise NotFoundError(_("No order {order_id}.").format(order_id=order_id))
    detail = order_detail(uow, actor, order_id)
    if detail.placed_at is None:
        raise NotFoundError(
            _("Order {number} was never placed: it has no receipt.").format(number=detail.number)
        )
    with uow:
        user = authorize(uow, actor, Permission.SELL)
        order = uow.session.get(Order, order_id)
        if order is None:
            raise NotFoundError(_("No order {order_id}.").format(order_id=order_id))
        if user.store_id is not None and user.store_id != order.store_id:
            # A user of one store may not mail another store's receipts (the id is checked to
            # be the caller's, as everywhere; the same words as an unknown order: no probing).
            raise NotFoundError(_("No order {order_id}.").format(order_id=order_id))
        name, address = _customer(uow, order.customer_id)
        if not address and detail.customer is not None:
            name, address = detail.customer.holder_name, detail.customer.email
        if typed and typed.casefold() != address.casefold():
            name, address = "", typed  # an address the customer gave: no name to put on it
        if not address:
            raise ValidationError(_(NO_ADDRESS))
        model = receipt_model(detail, zone=zone.shop_zone(uow), shop=registry.shop_profile(uow))
        email_id = enqueue_email(
            uow,
            to_address=address,
            to_name=name,
            subject=f"Your receipt {detail.number} from {model.store_name}",
            body=receipt_text(model),
            kind="receipt",
            attachments=(Attachment(f"receipt-{detail.number}.pdf", PDF, render(model)),),
        )
        uow.flush()
        _link(uow, email_id, order)
        uow.audit(
            AuditRecord(
                "order.receipt_emailed",
                user.id,
                "order",
                order.id,
                after={"email_id": email_id, "to_customer": bool(name)},
            )
        )
        uow.commit()
        return EmailedReceipt(email_id, address, detail.number)


def _customer(uow: UnitOfWork, customer_id: int | None) -> tuple[str, str]:
    """The name and email of the order's customer (``("", "")``: none, or erased)."""
    if customer_id is None:
        return "", ""
    customer = uow.session.get(Customer, customer_id)
    if customer is None or customer.erased_at is not None:
        return "", ""
    return customer.name, customer.email


def _link(uow: UnitOfWork, email_id: int, order: Order) -> None:
    """Tie the email to the order and its account: an erasure finds and blanks it."""
    email = uow.session.get(OutboxEmail, email_id)
    assert email is not None  # written a moment ago in this transaction
    email.order_id = order.id
    email.customer_account_id = order.customer_account_id
