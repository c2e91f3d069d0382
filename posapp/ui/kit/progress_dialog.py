"""The progress dialog of a long operation: what runs, a bar, Cancel (Esc), and the error if any.

The dialog only shows; :class:`~posapp.ui.kit.operation.Operation` drives it. A
:class:`DialogLook` (a few lines of data) gives each screen its names and choices: the object
name, whether an error stays shown in the dialog, whether Cancel waits for the work to stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import N_, _
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.resources import styled
from posapp.ui.kit.widgets import SPACING

KEPT_NOTHING: Final = N_("Cancelling… nothing will be kept.")


@dataclass(frozen=True, slots=True)
class DialogLook:
    """How one kind of progress dialog is named and behaves.

    Attributes:
        object_name: the dialog's object name (for stylesheets and tests).
        window_title: the window title; ``{title}`` stands for the operation's title.
        progress_name: the bar's accessible name; ``{title}`` as above.
        status: the line shown as progress arrives (``{done}`` and ``{total}``); empty keeps
            the line the dialog opened with.
        cancelling: the line shown while Cancel waits for the work to stop.
        keep_open_on_failure: show an error in the dialog with a Close button (True), or close
            at once and leave the message to the screen's failure callback.
        wait_for_worker: on Cancel, ask the work to stop and stay open until it has (True: the
            work checks ``cancelled()``), or close at once and drop the late result (False: for
            work that cannot be interrupted, e.g. a reportlab page).
        bar_text: whether the bar shows its percentage.
        sheets: the stylesheets set on the dialog (``resources/NAME.qss``, in order), for a
            screen whose dialogs wear its own rules.
    """

    object_name: str = "taskDialog"
    window_title: str = "{title}"
    progress_name: str = N_("{title} progress")
    status: str = ""
    cancelling: str = KEPT_NOTHING
    keep_open_on_failure: bool = True
    wait_for_worker: bool = True
    bar_text: bool = True
    sheets: tuple[str, ...] = ()


PLAIN: Final = DialogLook()
"""The look of a dialog that no screen dresses (the application's stylesheet only)."""


class ProgressDialog(QDialog):
    """A progress bar under a line of text, with Cancel; shows an error with Close if asked.

    Cancel, Esc and the close button all emit :attr:`cancel_requested` while the work runs (the
    operation decides what happens); once it is over they close the dialog.

    Signals:
        cancel_requested(): the person asked the running work to stop.
    """

    cancel_requested = Signal()

    def __init__(
        self,
        title: str,
        what: str,
        look: DialogLook = PLAIN,
        parent: QWidget | None = None,
        *,
        steps: int = 0,
    ) -> None:
        super().__init__(parent)
        self.look = look
        self.running = False
        self.setObjectName(look.object_name)
        self.setWindowTitle(_(look.window_title).replace("{title}", title))
        self.setMinimumWidth(52 * SPACING)
        self.label = self._plain_label(what)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, steps)
        self.bar.setTextVisible(look.bar_text)
        self.bar.setAccessibleName(_(look.progress_name).replace("{title}", title))
        self.error_label = self._plain_label("")
        self.error_label.setObjectName("errorLabel")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.rejected.connect(self._on_buttons_rejected)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 2 * SPACING)
        layout.setSpacing(2 * SPACING)
        for widget in (self.label, self.bar, self.error_label, self.buttons):
            layout.addWidget(widget)
        if look.sheets:
            styled(self, *look.sheets)

    def _plain_label(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        return label

    def set_progress(self, done: int, total: int) -> None:
        """Move the bar (``total`` 0: as far as ``done``) and reword the line if the look says."""
        self.bar.setRange(0, max(1, total, done))
        self.bar.setValue(done)
        if self.look.status:
            self.label.setText(self.look.status.format(done=done, total=total))

    def show_cancelling(self) -> None:
        """Say that the work was asked to stop."""
        self.label.setText(_(self.look.cancelling))

    def show_error(self, message: str) -> None:
        """Show ``message`` in place of the bar, with a Close button."""
        self.error_label.setText(message)
        self.error_label.show()
        self.bar.hide()
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)

    @Slot()
    def _on_buttons_rejected(self) -> None:
        if self.running:
            emit(self.cancel_requested)
        else:
            super().reject()

    @override
    def reject(self) -> None:
        """Esc or the close button: the same as Cancel."""
        self._on_buttons_rejected()

    def close_rejected(self) -> None:
        """Close as rejected (the work stopped, failed or was abandoned)."""
        super().reject()
