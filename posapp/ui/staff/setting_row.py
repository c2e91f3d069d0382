"""One row of Admin users → Settings: name and description left; editor, bounds, error right."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QLayout, QVBoxLayout, QWidget

from posapp.i18n import _
from posapp.ui.kit.widgets import SPACING, message_label, plain_label


def lay_out_row(
    row: QWidget, name: str, description: str, editor: QLayout, bounds: QLabel
) -> QLabel:
    """Lay ``row`` out as a settings row; return its error label (hidden until it has text).

    Args:
        row: The row's widget (the layout is set on it).
        name: The setting's name, in bold.
        description: One line saying what it does, under the name.
        editor: The editor and what goes beside it.
        bounds: What it accepts, under the editor.
    """
    title = plain_label(name, row)
    title.setProperty("role", "field")
    about = plain_label(description, row, "fieldHint")
    about.setWordWrap(True)
    error = message_label("fieldError", row)
    error.setAccessibleName(_("{name}: error").format(name=name))
    words = QVBoxLayout()
    words.setSpacing(SPACING // 2)
    words.addWidget(title)
    words.addWidget(about)
    words.addStretch(1)
    grid = QGridLayout(row)
    grid.setContentsMargins(0, 2 * SPACING, 0, 2 * SPACING)
    grid.setHorizontalSpacing(4 * SPACING)
    grid.setVerticalSpacing(SPACING // 2)
    grid.setColumnStretch(0, 4)
    grid.setColumnStretch(1, 5)
    grid.addLayout(words, 0, 0, 3, 1)
    grid.addLayout(editor, 0, 1)
    grid.addWidget(bounds, 1, 1)
    grid.addWidget(error, 2, 1)
    grid.setRowStretch(3, 1)
    return error
