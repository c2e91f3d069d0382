"""Read models and requests of customer accounts (Qt- and SQLAlchemy-free, for every edge)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from posapp.i18n import N_, _, pgettext


class MovementKind(enum.StrEnum):
    """What a ledger transaction touching a customer account was."""

    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    TRANSFER = "transfer"
    PAYMENT = "payment"
    REFUND = "refund"
    REVERSAL = "reversal"


MOVEMENT_LABELS: dict[str, str] = {
    MovementKind.DEPOSIT: N_("Deposit"),
    MovementKind.WITHDRAWAL: N_("Withdrawal"),
    MovementKind.TRANSFER: "Transfer",  # in people's words: pgettext("account", …) below
    MovementKind.PAYMENT: N_("Payment"),
    MovementKind.REFUND: N_("Refund"),
    MovementKind.REVERSAL: N_("Reversal"),
}


def movement_label(kind: str) -> str:
    """A movement kind for people, in their language: ``"withdrawal"`` → ``"Withdrawal"``."""
    if kind == MovementKind.TRANSFER:
        return pgettext("account", "Transfer")  # money between accounts, not a stock transfer
    label = MOVEMENT_LABELS.get(kind)
    return _(label) if label else kind.replace("_", " ").capitalize()


STATUS_LABELS: dict[str, str] = {"open": N_("Open"), "frozen": N_("Frozen"), "closed": N_("Closed")}
_STATE_WORDS: dict[str, str] = {"open": N_("open"), "frozen": N_("frozen"), "closed": N_("closed")}


def state_word(status: str) -> str:
    """An account's status as a word in a sentence (``frozen``), in the user's language."""
    word = _STATE_WORDS.get(status)
    return _(word) if word else status


@dataclass(frozen=True, slots=True)
class AccountDTO:
    """A customer account with its holder, limits, PIN state and balance."""

    id: int
    number: str
    holder_name: str
    email: str
    phone: str
    status: str
    balance_minor: int
    overdraft_limit_minor: int
    daily_withdrawal_limit_minor: int | None
    marketing_opt_in: bool
    pin_set: bool
    pin_locked: bool
    pin_failures: int
    created_at: datetime
    changed_at: datetime
    version: int

    @property
    def available_minor(self) -> int:
        """What the holder may spend now: balance plus overdraft, nothing unless open."""
        if self.status != "open":
            return 0
        return max(0, self.balance_minor + self.overdraft_limit_minor)


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One line of the accounts list."""

    id: int
    number: str
    holder_name: str
    email: str
    phone: str
    status: str
    balance_minor: int
    pin_locked: bool


@dataclass(frozen=True, slots=True)
class AccountFilter:
    """What the accounts list shows: a search over name, number, phone, email and a status."""

    search: str = ""
    status: str | None = None


@dataclass(frozen=True, slots=True)
class AccountDraft:
    """What a person typed to open or edit an account (money already parsed to minor units).

    ``daily_withdrawal_limit_minor`` None means no daily limit; ``overdraft_limit_minor`` 0
    means no overdraft.
    """

    holder_name: str
    email: str = ""
    phone: str = ""
    overdraft_limit_minor: int = 0
    daily_withdrawal_limit_minor: int | None = None
    marketing_opt_in: bool = False


@dataclass(frozen=True, slots=True)
class MovementResult:
    """The outcome of a deposit, withdrawal, transfer, payment, refund or reversal.

    ``replayed`` is True when the idempotency key had been used before: nothing moved and this is
    the first request's transaction. ``balance_minor`` is the account's balance now.
    """

    transaction_id: int
    account_id: int
    kind: str
    amount_minor: int
    balance_minor: int
    replayed: bool
    approver_id: int | None = None


@dataclass(frozen=True, slots=True)
class MovementDTO:
    """One movement on a customer account, signed from the holder's side (+ money in)."""

    entry_id: int
    transaction_id: int
    at: datetime
    kind: str
    memo: str
    amount_minor: int
    balance_after_minor: int
    reversal_of_id: int | None = None
    reversed_by_id: int | None = None
    user_name: str = ""

    @property
    def label(self) -> str:
        """The kind for people."""
        return movement_label(self.kind)


@dataclass(frozen=True, slots=True)
class MovementPage:
    """A page of movements, newest first; ``next_before`` continues the list (None at the end)."""

    rows: list[MovementDTO]
    next_before: int | None


@dataclass(frozen=True, slots=True)
class WithdrawalRules:
    """What limits a withdrawal from an account now: for the dialog to say before asking."""

    approval_above_minor: int
    daily_limit_minor: int | None
    withdrawn_today_minor: int
    available_minor: int

    @property
    def daily_remaining_minor(self) -> int | None:
        """How much more may be withdrawn within the rolling 24 hours (None: no limit)."""
        if self.daily_limit_minor is None:
            return None
        return max(0, self.daily_limit_minor - self.withdrawn_today_minor)


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One movement of a statement and the balance after it."""

    at: datetime
    transaction_id: int
    kind: str
    memo: str
    amount_minor: int
    balance_after_minor: int

    @property
    def label(self) -> str:
        """The kind for people."""
        return movement_label(self.kind)


@dataclass(frozen=True, slots=True)
class StatementDTO:
    """An account's statement for a period: opening balance, movements, closing balance.

    The period is ``[start_at, end_at)``; ``first_day`` and ``last_day`` are the local dates
    the person asked for (both included).
    """

    account_id: int
    number: str
    holder_name: str
    email: str
    phone: str
    status: str
    first_day: date
    last_day: date
    start_at: datetime
    end_at: datetime
    opening_balance_minor: int
    closing_balance_minor: int
    lines: list[StatementLine] = field(default_factory=list)
    generated_at: datetime | None = None

    @property
    def money_in_minor(self) -> int:
        """Sum of the movements that credited the account."""
        return sum(line.amount_minor for line in self.lines if line.amount_minor > 0)

    @property
    def money_out_minor(self) -> int:
        """Sum of the movements that debited the account (a negative number or zero)."""
        return sum(line.amount_minor for line in self.lines if line.amount_minor < 0)
