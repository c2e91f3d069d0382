"""Helpers of the account tests: staff, a store, orders to pay, and the ledger's invariants."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from posapp.models import (
    CustomerAccount,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Order,
    Store,
)
from posapp.services.accounts import manage as accounts
from posapp.services.accounts.dto import AccountDraft, AccountDTO, MovementResult
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import users

PW = "correct horse battery"
PIN = "1234"


@dataclass
class World:
    """What most account tests need."""

    backend: Backend
    staff: dict[str, UserDTO]
    store_id: int

    @property
    def manager(self) -> UserDTO:
        return self.staff["manager"]

    @property
    def cashier(self) -> UserDTO:
        return self.staff["cashier"]

    def open(
        self,
        name: str = "Ann Example",
        *,
        pin: str = PIN,
        overdraft: int = 0,
        daily: int | None = None,
        email: str = "",
        phone: str = "",
    ) -> AccountDTO:
        draft = AccountDraft(
            holder_name=name,
            email=email,
            phone=phone,
            overdraft_limit_minor=overdraft,
            daily_withdrawal_limit_minor=daily,
        )
        return accounts.open_account(self.backend.uow(), self.manager, draft, pin)

    def deposit(
        self, account_id: int, amount: int, key: uuid.UUID | None = None, **kwargs: object
    ) -> MovementResult:
        return accounts.deposit(
            self.backend.uow(),
            self.cashier,
            account_id=account_id,
            amount_minor=amount,
            key=key or uuid.uuid4(),
            store_id=self.store_id,
            **kwargs,  # type: ignore[arg-type]
        )

    def withdraw(
        self,
        account_id: int,
        amount: int,
        *,
        pin: str = PIN,
        key: uuid.UUID | None = None,
        actor: UserDTO | None = None,
        **kwargs: object,
    ) -> MovementResult:
        return accounts.withdraw(
            self.backend.uow(),
            actor or self.cashier,
            account_id=account_id,
            amount_minor=amount,
            pin=pin,
            key=key or uuid.uuid4(),
            store_id=self.store_id,
            **kwargs,  # type: ignore[arg-type]
        )

    def balance(self, account_id: int) -> int:
        return accounts.balance(self.backend.read_uow(), self.cashier, account_id)

    def order(self) -> int:
        """Add a placed order to pay or refund (the orders engineer's tables, minimally)."""
        with self.backend.uow() as uow:
            number = f"T-{uuid.uuid4().hex[:10]}"
            order = Order(
                sale_uuid=uuid.uuid4(),
                number=number,
                store_id=self.store_id,
                cashier_id=self.cashier.id,
                status="placed",
            )
            uow.session.add(order)
            uow.flush()
            uow.commit()
            return order.id


def make_world(backend: Backend) -> World:
    staff = {
        "admin": users.add_user(backend.uow(), None, "root", PW, "admin"),
        "manager": users.add_user(backend.uow(), None, "boss", PW, "manager"),
        "cashier": users.add_user(backend.uow(), None, "till", "4321", "cashier"),
    }
    with backend.uow() as uow:
        store = Store(code="MAIN", name="Main Street", kind="store")
        uow.session.add(store)
        uow.flush()
        store_id = store.id
        uow.commit()
    return World(backend, staff, store_id)


def counts(uow: UnitOfWork) -> tuple[int, int, int]:
    """How many customer accounts, ledger transactions and entries exist."""
    with uow:
        session = uow.session
        return (
            int(session.scalar(sa.select(sa.func.count()).select_from(CustomerAccount)) or 0),
            int(session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) or 0),
            int(session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) or 0),
        )


def check_ledger(uow: UnitOfWork) -> dict[int, tuple[int, int, int]]:
    """Assert the ledger's invariants; return every entry as id → (txn, account, amount).

    - each transaction's entries sum to zero;
    - every cached balance equals the sum of its account's entries;
    - no customer account is below its overdraft limit.
    """
    with uow:
        session = uow.session
        unbalanced = session.execute(
            sa.select(LedgerEntry.transaction_id, sa.func.sum(LedgerEntry.amount_minor))
            .group_by(LedgerEntry.transaction_id)
            .having(sa.func.sum(LedgerEntry.amount_minor) != 0)
        ).all()
        assert unbalanced == [], f"unbalanced transactions: {unbalanced}"
        empty = session.scalars(
            sa.select(LedgerTransaction.id).where(
                ~sa.exists().where(LedgerEntry.transaction_id == LedgerTransaction.id)
            )
        ).all()
        assert empty == [], f"transactions without entries: {empty}"
        sums = dict(
            session.execute(
                sa.select(
                    LedgerEntry.ledger_account_id, sa.func.sum(LedgerEntry.amount_minor)
                ).group_by(LedgerEntry.ledger_account_id)
            ).all()
        )
        for account in session.scalars(sa.select(LedgerAccount)):
            assert account.balance_minor == int(sums.get(account.id, 0)), account.name
            if account.kind == "customer":
                assert account.balance_minor >= -account.overdraft_limit_minor
        return {
            int(e.id): (int(e.transaction_id), int(e.ledger_account_id), int(e.amount_minor))
            for e in session.scalars(sa.select(LedgerEntry))
        }
