"""Emails with files: queued in the caller's transaction, attached by the sender.

The outbox held text only; a purchase order goes to its supplier as a PDF (issue #20). An
attachment is a row of ``email_attachments`` written with its ``email_outbox`` row, in the
unit of work of whatever caused the email, so both commit or neither; the sender reads the
files when it builds the message (:func:`attachments_of`, used by
:func:`posapp.services.notifications.mailer.build_message`'s caller).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import select

from posapp.i18n import _
from posapp.models import OutboxAttachment, OutboxEmail, OutboxStatus
from posapp.services.notifications.outbox import check_message
from posapp.services.notifications.outbox_sending import one_line
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.uow import UnitOfWork

ATTACHMENT_MAX: Final = 10 * 1024 * 1024
"""Bytes in all of one email's files: mail servers commonly refuse more."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to send: its name as the receiver sees it, its MIME type and its bytes."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


def enqueue_email(
    uow: UnitOfWork,
    *,
    to_address: str,
    to_name: str,
    subject: str,
    body: str,
    kind: str,
    attachments: Sequence[Attachment] = (),
) -> int:
    """Write an email (with its files) to the outbox inside the caller's unit of work.

    No ``with``, no commit: the email commits or rolls back with the caller's change.

    Returns:
        The outbox row's id.

    Raises:
        ValidationError: an empty or multi-line subject, no address, files too big or unnamed.
    """
    subject, body = check_message(subject, body)
    if not to_address.strip():
        raise ValidationError(_("The email has no address to go to."))
    if sum(len(a.data) for a in attachments) > ATTACHMENT_MAX:
        raise ValidationError(_("The attached files are too big to email (10 MB at most)."))
    for attachment in attachments:
        if not one_line(attachment.filename) or "/" in attachment.filename:
            raise ValidationError(_("An attached file needs a plain name."))
    now = uow.now()
    email = OutboxEmail(
        to_address=to_address.strip(),
        to_name=one_line(to_name)[:200],
        subject=subject,
        body=body,
        kind=kind,
        status=OutboxStatus.PENDING.value,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    uow.session.add(email)
    uow.flush()
    for attachment in attachments:
        uow.session.add(
            OutboxAttachment(
                email_id=email.id,
                filename=one_line(attachment.filename)[:200],
                content_type=attachment.content_type,
                data=attachment.data,
            )
        )
    uow.flush()
    return email.id


def attachments_of(uow: UnitOfWork, email_id: int) -> list[Attachment]:
    """The files of an outbox email, in the order they were added (a short read of its own)."""
    with uow:
        rows = uow.session.execute(
            select(OutboxAttachment.filename, OutboxAttachment.content_type, OutboxAttachment.data)
            .where(OutboxAttachment.email_id == email_id)
            .order_by(OutboxAttachment.id)
        )
        return [Attachment(str(n), str(t), bytes(d)) for n, t, d in rows]
