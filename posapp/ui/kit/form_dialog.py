"""The form dialog of the Accounts and Admin users screens: a title, fields, an error banner.

Every such dialog calls its service when the main button is pressed and stays open with the
service's one-line message under the fields when it refuses, so a mistake is corrected in place
and nothing is half-written. The screens' dialogs differ only in measurements and stylesheets,
which a :class:`FormLook` holds; the behaviour is written once here.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from typing_extensions import override

from posapp.i18n import _
from posapp.ui.kit.resources import styled
from posapp.ui.kit.session import error_text
from posapp.ui.kit.widgets import SPACING, message_label, plain_label, show_message


@dataclass(frozen=True, slots=True)
class FormLook:
    """How one screen's form dialogs are laid out and dressed (values only)."""

    object_name: str
    """The dialog's object name: its stylesheet's ``QDialog#…`` rule (tests find it by it)."""
    sheets: tuple[str, ...]
    """The stylesheets set on the dialog (``resources/NAME.qss``), in order."""
    width: int
    """The fixed width, px."""
    intro_gap: int
    """Space between the text under the title and the info banner or first field."""
    field_gap: int
    """Space above each field's label."""
    label_gap: int
    """Space between a field's label and the field."""
    field_min_height: int = 0
    """Every field at least this tall (0: its own size hint)."""
    hint_line_always: bool = False
    """Every field keeps a line for a hint, so the dialog can show one later (a role's rule)."""
    fit_height: bool = False
    """Be exactly as tall as the content at the fixed width (word-wrapped texts included)."""


class FormDialog(QDialog):
    """A titled form with an info banner, an error banner and Cancel / main buttons.

    Subclasses add fields with :meth:`add_field` and implement :meth:`submit`, which raises a
    ``ServiceError`` to refuse; the dialog accepts when it returns. The info banner
    (:attr:`info_label`) stays hidden unless a subclass shows something in it.
    """

    look: FormLook
    """Set by each screen's subclass."""

    def __init__(
        self,
        title: str,
        text: str,
        action_text: str,
        parent: QWidget | None = None,
        *,
        danger: bool = False,
    ) -> None:
        super().__init__(parent)
        look = self.look
        self.setObjectName(look.object_name)
        self.setWindowTitle(f"{title} — posapp")
        self.setModal(True)
        self.setFixedWidth(look.width)
        styled(self, *look.sheets)
        self.title_label = plain_label(title, self, "dialogTitle")
        self.text_label = plain_label(text, self, "dialogText")
        self.text_label.setWordWrap(True)
        self.text_label.setVisible(bool(text))
        self.info_label = message_label("infoLabel", self)
        self.error_label = message_label("errorLabel", self)
        self.error_label.setAccessibleName(_("Error"))
        self.cancel_button = QPushButton(_("Cancel"), self)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setToolTip(_("Close without changing anything (Esc)"))
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button = QPushButton(action_text, self)
        self.ok_button.setObjectName("okButton")
        self.ok_button.setProperty("variant", "dangerPrimary" if danger else "primary")
        self.ok_button.setDefault(True)
        self.ok_button.setToolTip(_("{action} (Enter)").format(action=action_text))
        self.ok_button.clicked.connect(self._on_ok_button_clicked)

        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(4 * SPACING, 4 * SPACING, 4 * SPACING, 3 * SPACING)
        layout.setSpacing(0)
        layout.addWidget(self.title_label)
        layout.addSpacing(SPACING // 2)
        layout.addWidget(self.text_label)
        if look.intro_gap:
            layout.addSpacing(look.intro_gap)
        layout.addWidget(self.info_label)
        self.fields = QVBoxLayout()
        self.fields.setSpacing(0)
        layout.addLayout(self.fields)
        layout.addSpacing(2 * SPACING)
        layout.addWidget(self.error_label)
        layout.addSpacing(2 * SPACING)
        buttons = QHBoxLayout()
        buttons.setSpacing(SPACING)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        layout.addLayout(buttons)

    def add_field(self, label: str, widget: QWidget, hint: str = "") -> QLabel:
        """Add a bold label (``&`` marks the Alt key that focuses ``widget``), the widget, a hint.

        Returns:
            The hint's label (``fieldHint``), hidden while it has no text.
        """
        look = self.look
        caption = QLabel(label, self)
        caption.setProperty("role", "field")
        caption.setBuddy(widget)
        widget.setAccessibleName(label.replace("&", ""))
        if look.field_min_height:
            widget.setMinimumHeight(look.field_min_height)
        note = plain_label(hint, self, "fieldHint")
        note.setWordWrap(True)
        note.setVisible(bool(hint))
        if hint:
            widget.setAccessibleDescription(hint)
        self.fields.addSpacing(look.field_gap)
        self.fields.addWidget(caption)
        self.fields.addSpacing(look.label_gap)
        self.fields.addWidget(widget)
        if hint or look.hint_line_always:
            self.fields.addSpacing(SPACING // 2)
        self.fields.addWidget(note)
        return note

    def show_error(self, message: str) -> None:
        """Show ``message`` in the error banner ("" hides it)."""
        show_message(self.error_label, message)
        self._fit_height()

    def _fit_height(self) -> None:
        """Fit the height to the content when the look asks for it.

        A box layout sizes word-wrapped labels by a guessed width, which cuts a long summary;
        height-for-width at the dialog's real width is exact (as in the login dialog).
        """
        if not self.look.fit_height:
            return
        self.ensurePolished()
        layout = self._layout
        if layout.hasHeightForWidth():
            self.setFixedHeight(layout.totalHeightForWidth(self.look.width))

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_height()

    def submit(self) -> None:
        """Do the dialog's action; raise a ``ServiceError`` to refuse (the dialog stays open)."""
        raise NotImplementedError

    @Slot()
    def _on_ok_button_clicked(self) -> None:
        self.show_error("")
        try:
            self.submit()
        except Exception as exc:  # error_text logs what is not a ServiceError (a bug)
            self.show_error(error_text(self, exc))
            return
        self.accept()
