"""A Hypothesis state machine over every account action, checking the ledger after each step.

Each example runs on a fresh SQLite file. A plain-Python model predicts every outcome (balance,
refusal and its kind), and after every step the invariants hold: each transaction's entries sum
to zero, each balance equals the sum of its entries, no customer is below its overdraft limit,
and no entry seen before was changed or deleted.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from posapp.services.accounts import manage as accounts
from posapp.services.accounts.dto import AccountDraft, MovementResult
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.errors import ConflictError, ServiceError, ValidationError
from tests.conftest import make_database
from tests.integration.accounts_support import PIN, World, check_ledger, make_world

AMOUNTS = st.integers(min_value=1, max_value=150_00)
OVERDRAFTS = st.sampled_from([0, 0, 5_00, 50_00])
PINS = st.sampled_from([PIN, PIN, PIN, PIN, "0000"])


@dataclass
class ModelAccount:
    balance: int = 0
    overdraft: int = 0
    status: str = "open"
    failures: int = 0
    locked: bool = False


@dataclass
class ModelTxn:
    kind: str
    legs: dict[int, int]  # customer account id -> signed amount
    reversed: bool = False
    replay: tuple[str, tuple[object, ...]] | None = None


@dataclass
class Model:
    accounts: dict[int, ModelAccount] = field(default_factory=dict)
    txns: dict[int, ModelTxn] = field(default_factory=dict)


class LedgerMachine(RuleBasedStateMachine):
    """Open, deposit, withdraw, transfer, pay, refund, reverse, freeze, unfreeze, close, replay."""

    account_ids = Bundle("accounts")
    txn_ids = Bundle("transactions")

    def __init__(self, template: Path) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="posapp-ledger-"))
        target = self.folder / "posapp.sqlite3"
        shutil.copyfile(template, target)
        self.database = Database(f"sqlite:///{target}")
        self.backend = Backend(self.database, register="test-till")
        self.world = World(self.backend, _STAFF[template], _STORE[template])
        self.order_id = self.world.order()
        self.model = Model()
        self.seen: dict[int, tuple[int, int, int]] = {}

    def teardown(self) -> None:
        self.database.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- helpers ---------------------------------------------------------------------------------

    def _expect(
        self, error: type[ServiceError] | None, action: object, *args: object
    ) -> object | None:
        """Run ``action``; it must raise ``error`` (None: succeed)."""
        if error is None:
            return action(*args)  # type: ignore[operator,no-any-return]
        with pytest.raises(error):
            action(*args)  # type: ignore[operator]
        return None

    def _pin_outcome(self, acct: ModelAccount, pin: str) -> type[ServiceError] | None:
        """Apply a PIN check to the model; return the error it raises, if any."""
        if acct.locked:
            return accounts.AccountLockedError
        if pin != PIN:
            acct.failures += 1
            if acct.failures >= accounts.LOCK_AFTER:
                acct.locked = True
                return accounts.AccountLockedError
            return accounts.WrongPinError
        return None

    def _spend_error(
        self, acct: ModelAccount, amount: int, pin: str, payee: ModelAccount | None = None
    ) -> type[ServiceError] | None:
        """Status, PIN, funds, then the payee; a success clears failures.

        The PIN before the funds (issue #16): a refusal for want of money says the balance.
        """
        if acct.status != "open":
            return accounts.AccountStatusError
        error = self._pin_outcome(acct, pin)
        if error is not None:
            return error
        if acct.balance - amount < -acct.overdraft:
            return accounts.InsufficientFundsError
        if payee is not None and payee.status == "closed":
            return accounts.AccountStatusError
        acct.failures = 0
        return None

    def _record(self, result: int | MovementResult, kind: str, legs: dict[int, int]) -> int:
        txn_id = result if isinstance(result, int) else result.transaction_id
        self.model.txns[txn_id] = ModelTxn(kind, legs)
        for account_id, amount in legs.items():
            self.model.accounts[account_id].balance += amount
        return txn_id

    # -- rules -----------------------------------------------------------------------------------

    @rule(target=account_ids, overdraft=OVERDRAFTS)
    def open_account(self, overdraft: int) -> int:
        draft = AccountDraft("Holder", overdraft_limit_minor=overdraft)
        account = accounts.open_account(self.backend.uow(), self.world.manager, draft, PIN)
        self.model.accounts[account.id] = ModelAccount(overdraft=overdraft)
        return account.id

    @rule(target=txn_ids, account_id=account_ids, amount=AMOUNTS)
    def deposit(self, account_id: int, amount: int) -> int:
        acct = self.model.accounts[account_id]
        if acct.status == "closed":
            self._expect(accounts.AccountStatusError, self.world.deposit, account_id, amount)
            return -1
        key = uuid.uuid4()
        result = self.world.deposit(account_id, amount, key)
        assert result.balance_minor == acct.balance + amount
        txn = self._record(result, "deposit", {account_id: amount})
        self.model.txns[txn].replay = ("deposit", (account_id, amount, key))
        return txn

    @rule(target=txn_ids, account_id=account_ids, amount=AMOUNTS, pin=PINS)
    def withdraw(self, account_id: int, amount: int, pin: str) -> int:
        acct = self.model.accounts[account_id]
        error = self._spend_error(acct, amount, pin)
        if error is not None:
            self._expect(error, lambda: self.world.withdraw(account_id, amount, pin=pin))
            return -1
        key = uuid.uuid4()
        result = self.world.withdraw(account_id, amount, pin=pin, key=key)
        assert result.balance_minor == acct.balance - amount
        txn = self._record(result, "withdrawal", {account_id: -amount})
        self.model.txns[txn].replay = ("withdraw", (account_id, amount, key))
        return txn

    @rule(target=txn_ids, payer=account_ids, payee=account_ids, amount=AMOUNTS, pin=PINS)
    def transfer(self, payer: int, payee: int, amount: int, pin: str) -> int:
        def call() -> MovementResult:
            return accounts.transfer(
                self.backend.uow(),
                self.world.cashier,
                from_account_id=payer,
                to_account_id=payee,
                amount_minor=amount,
                pin=pin,
                key=uuid.uuid4(),
            )

        if payer == payee:
            self._expect(ValidationError, call)
            return -1
        src, dst = self.model.accounts[payer], self.model.accounts[payee]
        error = self._spend_error(src, amount, pin, dst)
        if error is not None:
            self._expect(error, call)
            return -1
        return self._record(call(), "transfer", {payer: -amount, payee: amount})

    @rule(target=txn_ids, account_id=account_ids, amount=AMOUNTS, pin=PINS)
    def pay(self, account_id: int, amount: int, pin: str) -> int:
        number = self._number(account_id)

        def call() -> int:
            with self.backend.uow() as uow:
                txn = accounts.pay_from_account(
                    uow,
                    account_number=number,
                    pin=pin,
                    amount_minor=amount,
                    order_id=self.order_id,
                    user_id=self.world.cashier.id,
                    key=uuid.uuid4(),
                    store_id=self.world.store_id,
                )
                uow.commit()
                return txn

        error = self._spend_error(self.model.accounts[account_id], amount, pin)
        if error is not None:
            self._expect(error, call)
            return -1
        return self._record(call(), "payment", {account_id: -amount})

    @rule(target=txn_ids, account_id=account_ids, amount=AMOUNTS)
    def refund(self, account_id: int, amount: int) -> int:
        def call() -> int:
            with self.backend.uow() as uow:
                txn = accounts.refund_to_account(
                    uow,
                    customer_account_id=account_id,
                    amount_minor=amount,
                    order_id=self.order_id,
                    user_id=self.world.cashier.id,
                    key=uuid.uuid4(),
                )
                uow.commit()
                return txn

        if self.model.accounts[account_id].status == "closed":
            self._expect(accounts.AccountStatusError, call)
            return -1
        return self._record(call(), "refund", {account_id: amount})

    @precondition(lambda self: any(t.replay for t in self.model.txns.values()))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        """The same key again returns the first result and moves nothing."""
        candidates = sorted(i for i, t in self.model.txns.items() if t.replay)
        txn_id = data.draw(st.sampled_from(candidates))
        replay = self.model.txns[txn_id].replay
        assert replay is not None
        action, (account_id, amount, key) = replay
        if action == "deposit":
            result = self.world.deposit(account_id, amount, key)  # type: ignore[arg-type]
        else:
            result = self.world.withdraw(account_id, amount, key=key, pin="0000")  # type: ignore[arg-type]
        assert (result.transaction_id, result.replayed) == (txn_id, True)
        assert result.balance_minor == self.model.accounts[account_id].balance  # type: ignore[index]

    @rule(txn_id=txn_ids)
    def reverse(self, txn_id: int) -> None:
        def call() -> list[MovementResult]:
            return accounts.reverse(
                self.backend.uow(),
                self.world.manager,
                transaction_id=txn_id,
                key=uuid.uuid4(),
                reason="test",
            )

        if txn_id < 0:
            return
        txn = self.model.txns[txn_id]
        involved = [self.model.accounts[a] for a in txn.legs]
        error: type[ServiceError] | None = None
        if txn.kind not in {"deposit", "withdrawal", "transfer"}:
            error = ValidationError
        elif txn.reversed:
            error = ConflictError
        elif any(a.status == "closed" for a in involved):
            error = accounts.AccountStatusError
        elif any(
            self.model.accounts[a].balance - amount < -self.model.accounts[a].overdraft
            for a, amount in txn.legs.items()
            if amount > 0
        ):
            error = accounts.InsufficientFundsError
        if error is not None:
            self._expect(error, call)
            return
        results = call()
        assert {r.account_id for r in results} == set(txn.legs)
        txn.reversed = True
        mirrored = {a: -amount for a, amount in txn.legs.items()}
        self._record(results[0].transaction_id, "reversal", mirrored)
        self.model.txns[results[0].transaction_id].reversed = True  # never reversible itself

    @rule(account_id=account_ids)
    def freeze(self, account_id: int) -> None:
        acct = self.model.accounts[account_id]
        call = accounts.freeze_account
        args = (self.backend.uow(), self.world.manager, account_id, "check")
        if acct.status == "open":
            assert call(*args).status == "frozen"
            acct.status = "frozen"
        else:
            error = ValidationError if acct.status == "frozen" else accounts.AccountStatusError
            self._expect(error, call, *args)

    @rule(account_id=account_ids)
    def unfreeze(self, account_id: int) -> None:
        acct = self.model.accounts[account_id]
        args = (self.backend.uow(), self.world.manager, account_id)
        if acct.status == "frozen":
            accounts.unfreeze_account(*args)
            acct.status = "open"
        else:
            error = ValidationError if acct.status == "open" else accounts.AccountStatusError
            self._expect(error, accounts.unfreeze_account, *args)

    @rule(account_id=account_ids)
    def close(self, account_id: int) -> None:
        acct = self.model.accounts[account_id]
        args = (self.backend.uow(), self.world.manager, account_id, "done")
        if acct.status == "closed" or acct.balance != 0:
            self._expect(ValidationError, accounts.close_account, *args)
        else:
            accounts.close_account(*args)
            acct.status = "closed"

    @rule(account_id=account_ids)
    def unlock(self, account_id: int) -> None:
        acct = self.model.accounts[account_id]
        args = (self.backend.uow(), self.world.manager, account_id)
        if not acct.locked:
            self._expect(ValidationError, accounts.unlock_account, *args)
        else:
            accounts.unlock_account(*args)
            acct.locked, acct.failures = False, 0

    def _number(self, account_id: int) -> str:
        return accounts.get_account(self.backend.read_uow(), self.world.cashier, account_id).number

    # -- invariants ------------------------------------------------------------------------------

    @invariant()
    def ledger_holds(self) -> None:
        entries = check_ledger(self.backend.read_uow())
        for entry_id, seen in self.seen.items():
            assert entries.get(entry_id) == seen, f"entry {entry_id} was changed or deleted"
        self.seen = entries

    @invariant()
    def model_agrees(self) -> None:
        for account_id, acct in self.model.accounts.items():
            dto = accounts.get_account(self.backend.read_uow(), self.world.cashier, account_id)
            assert dto.balance_minor == acct.balance
            assert dto.status == acct.status
            assert (dto.pin_locked, dto.pin_failures) == (acct.locked, acct.failures)


_STAFF: dict[Path, dict] = {}  # type: ignore[type-arg]
_STORE: dict[Path, int] = {}


def _template(tmp_path: Path) -> Path:
    """A migrated SQLite file with staff and a store, copied for every example."""
    database = make_database("sqlite", tmp_path)
    world = make_world(Backend(database))
    database.dispose()
    path = tmp_path / "posapp.sqlite3"
    _STAFF[path], _STORE[path] = world.staff, world.store_id
    return path


def test_ledger_state_machine(tmp_path: Path) -> None:
    template = _template(tmp_path)
    run_state_machine_as_test(
        lambda: LedgerMachine(template),  # type: ignore[arg-type]
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
