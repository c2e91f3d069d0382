"""The shared background worker (posapp.ui.kit.worker) and the screens' thin dialogs over it."""

from __future__ import annotations

import errno
import logging
import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from posapp.reports.statement import RenderCancelledError
from posapp.services.coupons.dto import OperationCancelledError
from posapp.services.platform.errors import ServiceError
from posapp.ui.kit.worker import (
    Cancelled,
    Progress,
    Task,
    TaskCancelledError,
    TaskDialog,
    Work,
    run_task,
)

pytestmark = pytest.mark.ui
WAIT_MS = 5_000
WAIT_S = 5


def _start(qtbot: QtBot, dialog: TaskDialog) -> TaskDialog:
    qtbot.add_widget(dialog)
    dialog.show()
    dialog.start()
    return dialog


def _dialog(qtbot: QtBot, work: Work | Task, **options: Any) -> TaskDialog:
    return _start(qtbot, TaskDialog("Export", "Working…", work, **options))


def _waits_for_cancel(started: threading.Event, release: threading.Event) -> Work:
    """Work that runs until cancelled, then waits for ``release`` before saying it stopped."""

    def work(progress: Progress, cancelled: Cancelled) -> object:
        progress(1, 10)
        started.set()
        while not cancelled():
            release.wait(0.01)
        assert release.wait(WAIT_S)
        raise TaskCancelledError

    return work


def _close_button(dialog: TaskDialog) -> QDialogButtonBox.StandardButton:
    return dialog.buttons.standardButton(dialog.buttons.buttons()[0])


def test_progress_then_result(qtbot: QtBot) -> None:
    halfway, release = threading.Event(), threading.Event()

    def work(progress: Progress, cancelled: Cancelled) -> object:
        progress(1, 4)
        halfway.set()
        assert release.wait(WAIT_S)
        progress(4, 4)
        return "done"

    dialog = _dialog(qtbot, work)
    assert dialog.bar.maximum() == 0  # busy until the work says how much there is
    assert halfway.wait(WAIT_S)
    qtbot.wait_until(lambda: (dialog.bar.value(), dialog.bar.maximum()) == (1, 4))
    assert dialog.running
    with qtbot.wait_signal(dialog.accepted, timeout=WAIT_MS):
        release.set()
    assert (dialog.bar.value(), dialog.bar.maximum()) == (4, 4)
    assert dialog.result_value == "done"
    assert dialog.error == ""
    assert not dialog.running


def test_options_name_the_dialog(qtbot: QtBot) -> None:
    release = threading.Event()
    dialog = TaskDialog(
        "Export",
        "Writing <b>x</b>…",
        lambda _p, _c: release.wait(WAIT_S),
        steps=3,
        object_name="exportDialog",
        window_title="Export — posapp",
        progress_name="Export bar",
    )
    qtbot.add_widget(dialog)
    assert dialog.objectName() == "exportDialog"
    assert dialog.windowTitle() == "Export — posapp"
    assert dialog.bar.accessibleName() == "Export bar"
    assert dialog.bar.maximum() == 3
    assert dialog.label.textFormat() == Qt.TextFormat.PlainText
    assert dialog.error_label.textFormat() == Qt.TextFormat.PlainText
    default = TaskDialog("Report", "…", lambda _p, _c: None)
    qtbot.add_widget(default)
    assert (default.objectName(), default.windowTitle()) == ("taskDialog", "Report")
    assert default.bar.accessibleName() == "Report progress"
    dialog.show()
    with qtbot.wait_signal(dialog.accepted, timeout=WAIT_MS):
        dialog.start()
        release.set()


def test_service_error_stays_shown_with_a_close_button(qtbot: QtBot) -> None:
    def work(progress: Progress, cancelled: Cancelled) -> object:
        raise ServiceError("The store <b>was</b> closed.")

    dialog = _dialog(qtbot, work)
    qtbot.wait_until(lambda: not dialog.running, timeout=WAIT_MS)
    assert dialog.error == "The store <b>was</b> closed."
    assert dialog.isVisible()
    assert dialog.error_label.isVisible()
    assert dialog.error_label.text() == dialog.error
    assert not dialog.bar.isVisible()
    assert _close_button(dialog) == QDialogButtonBox.StandardButton.Close
    with qtbot.wait_signal(dialog.rejected, timeout=WAIT_MS):
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result_value is None


def test_failure_can_close_and_leave_the_error_to_the_caller(qtbot: QtBot) -> None:
    def work(progress: Progress, cancelled: Cancelled) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    dialog = TaskDialog("Save", "Saving…", work, keep_open_on_failure=False)
    with qtbot.wait_signal(dialog.rejected, timeout=WAIT_MS):
        _start(qtbot, dialog)
    assert dialog.error == "Cannot write the file: No space left on device"
    assert not dialog.isVisible()
    assert dialog.result_value is None


def test_unexpected_exception_is_logged_and_said_plainly(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    def work(progress: Progress, cancelled: Cancelled) -> object:
        raise KeyError("secret detail")

    caplog.set_level(logging.ERROR, logger="posapp.ui.kit.worker")
    dialog = _start(qtbot, TaskDialog("Export", "…", Task(work, name="test task")))
    qtbot.wait_until(lambda: not dialog.running, timeout=WAIT_MS)
    assert dialog.error == "Something went wrong; the details are in the log."
    assert "secret" not in dialog.error_label.text()
    [record] = [r for r in caplog.records if r.name == "posapp.ui.kit.worker"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "test task failed"
    assert record.exc_info is not None
    assert record.exc_info[0] is KeyError
    dialog.reject()


def test_escape_while_running_cancels_and_waits_for_the_worker(qtbot: QtBot) -> None:
    started, release = threading.Event(), threading.Event()
    dialog = _dialog(qtbot, _waits_for_cancel(started, release))
    assert started.wait(WAIT_S)
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.task.cancel_requested
    assert dialog.label.text() == "Cancelling… nothing will be kept."
    still_running = dialog.running  # the worker has not said it stopped: the dialog waits
    assert still_running
    assert dialog.isVisible()
    with qtbot.wait_signal(dialog.rejected, timeout=WAIT_MS):
        release.set()
    assert not dialog.running
    assert dialog.result_value is None
    assert dialog.error == ""


def test_cancel_button_while_running_uses_the_cancelling_text(qtbot: QtBot) -> None:
    started, release = threading.Event(), threading.Event()
    dialog = _dialog(
        qtbot, _waits_for_cancel(started, release), cancelling="Cancelling… nothing written."
    )
    assert started.wait(WAIT_S)
    QTest.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton
    )
    assert dialog.label.text() == "Cancelling… nothing written."
    with qtbot.wait_signal(dialog.rejected, timeout=WAIT_MS):
        release.set()


@pytest.mark.parametrize("error", [RenderCancelledError, OperationCancelledError])
def test_extra_cancel_types_mean_cancelled(qtbot: QtBot, error: type[Exception]) -> None:
    def work(progress: Progress, cancelled: Cancelled) -> object:
        raise error("stopped")

    dialog = TaskDialog("Export", "…", work, cancel_errors=(error,))
    with qtbot.wait_signal(dialog.task.signals.cancelled, timeout=WAIT_MS):
        _start(qtbot, dialog)
    assert not dialog.isVisible()
    assert dialog.error == ""
    assert dialog.result_value is None


def test_unlisted_cancel_type_is_a_failure(qtbot: QtBot) -> None:
    def work(progress: Progress, cancelled: Cancelled) -> object:
        raise OperationCancelledError("Stopped.")

    dialog = _dialog(qtbot, work)
    qtbot.wait_until(lambda: not dialog.running, timeout=WAIT_MS)
    assert dialog.error == "Stopped."  # a ServiceError like any other
    dialog.reject()


def test_abandoning_drops_the_late_result(qtbot: QtBot) -> None:
    started, release = threading.Event(), threading.Event()

    def work(progress: Progress, cancelled: Cancelled) -> object:
        started.set()
        assert release.wait(WAIT_S)
        return "late"

    dialog = _dialog(qtbot, work, wait_for_worker=False)
    assert started.wait(WAIT_S)
    with qtbot.wait_signal(dialog.rejected, timeout=WAIT_MS):
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.running
    with qtbot.wait_signal(dialog.task.signals.finished, timeout=WAIT_MS):
        release.set()
    assert dialog.result_value is None
    assert dialog.error == ""


def test_run_task_is_window_modal_and_returns_the_closed_dialog(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.add_widget(parent)

    def work(progress: Progress, cancelled: Cancelled) -> object:
        progress(3, 3)
        return 42

    dialog = run_task(parent, "Count", "Counting…", work)
    qtbot.add_widget(dialog)
    assert dialog.result_value == 42
    assert dialog.parent() is parent
    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    assert not dialog.isVisible()

    def fails(progress: Progress, cancelled: Cancelled) -> object:
        raise ServiceError("No.")

    failed = run_task(parent, "Count", "Counting…", fails, keep_open_on_failure=False)
    qtbot.add_widget(failed)
    assert (failed.result_value, failed.error) == (None, "No.")


# -- the screens' dialogs over the shared worker ------------------------------------------------
