"""The one way money moves: a balanced, idempotent ledger transaction with guarded spending.

Every movement (deposit, withdrawal, transfer, order payment, refund, reversal) calls :func:`post`
inside its unit of work. Entries sum to zero. A customer account is debited by one guarded
``UPDATE … WHERE balance + amount >= -overdraft_limit``, never read-check-write, so 16 registers
withdrawing at once cannot overdraw it; the CHECK on ``ledger_accounts`` backs it up.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update

from posapp.i18n import _
from posapp.models import LedgerAccount, LedgerAccountKind, LedgerEntry, LedgerTransaction
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.chain_header import LEDGER_ACTION, LEDGER_COLUMNS, ledger_snapshot
from posapp.services.platform.errors import ConflictError, ServiceError, ValidationError
from posapp.services.platform.uow import UnitOfWork


class InsufficientFundsError(ServiceError):
    """A debit would take a customer account below its overdraft limit."""


@dataclass(frozen=True, slots=True)
class Leg:
    """One side of a movement: a signed amount on a ledger account (+ credit to the holder)."""

    ledger_account_id: int
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Posted:
    """A posted (or replayed) transaction and the balances it left."""

    transaction_id: int
    replayed: bool
    balances: dict[int, int]


def fingerprint(kind: str, legs: Sequence[Leg], extra: object = None) -> str:
    """A digest of what a request asks, to refuse an idempotency key reused for other details."""
    payload = json.dumps(
        [kind, sorted((leg.ledger_account_id, leg.amount_minor) for leg in legs), extra],
        default=str,
        separators=(",", ":"),
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def post(
    uow: UnitOfWork,
    *,
    key: uuid.UUID,
    kind: str,
    legs: Sequence[Leg],
    user_id: int,
    memo: str = "",
    order_id: int | None = None,
    till_session_id: int | None = None,
    reversal_of_id: int | None = None,
    approver_id: int | None = None,
    extra: object = None,
) -> Posted:
    """Post a balanced transaction inside the caller's unit of work.

    The same ``key`` again returns the first result and moves nothing; the same key with other
    details is refused.

    Raises:
        ValidationError: the legs do not balance, or an amount is zero.
        ConflictError: ``key`` was used for a different movement.
        InsufficientFundsError: a customer account would go below its overdraft limit.
    """
    if not legs or sum(leg.amount_minor for leg in legs) != 0:
        raise ValidationError(_("A ledger movement must balance to zero."))
    if any(leg.amount_minor == 0 for leg in legs):
        raise ValidationError(_("A ledger entry cannot be zero."))
    digest = fingerprint(kind, legs, extra)
    existing = uow.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.idempotency_key == key)
    )
    if existing is not None:
        if existing.fingerprint != digest:
            raise ConflictError(_("This request was already used for a different movement."))
        return Posted(existing.id, True, _balances(uow, legs))
    txn = LedgerTransaction(
        idempotency_key=key,
        kind=kind,
        memo=memo,
        fingerprint=digest,
        reversal_of_id=reversal_of_id,
        order_id=order_id,
        till_session_id=till_session_id,
        user_id=user_id,
        approver_id=approver_id,
        created_at=uow.now(),
    )
    uow.session.add(txn)
    uow.flush()
    balances: dict[int, int] = {}
    entries: list[LedgerEntry] = []
    # Lock in id order so two transfers in opposite directions cannot deadlock.
    for leg in sorted(legs, key=lambda leg: leg.ledger_account_id):
        balances[leg.ledger_account_id] = _apply(uow, leg)
        entries.append(
            LedgerEntry(
                transaction_id=txn.id,
                ledger_account_id=leg.ledger_account_id,
                amount_minor=leg.amount_minor,
            )
        )
    uow.session.add_all(entries)
    uow.flush()
    _chain(uow, txn, entries)
    return Posted(txn.id, False, balances)


def _chain(uow: UnitOfWork, txn: LedgerTransaction, entries: list[LedgerEntry]) -> None:
    """Put the transaction and its entries in the audit chain (``posapp audit verify`` checks)."""
    snapshot = ledger_snapshot(
        [getattr(txn, column) for column in LEDGER_COLUMNS],
        [(e.id, e.ledger_account_id, e.amount_minor) for e in entries],
    )
    uow.audit(
        AuditRecord(
            LEDGER_ACTION,
            txn.user_id,
            "ledger_transaction",
            txn.id,
            after=snapshot,
            approver_id=txn.approver_id,
        )
    )


def _apply(uow: UnitOfWork, leg: Leg) -> int:
    account = LedgerAccount
    stmt = update(account).where(account.id == leg.ledger_account_id)
    if leg.amount_minor < 0:
        stmt = stmt.where(
            (account.kind != LedgerAccountKind.CUSTOMER.value)
            | (account.balance_minor + leg.amount_minor >= -account.overdraft_limit_minor)
        )
    new_balance = uow.session.execute(
        stmt.values(balance_minor=account.balance_minor + leg.amount_minor)
        .returning(account.balance_minor)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if new_balance is None:
        exists = uow.session.get(account, leg.ledger_account_id)
        if exists is None:
            raise ValidationError(
                _("No ledger account {ledger_account_id}.").format(
                    ledger_account_id=leg.ledger_account_id
                )
            )
        raise InsufficientFundsError(_("Not enough money on the account for this amount."))
    return int(new_balance)


def _balances(uow: UnitOfWork, legs: Sequence[Leg]) -> dict[int, int]:
    ids = [leg.ledger_account_id for leg in legs]
    rows = uow.session.execute(
        select(LedgerAccount.id, LedgerAccount.balance_minor).where(LedgerAccount.id.in_(ids))
    )
    return {int(i): int(b) for i, b in rows}


def find_shop_account(
    uow: UnitOfWork, kind: LedgerAccountKind, store_id: int | None = None
) -> int | None:
    """The id of one of the shop's own ledger accounts (a store's cash drawer), if it exists."""
    query = select(LedgerAccount.id).where(LedgerAccount.kind == kind.value)
    if kind is LedgerAccountKind.CASH_DRAWER:
        query = query.where(LedgerAccount.store_id == store_id)
    found = uow.session.scalar(query.order_by(LedgerAccount.id).limit(1))
    return None if found is None else int(found)


def shop_account(uow: UnitOfWork, kind: LedgerAccountKind, store_id: int | None = None) -> int:
    """Return the id of one of the shop's own ledger accounts, creating it on first use."""
    found = find_shop_account(uow, kind, store_id)
    if found is not None:
        return found
    name = kind.value.replace("_", " ").capitalize()
    account = LedgerAccount(kind=kind.value, name=name, store_id=store_id, created_at=uow.now())
    uow.session.add(account)
    uow.flush()
    return account.id
