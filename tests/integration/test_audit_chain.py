"""Issue #16, defects 4 and 5: the audit chain proves it is complete, and the ledger is in it.

Someone with write access to the database (not to the audit key) removes the newest rows, or
every row, or edits a row and re-hashes the rest; edits, removes or adds ledger rows. Each is
reported by ``verify`` (with the anchors where the chain alone cannot tell). SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from posapp.models import AuditEntry
from posapp.services.backend import Backend
from posapp.services.platform.anchors import read_anchors
from posapp.services.platform.audit import row_hash
from posapp.services.platform.chain_key import anchor_path, forget_key, key_path
from posapp.services.platform.chain_verify import ChainReport, verify_chain
from posapp.services.platform.errors import DatabaseError
from posapp.services.staff import users, verify_audit_chain, write_audit_anchor
from tests.integration.accounts_support import make_world

PW = "correct horse battery"


def _fill(backend: Backend, extra: int = 3) -> None:
    admin = users.add_user(backend.uow(), None, "root", PW, "admin")
    for n in range(extra):
        users.add_user(backend.uow(), admin, f"till{n}", "1234", "cashier")


def around_triggers(conn: Connection) -> None:
    """What an admin with the database's owner (or the SQLite file) can do: drop the guards."""
    if conn.dialect.name == "sqlite":
        names = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        for (name,) in names.all():
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
    else:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")


def tamper(backend: Backend, *statements: str) -> None:
    """Run ``statements`` behind the app's back, around the append-only triggers."""
    with backend.database.engine.begin() as conn:
        around_triggers(conn)
        for statement in statements:
            conn.exec_driver_sql(statement)


def verify(backend: Backend, *anchor_files: Path, z_reports: bool = False) -> ChainReport:
    """What ``posapp audit verify`` runs (the database's own anchor file included)."""
    return verify_audit_chain(backend.read_uow(), None, anchor_files, z_reports=z_reports)


def rehash(backend: Backend, key: bytes | None) -> None:
    """Re-hash every row in order under ``key`` (None: plain SHA-256, the pre-#16 rule)."""
    with backend.database.engine.begin() as conn:
        around_triggers(conn)
        session = sa.orm.Session(bind=conn)
        prev = ""
        for entry in session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all():
            entry.prev_hash = prev
            entry.hash = row_hash(entry, key)
            prev = entry.hash
        session.flush()


def test_an_intact_chain_verifies_with_its_ledger(backend: Backend) -> None:
    _fill(backend)
    report = verify(backend)
    assert report.ok, report.problem
    assert report.rows == 4
    assert report.legacy_rows == 0


def test_deleting_the_newest_rows_is_caught_by_the_anchor(backend: Backend) -> None:
    _fill(backend)
    line, where = write_audit_anchor(backend.read_uow(), None)
    assert where == anchor_path(backend.database.url)
    assert line.startswith("posapp-anchor rows=4 last_id=")
    assert [a.rows for a in read_anchors(where)] == [4]
    tamper(backend, "DELETE FROM audit_log WHERE id > (SELECT min(id) + 1 FROM audit_log)")
    report = verify(backend)
    assert not report.ok
    assert "the log has 2 rows but the anchor" in report.problem
    assert "its newest rows were removed" in report.problem


def test_deleting_every_row_is_caught_even_without_anchors(backend: Backend) -> None:
    _fill(backend)
    tamper(backend, "DELETE FROM audit_log")
    report = verify(backend)
    assert not report.ok
    assert report.problem == "every row written since the chain was keyed was removed"


def test_deleting_every_row_and_the_header_is_caught_by_the_anchor(
    backend: Backend, tmp_path: Path
) -> None:
    _fill(backend)
    kept = tmp_path / "kept-elsewhere.anchors"
    write_audit_anchor(backend.read_uow(), None, kept)
    tamper(backend, "DELETE FROM audit_log", "DELETE FROM settings WHERE key = 'audit.chain'")
    assert verify(backend).ok  # an empty, never-keyed log: only an anchor can tell
    report = verify(backend, kept)
    assert not report.ok
    assert "the log has 0 rows but the anchor in kept-elsewhere.anchors" in report.problem


@pytest.mark.parametrize("key", [None, b"a guess at the key, 32 bytes long"])
def test_editing_a_row_then_rehashing_the_rest_is_caught(
    backend: Backend, key: bytes | None
) -> None:
    _fill(backend)
    with backend.read_uow() as uow:
        second = uow.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id)).all()[1]
    tamper(backend, f"UPDATE audit_log SET reason = 'nothing to see' WHERE id = {second}")
    rehash(backend, key)  # every link is consistent again, under the wrong rule or key
    report = verify(backend)
    assert not report.ok
    with backend.read_uow() as uow:
        first = uow.session.scalar(sa.select(sa.func.min(AuditEntry.id)))
    assert (report.first_bad_id, report.problem) == (first, "its content was changed")


def test_the_header_cannot_be_rewritten_or_removed(backend: Backend) -> None:
    _fill(backend)
    with backend.read_uow() as uow:
        text = uow.session.scalar(sa.text("SELECT value FROM settings WHERE key = 'audit.chain'"))
    header = json.loads(text)
    header["legacy_rows"] = 4  # "every row is old": checked by plain SHA-256, which anyone can do
    forged = json.dumps(header).replace("'", "''")
    tamper(backend, f"UPDATE settings SET value = '{forged}' WHERE key = 'audit.chain'")
    assert verify(backend).problem == "the chain's header was changed: its MAC does not match"
    tamper(backend, "DELETE FROM settings WHERE key = 'audit.chain'")
    report = verify(backend)
    assert report.problem == "the log has rows but the chain's header was removed"


def test_verify_needs_the_key_and_only_the_right_one(backend: Backend, tmp_path: Path) -> None:
    _fill(backend, extra=1)
    with backend.read_uow() as uow:
        assert verify_chain(uow.session, key=b"another key entirely, 32 bytes!!").problem == (
            "the audit key at hand is not the one the chain was made with"
        )


def _ledger_shop(backend: Backend) -> int:
    world = make_world(backend)
    account = world.open("Ada Customer")
    for amount in (10_00, 25_00):
        world.deposit(account.id, amount)
    return account.id


def test_ledger_rows_are_append_only(backend: Backend) -> None:
    _ledger_shop(backend)
    for statement in (
        "UPDATE ledger_entries SET amount_minor = amount_minor * 2",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_transactions SET memo = 'x'",
        "DELETE FROM ledger_transactions",
    ):
        with (
            backend.database.engine.connect() as conn,
            pytest.raises(DBAPIError, match="append-only"),
        ):
            conn.exec_driver_sql(statement)
    report = verify(backend)
    assert report.ok, report.problem
    assert report.ledger_transactions == 2


@pytest.mark.parametrize(
    ("statements", "words"),
    [
        (
            [
                "UPDATE ledger_entries SET amount_minor = amount_minor * 2 "
                "WHERE transaction_id = (SELECT max(id) FROM ledger_transactions)",
                "UPDATE ledger_accounts SET balance_minor = balance_minor * 2",
            ],
            "or its entries were changed",
        ),
        (
            [
                "DELETE FROM ledger_entries "
                "WHERE transaction_id = (SELECT max(id) FROM ledger_transactions)",
                "DELETE FROM ledger_transactions "
                "WHERE id = (SELECT max(id) FROM ledger_transactions)",
            ],
            "is in the audit log but was removed",
        ),
        (["UPDATE ledger_accounts SET balance_minor = balance_minor + 100"], "balance differs"),
    ],
)
def test_ledger_tampering_is_caught(backend: Backend, statements: list[str], words: str) -> None:
    _ledger_shop(backend)
    tamper(backend, *statements)
    report = verify(backend)
    assert not report.ok
    assert words in report.problem


def test_a_ledger_transaction_added_behind_the_apps_back_is_caught(backend: Backend) -> None:
    _ledger_shop(backend)
    with backend.database.engine.begin() as conn:
        row = conn.exec_driver_sql(
            "SELECT user_id, created_at FROM ledger_transactions ORDER BY id LIMIT 1"
        ).one()
        accounts = conn.exec_driver_sql("SELECT id FROM ledger_accounts ORDER BY id").scalars()
        first, second = list(accounts)[:2]
        txn = conn.execute(
            sa.text(
                "INSERT INTO ledger_transactions (idempotency_key, kind, memo, fingerprint, "
                "user_id, created_at) VALUES (:key, 'deposit', '', '', :user, :at) RETURNING id"
            ),
            {"key": uuid.uuid4().hex, "user": row[0], "at": row[1]},
        ).scalar_one()
        for account, amount in ((first, 500_00), (second, -500_00)):
            conn.execute(
                sa.text(
                    "INSERT INTO ledger_entries (transaction_id, ledger_account_id, amount_minor) "
                    "VALUES (:t, :a, :m)"
                ),
                {"t": txn, "a": account, "m": amount},
            )
            conn.execute(
                sa.text(
                    "UPDATE ledger_accounts SET balance_minor = balance_minor + :m WHERE id = :a"
                ),
                {"a": account, "m": amount},
            )
    report = verify(backend)
    assert f"ledger transaction {txn} was added behind the app's back" == report.problem


def test_a_missing_key_file_stops_writes_rather_than_forking_the_chain(
    backend: Backend, db_kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db_kind != "sqlite":
        pytest.skip("PostgreSQL registers share the key through POSAPP_AUDIT_KEY")
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path / "own-data"))  # a key of its own to lose
    _fill(backend, extra=1)
    key_path(backend.database.url).unlink()
    forget_key(backend.database.url)  # as a register started after the key went missing
    with pytest.raises(DatabaseError, match="audit key of this database is missing"):
        users.add_user(backend.uow(), None, "late", PW, "admin")
    report = verify(backend)
    assert report.problem.startswith("no audit key to check it with")
