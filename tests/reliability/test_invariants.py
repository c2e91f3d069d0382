"""The invariant checks catch damage: each kind of corruption is reported (SQLite, PostgreSQL).

Each damage is made inside a transaction that is rolled back afterwards; the intact database
passes before and after.
"""

from __future__ import annotations

import random
import uuid

import pytest
from sqlalchemy import Connection

from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.errors import ServiceError
from tests.reliability.figures import report
from tests.reliability.invariants import Acknowledged, assert_invariants, check_invariants
from tests.reliability.operations import EXPECTED_REFUSALS, Operations
from tests.reliability.world import UNLIMITED_CODE, build_world

FIRST = "(SELECT min(id) FROM {})"
LAST = "(SELECT max(id) FROM {})"

# What each damage does, the SQL that does it, and words of the problem that must be reported.
DAMAGE: dict[str, tuple[list[str], str]] = {
    "a payment lost": (
        [
            "DELETE FROM payments WHERE id = (SELECT max(id) FROM payments WHERE amount_minor > 0 "
            "AND id NOT IN (SELECT refund_of_id FROM payments WHERE refund_of_id IS NOT NULL))"
        ],
        "payments differ",
    ),
    "an order's total changed": (
        [f"UPDATE orders SET total_minor = total_minor + 1 WHERE id = {FIRST.format('orders')}"],
        "do not add up",
    ),
    "a status change lost": (
        [f"DELETE FROM order_status_history WHERE id = {LAST.format('order_status_history')}"],
        "history does not end",
    ),
    "on-hand changed behind the ledger": (
        ["UPDATE stock_levels SET on_hand = on_hand + 1 WHERE on_hand > 0"],
        "stock levels that differ",
    ),
    "a ledger entry lost": (
        [f"DELETE FROM ledger_entries WHERE id = {LAST.format('ledger_entries')}"],
        "do not balance",
    ),
    "a coupon use counted twice": (
        ["UPDATE coupon_codes SET used_count = used_count + 1"],
        "use count differs",
    ),
    "a sale's stock movement lost": (
        [
            "DELETE FROM stock_movements WHERE id = (SELECT max(id) FROM stock_movements "
            "WHERE kind = 'sale')",
            "UPDATE stock_levels SET on_hand = on_hand - 1 WHERE on_hand > 0",
        ],
        "sale movements differ",
    ),
    "an audit row edited": ([], "audit chain"),
}


def _around_triggers(conn: Connection) -> None:
    """Go around the append-only triggers of the audit log and the ledger (rolled back after)."""
    if conn.dialect.name == "sqlite":
        for trigger in ("audit_log_no_update", "ledger_entries_no_delete"):
            conn.exec_driver_sql(f"DROP TRIGGER {trigger}")
    else:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")


def _edit_audit(conn: Connection) -> None:
    conn.exec_driver_sql(
        f"UPDATE audit_log SET reason = 'edited' WHERE id = {FIRST.format('audit_log')}"
    )


@pytest.fixture
def busy(backend: Backend) -> Backend:
    """A shop after a few dozen random operations (sales with coupons, returns, transfers…)."""
    ops = Operations(backend, build_world(backend), random.Random(7))
    for _ in range(40):
        try:
            ops.run(ops.plan())
        except ServiceError as exc:
            if type(exc).__name__ not in EXPECTED_REFUSALS:
                raise
    coffee = [[ops.world.products["coffee"], 1]]
    total = ops.sale_total(coffee, UNLIMITED_CODE, None)
    assert total is not None
    sale = {"kind": "sale", "sale_uuid": uuid.uuid4().hex, "payment_uuid": uuid.uuid4().hex}
    ops.run(
        sale
        | {
            "lines": coffee,
            "coupon": UNLIMITED_CODE,
            "account": None,
            "total": total,
            "tendered": total,
        }
    )
    return backend


def test_each_kind_of_damage_is_reported(busy: Backend, db_kind: str) -> None:
    intact = assert_invariants(busy.database.engine)
    assert intact.counts["orders"] > 0
    assert intact.counts["redemptions"] > 0
    for damage, (statements, words) in DAMAGE.items():
        with busy.database.engine.connect() as conn, conn.begin():
            _around_triggers(conn)
            if damage == "an audit row edited":
                _edit_audit(conn)
            for sql in statements:
                conn.exec_driver_sql(sql)
            found = check_invariants(conn)
            conn.rollback()
        assert any(words in problem for problem in found.problems), (damage, found.problems)
    lost = Acknowledged(orders=frozenset({uuid.uuid4()}), ledger_keys=frozenset({uuid.uuid4()}))
    found = check_invariants(busy.database.engine, lost)
    assert any("acknowledged orders missing" in p for p in found.problems)
    assert any("acknowledged ledger movements missing" in p for p in found.problems)
    assert_invariants(busy.database.engine)  # the damage was rolled back
    report(
        f"invariants ({db_kind}): {intact.checks} checks pass on an intact shop; each of "
        f"{len(DAMAGE)} kinds of damage and a lost acknowledged id is reported"
    )


def test_sqlite_foreign_key_damage_is_reported(sqlite_database: Database) -> None:
    with sqlite_database.engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        conn.exec_driver_sql(
            "INSERT INTO order_status_history (order_id, from_status, to_status, user_id, "
            "at, note) VALUES (999999, NULL, 'placed', 999999, '2026-01-01 00:00:00', '')"
        )
        found = check_invariants(conn)
        conn.rollback()
    assert any("foreign_key_check" in p for p in found.problems), found.problems
