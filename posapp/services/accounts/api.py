"""The accounts system as one object for the Accounts tab (``backend.accounts``).

A thin adapter over :mod:`posapp.services.accounts.manage` that opens a write unit of work from
the :class:`ServiceContext` for actions that write and a read one for reads, so widgets never deal
with units of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from posapp.services.accounts import manage as accounts
from posapp.services.accounts.dto import (
    AccountDraft,
    AccountDTO,
    AccountFilter,
    AccountRow,
    MovementPage,
    MovementResult,
    StatementDTO,
    WithdrawalRules,
)
from posapp.services.platform.dto import StoreDTO, UserDTO
from posapp.services.platform.retry import with_retry
from posapp.services.staff import Approval, active_stores

if TYPE_CHECKING:
    from posapp.services.platform.context import ServiceContext


class AccountsApi:
    """Every account action and read the tab and its dialogs need."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def storefronts(self) -> list[StoreDTO]:
        """The active stores that take cash (warehouses do not)."""
        stores = active_stores(self._context.read_uow())
        return [store for store in stores if store.kind == "store"]

    def search(self, actor: UserDTO, flt: AccountFilter) -> list[int]:
        """Ids of the accounts matching ``flt``, by holder name."""
        return accounts.search_accounts(self._context.read_uow(), actor, flt)

    def rows(self, actor: UserDTO, ids: Sequence[int]) -> list[AccountRow]:
        """List rows of ``ids`` in that order."""
        return accounts.account_rows(self._context.read_uow(), actor, ids)

    def get(self, actor: UserDTO, account_id: int) -> AccountDTO:
        """One account."""
        return accounts.get_account(self._context.read_uow(), actor, account_id)

    def find(self, actor: UserDTO, number: str) -> AccountDTO:
        """The account with this number (check digits verified)."""
        return accounts.find_account(self._context.read_uow(), actor, number)

    def movements(
        self, actor: UserDTO, account_id: int, before: int | None, limit: int
    ) -> MovementPage:
        """One keyset page of an account's movements, newest first."""
        return accounts.movements_page(
            self._context.read_uow(), actor, account_id, before_entry_id=before, limit=limit
        )

    def withdrawal_rules(self, actor: UserDTO, account_id: int) -> WithdrawalRules:
        """Approval threshold, daily limit and what is available now."""
        return accounts.withdrawal_rules(self._context.read_uow(), actor, account_id)

    def statement(
        self, actor: UserDTO, account_id: int, first_day: date, last_day: date
    ) -> StatementDTO:
        """The statement of local days ``first_day`` to ``last_day``."""
        return accounts.statement(
            self._context.read_uow(), actor, account_id, first_day=first_day, last_day=last_day
        )

    def open(self, actor: UserDTO, draft: AccountDraft, pin: str) -> AccountDTO:
        """Open an account."""
        return accounts.open_account(self._context.uow(), actor, draft, pin)

    def edit(
        self, actor: UserDTO, account_id: int, draft: AccountDraft, version: int
    ) -> AccountDTO:
        """Change an account (refused if someone changed it since ``version``)."""
        return accounts.edit_account(
            self._context.uow(), actor, account_id, draft, expected_version=version
        )

    def freeze(self, actor: UserDTO, account_id: int, reason: str) -> AccountDTO:
        """Freeze an account."""
        return accounts.freeze_account(self._context.uow(), actor, account_id, reason)

    def unfreeze(self, actor: UserDTO, account_id: int, reason: str) -> AccountDTO:
        """Open a frozen account again."""
        return accounts.unfreeze_account(self._context.uow(), actor, account_id, reason)

    def close(self, actor: UserDTO, account_id: int, reason: str) -> AccountDTO:
        """Close an account with a zero balance."""
        return accounts.close_account(self._context.uow(), actor, account_id, reason)

    def reset_pin(self, actor: UserDTO, account_id: int, pin: str) -> AccountDTO:
        """Set the holder's new PIN (also unlocks)."""
        return accounts.reset_pin(self._context.uow(), actor, account_id, pin)

    def unlock(self, actor: UserDTO, account_id: int) -> AccountDTO:
        """Unlock an account locked by wrong PINs."""
        return accounts.unlock_account(self._context.uow(), actor, account_id)

    def deposit(
        self,
        actor: UserDTO,
        account_id: int,
        amount_minor: int,
        *,
        key: uuid.UUID,
        store_id: int,
        memo: str = "",
    ) -> MovementResult:
        """Take cash into an account at a store's till."""
        # A deadlock or serialization failure is retried (the key makes it happen once).
        return with_retry(
            lambda: accounts.deposit(
                self._context.uow(),
                actor,
                account_id=account_id,
                amount_minor=amount_minor,
                key=key,
                store_id=store_id,
                memo=memo,
            )
        )

    def withdraw(
        self,
        actor: UserDTO,
        account_id: int,
        amount_minor: int,
        *,
        pin: str,
        key: uuid.UUID,
        store_id: int,
        approval: Approval | None = None,
        memo: str = "",
    ) -> MovementResult:
        """Pay out cash from an account after the holder's PIN."""
        # A deadlock or serialization failure is retried (the key makes it happen once).
        return with_retry(
            lambda: accounts.withdraw(
                self._context.uow(),
                actor,
                account_id=account_id,
                amount_minor=amount_minor,
                pin=pin,
                key=key,
                store_id=store_id,
                approval=approval,
                memo=memo,
            )
        )

    def transfer(
        self,
        actor: UserDTO,
        from_account_id: int,
        to_account_id: int,
        amount_minor: int,
        *,
        pin: str,
        key: uuid.UUID,
        memo: str = "",
    ) -> MovementResult:
        """Move money between two accounts after the payer's PIN."""
        # A deadlock or serialization failure is retried (the key makes it happen once).
        return with_retry(
            lambda: accounts.transfer(
                self._context.uow(),
                actor,
                from_account_id=from_account_id,
                to_account_id=to_account_id,
                amount_minor=amount_minor,
                pin=pin,
                key=key,
                memo=memo,
            )
        )

    def reverse(
        self, actor: UserDTO, transaction_id: int, *, key: uuid.UUID, reason: str
    ) -> list[MovementResult]:
        """Reverse a deposit, withdrawal or transfer."""
        # A deadlock or serialization failure is retried (the key makes it happen once).
        return with_retry(
            lambda: accounts.reverse(
                self._context.uow(), actor, transaction_id=transaction_id, key=key, reason=reason
            )
        )
