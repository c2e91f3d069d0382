"""Mailer parts without a server: the password store, messages, backoff, settings, errors."""

from __future__ import annotations

import os
import smtplib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from posapp.services.notifications import mailer, outbox
from posapp.services.notifications.outbox_dto import SmtpSettings
from posapp.services.platform.errors import ValidationError

NOW = datetime(2024, 5, 17, 9, 30, tzinfo=UTC)


def claimed(**changes: object) -> outbox.ClaimedEmail:
    values: dict[str, object] = {
        "id": 42,
        "to_address": "ann@example.com",
        "to_name": "Ann Example",
        "subject": "Hello",
        "body": "Body <b>text</b>\nsecond line",
        "created_at": NOW,
        "attempts": 1,
    }
    values.update(changes)
    return outbox.ClaimedEmail(**values)  # type: ignore[arg-type]


SETTINGS = SmtpSettings("smtp.example.com", 587, "starttls", "shop", "shop@example.com", "Shop")


# ---- the password store ----------------------------------------------------------------------


def test_the_password_file_is_private_and_replaced_atomically(tmp_path: Path) -> None:
    store = mailer.PasswordStore(tmp_path, environ={}, use_keyring=False)
    assert store.get("shop") is None
    assert store.set("shop", "p@ss word ✓") == "file"
    assert store.path == tmp_path / "smtp_password"
    assert (store.path.stat().st_mode & 0o777) == 0o600
    assert store.get("shop") == "p@ss word ✓"
    store.set("shop", "second")
    assert store.get("shop") == "second"
    assert not list(tmp_path.glob("*.tmp"))
    store.set("shop", "")
    assert not store.path.exists()


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_file_others_can_read_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = mailer.PasswordStore(tmp_path, environ={}, use_keyring=False)
    store.set("shop", "secret")
    store.path.chmod(0o644)
    assert store.get("shop") is None
    assert "chmod 600" in caplog.text


def test_the_environment_variable_wins(tmp_path: Path) -> None:
    store = mailer.PasswordStore(
        tmp_path, environ={mailer.ENV_PASSWORD: "from-env"}, use_keyring=False
    )
    store.set("shop", "from-file")
    assert store.get("shop") == "from-env"


class FakeKeyring:
    def __init__(self, *, broken: bool = False) -> None:
        self.items: dict[tuple[str, str], str] = {}
        self.broken = broken

    def get_password(self, service: str, user: str) -> str | None:
        if self.broken:
            raise RuntimeError("no backend")
        return self.items.get((service, user))

    def set_password(self, service: str, user: str, password: str) -> None:
        if self.broken:
            raise RuntimeError("no backend")
        self.items[(service, user)] = password

    def delete_password(self, service: str, user: str) -> None:
        self.items.pop((service, user), None)


def test_the_keyring_is_used_when_it_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keyring = FakeKeyring()
    monkeypatch.setattr(mailer, "_keyring", lambda: keyring)
    store = mailer.PasswordStore(tmp_path, environ={})
    assert store.set("shop", "secret") == "keyring"
    assert keyring.items == {("posapp-smtp", "shop"): "secret"}
    assert not store.path.exists()
    assert store.get("shop") == "secret"


def test_a_broken_keyring_falls_back_to_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mailer, "_keyring", lambda: FakeKeyring(broken=True))
    store = mailer.PasswordStore(tmp_path, environ={})
    assert store.set("shop", "secret") == "file"
    assert store.get("shop") == "secret"


# ---- messages --------------------------------------------------------------------------------


def test_the_message_has_stable_headers_and_plain_text() -> None:
    message = mailer.build_message(claimed(), SETTINGS)
    assert message["From"] == "Shop <shop@example.com>"
    assert message["To"] == "Ann Example <ann@example.com>"
    assert message["Subject"] == "Hello"
    assert message["Message-ID"] == "<posapp-outbox-42@example.com>"
    assert message["Date"] == "Fri, 17 May 2024 09:30:00 +0000"
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "Body <b>text</b>\nsecond line\n"
    again = mailer.build_message(claimed(attempts=5), SETTINGS)
    assert again["Message-ID"] == message["Message-ID"]


def test_names_with_newlines_or_quotes_cannot_inject_headers() -> None:
    message = mailer.build_message(
        claimed(to_name='Eve\r\nBcc: all@example.com "the" <x>'), SETTINGS
    )
    text = message.as_string()
    assert "\nBcc:" not in text
    assert message["To"].addresses[0].addr_spec == "ann@example.com"


def test_internationalised_domains_are_encoded() -> None:
    message = mailer.build_message(claimed(to_address="kunde@bücher.example"), SETTINGS)
    assert message["To"].addresses[0].domain == "xn--bcher-kva.example"


# ---- retry policy, settings, errors ----------------------------------------------------------


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = outbox.RetryPolicy(base_delay_s=60, max_delay_s=600)
    assert [policy.delay(n) for n in (1, 2, 3, 4, 5, 9)] == [
        timedelta(seconds=s) for s in (60, 120, 240, 480, 600, 600)
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"host": "smtp example.com"}, "host name"),
        ({"host": "user@smtp.example.com"}, "host name"),
        ({"port": 0}, "port"),
        ({"port": 70000}, "port"),
        ({"port": "25"}, "port"),
        ({"security": "ssl"}, "Security"),
        ({"from_address": "shop"}, "sender address"),
        ({"from_address": ""}, "Enter the sender address"),
        ({"timeout_s": 0}, "timeout"),
        ({"username": "a\nb"}, "one line"),
    ],
)
def test_bad_settings_are_refused(changes: dict[str, object], message: str) -> None:
    values = {
        "host": "smtp.example.com",
        "port": 587,
        "security": "starttls",
        "username": "shop",
        "from_address": "shop@example.com",
        "from_name": "Shop",
        "timeout_s": 30,
    }
    values.update(changes)
    with pytest.raises(ValidationError, match=message):
        mailer.check_smtp_settings(SmtpSettings(**values))  # type: ignore[arg-type]


def test_settings_are_tidied() -> None:
    clean = mailer.check_smtp_settings(
        SmtpSettings(" smtp.example.com ", 465, "tls", " shop ", " a@b.c ", "  The\n Shop ")
    )
    assert clean == SmtpSettings("smtp.example.com", 465, "tls", "shop", "a@b.c", "The Shop")
    assert SmtpSettings().configured is False
    assert clean.configured


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (
            smtplib.SMTPRecipientsRefused({"a@b": (550, b"No such user")}),
            "Recipient refused: 550 No such user",
        ),
        (smtplib.SMTPDataError(451, b"Try later"), "Server refused: 451 Try later"),
        (smtplib.SMTPServerDisconnected("gone"), "The server closed the connection: gone"),
        (ConnectionRefusedError(111, "Connection refused"), "refused the connection"),
        (TimeoutError(), "did not answer in time"),
        (OSError(113, "No route to host"), "Cannot reach the mail server: No route to host"),
        (ValueError("odd"), "ValueError: odd"),
    ],
)
def test_errors_read_as_one_line(error: BaseException, text: str) -> None:
    assert text in mailer.describe_error(error)


def test_a_transport_that_is_not_open_refuses() -> None:
    transport = mailer.SmtpTransport(SETTINGS, None)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        transport.send(mailer.build_message(claimed(), SETTINGS))
