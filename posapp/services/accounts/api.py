"""The accounts system as one object for the Accounts tab (``backend.accounts``).

A thin adapter over :mod:`posapp.services.accounts.manage` that opens a write unit of work from
the :class:`ServiceContext` for actions that write and a read one for reads, so widgets never deal
with units of work. Most methods are use cases declared with
:func:`~posapp.services.platform.facade.writes` or :func:`~posapp.services.platform.facade.reads`:
their signatures and docstrings are the use cases' own.
"""

from __future__ import annotations

from datetime import date

from posapp.services.accounts import manage as accounts
from posapp.services.accounts.dto import AccountDraft, AccountDTO, MovementPage, StatementDTO
from posapp.services.platform.dto import StoreDTO, UserDTO
from posapp.services.platform.facade import Facade, reads, writes
from posapp.services.platform.retry import with_retry
from posapp.services.staff import active_stores


class AccountsApi(Facade):
    """Every account action and read the tab and its dialogs need."""

    def storefronts(self) -> list[StoreDTO]:
        """The active stores that take cash (warehouses do not)."""
        stores = active_stores(self._context.read_uow())
        return [store for store in stores if store.kind == "store"]

    search = reads(accounts.search_accounts)
    rows = reads(accounts.account_rows)
    get = reads(accounts.get_account)
    find = reads(accounts.find_account)

    def movements(
        self, actor: UserDTO, account_id: int, before: int | None, limit: int
    ) -> MovementPage:
        """One keyset page of an account's movements, newest first."""
        return accounts.movements_page(
            self._context.read_uow(), actor, account_id, before_entry_id=before, limit=limit
        )

    withdrawal_rules = reads(accounts.withdrawal_rules)

    def statement(
        self, actor: UserDTO, account_id: int, first_day: date, last_day: date
    ) -> StatementDTO:
        """The statement of local days ``first_day`` to ``last_day``."""
        return accounts.statement(
            self._context.read_uow(), actor, account_id, first_day=first_day, last_day=last_day
        )

    open = writes(accounts.open_account)

    def edit(
        self, actor: UserDTO, account_id: int, draft: AccountDraft, version: int
    ) -> AccountDTO:
        """Change an account (refused if someone changed it since ``version``)."""
        return accounts.edit_account(
            self._context.uow(), actor, account_id, draft, expected_version=version
        )

    freeze = writes(accounts.freeze_account)
    unfreeze = writes(accounts.unfreeze_account)
    close = writes(accounts.close_account)
    reset_pin = writes(accounts.reset_pin)
    unlock = writes(accounts.unlock_account)

    # Money moves: a deadlock or serialization failure is retried (the key makes it happen once).
    deposit = writes(accounts.deposit, policy=with_retry)
    withdraw = writes(accounts.withdraw, policy=with_retry)
    transfer = writes(accounts.transfer, policy=with_retry)
    reverse = writes(accounts.reverse, policy=with_retry)
