"""Customer accounts on a double-entry ledger."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from posapp.models.base import Base, CreatedAtMixin, IdMixin, money_column, utcnow
from posapp.models.customers import Customer


class LedgerAccountKind(enum.StrEnum):
    """Whose money a ledger account holds: a customer's, or one of the shop's own."""

    CUSTOMER = "customer"
    CASH_DRAWER = "cash_drawer"
    SALES_CLEARING = "sales_clearing"
    CARD_CLEARING = "card_clearing"
    # What the shop owes every gift card's bearer, together (one account; the cards' own
    # balances are in ``gift_cards``, and the two always agree).
    GIFT_CARDS = "gift_cards"


class AccountStatus(enum.StrEnum):
    """A frozen account can receive but not spend; a closed one neither."""

    OPEN = "open"
    FROZEN = "frozen"
    CLOSED = "closed"


LEDGER_ACCOUNT_KINDS = tuple(k.value for k in LedgerAccountKind)
ACCOUNT_STATUSES = tuple(s.value for s in AccountStatus)


class LedgerAccount(IdMixin, CreatedAtMixin, Base):
    """An account of the ledger. ``balance_minor`` caches the sum of its entries.

    Spending is one guarded UPDATE (``balance_minor - x >= -overdraft_limit_minor``), and the
    CHECK below makes an overdraft beyond the limit impossible whatever the code does.
    """

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint(f"kind IN {LEDGER_ACCOUNT_KINDS!r}", name="kind_known"),
        CheckConstraint("overdraft_limit_minor >= 0", name="overdraft_not_negative"),
        CheckConstraint(
            "kind <> 'customer' OR balance_minor >= -overdraft_limit_minor",
            name="within_overdraft",
        ),
    )

    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    balance_minor: Mapped[int] = money_column()
    overdraft_limit_minor: Mapped[int] = money_column()


class CustomerAccount(IdMixin, CreatedAtMixin, Base):
    """A customer and their account: holder details, status, PIN and limits."""

    __tablename__ = "customer_accounts"
    __table_args__ = (
        CheckConstraint(f"status IN {ACCOUNT_STATUSES!r}", name="status_known"),
        CheckConstraint("pin_failures >= 0", name="pin_failures_not_negative"),
        CheckConstraint(
            "daily_withdrawal_limit_minor IS NULL OR daily_withdrawal_limit_minor > 0",
            name="daily_limit_positive",
        ),
        CheckConstraint("length(holder_name) > 0", name="holder_name_not_empty"),
        Index("ix_customer_accounts_holder_name", "holder_name"),
        Index("ix_customer_accounts_email", "email"),
        Index("ix_customer_accounts_phone", "phone"),
    )

    # Digits with a check digit (ISO 7064 mod 97-10), so a mistyped number is caught.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    ledger_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    holder_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(16), default=AccountStatus.OPEN.value)
    # The customer the account belongs to (every account has one since migration 0015; the
    # column stays nullable so that adding it needed no rebuild of this table on SQLite).
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    # The customer's marketing consent, read-only here: the customers row is the one source.
    marketing_opt_in: Mapped[bool] = column_property(
        select(Customer.marketing_opt_in)
        .where(Customer.id == customer_id)
        .correlate_except(Customer)
        .scalar_subquery()
    )
    opt_changed_at: Mapped[datetime | None] = column_property(
        select(Customer.opt_changed_at)
        .where(Customer.id == customer_id)
        .correlate_except(Customer)
        .scalar_subquery()
    )
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    pin_failures: Mapped[int] = mapped_column(default=0)
    pin_locked: Mapped[bool] = mapped_column(default=False)
    daily_withdrawal_limit_minor: Mapped[int | None] = money_column(default=None, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class LedgerTransaction(IdMixin, CreatedAtMixin, Base):
    """One movement of money: its entries sum to zero. Never edited; reversed by another."""

    __tablename__ = "ledger_transactions"
    __table_args__ = (Index("ix_ledger_transactions_created_at_id", "created_at", "id"),)

    idempotency_key: Mapped[uuid.UUID] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    memo: Mapped[str] = mapped_column(String(500), default="")
    # What the request said, to refuse the same key with different details.
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    reversal_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id"), unique=True
    )
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    till_session_id: Mapped[int | None] = mapped_column(ForeignKey("till_sessions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class LedgerEntry(IdMixin, Base):
    """One leg of a ledger transaction: a signed amount on one ledger account."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount_minor <> 0", name="amount_not_zero"),
        Index("ix_ledger_entries_account_id_id", "ledger_account_id", "id"),
    )

    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    ledger_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
