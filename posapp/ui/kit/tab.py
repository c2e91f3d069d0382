"""The main window's tabs: each is built from the backend, the bus and the signed-in user.

The main window makes every tab the same way (``TabSpec.factory`` in ``main_window``); a tab
names itself (:attr:`Tab.OBJECT_NAME`, and :attr:`Tab.TITLE`, its accessible name) and builds
its content in :meth:`Tab.build`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from PySide6.QtWidgets import QWidget

from posapp.services.platform.dto import UserDTO
from posapp.ui.kit.bus import EventBus

if TYPE_CHECKING:
    from posapp.services.backend import Backend


class Tab(QWidget):
    """A tab of the main window (a screen of one feature)."""

    OBJECT_NAME: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""

    def __init__(
        self, backend: Backend, bus: EventBus, user: UserDTO, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(self.OBJECT_NAME)
        self.setAccessibleName(self.TITLE)
        self.backend, self.bus, self.user = backend, bus, user
        self.build()

    def build(self) -> None:
        """Build the tab's widgets, actions and connections (called once, by ``__init__``)."""
        raise NotImplementedError
