"""Customer accounts on both databases: opening, movements, limits, PINs, reversals, events."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from posapp import i18n
from posapp.events import AccountMoved, RecordingPublisher
from posapp.models import AuditEntry, LedgerTransaction, TillSession
from posapp.services.accounts import manage as accounts
from posapp.services.accounts import numbers as account_numbers
from posapp.services.accounts.dto import AccountDraft, AccountFilter
from posapp.services.backend import Backend
from posapp.services.platform import settings
from posapp.services.platform.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from posapp.services.staff.security import Approval
from tests.integration.accounts_support import PIN, PW, World, check_ledger, counts, make_world


@pytest.fixture
def world(backend: Backend) -> World:
    return make_world(backend)


def _moves(publisher: RecordingPublisher) -> list[AccountMoved]:
    return [e for e in publisher.events if isinstance(e, AccountMoved)]


def _audit_actions(backend: Backend) -> list[str]:
    with backend.read_uow() as uow:
        return list(uow.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_open_account_normalises_and_audits(world: World) -> None:
    account = world.open("  Zoë   O'Brien ", email="Zoe@Bücher.Example", phone="+44 (0)7700-900123")
    assert account_numbers.is_valid(account.number)
    assert account.holder_name == "Zoë O'Brien"
    assert account.email == "Zoe@bücher.example"
    assert account.phone == "+44 (0)7700-900123"
    assert (account.status, account.balance_minor, account.pin_set) == ("open", 0, True)
    assert "account.opened" in _audit_actions(world.backend)


@pytest.mark.parametrize("name", ["null", "None", "<b>bold</b>", "Ødegård-Łukasz 山田"])
def test_any_real_name_is_accepted(world: World, name: str) -> None:
    assert world.open(name).holder_name == name


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter the holder's name"),
        ("name", "   ", "Enter the holder's name"),
        ("name", "a\tb", "tabs"),
        ("name", "x" * 201, "at most 200"),
        ("email", "ann.example.com", "@ is missing"),
        ("email", "a" * 290 + "@example.com", "at most 254"),
        ("email", "ann@localhost", "domain"),
        ("email", "ann@exa mple.com", "domain"),
        ("phone", "0770O 900123", "cannot contain letters"),
        ("phone", "call me", "cannot contain letters"),
        ("phone", "12", "5 to 15 digits"),
        ("phone", "07700 900123 #5", "digits, spaces"),
        ("pin", "12", "4 to 6 digits"),
        ("pin", "12a4", "4 to 6 digits"),
        ("pin", "1234567", "4 to 6 digits"),
        ("overdraft", -1, "cannot be negative"),
        ("daily", 0, "more than zero"),
    ],
)
def test_bad_customer_inputs_store_nothing(
    world: World, field: str, value: object, message: str
) -> None:
    before = counts(world.backend.read_uow())
    kwargs: dict[str, object] = {}
    name = "Ann"
    if field == "name":
        name = str(value)
    elif field == "pin":
        kwargs["pin"] = value
    else:
        kwargs[field] = value
    with pytest.raises(ValidationError, match=message):
        world.open(name, **kwargs)  # type: ignore[arg-type]
    assert counts(world.backend.read_uow()) == before


def test_idn_email_and_full_width_phone(world: World) -> None:
    account = world.open("Ann", email="anna@例え.jp", phone="０７７００ ９００１２３")
    assert account.email == "anna@例え.jp"
    assert account.phone == "07700 900123"


def test_deposit_publishes_after_commit_and_replays(
    world: World, publisher: RecordingPublisher
) -> None:
    account = world.open()
    publisher.events.clear()
    key = uuid.uuid4()
    first = world.deposit(account.id, 12_50, key)
    assert (first.balance_minor, first.replayed) == (12_50, False)
    moved = [e for e in publisher.events if isinstance(e, AccountMoved)]
    assert [(e.account_id, e.kind, e.amount_minor, e.balance_minor) for e in moved] == [
        (account.id, "deposit", 12_50, 12_50)
    ]
    again = world.deposit(account.id, 12_50, key)
    assert (again.transaction_id, again.replayed, again.balance_minor) == (
        first.transaction_id,
        True,
        12_50,
    )
    assert len([e for e in publisher.events if isinstance(e, AccountMoved)]) == 1
    with pytest.raises(ConflictError, match="different movement"):
        world.deposit(account.id, 13_00, key)
    assert world.balance(account.id) == 12_50
    assert _audit_actions(world.backend).count("account.deposit") == 1
    check_ledger(world.backend.read_uow())


def test_withdraw_balance_plus_one_cent_is_refused(
    world: World, publisher: RecordingPublisher
) -> None:
    account = world.open()
    world.deposit(account.id, 50_00)
    before = counts(world.backend.read_uow())
    publisher.events.clear()
    with pytest.raises(accounts.InsufficientFundsError, match=r"50\.00 available"):
        world.withdraw(account.id, 50_01)
    assert counts(world.backend.read_uow()) == before
    assert publisher.events == []
    assert world.withdraw(account.id, 50_00).balance_minor == 0
    check_ledger(world.backend.read_uow())


def test_overdraft_limit_is_the_floor(world: World) -> None:
    account = world.open(overdraft=20_00)
    world.deposit(account.id, 10_00)
    with pytest.raises(accounts.InsufficientFundsError, match=r"30\.00 available"):
        world.withdraw(account.id, 30_01)
    assert world.withdraw(account.id, 30_00).balance_minor == -20_00
    draft = AccountDraft("Ann Example", overdraft_limit_minor=10_00)
    with pytest.raises(ValidationError, match=r"owes 20\.00"):
        accounts.edit_account(world.backend.uow(), world.manager, account.id, draft)
    check_ledger(world.backend.read_uow())


@pytest.mark.parametrize("amount", [0, -1, -100, 10**12, 10**30])
def test_bad_amounts_are_refused(world: World, amount: int) -> None:
    account = world.open()
    with pytest.raises(ValidationError):
        world.deposit(account.id, amount)
    with pytest.raises(ValidationError):
        world.withdraw(account.id, amount)
    assert world.balance(account.id) == 0


def test_frozen_receives_but_does_not_spend(world: World) -> None:
    ann, bob = world.open("Ann"), world.open("Bob")
    world.deposit(ann.id, 20_00)
    world.deposit(bob.id, 20_00)
    accounts.freeze_account(world.backend.uow(), world.manager, ann.id, "lost card")
    assert world.deposit(ann.id, 5_00).balance_minor == 25_00  # frozen can receive
    with pytest.raises(accounts.AccountStatusError, match="frozen: it can receive"):
        world.withdraw(ann.id, 1_00)
    with pytest.raises(accounts.AccountStatusError, match="frozen"):
        accounts.transfer(
            world.backend.uow(),
            world.cashier,
            from_account_id=ann.id,
            to_account_id=bob.id,
            amount_minor=1_00,
            pin=PIN,
            key=uuid.uuid4(),
        )
    accounts.transfer(
        world.backend.uow(),
        world.cashier,
        from_account_id=bob.id,
        to_account_id=ann.id,
        amount_minor=1_00,
        pin=PIN,
        key=uuid.uuid4(),
    )
    assert world.balance(ann.id) == 26_00
    accounts.unfreeze_account(world.backend.uow(), world.manager, ann.id)
    assert world.withdraw(ann.id, 26_00).balance_minor == 0
    check_ledger(world.backend.read_uow())


def test_close_needs_zero_and_closed_takes_nothing(world: World) -> None:
    account = world.open()
    world.deposit(account.id, 1_00)
    with pytest.raises(ValidationError, match=r"still holds 1\.00"):
        accounts.close_account(world.backend.uow(), world.manager, account.id, "moved away")
    with pytest.raises(ValidationError, match="reason"):
        accounts.close_account(world.backend.uow(), world.manager, account.id, " ")
    world.withdraw(account.id, 1_00)
    closed = accounts.close_account(world.backend.uow(), world.manager, account.id, "moved")
    assert closed.status == "closed"
    with pytest.raises(accounts.AccountStatusError, match="closed: it cannot receive"):
        world.deposit(account.id, 1_00)
    with pytest.raises(accounts.AccountStatusError, match="closed"):
        world.withdraw(account.id, 1_00)
    with pytest.raises(accounts.AccountStatusError):
        accounts.unfreeze_account(world.backend.uow(), world.manager, account.id)
    assert "account.closed" in _audit_actions(world.backend)


def test_a_refused_status_change_is_one_sentence_in_the_users_language(world: World) -> None:
    account = world.open()
    accounts.close_account(world.backend.uow(), world.manager, account.id, "moved")
    with pytest.raises(accounts.AccountStatusError, match="is closed: it cannot be frozen"):
        accounts.freeze_account(world.backend.uow(), world.manager, account.id, "fraud")
    i18n.set_language("de")
    try:
        with pytest.raises(accounts.AccountStatusError) as refused:
            accounts.freeze_account(world.backend.uow(), world.manager, account.id, "fraud")
        with pytest.raises(ValidationError) as again:
            accounts.close_account(world.backend.uow(), world.manager, account.id, "moved")
    finally:
        i18n.set_language("en")
    assert str(refused.value).endswith("ist geschlossen: Es kann nicht eingefroren werden.")
    assert str(again.value).endswith("ist bereits geschlossen.")


def test_transfer_to_the_same_account_is_refused(world: World) -> None:
    account = world.open()
    world.deposit(account.id, 10_00)
    with pytest.raises(ValidationError, match="two different accounts"):
        accounts.transfer(
            world.backend.uow(),
            world.cashier,
            from_account_id=account.id,
            to_account_id=account.id,
            amount_minor=1_00,
            pin=PIN,
            key=uuid.uuid4(),
        )
    assert world.balance(account.id) == 10_00


def test_transfer_moves_between_accounts_with_two_events(
    world: World, publisher: RecordingPublisher
) -> None:
    ann, bob = world.open("Ann"), world.open("Bob")
    world.deposit(ann.id, 10_00)
    publisher.events.clear()
    result = accounts.transfer(
        world.backend.uow(),
        world.cashier,
        from_account_id=ann.id,
        to_account_id=bob.id,
        amount_minor=4_00,
        pin=PIN,
        key=uuid.uuid4(),
    )
    assert (result.amount_minor, result.balance_minor) == (-4_00, 6_00)
    assert world.balance(bob.id) == 4_00
    moved = [(e.account_id, e.amount_minor, e.balance_minor) for e in _moves(publisher)]
    assert moved == [(ann.id, -4_00, 6_00), (bob.id, 4_00, 4_00)]


def test_three_wrong_pins_lock_until_a_manager_unlocks(world: World) -> None:
    account = world.open()
    world.deposit(account.id, 10_00)
    with pytest.raises(accounts.WrongPinError, match="2 more tries"):
        world.withdraw(account.id, 1_00, pin="0000")
    with pytest.raises(accounts.WrongPinError, match="1 more try"):
        world.withdraw(account.id, 1_00, pin="9999")
    with pytest.raises(accounts.AccountLockedError, match="now locked"):
        world.withdraw(account.id, 1_00, pin="1111")
    with pytest.raises(accounts.AccountLockedError, match="manager must unlock"):
        world.withdraw(account.id, 1_00)  # the right PIN does not help now
    dto = accounts.get_account(world.backend.read_uow(), world.cashier, account.id)
    assert (dto.pin_locked, dto.pin_failures) == (True, 3)
    with pytest.raises(PermissionDeniedError):
        accounts.unlock_account(world.backend.uow(), world.cashier, account.id)
    accounts.unlock_account(world.backend.uow(), world.manager, account.id)
    assert world.withdraw(account.id, 1_00).balance_minor == 9_00
    actions = _audit_actions(world.backend)
    assert actions.count("account.pin_wrong") == 3
    assert actions.count("account.pin_locked") == 1
    assert "account.unlocked" in actions
    assert world.balance(account.id) == 9_00


def test_a_right_pin_clears_the_count(world: World) -> None:
    account = world.open()
    world.deposit(account.id, 10_00)
    for _ in range(2):
        with pytest.raises(accounts.WrongPinError):
            world.withdraw(account.id, 1_00, pin="0000")
    world.withdraw(account.id, 1_00)
    for _ in range(2):
        with pytest.raises(accounts.WrongPinError):
            world.withdraw(account.id, 1_00, pin="0000")
    dto = accounts.get_account(world.backend.read_uow(), world.cashier, account.id)
    assert (dto.pin_locked, dto.pin_failures) == (False, 2)


def test_pin_reset_sets_the_holders_new_pin_and_unlocks(world: World) -> None:
    account = world.open()
    world.deposit(account.id, 10_00)
    for _ in range(3):
        with pytest.raises(accounts.WrongPinError if _ < 2 else accounts.AccountLockedError):
            world.withdraw(account.id, 1_00, pin="0000")
    accounts.reset_pin(world.backend.uow(), world.manager, account.id, "９８７６５")
    with pytest.raises(accounts.WrongPinError):
        world.withdraw(account.id, 1_00, pin=PIN)
    assert world.withdraw(account.id, 1_00, pin="98765").balance_minor == 9_00


def test_withdrawal_above_threshold_needs_a_manager(world: World) -> None:
    account = world.open()
    world.deposit(account.id, 500_00)
    with pytest.raises(accounts.ApprovalRequiredError, match=r"above 200\.00"):
        world.withdraw(account.id, 200_01)
    assert world.withdraw(account.id, 200_00).approver_id is None  # at the threshold: fine
    with pytest.raises(Exception, match="wrong password"):
        world.withdraw(account.id, 250_00, approval=Approval("boss", "nope nope", "big"))
    result = world.withdraw(account.id, 250_00, approval=Approval("boss", PW, "house deposit"))
    assert result.approver_id == world.manager.id
    with world.backend.read_uow() as uow:
        txn = uow.session.get(LedgerTransaction, result.transaction_id)
        assert txn is not None
        assert txn.approver_id == world.manager.id
        audit = uow.session.scalar(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "account.withdrawal")
            .order_by(AuditEntry.id.desc())
        )
        assert audit is not None
        assert (audit.approver_id, audit.reason) == (world.manager.id, "house deposit")
    assert world.balance(account.id) == 50_00


def test_threshold_is_a_setting_and_managers_approve_themselves(world: World) -> None:
    account = world.open()
    world.deposit(account.id, 100_00)
    with world.backend.uow() as uow:
        settings.put_setting(uow, accounts.APPROVAL_SETTING, 10_00)
        uow.commit()
    with pytest.raises(accounts.ApprovalRequiredError, match=r"above 10\.00"):
        world.withdraw(account.id, 10_01)
    result = world.withdraw(account.id, 50_00, actor=world.manager)
    assert result.approver_id == world.manager.id


def test_daily_withdrawal_limit(world: World) -> None:
    account = world.open(daily=100_00)
    world.deposit(account.id, 300_00)
    world.withdraw(account.id, 60_00)
    with pytest.raises(accounts.DailyLimitError, match=r"40\.00 more"):
        world.withdraw(account.id, 40_01)
    world.withdraw(account.id, 40_00)
    rules = accounts.withdrawal_rules(world.backend.read_uow(), world.cashier, account.id)
    assert (rules.daily_remaining_minor, rules.available_minor) == (0, 200_00)


def test_reversal_mirrors_and_points_at_the_original(
    world: World, publisher: RecordingPublisher
) -> None:
    account = world.open()
    first = world.deposit(account.id, 30_00)
    world.deposit(account.id, 5_00)
    publisher.events.clear()
    key = uuid.uuid4()
    (result,) = accounts.reverse(
        world.backend.uow(),
        world.manager,
        transaction_id=first.transaction_id,
        key=key,
        reason="typed 30 instead of 3",
    )
    assert (result.amount_minor, result.balance_minor) == (-30_00, 5_00)
    assert [e.kind for e in _moves(publisher)] == ["reversal"]
    with world.backend.read_uow() as uow:
        txn = uow.session.get(LedgerTransaction, result.transaction_id)
        assert txn is not None
        assert txn.reversal_of_id == first.transaction_id
    again = accounts.reverse(
        world.backend.uow(), world.manager, transaction_id=first.transaction_id, key=key, reason="x"
    )
    assert again[0].replayed
    with pytest.raises(ConflictError, match="already been reversed"):
        accounts.reverse(
            world.backend.uow(),
            world.manager,
            transaction_id=first.transaction_id,
            key=uuid.uuid4(),
            reason="again",
        )
    with pytest.raises(ValidationError, match="cannot itself be reversed"):
        accounts.reverse(
            world.backend.uow(),
            world.manager,
            transaction_id=result.transaction_id,
            key=uuid.uuid4(),
            reason="undo",
        )
    with pytest.raises(PermissionDeniedError):
        accounts.reverse(
            world.backend.uow(), world.cashier, transaction_id=1, key=uuid.uuid4(), reason="x"
        )
    with pytest.raises(NotFoundError):
        accounts.reverse(
            world.backend.uow(), world.manager, transaction_id=10**9, key=uuid.uuid4(), reason="x"
        )
    check_ledger(world.backend.read_uow())


def test_reversing_spent_money_respects_the_balance(world: World) -> None:
    account = world.open()
    deposit = world.deposit(account.id, 30_00)
    world.withdraw(account.id, 25_00)
    with pytest.raises(accounts.InsufficientFundsError, match=r"5\.00 available"):
        accounts.reverse(
            world.backend.uow(),
            world.manager,
            transaction_id=deposit.transaction_id,
            key=uuid.uuid4(),
            reason="mistake",
        )
    assert world.balance(account.id) == 5_00


def test_pay_and_refund_inside_the_callers_unit_of_work(
    world: World, publisher: RecordingPublisher
) -> None:
    account = world.open()
    world.deposit(account.id, 40_00)
    order_id = world.order()
    publisher.events.clear()
    key = uuid.uuid4()
    with world.backend.uow() as uow:
        txn_id = accounts.pay_from_account(
            uow,
            account_number=account_numbers.display(account.number),
            pin=PIN,
            amount_minor=25_00,
            order_id=order_id,
            user_id=world.cashier.id,
            key=key,
            store_id=world.store_id,
        )
        assert publisher.events == []  # not before the caller commits
        uow.commit()
    assert [(e.kind, e.amount_minor, e.balance_minor) for e in _moves(publisher)] == [
        ("payment", -25_00, 15_00)
    ]
    with world.backend.uow() as uow:  # a retry of the same checkout step
        assert (
            accounts.pay_from_account(
                uow,
                account_number=account.number,
                pin=PIN,
                amount_minor=25_00,
                order_id=order_id,
                user_id=world.cashier.id,
                key=key,
                store_id=world.store_id,
            )
            == txn_id
        )
        uow.commit()
    with world.backend.uow() as uow:  # the checkout fails later: nothing happened
        accounts.pay_from_account(
            uow,
            account_number=account.number,
            pin=PIN,
            amount_minor=5_00,
            order_id=order_id,
            user_id=world.cashier.id,
            key=uuid.uuid4(),
            store_id=world.store_id,
        )
    assert world.balance(account.id) == 15_00
    with world.backend.uow() as uow:
        accounts.refund_to_account(
            uow,
            customer_account_id=account.id,
            amount_minor=25_00,
            order_id=order_id,
            user_id=world.cashier.id,
            key=uuid.uuid4(),
        )
        uow.commit()
    assert world.balance(account.id) == 40_00
    assert [e.kind for e in _moves(publisher)] == ["payment", "refund"]
    with pytest.raises(ValidationError, match="cannot be reversed here"):
        accounts.reverse(
            world.backend.uow(), world.manager, transaction_id=txn_id, key=uuid.uuid4(), reason="x"
        )
    check_ledger(world.backend.read_uow())


def test_pay_from_account_refusals(world: World) -> None:
    account = world.open()
    world.deposit(account.id, 10_00)
    order_id = world.order()

    def pay(number: str, amount: int = 1_00, pin: str = PIN) -> int:
        with world.backend.uow() as uow:
            txn = accounts.pay_from_account(
                uow,
                account_number=number,
                pin=pin,
                amount_minor=amount,
                order_id=order_id,
                user_id=world.cashier.id,
                key=uuid.uuid4(),
                store_id=world.store_id,
            )
            uow.commit()
            return txn

    body = account.number[:8]
    mistyped = body[:3] + str((int(body[3]) + 1) % 10) + body[4:] + account.number[8:]
    with pytest.raises(ValidationError, match="mistyped digit"):
        pay(mistyped)
    swapped = account.number[1] + account.number[0] + account.number[2:]
    if swapped != account.number:
        with pytest.raises(ValidationError, match="mistyped digit"):
            pay(swapped)
    with pytest.raises(accounts.InsufficientFundsError):
        pay(account.number, 10_01)
    for _ in range(2):
        with pytest.raises(accounts.WrongPinError):
            pay(account.number, pin="0000")
    with pytest.raises(accounts.AccountLockedError):
        pay(account.number, pin="0000")  # the count survived the checkouts' rollbacks
    with pytest.raises(accounts.AccountLockedError):
        pay(account.number)
    assert world.balance(account.id) == 10_00


def test_cash_movements_belong_to_the_open_till_session(world: World) -> None:
    account = world.open()
    with world.backend.uow() as uow:
        till = TillSession(
            store_id=world.store_id, register="test-till", cashier_id=world.cashier.id
        )
        uow.session.add(till)
        uow.flush()
        till_id = till.id
        uow.commit()
    deposit = world.deposit(account.id, 50_00)
    world.withdraw(account.id, 20_00)
    with world.backend.read_uow() as uow:
        txn = uow.session.get(LedgerTransaction, deposit.transaction_id)
        assert txn is not None
        assert txn.till_session_id == till_id
        assert accounts.till_cash_delta(uow, till_id) == 30_00
    with pytest.raises(ValidationError, match="not open at this store"):
        world.deposit(account.id, 1_00, till_session_id=till_id + 1)


def test_search_and_filters(world: World) -> None:
    ann = world.open("Ann Archer", email="ann@example.com", phone="07700 900123")
    bob = world.open("Bob Baker", email="bob@shop.example", phone="+44 20 7946 0000")
    cy = world.open("Cy 100%_", email="cy@example.org")
    accounts.freeze_account(world.backend.uow(), world.manager, bob.id, "fraud check")

    def search(text: str = "", status: str | None = None) -> list[int]:
        flt = AccountFilter(text, status)
        return accounts.search_accounts(world.backend.read_uow(), world.cashier, flt)

    assert search() == [ann.id, bob.id, cy.id]
    assert search("ARCH") == [ann.id]
    assert search(account_numbers.display(bob.number)) == [bob.id]
    assert search(bob.number[2:7]) == [bob.id]
    assert search("07700900123") == [ann.id]
    assert search("7946") == [bob.id]
    assert search("example.org") == [cy.id]
    assert search("%") == [cy.id]
    assert search("_") == [cy.id]
    assert search(status="frozen") == [bob.id]
    assert search("ann", status="frozen") == []
    rows = accounts.account_rows(world.backend.read_uow(), world.cashier, [cy.id, ann.id])
    assert [r.holder_name for r in rows] == ["Cy 100%_", "Ann Archer"]
    with pytest.raises(ValidationError):
        search(status="gone")


def test_movements_pages_with_running_balance(world: World) -> None:
    account = world.open()
    amounts = [10_00, -3_00, 7_50, -1_25, 2_00, -50, 4_00]
    for amount in amounts:
        if amount > 0:
            world.deposit(account.id, amount)
        else:
            world.withdraw(account.id, -amount)
    seen = []
    before = None
    while True:
        page = accounts.movements_page(
            world.backend.read_uow(), world.cashier, account.id, before_entry_id=before, limit=3
        )
        seen.extend(page.rows)
        if page.next_before is None:
            break
        before = page.next_before
    assert [m.amount_minor for m in seen] == list(reversed(amounts))
    running = 0
    expected = []
    for amount in amounts:
        running += amount
        expected.append(running)
    assert [m.balance_after_minor for m in seen] == list(reversed(expected))
    assert seen[0].user_name == "till"


def test_statement_opening_movements_closing(world: World) -> None:
    account = world.open()
    for amount in (10_00, 20_00):
        world.deposit(account.id, amount)
    world.withdraw(account.id, 5_00)
    today = datetime.now(UTC).astimezone().date()
    stmt = accounts.statement(
        world.backend.read_uow(), world.cashier, account.id, first_day=today, last_day=today
    )
    assert stmt.opening_balance_minor == 0
    assert [line.amount_minor for line in stmt.lines] == [10_00, 20_00, -5_00]
    assert [line.balance_after_minor for line in stmt.lines] == [10_00, 30_00, 25_00]
    assert stmt.closing_balance_minor == 25_00
    assert (stmt.money_in_minor, stmt.money_out_minor) == (30_00, -5_00)
    later = accounts.statement(
        world.backend.read_uow(),
        None,
        account_numbers.display(account.number),
        first_day=date(today.year + 1, 1, 1),
        last_day=date(today.year + 1, 12, 31),
    )
    assert (later.opening_balance_minor, later.lines, later.closing_balance_minor) == (
        25_00,
        [],
        25_00,
    )
    with pytest.raises(ValidationError, match="ends before it starts"):
        accounts.statement(
            world.backend.read_uow(), None, account.id, first_day=today, last_day=date(2000, 1, 1)
        )
    with pytest.raises(ValidationError, match="between 1970"):
        accounts.statement(
            world.backend.read_uow(),
            None,
            account.id,
            first_day=date(1, 1, 1),
            last_day=date(9999, 12, 31),
        )


def test_edit_account_and_stale_version(world: World) -> None:
    account = world.open("Ann")
    draft = AccountDraft("Ann Smith", email="ann@example.com", daily_withdrawal_limit_minor=50_00)
    edited = accounts.edit_account(
        world.backend.uow(), world.manager, account.id, draft, expected_version=account.version
    )
    assert (edited.holder_name, edited.daily_withdrawal_limit_minor) == ("Ann Smith", 50_00)
    with pytest.raises(ConflictError, match="changed this in the meantime"):
        accounts.edit_account(
            world.backend.uow(), world.manager, account.id, draft, expected_version=account.version
        )
    with pytest.raises(PermissionDeniedError):
        accounts.edit_account(world.backend.uow(), world.cashier, account.id, draft)
    with world.backend.read_uow() as uow:
        entry = uow.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "account.edited")
        )
        assert entry is not None
        assert '"holder_name": "Ann"' in (entry.before or "")
        assert '"holder_name": "Ann Smith"' in (entry.after or "")


def test_find_account_catches_mistyped_numbers(world: World) -> None:
    account = world.open()
    found = accounts.find_account(
        world.backend.read_uow(), world.cashier, account_numbers.display(account.number)
    )
    assert found.id == account.id
    wrong = account.number[:-1] + str((int(account.number[-1]) + 1) % 10)
    with pytest.raises(ValidationError, match="mistyped"):
        accounts.find_account(world.backend.read_uow(), world.cashier, wrong)
    other = account_numbers.make_number(12_345_678)
    with pytest.raises(NotFoundError):
        accounts.find_account(world.backend.read_uow(), world.cashier, other)
