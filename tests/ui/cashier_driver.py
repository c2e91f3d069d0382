"""A cashier at the keyboard: keys go only to the focused widget, and every key action is counted.

The acceptance flows of the register (issue #17) drive the real main window the way a cashier
does: each key, typed text or scan is sent to ``QApplication.focusWidget()`` — never to a widget
the test picked — so a scan that would land in the wrong place in the shop lands there in the
test too. Actions are counted by the issue's rule: typed text is one action per field, each
Enter, Tab, F-key or shortcut is one; a scan (the code and the scanner's Enter) is not counted.

A key may open a modal dialog, whose ``exec()`` blocks until the dialog closes. The steps
therefore run from single-shot timers (a new one per attempt, so they also fire inside the
dialog's own event loop), each waiting until its moment has come: a focused widget in the
active top window and the step's own condition, if it has one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from posapp.ui.main_window import MainWindow
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.view import RegisterView

NO_MOD = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
POLL_MS = 5
APPLE, BANANA, COFFEE, WATER, MUG = (  # barcodes of tests.checkout_seed's shop
    "4006381333931",
    "4006381333948",
    "5012345678900",
    "5012345678917",
    "5012345678924",
)


@dataclass
class _Step:
    kind: str  # "key", "type", "scan" or "check"
    act: Callable[[QWidget], None]
    label: str
    when: Callable[[], bool] | None = None
    counted: bool = True


@dataclass
class Cashier:
    """Queue what the cashier does, then :meth:`run` it; :attr:`actions` counts the key actions."""

    qtbot: QtBot
    steps: list[_Step] = field(default_factory=list)
    actions: int = 0
    scans: int = 0
    log: list[str] = field(default_factory=list)
    _failures: list[BaseException] = field(default_factory=list)
    _done: bool = False
    _deadline: float = 0.0

    # --- what the cashier does -----------------------------------------------------------------

    def press(
        self,
        key: Qt.Key,
        modifier: Qt.KeyboardModifier = NO_MOD,
        *,
        when: Callable[[], bool] | None = None,
    ) -> Cashier:
        """One key (with its modifier): one action."""
        name = _key_name(key, modifier)
        self.steps.append(_Step("key", lambda w: QTest.keyClick(w, key, modifier), name, when))
        return self

    def type(self, text: str, *, when: Callable[[], bool] | None = None) -> Cashier:
        """Text typed into the focused field: one action."""
        self.steps.append(_Step("type", lambda w: _keys(w, text), repr(text), when))
        return self

    def scan(self, code: str, *, when: Callable[[], bool] | None = None) -> Cashier:
        """A barcode scanner: the code and Enter into the focused widget; not a key action."""

        def act(widget: QWidget) -> None:
            _keys(widget, code)
            QTest.keyClick(QApplication.focusWidget() or widget, Qt.Key.Key_Return)

        self.steps.append(_Step("scan", act, f"scan {code}", when, counted=False))
        return self

    def check(
        self, what: Callable[[], object], *, when: Callable[[], bool] | None = None
    ) -> Cashier:
        """Run an assertion at this point of the flow (no key)."""

        def act(_widget: QWidget) -> None:
            what()

        self.steps.append(_Step("check", act, "check", when, counted=False))
        return self

    # --- running ---------------------------------------------------------------------------

    def run(self, timeout: int = 30_000) -> int:
        """Run the queued steps; return the key actions they took (and reset the queue)."""
        start = self.actions
        self._deadline = time.monotonic() + timeout / 1000
        self._done = False
        self._failures.clear()
        steps = list(self.steps)
        self.steps.clear()
        self._next(steps)
        self.qtbot.wait_until(lambda: self._done or bool(self._failures), timeout=timeout + 5_000)
        if self._failures:
            raise self._failures[0]
        return self.actions - start

    def _next(self, steps: list[_Step]) -> None:
        if not steps:
            self._done = True
            return
        QTimer.singleShot(POLL_MS, lambda: self._attempt(steps))

    def _attempt(self, steps: list[_Step]) -> None:
        if self._failures:
            return
        step = steps[0]
        if time.monotonic() > self._deadline:
            self._fail(AssertionError(f"stuck before {step.label}: {self.log[-5:]}"))
            return
        target = _ready_focus()
        if target is None or (step.when is not None and not step.when()):
            QTimer.singleShot(POLL_MS, lambda: self._attempt(steps))
            return
        steps.pop(0)
        self.log.append(f"{step.label} → {target.objectName() or type(target).__name__}")
        if step.counted:
            self.actions += 1
        if step.kind == "scan":
            self.scans += 1
        # The next step is scheduled first: this key may open a dialog and block in its exec().
        self._next(steps)
        try:
            step.act(target)
        except BaseException as exc:  # re-raised by run(), not lost in a Qt slot
            self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        """Record a failure and close the dialogs open: a test stuck in exec() never ends."""
        self._failures.append(exc)
        while isinstance(dialog := QApplication.activeModalWidget(), QDialog):
            dialog.done(0)
            dialog.hide()


def open_register(qtbot: QtBot, view: RegisterView) -> RegisterView:
    """Show a register alone at the main window's size, its scan field focused, no printing."""
    view.flow.receipt_sink = lambda _number, _pdf: None
    qtbot.add_widget(view)
    view.resize(1240, 720)
    view.show()
    view.activateWindow()
    qtbot.wait_until(view.scan_edit.hasFocus)
    return view


def register_of(window: MainWindow) -> RegisterView:
    """The register of a main window's Orders tab."""
    tab = window.tabs.widget(window.tab_keys().index("Orders"))
    assert isinstance(tab, OrdersTab)
    assert tab.register is not None
    return tab.register


def _keys(first: QWidget, text: str) -> None:
    """Type ``text`` key by key, each key to the widget focused at that moment (as a keyboard or
    a scanner does: a widget that passes the focus on mid-code gets only the first keys)."""
    for char in text:
        QTest.keyClicks(QApplication.focusWidget() or first, char)


def _key_name(key: Qt.Key, modifier: Qt.KeyboardModifier) -> str:
    """A readable name for the log ("Ctrl+Key_3")."""
    prefix = "Ctrl+" if modifier & CTRL else "Alt+" if modifier & ALT else ""
    return prefix + key.name


def _ready_focus() -> QWidget | None:
    """The focused widget when keys would reach it: in the active, topmost window.

    The offscreen platform of the tests does not always activate a window when a dialog opens or
    closes (a real window manager does): the top window is then activated here, which is what the
    cashier's screen does by itself, and no key is spent on it.
    """
    top = QApplication.activeModalWidget() or QApplication.activePopupWidget()
    active = QApplication.activeWindow()
    if top is not None and active is not top:
        top.activateWindow()
        return None
    if active is None:
        return None
    focus = QApplication.focusWidget()
    if focus is None or focus.window() is not active or not focus.isVisible():
        return None
    return focus
