"""The session: log in, log out, log in again; the app quits when the user is done."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.ui.app_runner import OPEN_FAILED_MESSAGE, Opening, SessionController
from posapp.ui.kit.bus import EventBus
from posapp.ui.login_dialog import LoginDialog
from posapp.ui.main_window import MainWindow
from tests.ui.helpers import log_in
from tests.ui.seed import PASSWORD

pytestmark = pytest.mark.ui


@pytest.fixture
def session(ui_backend: Backend, bus: EventBus) -> Iterator[SessionController]:
    # The controller owns (and deletes) its dialog and windows, so they are not add_widget'ed.
    controller = SessionController(ui_backend, bus)
    yield controller
    controller.shutdown()


def _dialog(session: SessionController) -> LoginDialog:
    dialog = session.login_dialog
    assert dialog is not None
    return dialog


def _window(session: SessionController) -> MainWindow:
    window = session.main_window
    assert window is not None
    return window


def test_log_in_log_out_and_log_in_again(
    qtbot: QtBot, session: SessionController, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    session.start()
    assert bus.is_held()  # nobody listens yet
    log_in(qtbot, _dialog(session), "cashier1", PASSWORD)
    qtbot.wait_until(lambda: session.main_window is not None)
    window = _window(session)
    assert window.user.username == "cashier1"
    assert not bus.is_held()  # the window flushed what was held (the log-in)

    with qtbot.assert_not_emitted(session.finished):
        window.logout_action.trigger()
    qtbot.wait_until(lambda: session.login_dialog is not None)
    assert session.main_window is None
    assert bus.is_held()

    log_in(qtbot, _dialog(session), "admin1", PASSWORD)
    qtbot.wait_until(lambda: session.main_window is not None)
    assert _window(session).user.username == "admin1"


def test_cancelling_the_login_finishes(qtbot: QtBot, session: SessionController) -> None:
    session.start()
    with qtbot.wait_signal(session.finished):
        _dialog(session).reject()
    assert session.login_dialog is None


def test_closing_the_main_window_finishes(
    qtbot: QtBot, session: SessionController, staff: dict[str, UserDTO]
) -> None:
    session.start()
    log_in(qtbot, _dialog(session), "manager1", PASSWORD)
    qtbot.wait_until(lambda: session.main_window is not None)
    window = _window(session)
    with qtbot.wait_signal(session.finished):
        window.close()


class _Opened:
    """What a real opener returns: the backend, and a stop() that is counted."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.stops = 0

    def stop(self) -> None:
        self.stops += 1


@pytest.fixture
def opening_session(bus: EventBus) -> Iterator[SessionController]:
    controller = SessionController(None, bus)  # the database is not open yet
    yield controller
    controller.shutdown()


def test_the_database_opens_behind_the_login_window(
    qtbot: QtBot,
    opening_session: SessionController,
    ui_backend: Backend,
    bus: EventBus,
    staff: dict[str, UserDTO],
) -> None:
    opened = _Opened(ui_backend)
    calls: list[EventBus] = []

    def opener(given: EventBus) -> _Opened:
        calls.append(given)
        return opened

    opening = Opening(opener, bus, opening_session)
    assert opening.wait() is None  # not started: nothing to stop
    opening_session.start()
    opening.start()
    opening.start()  # the first paint comes once, but a second start changes nothing
    qtbot.wait_until(lambda: not opening.operation.running, timeout=5_000)
    assert calls == [bus]
    log_in(qtbot, _dialog(opening_session), "cashier1", PASSWORD)  # the backend arrived
    qtbot.wait_until(lambda: opening_session.main_window is not None)
    assert opening.wait() is opened


@pytest.mark.parametrize(
    "error", [ServiceError("The database is newer than this posapp."), KeyError("bug")]
)
def test_a_database_that_cannot_open_is_said_in_the_login_window(
    qtbot: QtBot,
    opening_session: SessionController,
    bus: EventBus,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    error: Exception,
) -> None:
    def opener(_bus: EventBus) -> _Opened:
        raise error

    opening = Opening(opener, bus, opening_session)
    opening_session.start()
    dialog = _dialog(opening_session)
    opening.start()
    qtbot.wait_until(lambda: not opening.operation.running, timeout=5_000)
    assert not dialog.sign_in_button.isEnabled()
    assert opening.wait() is None
    if isinstance(error, ServiceError):
        assert dialog.error_label.text() == str(error)
        assert f"posapp: error: {error}" in capsys.readouterr().err
    else:
        assert dialog.error_label.text() == OPEN_FAILED_MESSAGE
        [record] = [r for r in caplog.records if r.name == "posapp.ui.app_runner"]
        assert record.getMessage() == "opening the database failed"
        assert record.exc_info is not None


def test_start_up_imports_stay_light() -> None:
    code = (
        "import sys, posapp.ui.app_runner\n"
        "heavy = ['reportlab', 'posapp.ui.main_window', 'posapp.ui.orders.tab']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
