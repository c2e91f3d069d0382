"""The outbox sent to a REAL SMTP server (aiosmtpd on loopback): delivery, refusals, outages."""

from __future__ import annotations

import contextlib
import ssl
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from posapp.events import RecordingPublisher
from posapp.models import Customer, OutboxEmail
from posapp.services.backend import Backend
from posapp.services.notifications import mailer, outbox
from posapp.services.notifications.outbox_dto import OutboxFilter, SmtpSettings
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import PermissionDeniedError
from posapp.services.platform.runner import Runner
from posapp.services.platform.settings import get_setting
from posapp.services.platform.uow import UnitOfWork
from tests.integration.mailer_support import (
    Authenticator,
    Handler,
    SmtpServer,
    self_signed_certificate,
    server_tls_context,
)
from tests.integration.notification_support import T0, Clock, World, make_world

ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]] = {
    "notifications.mailer.get_smtp_settings": lambda uow, actor, _s: mailer.get_smtp_settings(
        uow, actor
    ),
    "notifications.mailer.save_smtp_settings": lambda uow, actor, _s: mailer.save_smtp_settings(
        uow, actor, SmtpSettings()
    ),
}
"""For the lead's permission-matrix test: one call per registered action of this module."""

FAST = outbox.RetryPolicy(max_attempts=3, base_delay_s=60, max_delay_s=3600, lease_s=300)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def world(database: Database, publisher: RecordingPublisher, clock: Clock) -> World:
    return make_world(Backend(database, publisher, register="till-1", clock=clock), publisher)


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    smtp = SmtpServer()
    smtp.start()
    yield smtp
    smtp.stop()


def plain(server: SmtpServer, **changes: object) -> SmtpSettings:
    values: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "security": "none",
        "from_address": "shop@example.com",
        "from_name": "Main Street Shop",
        "timeout_s": 5,
    }
    values.update(changes)
    return SmtpSettings(**values)  # type: ignore[arg-type]


def send(world: World, settings: SmtpSettings, at: object = None, **kwargs: object):
    context = kwargs.pop("ssl_context", None)
    password = kwargs.pop("password", None)

    def factory() -> contextlib.AbstractContextManager[mailer.MailTransport]:
        return mailer.SmtpTransport(settings, password, ssl_context=context)  # type: ignore[arg-type]

    return mailer.send_due(
        world.backend,
        at or world.backend.clock(),  # type: ignore[arg-type]
        transport_factory=factory,
        settings=settings,
        policy=FAST,
        **kwargs,  # type: ignore[arg-type]
    )


def outbox_rows(world: World) -> list[OutboxEmail]:
    with world.backend.uow() as uow:
        found = list(uow.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))
        uow.session.expunge_all()
        return found


def queue_promotion(world: World, *people: tuple[str, str]) -> None:
    for name, address in people:
        world.customer(name, address)
    outbox.send_promotion(world.backend.uow(), world.admin, "Spring offers", "Dear {name}, hi!")


def test_messages_arrive_with_the_right_recipients_and_content(
    world: World, server: SmtpServer
) -> None:
    queue_promotion(world, ("Ann Example", "ann@example.com"), ("Bo Ü", "bo@example.com"))
    customer = world.customer("Cy", "cy@example.com", opt_in=False)
    order_id, number = world.order(customer_id=customer, pickup=True)
    with world.backend.uow() as uow:
        outbox.enqueue_order_status_email(uow, order_id, "ready")
        uow.commit()
    report = send(world, plain(server))
    assert (report.sent, report.retried, report.failed) == (3, 0, 0)
    by_rcpt = {tuple(r.rcpt_tos): r for r in server.received}
    assert set(by_rcpt) == {("ann@example.com",), ("bo@example.com",), ("cy@example.com",)}
    ann = by_rcpt[("ann@example.com",)].message
    assert by_rcpt[("ann@example.com",)].mail_from == "shop@example.com"
    assert ann["From"] == "Main Street Shop <shop@example.com>"
    assert ann["To"] == "Ann Example <ann@example.com>"
    assert ann["Subject"] == "Spring offers"
    assert ann.get_content().startswith("Dear Ann Example, hi!")
    assert ann["Message-ID"].startswith("<posapp-outbox-")
    assert by_rcpt[("bo@example.com",)].message["To"] == "Bo Ü <bo@example.com>"
    cy = by_rcpt[("cy@example.com",)].message
    assert cy["Subject"] == f"Your order {number} is ready for pickup"
    assert "collect it at Main Street" in cy.get_content()
    assert {(r.status, r.attempts, r.sent_at) for r in outbox_rows(world)} == {("sent", 1, T0)}
    assert send(world, plain(server)).attempted == 0  # nothing is sent twice


def test_a_refusing_server_leads_to_retries_with_backoff_then_delivery(
    world: World, server: SmtpServer, clock: Clock
) -> None:
    queue_promotion(world, ("Ann", "ann@example.com"))
    server.handler.rcpt_reply = "550 5.1.1 Mailbox unavailable"
    report = send(world, plain(server))
    assert (report.sent, report.retried) == (0, 1)
    [row] = outbox_rows(world)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "Recipient refused: 550 5.1.1 Mailbox unavailable"
    assert row.next_attempt_at == T0 + timedelta(seconds=60)
    assert send(world, plain(server), T0 + timedelta(seconds=59)).attempted == 0  # not yet due
    assert send(world, plain(server), T0 + timedelta(seconds=60)).retried == 1
    [row] = outbox_rows(world)
    assert row.attempts == 2
    assert row.next_attempt_at == T0 + timedelta(seconds=60 + 120)  # doubled
    server.handler.rcpt_reply = None
    assert send(world, plain(server), T0 + timedelta(seconds=180)).sent == 1
    [row] = outbox_rows(world)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")
    assert [r.rcpt_tos for r in server.received] == [["ann@example.com"]]


def test_a_temporary_failure_451_is_retried(world: World, server: SmtpServer) -> None:
    queue_promotion(world, ("Ann", "ann@example.com"), ("Bo", "bo@example.com"))
    server.handler.data_reply = "451 4.3.0 Try again later"
    report = send(world, plain(server))
    assert (report.sent, report.retried) == (0, 2)  # same connection, both tried
    assert {r.last_error for r in outbox_rows(world)} == {
        "Server refused: 451 4.3.0 Try again later"
    }
    server.handler.data_reply = None
    assert send(world, plain(server), T0 + timedelta(minutes=1)).sent == 2
    assert len(server.received) == 2


def test_after_the_last_attempt_the_email_is_failed_and_visible(
    world: World, server: SmtpServer
) -> None:
    queue_promotion(world, ("Ann", "ann@example.com"))
    server.handler.rcpt_reply = "550 5.7.1 Rejected"
    at = T0
    outcomes = []
    for _ in range(FAST.max_attempts):
        report = send(world, plain(server), at)
        outcomes.append((report.retried, report.failed))
        at += timedelta(hours=2)
    assert outcomes == [(1, 0), (1, 0), (0, 1)]
    [row] = outbox_rows(world)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 3, None)
    failed = outbox.list_outbox(world.backend.uow(), world.manager, OutboxFilter(status="failed"))
    assert [(r.id, r.last_error) for r in failed] == [
        (row.id, "Recipient refused: 550 5.7.1 Rejected")
    ]
    assert send(world, plain(server), at + timedelta(days=1)).attempted == 0
    # an admin fixes the address problem and retries: delivered
    server.handler.rcpt_reply = None
    assert outbox.retry_emails(world.backend.uow(), world.manager, [row.id]) == 1
    assert send(world, plain(server), at + timedelta(days=1)).sent == 1


def test_a_server_that_disappears_costs_one_attempt_and_loses_nothing(
    world: World, server: SmtpServer
) -> None:
    queue_promotion(world, ("Ann", "ann@example.com"), ("Bo", "bo@example.com"), ("Cy", "c@x.org"))
    server.stop()
    report = send(world, plain(server))
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    rows = outbox_rows(world)
    assert [r.attempts for r in rows] == [1, 0, 0]  # the round stopped at the first failure
    assert "refused the connection" in rows[0].last_error
    assert {r.status for r in rows} == {"pending"}
    server.start()
    report = send(world, plain(server), T0 + timedelta(minutes=1))
    assert report.sent == 3
    assert sorted(r.rcpt_tos[0] for r in server.received) == [
        "ann@example.com",
        "bo@example.com",
        "c@x.org",
    ]


def test_a_customer_who_opts_out_before_sending_gets_nothing(
    world: World, server: SmtpServer
) -> None:
    queue_promotion(world, ("Ann", "ann@example.com"), ("Bo", "bo@example.com"))
    with world.backend.uow() as uow:  # the customer's screen edits the flag (issue #19)
        customer = uow.session.scalars(
            select(Customer).where(Customer.email == "ann@example.com")
        ).one()
        customer.marketing_opt_in = False
        uow.commit()
    report = send(world, plain(server))
    assert report.sent == 1
    assert [r.rcpt_tos for r in server.received] == [["bo@example.com"]]
    ann = next(r for r in outbox_rows(world) if r.to_address == "ann@example.com")
    assert (ann.status, ann.last_error, ann.attempts) == ("failed", outbox.OPTED_OUT, 0)


def test_the_background_sender_delivers_and_stops(world: World, server: SmtpServer) -> None:
    settings = plain(server)
    reports: list[object] = []

    def send_round() -> None:
        reports.append(
            mailer.send_due(
                world.backend,
                world.backend.clock(),
                transport_factory=lambda: mailer.SmtpTransport(settings, None),
            )
        )

    runner = Runner()
    runner.add_lane("outbox")
    sender = runner.every("outbox", send_round, 60, lane="outbox")
    runner.start()
    try:
        queue_promotion(world, ("Ann", "ann@example.com"))
        sender.wake()
        deadline = time.monotonic() + 10
        while not server.received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [r.rcpt_tos for r in server.received] == [["ann@example.com"]]
    finally:
        runner.stop()
    assert not sender.running


def test_starttls_with_login(world: World, server: SmtpServer, tmp_path: Path) -> None:
    pair = self_signed_certificate(tmp_path)
    if pair is None:
        pytest.skip("openssl is not installed")
    cert, key = pair
    server.stop()
    authenticator = Authenticator("shop", "s3cret pass")
    tls = SmtpServer(
        Handler(),
        tls_context=server_tls_context(cert, key),
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    tls.start()
    try:
        queue_promotion(world, ("Ann", "ann@example.com"))
        client = ssl.create_default_context(cafile=str(cert))
        settings = plain(tls, security="starttls", username="shop")
        wrong = send(world, settings, ssl_context=client, password="wrong")
        assert wrong.retried == 1
        assert "535" in outbox_rows(world)[0].last_error
        right = send(
            world, settings, T0 + timedelta(minutes=1), ssl_context=client, password="s3cret pass"
        )
        assert right.sent == 1
        assert authenticator.attempts[-1] == ("shop", "s3cret pass")
        assert [r.rcpt_tos for r in tls.received] == [["ann@example.com"]]
    finally:
        tls.stop()


def test_implicit_tls(world: World, server: SmtpServer, tmp_path: Path) -> None:
    pair = self_signed_certificate(tmp_path)
    if pair is None:
        pytest.skip("openssl is not installed")
    cert, key = pair
    server.stop()
    tls = SmtpServer(Handler(), ssl_context=server_tls_context(cert, key))
    tls.start()
    try:
        queue_promotion(world, ("Ann", "ann@example.com"))
        client = ssl.create_default_context(cafile=str(cert))
        assert send(world, plain(tls, security="tls"), ssl_context=client).sent == 1
        # a client that does not trust the certificate refuses to send, and retries later
        queue_promotion(world, ("Bo", "bo@example.com"))
        refused = send(world, plain(tls, security="tls"))
        assert refused.retried == 1
        [tried] = [r for r in outbox_rows(world) if r.status == "pending" and r.attempts == 1]
        assert "CERTIFICATE_VERIFY_FAILED" in tried.last_error
    finally:
        tls.stop()


def test_stored_settings_and_the_password_outside_the_database(
    world: World, server: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv(mailer.ENV_PASSWORD, raising=False)
    assert mailer.send_due(world.backend, T0).skipped == mailer.NOT_SET_UP
    store = mailer.PasswordStore(use_keyring=False)
    mailer.save_smtp_settings(world.backend.uow(), world.admin, plain(server, username="shop"))
    queue_promotion(world, ("Ann", "ann@example.com"))
    assert mailer.send_due(world.backend, T0).skipped == mailer.NO_PASSWORD
    assert [r.attempts for r in outbox_rows(world)] == [0]  # nothing used up
    mailer.save_smtp_settings(
        world.backend.uow(), world.admin, plain(server), "hunter2 secret", store=store
    )
    assert store.path == tmp_path / "smtp_password"
    assert (store.path.stat().st_mode & 0o777) == 0o600
    with world.backend.uow() as uow:
        stored = get_setting(uow, mailer.SMTP_KEY)
    assert "hunter2" not in repr(stored)
    assert stored["host"] == server.host
    assert mailer.get_smtp_settings(world.backend.uow(), world.admin) == plain(server)
    report = mailer.send_due(world.backend, T0)  # the stored settings, no username: no login
    assert report.sent == 1
    assert len(server.received) == 1


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_only_admins_see_or_change_the_mail_server(world: World, role: str) -> None:
    for call in ACTION_CALLS.values():
        with pytest.raises(PermissionDeniedError):
            call(world.backend.uow(), world.staff[role], world.staff)
    for call in ACTION_CALLS.values():
        call(world.backend.uow(), world.admin, world.staff)
