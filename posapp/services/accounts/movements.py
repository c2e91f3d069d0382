"""Money on customer accounts: deposit, withdraw, transfer, reverse, and pay or refund orders.

Every movement goes through :func:`posapp.services.accounts.ledger.post` with the caller's
idempotency key (a UUID the dialog makes when it opens): the same key again returns the first
result and moves nothing; the same key for other details is refused. A customer account is
only ever debited by ``post``'s guarded UPDATE, never by reading, checking and writing here.

Cash deposits and withdrawals are posted against the store's cash drawer account and linked to
the till session, which changes the session's expected cash (see :func:`till_cash_delta`).

Order payments and refunds, which run inside the checkout's unit of work, are in
:mod:`posapp.services.accounts.order_payments`.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from posapp.i18n import _
from posapp.models import (
    AccountStatus,
    CustomerAccount,
    LedgerEntry,
    LedgerTransaction,
    TillSession,
)
from posapp.money import format_money
from posapp.services.accounts.core import (
    AccountStatusError,
    Posting,
    announce,
    cash_drawer,
    existing_transaction,
    load,
    post_once,
    require_can_receive,
    till_session_for,
)
from posapp.services.accounts.dto import MovementKind, MovementResult, WithdrawalRules
from posapp.services.accounts.ledger import Leg
from posapp.services.accounts.numbers import display
from posapp.services.accounts.steps import (
    audit_movement,
    check_spender,
    confirm_spender,
    movement_result,
    post_spending,
)
from posapp.services.accounts.validation import check_amount, clean_reason
from posapp.services.platform import registry
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import (
    ConflictError,
    NotFoundError,
    ServiceError,
    ValidationError,
)
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import (
    Approval,
    Permission,
    authorize,
    check_approval,
    permissions_of,
    requires,
)

APPROVAL_SETTING: Final = registry.WITHDRAWAL_APPROVAL.key
"""Setting: withdrawals above this many minor units need a manager's approval."""
DEFAULT_APPROVAL_MINOR: Final = registry.WITHDRAWAL_APPROVAL.default
DAILY_WINDOW: Final = timedelta(hours=24)
"""The daily withdrawal limit counts the last 24 hours (a rolling day knows no time zones)."""
REVERSIBLE: Final = frozenset(
    {MovementKind.DEPOSIT, MovementKind.WITHDRAWAL, MovementKind.TRANSFER}
)


class ApprovalRequiredError(ServiceError):
    """A withdrawal above the threshold needs a manager's approval."""


class DailyLimitError(ServiceError):
    """A withdrawal would pass the account's daily withdrawal limit."""


@requires(Permission.DEPOSIT)
def deposit(
    uow: UnitOfWork,
    actor: UserDTO,
    account_id: int,
    amount_minor: int,
    *,
    key: uuid.UUID,
    store_id: int,
    till_session_id: int | None = None,
    memo: str = "",
) -> MovementResult:
    """Take cash into an open or frozen account at a store's till.

    Raises:
        ValidationError: the amount is not above zero, or the store cannot take cash.
        AccountStatusError: the account is closed.
        ConflictError: ``key`` was used for a different movement.
    """
    amount = check_amount(amount_minor)
    note = clean_reason(memo) or "Cash deposit"
    with uow:
        user = authorize(uow, actor, Permission.DEPOSIT)
        account, ledger = load(uow, account_id, lock=True)
        drawer = cash_drawer(uow, store_id)
        till = till_session_id
        if existing_transaction(uow, key) is None:
            require_can_receive(account)
            till = till_session_for(uow, store_id, till_session_id)
        posting = Posting(
            key=key,
            kind=MovementKind.DEPOSIT.value,
            legs=(Leg(ledger.id, amount), Leg(drawer, -amount)),
            user_id=user.id,
            memo=note,
            till_session_id=till,
            extra={"store_id": store_id},
        )
        posted = post_once(uow, posting)
        kind = MovementKind.DEPOSIT.value
        if not posted.replayed:
            announce(
                uow, account.id, posted.transaction_id, kind, amount, posted.balances[ledger.id]
            )
            audit_movement(uow, user.id, account.id, kind, amount, posted, ledger.id)
        result = movement_result(account.id, kind, amount, posted, ledger.id, None)
        uow.commit()
        return result


def _approval_threshold(uow: UnitOfWork) -> int:
    return registry.read(uow, registry.WITHDRAWAL_APPROVAL)


def _approve(
    uow: UnitOfWork, actor: UserDTO, role: str, amount: int, approval: Approval | None
) -> tuple[int | None, str]:
    """Who approves a withdrawal of ``amount`` (None below the threshold), and why."""
    threshold = _approval_threshold(uow)
    if amount <= threshold:
        return None, ""
    if Permission.WITHDRAW_ABOVE_LIMIT in permissions_of(role):
        return actor.id, "within the actor's own authority"
    if approval is None:
        raise ApprovalRequiredError(
            _("A withdrawal above {threshold} needs a manager's approval.").format(
                threshold=format_money(threshold)
            )
        )
    approver = check_approval(uow, actor, approval, Permission.WITHDRAW_ABOVE_LIMIT)
    return approver.id, approval.reason.strip()


def _withdrawn_within_day(uow: UnitOfWork, ledger_id: int) -> int:
    """Cash withdrawn from a ledger account in the last 24 hours, not counting reversed ones."""
    reversal = aliased(LedgerTransaction)
    since = uow.now() - DAILY_WINDOW
    total = uow.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .outerjoin(reversal, reversal.reversal_of_id == LedgerTransaction.id)
        .where(
            LedgerEntry.ledger_account_id == ledger_id,
            LedgerTransaction.kind == MovementKind.WITHDRAWAL.value,
            LedgerTransaction.created_at > since,
            reversal.id.is_(None),
        )
    )
    return -int(total or 0)


def _check_daily_limit(
    uow: UnitOfWork, account: CustomerAccount, ledger_id: int, amount: int
) -> None:
    limit = account.daily_withdrawal_limit_minor
    if limit is None:
        return
    # The account row is locked, so two withdrawals from it cannot both pass this check.
    done = _withdrawn_within_day(uow, ledger_id)
    if done + amount > limit:
        left = format_money(max(0, limit - done))
        raise DailyLimitError(
            _(
                "This passes the daily withdrawal limit of {limit}: {left} "
                "more can be withdrawn within 24 hours."
            ).format(limit=format_money(limit), left=left)
        )


@requires(Permission.WITHDRAW)
def withdraw(
    uow: UnitOfWork,
    actor: UserDTO,
    account_id: int,
    amount_minor: int,
    *,
    pin: str,
    key: uuid.UUID,
    store_id: int,
    till_session_id: int | None = None,
    approval: Approval | None = None,
    memo: str = "",
) -> MovementResult:
    """Pay out cash from an open account at a store's till, after the holder's PIN.

    Above the approval threshold (setting ``accounts.withdrawal_approval_minor``) a manager
    approves, unless the actor may approve it (WITHDRAW_ABOVE_LIMIT) themselves.

    Raises:
        AccountStatusError: the account is frozen or closed.
        WrongPinError, AccountLockedError: the PIN is wrong, or the account is locked.
        ApprovalRequiredError: the amount needs an approval that was not given.
        DailyLimitError: the daily withdrawal limit would be passed.
        InsufficientFundsError: the balance (plus overdraft) is not enough.
        ConflictError: ``key`` was used for a different movement.
    """
    amount = check_amount(amount_minor)
    note = clean_reason(memo) or "Cash withdrawal"
    kind = MovementKind.WITHDRAWAL.value
    with uow:
        user = authorize(uow, actor, Permission.WITHDRAW)
        matched = check_spender(uow, load(uow, account_id), amount, pin, key, user.id)
        account, ledger = load(uow, account_id, lock=True)
        drawer = cash_drawer(uow, store_id)
        posting = Posting(
            key=key,
            kind=kind,
            legs=(Leg(ledger.id, -amount), Leg(drawer, amount)),
            user_id=user.id,
            memo=note,
            extra={"store_id": store_id},
        )
        previous = existing_transaction(uow, key)
        if previous is None:
            confirm_spender(account, matched)
            approver_id, reason = _approve(uow, actor, user.role, amount, approval)
            _check_daily_limit(uow, account, ledger.id, amount)
            till = till_session_for(uow, store_id, till_session_id)
            posting = replace(posting, till_session_id=till, approver_id=approver_id)
        else:
            approver_id, reason = previous.approver_id, ""
        posted = post_spending(uow, account, ledger, posting)
        if not posted.replayed:
            balance = posted.balances[ledger.id]
            announce(uow, account.id, posted.transaction_id, kind, -amount, balance)
            audit_movement(
                uow,
                user.id,
                account.id,
                kind,
                -amount,
                posted,
                ledger.id,
                approver_id=approver_id,
                reason=reason,
            )
        result = movement_result(account.id, kind, -amount, posted, ledger.id, approver_id)
        uow.commit()
        return result


@requires(Permission.WITHDRAW)
def transfer(
    uow: UnitOfWork,
    actor: UserDTO,
    from_account_id: int,
    to_account_id: int,
    amount_minor: int,
    *,
    pin: str,
    key: uuid.UUID,
    memo: str = "",
) -> MovementResult:
    """Move money from one customer account to another, after the paying holder's PIN.

    Returns the result for the paying account (its amount is negative).

    Raises:
        ValidationError: both accounts are the same, or the amount is not above zero.
        AccountStatusError: the payer is frozen or closed, or the payee is closed.
        WrongPinError, AccountLockedError: the payer's PIN is wrong, or the account is locked.
        InsufficientFundsError: the payer's balance (plus overdraft) is not enough.
        ConflictError: ``key`` was used for a different movement.
    """
    if from_account_id == to_account_id:
        raise ValidationError(_("Choose two different accounts: an account cannot pay itself."))
    amount = check_amount(amount_minor)
    kind = MovementKind.TRANSFER.value
    with uow:
        user = authorize(uow, actor, Permission.WITHDRAW)
        matched = check_spender(uow, load(uow, from_account_id), amount, pin, key, user.id)
        # Lock both customer rows in id order, like every other movement: no deadlock.
        first, second = sorted((from_account_id, to_account_id))
        locked = {first: load(uow, first, lock=True), second: load(uow, second, lock=True)}
        payer, payer_ledger = locked[from_account_id]
        payee, payee_ledger = locked[to_account_id]
        note = clean_reason(memo) or f"Transfer {display(payer.number)} → {display(payee.number)}"
        if existing_transaction(uow, key) is None:
            confirm_spender(payer, matched)
            require_can_receive(payee)
        posting = Posting(
            key=key,
            kind=kind,
            legs=(Leg(payer_ledger.id, -amount), Leg(payee_ledger.id, amount)),
            user_id=user.id,
            memo=note,
        )
        posted = post_spending(uow, payer, payer_ledger, posting)
        if not posted.replayed:
            for account, ledger, signed in (
                (payer, payer_ledger, -amount),
                (payee, payee_ledger, amount),
            ):
                balance = posted.balances[ledger.id]
                announce(uow, account.id, posted.transaction_id, kind, signed, balance)
                audit_movement(uow, user.id, account.id, kind, signed, posted, ledger.id)
        result = movement_result(payer.id, kind, -amount, posted, payer_ledger.id, None)
        uow.commit()
        return result


@requires(Permission.MANAGE_ACCOUNTS)
def reverse(
    uow: UnitOfWork, actor: UserDTO, transaction_id: int, *, key: uuid.UUID, reason: str
) -> list[MovementResult]:
    """Correct a deposit, withdrawal or transfer by a reversal that mirrors its entries.

    The original is never changed: the reversal points at it (``reversal_of_id``, unique, so it
    is reversed at most once). Order payments and refunds are corrected through the order.
    A cash reversal belongs to the original's till session while that session is open.

    Returns:
        One result per customer account the reversal touched.

    Raises:
        NotFoundError: there is no such transaction.
        ValidationError: it cannot be reversed (kind, or it is itself a reversal); no reason.
        ConflictError: it was reversed already, or ``key`` was used for something else.
        AccountStatusError: a customer account involved is closed.
        InsufficientFundsError: undoing a credit would take an account below its limit.
    """
    why = clean_reason(reason, required=True)
    kind = MovementKind.REVERSAL.value
    with uow:
        user = authorize(uow, actor, Permission.MANAGE_ACCOUNTS)
        original = uow.session.get(LedgerTransaction, transaction_id)
        if original is None:
            raise NotFoundError(
                _("No ledger transaction {transaction_id}.").format(transaction_id=transaction_id)
            )
        entries = uow.session.scalars(
            select(LedgerEntry).where(LedgerEntry.transaction_id == original.id)
        ).all()
        customers = uow.session.scalars(
            select(CustomerAccount.id)
            .where(CustomerAccount.ledger_account_id.in_([e.ledger_account_id for e in entries]))
            .order_by(CustomerAccount.id)
        ).all()
        accounts = [load(uow, account_id, lock=True) for account_id in customers]
        till: int | None = None
        if existing_transaction(uow, key) is None:
            _check_reversible(uow, original)
            for account, _unused in accounts:
                if account.status == AccountStatus.CLOSED.value:
                    raise AccountStatusError(
                        _("Account {number} is closed: its movements stay as they are.").format(
                            number=display(account.number)
                        )
                    )
            till = _open_till(uow, original.till_session_id)
        posting = Posting(
            key=key,
            kind=kind,
            legs=tuple(Leg(e.ledger_account_id, -e.amount_minor) for e in entries),
            user_id=user.id,
            memo=f"Reversal of #{original.id}: {why}"[:500],
            reversal_of_id=original.id,
            till_session_id=till,
            extra={"reversal_of": original.id},
        )
        credited = {e.ledger_account_id for e in entries if e.amount_minor > 0}
        debited = next((a for a in accounts if a[1].id in credited), None)
        if debited is not None:
            posted = post_spending(uow, debited[0], debited[1], posting)
        else:
            posted = post_once(uow, posting)
        results = []
        for account, ledger in accounts:
            signed = -sum(e.amount_minor for e in entries if e.ledger_account_id == ledger.id)
            if not posted.replayed:
                balance = posted.balances[ledger.id]
                announce(uow, account.id, posted.transaction_id, kind, signed, balance)
                audit_movement(
                    uow, user.id, account.id, kind, signed, posted, ledger.id, reason=why
                )
            results.append(movement_result(account.id, kind, signed, posted, ledger.id, None))
        uow.commit()
        return results


def _check_reversible(uow: UnitOfWork, original: LedgerTransaction) -> None:
    if original.reversal_of_id is not None:
        raise ValidationError(
            _("A reversal cannot itself be reversed: make a new movement instead.")
        )
    if original.kind not in REVERSIBLE:
        raise ValidationError(
            _("A {kind} cannot be reversed here: correct it through its order.").format(
                kind=original.kind
            )
        )
    done = uow.session.scalar(
        select(LedgerTransaction.id).where(LedgerTransaction.reversal_of_id == original.id)
    )
    if done is not None:
        raise ConflictError(_("This movement has already been reversed."))


def _open_till(uow: UnitOfWork, till_session_id: int | None) -> int | None:
    if till_session_id is None:
        return None
    session = uow.session.get(TillSession, till_session_id)
    return till_session_id if session is not None and session.closed_at is None else None


@requires(Permission.VIEW_ACCOUNTS)
def withdrawal_rules(uow: UnitOfWork, actor: UserDTO, account_id: int) -> WithdrawalRules:
    """What limits a withdrawal from the account now, for the dialog to show up front."""
    with uow:
        authorize(uow, actor, Permission.VIEW_ACCOUNTS)
        account, ledger = load(uow, account_id)
        spendable = account.status == AccountStatus.OPEN.value
        return WithdrawalRules(
            approval_above_minor=_approval_threshold(uow),
            daily_limit_minor=account.daily_withdrawal_limit_minor,
            withdrawn_today_minor=_withdrawn_within_day(uow, ledger.id),
            available_minor=max(0, ledger.balance_minor + ledger.overdraft_limit_minor)
            if spendable
            else 0,
        )
