"""Issue #16, defect 6: the balance stays secret until the PIN is proven, and wrong PINs count.

A withdrawal or transfer with a wrong PIN and a large amount used to be refused as "50.00
available", and the wrong PIN was not counted. On both databases.
"""

from __future__ import annotations

import uuid

import pytest

from posapp.services.accounts import manage as accounts
from posapp.services.accounts.pin import AccountLockedError, WrongPinError
from posapp.services.backend import Backend
from tests.integration.accounts_support import PIN, World, make_world


@pytest.fixture
def world(backend: Backend) -> World:
    return make_world(backend)


def _failures(world: World, account_id: int) -> int:
    return accounts.get_account(world.backend.read_uow(), world.manager, account_id).pin_failures


def test_a_wrong_pin_with_a_large_withdrawal_says_nothing_of_the_balance(world: World) -> None:
    account = world.open()
    world.deposit(account.id, 50_00)
    with pytest.raises(WrongPinError) as refused:
        world.withdraw(account.id, 9_999_00, pin="9999")
    assert "50.00" not in str(refused.value)
    assert "available" not in str(refused.value)
    assert _failures(world, account.id) == 1
    # The holder, with the right PIN, may learn what is available.
    with pytest.raises(accounts.InsufficientFundsError, match=r"50\.00 available"):
        world.withdraw(account.id, 9_999_00, pin=PIN)


def test_wrong_pins_on_large_transfers_lock_the_account_as_today(world: World) -> None:
    payer = world.open()
    payee = world.open("Bob Payee")
    world.deposit(payer.id, 50_00)

    def transfer() -> None:
        accounts.transfer(
            world.backend.uow(),
            world.cashier,
            payer.id,
            payee.id,
            9_999_00,
            pin="0000",
            key=uuid.uuid4(),
        )

    for _ in range(2):
        with pytest.raises(WrongPinError) as refused:
            transfer()
        assert "available" not in str(refused.value)
    with pytest.raises(AccountLockedError) as locked:
        transfer()
    assert "available" not in str(locked.value)
    assert accounts.get_account(world.backend.read_uow(), world.manager, payer.id).pin_locked
    assert world.balance(payer.id) == 50_00
