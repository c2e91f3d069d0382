"""Order payments from and refunds to customer accounts, inside the checkout's unit of work.

For the orders engineer: :func:`pay_from_account` and :func:`refund_to_account` neither open
``with uow:`` nor commit; the checkout owns the transaction and publishes the ``AccountMoved``
events when it commits. :func:`till_cash_delta` gives a till session's cash moved by account
deposits and withdrawals, for its expected cash.
"""

from __future__ import annotations

import uuid

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from posapp.i18n import _
from posapp.models import (
    LedgerAccount,
    LedgerAccountKind,
    LedgerEntry,
    LedgerTransaction,
    Order,
)
from posapp.services.accounts.core import (
    Posting,
    announce,
    existing_transaction,
    load,
    load_by_number,
    post_once,
    require_can_receive,
    shop,
)
from posapp.services.accounts.dto import MovementKind
from posapp.services.accounts.ledger import Leg
from posapp.services.accounts.steps import (
    audit_movement,
    check_spender,
    confirm_spender,
    post_spending,
)
from posapp.services.accounts.validation import check_amount
from posapp.services.platform.errors import NotFoundError
from posapp.services.platform.uow import UnitOfWork


def pay_from_account(
    uow: UnitOfWork,
    *,
    account_number: str,
    pin: str,
    amount_minor: int,
    order_id: int,
    user_id: int,
    key: uuid.UUID,
    store_id: int,
) -> int:
    """Pay (part of) an order from a customer account, inside the checkout's unit of work.

    Checks the account's status, the holder's PIN (three wrong PINs lock the account; the count
    survives the checkout's rollback) and funds, then debits the account and credits the shop's
    sales clearing account. It neither opens ``with uow:`` nor commits: the caller does. The
    ``AccountMoved`` event is published when the caller commits.

    Returns:
        The ledger transaction id (the first one's when ``key`` was used before).

    Raises:
        ValidationError: the number is mistyped, or the amount is not above zero.
        NotFoundError: no account has this number.
        AccountStatusError: the account is frozen or closed.
        WrongPinError, AccountLockedError: the PIN is wrong, or the account is locked.
        InsufficientFundsError: the balance (plus overdraft) is not enough.
        ConflictError: ``key`` was used for a different movement.
    """
    amount = check_amount(amount_minor)
    found = load_by_number(uow, account_number)
    matched = check_spender(uow, found, amount, pin, key, user_id)
    account, ledger = load(uow, found[0].id, lock=True)
    clearing = shop(uow, LedgerAccountKind.SALES_CLEARING)
    if existing_transaction(uow, key) is None:
        confirm_spender(account, matched)
    kind = MovementKind.PAYMENT.value
    posting = Posting(
        key=key,
        kind=kind,
        legs=(Leg(ledger.id, -amount), Leg(clearing, amount)),
        user_id=user_id,
        memo=f"Payment for order {_order_number(uow, order_id)}",
        order_id=order_id,
        extra={"order_id": order_id, "store_id": store_id},
    )
    posted = post_spending(uow, account, ledger, posting)
    if not posted.replayed:
        announce(uow, account.id, posted.transaction_id, kind, -amount, posted.balances[ledger.id])
        audit_movement(uow, user_id, account.id, kind, -amount, posted, ledger.id)
    return posted.transaction_id


def refund_to_account(
    uow: UnitOfWork,
    *,
    customer_account_id: int,
    amount_minor: int,
    order_id: int,
    user_id: int,
    key: uuid.UUID,
) -> int:
    """Refund (part of) an order to a customer account, inside the caller's unit of work.

    Credits the account (open or frozen: a frozen account still receives) and debits the sales
    clearing account. It neither opens ``with uow:`` nor commits.

    Returns:
        The ledger transaction id (the first one's when ``key`` was used before).

    Raises:
        ValidationError: the amount is not above zero.
        NotFoundError: there is no such account.
        AccountStatusError: the account is closed.
        ConflictError: ``key`` was used for a different movement.
    """
    amount = check_amount(amount_minor)
    account, ledger = load(uow, customer_account_id, lock=True)
    clearing = shop(uow, LedgerAccountKind.SALES_CLEARING)
    if existing_transaction(uow, key) is None:
        require_can_receive(account)
    kind = MovementKind.REFUND.value
    posting = Posting(
        key=key,
        kind=kind,
        legs=(Leg(ledger.id, amount), Leg(clearing, -amount)),
        user_id=user_id,
        memo=f"Refund of order {_order_number(uow, order_id)}",
        order_id=order_id,
        extra={"order_id": order_id},
    )
    posted = post_once(uow, posting)
    if not posted.replayed:
        announce(uow, account.id, posted.transaction_id, kind, amount, posted.balances[ledger.id])
        audit_movement(uow, user_id, account.id, kind, amount, posted, ledger.id)
    return posted.transaction_id


def _order_number(uow: UnitOfWork, order_id: int) -> str:
    number = uow.session.scalar(select(Order.number).where(Order.id == order_id))
    if number is None:
        raise NotFoundError(_("No order with id {order_id}.").format(order_id=order_id))
    return str(number)


def till_cash_delta(uow: UnitOfWork, till_session_id: int) -> int:
    """Cash that account deposits (+) and withdrawals (-) moved into a till session's drawer.

    The till's expected cash is its float plus cash sales plus this (for the orders' X/Z).
    Runs inside the caller's unit of work.
    """
    drawer = aliased(LedgerAccount)
    total = uow.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(
            drawer,
            and_(
                drawer.id == LedgerEntry.ledger_account_id,
                drawer.kind == LedgerAccountKind.CASH_DRAWER.value,
            ),
        )
        .where(LedgerTransaction.till_session_id == till_session_id)
    )
    # The drawer's leg is the mirror of the customer's: -100 on the drawer is 100 of cash in.
    return -int(total or 0)
