"""The shared shape of a tab that is not built yet: a page header and an empty state."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtWidgets import QVBoxLayout, QWidget

from posapp.services.dto import UserDTO
from posapp.ui.bus import EventBus
from posapp.ui.ports import AppBackend
from posapp.ui.widgets import SPACING, EmptyState, PageHeader


class PlaceholderTab(QWidget):
    """A tab page showing its title and what will come there.

    Subclasses set the class attributes; their own issue later replaces the empty state with
    the real screen, keeping the ``(backend, bus, user)`` constructor.
    """

    TITLE: ClassVar[str] = ""
    SUBTITLE: ClassVar[str] = ""
    ICON: ClassVar[str] = "info"
    EMPTY_TITLE: ClassVar[str] = ""
    EMPTY_TEXT: ClassVar[str] = ""

    def __init__(
        self,
        backend: AppBackend,
        bus: EventBus,
        user: UserDTO,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.bus = bus
        self.user = user
        self.setObjectName(f"{type(self).__name__[0].lower()}{type(self).__name__[1:]}")
        self.setAccessibleName(self.TITLE)
        self.header = PageHeader(self.TITLE, self.SUBTITLE, self.ICON, self)
        self.empty_state = EmptyState(self.ICON, self.EMPTY_TITLE, self.EMPTY_TEXT, self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4 * SPACING, 3 * SPACING, 4 * SPACING, 3 * SPACING)
        layout.setSpacing(3 * SPACING)
        layout.addWidget(self.header)
        layout.addWidget(self.empty_state, 1)
