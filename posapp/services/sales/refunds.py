"""Money back on an order: refund payments to the tenders it was paid with, or to an account.

A gift card payment is refunded to the card it spent
(:func:`posapp.services.customers.giftcards.refund_to_card`). A points payment takes its share
of every refund in proportion to what it paid (``round(points paid × refunded so far / paid)``,
cumulative), and the points it spent come back in the same proportion
(:func:`posapp.services.customers.give_back_points`): a sale paid half with points and half by
card gives back half of a return's money as points, whichever tender was written first.

Used by cancelling (:mod:`posapp.services.sales.orders`) and by returns
(:mod:`posapp.services.sales.returns`), inside their unit of work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from posapp.events import PaymentConfirmed
from posapp.i18n import _
from posapp.models import Order, Payment
from posapp.money import div_round, format_money
from posapp.services.accounts import refund_to_account
from posapp.services.customers import give_back_points, refund_to_card
from posapp.services.platform.errors import ConflictError, ServiceError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.tills import require_open_session


@dataclass(slots=True)
class Refunder:
    """Writes refund payments for one order, in one transaction."""

    uow: UnitOfWork
    order: Order
    user_id: int
    key: uuid.UUID
    card_reference: str
    now: datetime
    till_id: int | None = None

    def till(self) -> int:
        """This register's open till (refunds in cash need one)."""
        if self.till_id is None:
            self.till_id = require_open_session(self.uow).id
        return self.till_id

    def _write(self, method: str, amount: int, source: Payment | None, **extra: object) -> int:
        now = self.now
        till_id = self.till() if method == "cash" else self._open_till_or_none()
        payment = Payment(
            payment_uuid=uuid.uuid5(self.key, f"{method}:{source.id if source else 0}"),
            order_id=self.order.id,
            method=method,
            amount_minor=-amount,
            tendered_minor=0,
            change_minor=0,
            refund_of_id=source.id if source else None,
            till_session_id=till_id,
            user_id=self.user_id,
            created_at=now,
            **extra,
        )
        self.uow.session.add(payment)
        self.uow.flush()
        self.uow.record(PaymentConfirmed(self.order.id, payment.id, method, -amount, now))
        return payment.id

    def _open_till_or_none(self) -> int | None:
        if self.till_id is not None:
            return self.till_id
        try:
            return self.till()
        except ServiceError:
            return None

    def to_account(self, account_id: int, amount: int, source: Payment | None) -> None:
        """Refund ``amount`` to a customer account (through the ledger)."""
        ledger_id = refund_to_account(
            self.uow,
            customer_account_id=account_id,
            amount_minor=amount,
            order_id=self.order.id,
            user_id=self.user_id,
            key=uuid.uuid5(self.key, f"account:{source.id if source else 0}"),
        )
        self._write(
            "account",
            amount,
            source,
            customer_account_id=account_id,
            ledger_transaction_id=ledger_id,
        )

    def to_gift_card(self, amount: int, source: Payment) -> None:
        """Give ``amount`` back to the gift card that made payment ``source``."""
        payment_id = self._write("gift_card", amount, source)
        refund_to_card(
            self.uow,
            source_payment_id=source.id,
            refund_payment_id=payment_id,
            amount_minor=amount,
            key=uuid.uuid5(self.key, f"gift_card:{source.id}"),
            order_id=self.order.id,
            user_id=self.user_id,
            till_id=self._open_till_or_none(),
        )

    def to_points(self, amount: int, source: Payment, refunded_before: int) -> None:
        """Give back ``amount`` of points payment ``source`` and the points it spent, in share."""
        payment_id = self._write("points", amount, source)
        give_back_points(
            self.uow,
            source_payment_id=source.id,
            refund_payment_id=payment_id,
            paid_minor=source.amount_minor,
            refunded_before_minor=refunded_before,
            refunding_minor=amount,
            user_id=self.user_id,
        )

    def _points_shares(
        self, payments: list[Payment], refunded: dict[int, int], amount: int
    ) -> dict[int, int]:
        """Each points payment's proportional share of refunding ``amount`` more."""
        paid = sum(p.amount_minor for p in payments if p.amount_minor > 0)
        back = sum(-p.amount_minor for p in payments if p.amount_minor < 0)
        shares: dict[int, int] = {}
        for p in payments:
            if p.method != "points" or p.amount_minor <= 0 or paid <= 0:
                continue
            target = min(p.amount_minor, div_round(p.amount_minor * (back + amount), paid))
            shares[p.id] = max(0, min(target - refunded.get(p.id, 0), amount))
        return shares

    def to_original(self, amount: int) -> list[tuple[str, int]]:
        """Share ``amount`` over the payments: points in proportion, then card, account, cash last.

        The others are refunded in the order they were taken (gift cards among them).
        """
        payments = list(
            self.uow.session.scalars(
                select(Payment).where(Payment.order_id == self.order.id).order_by(Payment.id)
            ).all()
        )
        refunded: dict[int, int] = {}
        for p in payments:
            if p.refund_of_id is not None:
                refunded[p.refund_of_id] = refunded.get(p.refund_of_id, 0) - p.amount_minor
        points_shares = self._points_shares(payments, refunded, amount)
        # Points first (their share), then the others in order; points again if money is left.
        sources = sorted(
            (p for p in payments if p.amount_minor > 0),
            key=lambda p: (p.method != "points", p.method == "cash", p.id),
        )
        sources += [p for p in sources if p.method == "points"]
        done: list[tuple[str, int]] = []
        left = amount
        for index, source in enumerate(sources):
            room = source.amount_minor - refunded.get(source.id, 0)
            first_pass = index < len(sources) - len(points_shares)
            wanted = points_shares.get(source.id, left) if first_pass else left
            share = min(room, left, wanted)
            if share <= 0:
                continue
            if source.method == "points":
                self.to_points(share, source, refunded.get(source.id, 0))
                refunded[source.id] = refunded.get(source.id, 0) + share
                done.append((source.method, share))
                left -= share
                continue
            if source.method == "account" and source.customer_account_id is not None:
                self.to_account(source.customer_account_id, share, source)
            elif source.method == "gift_card":
                self.to_gift_card(share, source)
            elif source.method == "card":
                reference = self.card_reference or f"REFUND {source.card_reference or ''}".strip()
                self._write(
                    "card",
                    share,
                    source,
                    card_reference=reference[:64],
                    card_last4=source.card_last4,
                )
            else:
                self._write("cash", share, source)
            done.append((source.method, share))
            left -= share
        if left > 0:
            raise ConflictError(
                _(
                    "Only {amount} of {amount2} was paid on order {number}: "
                    "refund the rest to the customer's account."
                ).format(
                    amount=format_money(amount - left),
                    amount2=format_money(amount),
                    number=self.order.number,
                )
            )
        return done
