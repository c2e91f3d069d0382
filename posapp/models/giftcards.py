"""Gift cards: the card (its code and balance) and every movement of its balance.

The money itself is on the double-entry ledger: the shop's one gift-card liability account
(``LedgerAccountKind.GIFT_CARDS``) holds what every card is owed, and each movement here names
the ledger transaction that moved it. ``balance_minor`` is one guarded UPDATE away from below zero
(``balance_minor - x >= 0``), and the CHECK makes an overspent card impossible whatever the code.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from posapp.models.base import Base, CreatedAtMixin, IdMixin, money_column


class GiftCardMovementKind(enum.StrEnum):
    """Why a card's balance moved: sold, reloaded, spent, or given back by a refund."""

    ISSUE = "issue"
    RELOAD = "reload"
    REDEEM = "redeem"
    REFUND = "refund"


GIFT_CARD_MOVEMENT_KINDS = tuple(k.value for k in GiftCardMovementKind)


class GiftCard(IdMixin, CreatedAtMixin, Base):
    """A sold gift card: the code printed on the receipt, its balance and expiry."""

    __tablename__ = "gift_cards"
    __table_args__ = (
        CheckConstraint("balance_minor >= 0", name="balance_not_negative"),
        CheckConstraint("loaded_minor > 0", name="loaded_positive"),
    )

    # ``GC-XXXX-XXXX-XXXX-XXXX`` as printed; the key (upper case, no dashes) is what is matched.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    code_key: Mapped[str] = mapped_column(String(64), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    balance_minor: Mapped[int] = money_column()
    # Everything ever put on the card (sold plus reloads), for its statement.
    loaded_minor: Mapped[int] = money_column()
    expires_at: Mapped[datetime | None]


class GiftCardMovement(IdMixin, CreatedAtMixin, Base):
    """One change of a card's balance, inside the sale or return that made it."""

    __tablename__ = "gift_card_movements"
    __table_args__ = (
        CheckConstraint(f"kind IN {GIFT_CARD_MOVEMENT_KINDS!r}", name="kind_known"),
        CheckConstraint("amount_minor <> 0", name="amount_not_zero"),
        CheckConstraint("balance_after_minor >= 0", name="balance_after_not_negative"),
        Index("ix_gift_card_movements_card_id_id", "card_id", "id"),
    )

    card_id: Mapped[int] = mapped_column(ForeignKey("gift_cards.id"))
    kind: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = money_column()
    balance_after_minor: Mapped[int] = money_column()
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    ledger_transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"))
    till_session_id: Mapped[int | None] = mapped_column(ForeignKey("till_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
