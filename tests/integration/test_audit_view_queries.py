"""The audit view's reads on both databases: filters, keyset pages, formula-safe CSV, verify."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from posapp.services.backend import Backend
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import PermissionDeniedError, ServiceError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import audit as audit_queries
from posapp.services.staff import users
from posapp.services.staff.audit import AuditFilter, ExportCancelledError, csv_safe
from posapp.services.staff.security import ACTIONS

PW = "correct horse battery"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

# For the lead: merge into CALLS of tests/unit/test_security.py (the permission matrix).
ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]] = {
    "staff.audit.audit_page": lambda uow, a, s: audit_queries.audit_page(uow, a),
    "staff.audit.audit_count": lambda uow, a, s: audit_queries.audit_count(uow, a),
    "staff.audit.audit_actions": lambda uow, a, s: audit_queries.audit_actions(uow, a),
    "staff.audit.verify_audit_chain": lambda uow, a, s: audit_queries.verify_audit_chain(uow, a),
    "staff.audit.write_audit_csv": lambda uow, a, s: audit_queries.write_audit_csv(
        uow, a, None, io.StringIO()
    ),
    "staff.audit.write_audit_anchor": lambda uow, a, s: audit_queries.write_audit_anchor(
        uow, a, Path(tempfile.gettempdir()) / "posapp-refused.anchors"
    ),
}


class StepClock:
    """A minute passes between readings."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def staff(backend: Backend) -> dict[str, UserDTO]:
    backend.clock = StepClock()
    admin = users.add_user(backend.uow(), None, "root", PW, "admin")
    manager = users.add_user(backend.uow(), admin, "boss", PW, "manager")
    cashier = users.add_user(backend.uow(), admin, "till", "4321", "cashier")
    users.set_active(backend.uow(), admin, cashier.id, False)
    backend.staff.login("boss", PW)
    return {"admin": admin, "manager": manager, "cashier": cashier}


def actions(rows: list[audit_queries.AuditRow]) -> list[str]:
    return [row.action for row in rows]


def test_pages_are_newest_first_and_named(backend: Backend, staff: dict[str, UserDTO]) -> None:
    admin = staff["admin"]
    rows = audit_queries.audit_page(backend.read_uow(), admin)
    assert actions(rows) == ["login", "user.deactivate", "user.add", "user.add", "user.add"]
    login, deactivate = rows[0], rows[1]
    assert (login.username, login.object_label, login.register) == (
        "boss",
        "user boss",
        "test-till",
    )
    assert (deactivate.username, deactivate.object_label) == ("root", "user till")
    assert deactivate.details == "active: true → false"
    assert rows[-1].username == ""  # the first admin was added from the command line
    assert audit_queries.audit_count(backend.read_uow(), admin) == 5


def test_keyset_pages_cover_every_row_once(backend: Backend, staff: dict[str, UserDTO]) -> None:
    admin, before = staff["admin"], None
    seen: list[int] = []
    while page := audit_queries.audit_page(backend.read_uow(), admin, before_id=before, limit=2):
        seen.extend(row.id for row in page)
        before = page[-1].id
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) == 5


def test_filters(backend: Backend, staff: dict[str, UserDTO]) -> None:
    admin, manager = staff["admin"], staff["manager"]

    def page(flt: AuditFilter) -> list[str]:
        return actions(audit_queries.audit_page(backend.read_uow(), admin, flt))

    assert page(AuditFilter(user_id=manager.id)) == ["login"]
    assert page(AuditFilter(user_id=admin.id)) == ["user.deactivate", "user.add", "user.add"]
    assert page(AuditFilter(action="user.add")) == ["user.add"] * 3
    assert page(AuditFilter(action="user.")) == ["user.deactivate"] + ["user.add"] * 3
    assert page(AuditFilter(action="user_")) == []  # a LIKE wildcard is taken literally
    assert page(AuditFilter(action="%")) == []
    rows = audit_queries.audit_page(backend.read_uow(), admin)
    third = rows[2].at
    assert page(AuditFilter(since=third)) == ["login", "user.deactivate", "user.add"]
    assert page(AuditFilter(until=third)) == ["user.add", "user.add"]
    assert page(AuditFilter(since=third, until=third + timedelta(seconds=1))) == ["user.add"]
    assert audit_queries.audit_count(backend.read_uow(), admin, AuditFilter(action="user.")) == 4
    assert audit_queries.audit_actions(backend.read_uow(), admin) == [
        "login",
        "user.add",
        "user.deactivate",
    ]


def test_approver_rows_match_the_approvers_filter(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    with backend.uow() as uow:
        uow.audit(
            AuditRecord(
                "order.void", staff["admin"].id, approver_id=staff["manager"].id, reason="x"
            )
        )
        uow.commit()
    flt = AuditFilter(user_id=staff["manager"].id)
    rows = audit_queries.audit_page(backend.read_uow(), staff["admin"], flt)
    assert [(r.action, r.username, r.approver) for r in rows] == [
        ("order.void", "root", "boss"),
        ("login", "boss", ""),
    ]


def test_failed_log_in_of_an_unknown_user_names_the_attempt(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    with pytest.raises(Exception, match="Unknown username"):
        backend.staff.login("=cmd|' /C calc'!A0", "whatever whatever")
    row = audit_queries.audit_page(backend.read_uow(), staff["admin"])[0]
    assert row.action == "login.failed"
    assert row.who == "=cmd|' /C calc'!A0 (unknown)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (" =x", " =x"),
        (None, ""),
        (42, "42"),
    ],
)
def test_csv_safe(value: object, expected: str) -> None:
    assert csv_safe(value) == expected


def test_csv_export_is_formula_safe(
    backend: Backend, staff: dict[str, UserDTO], tmp_path: Path
) -> None:
    admin = staff["admin"]
    evil = users.add_user(backend.uow(), admin, "=HYPERLINK(1)", PW, "manager")
    with backend.uow() as uow:
        uow.audit(AuditRecord("order.void", evil.id, reason="@SUM(1+1)\n=2"))
        uow.commit()
    target = tmp_path / "audit.csv"
    count = audit_queries.export_audit_csv(backend.uow(), admin, None, target)
    assert count == 7
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read UTF-8
    with target.open(encoding="utf-8-sig", newline="") as handle:
        header, *records = list(csv.reader(handle))
    assert tuple(header) == audit_queries.CSV_HEADER
    assert [r[0] for r in records] == sorted((r[0] for r in records), key=int)  # oldest first
    void = records[-1]
    assert void[header.index("user")] == "'=HYPERLINK(1)"
    assert void[header.index("reason")] == "'@SUM(1+1)\n=2"
    added = records[-2]
    assert added[header.index("object")] == "user =HYPERLINK(1)"
    for record in records:
        for cell in record:
            assert not cell.startswith(audit_queries.FORMULA_PREFIXES), cell
    assert records[0][header.index("at_utc")].endswith("+00:00")


def test_export_reports_progress_and_cancels_without_a_file(
    backend: Backend, staff: dict[str, UserDTO], tmp_path: Path
) -> None:
    with backend.uow() as uow:
        for number in range(1_200):
            uow.audit(AuditRecord("test.bulk", staff["admin"].id, object_id=number))
        uow.commit()
    seen: list[int] = []

    def progress(done: int) -> bool:
        seen.append(done)
        return done < 1_000

    out = tmp_path / "out"
    out.mkdir()
    target = out / "audit.csv"
    with pytest.raises(ExportCancelledError, match="no file"):
        audit_queries.export_audit_csv(
            backend.uow(), staff["admin"], None, target, progress=progress
        )
    assert seen == [500, 1_000]
    assert list(out.iterdir()) == []

    def record(done: int) -> bool:
        seen.append(done)
        return True

    seen.clear()
    count = audit_queries.export_audit_csv(
        backend.uow(), staff["admin"], None, target, progress=record
    )
    assert count == 1_205
    assert seen == [500, 1_000, 1_205]
    assert [p.name for p in out.iterdir()] == ["audit.csv"]


def test_export_into_a_missing_folder_is_a_clear_error(
    backend: Backend, staff: dict[str, UserDTO], tmp_path: Path
) -> None:
    with pytest.raises(ServiceError, match="Cannot write to"):
        audit_queries.export_audit_csv(
            backend.uow(), staff["admin"], None, tmp_path / "nope" / "a.csv"
        )


def test_verify(backend: Backend, staff: dict[str, UserDTO]) -> None:
    report = audit_queries.verify_audit_chain(backend.read_uow(), staff["admin"])
    assert (report.ok, report.rows) == (True, 5)
    assert audit_queries.verify_audit_chain(backend.read_uow(), None).ok  # the command line


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_only_admins_read_the_audit_log(
    backend: Backend, staff: dict[str, UserDTO], role: str, tmp_path: Path
) -> None:
    actor = staff[role]
    if role == "cashier":  # deactivated in the fixture: make them active to test the role
        users.set_active(backend.uow(), staff["admin"], actor.id, True)
    for call in ACTION_CALLS.values():
        with pytest.raises(PermissionDeniedError, match="read audit log"):
            call(backend.read_uow(), actor, staff)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PermissionDeniedError):
        audit_queries.export_audit_csv(backend.uow(), actor, None, out / "a.csv")
    assert list(out.iterdir()) == []


def test_every_audit_query_is_registered() -> None:
    assert {k for k in ACTIONS if k.startswith("staff.audit.")} == set(ACTION_CALLS)
