"""The PySide6 6.12.0 emit() workaround keeps the ``True`` singleton alive."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Signal

from posapp.ui import qt_compat

pytestmark = pytest.mark.ui

UI_PACKAGE = Path(qt_compat.__file__).parent


class _Emitter(QObject):
    changed = Signal(object)


def test_emit_does_not_drop_references_to_true() -> None:
    emitter = _Emitter()
    received: list[object] = []
    emitter.changed.connect(received.append)
    before = sys.getrefcount(True)
    for number in range(1_000):
        qt_compat.emit(emitter.changed, number)
    assert len(received) == 1_000
    # Other code may take a few references meanwhile; the bug would lose 1,000.
    assert sys.getrefcount(True) >= before - 10


def test_ui_code_emits_only_through_the_workaround() -> None:
    offenders = [
        f"{path.relative_to(UI_PACKAGE)}:{number}"
        for path in UI_PACKAGE.rglob("*.py")
        if path.name != "qt_compat.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\.emit\(", line)
    ]
    assert offenders == [], "use posapp.ui.qt_compat.emit(signal, ...) instead of .emit()"
