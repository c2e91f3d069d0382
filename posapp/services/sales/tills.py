"""Till sessions: open with a counted float, cash in and out, a blind count at close, X/Z data.

One session is open per register at a time (a unique ``open_register`` column, NULL once
closed). Sales and refunds record the session their money went through, so the expected cash
of a session is

    float + cash taken for sales − cash given back for refunds + cash in − cash out
          + cash deposited to / − withdrawn from customer accounts at this till.

The X report (mid-session) and the Z report (at close) are both :func:`till_report`: one
calculation, so they can never disagree. Closing is a *blind* count: the cashier enters what is
in the drawer (a total, or a count per denomination) before the expected figure is shown; the
service stores both and the over/short (counted − expected) stays with the session and its
cashier.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, bindparam, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from posapp.i18n import _
from posapp.models import (
    AuditEntry,
    CashMovement,
    GiftCardMovement,
    Order,
    OrderLine,
    Payment,
    Store,
    TillSession,
    User,
)
from posapp.money import MAX_MINOR, format_money
from posapp.services.accounts import till_cash_delta
from posapp.services.customers import PointsFigures, card_figures, points_figures
from posapp.services.platform import registry
from posapp.services.platform.audit import AuditRecord, chain_head
from posapp.services.platform.chain_key import anchor_path
from posapp.services.platform.chain_verify import Z_ACTION
from posapp.services.platform.dto import UserDTO, from_row
from posapp.services.platform.errors import (
    ConflictError,
    NotFoundError,
    ServiceError,
    ValidationError,
)
from posapp.services.platform.fastsql import Prepared
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.figures import LIVE, method_totals, order_totals
from posapp.services.sales.offline.paths import OfflineSalesWaitingError, require_offline_synced
from posapp.services.sales.offline.settle import settled_offline
from posapp.services.sales.pricing import TaxRow
from posapp.services.sales.till_anchor import append_z_anchor, with_z_anchor
from posapp.services.sales.till_dto import (
    CashMovementDTO,
    MethodTotal,
    OverShortRow,
    TillReport,
    TillSessionDTO,
)
from posapp.services.staff import Permission, requires

__all__ = [
    "DENOMINATIONS",
    "NO_SALE_ACTION",
    "OfflineSalesWaitingError",
    "TillClosedError",
    "cash_movement",
    "check_close_till",
    "close_till",
    "current_till",
    "open_till",
    "over_short_by_cashier",
    "recent_sessions",
    "require_open_session",
    "till_denominations",
    "till_report",
    "x_report",
    "z_report",
]

DENOMINATIONS_KEY = registry.DENOMINATIONS.key
DENOMINATIONS: tuple[int, ...] = registry.DENOMINATIONS.default
"""Notes and coins in minor units, largest first (a setting may replace them)."""
MAX_PIECES = 100_000
REASON_MAX = 200
NO_SALE_ACTION = "till.no_sale"
"""Audit action of a no-sale drawer opening (object: the till session); the reports count them."""


class TillClosedError(ServiceError):
    """No till is open on this register (or the asked session is closed)."""


class OpenTill(NamedTuple):
    """The open session of a register and its store."""

    id: int
    store_id: int
    store_code: str


_SELECT_OPEN = Prepared(
    select(TillSession.id, TillSession.store_id, Store.code)
    .join(Store, Store.id == TillSession.store_id)
    .where(TillSession.open_register == bindparam("register"))
)


def require_open_session(uow: UnitOfWork) -> OpenTill:
    """Return this register's open till session, inside a running unit of work.

    Raises:
        TillClosedError: no till is open on this register.
    """
    row = _SELECT_OPEN.one(uow.session.connection(), {"register": uow.register})
    if row is None:
        raise TillClosedError(
            _("No till is open on register {register}: open the till first.").format(
                register=uow.register
            )
        )
    return OpenTill(int(row[0]), int(row[1]), str(row[2]))


def denominations(uow: UnitOfWork) -> tuple[int, ...]:
    """The notes and coins counted at close (setting ``tills.denominations``)."""
    return registry.shop_denominations(uow)


def _count(uow: UnitOfWork, pieces: Mapping[int, int]) -> tuple[int, str]:
    allowed = set(denominations(uow))
    total = 0
    for value, count in pieces.items():
        if value not in allowed:
            raise ValidationError(
                _("{value} is not a note or coin of this till.").format(value=format_money(value))
            )
        if type(count) is not int or count < 0:
            raise ValidationError(_("Count whole notes and coins (zero or more)."))
        if count > MAX_PIECES:
            raise ValidationError(
                _("At most {max_pieces:,} of one note or coin.").format(max_pieces=MAX_PIECES)
            )
        total += value * count
    if total > MAX_MINOR:
        raise ValidationError(_("The count is above the largest amount."))
    detail = {str(v): c for v, c in sorted(pieces.items(), reverse=True) if c}
    return total, json.dumps(detail)


def _check_amount(amount: int, what: str, *, allow_zero: bool) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"{what} must be an int of minor units")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(
            _("The {what} must be more than zero.").format(what=what)
            if not allow_zero
            else _("The {what} cannot be negative.").format(what=what)
        )
    if amount > MAX_MINOR:
        raise ValidationError(_("The {what} is above the largest amount.").format(what=what))
    return amount


def _session_dto(uow: UnitOfWork, session: TillSession) -> TillSessionDTO:
    store = uow.session.get(Store, session.store_id)
    cashier = uow.session.get(User, session.cashier_id)
    detail = json.loads(session.counted_detail) if session.counted_detail else {}
    return from_row(
        TillSessionDTO,
        session,
        store_name=store.name if store else "",
        cashier_name=(cashier.full_name or cashier.username) if cashier else "",
        denominations=tuple(sorted(((int(k), int(v)) for k, v in detail.items()), reverse=True)),
        chain_rows=None,
        chain_head="",
    )


def _open_row(uow: UnitOfWork, *, lock: bool = False) -> TillSession | None:
    query = select(TillSession).where(TillSession.open_register == uow.register)
    if lock:
        query = query.with_for_update()
    return uow.session.scalar(query)


@requires(Permission.CLOSE_TILL)
def till_denominations(uow: UnitOfWork, actor: UserDTO) -> tuple[int, ...]:
    """The notes and coins the count dialogs offer, largest first."""
    with uow:
        return denominations(uow)


@requires(Permission.SELL)
def current_till(uow: UnitOfWork, actor: UserDTO) -> TillSessionDTO | None:
    """This register's open till session, or None."""
    with uow:
        row = _open_row(uow)
        return None if row is None else _session_dto(uow, row)


@requires(Permission.CLOSE_TILL)
def open_till(
    uow: UnitOfWork,
    actor: UserDTO,
    store_id: int,
    float_minor: int,
    pieces: Mapping[int, int] | None = None,
) -> TillSessionDTO:
    """Open this register's till with a counted float (a total, or counted by denomination).

    Raises:
        ConflictError: a till is already open on this register.
        ValidationError: a bad amount, count or store.
    """
    with uow:
        detail = ""
        if pieces is not None:
            float_minor, detail = _count(uow, pieces)
        _check_amount(float_minor, _("float"), allow_zero=True)
        store = uow.session.get(Store, store_id)
        if store is None or not store.active or store.kind != "store":
            raise ValidationError(_("Choose an active storefront for the till."))
        if _open_row(uow) is not None:
            raise ConflictError(
                _("A till is already open on register {register}.").format(register=uow.register)
            )
        now = uow.now()
        session = TillSession(
            store_id=store_id,
            register=uow.register,
            cashier_id=actor.id,
            opened_at=now,
            float_minor=float_minor,
            counted_detail=detail,
            open_register=uow.register,
        )
        uow.session.add(session)
        try:
            uow.flush()
        except IntegrityError as exc:
            raise ConflictError(
                _("A till is already open on register {register}.").format(register=uow.register)
            ) from exc
        uow.audit(
            AuditRecord(
                "till.opened",
                actor.id,
                "till_session",
                session.id,
                after={"float_minor": float_minor, "register": uow.register},
            )
        )
        dto = _session_dto(uow, session)
        uow.commit()
        return dto


@requires(Permission.CLOSE_TILL)
def cash_movement(
    uow: UnitOfWork, actor: UserDTO, amount_minor: int, reason: str
) -> CashMovementDTO:
    """Put cash into (positive) or take it out of (negative) this register's open till.

    Raises:
        ValidationError: a zero amount or no reason; taking out more cash than is expected.
        TillClosedError: no till is open.
    """
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise TypeError("amount_minor must be an int")
    if amount_minor == 0:
        raise ValidationError(_("Enter an amount other than zero."))
    _check_amount(abs(amount_minor), _("amount"), allow_zero=False)
    text = clean_text(reason, _("reason"), limit=REASON_MAX, required=True)
    with uow:
        session = _open_row(uow, lock=True)
        if session is None:
            raise TillClosedError(
                _("No till is open on register {register}.").format(register=uow.register)
            )
        if amount_minor < 0:
            expected = _calculate(uow, session, "X").expected_cash_minor
            if -amount_minor > expected:
                raise ValidationError(
                    _("The till should hold {expected}: you cannot take out more.").format(
                        expected=format_money(expected)
                    )
                )
        now = uow.now()
        movement = CashMovement(
            till_session_id=session.id,
            amount_minor=amount_minor,
            reason=text,
            user_id=actor.id,
            created_at=now,
        )
        uow.session.add(movement)
        uow.flush()
        uow.audit(
            AuditRecord(
                "till.cash_in" if amount_minor > 0 else "till.cash_out",
                actor.id,
                "till_session",
                session.id,
                after={"amount_minor": amount_minor},
                reason=text,
            )
        )
        dto = CashMovementDTO(movement.id, amount_minor, text, actor.display_name, now)
        uow.commit()
        return dto


@requires(Permission.CLOSE_TILL)
def close_till(
    uow: UnitOfWork,
    actor: UserDTO,
    counted_minor: int | None = None,
    pieces: Mapping[int, int] | None = None,
) -> TillReport:
    """Close this register's till with a blind count; return the Z report.

    Give either the counted total or the count per denomination. The expected figure is worked
    out here, after the count, and both are stored with the over/short.

    Raises:
        TillClosedError: no till is open.
        ValidationError: a bad count.
        OfflineSalesWaitingError: the register's offline journal holds sales not yet synced.
    """
    with uow:
        require_offline_synced(uow)
        detail = ""
        if pieces is not None:
            counted_minor, detail = _count(uow, pieces)
        if counted_minor is None:
            raise ValidationError(_("Count the cash in the drawer first."))
        _check_amount(counted_minor, _("counted cash"), allow_zero=True)
        session = _open_row(uow, lock=True)
        if session is None:
            raise TillClosedError(
                _("No till is open on register {register}.").format(register=uow.register)
            )
        now = uow.now()
        expected = _calculate(uow, session, "Z").expected_cash_minor
        session.expected_minor = expected
        session.counted_minor = counted_minor
        session.counted_detail = detail
        session.closed_at = now
        session.closed_by_id = actor.id
        session.open_register = None
        uow.flush()
        # The Z report's anchor: the chain's head before this close, printed and kept.
        head = chain_head(uow.session)
        uow.audit(
            AuditRecord(
                Z_ACTION,
                actor.id,
                "till_session",
                session.id,
                after={
                    "expected_minor": expected,
                    "counted_minor": counted_minor,
                    "over_short_minor": counted_minor - expected,
                    "chain_rows": head.rows,
                    "chain_head": head.hash,
                },
            )
        )
        report = _calculate(uow, session, "Z")
        where = anchor_path(uow.session.connection().engine.url)
        uow.commit()
    append_z_anchor(where, head, now=now, note=f"Z report, till {session.id} on {uow.register}")
    anchored = replace(report.session, chain_rows=head.rows, chain_head=head.hash)
    return replace(report, session=anchored)


@requires(Permission.CLOSE_TILL)
def check_close_till(uow: UnitOfWork, actor: UserDTO) -> None:
    """Say before the blind count whether the till may close (see :func:`close_till`).

    Raises:
        OfflineSalesWaitingError: the register's offline journal holds sales not yet synced.
    """
    with uow:
        require_offline_synced(uow)


@requires(Permission.VIEW_REPORTS)
def x_report(uow: UnitOfWork, actor: UserDTO) -> TillReport:
    """The X report of this register's open till (nothing is closed or reset).

    Raises:
        TillClosedError: no till is open.
    """
    with uow:
        session = _open_row(uow)
        if session is None:
            raise TillClosedError(
                _("No till is open on register {register}.").format(register=uow.register)
            )
        return _calculate(uow, session, "X")


@requires(Permission.VIEW_REPORTS)
def z_report(uow: UnitOfWork, actor: UserDTO, session_id: int) -> TillReport:
    """The Z report of a closed session (for a reprint).

    Raises:
        NotFoundError: no such session.
        TillClosedError: the session is still open (take an X report).
    """
    with uow:
        session = uow.session.get(TillSession, session_id)
        if session is None:
            raise NotFoundError(_("No till session {session_id}.").format(session_id=session_id))
        if session.closed_at is None:
            raise TillClosedError(_("This till is still open: take an X report instead."))
        return with_z_anchor(uow, _calculate(uow, session, "Z"))


def till_report(uow: UnitOfWork, session_id: int, kind: str) -> TillReport:
    """The X or Z calculation of a session, inside a running unit of work."""
    session = uow.session.get(TillSession, session_id)
    if session is None:
        raise NotFoundError(_("No till session {session_id}.").format(session_id=session_id))
    return _calculate(uow, session, kind)


def _calculate(uow: UnitOfWork, session: TillSession, kind: str) -> TillReport:
    """The one calculation behind both reports."""
    sid = session.id
    totals = order_totals(uow, Order.till_session_id == sid)
    tax_rows = uow.session.execute(
        select(
            OrderLine.tax_rate_bp,
            OrderLine.tax_included,
            func.sum(case((OrderLine.unit == "pc", OrderLine.quantity), else_=1)),  # items (#20)
            func.sum(OrderLine.total_minor - OrderLine.tax_minor),
            func.sum(OrderLine.tax_minor),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.till_session_id == sid, LIVE)
        .group_by(OrderLine.tax_rate_bp, OrderLine.tax_included)
    ).all()
    methods = _methods(uow, Payment.till_session_id == sid)
    cards = card_figures(uow, GiftCardMovement.till_session_id == sid)
    points: PointsFigures = points_figures(uow, Order.till_session_id == sid)
    moves = uow.session.execute(
        select(CashMovement, User.full_name, User.username)
        .join(User, User.id == CashMovement.user_id)
        .where(CashMovement.till_session_id == sid)
        .order_by(CashMovement.id)
    ).all()
    movements = tuple(
        CashMovementDTO(m.id, m.amount_minor, m.reason, full or name, m.created_at)
        for m, full, name in moves
    )
    cash = next((m for m in methods if m.method == "cash"), MethodTotal("cash", 0, 0, 0))
    cash_in = sum(m.amount_minor for m in movements if m.amount_minor > 0)
    cash_out = -sum(m.amount_minor for m in movements if m.amount_minor < 0)
    account_cash = till_cash_delta(uow, sid)
    settled = settled_offline(uow, sid)
    expected = (
        session.float_minor
        + cash.sales_minor
        - cash.refunds_minor
        + cash_in
        - cash_out
        + account_cash
    )
    taxes = tuple(
        sorted(
            (
                TaxRow(int(rate), bool(inc), int(net), int(tax))
                for rate, inc, _q, net, tax in tax_rows
            ),
            key=lambda row: (-row.rate_bp, row.included),
        )
    )
    return TillReport(
        kind=kind,
        session=_session_dto(uow, session),
        generated_at=uow.now(),
        orders_count=totals[0],
        items_sold=sum(int(row[2]) for row in tax_rows),
        cancelled_count=totals[1],
        gross_minor=totals[2],
        discount_minor=totals[3],
        coupon_minor=totals[4],
        tax_minor=totals[5],
        sales_minor=totals[6],
        refunds_minor=sum(m.refunds_minor for m in methods),
        methods=methods,
        taxes=taxes,
        cash_sales_minor=cash.sales_minor,
        cash_refunds_minor=cash.refunds_minor,
        cash_in_minor=cash_in,
        cash_out_minor=cash_out,
        account_cash_minor=account_cash,
        expected_cash_minor=expected,
        movements=movements,
        no_sale_count=_no_sales(uow, sid),
        gift_cards_sold_count=cards.sold_count,
        gift_cards_sold_minor=cards.sold_minor,
        gift_cards_redeemed_minor=cards.redeemed_minor - cards.refunded_to_cards_minor,
        points_earned=points.earned,
        points_redeemed=points.redeemed,
        points_given_back=points.given_back,
        points_taken_back=points.taken_back,
        offline_settled_count=settled[0],
        offline_settled_minor=settled[1],
    )


def _no_sales(uow: UnitOfWork, session_id: int) -> int:
    """How often the drawer of the session was opened without a sale (its audit rows)."""
    count = uow.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == NO_SALE_ACTION,
            AuditEntry.object_kind == "till_session",
            AuditEntry.object_id == session_id,
        )
    )
    return int(count or 0)


_METHOD_ORDER = {"cash": 0, "card": 1, "account": 2, "gift_card": 3, "points": 4}


def _methods(uow: UnitOfWork, condition: ColumnElement[bool]) -> tuple[MethodTotal, ...]:
    """Sales and refunds per payment method under ``condition``: cash, card, account, others."""
    totals = method_totals(uow, condition)
    return tuple(sorted(totals, key=lambda t: _METHOD_ORDER.get(t.method, 9)))


@requires(Permission.VIEW_REPORTS)
def recent_sessions(uow: UnitOfWork, actor: UserDTO, limit: int = 50) -> list[TillSessionDTO]:
    """The latest till sessions of every register, newest first."""
    with uow:
        rows = uow.session.scalars(
            select(TillSession)
            .order_by(TillSession.opened_at.desc(), TillSession.id.desc())
            .limit(limit)
        ).all()
        return [_session_dto(uow, row) for row in rows]


@requires(Permission.VIEW_REPORTS)
def over_short_by_cashier(
    uow: UnitOfWork, actor: UserDTO, date_from: date, date_to: date
) -> list[OverShortRow]:
    """Over/short per cashier over the sessions closed between two dates (inclusive, UTC)."""
    start = datetime.combine(date_from, time.min, tzinfo=uow.now().tzinfo)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=uow.now().tzinfo)
    cashier = aliased(User)
    with uow:
        rows = uow.session.execute(
            select(
                TillSession.cashier_id,
                cashier.full_name,
                cashier.username,
                func.count(TillSession.id),
                func.sum(TillSession.expected_minor),
                func.sum(TillSession.counted_minor),
            )
            .join(cashier, cashier.id == TillSession.cashier_id)
            .where(
                TillSession.closed_at.is_not(None),
                TillSession.closed_at >= start,
                TillSession.closed_at < end,
            )
            .group_by(TillSession.cashier_id, cashier.full_name, cashier.username)
            .order_by(cashier.username)
        ).all()
        totals: dict[int, OverShortRow] = defaultdict()
        for cid, full, name, count, expected, counted in rows:
            totals[int(cid)] = OverShortRow(
                int(cid), full or name, int(count), int(expected or 0), int(counted or 0)
            )
        return list(totals.values())
