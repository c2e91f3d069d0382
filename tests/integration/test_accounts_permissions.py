"""The permission matrix of the account actions (role × action), and ACTION_CALLS for the lead.

``ACTION_CALLS`` maps every account action registered in ``posapp.services.staff.security.ACTIONS``
to a call that succeeds for a role that holds its permission. Each call builds what it needs
(a store, an account with money, a locked account…) through the same unit of work first, so it
works on any database that has the three staff users.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa

from posapp.models import CustomerAccount, LedgerAccount, LedgerAccountKind, Store
from posapp.services.accounts import manage as accounts
from posapp.services.accounts import numbers as account_numbers
from posapp.services.accounts.dto import AccountDraft, AccountFilter
from posapp.services.accounts.ledger import Leg, post, shop_account
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import PermissionDeniedError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff.passwords import hash_password
from posapp.services.staff.permissions import ROLE_PERMISSIONS
from posapp.services.staff.security import ACTIONS
from tests.integration.accounts_support import PIN, make_world

_PIN_HASH = hash_password(PIN)

Call = Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]


def _store(uow: UnitOfWork) -> int:
    with uow:
        found = uow.session.scalar(sa.select(Store.id).where(Store.code == "ACCT-PERM"))
        if found is not None:
            return int(found)
        store = Store(code="ACCT-PERM", name="Permissions", kind="store")
        uow.session.add(store)
        uow.flush()
        uow.commit()
        return store.id


def _account(
    uow: UnitOfWork, actor: UserDTO, *, balance: int = 0, locked: bool = False
) -> tuple[int, int]:
    """A fresh customer account (PIN ``PIN``); returns (account id, deposit transaction id)."""
    with uow:
        ledger = LedgerAccount(kind="customer", name="Matrix", balance_minor=0)
        uow.session.add(ledger)
        uow.flush()
        number = account_numbers.random_number()
        account = CustomerAccount(
            number=number,
            ledger_account_id=ledger.id,
            holder_name="Matrix",
            pin_hash=_PIN_HASH,
            pin_locked=locked,
            pin_failures=3 if locked else 0,
        )
        uow.session.add(account)
        uow.flush()
        txn = 0
        if balance:
            clearing = shop_account(uow, LedgerAccountKind.SALES_CLEARING)
            txn = post(
                uow,
                key=uuid.uuid4(),
                kind="deposit",
                legs=[Leg(ledger.id, balance), Leg(clearing, -balance)],
                user_id=actor.id,
            ).transaction_id
        uow.commit()
        return account.id, txn


def _number(uow: UnitOfWork, account_id: int) -> str:
    with uow:
        return str(
            uow.session.scalar(
                sa.select(CustomerAccount.number).where(CustomerAccount.id == account_id)
            )
        )


def _deposit(uow: UnitOfWork, a: UserDTO, s: dict[str, UserDTO]) -> object:
    account_id, _ = _account(uow, a)
    return accounts.deposit(
        uow, a, account_id=account_id, amount_minor=1_00, key=uuid.uuid4(), store_id=_store(uow)
    )


def _withdraw(uow: UnitOfWork, a: UserDTO, s: dict[str, UserDTO]) -> object:
    account_id, _ = _account(uow, a, balance=5_00)
    return accounts.withdraw(
        uow,
        a,
        account_id=account_id,
        amount_minor=1_00,
        pin=PIN,
        key=uuid.uuid4(),
        store_id=_store(uow),
    )


def _transfer(uow: UnitOfWork, a: UserDTO, s: dict[str, UserDTO]) -> object:
    payer, _ = _account(uow, a, balance=5_00)
    payee, _ = _account(uow, a)
    return accounts.transfer(
        uow,
        a,
        from_account_id=payer,
        to_account_id=payee,
        amount_minor=1_00,
        pin=PIN,
        key=uuid.uuid4(),
    )


def _reverse(uow: UnitOfWork, a: UserDTO, s: dict[str, UserDTO]) -> object:
    _, txn = _account(uow, a, balance=5_00)
    return accounts.reverse(uow, a, transaction_id=txn, key=uuid.uuid4(), reason="matrix")


def _draft() -> AccountDraft:
    return AccountDraft("Matrix Holder", email="m@example.com")


ACTION_CALLS: dict[str, Call] = {
    "accounts.movements.deposit": _deposit,
    "accounts.movements.withdraw": _withdraw,
    "accounts.movements.transfer": _transfer,
    "accounts.movements.reverse": _reverse,
    "accounts.movements.withdrawal_rules": lambda uow, a, s: accounts.withdrawal_rules(
        uow, a, _account(uow, a)[0]
    ),
    "accounts.queries.statement": lambda uow, a, s: accounts.statement(
        uow, a, _account(uow, a)[0], first_day=date(2026, 1, 1), last_day=date(2026, 1, 31)
    ),
    "accounts.queries.search_accounts": lambda uow, a, s: accounts.search_accounts(
        uow, a, AccountFilter("matrix")
    ),
    "accounts.queries.account_rows": lambda uow, a, s: accounts.account_rows(
        uow, a, [_account(uow, a)[0]]
    ),
    "accounts.queries.movements_page": lambda uow, a, s: accounts.movements_page(
        uow, a, _account(uow, a, balance=1_00)[0]
    ),
    "accounts.manage.open_account": lambda uow, a, s: accounts.open_account(uow, a, _draft(), PIN),
    "accounts.manage.edit_account": lambda uow, a, s: accounts.edit_account(
        uow, a, _account(uow, a)[0], _draft()
    ),
    "accounts.manage.freeze_account": lambda uow, a, s: accounts.freeze_account(
        uow, a, _account(uow, a)[0], "matrix"
    ),
    "accounts.manage.unfreeze_account": lambda uow, a, s: accounts.unfreeze_account(
        uow, a, accounts.freeze_account(uow, a, _account(uow, a)[0], "matrix").id
    ),
    "accounts.manage.close_account": lambda uow, a, s: accounts.close_account(
        uow, a, _account(uow, a)[0], "matrix"
    ),
    "accounts.manage.reset_pin": lambda uow, a, s: accounts.reset_pin(
        uow, a, _account(uow, a)[0], "2468"
    ),
    "accounts.manage.unlock_account": lambda uow, a, s: accounts.unlock_account(
        uow, a, _account(uow, a, locked=True)[0]
    ),
    "accounts.manage.verify_account_pin": lambda uow, a, s: accounts.verify_account_pin(
        uow, a, _number(uow, _account(uow, a)[0]), PIN
    ),
    "accounts.manage.get_account": lambda uow, a, s: accounts.get_account(
        uow, a, _account(uow, a)[0]
    ),
    "accounts.manage.find_account": lambda uow, a, s: accounts.find_account(
        uow, a, _number(uow, _account(uow, a)[0])
    ),
    "accounts.manage.balance": lambda uow, a, s: accounts.balance(uow, a, _account(uow, a)[0]),
}
"""Every account action → a call that succeeds when allowed (merge into test_security.CALLS)."""


def test_every_account_action_has_a_call() -> None:
    mine = {name for name in ACTIONS if name.startswith("accounts.")}
    assert mine == set(ACTION_CALLS)


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_account_permission_matrix(backend: Backend, role: str) -> None:
    staff = make_world(backend).staff
    actor = staff[role]
    for action, call in ACTION_CALLS.items():
        permission = ACTIONS[action]
        if permission in ROLE_PERMISSIONS[role]:
            call(backend.uow(), actor, staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(backend.uow(), actor, staff)
