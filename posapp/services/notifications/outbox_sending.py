"""The outbox sender's side: claim a due email, record that it was sent or why it failed.

No permission is checked here: the background sender acts for the shop, not for a user. See
:mod:`posapp.services.notifications.outbox` for how rows get into the outbox and
:mod:`posapp.services.notifications.mailer` for the SMTP side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select, update

from posapp.models import CustomerAccount, OutboxEmail, OutboxStatus
from posapp.services.platform.uow import UnitOfWork

ERROR_MAX: Final = 500
OPTED_OUT: Final = "Not sent: the customer opted out of offers."


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines too) made one space."""
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how soon a failed email is tried again.

    The n-th failure waits ``min(base_delay_s * 2**(n-1), max_delay_s)``; after ``max_attempts``
    attempts the email is ``failed`` and shows in the outbox view. ``lease_s`` is how long a
    claimed email is left alone by other senders (a sender that dies mid-send frees it then).
    """

    max_attempts: int = 8
    base_delay_s: float = 60.0
    max_delay_s: float = 6 * 3600.0
    lease_s: float = 300.0

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt."""
        seconds = min(self.base_delay_s * 2 ** max(0, attempts - 1), self.max_delay_s)
        return timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class ClaimedEmail:
    """An email a sender has claimed for one attempt."""

    id: int
    to_address: str
    to_name: str
    subject: str
    body: str
    created_at: datetime
    attempts: int


def has_due(uow: UnitOfWork, now: datetime) -> bool:
    """Whether some email is due (one indexed read): run in a reading unit of work.

    The sender looks first, so a wake that finds nothing to send (every sale wakes it) never
    takes SQLite's write lock: a sale committing meanwhile never waits for it (issue #23).
    """
    with uow:
        found = uow.session.execute(
            select(OutboxEmail.id)
            .where(
                OutboxEmail.status == OutboxStatus.PENDING.value,
                OutboxEmail.next_attempt_at <= now,
            )
            .limit(1)
        ).first()
        return found is not None


def claim_next(uow: UnitOfWork, now: datetime, policy: RetryPolicy) -> ClaimedEmail | None:
    """Claim the oldest due email for one attempt, in its own short transaction.

    The claim is one conditional UPDATE (still pending, still due), so of two senders racing
    for a row exactly one gets it. A promotion whose customer opted out meanwhile is marked
    failed instead of claimed.
    """
    lease_until = now + timedelta(seconds=policy.lease_s)
    for _ in range(20):  # another sender may win the row we picked; pick again
        with uow:
            candidate = uow.session.execute(
                select(OutboxEmail.id, OutboxEmail.kind, OutboxEmail.customer_account_id)
                .where(
                    OutboxEmail.status == OutboxStatus.PENDING.value,
                    OutboxEmail.next_attempt_at <= now,
                )
                .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
                .limit(1)
            ).one_or_none()
            if candidate is None:
                return None
            if candidate.kind == "promotion" and not _still_opted_in(
                uow, candidate.customer_account_id
            ):
                _fail_opted_out(uow, candidate.id)
                uow.commit()
                continue
            claimed = uow.session.execute(
                update(OutboxEmail)
                .where(
                    OutboxEmail.id == candidate.id,
                    OutboxEmail.status == OutboxStatus.PENDING.value,
                    OutboxEmail.next_attempt_at <= now,
                )
                .values(attempts=OutboxEmail.attempts + 1, next_attempt_at=lease_until)
                .returning(
                    OutboxEmail.id,
                    OutboxEmail.to_address,
                    OutboxEmail.to_name,
                    OutboxEmail.subject,
                    OutboxEmail.body,
                    OutboxEmail.created_at,
                    OutboxEmail.attempts,
                )
                .execution_options(synchronize_session=False)
            ).one_or_none()
            uow.commit()
            if claimed is not None:
                return ClaimedEmail(*claimed)
    return None


def _still_opted_in(uow: UnitOfWork, customer_account_id: int | None) -> bool:
    if customer_account_id is None:
        return True
    return bool(
        uow.session.scalar(
            select(CustomerAccount.marketing_opt_in).where(
                CustomerAccount.id == customer_account_id
            )
        )
    )


def _fail_opted_out(uow: UnitOfWork, email_id: int) -> None:
    uow.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.status == OutboxStatus.PENDING.value)
        .values(status=OutboxStatus.FAILED.value, next_attempt_at=None, last_error=OPTED_OUT)
        .execution_options(synchronize_session=False)
    )


def record_sent(uow: UnitOfWork, email: ClaimedEmail, now: datetime) -> None:
    """Mark a claimed email sent."""
    with uow:
        uow.session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email.id, OutboxEmail.attempts == email.attempts)
            .values(
                status=OutboxStatus.SENT.value, sent_at=now, next_attempt_at=None, last_error=""
            )
            .execution_options(synchronize_session=False)
        )
        uow.commit()


def record_failure(
    uow: UnitOfWork, email: ClaimedEmail, now: datetime, error: str, policy: RetryPolicy
) -> bool:
    """Record a failed attempt; return whether the email will be tried again.

    After ``policy.max_attempts`` attempts it is ``failed`` for good (False).
    """
    again = email.attempts < policy.max_attempts
    values: dict[str, object] = {"last_error": one_line(error)[:ERROR_MAX] or "Unknown error"}
    if again:
        values["next_attempt_at"] = now + policy.delay(email.attempts)
    else:
        values.update(status=OutboxStatus.FAILED.value, next_attempt_at=None)
    with uow:
        uow.session.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.id == email.id,
                OutboxEmail.attempts == email.attempts,
                OutboxEmail.status == OutboxStatus.PENDING.value,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        uow.commit()
    return again
