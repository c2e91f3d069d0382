"""The one UI operation runner (posapp.ui.kit.operation) and the screens' looks over it."""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from posapp.reports.statement import RenderCancelledError
from posapp.services.coupons.dto import OperationCancelledError
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.stock import StockApi
from posapp.ui.accounts import statement
from posapp.ui.coupons import tab as coupons_tab
from posapp.ui.kit.operation import Job, Operation, UserCancelledError, drain
from posapp.ui.kit.progress_dialog import DialogLook, ProgressDialog
from posapp.ui.register import till_view
from posapp.ui.stores import export as stock_export

pytestmark = pytest.mark.ui
WAIT_MS = 5_000
WAIT_S = 5


def _parent(qtbot: QtBot) -> QWidget:
    parent = QWidget()
    qtbot.add_widget(parent)
    return parent


def _op(qtbot: QtBot, work: Callable[[Job], Any], **options: Any) -> Operation[Any]:
    return Operation(_parent(qtbot), work, name="test task", **options)


def _dialog(op: Operation[Any]) -> ProgressDialog:
    assert op.dialog is not None
    return op.dialog


def _waits_for_cancel(
    started: threading.Event, release: threading.Event
) -> Callable[[Job], object]:
    """Work that runs until cancelled, then waits for ``release`` before saying it stopped."""

    def work(job: Job) -> object:
        job.progress(1, 10)
        started.set()
        while not job.cancelled():
            release.wait(0.01)
        assert release.wait(WAIT_S)
        raise UserCancelledError

    return work


def _close_button(dialog: ProgressDialog) -> QDialogButtonBox.StandardButton:
    return dialog.buttons.standardButton(dialog.buttons.buttons()[0])


def test_progress_then_result(qtbot: QtBot) -> None:
    halfway, release = threading.Event(), threading.Event()
    seen: list[tuple[int, int]] = []

    def work(job: Job) -> object:
        job.progress(1, 4)
        halfway.set()
        assert release.wait(WAIT_S)
        job.progress(4, 4)
        return "done"

    def full(_result: object) -> None:
        seen.append((dialog.bar.value(), dialog.bar.maximum()))

    op = _op(qtbot, work, success=full)
    dialog = _dialog(op.with_dialog("Export", "Working…"))
    op.run()
    assert dialog.bar.maximum() == 0  # busy until the work says how much there is
    assert halfway.wait(WAIT_S)
    qtbot.wait_until(lambda: (dialog.bar.value(), dialog.bar.maximum()) == (1, 4))
    assert op.running
    with qtbot.wait_signal(dialog.accepted, timeout=WAIT_MS):
        release.set()
    assert seen == [(4, 4)]  # the bar was full when the result arrived
    assert op.result == "done"
    assert op.error == ""
    assert not op.running


def test_looks_name_the_dialog(qtbot: QtBot) -> None:
    release = threading.Event()
    look = DialogLook(
        object_name="exportDialog",
        window_title="{title} — posapp",
        progress_name="Export bar",
    )
    op = _op(qtbot, lambda _job: release.wait(WAIT_S)).with_dialog(
        "Export", "Writing <b>x</b>…", look, steps=3
    )
    dialog = _dialog(op)
    assert dialog.objectName() == "exportDialog"
    assert dialog.windowTitle() == "Export — posapp"
    assert dialog.bar.accessibleName() == "Export bar"
    assert dialog.bar.maximum() == 3
    assert dialog.label.textFormat() == Qt.TextFormat.PlainText
    assert dialog.error_label.textFormat() == Qt.TextFormat.PlainText
    default = ProgressDialog("Report", "…")
    qtbot.add_widget(default)
    assert (default.objectName(), default.windowTitle()) == ("taskDialog", "Report")
    assert default.bar.accessibleName() == "Report progress"
    with qtbot.wait_signal(dialog.accepted, timeout=WAIT_MS):
        op.run()
        release.set()


def test_service_error_stays_shown_with_a_close_button(qtbot: QtBot) -> None:
    failures: list[str] = []

    def work(job: Job) -> object:
        raise ServiceError("The store <b>was</b> closed.")

    op = _op(qtbot, work, failure=failures.append).with_dialog("Export", "Working…").run()
    qtbot.wait_until(lambda: not op.running, timeout=WAIT_MS)
    dialog = _dialog(op)
    assert op.error == "The store <b>was</b> closed."
    assert failures == [op.error]
    assert dialog.isVisible()
    assert dialog.error_label.isVisible()
    assert dialog.error_label.text() == op.error
    assert not dialog.bar.isVisible()
    assert _close_button(dialog) == QDialogButtonBox.StandardButton.Close
    with qtbot.wait_signal(dialog.rejected, timeout=WAIT_MS):
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert op.result is None


def test_failure_can_close_and_leave_the_error_to_the_caller(qtbot: QtBot) -> None:
    failures: list[str] = []

    def work(job: Job) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    look = DialogLook(keep_open_on_failure=False)
    op = _op(qtbot, work, failure=failures.append).with_dialog("Save", "Saving…", look)
    dialog = _dialog(op)
    with qtbot.wait_signal(dialog.rejected, timeout=WAIT_MS):
        op.run()
    assert op.error == "Cannot write the file: No space left on device"
    assert failures == [op.error]
    assert not dialog.isVisible()
    assert op.result is None


def test_unexpected_exception_is_logged_and_said_plainly(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    def work(job: Job) -> object:
        raise KeyError("secret detail")

    caplog.set_level(logging.ERROR, logger="posapp.ui.kit.operation")
    op = _op(qtbot, work).with_dialog("Export", "…").run()
    qtbot.wait_until(lambda: not op.running, timeout=WAIT_MS)
    assert op.error == "Something went wrong; the details are in the log."
    assert "secret" not in _dialog(op).error_label.text()
    [record] = [r for r in caplog.records if r.name == "posapp.ui.kit.operation"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "test task failed"
    assert record.exc_info is not None
    assert record.exc_info[0] is KeyError
    _dialog(op).reject()


def test_escape_while_running_cancels_and_waits_for_the_worker(qtbot: QtBot) -> None:
    started, release = threading.Event(), threading.Event()
    cancelled: list[bool] = []
    op = _op(qtbot, _waits_for_cancel(started, release), cancelled=lambda: cancelled.append(True))
    dialog = _dialog(op.with_dialog("Export", "Working…").run())
    assert started.wait(WAIT_S)
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert op.cancel_requested
    assert dialog.label.text() == "Cancelling… nothing will be kept."
    still_running = op.running  # the worker has not said it stopped: the dialog waits
    assert still_running
    assert dialog.isVisible()
    with qtbot.wait_signal(dialog.rejected, timeout=WAIT_MS):
        release.set()
    assert not op.running
    assert cancelled == [True]
    assert op.result is None
    assert op.error == ""


def test_cancel_button_while_running_uses_the_cancelling_text(qtbot: QtBot) -> None:
    started, release = threading.Event(), threading.Event()
    look = DialogLook(cancelling="Cancelling… nothing written.")
    op = _op(qtbot, _waits_for_cancel(started, release)).with_dialog("Export", "…", look)
    dialog = _dialog(op.run())
    assert started.wait(WAIT_S)
    QTest.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton
    )
    assert dialog.label.text() == "Cancelling… nothing written."
    with qtbot.wait_signal(dialog.rejected, timeout=WAIT_MS):
        release.set()


@pytest.mark.parametrize("error", [RenderCancelledError, OperationCancelledError])
def test_extra_cancel_types_mean_cancelled(qtbot: QtBot, error: type[Exception]) -> None:
    cancelled: list[bool] = []

    def work(job: Job) -> object:
        raise error("stopped")

    op = _op(qtbot, work, cancel_errors=(error,), cancelled=lambda: cancelled.append(True))
    dialog = _dialog(op.with_dialog("Export", "…"))
    with qtbot.wait_signal(dialog.rejected, timeout=WAIT_MS):
        op.run()
    assert cancelled == [True]
    assert not dialog.isVisible()
    assert op.error == ""
    assert op.result is None


def test_unlisted_cancel_type_is_a_failure(qtbot: QtBot) -> None:
    def work(job: Job) -> object:
        raise OperationCancelledError("Stopped.")

    op = _op(qtbot, work).with_dialog("Export", "…").run()
    qtbot.wait_until(lambda: not op.running, timeout=WAIT_MS)
    assert op.error == "Stopped."  # a ServiceError like any other
    _dialog(op).reject()


def _after_every_report(qtbot: QtBot, parent: QWidget) -> None:
    """Return once every report posted so far has been handled (they arrive in order)."""
    marker = Operation(parent, lambda _job: None, name="marker").run()
    qtbot.wait_until(lambda: not marker.running, timeout=WAIT_MS)


def test_abandoning_drops_the_late_result(qtbot: QtBot) -> None:
    started, release = threading.Event(), threading.Event()
    outcomes: list[object] = []

    def work(job: Job) -> object:
        started.set()
        assert release.wait(WAIT_S)
        return "late"

    parent = _parent(qtbot)
    op = Operation(parent, work, name="late", success=outcomes.append, failure=outcomes.append)
    dialog = _dialog(op.with_dialog("Export", "…", DialogLook(wait_for_worker=False)).run())
    assert started.wait(WAIT_S)
    with qtbot.wait_signal(dialog.rejected, timeout=WAIT_MS):
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert not op.running
    assert op.abandoned
    release.set()
    assert op.wait(WAIT_S)  # the work returned "late" and posted it…
    _after_every_report(qtbot, parent)  # …and the report was dropped
    assert outcomes == []
    assert op.result is None
    assert op.error == ""


def _alive(widget: QWidget) -> bool:
    try:
        widget.objectName()
    except RuntimeError:
        return False
    return True


def test_a_closed_window_drops_the_outcome(qtbot: QtBot) -> None:
    started, release = threading.Event(), threading.Event()
    outcomes: list[object] = []
    window = QWidget()
    panel = QWidget(window)

    def work(job: Job) -> object:
        started.set()
        assert release.wait(WAIT_S)
        return "late"

    op = Operation(panel, work, name="late", success=outcomes.append).with_dialog("Export", "…")
    op.run()
    assert started.wait(WAIT_S)
    window.deleteLater()  # the window closes while the work runs
    qtbot.wait_until(lambda: not _alive(panel), timeout=WAIT_MS)
    release.set()
    assert op.wait(WAIT_S)
    _after_every_report(qtbot, _parent(qtbot))
    assert outcomes == []
    assert not op.running


def test_a_bug_in_abandoned_work_is_still_logged(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    started, release = threading.Event(), threading.Event()

    def work(job: Job) -> object:
        started.set()
        assert release.wait(WAIT_S)
        raise KeyError("late bug")

    caplog.set_level(logging.ERROR, logger="posapp.ui.kit.operation")
    parent = _parent(qtbot)
    op = Operation(parent, work, name="late task").run()
    assert started.wait(WAIT_S)
    op.abandon()
    release.set()
    assert op.wait(WAIT_S)
    _after_every_report(qtbot, parent)
    [record] = [r for r in caplog.records if r.name == "posapp.ui.kit.operation"]
    assert record.getMessage() == "late task failed after it was abandoned"
    assert record.exc_info is not None
    assert record.exc_info[0] is KeyError
    assert op.error == ""


def test_drain_stops_the_work_under_a_window_and_waits(qtbot: QtBot) -> None:
    started = threading.Event()
    outcomes: list[object] = []
    window = _parent(qtbot)
    panel = QWidget(window)

    def work(job: Job) -> object:
        job.progress(1, 2)
        started.set()
        while not job.cancelled():
            threading.Event().wait(0.01)
        job.check()
        return "never"

    op = Operation(panel, work, name="long", success=outcomes.append, cancelled=outcomes.clear)
    op.run()
    elsewhere = Operation(_parent(qtbot), lambda _job: 1, name="elsewhere").run()
    assert started.wait(WAIT_S)
    assert drain(window, WAIT_S)
    assert op.future is not None
    assert op.future.done()
    assert not op.running
    _after_every_report(qtbot, window)
    assert outcomes == []
    qtbot.wait_until(lambda: elsewhere.result == 1, timeout=WAIT_MS)  # not drained


def test_run_modal_is_window_modal_and_returns_when_the_dialog_has_closed(qtbot: QtBot) -> None:
    parent = _parent(qtbot)
    hidden: list[bool] = []

    def work(job: Job) -> object:
        job.progress(3, 3)
        return 42

    op = Operation(parent, work, name="count", success=lambda _r: hidden.append(True))
    dialog = _dialog(op.with_dialog("Count", "Counting…"))
    assert dialog.parent() is parent
    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    assert op.run_modal() is op
    assert op.result == 42
    assert hidden == [True]
    assert op.dialog is None  # closed, and deleted once the event loop runs

    def fails(job: Job) -> object:
        raise ServiceError("No.")

    look = DialogLook(keep_open_on_failure=False)
    failed = Operation(parent, fails, name="count").with_dialog("Count", "…", look).run_modal()
    assert (failed.result, failed.error) == (None, "No.")


def test_without_a_dialog_the_callbacks_say_it_all(qtbot: QtBot) -> None:
    seen: list[object] = []

    def work(job: Job) -> object:
        job.progress(2, 5)
        return "ok"

    op = _op(
        qtbot, work, success=seen.append, progress=lambda done, total: seen.append((done, total))
    ).run()
    qtbot.wait_until(lambda: not op.running, timeout=WAIT_MS)
    assert seen == [(2, 5), "ok"]
    with pytest.raises(RuntimeError, match="with_dialog"):
        _op(qtbot, lambda _job: None).run_modal()


def _objects() -> tuple[int, int]:
    app = QCoreApplication.instance()
    assert app is not None
    return len(app.findChildren(QObject)), len(QApplication.topLevelWidgets())


def test_operations_leave_no_objects_behind(qtbot: QtBot) -> None:
    parent = _parent(qtbot)
    Operation(parent, lambda _job: None, name="warm-up").with_dialog("Warm", "…").run_modal()
    qtbot.wait_until(lambda: not parent.findChildren(ProgressDialog), timeout=WAIT_MS)
    before, children = _objects(), len(parent.findChildren(QObject))

    def fails(job: Job) -> object:
        raise ServiceError("No.")

    for _ in range(50):
        Operation(parent, lambda job: job.progress(1, 1), name="plain").run().wait(WAIT_S)
        Operation(parent, lambda _job: 1, name="dialog").with_dialog("Count", "…").run()
        look = DialogLook(keep_open_on_failure=False)
        Operation(parent, fails, name="modal").with_dialog("Fail", "…", look).run_modal()
    qtbot.wait_until(lambda: not parent.findChildren(ProgressDialog), timeout=WAIT_MS)

    def nothing_grew() -> bool:  # "no more than before": other tests' objects may still go
        app_objects, windows = _objects()
        own = len(parent.findChildren(QObject))
        return own <= children and app_objects <= before[0] and windows <= before[1]

    qtbot.wait_until(nothing_grew)


def _census(parent: QWidget) -> tuple[int, int, int, int]:
    """Widgets anywhere, top-level widgets, QObjects under the application and under ``parent``."""
    app = QCoreApplication.instance()
    assert app is not None
    return (
        len(QApplication.allWidgets()),
        len(QApplication.topLevelWidgets()),
        len(app.findChildren(QObject)),
        len(parent.findChildren(QObject)),
    )


def test_every_ending_leaves_no_widgets_or_objects_behind(qtbot: QtBot) -> None:
    """Succeeded, failed (shown, then closed), cancelled and abandoned: 50 of each, no residue."""
    parent = _parent(qtbot)
    Operation(parent, lambda _job: None, name="warm-up").with_dialog("Warm", "…").run_modal()
    qtbot.wait_until(lambda: not parent.findChildren(ProgressDialog), timeout=WAIT_MS)
    before = _census(parent)

    def fails(job: Job) -> object:
        job.progress(1, 2)
        raise ServiceError("No.")

    def stops(job: Job) -> object:
        job.progress(1, 2)
        raise UserCancelledError

    for _ in range(50):
        done = Operation(parent, lambda job: job.progress(1, 1), name="plain").run()
        assert done.wait(WAIT_S)
        shown = Operation(parent, fails, name="shown").with_dialog("Fail", "…").run()
        dialog = _dialog(shown)
        qtbot.wait_until(dialog.error_label.isVisible, timeout=WAIT_MS)
        dialog.reject()  # the person reads the error and presses Close
        Operation(parent, stops, name="stops").with_dialog("Stop", "…").run_modal()
        started, release = threading.Event(), threading.Event()
        left = Operation(parent, _waits_for_cancel(started, release), name="left")
        left.with_dialog("Leave", "…").run()
        assert started.wait(WAIT_S)
        left.abandon()
        release.set()
        assert left.wait(WAIT_S)
    _after_every_report(qtbot, parent)
    qtbot.wait_until(lambda: not parent.findChildren(ProgressDialog), timeout=WAIT_MS)
    qtbot.wait_until(lambda: _census(parent) == before, timeout=WAIT_MS)


# -- the screens' looks and wording -----------------------------------------------------------


def test_the_accounts_look_and_wording(qtbot: QtBot) -> None:
    def work(job: Job) -> object:
        raise OSError(errno.EACCES, "Permission denied")

    parent = _parent(qtbot)
    failures: list[str] = []
    op = Operation(
        parent,
        work,
        name="statement",
        failure=failures.append,
        cancel_errors=(RenderCancelledError,),
        wording=statement.WORDING,
    ).with_dialog("Statement", "…", statement.LOOK)
    dialog = _dialog(op)
    assert dialog.objectName() == "accountsDialog"
    assert dialog.windowTitle() == "Statement — posapp"
    assert dialog.styleSheet()
    assert not dialog.bar.isTextVisible()
    with qtbot.wait_signal(dialog.rejected, timeout=WAIT_MS):
        op.run()
    assert failures == ["Cannot write the file: Permission denied."]


def test_the_coupons_look_keeps_its_name(qtbot: QtBot) -> None:
    op = _op(qtbot, lambda _job: None).with_dialog("Generate codes", "…", coupons_tab.LOOK)
    dialog = _dialog(op)
    assert dialog.objectName() == "couponTaskDialog"
    assert dialog.windowTitle() == "Generate codes"
    assert dialog.look.keep_open_on_failure


class _BlockingStock:
    """Just enough of StockApi for an export that is cancelled after reading the list."""

    def __init__(self) -> None:
        self.started, self.release = threading.Event(), threading.Event()

    def replenishment_list(self, actor: UserDTO, store_id: int) -> object:
        self.started.set()
        assert self.release.wait(WAIT_S)
        return object()


def test_export_cancel_writes_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    stock = _BlockingStock()
    target = tmp_path / "reorder.csv"
    op = stock_export.export_operation(
        _parent(qtbot), cast(StockApi, stock), cast(UserDTO, object()), 1, target, "csv", "…"
    )
    dialog = _dialog(op)
    assert dialog.windowTitle() == "Export replenishment list"
    assert dialog.bar.accessibleName() == "Export progress"
    assert dialog.bar.maximum() == stock_export.STEPS
    op.run()
    assert stock.started.wait(WAIT_S)
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.label.text() == "Cancelling… nothing will be written."
    with qtbot.wait_signal(dialog.rejected, timeout=WAIT_MS):
        stock.release.set()
    assert (op.result, op.error, op.running) == (None, "", False)
    assert not list(tmp_path.iterdir())


def test_the_sales_report_look_closes_on_failure_and_on_cancel_at_once(qtbot: QtBot) -> None:
    look = till_view.REPORT_LOOK
    op = _op(qtbot, lambda _job: b"%PDF").with_dialog("Sales report", "Adding up…", look)
    dialog = _dialog(op)
    assert dialog.objectName() == "orderTaskDialog"
    assert dialog.bar.accessibleName() == "Sales report"
    assert op.run_modal().result == b"%PDF"
    assert not op.error

    def fails(job: Job) -> object:
        raise ServiceError("Nothing was sold in that period.")

    failed = _op(qtbot, fails).with_dialog("Sales report", "…", look).run_modal()
    assert (failed.result, failed.error) == (None, "Nothing was sold in that period.")

    started, release = threading.Event(), threading.Event()

    def slow(job: Job) -> object:
        started.set()
        assert release.wait(WAIT_S)
        return b"%PDF"

    late = _op(qtbot, slow).with_dialog("Sales report", "…", look)
    slow_dialog = _dialog(late.run())
    assert started.wait(WAIT_S)
    with qtbot.wait_signal(slow_dialog.rejected, timeout=WAIT_MS):
        QTest.keyClick(slow_dialog, Qt.Key.Key_Escape)
    release.set()
    assert late.wait(WAIT_S)
    _after_every_report(qtbot, _parent(qtbot))
    assert (late.result, late.error) == (None, "")
