"""Steps every money movement on a customer account shares: checks, posting, audit, result."""

from __future__ import annotations

import uuid
from typing import Final

from posapp.i18n import _
from posapp.models import CustomerAccount, LedgerAccount
from posapp.money import format_money
from posapp.services.accounts.core import (
    Account,
    Posting,
    existing_transaction,
    post_once,
    require_can_spend,
)
from posapp.services.accounts.dto import MovementResult
from posapp.services.accounts.ledger import InsufficientFundsError, Posted
from posapp.services.accounts.numbers import display
from posapp.services.accounts.pin import check_pin, confirm_pin
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.errors import ConflictError
from posapp.services.platform.uow import UnitOfWork

OBJECT_KIND: Final = "customer_account"


def movement_result(
    account_id: int, kind: str, amount: int, posted: Posted, ledger_id: int, approver: int | None
) -> MovementResult:
    """The result of a movement for the account ``account_id`` (balance after it)."""
    return MovementResult(
        transaction_id=posted.transaction_id,
        account_id=account_id,
        kind=kind,
        amount_minor=amount,
        balance_minor=posted.balances[ledger_id],
        replayed=posted.replayed,
        approver_id=approver,
    )


def audit_movement(
    uow: UnitOfWork,
    user_id: int,
    account_id: int,
    kind: str,
    amount: int,
    posted: Posted,
    ledger_id: int,
    *,
    approver_id: int | None = None,
    reason: str = "",
) -> None:
    """Audit a movement on one account: its balance before and after, the amount, who."""
    after_balance = posted.balances[ledger_id]
    uow.audit(
        AuditRecord(
            f"account.{kind}",
            user_id,
            OBJECT_KIND,
            account_id,
            {"balance_minor": after_balance - amount},
            {
                "balance_minor": after_balance,
                "amount_minor": amount,
                "transaction_id": posted.transaction_id,
            },
            approver_id=approver_id,
            reason=reason,
        )
    )


def insufficient(account: CustomerAccount, ledger: LedgerAccount) -> InsufficientFundsError:
    """The refusal of a debit, saying what is available."""
    available = max(0, ledger.balance_minor + ledger.overdraft_limit_minor)
    return InsufficientFundsError(
        _("Not enough money on account {number}: {available} available.").format(
            number=display(account.number), available=format_money(available)
        )
    )


def post_spending(
    uow: UnitOfWork, account: CustomerAccount, ledger: LedgerAccount, posting: Posting
) -> Posted:
    """Post a movement that debits ``account``; say what is available when it is too much."""
    try:
        return post_once(uow, posting)
    except InsufficientFundsError as exc:
        uow.session.refresh(ledger)
        raise insufficient(account, ledger) from exc


def check_spender(
    uow: UnitOfWork, account: Account, amount: int, pin: str, key: uuid.UUID, user_id: int
) -> str | None:
    """Before locking: check the PIN (not for replays), then refuse what cannot succeed.

    The PIN comes before the funds: a refusal for want of money says what is available, and
    only someone who proved the PIN may learn the balance. A wrong PIN is counted whatever the
    amount (issue #16). The funds test after it spares taking the row lock when the money is
    plainly not there; the guarded UPDATE in ``post`` stays the one that decides.
    """
    if existing_transaction(uow, key) is not None:
        return None
    customer, ledger = account
    require_can_spend(customer)
    matched = check_pin(uow, customer, pin, user_id=user_id)
    if ledger.balance_minor - amount < -ledger.overdraft_limit_minor:
        raise insufficient(customer, ledger)
    return matched


def confirm_spender(account: CustomerAccount, matched: str | None) -> None:
    """After locking: the status and PIN checked before the lock still hold."""
    require_can_spend(account)
    if matched is None:  # a replay that is no longer found cannot happen: keys stay forever
        raise ConflictError(_("This request changed while it was checked; please try again."))
    confirm_pin(account, matched)
