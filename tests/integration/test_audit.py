"""The audit log is append-only in the database itself, and tampering breaks the hash chain."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from posapp.models import AuditEntry
from posapp.services.backend import Backend
from posapp.services.platform.chain_verify import verify_chain
from posapp.services.staff import users

PW = "correct horse battery"


def _fill(backend: Backend) -> None:
    admin = users.add_user(backend.uow(), None, "root", PW, "admin")
    cashier = users.add_user(backend.uow(), admin, "till", "1234", "cashier")
    users.set_active(backend.uow(), admin, cashier.id, False)
    backend.staff.login("root", PW)


def test_actions_are_audited_with_who_what_and_register(backend: Backend) -> None:
    _fill(backend)
    with backend.read_uow() as uow:
        rows = uow.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
        actions = [r.action for r in rows]
        assert actions == ["user.add", "user.add", "user.deactivate", "login"]
        deactivate = rows[2]
        assert deactivate.user_id == rows[3].user_id  # the admin did it
        assert deactivate.before is not None
        assert '"active": true' in deactivate.before
        assert deactivate.after is not None
        assert '"active": false' in deactivate.after
        assert {r.register for r in rows} == {"test-till"}
        assert verify_chain(uow.session).ok


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"]
)
def test_database_refuses_update_and_delete(backend: Backend, statement: str) -> None:
    _fill(backend)
    with backend.database.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.exec_driver_sql(statement)
    with backend.read_uow() as uow:
        assert verify_chain(uow.session).rows == 4


def _tamper(backend: Backend, statements: list[str]) -> None:
    """Change the log behind the app's back, going around the triggers."""
    engine = backend.database.engine
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for statement in statements:
            conn.exec_driver_sql(statement)


@pytest.mark.parametrize(
    ("statements", "bad_row"),
    [
        (["UPDATE audit_log SET reason = 'nothing to see' WHERE id = 3"], 3),
        (["DELETE FROM audit_log WHERE id = 2"], 3),
        (["UPDATE audit_log SET user_id = NULL WHERE id = 4"], 4),
        (["DELETE FROM audit_log WHERE id = 4"], None),
    ],
)
def test_tampering_is_detected(
    backend: Backend, statements: list[str], bad_row: int | None
) -> None:
    _fill(backend)
    _tamper(backend, statements)
    with backend.read_uow() as uow:
        report = verify_chain(uow.session)
    if bad_row is None:
        # Removing the newest row leaves a valid but shorter chain: the row count tells.
        assert report.ok
        assert report.rows == 3
    else:
        assert not report.ok
        assert report.first_bad_id == bad_row
