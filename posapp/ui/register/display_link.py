"""The register's side of the customer display: Ctrl+Shift+D opens or closes it, on its screen.

One :class:`CustomerDisplayLink` per register. It opens a
:class:`~posapp.ui.register.customer_display.CustomerDisplay` on demand and feeds it through Qt
signals only: the display watches the register's cart model, and :attr:`sale_placed` (emitted
by the register's flow the moment a sale is placed and paid, while the change screen shows)
carries the paid sale to it. Nothing is polled.

The screen the display was last on is kept per machine in ``register.ini`` in the data folder
(QSettings, INI format): a second screen is this register's hardware, not a shop setting. When
the remembered screen is missing (unplugged), the display goes to a screen other than the
register's if there is one, else beside the register on the same screen.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication, QKeySequence, QScreen, QShortcut
from PySide6.QtWidgets import QWidget
from typing_extensions import override

from posapp.config import data_dir
from posapp.services.platform.errors import ServiceError
from posapp.services.sales import PlacedOrder, SalesApi
from posapp.ui.kit.qt_compat import emit
from posapp.ui.register.customer_display import CustomerDisplay
from posapp.ui.register.model import CartTableModel

DISPLAY_KEY = "Ctrl+Shift+D"
"""Not Ctrl+D: the focused scan field takes that (delete a character) on some platforms."""
SCREEN_SETTING = "customer_display/screen"
WINDOW_SIZE = (1024, 640)
"""The display's size when it shares the register's screen (it fills a screen of its own)."""


def settings() -> QSettings:
    """This machine's register settings (``register.ini`` in the data folder)."""
    return QSettings(str(data_dir() / "register.ini"), QSettings.Format.IniFormat)


class CustomerDisplayLink(QObject):
    """Opens, places and feeds the customer display of one register.

    Signals:
        sale_placed(object): a ``PlacedOrder`` as soon as the sale is placed and paid.
        display_toggled(bool): the display was opened (True) or closed (False).
    """

    sale_placed = Signal(object)
    display_toggled = Signal(bool)

    def __init__(
        self,
        register: QWidget,
        model: CartTableModel,
        sales: SalesApi,
        store_name: Callable[[], str] = str,
    ) -> None:
        super().__init__(register)
        self._register, self._model, self._sales = register, model, sales
        self._store_name = store_name
        self._saved_screen = ""
        self.display: CustomerDisplay | None = None
        shortcut = QShortcut(QKeySequence(DISPLAY_KEY), register)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(self.toggle)

    @Slot()
    def toggle(self) -> None:
        """Ctrl+Shift+D: open the display, or close it when it is open."""
        if self.display is not None:
            self.close()
        else:
            self.open()

    def open(self) -> CustomerDisplay:
        """Show the display (the open one, if it is already)."""
        if self.display is not None:
            return self.display
        try:
            profile = self._sales.shop_profile()
            name, logo = profile.legal_name or self._store_name(), profile.logo
        except ServiceError:
            name, logo = self._store_name(), b""  # the display works without the shop's details
        # A window of its own, owned by the register: it goes when the register goes (log-out).
        display = CustomerDisplay(self._model, name, logo, self._register)
        self.sale_placed.connect(display.show_paid)
        display.destroyed.connect(self._on_display_destroyed)
        display.installEventFilter(self)
        self.display = display
        self._place(display)
        emit(self.display_toggled, True)
        self._register.activateWindow()  # the cashier's keys stay with the register
        return display

    def close(self) -> None:
        """Close the display (it deletes itself)."""
        if self.display is not None:
            self.display.close()

    def placed(self, order: PlacedOrder) -> None:
        """The register placed and took payment for a sale: tell the display."""
        emit(self.sale_placed, order)

    def _place(self, display: CustomerDisplay) -> None:
        screens = QGuiApplication.screens()
        own = self._register.screen()
        wanted = self._saved_screen = str(settings().value(SCREEN_SETTING, "") or "")
        screen: QScreen | None = next((s for s in screens if s.name() == wanted), None)
        if screen is None:
            screen = next((s for s in screens if s is not own), own)
        display.setScreen(screen)
        if screen is own:
            area = screen.availableGeometry()
            width, height = min(WINDOW_SIZE[0], area.width()), min(WINDOW_SIZE[1], area.height())
            display.setGeometry(area.x(), area.y(), width, height)
            display.show()
        else:
            display.setGeometry(screen.geometry())
            display.showFullScreen()

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.display and event.type() in (QEvent.Type.Move, QEvent.Type.Close):
            name = self.display.screen().name()
            if name != self._saved_screen or event.type() == QEvent.Type.Close:
                self._saved_screen = name  # written once per change of screen
                settings().setValue(SCREEN_SETTING, name)
        return super().eventFilter(watched, event)

    @Slot()
    def _on_display_destroyed(self) -> None:
        self.display = None
        emit(self.display_toggled, False)
