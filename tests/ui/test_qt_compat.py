"""The PySide6 6.12.0 emit() workaround keeps the ``True`` singleton alive."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal

from posapp.ui.kit import qt_compat

pytestmark = pytest.mark.ui


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


def test_installed_pyside_emit_keeps_true_alive() -> None:
    """pyproject excludes PySide6 6.12.0; a plain emit() must not leak a reference to True."""
    emitter = _Emitter()
    emitter.changed.connect(lambda _value: None)
    before = sys.getrefcount(True)
    for number in range(10_000):
        emitter.changed.emit(number)
    assert sys.getrefcount(True) >= before - 10
