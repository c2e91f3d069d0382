"""The audit view: keyset pages, filters by user, action and date, CSV export, verify."""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QModelIndex, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import PermissionDeniedError
from posapp.services.staff import audit as audit_queries
from posapp.services.staff import users
from posapp.services.staff.audit import ExportCancelledError
from posapp.ui.kit.bus import EventBus
from posapp.ui.staff.audit_model import AuditTableModel
from posapp.ui.staff.audit_view import AuditView
from posapp.ui.staff.tab import AUDIT_PAGE
from tests.ui.seed import PASSWORD
from tests.ui.users_support import make_users_tab

pytestmark = pytest.mark.ui

DAYS_AGO = 3


@pytest.fixture
def history(ui_backend: Backend, staff: dict[str, UserDTO]) -> dict[str, UserDTO]:
    """Three days ago the admin deactivated the cashier; today the manager logged in."""
    past = datetime.now(UTC) - timedelta(days=DAYS_AGO)
    ui_backend.clock = lambda: past
    users.set_active(ui_backend.uow(), staff["admin"], staff["cashier"].id, False)
    ui_backend.clock = lambda: datetime.now(UTC)
    ui_backend.staff.login("manager1", PASSWORD)
    with ui_backend.uow() as uow:
        uow.audit(
            AuditRecord(
                "order.void",
                staff["admin"].id,
                "order",
                42,
                approver_id=staff["manager"].id,
                reason='=HYPERLINK("http://x")',
            )
        )
        uow.commit()
    return staff


def make_view(qtbot: QtBot, backend: Backend, bus: EventBus, user: UserDTO) -> AuditView:
    view = AuditView(backend.staff, bus, user)
    qtbot.add_widget(view)
    view.resize(1200, 600)
    view.show()
    qtbot.wait_exposed(view)
    return view


def actions(view: AuditView) -> list[str]:
    return [view.model.row_at(row).action for row in range(view.model.rowCount())]


def test_model_passes_the_model_tester_while_fetching_pages(
    qtmodeltester, ui_backend: Backend, history: dict[str, UserDTO]
) -> None:
    admin = history["admin"]
    model = AuditTableModel()
    model.reset(
        lambda before: audit_queries.audit_page(
            ui_backend.read_uow(), admin, before_id=before, limit=2
        )
    )
    assert model.rowCount() == 2
    assert model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == audit_queries.audit_count(ui_backend.read_uow(), admin)
    ids = [model.row_at(row).id for row in range(model.rowCount())]
    assert ids == sorted(ids, reverse=True)


def test_the_view_shows_the_newest_rows_first(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, history: dict[str, UserDTO]
) -> None:
    view = make_view(qtbot, ui_backend, bus, history["admin"])
    assert actions(view) == [
        "order.void",
        "login",
        "user.deactivate",
        "user.add",
        "user.add",
        "user.add",
    ]
    assert view.count_label.text() == "6 rows"
    void = {
        view.model.headerData(c, Qt.Orientation.Horizontal): view.model.index(0, c).data()
        for c in range(view.model.columnCount())
    }
    assert void["USER"] == "admin1"
    assert void["APPROVER"] == "manager1"
    assert void["OBJECT"] == "order #42"
    assert void["REASON"] == '=HYPERLINK("http://x")'
    deactivate = view.model.index(2, 4).data()
    assert deactivate == "active: true → false"


def test_filters(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, history: dict[str, UserDTO]
) -> None:
    view = make_view(qtbot, ui_backend, bus, history["admin"])
    view.user_filter.setCurrentIndex(view.user_filter.findData(history["manager"].id))
    assert actions(view) == ["order.void", "login"]  # acted, or approved
    assert view.count_label.text() == "2 rows"
    view.user_filter.setCurrentIndex(0)
    view.action_filter.setCurrentIndex(view.action_filter.findData("user."))
    assert actions(view) == ["user.deactivate", "user.add", "user.add", "user.add"]
    view.action_filter.setCurrentIndex(view.action_filter.findData("user.deactivate"))
    assert actions(view) == ["user.deactivate"]
    view.action_filter.setCurrentIndex(0)

    view.period_filter.setCurrentIndex(1)  # today
    assert "user.deactivate" not in actions(view)
    assert "login" in actions(view)
    assert not view.from_edit.isVisible()
    view.period_filter.setCurrentIndex(4)  # custom dates
    assert view.from_edit.isVisible()
    past = QDate.currentDate().addDays(-DAYS_AGO)
    view.from_edit.setDate(past)
    view.to_edit.setDate(past)
    assert actions(view) == ["user.deactivate"]
    view.from_edit.setDate(past.addDays(-30))
    view.to_edit.setDate(past.addDays(-1))
    assert actions(view) == []
    assert view.count_label.text() == "0 rows"


def wait_for_task(qtbot: QtBot, view: AuditView, start: object) -> None:
    with qtbot.wait_signal(view.task_finished, timeout=10_000):
        if callable(start):
            start()


def test_csv_export_is_formula_safe(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, history: dict[str, UserDTO], tmp_path: Path
) -> None:
    view = make_view(qtbot, ui_backend, bus, history["admin"])
    view.action_filter.setCurrentIndex(view.action_filter.findData("order.void"))
    target = tmp_path / "audit.csv"
    wait_for_task(qtbot, view, lambda: view.export_csv(target))
    assert view.result_label.text() == "Exported 1 row to audit.csv."
    assert view.result_label.objectName() == "successLabel"
    assert not view.progress.isVisible()
    with target.open(encoding="utf-8-sig", newline="") as handle:
        header, *records = list(csv.reader(handle))
    assert len(records) == 1
    assert records[0][header.index("reason")] == '\'=HYPERLINK("http://x")'
    assert records[0][header.index("approver")] == "manager1"


def test_export_can_be_cancelled(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    history: dict[str, UserDTO],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = threading.Event()

    def slow_export(
        actor: object, flt: object, path: object, *, progress: Callable[[int], bool]
    ) -> int:
        done = 0
        while True:
            done += 1
            started.set()
            if not progress(done):
                raise ExportCancelledError("Export cancelled: no file was written.")
            time.sleep(0.005)

    # The facade's method is replaced (it holds the use case itself, not the module's name).
    monkeypatch.setattr(ui_backend.staff, "export_audit_csv", slow_export)
    view = make_view(qtbot, ui_backend, bus, history["admin"])
    view.export_csv(tmp_path / "out.csv")
    assert view.is_busy()
    assert view.progress.isVisible()
    assert view.cancel_button.isVisible()
    assert not view.export_button.isEnabled()
    assert started.wait(5)
    wait_for_task(
        qtbot, view, lambda: QTest.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    )
    assert view.result_label.text() == "Export cancelled: no file was written."
    assert not view.is_busy()
    assert view.export_button.isEnabled()
    assert not (tmp_path / "out.csv").exists()


def test_verify_chain_button(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, history: dict[str, UserDTO]
) -> None:
    view = make_view(qtbot, ui_backend, bus, history["admin"])
    wait_for_task(
        qtbot, view, lambda: QTest.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    )
    assert view.result_label.text() == "Chain intact: all 6 rows check out."
    assert view.result_label.objectName() == "successLabel"

    with ui_backend.database.engine.begin() as conn:  # behind the app's back
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        conn.exec_driver_sql("UPDATE audit_log SET reason = 'edited' WHERE id = 4")
    wait_for_task(qtbot, view, view.verify_chain)
    assert view.result_label.text() == "Tampering detected at row 4: its content was changed."
    assert view.result_label.objectName() == "errorLabel"


def test_verify_chain_button_shows_a_cut_log(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, history: dict[str, UserDTO], tmp_path: Path
) -> None:
    """Issue #16: rows removed from the end show against the anchor file, in the view too."""
    audit_queries.write_audit_anchor(ui_backend.read_uow(), history["admin"])
    with ui_backend.database.engine.begin() as conn:  # behind the app's back
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        conn.exec_driver_sql("DELETE FROM audit_log WHERE id > 4")
    view = make_view(qtbot, ui_backend, bus, history["admin"])
    view.resize(1100, 600)
    wait_for_task(
        qtbot, view, lambda: QTest.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    )
    text = view.result_label.text()
    assert text.startswith("Tampering detected: the log has 4 rows but the anchor in ")
    assert text.endswith("counts 6: its newest rows were removed.")
    assert view.result_label.objectName() == "errorLabel"
    view.grab().save(str(tmp_path / "audit-cut.png"))


def test_more_rows_arrive_as_the_view_scrolls(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    with ui_backend.uow() as uow:
        for number in range(450):
            uow.audit(AuditRecord("test.bulk", staff["admin"].id, object_id=number))
        uow.commit()
    view = make_view(qtbot, ui_backend, bus, staff["admin"])
    assert view.count_label.text() == "453 rows"
    assert view.model.rowCount() == audit_queries.PAGE_SIZE
    view.table.scrollToBottom()
    qtbot.wait_until(lambda: view.model.rowCount() > audit_queries.PAGE_SIZE)
    while view.model.canFetchMore(QModelIndex()):
        view.model.fetchMore(QModelIndex())
    assert view.model.rowCount() == 453


def test_only_admins_get_the_audit_log(
    qtbot: QtBot, ui_backend: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    admin_tab = make_users_tab(qtbot, ui_backend, bus, staff["admin"])
    assert admin_tab.audit_view is not None
    assert admin_tab.segments is not None
    admin_tab.show_page(AUDIT_PAGE)
    assert admin_tab.pages.currentWidget() is admin_tab.audit_view
    qtbot.wait_until(
        lambda: admin_tab.audit_view is not None and admin_tab.audit_view.model.rowCount() > 0
    )
    manager_tab = make_users_tab(qtbot, ui_backend, bus, staff["manager"])
    assert manager_tab.audit_view is None
    manager_tab.show_page(AUDIT_PAGE)
    assert manager_tab.pages.currentIndex() == 0
    with pytest.raises(PermissionDeniedError):
        audit_queries.audit_page(ui_backend.read_uow(), staff["manager"])
    # A manager who reaches the view anyway sees the services' refusal, not rows.
    view = make_view(qtbot, ui_backend, bus, staff["manager"])
    assert view.error_label.text() == "manager1 (manager) is not allowed to read audit log."
    assert view.model.rowCount() == 0
