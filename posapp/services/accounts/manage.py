"""Customer accounts: open, edit, freeze, close, PINs — and, re-exported, money and queries.

The account's own actions live here; the movements of money in :mod:`accounts_money` and the
reads of lists, movements and statements in :mod:`accounts_queries`. Import any of them from
this module: ``from posapp.services.accounts.manage import deposit, pay_from_account, statement``.

Every action is ``verb(uow, actor, ...)``: one unit of work that checks the actor's permission
(MANAGE_ACCOUNTS to open, edit, freeze, close, reset PINs and unlock; VIEW_ACCOUNTS to look),
writes, audits and commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from posapp.i18n import N_, _
from posapp.models import (
    AccountStatus,
    Customer,
    CustomerAccount,
    LedgerAccount,
    LedgerAccountKind,
)
from posapp.money import format_money
from posapp.services.accounts import numbers as account_numbers
from posapp.services.accounts.core import AccountStatusError, load, load_by_number, snapshot, to_dto
from posapp.services.accounts.dto import AccountDraft, AccountDTO, state_word
from posapp.services.accounts.ledger import InsufficientFundsError
from posapp.services.accounts.movements import (
    APPROVAL_SETTING,
    DEFAULT_APPROVAL_MINOR,
    ApprovalRequiredError,
    DailyLimitError,
    deposit,
    reverse,
    transfer,
    withdraw,
    withdrawal_rules,
)
from posapp.services.accounts.order_payments import (
    pay_from_account,
    refund_to_account,
    till_cash_delta,
)
from posapp.services.accounts.pin import (
    LOCK_AFTER,
    AccountLockedError,
    WrongPinError,
    check_pin,
    confirm_pin,
)
from posapp.services.accounts.queries import (
    account_rows,
    movements_page,
    search_accounts,
    statement,
)
from posapp.services.accounts.validation import (
    check_daily_limit,
    check_overdraft,
    clean_email,
    clean_holder_name,
    clean_phone,
    clean_pin,
    clean_reason,
)
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, ValidationError
from posapp.services.platform.uow import STALE, UnitOfWork
from posapp.services.staff import Permission, authorize, hash_password, requires

__all__ = [
    "APPROVAL_SETTING",
    "DEFAULT_APPROVAL_MINOR",
    "LOCK_AFTER",
    "AccountLockedError",
    "AccountStatusError",
    "ApprovalRequiredError",
    "DailyLimitError",
    "InsufficientFundsError",
    "WrongPinError",
    "account_rows",
    "balance",
    "close_account",
    "deposit",
    "edit_account",
    "find_account",
    "freeze_account",
    "get_account",
    "movements_page",
    "open_account",
    "pay_from_account",
    "refund_to_account",
    "reset_pin",
    "reverse",
    "search_accounts",
    "statement",
    "till_cash_delta",
    "transfer",
    "unfreeze_account",
    "unlock_account",
    "verify_account_pin",
    "withdraw",
    "withdrawal_rules",
]

_NUMBER_ATTEMPTS = 8
_LEDGER_NAME_MAX = 100


def _clean_draft(draft: AccountDraft) -> AccountDraft:
    return AccountDraft(
        holder_name=clean_holder_name(draft.holder_name),
        email=clean_email(draft.email),
        phone=clean_phone(draft.phone),
        overdraft_limit_minor=check_overdraft(draft.overdraft_limit_minor),
        daily_withdrawal_limit_minor=check_daily_limit(draft.daily_withdrawal_limit_minor),
        marketing_opt_in=bool(draft.marketing_opt_in),
    )


def _new_number(uow: UnitOfWork) -> str:
    for _unused in range(_NUMBER_ATTEMPTS):
        number = account_numbers.random_number()
        taken = uow.session.scalar(
            select(CustomerAccount.id).where(CustomerAccount.number == number)
        )
        if taken is None:
            return number
    raise ConflictError(_("Could not find a free account number; please try again."))


def _new_customer(uow: UnitOfWork, clean: AccountDraft, now: datetime) -> int:
    """Record the customer a new account belongs to, from the holder's details."""
    customer = Customer(
        name=clean.holder_name,
        email=clean.email,
        phone=clean.phone,
        marketing_opt_in=clean.marketing_opt_in,
        opt_changed_at=now if clean.marketing_opt_in else None,
        created_at=now,
        changed_at=now,
    )
    uow.session.add(customer)
    uow.flush()
    return customer.id


def _set_opt_in(uow: UnitOfWork, account: CustomerAccount, opted_in: bool) -> None:
    """Record the consent on the account's customer (the one place it lives)."""
    if account.customer_id is None or account.marketing_opt_in == opted_in:
        return
    customer = uow.session.get(Customer, account.customer_id)
    if customer is not None:
        customer.marketing_opt_in = opted_in
        customer.opt_changed_at = uow.now()
        uow.flush()
        uow.session.expire(account, ["marketing_opt_in", "opt_changed_at"])


@requires(Permission.MANAGE_ACCOUNTS)
def open_account(uow: UnitOfWork, actor: UserDTO, draft: AccountDraft, pin: str) -> AccountDTO:
    """Open an account for a holder who chose ``pin`` (4 to 6 digits); its balance is zero.

    Raises:
        ValidationError: a field is not acceptable (the message names it).
    """
    clean = _clean_draft(draft)
    pin_hash = hash_password(clean_pin(pin))  # Argon2 before the transaction: no lock held
    with uow:
        user = authorize(uow, actor, Permission.MANAGE_ACCOUNTS)
        now = uow.now()
        ledger = LedgerAccount(
            kind=LedgerAccountKind.CUSTOMER.value,
            name=clean.holder_name[:_LEDGER_NAME_MAX],
            balance_minor=0,
            overdraft_limit_minor=clean.overdraft_limit_minor,
            created_at=now,
        )
        uow.session.add(ledger)
        uow.flush()
        account = CustomerAccount(
            number=_new_number(uow),
            ledger_account_id=ledger.id,
            holder_name=clean.holder_name,
            email=clean.email,
            phone=clean.phone,
            status=AccountStatus.OPEN.value,
            customer_id=_new_customer(uow, clean, now),
            pin_hash=pin_hash,
            daily_withdrawal_limit_minor=clean.daily_withdrawal_limit_minor,
            created_at=now,
            changed_at=now,
        )
        uow.session.add(account)
        uow.flush()
        after = snapshot(account, ledger) | {"number": account.number}
        _audit(uow, user.id, account, "account.opened", None, after)
        return _committed(uow, account, ledger)


@requires(Permission.MANAGE_ACCOUNTS)
def edit_account(
    uow: UnitOfWork,
    actor: UserDTO,
    account_id: int,
    draft: AccountDraft,
    *,
    expected_version: int | None = None,
) -> AccountDTO:
    """Change the holder's details and the limits of an open or frozen account.

    Args:
        uow: The unit of work.
        actor: Who edits.
        account_id: The account.
        draft: The new values of every field.
        expected_version: The version the form was loaded at; a later change is refused.

    Raises:
        ValidationError: a field is not acceptable, or the overdraft limit would be below what
            the account already owes.
        ConflictError: someone else changed the account since ``expected_version``.
        AccountStatusError: the account is closed.
    """
    clean = _clean_draft(draft)
    with uow:
        user = authorize(uow, actor, Permission.MANAGE_ACCOUNTS)
        account, ledger = load(uow, account_id, lock=True)
        if expected_version is not None and account.version != expected_version:
            raise ConflictError(_(STALE))
        if account.status == AccountStatus.CLOSED.value:
            raise AccountStatusError(_("A closed account cannot be changed."))
        before = snapshot(account, ledger)
        if clean.overdraft_limit_minor != ledger.overdraft_limit_minor:
            _set_overdraft(uow, ledger, clean.overdraft_limit_minor)
        _set_opt_in(uow, account, clean.marketing_opt_in)
        account.holder_name = clean.holder_name
        account.email = clean.email
        account.phone = clean.phone
        account.daily_withdrawal_limit_minor = clean.daily_withdrawal_limit_minor
        ledger.name = clean.holder_name[:_LEDGER_NAME_MAX]
        after = snapshot(account, ledger)
        if after != before:
            account.changed_at = uow.now()
            _audit(uow, user.id, account, "account.edited", before, after)
        return _committed(uow, account, ledger)


def _audit(
    uow: UnitOfWork,
    user_id: int,
    account: CustomerAccount,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    reason: str = "",
) -> None:
    """Audit a change to ``account`` (``before`` None for a new one)."""
    uow.audit(
        AuditRecord(action, user_id, "customer_account", account.id, before, after, reason=reason)
    )


def _committed(uow: UnitOfWork, account: CustomerAccount, ledger: LedgerAccount) -> AccountDTO:
    """Flush and commit a change to the account; return it as it now stands."""
    uow.flush()
    result = to_dto(account, ledger)
    uow.commit()
    return result


def _set_overdraft(uow: UnitOfWork, ledger: LedgerAccount, limit: int) -> None:
    """Change the overdraft limit in one guarded statement (never below what is owed)."""
    table = LedgerAccount
    changed = uow.session.execute(
        update(table)
        .where(table.id == ledger.id, table.balance_minor >= -limit)
        .values(overdraft_limit_minor=limit)
        .returning(table.balance_minor)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    uow.session.refresh(ledger)
    if changed is None:
        owed = format_money(-ledger.balance_minor)
        raise ValidationError(
            _("The account owes {owed}: the overdraft limit cannot be lower.").format(owed=owed)
        )


_REFUSED: dict[AccountStatus, str] = {
    AccountStatus.FROZEN: N_("Account {number} is {status}: it cannot be frozen."),
    AccountStatus.OPEN: N_("Account {number} is {status}: it cannot be unfrozen."),
    AccountStatus.CLOSED: N_("Account {number} is {status}: it cannot be closed."),
}
"""A status change refused, by the status it would have given the account."""
_AUDITED: dict[AccountStatus, str] = {
    AccountStatus.FROZEN: "frozen",
    AccountStatus.OPEN: "unfrozen",
    AccountStatus.CLOSED: "closed",
}
"""The audit action of each status change: ``account.frozen``, ``account.unfrozen``…"""


def _change_status(
    uow: UnitOfWork,
    actor: UserDTO,
    account_id: int,
    *,
    allowed_from: tuple[AccountStatus, ...],
    to: AccountStatus,
    reason: str,
) -> AccountDTO:
    with uow:
        user = authorize(uow, actor, Permission.MANAGE_ACCOUNTS)
        account, ledger = load(uow, account_id, lock=True)
        number = account_numbers.display(account.number)
        if account.status == to.value:
            raise ValidationError(
                _("Account {number} is already {to}.").format(
                    number=number, to=state_word(to.value)
                )
            )
        if account.status not in {status.value for status in allowed_from}:
            raise AccountStatusError(
                _(_REFUSED[to]).format(number=number, status=state_word(account.status))
            )
        if to is AccountStatus.CLOSED and ledger.balance_minor != 0:
            amount = format_money(abs(ledger.balance_minor))
            message = (
                _(
                    "Account {number} still holds {amount}: "
                    "its balance must be zero before it is closed."
                )
                if ledger.balance_minor > 0
                else _(
                    "Account {number} owes {amount}: its balance must be zero before it is closed."
                )
            )
            raise ValidationError(message.format(number=number, amount=amount))
        before = {"status": account.status}
        account.status = to.value
        account.changed_at = uow.now()
        action = f"account.{_AUDITED[to]}"
        _audit(uow, user.id, account, action, before, {"status": to.value}, reason)
        return _committed(uow, account, ledger)


@requires(Permission.MANAGE_ACCOUNTS)
def freeze_account(uow: UnitOfWork, actor: UserDTO, account_id: int, reason: str) -> AccountDTO:
    """Freeze an open account: it can still receive money but not spend it.

    Raises:
        ValidationError: no reason, or already frozen.
        AccountStatusError: the account is closed.
    """
    why = clean_reason(reason, required=True)
    return _change_status(
        uow,
        actor,
        account_id,
        allowed_from=(AccountStatus.OPEN,),
        to=AccountStatus.FROZEN,
        reason=why,
    )


@requires(Permission.MANAGE_ACCOUNTS)
def unfreeze_account(
    uow: UnitOfWork, actor: UserDTO, account_id: int, reason: str = ""
) -> AccountDTO:
    """Open a frozen account again.

    Raises:
        ValidationError: the account is already open.
        AccountStatusError: the account is closed.
    """
    return _change_status(
        uow,
        actor,
        account_id,
        allowed_from=(AccountStatus.FROZEN,),
        to=AccountStatus.OPEN,
        reason=clean_reason(reason),
    )


@requires(Permission.MANAGE_ACCOUNTS)
def close_account(uow: UnitOfWork, actor: UserDTO, account_id: int, reason: str) -> AccountDTO:
    """Close an open or frozen account whose balance is zero; a closed account stays closed.

    Raises:
        ValidationError: no reason, already closed, or the balance is not zero.
    """
    why = clean_reason(reason, required=True)
    return _change_status(
        uow,
        actor,
        account_id,
        allowed_from=(AccountStatus.OPEN, AccountStatus.FROZEN),
        to=AccountStatus.CLOSED,
        reason=why,
    )


@requires(Permission.MANAGE_ACCOUNTS)
def reset_pin(uow: UnitOfWork, actor: UserDTO, account_id: int, pin: str) -> AccountDTO:
    """Set the PIN the holder chose (4 to 6 digits); this also clears a lock.

    Raises:
        ValidationError: the PIN is not 4 to 6 digits.
        AccountStatusError: the account is closed.
    """
    pin_hash = hash_password(clean_pin(pin))

    def check(account: CustomerAccount) -> None:
        if account.status == AccountStatus.CLOSED.value:
            raise AccountStatusError(_("A closed account cannot be changed."))

    return _clear_pin_lock(uow, actor, account_id, "account.pin_reset", check, pin_hash)


@requires(Permission.MANAGE_ACCOUNTS)
def unlock_account(uow: UnitOfWork, actor: UserDTO, account_id: int) -> AccountDTO:
    """Unlock an account locked by wrong PINs (the PIN stays the same).

    Raises:
        ValidationError: the account is not locked.
    """

    def check(account: CustomerAccount) -> None:
        if not account.pin_locked:
            raise ValidationError(
                _("Account {number} is not locked.").format(
                    number=account_numbers.display(account.number)
                )
            )

    return _clear_pin_lock(uow, actor, account_id, "account.unlocked", check)


def _clear_pin_lock(
    uow: UnitOfWork,
    actor: UserDTO,
    account_id: int,
    action: str,
    check: Callable[[CustomerAccount], None],
    pin_hash: str | None = None,
) -> AccountDTO:
    """Clear an account's PIN failures and lock (and set a new PIN), audited as ``action``.

    ``check`` refuses the change for the locked account row before anything is written.
    """
    with uow:
        user = authorize(uow, actor, Permission.MANAGE_ACCOUNTS)
        account, ledger = load(uow, account_id, lock=True)
        check(account)
        before = {"pin_locked": account.pin_locked, "pin_failures": account.pin_failures}
        if pin_hash is not None:
            account.pin_hash = pin_hash
        account.pin_failures = 0
        account.pin_locked = False
        account.changed_at = uow.now()
        _audit(uow, user.id, account, action, before, {"pin_locked": False, "pin_failures": 0})
        return _committed(uow, account, ledger)


@requires(Permission.VIEW_ACCOUNTS)
def verify_account_pin(
    uow: UnitOfWork, actor: UserDTO, account_number: str, pin: str
) -> AccountDTO:
    """Check the holder's PIN at the till (for a balance inquiry); wrong PINs count to the lock.

    Raises:
        WrongPinError: the PIN is wrong.
        AccountLockedError: the account is (now) locked.
    """
    with uow:
        user = authorize(uow, actor, Permission.VIEW_ACCOUNTS)
        account, ledger = load_by_number(uow, account_number)
        matched = check_pin(uow, account, pin, user_id=user.id)
        account, ledger = load(uow, account.id, lock=True)
        confirm_pin(account, matched)
        return _committed(uow, account, ledger)


@requires(Permission.VIEW_ACCOUNTS)
def get_account(uow: UnitOfWork, actor: UserDTO, account_id: int) -> AccountDTO:
    """Return one account with its balance.

    Raises:
        NotFoundError: there is no such account.
    """
    with uow:
        authorize(uow, actor, Permission.VIEW_ACCOUNTS)
        return to_dto(*load(uow, account_id))


@requires(Permission.VIEW_ACCOUNTS)
def find_account(uow: UnitOfWork, actor: UserDTO, number: str) -> AccountDTO:
    """Return the account with this number (typed with or without spaces).

    Raises:
        ValidationError: the number is malformed or has a mistyped digit.
        NotFoundError: no account has this number.
    """
    with uow:
        authorize(uow, actor, Permission.VIEW_ACCOUNTS)
        return to_dto(*load_by_number(uow, number))


@requires(Permission.VIEW_ACCOUNTS)
def balance(uow: UnitOfWork, actor: UserDTO, account_id: int) -> int:
    """Return an account's balance in minor units (the sum of its ledger entries).

    Raises:
        NotFoundError: there is no such account.
    """
    with uow:
        authorize(uow, actor, Permission.VIEW_ACCOUNTS)
        return load(uow, account_id)[1].balance_minor
