"""Workarounds for defects of the installed Qt binding, each checking whether it is needed.

PySide6 6.12.0: ``SignalInstance.emit()`` returns ``True`` without taking a reference to it, so
every emit from Python drops one reference to the ``True`` singleton. Python 3.11 does not make
``True`` immortal (3.12 does), and it starts with a few thousand references: a register that
emits a few thousand signals from Python dies with "Fatal Python error: bool_dealloc". 6.11.2 is
not affected. :func:`emit` gives the reference back, but only when a probe at import time shows
that this binding drops it, so a fixed PySide6 turns the workaround off by itself.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Final

from PySide6.QtCore import QObject, Signal, SignalInstance

_PROBE_EMITS: Final = 16


class _Probe(QObject):
    fired = Signal()


def _give_back_true(count: int) -> None:
    """Add ``count`` references to ``True`` (harmless if too many: it is never freed)."""
    for _ in range(count):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))


def _emit_drops_true() -> bool:
    """Emit a few times and see whether ``True`` lost one reference per emit."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBE_EMITS):
        probe.fired.emit()
    lost = before - sys.getrefcount(True)
    if lost > 0:
        _give_back_true(lost)
    return lost >= _PROBE_EMITS


EMIT_DROPS_TRUE: Final = _emit_drops_true()
"""Whether this PySide6 has the ``emit()`` reference bug (then :func:`emit` works around it)."""


def emit(signal: SignalInstance, *args: object) -> None:
    """Emit ``signal`` with ``args``; use this instead of ``signal.emit(...)`` in posapp.

    Workaround for PySide6 6.12.0's ``SignalInstance.emit()`` dropping a reference to ``True``
    (see the module docstring). Remove it once ``PySide6-Essentials!=6.12.0`` is required.
    """
    signal.emit(*args)
    if EMIT_DROPS_TRUE:
        _give_back_true(1)
