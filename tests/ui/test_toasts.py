"""Toasts: plain text, never focused, stacked, coalesced and dismissed on time."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from posapp.ui.notifications.toasts import DEFAULT_DURATIONS_MS, MAX_VISIBLE, ToastArea

pytestmark = pytest.mark.ui


@pytest.fixture
def host(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.add_widget(widget)
    layout = QVBoxLayout(widget)
    widget.line_edit = QLineEdit(widget)  # type: ignore[attr-defined]
    layout.addWidget(widget.line_edit)  # type: ignore[attr-defined]
    layout.addStretch(1)
    widget.resize(900, 700)
    return widget


def test_markup_is_shown_literally(host: QWidget) -> None:
    area = ToastArea(host)
    area.show_toast("<b>x</b>", "<i>Ada</i> & <script>")
    (toast,) = area.toasts
    assert toast.title_label.text() == "<b>x</b>"
    assert toast.title_label.textFormat() == Qt.TextFormat.PlainText
    assert toast.body_label.text() == "<i>Ada</i> & <script>"
    assert toast.body_label.textFormat() == Qt.TextFormat.PlainText


def test_toasts_never_take_focus_from_the_focused_field(qtbot: QtBot, host: QWidget) -> None:
    line_edit: QLineEdit = host.line_edit  # type: ignore[attr-defined]
    area = ToastArea(host)
    host.show()
    host.activateWindow()
    qtbot.wait_until(host.isActiveWindow)
    line_edit.setFocus()
    qtbot.wait_until(line_edit.hasFocus)
    for level in ("info", "warning", "error"):
        area.show_toast("Order placed", "A-1", level)
    QTest.mouseClick(area.toasts[0], Qt.MouseButton.LeftButton)  # clicking dismisses it
    assert line_edit.hasFocus()
    assert QApplication.focusWidget() is line_edit
    for widget in (area, *area.toasts, *area.findChildren(QWidget)):
        assert widget.focusPolicy() == Qt.FocusPolicy.NoFocus, widget
    QTest.keyClicks(line_edit, "123")
    assert line_edit.text() == "123"


def test_toasts_sit_at_the_bottom_right_and_follow_resizes(qtbot: QtBot, host: QWidget) -> None:
    area = ToastArea(host)
    host.show()
    area.show_toast("One")
    area.show_toast("Two", "with a body")
    assert area.isVisible()
    assert area.geometry().right() == host.width() - 1
    assert area.geometry().bottom() == host.height() - 1
    first, second = area.toasts
    assert first.geometry().bottom() < second.geometry().top()  # newest nearest the corner
    host.resize(1100, 760)
    qtbot.wait_until(lambda: area.geometry().right() == 1099)
    assert area.geometry().bottom() == 759


def test_a_burst_shows_five_and_coalesces_the_rest(host: QWidget) -> None:
    area = ToastArea(host)
    for number in range(MAX_VISIBLE + 3):
        area.show_toast(f"Order {number} placed")
    assert [t.title for t in area.toasts] == [f"Order {n} placed" for n in range(MAX_VISIBLE)]
    assert area.overflow_count == 3
    more = area.findChild(QWidget, "toastMore")
    assert more is not None
    assert more.isVisibleTo(area)
    assert more.text() == "3 more…"  # type: ignore[attr-defined]


def test_toasts_dismiss_themselves(qtbot: QtBot, host: QWidget) -> None:
    area = ToastArea(host, durations_ms={"info": 30, "warning": 60, "error": 60})
    host.show()
    area.show_toast("Saved")
    area.show_toast("Low stock", level="warning")
    for _ in range(MAX_VISIBLE):
        area.show_toast("Burst")
    qtbot.wait_until(lambda: not area.toasts and area.overflow_count == 0, timeout=3_000)
    assert not area.isVisible()


def test_default_durations_give_problems_more_time() -> None:
    assert dict(DEFAULT_DURATIONS_MS) == {"info": 4_000, "warning": 8_000, "error": 8_000}


def test_each_toast_uses_the_duration_of_its_level(host: QWidget) -> None:
    area = ToastArea(host)
    area.show_toast("News")
    area.show_toast("Problem", level="error")
    assert [t.duration_ms for t in area.toasts] == [4_000, 8_000]


def test_unknown_level_is_refused(host: QWidget) -> None:
    area = ToastArea(host)
    with pytest.raises(ValueError, match="debug"):
        area.show_toast("x", level="debug")  # type: ignore[arg-type]
