"""The plain dialogs' frame: OK/Cancel buttons and the column they close.

Most small dialogs (a value, a manager's approval, a cash movement, a report period) are a column
of fields with an error banner (:func:`~posapp.ui.kit.widgets.message_label`) and OK/Cancel at the
bottom, inside margins of three grid units; these two functions build that frame.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLayout, QVBoxLayout, QWidget

from posapp.ui.kit.widgets import SPACING

Ok = QDialogButtonBox.StandardButton.Ok
Save = QDialogButtonBox.StandardButton.Save
Cancel = QDialogButtonBox.StandardButton.Cancel


def dialog_buttons(
    dialog: QDialog,
    on_ok: Callable[[], object],
    ok_text: str = "",
    *,
    ok: QDialogButtonBox.StandardButton = Ok,
) -> QDialogButtonBox:
    """Return ``ok`` (OK by default, called ``ok_text`` if given) and Cancel for ``dialog``.

    OK calls ``on_ok``, which accepts the dialog when what was typed is right; Cancel rejects it.
    """
    buttons = QDialogButtonBox(ok | Cancel, dialog)
    if ok_text:
        buttons.button(ok).setText(ok_text)
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    return buttons


def dialog_column(
    dialog: QDialog,
    *parts: QWidget | QLayout,
    bottom: int = 3 * SPACING,
    spacing: int | None = None,
) -> QVBoxLayout:
    """Lay ``parts`` out top to bottom in ``dialog``, ``bottom`` px above its lower edge.

    ``spacing`` is the gap between parts (None: the style's).
    """
    column = QVBoxLayout(dialog)
    column.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, bottom)
    if spacing is not None:
        column.setSpacing(spacing)
    for part in parts:
        if isinstance(part, QLayout):
            column.addLayout(part)
        else:
            column.addWidget(part)
    return column
