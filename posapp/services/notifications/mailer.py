"""Sending the outbox over SMTP (standard library ``smtplib``/``email``), with retry and backoff.

Settings: the setting ``mail.smtp`` holds host, port, security (``none``, ``starttls`` or
``tls``), username, sender address and name, and a timeout — everything but the password.

The password is never stored in the database. :class:`PasswordStore` looks for it, in order:

1. the environment variable ``POSAPP_SMTP_PASSWORD`` (for services and scripted installs);
2. the operating system's keyring (service ``posapp-smtp``, the SMTP username as the key), when
   the optional ``keyring`` package is installed and has a working backend;
3. the file ``smtp_password`` in the posapp data folder (``posapp.config.data_dir()``), which
   is written with permissions 0600 and ignored if anyone but its owner can read it.

Saving a password from the settings dialog puts it in the keyring if there is one, else in the
file. Each register that sends needs the password; a register without it still queues emails.

Sending: :func:`send_due` claims due emails one at a time (``outbox_sending.claim_next``),
sends each over one SMTP connection and records the outcome; a refusal (4xx or 5xx), a dropped
connection or a server that is not there costs the email one attempt and schedules the next
with exponential backoff (``outbox_sending.RetryPolicy``), never loses it.
The composition root runs it as a periodic job of the background runner
(``posapp.services.platform.runner``): every ``interval_s`` seconds, and at once when woken
(an email was queued).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import smtplib
import ssl
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Final, Protocol, Self

from posapp.config import data_dir
from posapp.i18n import _
from posapp.models.base import utcnow
from posapp.services.notifications import outbox_sending
from posapp.services.notifications.attachments import Attachment, attachments_of
from posapp.services.notifications.outbox_dto import (
    SECURITY_MODES,
    SMTP_PERMISSION,
    SendReport,
    SmtpSettings,
)
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.settings import get_setting, put_setting
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import authorize, requires

_log = logging.getLogger(__name__)

SMTP_KEY: Final = "mail.smtp"
SETTINGS_PERMISSION: Final = SMTP_PERMISSION
"""Who may change the mail server: admins."""
ENV_PASSWORD: Final = "POSAPP_SMTP_PASSWORD"
KEYRING_SERVICE: Final = "posapp-smtp"
PASSWORD_FILE: Final = "smtp_password"
HOST_MAX: Final = 253
NOT_SET_UP: Final = "Email is not set up (no mail server or sender address)."
NO_PASSWORD: Final = (
    "The mail server needs a password and none is stored on this register "
    f"(keyring, the {PASSWORD_FILE} file or {ENV_PASSWORD})."
)


class UowSource(Protocol):
    """Anything that makes units of work (``Backend`` does)."""

    def uow(self) -> UnitOfWork:
        """A fresh unit of work."""
        ...


# ---- settings ------------------------------------------------------------------------------


def load_smtp_settings(uow: UnitOfWork) -> SmtpSettings:
    """The stored settings inside a running unit of work (defaults when unset or malformed)."""
    raw = get_setting(uow, SMTP_KEY, None)
    if not isinstance(raw, dict):
        return SmtpSettings()
    try:
        return check_smtp_settings(SmtpSettings(**raw))
    except (TypeError, ValidationError) as exc:
        _log.warning("setting %s is malformed (%s); email is not set up", SMTP_KEY, exc)
        return SmtpSettings()


def check_smtp_settings(settings: SmtpSettings) -> SmtpSettings:
    """Check and tidy the settings.

    Raises:
        ValidationError: a bad host, port, security mode, address or timeout.
    """
    host = settings.host.strip()
    if len(host) > HOST_MAX or any(ch.isspace() or ch in "/@" for ch in host):
        raise ValidationError(_("Enter the mail server's host name, e.g. smtp.example.com."))
    port: object = settings.port  # read from JSON: check the type too
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:  # noqa: PLR2004
        raise ValidationError(_("The port is a number from 1 to 65535."))
    if settings.security not in SECURITY_MODES:
        raise ValidationError(_("Security is none, STARTTLS or TLS."))
    address = settings.from_address.strip()
    if address and (address.count("@") != 1 or any(ch.isspace() for ch in address)):
        raise ValidationError(_("The sender address must look like shop@example.com."))
    if host and not address:
        raise ValidationError(_("Enter the sender address customers will see."))
    if not 1 <= settings.timeout_s <= 300:  # noqa: PLR2004
        raise ValidationError(_("The timeout is from 1 to 300 seconds."))
    name = " ".join(settings.from_name.split())[:100]
    username = settings.username.strip()
    if any(ch in username for ch in "\r\n\x00"):
        raise ValidationError(_("The username must be one line."))
    return SmtpSettings(host, settings.port, settings.security, username, address, name,
                        settings.timeout_s)  # fmt: skip


@requires(SETTINGS_PERMISSION)
def get_smtp_settings(uow: UnitOfWork, actor: UserDTO) -> SmtpSettings:
    """The mail server settings (without the password)."""
    with uow:
        authorize(uow, actor, SETTINGS_PERMISSION)
        return load_smtp_settings(uow)


@requires(SETTINGS_PERMISSION)
def save_smtp_settings(
    uow: UnitOfWork,
    actor: UserDTO,
    settings: SmtpSettings,
    password: str | None = None,
    *,
    store: PasswordStore | None = None,
) -> SmtpSettings:
    """Save the settings; a ``password`` (not None) goes to the keyring or the 0600 file.

    Raises:
        ValidationError: the settings are not valid, or the password cannot be stored.
    """
    clean = check_smtp_settings(settings)
    with uow:
        user = authorize(uow, actor, SETTINGS_PERMISSION)
        before = load_smtp_settings(uow)
        put_setting(uow, SMTP_KEY, asdict(clean))
        uow.audit(
            AuditRecord(
                action="mail.settings_changed",
                user_id=user.id,
                object_kind="setting",
                before=asdict(before),
                after={**asdict(clean), "password_changed": password is not None},
            )
        )
        if password is not None:
            try:
                (store or PasswordStore()).set(clean.username, password)
            except OSError as exc:
                raise ValidationError(
                    _("Cannot store the password: {strerror}").format(strerror=exc.strerror)
                ) from exc
        uow.commit()
        return clean


# ---- the password ----------------------------------------------------------------------------


def _keyring() -> ModuleType | None:
    try:
        return importlib.import_module("keyring")
    except ImportError:
        return None


class PasswordStore:
    """Finds and keeps the SMTP password outside the database (see the module docstring)."""

    def __init__(
        self,
        directory: Path | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        use_keyring: bool = True,
    ) -> None:
        self._directory = directory
        self._environ = os.environ if environ is None else environ
        self._keyring = _keyring() if use_keyring else None

    @property
    def path(self) -> Path:
        """The password file."""
        return (self._directory or data_dir()) / PASSWORD_FILE

    def get(self, username: str) -> str | None:
        """The password, or None when none is stored anywhere."""
        from_env = self._environ.get(ENV_PASSWORD)
        if from_env:
            return from_env
        if self._keyring is not None:
            try:
                value = self._keyring.get_password(KEYRING_SERVICE, username or "default")
            except Exception:  # any keyring backend failure means "not there"
                _log.debug("keyring unavailable", exc_info=True)
            else:
                if value:
                    return str(value)
        return self._read_file()

    def set(self, username: str, password: str) -> str:
        """Store ``password`` (an empty one removes it); return where: ``keyring`` or ``file``.

        Raises:
            OSError: the file cannot be written.
        """
        if self._keyring is not None:
            try:
                if password:
                    self._keyring.set_password(KEYRING_SERVICE, username or "default", password)
                else:
                    with contextlib.suppress(Exception):
                        self._keyring.delete_password(KEYRING_SERVICE, username or "default")
            except Exception:  # no usable keyring: fall back to the file
                _log.debug("keyring unavailable, using the file", exc_info=True)
            else:
                self._remove_file()
                return "keyring"
        if password:
            self._write_file(password)
        else:
            self._remove_file()
        return "file"

    def _write_file(self, password: str) -> None:
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(password)
        os.replace(temporary, path)
        path.chmod(0o600)

    def _remove_file(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _read_file(self) -> str | None:
        path = self.path
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            return None
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            _log.warning("ignoring %s: others can read it (run chmod 600 on it)", path)
            return None
        return path.read_text(encoding="utf-8").rstrip("\r\n") or None


# ---- building and sending messages -----------------------------------------------------------


def _ascii_domain(address: str) -> str:
    """Encode an internationalised domain as IDNA (the local part is left as it is)."""
    local, _unused, domain = address.rpartition("@")
    try:
        domain.encode("ascii")
    except UnicodeEncodeError:
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return address
    return f"{local}@{domain}"


def build_message(
    email: outbox_sending.ClaimedEmail,
    settings: SmtpSettings,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """The MIME message of an outbox email: plain UTF-8 text, a stable Message-ID per row.

    ``attachments`` (a purchase order's PDF) go after the text as files.
    """
    message = EmailMessage()
    message["From"] = formataddr((settings.from_name, _ascii_domain(settings.from_address)))
    message["To"] = formataddr((" ".join(email.to_name.split()), _ascii_domain(email.to_address)))
    message["Subject"] = " ".join(email.subject.split())
    message["Date"] = format_datetime(email.created_at)
    domain = settings.from_address.rpartition("@")[2] or "posapp.invalid"
    # The same id on every attempt, so a receiver can drop a duplicate after a lost reply.
    message["Message-ID"] = f"<posapp-outbox-{email.id}@{_ascii_domain('x@' + domain)[2:]}>"
    message.set_content(email.body)
    for attachment in attachments:
        main, _unused, sub = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data,
            maintype=main or "application",
            subtype=sub or "octet-stream",
            filename=attachment.filename,
        )
    return message


class MailTransport(Protocol):
    """An open connection that sends messages (raises on any failure)."""

    def send(self, message: EmailMessage) -> None:
        """Send one message to the recipients in its headers."""
        ...


TransportFactory = Callable[[], contextlib.AbstractContextManager[MailTransport]]


class SmtpTransport:
    """One SMTP connection, opened on ``__enter__`` and closed (QUIT) on ``__exit__``."""

    def __init__(
        self,
        settings: SmtpSettings,
        password: str | None,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._settings = settings
        self._password = password
        self._context = ssl_context or ssl.create_default_context()
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Self:
        s = self._settings
        smtp: smtplib.SMTP
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s, context=self._context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
        try:
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=self._context)
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, self._password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return self

    def send(self, message: EmailMessage) -> None:
        """Send ``message``; a recipient the server refuses is an error.

        Raises:
            smtplib.SMTPException, OSError: the server refused or the connection failed.
        """
        if self._smtp is None:
            raise smtplib.SMTPServerDisconnected("not connected")
        refused = self._smtp.send_message(message)
        if refused:
            code, reason = next(iter(refused.values()))
            raise smtplib.SMTPRecipientsRefused(refused) from smtplib.SMTPResponseException(
                code, reason
            )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def describe_error(exc: BaseException) -> str:  # noqa: PLR0911 - one reason per kind
    """A one-line reason for the outbox view: the server's reply, or what went wrong."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reason = next(iter(exc.recipients.values()), (0, b""))
        return f"Recipient refused: {code} {_text(reason)}".strip()
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"Server refused: {exc.smtp_code} {_text(exc.smtp_error)}".strip()
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"The server closed the connection: {exc}".strip(": ")
    if isinstance(exc, TimeoutError):
        return "The server did not answer in time."
    if isinstance(exc, ConnectionRefusedError):
        return "The mail server refused the connection (is it running?)."
    if isinstance(exc, OSError):
        return f"Cannot reach the mail server: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def default_transport_factory(
    backend: UowSource, store: PasswordStore | None = None
) -> tuple[SmtpSettings, TransportFactory | None]:
    """Read the settings and the password; return them and a factory.

    The factory is None when email is not set up, or a username is set but no password is
    stored on this register: then nothing is tried and no attempt is used up.
    """
    with backend.uow() as uow:
        settings = load_smtp_settings(uow)
    if not settings.configured:
        return settings, None
    password = (store or PasswordStore()).get(settings.username) if settings.username else None
    if settings.username and password is None:
        return settings, None

    def factory() -> contextlib.AbstractContextManager[MailTransport]:
        return SmtpTransport(settings, password)

    return settings, factory


def send_due(
    backend: UowSource,
    now: datetime | None = None,
    *,
    transport_factory: TransportFactory | None = None,
    settings: SmtpSettings | None = None,
    policy: outbox_sending.RetryPolicy | None = None,
    limit: int = 100,
    reader: Callable[[], UnitOfWork] | None = None,
) -> SendReport:
    """Send up to ``limit`` due emails over one connection; return what happened.

    With ``reader`` (``Backend.read_uow``, as the background sender gives), it first looks in a
    reading transaction whether anything is due, and returns at once if not (issue #23).

    Without ``transport_factory`` the stored settings and password are used; when email is not
    set up nothing is tried (and no attempt is used up). A failure to connect costs the first
    claimed email one attempt and ends the round, leaving the others untouched for the next.
    """
    now = now or utcnow()
    policy = policy or outbox_sending.RetryPolicy()
    if reader is not None and not outbox_sending.has_due(reader(), now):
        return SendReport()
    if transport_factory is None:
        settings, transport_factory = default_transport_factory(backend)
        if transport_factory is None:
            if settings.configured:
                return SendReport(skipped=NO_PASSWORD)
            return SendReport(skipped=NOT_SET_UP)
    if settings is None:
        with backend.uow() as uow:
            settings = load_smtp_settings(uow)
    sent = retried = failed = 0
    with contextlib.ExitStack() as stack:
        transport: MailTransport | None = None
        for _unused in range(limit):
            email = outbox_sending.claim_next(backend.uow(), now, policy)
            if email is None:
                break
            try:
                if transport is None:
                    transport = stack.enter_context(transport_factory())
                files = attachments_of(backend.uow(), email.id)
                transport.send(build_message(email, settings, files))
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                again = outbox_sending.record_failure(
                    backend.uow(), email, now, describe_error(exc), policy
                )
                retried += again
                failed += not again
                if not isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
                    break  # the connection is gone or never came: stop this round
                continue
            outbox_sending.record_sent(backend.uow(), email, now)
            sent += 1
    return SendReport(sent, retried, failed)
