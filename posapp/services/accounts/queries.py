"""Reads of customer accounts: searching the list, paging movements, statements for a period."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Final

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import aliased

from posapp.i18n import _
from posapp.models import (
    AccountStatus,
    CustomerAccount,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    User,
)
from posapp.services.accounts import numbers as account_numbers
from posapp.services.accounts.core import load, load_by_number
from posapp.services.accounts.dto import (
    AccountFilter,
    AccountRow,
    MovementDTO,
    MovementPage,
    StatementDTO,
    StatementLine,
)
from posapp.services.accounts.validation import phone_digits
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.keyset import newest_first
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import ACTIONS, Permission, authorize, requires

PAGE_SIZE: Final = 200
SEARCH_MAX: Final = 200
STATUSES: Final = tuple(s.value for s in AccountStatus)

ACTIONS["accounts.queries.statement"] = Permission.VIEW_ACCOUNTS


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phone_column() -> ColumnElement[str]:
    column: ColumnElement[str] = CustomerAccount.phone.expression
    for char in " -()+":
        column = func.replace(column, char, "")
    return column


def _search_condition(term: str) -> ColumnElement[bool] | None:
    term = term.strip()[:SEARCH_MAX]
    if not term:
        return None
    pattern = _like(term.lower())
    conditions: list[ColumnElement[bool]] = [
        func.lower(CustomerAccount.holder_name).like(pattern, escape="\\"),
        func.lower(CustomerAccount.email).like(pattern, escape="\\"),
    ]
    digits = account_numbers.normalise(term)
    if digits.isascii() and digits.isdigit():
        conditions.append(CustomerAccount.number.like(f"%{digits}%"))
    phone = phone_digits(term)
    if phone and len(phone) >= len(term.replace(" ", "")) - 3:  # mostly digits: a phone number
        conditions.append(_phone_column().like(f"%{phone}%"))
    return or_(*conditions)


@requires(Permission.VIEW_ACCOUNTS)
def search_accounts(uow: UnitOfWork, actor: UserDTO, flt: AccountFilter) -> list[int]:
    """Return the ids of the accounts matching ``flt``, ordered by holder name.

    The search looks in holder names and email addresses (case-insensitive; on SQLite only
    ASCII letters fold case), account numbers (typed with or without spaces, any part) and phone
    numbers (digits only, so ``07700900123`` finds ``07700 900123``).

    Raises:
        ValidationError: the status filter is unknown.
    """
    if flt.status is not None and flt.status not in STATUSES:
        raise ValidationError(_("Unknown account status {status!r}.").format(status=flt.status))
    with uow:
        authorize(uow, actor, Permission.VIEW_ACCOUNTS)
        query = select(CustomerAccount.id)
        condition = _search_condition(flt.search)
        if condition is not None:
            query = query.where(condition)
        if flt.status is not None:
            query = query.where(CustomerAccount.status == flt.status)
        query = query.order_by(func.lower(CustomerAccount.holder_name), CustomerAccount.id)
        return [int(i) for i in uow.session.scalars(query)]


@requires(Permission.VIEW_ACCOUNTS)
def account_rows(uow: UnitOfWork, actor: UserDTO, ids: Sequence[int]) -> list[AccountRow]:
    """Return the list rows of ``ids`` in the same order (one query; unknown ids are skipped)."""
    with uow:
        authorize(uow, actor, Permission.VIEW_ACCOUNTS)
        if not ids:
            return []
        rows = uow.session.execute(
            select(
                CustomerAccount.id,
                CustomerAccount.number,
                CustomerAccount.holder_name,
                CustomerAccount.email,
                CustomerAccount.phone,
                CustomerAccount.status,
                LedgerAccount.balance_minor,
                CustomerAccount.pin_locked,
            )
            .join(LedgerAccount, LedgerAccount.id == CustomerAccount.ledger_account_id)
            .where(CustomerAccount.id.in_(list(ids)))
        ).all()
        by_id = {int(r[0]): AccountRow(*r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]


@requires(Permission.VIEW_ACCOUNTS)
def movements_page(
    uow: UnitOfWork,
    actor: UserDTO,
    account_id: int,
    *,
    before_entry_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> MovementPage:
    """Return one page of an account's movements, newest first, with the balance after each.

    Pages are keyset pages over the entry id (``before_entry_id`` is the previous page's
    ``next_before``), never OFFSET, so page N costs the same as page 1.

    Raises:
        NotFoundError: there is no such account.
    """
    limit = max(1, min(limit, 1000))
    with uow:
        authorize(uow, actor, Permission.VIEW_ACCOUNTS)
        _account, ledger = load(uow, account_id)
        entry, txn, reversal = LedgerEntry, LedgerTransaction, aliased(LedgerTransaction)
        query = (
            select(
                entry.id,
                txn.id,
                txn.created_at,
                txn.kind,
                txn.memo,
                entry.amount_minor,
                txn.reversal_of_id,
                reversal.id,
                User.username,
            )
            .join(txn, txn.id == entry.transaction_id)
            .outerjoin(reversal, reversal.reversal_of_id == txn.id)
            .outerjoin(User, User.id == txn.user_id)
            .where(entry.ledger_account_id == ledger.id)
        )
        page = newest_first(query, entry.id, before_entry_id, limit + 1)  # one more: is there more?
        rows = uow.session.execute(page).all()
        more = len(rows) > limit
        rows = rows[:limit]
        if not rows:
            return MovementPage([], None)
        # Balance after the newest row: today's balance minus what came after it, read in ONE
        # statement so both figures come from the same snapshot.
        later = (
            select(func.coalesce(func.sum(entry.amount_minor), 0))
            .where(entry.ledger_account_id == ledger.id, entry.id > rows[0][0])
            .scalar_subquery()
        )
        after = int(
            uow.session.scalar(
                select(LedgerAccount.balance_minor - later).where(LedgerAccount.id == ledger.id)
            )
            or 0
        )
        movements = []
        for row in rows:
            movements.append(
                MovementDTO(
                    entry_id=int(row[0]),
                    transaction_id=int(row[1]),
                    at=row[2],
                    kind=row[3],
                    memo=row[4],
                    amount_minor=int(row[5]),
                    balance_after_minor=after,
                    reversal_of_id=row[6],
                    reversed_by_id=row[7],
                    user_name=row[8] or "",
                )
            )
            after -= int(row[5])
        return MovementPage(movements, movements[-1].entry_id if more else None)


def local_day_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """Return ``[start, end)`` in UTC covering local days ``first_day`` to ``last_day``.

    Local midnights come from the operating system's time zone rules (``mktime``), so a period
    across a daylight-saving change is still whole days.

    Raises:
        ValidationError: the period ends before it starts, or lies outside 1970-9998.
    """
    if last_day < first_day:
        raise ValidationError(_("The period ends before it starts: swap the dates."))
    try:
        start = _local_midnight(first_day)
        end = _local_midnight(last_day + timedelta(days=1))
    except (OverflowError, ValueError, OSError) as exc:
        raise ValidationError(_("Choose dates between 1970 and 9998.")) from exc
    return start, end


def _local_midnight(day: date) -> datetime:
    if day.year < 1970:  # noqa: PLR2004 - mktime is unreliable before the epoch on some systems
        raise ValueError(day)
    return datetime.fromtimestamp(time.mktime(day.timetuple()), tz=UTC)


def statement(
    uow: UnitOfWork,
    actor: UserDTO | None,
    account: int | str,
    *,
    first_day: date,
    last_day: date,
) -> StatementDTO:
    """Return an account's statement for local days ``first_day`` to ``last_day`` (included).

    Args:
        uow: The unit of work (a read-only one is enough).
        actor: Who asks (VIEW_ACCOUNTS); None for the local command line, trusted like a shell.
        account: The account's id, or its number as typed.
        first_day: The first day of the period.
        last_day: The last day of the period.

    Raises:
        ValidationError: the period is not valid, or the number is mistyped.
        NotFoundError: there is no such account.
    """
    start_at, end_at = local_day_bounds(first_day, last_day)
    with uow:
        if actor is not None:
            authorize(uow, actor, Permission.VIEW_ACCOUNTS)
        if isinstance(account, str):
            customer, ledger = load_by_number(uow, account)
        else:
            customer, ledger = load(uow, account)
        entry, txn = LedgerEntry, LedgerTransaction
        opening = int(
            uow.session.scalar(
                select(func.coalesce(func.sum(entry.amount_minor), 0))
                .join(txn, txn.id == entry.transaction_id)
                .where(entry.ledger_account_id == ledger.id, txn.created_at < start_at)
            )
            or 0
        )
        rows = uow.session.execute(
            select(txn.created_at, txn.id, txn.kind, txn.memo, entry.amount_minor)
            .join(txn, txn.id == entry.transaction_id)
            .where(
                entry.ledger_account_id == ledger.id,
                txn.created_at >= start_at,
                txn.created_at < end_at,
            )
            .order_by(txn.created_at, entry.id)
        ).all()
        running = opening
        lines = []
        for at, txn_id, kind, memo, amount in rows:
            running += int(amount)
            lines.append(StatementLine(at, int(txn_id), kind, memo, int(amount), running))
        return StatementDTO(
            account_id=customer.id,
            number=customer.number,
            holder_name=customer.holder_name,
            email=customer.email,
            phone=customer.phone,
            status=customer.status,
            first_day=first_day,
            last_day=last_day,
            start_at=start_at,
            end_at=end_at,
            opening_balance_minor=opening,
            closing_balance_minor=running,
            lines=lines,
            generated_at=uow.now(),
        )
