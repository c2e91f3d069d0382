"""Settling a sale the server refused on replay, so the register's till can close again (#21).

A refused sale stays in the register's journal (``offline.journal``): the customer paid at the
till, the server would not take it (an unknown product or cashier, a till session closed
meanwhile), and the Z report waits for it. A manager looks at it and settles it with a note that
says what they did ("cash counted, sale written off"): the journal marks it ``settled`` (never
deleted, the chain untouched) and the server keeps an audit row with the sale's UUID, total,
the refusal and the note. The Z report then no longer waits for it.

Permission: :attr:`Permission.VOID`. Cashiers hold ``CLOSE_TILL`` (they close their own tills),
so settling cannot hang on it; writing a paid sale off the books is the same authority as
voiding one, which only managers (and admins) hold and which the register already asks a
manager's approval for.

Like the Z report's check (``offline.paths.require_offline_synced``), this runs in the
register's own process: the journal is its file, under the shop's audit key.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from posapp.i18n import _
from posapp.models import AuditEntry, TillSession
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.chain_key import chain_key
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, NotFoundError, ValidationError
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.offline.journal import REFUSED, JournalEntry, OfflineJournal
from posapp.services.sales.offline.paths import journal_path
from posapp.services.sales.offline.sale import JournalError
from posapp.services.staff import Permission, requires

__all__ = [
    "SETTLED_ACTION",
    "RefusedSaleDTO",
    "refused_offline_sales",
    "settle_offline_sale",
    "settled_offline",
]

SETTLED_ACTION = "offline_sale.settled"
NOTE_MAX = 200


@dataclass(frozen=True, slots=True)
class RefusedSaleDTO:
    """A sale taken offline that the server refused: what the settle dialog lists."""

    sale_uuid: uuid.UUID
    register: str
    taken_at: datetime
    total_minor: int
    problem: str
    state: str = REFUSED
    settled_by: str = ""
    note: str = ""


def _dto(entry: JournalEntry) -> RefusedSaleDTO:
    return RefusedSaleDTO(
        entry.sale.sale_uuid,
        entry.sale.register,
        entry.sale.taken_at,
        entry.sale.total_minor,
        entry.problem or "",
        entry.state,
        entry.settled_by or "",
        entry.settle_note or "",
    )


def _journal(uow: UnitOfWork) -> OfflineJournal | None:
    """This register's journal, or None when it has none (it never sold offline)."""
    url = uow.session.connection().engine.url
    path = journal_path(url, uow.register)
    if not path.exists():
        return None
    key = chain_key(url, None, create=False)
    if key is None:
        raise ValidationError(_("The shop's audit key is missing: the offline journal needs it."))
    try:
        return OfflineJournal.open(path, key)
    except JournalError as exc:
        raise ConflictError(str(exc)) from None


@requires(Permission.VOID)
def refused_offline_sales(uow: UnitOfWork, actor: UserDTO) -> list[RefusedSaleDTO]:
    """The sales in this register's journal the server refused, oldest first.

    Raises:
        ConflictError: the journal cannot be read or does not match its chain.
    """
    with uow:
        journal = _journal(uow)
    if journal is None:
        return []
    try:
        return [_dto(e) for e in journal.entries() if e.state == REFUSED]
    except JournalError as exc:
        raise ConflictError(str(exc)) from None
    finally:
        journal.close()


@requires(Permission.VOID)
def settle_offline_sale(
    uow: UnitOfWork, actor: UserDTO, register: str, sale_uuid: uuid.UUID, note: str
) -> RefusedSaleDTO:
    """Settle a refused offline sale of this register with a note; audited on the server.

    Raises:
        ValidationError: no note, a note too long, another register's sale.
        NotFoundError: no such sale in this register's journal.
        ConflictError: the sale is not refused (pending sales replay by themselves), or the
            journal cannot be read or written.
    """
    text = clean_text(note, "note", limit=NOTE_MAX)
    if not text:
        raise ValidationError(
            _("Say what was done with the money (for example: cash counted, sale written off).")
        )
    if register != uow.register:
        raise ValidationError(
            _("Register {register} settles only its own offline sales.").format(
                register=uow.register
            )
        )
    with uow:
        journal = _journal(uow)
        if journal is None:
            raise NotFoundError(_("There is no such sale in this register's offline journal."))
        try:
            journal.verify()
            entry = journal.find(sale_uuid)
            if entry is None or entry.sale.register != uow.register:
                raise NotFoundError(_("There is no such sale in this register's offline journal."))
            if entry.state != REFUSED:
                raise ConflictError(
                    _(
                        "Only a sale the server refused can be settled (a waiting sale goes "
                        "to the server by itself)."
                    )
                )
            # Filed under the till open now: its Z shows the settled sale (the cash is counted).
            open_id = uow.session.scalar(
                select(TillSession.id).where(TillSession.open_register == uow.register)
            )
            uow.audit(
                AuditRecord(
                    SETTLED_ACTION,
                    actor.id,
                    "till_session" if open_id is not None else "offline_sale",
                    open_id,
                    after={
                        "register": uow.register,
                        "sale_uuid": str(sale_uuid),
                        "total_minor": entry.sale.total_minor,
                        "problem": entry.problem or "",
                        "note": text,
                    },
                    reason=text,
                )
            )
            uow.flush()
            settled = journal.mark_settled(sale_uuid, actor.username, text)
            try:
                uow.commit()
            except BaseException:
                journal.unsettle(sale_uuid)  # no audit row: the sale stays refused
                raise
        except JournalError as exc:
            raise ConflictError(str(exc)) from None
        finally:
            journal.close()
    return _dto(settled)


def settled_offline(uow: UnitOfWork, session_id: int) -> tuple[int, int]:
    """How many refused offline sales were settled under the till session, and their total.

    The Z report shows them: the cash was taken at the till, the server has no sale for it.
    """
    rows = uow.session.scalars(
        select(AuditEntry.after).where(
            AuditEntry.action == SETTLED_ACTION,
            AuditEntry.object_kind == "till_session",
            AuditEntry.object_id == session_id,
        )
    ).all()
    totals = [int(json.loads(after or "{}").get("total_minor", 0)) for after in rows]
    return len(totals), sum(totals)
