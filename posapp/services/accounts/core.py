"""Shared steps of the account services: loading with locks, read models, safe posting.

Internal to ``accounts``, ``accounts_money`` and ``accounts_queries``; other modules use those.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from posapp.events import AccountMoved
from posapp.i18n import _
from posapp.models import (
    AccountStatus,
    CustomerAccount,
    LedgerAccount,
    LedgerAccountKind,
    LedgerTransaction,
    Store,
    TillSession,
)
from posapp.models.stores import StoreKind
from posapp.services.accounts import numbers as account_numbers
from posapp.services.accounts.dto import AccountDTO
from posapp.services.accounts.ledger import Leg, Posted, find_shop_account, post, shop_account
from posapp.services.platform.audit import values_of
from posapp.services.platform.dto import from_row
from posapp.services.platform.errors import (
    ConflictError,
    NotFoundError,
    ServiceError,
    ValidationError,
)
from posapp.services.platform.uow import UnitOfWork

# PostgreSQL advisory lock keys (bigint) serialising the creation of the shop's own accounts.
_SHOP_LOCK_BASE: Final = 7_171_700_000_000


class AccountStatusError(ServiceError):
    """The account's status forbids this: a frozen account cannot spend, a closed one nothing."""


Account = tuple[CustomerAccount, LedgerAccount]


def to_dto(account: CustomerAccount, ledger: LedgerAccount) -> AccountDTO:
    """Build the read model of a customer account."""
    return from_row(
        AccountDTO,
        account,
        balance_minor=ledger.balance_minor,
        overdraft_limit_minor=ledger.overdraft_limit_minor,
        pin_set=account.pin_hash is not None,
    )


_AUDITED: Final = (
    "holder_name",
    "email",
    "phone",
    "status",
    "daily_withdrawal_limit_minor",
    "marketing_opt_in",
)
"""What the audit log keeps of an account's row (with its ledger's overdraft limit)."""


def snapshot(account: CustomerAccount, ledger: LedgerAccount) -> dict[str, Any]:
    """What the audit log keeps of an account before and after a change."""
    return values_of(account, _AUDITED) | {"overdraft_limit_minor": ledger.overdraft_limit_minor}


def load(uow: UnitOfWork, account_id: int, *, lock: bool = False) -> Account:
    """Load a customer account and its ledger account.

    With ``lock`` the customer row is locked (``FOR NO KEY UPDATE`` on PostgreSQL) until the end
    of the transaction, so a status change and a movement on the same account take turns and
    each sees the other's result. Rows are always locked customer first, then ledger accounts
    in id order (in ``post``), so movements cannot deadlock.

    Raises:
        NotFoundError: there is no such account.
    """
    query = select(CustomerAccount).where(CustomerAccount.id == account_id)
    if lock:
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    account = uow.session.scalar(query)
    if account is None:
        raise NotFoundError(
            _("No customer account with id {account_id}.").format(account_id=account_id)
        )
    ledger = uow.session.get(LedgerAccount, account.ledger_account_id, populate_existing=True)
    assert ledger is not None  # a foreign key
    return account, ledger


def load_by_number(uow: UnitOfWork, number: str, *, lock: bool = False) -> Account:
    """Load an account by its number as typed (spaces allowed; the check digits are verified).

    Raises:
        ValidationError: the number is malformed or mistyped.
        NotFoundError: no account has this number.
    """
    digits = account_numbers.validate(number)
    account_id = uow.session.scalar(
        select(CustomerAccount.id).where(CustomerAccount.number == digits)
    )
    if account_id is None:
        raise NotFoundError(
            _("No account has the number {digits}.").format(digits=account_numbers.display(digits))
        )
    return load(uow, account_id, lock=lock)


def require_can_receive(account: CustomerAccount) -> None:
    """Refuse money into a closed account (open and frozen accounts receive).

    Raises:
        AccountStatusError: the account is closed.
    """
    if account.status == AccountStatus.CLOSED.value:
        raise AccountStatusError(
            _("Account {number} is closed: it cannot receive money.").format(
                number=account_numbers.display(account.number)
            )
        )


def require_can_spend(account: CustomerAccount) -> None:
    """Refuse money out of a frozen or closed account.

    Raises:
        AccountStatusError: the account is frozen or closed.
    """
    number = account_numbers.display(account.number)
    if account.status == AccountStatus.FROZEN.value:
        raise AccountStatusError(
            _("Account {number} is frozen: it can receive money but not spend it.").format(
                number=number
            )
        )
    if account.status == AccountStatus.CLOSED.value:
        raise AccountStatusError(
            _("Account {number} is closed: no money can leave it.").format(number=number)
        )


def shop(uow: UnitOfWork, kind: LedgerAccountKind, store_id: int | None = None) -> int:
    """Return one of the shop's own ledger accounts, created at most once even under races.

    ``shop_account`` creates the account on first use, but nothing in the schema stops two
    registers doing so at the same time; on PostgreSQL the creation is serialised here by an
    advisory lock (SQLite serialises every writer already).
    """
    found = find_shop_account(uow, kind, store_id)
    if found is not None:
        return found
    if uow.session.get_bind().dialect.name == "postgresql":
        lock_key = _SHOP_LOCK_BASE + (store_id or 0) * 16 + list(LedgerAccountKind).index(kind)
        uow.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
    return shop_account(uow, kind, store_id)


def cash_drawer(uow: UnitOfWork, store_id: int) -> int:
    """The cash drawer ledger account of an active storefront.

    Raises:
        ValidationError: there is no such active storefront.
    """
    store = uow.session.get(Store, store_id)
    if store is None or not store.active or store.kind != StoreKind.STORE.value:
        raise ValidationError(_("Choose an active store for cash: this one cannot take cash."))
    return shop(uow, LedgerAccountKind.CASH_DRAWER, store_id)


def till_session_for(uow: UnitOfWork, store_id: int, till_session_id: int | None) -> int | None:
    """The till session whose expected cash a cash movement changes.

    A given session must be open, at ``store_id`` and this register's: cash taken at one till
    and booked to another's would make that other drawer look short. Without one, the open
    session of this register is used when there is one (the cash goes into that drawer), and
    it must be at ``store_id``; with no till open on this register (the back office) the cash
    is booked to the store's drawer account alone, as before.

    Raises:
        ValidationError: the given session is unknown, closed, at another store or another
            register's; or this register's open till is at another store.
    """
    if till_session_id is not None:
        session = uow.session.get(TillSession, till_session_id)
        if (
            session is None
            or session.closed_at is not None
            or session.store_id != store_id
            or session.register != uow.register
        ):
            raise ValidationError(_("That till session is not open at this store and register."))
        return session.id
    found = uow.session.execute(
        select(TillSession.id, TillSession.store_id)
        .where(TillSession.register == uow.register, TillSession.closed_at.is_(None))
        .order_by(TillSession.id.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    if found[1] != store_id:
        # The cash is in this register's drawer: booked to another store, it would be missed.
        raise ValidationError(
            _("This register's till is open at another store: move the cash at that store.")
        )
    return int(found[0])


def existing_transaction(uow: UnitOfWork, key: uuid.UUID) -> LedgerTransaction | None:
    """The transaction already posted with idempotency ``key``, if any."""
    return uow.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.idempotency_key == key)
    )


@dataclass(frozen=True, slots=True)
class Posting:
    """What to post: the arguments of :func:`posapp.services.accounts.ledger.post`."""

    key: uuid.UUID
    kind: str
    legs: tuple[Leg, ...]
    user_id: int
    memo: str = ""
    order_id: int | None = None
    till_session_id: int | None = None
    reversal_of_id: int | None = None
    approver_id: int | None = None
    extra: object = None


def _post(uow: UnitOfWork, posting: Posting) -> Posted:
    return post(
        uow,
        key=posting.key,
        kind=posting.kind,
        legs=posting.legs,
        user_id=posting.user_id,
        memo=posting.memo,
        order_id=posting.order_id,
        till_session_id=posting.till_session_id,
        reversal_of_id=posting.reversal_of_id,
        approver_id=posting.approver_id,
        extra=posting.extra,
    )


def post_once(uow: UnitOfWork, posting: Posting) -> Posted:
    """Post through ``ledger_core.post`` inside a savepoint, safe against a concurrent twin.

    Two registers sending the same idempotency key at once may both find it unused; on
    PostgreSQL the second one's insert waits for the first and then breaks the unique key. The
    savepoint is rolled back and ``post`` runs again, now replaying the first transaction (or
    refusing the key if the details differ), so exactly one movement is made and both callers
    get it.

    Raises:
        ConflictError: the key was used for something else, or the transaction being reversed
            was reversed at the same moment by someone else.
    """
    try:
        with uow.session.begin_nested():
            return _post(uow, posting)
    except IntegrityError as exc:
        message = str(exc.orig)
        if "reversal_of_id" in message:
            raise ConflictError(_("This movement has already been reversed.")) from exc
        if "idempotency_key" not in message:
            raise
    return _post(uow, posting)


def announce(
    uow: UnitOfWork, account_id: int, transaction_id: int, kind: str, amount: int, balance: int
) -> None:
    """Record an ``AccountMoved`` event (published after the commit)."""
    uow.record(
        AccountMoved(
            account_id=account_id,
            transaction_id=transaction_id,
            kind=kind,
            amount_minor=amount,
            balance_minor=balance,
            at=uow.now(),
        )
    )
