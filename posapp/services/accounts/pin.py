"""Account PINs: Argon2id hashes, and a lock after three wrong PINs that outlives a rollback.

A wrong PIN makes the action fail, and a failed action rolls its transaction back, so a failure
counter written in that transaction would vanish and nobody would ever be locked out. The count
is therefore written by a separate, short transaction right after the caller's transaction ends
(committed or rolled back): :func:`verify_pin` queues it on the session and an
``after_transaction_end`` hook writes it. The caller's transaction has then released its
connection, so this also works on SQLite, where a second writer would otherwise wait for it.
This matters most for :func:`posapp.services.accounts.manage.pay_from_account`, which runs inside
the checkout's own unit of work and never commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import case, event, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, SessionTransaction

from posapp.i18n import _
from posapp.models import CustomerAccount
from posapp.services.accounts.numbers import display
from posapp.services.accounts.validation import clean_pin
from posapp.services.platform.audit import AuditRecord, append
from posapp.services.platform.errors import AuthenticationError, ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import verify_password

_log = logging.getLogger(__name__)

LOCK_AFTER: Final = 3
"""Wrong PINs in a row that lock an account until a manager unlocks it."""

_PENDING: Final = "posapp.accounts.pin_failures"
_HOOKED: Final = "posapp.accounts.pin_hook"


class WrongPinError(AuthenticationError):
    """The account PIN did not match."""


class AccountLockedError(AuthenticationError):
    """The account is locked after too many wrong PINs; a manager must unlock it."""


@dataclass(frozen=True, slots=True)
class _Failure:
    account_id: int
    user_id: int | None
    register: str
    at: datetime
    bind: Engine | Connection


def locked_message(number: str) -> str:
    """The message for an account locked by wrong PINs."""
    return _(
        "Account {number} is locked after {lock_after} wrong PINs: a manager must unlock it."
    ).format(number=display(number), lock_after=LOCK_AFTER)


def check_pin(uow: UnitOfWork, account: CustomerAccount, pin: str, *, user_id: int | None) -> str:
    """Check ``pin`` against the account's PIN without writing anything.

    Argon2 takes tens of milliseconds, so movements call this BEFORE locking the account's row
    and :func:`confirm_pin` after, keeping the lock short. A wrong PIN is counted (see the module
    docstring); the third in a row locks the account.

    Returns:
        The hash the PIN matched, for :func:`confirm_pin`.

    Raises:
        AccountLockedError: the account is locked, or this wrong PIN locked it.
        WrongPinError: the PIN is wrong; the message says how many tries are left.
        ValidationError: the account has no PIN, or ``pin`` is not 4 to 6 digits (not counted).
    """
    if account.pin_locked:
        raise AccountLockedError(locked_message(account.number))
    if account.pin_hash is None:
        raise ValidationError(_("This account has no PIN: a manager must set one first."))
    if verify_password(account.pin_hash, clean_pin(pin)):
        return account.pin_hash
    _queue_failure(uow, account.id, user_id)
    left = LOCK_AFTER - (account.pin_failures + 1)
    if left <= 0:
        raise AccountLockedError(
            _("Wrong PIN. Account {number} is now locked: a manager must unlock it.").format(
                number=display(account.number)
            )
        )
    tries = "1 more try" if left == 1 else f"{left} more tries"
    raise WrongPinError(_("Wrong PIN: {tries} before the account locks.").format(tries=tries))


def confirm_pin(account: CustomerAccount, matched_hash: str) -> None:
    """Once the account's row is locked: the checked PIN still holds; clear the failure count.

    Raises:
        AccountLockedError: the account was locked in the meantime.
        WrongPinError: the PIN was changed in the meantime (not counted).
    """
    if account.pin_locked:
        raise AccountLockedError(locked_message(account.number))
    if account.pin_hash != matched_hash:
        raise WrongPinError(_("The account's PIN was changed just now: ask for the PIN again."))
    if account.pin_failures:
        account.pin_failures = 0


def verify_pin(uow: UnitOfWork, account: CustomerAccount, pin: str, *, user_id: int | None) -> None:
    """:func:`check_pin` then :func:`confirm_pin`, for a caller that already holds the row lock."""
    confirm_pin(account, check_pin(uow, account, pin, user_id=user_id))


def _queue_failure(uow: UnitOfWork, account_id: int, user_id: int | None) -> None:
    session = uow.session
    pending: list[_Failure] = session.info.setdefault(_PENDING, [])
    pending.append(_Failure(account_id, user_id, uow.register, uow.now(), session.get_bind()))
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True
        event.listen(session, "after_transaction_end", _after_transaction_end)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:  # a savepoint: the outer transaction is still running
        return
    pending: list[_Failure] = session.info.pop(_PENDING, [])
    for failure in pending:
        try:
            _write_failure(failure)
        except Exception:  # the action has already failed; do not hide its error behind this one
            _log.exception("could not count a wrong PIN on account %s", failure.account_id)


def _write_failure(failure: _Failure) -> None:
    table = CustomerAccount
    failures = table.pin_failures + 1
    with Session(bind=failure.bind) as session:
        row = session.execute(
            update(table)
            .where(table.id == failure.account_id)
            .values(
                pin_failures=failures,
                pin_locked=case((failures >= LOCK_AFTER, True), else_=table.pin_locked),
                version=table.version + 1,
                changed_at=failure.at,
            )
            .returning(table.pin_failures)
            .execution_options(synchronize_session=False)
        ).one_or_none()
        if row is None:
            return
        count = int(row[0])
        records = [
            AuditRecord(
                "account.pin_wrong",
                failure.user_id,
                "customer_account",
                failure.account_id,
                after={"failures": count},
                at=failure.at,
            )
        ]
        if count == LOCK_AFTER:
            records.append(
                AuditRecord(
                    "account.pin_locked",
                    failure.user_id,
                    "customer_account",
                    failure.account_id,
                    before={"pin_locked": False},
                    after={"pin_locked": True},
                    reason=f"{LOCK_AFTER} wrong PINs",
                    at=failure.at,
                )
            )
        append(session, records, register=failure.register, now=failure.at)
        session.commit()
