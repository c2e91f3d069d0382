"""The outbox on both databases: same-transaction rows, promotions with codes, opt-in, the view."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from posapp.events import RecordingPublisher
from posapp.models import AuditEntry, CustomerAccount, OutboxEmail
from posapp.services.backend import Backend
from posapp.services.notifications import outbox
from posapp.services.notifications.outbox_dto import OutboxFilter
from posapp.services.platform.cards import CardNumberError
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, PermissionDeniedError, ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff.permissions import ROLE_PERMISSIONS, Permission
from posapp.services.staff.security import ACTIONS
from tests.integration.notification_support import T0, Clock, World, make_world

ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]] = {
    "notifications.outbox.promotion_audience": lambda uow, actor, _s: outbox.promotion_audience(
        uow, actor
    ),
    "notifications.outbox.promotion_campaigns": lambda uow, actor, _s: outbox.promotion_campaigns(
        uow, actor
    ),
    "notifications.outbox.send_promotion": lambda uow, actor, _s: outbox.send_promotion(
        uow, actor, "Hi", "Hi"
    ),
    "notifications.outbox.set_opt_in": lambda uow, actor, _s: outbox.set_opt_in(
        uow, actor, 1, True
    ),
    "notifications.outbox.list_outbox": lambda uow, actor, _s: outbox.list_outbox(uow, actor),
    "notifications.outbox.outbox_counts": lambda uow, actor, _s: outbox.outbox_counts(uow, actor),
    "notifications.outbox.outbox_message": lambda uow, actor, _s: outbox.outbox_message(
        uow, actor, 1
    ),
    "notifications.outbox.retry_emails": lambda uow, actor, _s: outbox.retry_emails(
        uow, actor, [1]
    ),
}
"""For the lead's permission-matrix test: one call per registered action of this module."""


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def world(database: Database, publisher: RecordingPublisher, clock: Clock) -> World:
    return make_world(Backend(database, publisher, register="till-1", clock=clock), publisher)


def rows(world: World) -> list[OutboxEmail]:
    with world.backend.uow() as uow:
        found = list(uow.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))
        uow.session.expunge_all()  # keep them readable after the unit of work ends
        return found


# ---- order status emails: in the transaction of the status change --------------------------


def test_an_order_status_email_commits_with_the_change(world: World) -> None:
    customer = world.customer("Ann Example", "ann@example.com", opt_in=False)
    order_id, number = world.order(customer_id=customer, pickup=True, total_minor=2599)
    with world.backend.uow() as uow:
        email_id = outbox.enqueue_order_status_email(uow, order_id, "ready")
        assert email_id is not None
        uow.commit()
    [row] = rows(world)
    assert (row.to_address, row.to_name, row.kind, row.status) == (
        "ann@example.com",
        "Ann Example",
        "order_ready",
        "pending",
    )
    assert row.subject == f"Your order {number} is ready for pickup"
    assert "Hello Ann Example," in row.body
    assert "collect it at Main Street" in row.body
    assert (row.order_id, row.customer_account_id, row.attempts) == (order_id, customer, 0)
    assert row.next_attempt_at == T0


def test_an_order_status_email_rolls_back_with_the_change(world: World) -> None:
    customer = world.customer()
    order_id, _ = world.order(customer_id=customer)
    with world.backend.uow() as uow:
        assert outbox.enqueue_order_status_email(uow, order_id, "placed") is not None
        # no commit: the action failed after queuing the email
    assert rows(world) == []


@pytest.mark.parametrize(
    ("status", "kind", "subject"),
    [
        ("placed", "order_placed", "Your order {n}"),
        ("ready", "order_ready", "Your order {n} is ready for pickup"),
        ("collected", "order_collected", "Your order {n} was collected"),
        ("refunded", "order_refunded", "Refund for your order {n}"),
        ("partly_refunded", "order_refunded", "Refund for your order {n}"),
    ],
)
def test_each_customer_facing_status_has_its_message(
    world: World, status: str, kind: str, subject: str
) -> None:
    customer = world.customer()
    order_id, number = world.order(customer_id=customer, refunded_minor=700)
    with world.backend.uow() as uow:
        outbox.enqueue_order_status_email(uow, order_id, status)
        uow.commit()
    [row] = rows(world)
    assert (row.kind, row.subject) == (kind, subject.format(n=number))
    if kind == "order_refunded":
        assert "refunded 7.00" in row.body


def test_no_email_without_a_reason_or_an_address(world: World) -> None:
    with_email = world.customer()
    no_email = world.customer("Bo", "")
    closed = world.customer("Cy", "cy@example.com", status="closed")
    cases = [
        (world.order(customer_id=with_email)[0], "paid"),
        (world.order(customer_id=with_email)[0], "cancelled"),
        (world.order(customer_id=None)[0], "placed"),
        (world.order(customer_id=no_email)[0], "placed"),
        (world.order(customer_id=closed)[0], "placed"),
        (999_999, "placed"),
    ]
    with world.backend.uow() as uow:
        for order_id, status in cases:
            assert outbox.enqueue_order_status_email(uow, order_id, status) is None
        uow.commit()
    assert rows(world) == []


# ---- promotions ----------------------------------------------------------------------------


def test_a_promotion_reaches_exactly_the_customers_who_opted_in(world: World) -> None:
    ann = world.customer("Ann", "ann@example.com")
    world.customer("Bo", "bo@example.com", opt_in=False)
    world.customer("Cy", "", opt_in=True)
    world.customer("Di", "di@example.com", status="closed")
    eve = world.customer("Eve <script>", "eve@example.com")
    audience = outbox.promotion_audience(world.backend.uow(), world.admin)
    assert audience.recipients == 2
    count = outbox.send_promotion(
        world.backend.uow(), world.admin, "  Spring offers  ", "Dear {name},\r\n\r\nCome in!  "
    )
    assert count == 2
    sent = rows(world)
    assert [(r.customer_account_id, r.to_address) for r in sent] == [
        (ann, "ann@example.com"),
        (eve, "eve@example.com"),
    ]
    assert {r.subject for r in sent} == {"Spring offers"}
    assert sent[0].body.startswith("Dear Ann,\n\nCome in!")
    assert sent[1].body.startswith("Dear Eve <script>,")
    assert "agreed to hear about our offers" in sent[0].body
    assert {r.kind for r in sent} == {"promotion"}
    with world.backend.uow() as uow:
        audit = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "outbox.promotion_sent")
        ).one()
        assert audit.user_id == world.admin.id


def test_each_customer_gets_their_own_unused_code_and_codes_are_never_reused(world: World) -> None:
    for i in range(3):
        world.customer(f"C{i}", f"c{i}@example.com")
    campaign = world.campaign("Spring", codes=7)
    assert outbox.promotion_audience(world.backend.uow(), world.admin, campaign).unused_codes == 7
    outbox.send_promotion(world.backend.uow(), world.admin, "Offer", "Use {code} today", campaign)
    outbox.send_promotion(world.backend.uow(), world.admin, "Again", "Hello", campaign)
    sent = rows(world)
    codes = [r.coupon_code_id for r in sent]
    assert len(codes) == len(set(codes)) == 6
    assert sent[0].body.startswith("Use SPRI-")
    assert "Your personal code: SPRI-" in sent[3].body
    assert outbox.promotion_audience(world.backend.uow(), world.admin, campaign).unused_codes == 1
    with pytest.raises(ValidationError, match="1 unused codes for 3 customers"):
        outbox.send_promotion(world.backend.uow(), world.admin, "Third", "Hello", campaign)
    assert len(rows(world)) == 6  # nothing half-written


def test_promotion_campaign_must_be_running_with_single_use_codes(world: World) -> None:
    world.customer()
    shared = world.campaign("Shared", codes=1, single_use=False)
    with pytest.raises(ValidationError, match="shared code"):
        outbox.send_promotion(world.backend.uow(), world.admin, "S", "B", shared)
    with pytest.raises(NotFoundError):
        outbox.send_promotion(world.backend.uow(), world.admin, "S", "B", 999_999)
    assert rows(world) == []


@pytest.mark.parametrize(
    ("subject", "body", "message"),
    [
        ("", "Body", "Enter a subject"),
        ("   ", "Body", "Enter a subject"),
        ("Line\nBreak", "Body", "one line"),
        ("Bcc: x@evil.example\r\nX", "Body", "one line"),
        ("Tab\there", "Body", "one line"),
        ("x" * 201, "Body", "at most 200"),
        ("Subject", "  \n ", "Write the message"),
        ("Subject", "a\x00b", "NUL"),
        ("Subject", "x" * 100_001, "at most 100,000"),
    ],
)
def test_bad_promotion_texts_are_refused(
    world: World, subject: str, body: str, message: str
) -> None:
    world.customer()
    with pytest.raises(ValidationError, match=message):
        outbox.send_promotion(world.backend.uow(), world.admin, subject, body)
    assert rows(world) == []


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Card 4111 1111 1111 1111", "Body"),
        ("Offer", "Your card 4111-1111-1111-1111 exp 12/27 is on file"),
        ("Offer", "Line one\n４１１１１１１１１１１１１１１１"),  # full-width digits count
    ],
)
def test_a_promotion_with_a_card_number_is_refused(world: World, subject: str, body: str) -> None:
    """Issue #16, defect 9: promotions skipped the card-number rule of every other text."""
    world.customer()
    with pytest.raises(CardNumberError, match="full card number"):
        outbox.send_promotion(world.backend.uow(), world.admin, subject, body)
    assert rows(world) == []


def test_a_promotion_to_nobody_is_refused(world: World) -> None:
    world.customer(opt_in=False)
    with pytest.raises(ValidationError, match="No customer has agreed"):
        outbox.send_promotion(world.backend.uow(), world.admin, "S", "B")


def test_a_100_kb_body_is_kept_whole(world: World) -> None:
    world.customer()
    body = ("<b>offer</b> " * 8000)[:100_000]
    outbox.send_promotion(world.backend.uow(), world.admin, "Big", body)
    assert rows(world)[0].body.startswith(body.strip())


# ---- opt-in and opt-out ----------------------------------------------------------------------


def test_opting_out_is_recorded_audited_and_cancels_waiting_promotions(
    world: World, clock: Clock
) -> None:
    ann = world.customer("Ann", "ann@example.com")
    bo = world.customer("Bo", "bo@example.com")
    order_id, _ = world.order(customer_id=ann)
    outbox.send_promotion(world.backend.uow(), world.admin, "S", "B")
    with world.backend.uow() as uow:
        outbox.enqueue_order_status_email(uow, order_id, "placed")
        uow.commit()
    clock.advance(minutes=5)
    assert outbox.set_opt_in(world.backend.uow(), world.manager, ann, False) is True
    assert outbox.set_opt_in(world.backend.uow(), world.manager, ann, False) is False
    with world.backend.uow() as uow:
        account = uow.session.get(CustomerAccount, ann)
        assert account is not None
        assert account.marketing_opt_in is False
        assert account.opt_changed_at == T0 + timedelta(minutes=5)
        audit = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "customer.marketing_opt_in")
        ).one()
        assert (audit.user_id, audit.object_id) == (world.manager.id, ann)
    by_customer = {(r.customer_account_id, r.kind): r for r in rows(world)}
    cancelled = by_customer[(ann, "promotion")]
    assert (cancelled.status, cancelled.last_error) == ("failed", outbox.OPTED_OUT)
    assert by_customer[(ann, "order_placed")].status == "pending"  # a service message still goes
    assert by_customer[(bo, "promotion")].status == "pending"
    # a retry cannot resurrect a promotion to someone who opted out
    assert outbox.retry_emails(world.backend.uow(), world.manager, [cancelled.id]) == 0
    outbox.send_promotion(world.backend.uow(), world.admin, "Next", "B")
    assert [r.customer_account_id for r in rows(world) if r.subject == "Next"] == [bo]
    assert outbox.set_opt_in(world.backend.uow(), world.manager, ann, True) is True


def test_opt_in_of_a_missing_account(world: World) -> None:
    with pytest.raises(NotFoundError):
        outbox.set_opt_in(world.backend.uow(), world.manager, 999_999, True)


# ---- the view ------------------------------------------------------------------------------


def test_list_counts_message_and_retry(world: World, clock: Clock) -> None:
    for i in range(5):
        world.customer(f"C{i}", f"c{i}@example.com")
    outbox.send_promotion(world.backend.uow(), world.admin, "S", "Body text")
    ids = [r.id for r in rows(world)]
    with world.backend.uow() as uow:
        for email_id in ids[:2]:
            row = uow.session.get(OutboxEmail, email_id)
            assert row is not None
            row.status, row.attempts, row.last_error, row.next_attempt_at = (
                "failed",
                8,
                "550 x",
                None,
            )
        uow.commit()
    new = world.backend.uow
    counts = outbox.outbox_counts(new(), world.manager)
    assert (counts.pending, counts.sent, counts.failed) == (3, 0, 2)
    failed = outbox.list_outbox(new(), world.manager, OutboxFilter(status="failed"))
    assert [r.id for r in failed] == sorted(ids[:2], reverse=True)
    assert failed[0].last_error == "550 x"
    page = outbox.list_outbox(new(), world.manager, OutboxFilter(limit=2))
    rest = outbox.list_outbox(new(), world.manager, OutboxFilter(before_id=page[-1].id))
    assert [r.id for r in page + rest] == sorted(ids, reverse=True)
    message = outbox.outbox_message(new(), world.manager, ids[0])
    assert message.body.startswith("Body text")
    clock.advance(hours=1)
    assert outbox.retry_emails(new(), world.manager, ids[:2]) == 2
    retried = [r for r in rows(world) if r.id in ids[:2]]
    assert {(r.status, r.attempts, r.last_error) for r in retried} == {("pending", 0, "")}
    assert {r.next_attempt_at for r in retried} == {clock.now}
    with pytest.raises(NotFoundError):
        outbox.outbox_message(new(), world.manager, 999_999)


def test_the_matrix_managers_and_admins_send_promotions_cashiers_nothing() -> None:
    allowed = {
        role: {name for name in ACTION_CALLS if ACTIONS[name] in ROLE_PERMISSIONS[role]}
        for role in ("admin", "manager", "cashier")
    }
    assert allowed == {"admin": set(ACTION_CALLS), "manager": set(ACTION_CALLS), "cashier": set()}
    assert ACTIONS["notifications.outbox.send_promotion"] is Permission.SEND_PROMOTIONS


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_who_may_do_what(world: World, role: str) -> None:
    world.customer()
    actor = world.staff[role]
    for name, call in ACTION_CALLS.items():
        if ACTIONS[name] in ROLE_PERMISSIONS[role]:
            with contextlib.suppress(NotFoundError, ValidationError):
                call(world.backend.uow(), actor, world.staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(world.backend.uow(), actor, world.staff)


def test_claims_are_exclusive(world: World, clock: Clock) -> None:
    for i in range(3):
        world.customer(f"C{i}", f"c{i}@example.com")
    outbox.send_promotion(world.backend.uow(), world.admin, "S", "B")
    policy = outbox.RetryPolicy()
    claimed = [outbox.claim_next(world.backend.uow(), clock.now, policy) for _ in range(4)]
    assert [c.id for c in claimed if c is not None] == [r.id for r in rows(world)]
    assert claimed[3] is None
    assert {r.attempts for r in rows(world)} == {1}
    # the lease expires: an abandoned claim is picked up again
    again = outbox.claim_next(world.backend.uow(), clock.now + timedelta(minutes=6), policy)
    assert again is not None
    assert again.attempts == 2
    with world.backend.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(OutboxEmail)) == 3
