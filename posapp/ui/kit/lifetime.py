"""One use of a dialog: run it, read what it holds, then destroy it with every connection.

A dialog built with a parent lives as long as the parent unless someone deletes it: a modal
dialog that is ``exec()``-ed and forgotten stays behind as a hidden top-level window, its
children, shortcuts and timers, and the Python callables its signals are connected to (lambdas
that hold the dialog, the flow, the cart). One sale's payment dialog left behind cost ~85
QObjects and ~2 MB, and every later dialog opened slower past the hidden windows (issue #17).

Every dialog, picker and message box the UI opens goes through one of the two helpers here:

- :func:`one_use` for ``exec()``: ``with one_use(SomeDialog(..., parent)) as dialog:`` runs the
  block, reads what the dialog holds, and destroys the dialog when the block ends, at once, the
  way a C++ dialog on the stack is (Qt's own ``QMessageBox::question`` and ``QFileDialog``
  statics do exactly this). Destroying the C++ object drops its connections, so the Python
  callables they held are released with it.
- :func:`open_once` for ``open()`` of a dialog that outlives the call that opens it
  (window-modal): its ``finished`` signal, which ``accept()``, ``reject()`` and ``done()`` all
  emit, deletes it (``deleteLater``: the slots connected before it still read it). Not
  ``WA_DeleteOnClose``: with it, deleting the product editor crashed the tests now and then
  (a segmentation fault when the deferred deletion ran).

A dialog that is already gone when the block ends (its parent closed first) is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QWidget

W = TypeVar("W", bound=QWidget)
D = TypeVar("D", bound=QDialog)


def dispose(obj: QObject) -> None:
    """Destroy ``obj`` now (its children and connections with it), unless it is gone already.

    Only for an object nothing on the call stack is still inside: a dialog whose ``exec()``
    has returned, say. Anything else uses ``deleteLater()``.
    """
    if shiboken6.isValid(obj):
        if isinstance(obj, QWidget):
            obj.hide()
        shiboken6.delete(obj)


@contextmanager
def one_use(dialog: W) -> Iterator[W]:
    """Yield ``dialog`` for one ``exec()`` and what is read from it; destroy it afterwards.

    Example::

        with one_use(PaymentDialog(total, submit, parent=view)) as dialog:
            dialog.exec()
            placed = dialog.placed
    """
    try:
        yield dialog
    finally:
        dispose(dialog)


def open_once(dialog: D) -> D:
    """Open ``dialog`` window-modally (``open()``); it is deleted once it has finished."""
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
