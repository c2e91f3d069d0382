"""The promises posapp keeps, checked on a whole database: one module for every reliability suite.

``check_invariants`` runs the checks below on a SQLite file or a PostgreSQL database (an Engine,
a Connection or a Session) and returns an :class:`InvariantReport`; ``assert_invariants`` raises
with every problem found. The checks are SQL aggregates, so they stay fast on large databases.

- SQLite only: ``PRAGMA integrity_check`` is ``ok`` and ``PRAGMA foreign_key_check`` is empty
  (PostgreSQL enforces both itself).
- Every acknowledged operation (a sale the worker saw committed, a ledger movement, a stock
  batch, a return) is in the database.
- No order is partial: it has lines (or gift cards sold) whose totals add up to the order's,
  payments that cover exactly what it says was paid (and refunds what it says was refunded), a
  status history that ends at its status, an ``order.placed`` audit row, sale movements for
  every unit sold, and return lines for every unit returned.
- Stock: every level's on-hand equals the sum of its ledger movements; none is negative.
- Money: every ledger transaction has at least two entries summing to zero; every account's
  cached balance equals the sum of its entries; everything sums to zero.
- Gift cards: the ledger's gift-card liability equals the sum of the cards' balances; each card's
  balance is the sum of its movements and never below zero; an order's ``gift_card_minor`` is
  the cards sold on it; every gift card payment (and refund) moved its card by its amount.
- Coupons: each code's and campaign's use count equals its live (not given back) redemptions; no
  live redemption belongs to a cancelled or refunded order.
- The audit log's keyed hash chain verifies, the ledger matches its ``ledger.post`` rows, and the
  chain still reaches every anchor (head) taken earlier (issue #16).

Run it on a quiet database, or give it a Session/Connection whose transaction sees one snapshot
(PostgreSQL: REPEATABLE READ; an Engine given here is read at REPEATABLE READ on PostgreSQL).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from posapp.models import (
    AuditEntry,
    CouponCampaign,
    CouponCode,
    CouponRedemption,
    GiftCard,
    GiftCardMovement,
    LedgerAccount,
    LedgerAccountKind,
    LedgerEntry,
    LedgerTransaction,
    MovementKind,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    Payment,
    StockLevel,
    StockMovement,
    SyncConflict,
)
from posapp.models.orders import OrderReturn, OrderReturnLine
from posapp.services.platform.anchors import Anchor
from posapp.services.platform.chain_verify import verify_chain

PAID_STATUSES = (
    OrderStatus.PAID.value,
    OrderStatus.READY.value,
    OrderStatus.FULFILLED.value,
    OrderStatus.COLLECTED.value,
    OrderStatus.PARTLY_REFUNDED.value,
    OrderStatus.REFUNDED.value,
)
GIVEN_BACK = (OrderStatus.CANCELLED.value, OrderStatus.REFUNDED.value)
SHOWN = 5  # problems listed per check before "… and N more"


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """What a client saw committed: each id must be found in the database."""

    orders: frozenset[uuid.UUID] = frozenset()
    ledger_keys: frozenset[uuid.UUID] = frozenset()
    stock_batches: frozenset[uuid.UUID] = frozenset()
    returns: frozenset[uuid.UUID] = frozenset()

    @property
    def total(self) -> int:
        """How many acknowledged ids there are."""
        return (
            len(self.orders) + len(self.ledger_keys) + len(self.stock_batches) + len(self.returns)
        )


@dataclass(slots=True)
class InvariantReport:
    """The outcome: how many checks ran, what they found, and what the database holds."""

    checks: int = 0
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return not self.problems


def _session(target: Engine | Connection | Session) -> tuple[Session, Callable[[], None]]:
    """A session over ``target`` and a function that releases what was opened here."""
    if isinstance(target, Session):
        return target, lambda: None
    if isinstance(target, Connection):
        session = Session(bind=target)
        return session, session.close
    conn = target.connect()
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    session = Session(bind=conn)

    def close() -> None:
        session.close()
        conn.rollback()
        conn.close()

    return session, close


def _listed(what: str, rows: Sequence[Any]) -> list[str]:
    if not rows:
        return []
    shown = "; ".join(str(tuple(row)) for row in rows[:SHOWN])
    more = f" … and {len(rows) - SHOWN} more" if len(rows) > SHOWN else ""
    return [f"{what}: {shown}{more}"]


class _Checker:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.report = InvariantReport()

    def rows(self, what: str, query: Select[*tuple[Any, ...]]) -> None:
        """One check: ``query`` lists the offending rows (none when the promise holds)."""
        self.report.checks += 1
        self.report.problems += _listed(what, self.session.execute(query).all())

    def expect(self, what: str, ok: bool, detail: object = "") -> None:
        self.report.checks += 1
        if not ok:
            self.report.problems.append(f"{what}: {detail}")

    def count(self, name: str, model: Any) -> None:
        self.report.counts[name] = int(
            self.session.scalar(select(func.count()).select_from(model)) or 0
        )


# --- the checks ---------------------------------------------------------------------------------


def _sqlite_file(c: _Checker) -> None:
    conn = c.session.connection()
    integrity = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
    c.expect("PRAGMA integrity_check", integrity == ["ok"], integrity[:SHOWN])
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    c.expect("PRAGMA foreign_key_check is not empty", not broken, [tuple(r) for r in broken[:5]])


def _missing(c: _Checker, what: str, column: Any, wanted: Iterable[uuid.UUID]) -> None:
    ids = sorted(set(wanted))
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(c.session.scalars(select(column).where(column.in_(chunk))))
    lost = [i for i in ids if i not in found]
    c.expect(f"acknowledged {what} missing", not lost, f"{len(lost)} lost, e.g. {lost[:SHOWN]}")


def _acknowledged(c: _Checker, acked: Acknowledged) -> None:
    _missing(c, "orders", Order.sale_uuid, acked.orders)
    _missing(c, "ledger movements", LedgerTransaction.idempotency_key, acked.ledger_keys)
    _missing(c, "stock batches", StockMovement.batch_uuid, acked.stock_batches)
    _missing(c, "returns", OrderReturn.return_uuid, acked.returns)


def _orders(c: _Checker) -> None:
    o = Order
    line_totals = (
        select(
            OrderLine.order_id,
            func.sum(OrderLine.total_minor).label("total"),
            func.sum(OrderLine.quantity).label("units"),
        )
        .group_by(OrderLine.order_id)
        .subquery()
    )
    c.rows(
        "orders without lines (or gift cards sold)",
        select(o.id, o.number).where(
            ~exists().where(OrderLine.order_id == o.id), o.gift_card_minor == 0
        ),
    )
    c.rows(
        "orders whose lines (and gift cards sold) do not add up to the total",
        select(o.id, o.number, o.total_minor, line_totals.c.total, o.gift_card_minor)
        .outerjoin(line_totals, line_totals.c.order_id == o.id)
        .where(func.coalesce(line_totals.c.total, 0) + o.gift_card_minor != o.total_minor),
    )
    taken = func.coalesce(
        func.sum(case((Payment.amount_minor > 0, Payment.amount_minor), else_=0)), 0
    )
    given = func.coalesce(
        func.sum(case((Payment.amount_minor < 0, -Payment.amount_minor), else_=0)), 0
    )
    money = (
        select(Payment.order_id, taken.label("taken"), given.label("given"))
        .group_by(Payment.order_id)
        .subquery()
    )
    got = func.coalesce(money.c.taken, 0)
    back = func.coalesce(money.c.given, 0)
    c.rows(
        "orders whose payments differ from paid_minor/refunded_minor",
        select(o.id, o.number, o.status, o.paid_minor, got, o.refunded_minor, back)
        .outerjoin(money, money.c.order_id == o.id)
        .where(or_(got != o.paid_minor, back != o.refunded_minor)),
    )
    c.rows(
        "completed orders not paid in full",
        select(o.id, o.number, o.status, o.total_minor, o.paid_minor).where(
            o.status.in_(PAID_STATUSES), o.paid_minor != o.total_minor
        ),
    )
    c.rows(
        "placed (unpaid) orders with money taken",
        select(o.id, o.number, o.paid_minor).where(
            o.status == OrderStatus.PLACED.value, o.paid_minor != 0
        ),
    )
    c.rows(
        "cancelled orders not refunded in full",
        select(o.id, o.number, o.paid_minor, o.refunded_minor).where(
            o.status == OrderStatus.CANCELLED.value, o.refunded_minor != o.paid_minor
        ),
    )
    c.rows(
        "account payments without a ledger transaction",
        select(Payment.id, Payment.order_id).where(
            Payment.method == "account", Payment.ledger_transaction_id.is_(None)
        ),
    )
    _history_and_audit(c)
    returned = (
        select(OrderReturnLine.order_line_id, func.sum(OrderReturnLine.quantity).label("units"))
        .group_by(OrderReturnLine.order_line_id)
        .subquery()
    )
    c.rows(
        "order lines whose returned quantity differs from their return lines",
        select(OrderLine.id, OrderLine.order_id, OrderLine.returned_qty, returned.c.units)
        .outerjoin(returned, returned.c.order_line_id == OrderLine.id)
        .where(OrderLine.returned_qty != func.coalesce(returned.c.units, 0)),
    )
    sold = (
        select(StockMovement.order_id, func.sum(StockMovement.quantity).label("moved"))
        .where(StockMovement.kind == MovementKind.SALE.value)
        .group_by(StockMovement.order_id)
        .subquery()
    )
    c.rows(
        "orders whose sale movements differ from the units sold",
        select(o.id, o.number, line_totals.c.units, sold.c.moved)
        .join(line_totals, line_totals.c.order_id == o.id)
        .outerjoin(sold, sold.c.order_id == o.id)
        .where(func.coalesce(sold.c.moved, 0) != -line_totals.c.units),
    )


def _history_and_audit(c: _Checker) -> None:
    o = Order
    last = (
        select(OrderStatusChange.order_id, func.max(OrderStatusChange.id).label("last_id"))
        .group_by(OrderStatusChange.order_id)
        .subquery()
    )
    change = aliased(OrderStatusChange)
    c.rows(
        "orders whose history does not end at their status",
        select(o.id, o.number, o.status, change.to_status)
        .outerjoin(last, last.c.order_id == o.id)
        .outerjoin(change, change.id == last.c.last_id)
        .where(or_(change.id.is_(None), change.to_status != o.status)),
    )
    c.rows(
        "orders without an order.placed audit row",
        select(o.id, o.number).where(
            ~exists().where(
                AuditEntry.action == "order.placed",
                AuditEntry.object_kind == "order",
                AuditEntry.object_id == o.id,
            )
        ),
    )


def _stock(c: _Checker) -> None:
    sums = (
        select(
            StockMovement.store_id,
            StockMovement.product_id,
            func.sum(StockMovement.quantity).label("total"),
        )
        .group_by(StockMovement.store_id, StockMovement.product_id)
        .subquery()
    )
    joined = and_(
        StockLevel.store_id == sums.c.store_id, StockLevel.product_id == sums.c.product_id
    )
    total = func.coalesce(sums.c.total, 0)
    c.rows(
        "stock levels that differ from their movements (store, product, on_hand, ledger)",
        select(StockLevel.store_id, StockLevel.product_id, StockLevel.on_hand, total)
        .outerjoin(sums, joined)
        .where(StockLevel.on_hand != total),
    )
    c.rows(
        "stock movements without a level row",
        select(sums.c.store_id, sums.c.product_id, sums.c.total)
        .outerjoin(StockLevel, joined)
        .where(StockLevel.store_id.is_(None), sums.c.total != 0),
    )
    # Only a sale taken offline may take stock below zero, and it always tells of it (#21).
    told = exists().where(
        SyncConflict.kind == "stock_shortfall",
        SyncConflict.store_id == StockLevel.store_id,
        SyncConflict.product_id == StockLevel.product_id,
    )
    c.rows(
        "negative stock that no sync conflict tells of",
        select(StockLevel.store_id, StockLevel.product_id, StockLevel.on_hand).where(
            StockLevel.on_hand < 0, ~told
        ),
    )


def _money(c: _Checker) -> None:
    per_txn = (
        select(
            LedgerEntry.transaction_id,
            func.sum(LedgerEntry.amount_minor).label("total"),
            func.count().label("legs"),
        )
        .group_by(LedgerEntry.transaction_id)
        .subquery()
    )
    c.rows(
        "ledger transactions that do not balance (id, sum, legs)",
        select(LedgerTransaction.id, per_txn.c.total, per_txn.c.legs)
        .outerjoin(per_txn, per_txn.c.transaction_id == LedgerTransaction.id)
        .where(or_(per_txn.c.total.is_(None), per_txn.c.total != 0, per_txn.c.legs < 2)),
    )
    overall = c.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)))
    c.expect("the ledger's entries do not sum to zero", int(overall or 0) == 0, overall)
    per_account = (
        select(LedgerEntry.ledger_account_id, func.sum(LedgerEntry.amount_minor).label("total"))
        .group_by(LedgerEntry.ledger_account_id)
        .subquery()
    )
    entries = func.coalesce(per_account.c.total, 0)
    c.rows(
        "ledger accounts whose balance differs from their entries (id, balance, entries)",
        select(LedgerAccount.id, LedgerAccount.balance_minor, entries)
        .outerjoin(per_account, per_account.c.ledger_account_id == LedgerAccount.id)
        .where(LedgerAccount.balance_minor != entries),
    )
    balances = c.session.scalar(select(func.coalesce(func.sum(LedgerAccount.balance_minor), 0)))
    c.expect("the ledger accounts' balances do not sum to zero", int(balances or 0) == 0, balances)


def _coupons(c: _Checker) -> None:
    r = CouponRedemption
    live = r.reversed_at.is_(None)
    by_code = (
        select(r.code_id, func.count().label("uses")).where(live).group_by(r.code_id).subquery()
    )
    c.rows(
        "coupon codes whose use count differs from live redemptions (id, count, live)",
        select(CouponCode.id, CouponCode.used_count, func.coalesce(by_code.c.uses, 0))
        .outerjoin(by_code, by_code.c.code_id == CouponCode.id)
        .where(CouponCode.used_count != func.coalesce(by_code.c.uses, 0)),
    )
    by_campaign = (
        select(r.campaign_id, func.count().label("uses"))
        .where(live)
        .group_by(r.campaign_id)
        .subquery()
    )
    c.rows(
        "campaigns whose use count differs from live redemptions (id, count, live)",
        select(CouponCampaign.id, CouponCampaign.used_count, func.coalesce(by_campaign.c.uses, 0))
        .outerjoin(by_campaign, by_campaign.c.campaign_id == CouponCampaign.id)
        .where(CouponCampaign.used_count != func.coalesce(by_campaign.c.uses, 0)),
    )
    c.rows(
        "live redemptions on cancelled or fully refunded orders",
        select(r.id, Order.number, Order.status)
        .join(Order, Order.id == r.order_id)
        .where(live, Order.status.in_(GIVEN_BACK)),
    )
    c.rows(
        "redemptions whose code belongs to another campaign",
        select(r.id, r.code_id, r.campaign_id)
        .join(CouponCode, CouponCode.id == r.code_id)
        .where(CouponCode.campaign_id != r.campaign_id),
    )


def _gift_cards(c: _Checker) -> None:
    """Gift cards (issue #19): the ledger's liability is the sum of the cards' balances."""
    m = GiftCardMovement
    liability = c.session.scalar(
        select(func.coalesce(func.sum(LedgerAccount.balance_minor), 0)).where(
            LedgerAccount.kind == LedgerAccountKind.GIFT_CARDS.value
        )
    )
    cards = c.session.scalar(select(func.coalesce(func.sum(GiftCard.balance_minor), 0)))
    c.expect(
        "the gift card liability differs from the sum of card balances (ledger, cards)",
        int(liability or 0) == int(cards or 0),
        (liability, cards),
    )
    per_card = (
        select(m.card_id, func.sum(m.amount_minor).label("total")).group_by(m.card_id).subquery()
    )
    c.rows(
        "gift cards whose balance differs from their movements (id, balance, movements)",
        select(GiftCard.id, GiftCard.balance_minor, per_card.c.total)
        .outerjoin(per_card, per_card.c.card_id == GiftCard.id)
        .where(func.coalesce(per_card.c.total, 0) != GiftCard.balance_minor),
    )
    c.rows("gift cards below zero", select(GiftCard.id).where(GiftCard.balance_minor < 0))
    sold = (
        select(m.order_id, func.sum(m.amount_minor).label("total"))
        .where(m.kind.in_(("issue", "reload")))
        .group_by(m.order_id)
        .subquery()
    )
    c.rows(
        "orders whose gift_card_minor differs from the cards sold on them",
        select(Order.id, Order.number, Order.gift_card_minor, sold.c.total)
        .outerjoin(sold, sold.c.order_id == Order.id)
        .where(func.coalesce(sold.c.total, 0) != Order.gift_card_minor),
    )
    c.rows(
        "gift card payments without the matching card movement (payment, amount, movement)",
        select(Payment.id, Payment.amount_minor, m.amount_minor)
        .outerjoin(m, m.payment_id == Payment.id)
        .where(
            Payment.method == "gift_card",
            or_(m.id.is_(None), m.amount_minor != -Payment.amount_minor),
        ),
    )


def _audit(c: _Checker, anchors: Sequence[Anchor]) -> None:
    """The keyed audit chain, the ledger in it (issue #16) and the anchors taken so far."""
    chain = verify_chain(c.session, anchors=anchors)
    c.report.counts["audit_rows"] = chain.rows
    c.report.counts["chained_ledger_transactions"] = chain.ledger_transactions
    c.expect(
        "the audit chain does not verify", chain.ok, f"row {chain.first_bad_id}: {chain.problem}"
    )


def check_invariants(
    target: Engine | Connection | Session,
    acknowledged: Acknowledged | None = None,
    *,
    audit_chain: bool = True,
    anchors: Sequence[Anchor] = (),
) -> InvariantReport:
    """Run every check on the database behind ``target``; see the module docstring.

    Args:
        target: An Engine (a connection is opened and closed here), a Connection or a Session
            (used as they are: their transaction is left open for the caller).
        acknowledged: Ids a client saw committed; each must be present.
        audit_chain: Whether to verify the audit log's hash chain and the ledger in it (reads
            every row).
        anchors: Heads of the chain taken earlier: it must still reach each of them.
    """
    session, release = _session(target)
    try:
        c = _Checker(session)
        if session.get_bind().dialect.name == "sqlite":
            _sqlite_file(c)
        if acknowledged is not None:
            _acknowledged(c, acknowledged)
        _orders(c)
        _stock(c)
        _money(c)
        _coupons(c)
        _gift_cards(c)
        if audit_chain:
            _audit(c, anchors)
        c.count("orders", Order)
        c.count("ledger_transactions", LedgerTransaction)
        c.count("stock_movements", StockMovement)
        c.count("redemptions", CouponRedemption)
        return c.report
    finally:
        release()


def assert_invariants(
    target: Engine | Connection | Session,
    acknowledged: Acknowledged | None = None,
    *,
    audit_chain: bool = True,
    anchors: Sequence[Anchor] = (),
    where: str = "",
) -> InvariantReport:
    """Like :func:`check_invariants`, but raise ``AssertionError`` listing every problem."""
    report = check_invariants(target, acknowledged, audit_chain=audit_chain, anchors=anchors)
    if not report.ok:
        lines = "\n  - ".join(report.problems)
        prefix = f"{where}: " if where else ""
        raise AssertionError(f"{prefix}{len(report.problems)} invariant(s) broken:\n  - {lines}")
    return report
