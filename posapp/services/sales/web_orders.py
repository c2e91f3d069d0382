"""Orders placed online: a pickup order through the till's own checkout, and its status.

:func:`place_web_order` prices the basket with the checkout's pricing (``price_sale``: stored
prices, the coupon's rules and refusals) and writes it with the checkout's writer
(``checkout.write_sale``): the order, its lines, the stock taken (conditional, never below zero),
the coupon's use, an account payment through the accounts ledger (PIN before balance, the same lock-
out), the history and the audit, plus the web customer's contact (``web_orders``) and their first
email, in one transaction. Events (``OrderPlaced`` and the rest) are published after it commits, so
the store's staff hear of it through the notification rules and the PostgreSQL relay like any pickup
order.

There is no cashier and no till: the rows are written under the web shop's service user
(:func:`~posapp.services.staff.service_user`), at the storefront the customer chose, with no till
session. A customer is nobody the staff tables know, so there is no permission to check; the edge
(the public API) limits the rate per address.

Idempotency: the ``Idempotency-Key`` is the sale's UUID. The same key with the same request returns
the first order (``replayed``); with a different request it is refused (409), so a retry can never
buy something else.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
import uuid
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from posapp.models import Order, OrderLine, OrderStatus, Store, WebOrder
from posapp.models.stores import StoreKind
from posapp.services.accounts import clean_email, clean_phone
from posapp.services.customers import clean_name
from posapp.services.notifications import enqueue_order_status_email
from posapp.services.platform.errors import ConflictError, NotFoundError, ValidationError
from posapp.services.platform.ids import storable_id
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.checkout import Seller, write_sale
from posapp.services.sales.checkout_pricing import price_sale
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.pricing import check_quantity
from posapp.services.sales.web_dto import (
    WebLine,
    WebOrderDraft,
    WebOrderLine,
    WebOrderStatus,
    WebPayment,
)
from posapp.services.staff import WEB_SHOP_USERNAME, Actor, service_user

__all__ = [
    "MAX_WEB_LINES",
    "WEB_REGISTER",
    "place_web_order",
    "web_order_status",
    "web_tenders",
]

MAX_WEB_LINES = 100
WEB_REGISTER = "web"
NUMBER_MAX = 32
EMAIL_MAX = 254
NO_SUCH_STORE = "No open store has this id: choose one of /api/v1/stores."
NO_SUCH_ORDER = "No order has this number and email address."
KEY_REUSED = "This Idempotency-Key was used for a different order: make a new key for a new order."
_ACCOUNT_PAYMENT = uuid.UUID("6f1a44d6-5a0c-4a4b-9b1e-0c6c1f7f2b11")


# --- checking the draft (no database) ----------------------------------------------------------


def _check(draft: WebOrderDraft) -> WebOrderDraft:
    """The draft with cleaned texts; malformed input refused before the database is touched."""
    if not draft.lines:
        raise ValidationError("The basket is empty.")
    if len(draft.lines) > MAX_WEB_LINES:
        raise ValidationError(f"A web order has at most {MAX_WEB_LINES} lines.")
    if not storable_id(draft.store_id):
        raise NotFoundError(NO_SUCH_STORE)
    merged: dict[int, int] = {}
    for line in draft.lines:
        if not storable_id(line.product_id):
            raise NotFoundError(f"No product has the id {line.product_id}.")
        merged[line.product_id] = check_quantity(
            merged.get(line.product_id, 0) + check_quantity(line.quantity)
        )
    payment = WebPayment(draft.payment)
    account, pin, card = "", "", ""
    if payment is WebPayment.ACCOUNT:
        account = clean_text(draft.account_number, "account number", limit=32, required=True)
        if not draft.pin:
            raise ValidationError("Enter the account's PIN.")
        pin = draft.pin[:64]
    if payment is WebPayment.GIFT_CARD:
        card = clean_text(draft.gift_card_code, "gift card code", limit=64, required=True)
    email = clean_email(draft.email)
    if not email:
        raise ValidationError("Enter an email address: the order's news goes there.")
    return WebOrderDraft(
        sale_uuid=draft.sale_uuid,
        store_id=draft.store_id,
        lines=tuple(WebLine(product, quantity) for product, quantity in merged.items()),
        customer_name=clean_name(draft.customer_name),
        email=email,
        phone=clean_phone(draft.phone),
        coupon_code=clean_text(draft.coupon_code, "coupon code", limit=64),
        payment=payment,
        account_number=account,
        pin=pin,
        expected_total_minor=draft.expected_total_minor,
        gift_card_code=card,
    )


def request_hash(draft: WebOrderDraft) -> str:
    """The fingerprint of what was asked (never the PIN): the same key must ask the same."""
    asked = {
        "store": draft.store_id,
        "lines": [[line.product_id, line.quantity] for line in draft.lines],
        "name": draft.customer_name,
        "email": draft.email,
        "phone": draft.phone,
        "coupon": draft.coupon_code,
        "payment": str(draft.payment),
        "account": draft.account_number,
        "expected": draft.expected_total_minor,
    }
    if draft.payment is WebPayment.GIFT_CARD:  # only then: older orders keep their fingerprint
        asked["gift_card"] = draft.gift_card_code
    return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()


def web_tenders(draft: WebOrderDraft, total_minor: int) -> tuple[PaymentDraft, ...]:
    """The checkout payments of the customer's choice for ``total_minor``.

    At pickup: none (the order waits for payment at the counter). A prepaid account or a gift
    card: the whole total, keyed by the sale so a retry never pays twice.
    """
    if draft.payment is WebPayment.AT_PICKUP or total_minor == 0:
        return ()
    key = uuid.uuid5(_ACCOUNT_PAYMENT, str(draft.sale_uuid))
    if draft.payment is WebPayment.GIFT_CARD:
        return (
            PaymentDraft(
                uuid.uuid5(_ACCOUNT_PAYMENT, f"gift card {draft.sale_uuid}"),
                PaymentKind.GIFT_CARD,
                total_minor,
                gift_card_code=draft.gift_card_code,
            ),
        )
    return (
        PaymentDraft(
            key,
            PaymentKind.ACCOUNT,
            total_minor,
            account_number=draft.account_number,
            pin=draft.pin,
        ),
    )


# --- placing ----------------------------------------------------------------------------------


def place_web_order(uow: UnitOfWork, draft: WebOrderDraft) -> WebOrderStatus:
    """Place (and, from a prepaid account, pay) a pickup order from the web, in one transaction.

    Returns:
        The order as its customer sees it; ``replayed`` when this key had placed it already.

    Raises:
        ValidationError: an empty basket, a bad quantity, name, email, phone or code.
        NotFoundError: no open storefront or no product with that id.
        InsufficientStockError: a product is short at the store (nothing is written).
        CouponRefused: the coupon cannot be used (the reason says why).
        PriceChangedError: the total differs from ``expected_total_minor``.
        ConflictError: the key was used for a different order.
        WrongPinError, AccountLockedError, InsufficientFundsError, AccountStatusError: the
            account payment is refused (a wrong PIN still counts towards the lock-out).
    """
    draft = _check(draft)
    digest = request_hash(draft)
    try:
        with uow:
            replay = _replay(uow, draft.sale_uuid, digest)
            if replay is not None:
                return replay
            order_id = _place(uow, draft, digest)
            placed = _status(uow, order_id)
            uow.commit()
            return placed
    except IntegrityError as exc:
        # The same key raced itself and the other request committed first.
        with uow:
            replay = _replay(uow, draft.sale_uuid, digest)
        if replay is not None:
            return replay
        raise ConflictError(KEY_REUSED) from exc


def _replay(uow: UnitOfWork, sale_uuid: uuid.UUID, digest: str) -> WebOrderStatus | None:
    row = uow.session.execute(
        select(Order.id, WebOrder.request_hash)
        .outerjoin(WebOrder, WebOrder.order_id == Order.id)
        .where(Order.sale_uuid == sale_uuid)
    ).one_or_none()
    if row is None:
        return None
    if row.request_hash is None or not hmac.compare_digest(row.request_hash, digest):
        raise ConflictError(KEY_REUSED)
    return replace(_status(uow, int(row.id)), replayed=True)


def _place(uow: UnitOfWork, draft: WebOrderDraft, digest: str) -> int:
    store = uow.session.execute(
        select(Store.id, Store.code).where(
            Store.id == draft.store_id, Store.kind == StoreKind.STORE.value, Store.active
        )
    ).one_or_none()
    if store is None:
        raise NotFoundError(NO_SUCH_STORE)
    web = service_user(uow, WEB_SHOP_USERNAME, "Web shop")
    sale = SaleDraft(
        draft.sale_uuid,
        tuple(DraftLine(n, ln.product_id, ln.quantity) for n, ln in enumerate(draft.lines, 1)),
        coupon_codes=(draft.coupon_code,) if draft.coupon_code else (),
        expected_total_minor=draft.expected_total_minor,
        note="Web order",
        pickup=True,
    )
    # No override or discount can be on a web line, so no approval is ever asked of this actor.
    priced = price_sale(uow, web, Actor(web.id, web.username, web.role), sale)
    for product in priced.products.values():
        if product.unit != "pc":  # a web quantity is a count: 2 would mean 2 g of cheese
            raise ValidationError(
                f"{product.name} is sold by weight or measure: it is weighed at the counter, "
                "not ordered online."
            )
    sale = replace(sale, payments=web_tenders(draft, priced.cart.total_minor))
    seller = Seller(web.id, int(store.id), str(store.code), None, register=WEB_REGISTER)
    placed = write_sale(uow, seller, sale, priced, paid_status=OrderStatus.PAID)
    uow.session.add(
        WebOrder(
            order_id=placed.order_id,
            customer_name=draft.customer_name,
            email=draft.email,
            email_key=_email_key(draft.email),
            phone=draft.phone,
            payment=str(draft.payment),
            request_hash=digest,
            created_at=uow.now(),
        )
    )
    uow.flush()
    enqueue_order_status_email(uow, placed.order_id, OrderStatus.PLACED.value)
    return placed.order_id


# --- the customer's status page ---------------------------------------------------------------


def _email_key(email: str) -> str:
    return unicodedata.normalize("NFKC", email).strip().casefold()[:EMAIL_MAX]


def web_order_status(uow: UnitOfWork, number: str, email: str) -> WebOrderStatus:
    """The web order with ``number`` placed with ``email``.

    Raises:
        NotFoundError: the same words whether the number does not exist, is not a web order,
            or the email is not the order's: the answer never tells which.
    """
    wanted = unicodedata.normalize("NFKC", number).strip().upper()[:NUMBER_MAX]
    key = _email_key(email)
    with uow:
        row = uow.session.execute(
            select(Order.id, WebOrder.email_key)
            .join(WebOrder, WebOrder.order_id == Order.id)
            .where(Order.number == wanted)
        ).one_or_none()
        stored = row.email_key if row is not None else "\0"
        if not hmac.compare_digest(stored.encode(), key.encode()) or row is None:
            raise NotFoundError(NO_SUCH_ORDER)
        return _status(uow, int(row.id))


def _status(uow: UnitOfWork, order_id: int) -> WebOrderStatus:
    head = uow.session.execute(
        select(Order, Store.name, WebOrder.payment)
        .join(Store, Store.id == Order.store_id)
        .join(WebOrder, WebOrder.order_id == Order.id, isouter=True)
        .where(Order.id == order_id)
    ).one()
    order: Order = head[0]
    lines = uow.session.scalars(
        select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.line_no)
    ).all()
    return WebOrderStatus(
        order_id=order.id,
        number=order.number,
        status=order.status,
        store_id=order.store_id,
        store_name=head[1],
        pickup=order.pickup,
        payment=head[2] or str(WebPayment.AT_PICKUP),
        placed_at=order.placed_at or order.created_at,
        subtotal_minor=order.subtotal_minor,
        coupon_minor=order.coupon_minor,
        tax_minor=order.tax_minor,
        total_minor=order.total_minor,
        paid_minor=order.paid_minor,
        refunded_minor=order.refunded_minor,
        lines=tuple(
            WebOrderLine(
                line.line_no,
                line.product_id,
                line.name,
                line.quantity,
                line.unit_price_minor,
                line.coupon_discount_minor,
                line.total_minor,
            )
            for line in lines
        ),
    )
