"""The Test page row of Admin users → Settings → Printer and drawer: Print test page (Ctrl+T).

The page goes to the address typed in the Receipt printer field above, saved or not, so an
address can be tried before it is kept. It prints off the GUI thread
(:class:`~posapp.ui.kit.operation.Operation` over ``backend.shop.try_printer``): a printer that
is switched off takes seconds to say so. What went wrong (not a printer address, unreachable,
permission denied, not plugged in) is shown under the row in words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QHBoxLayout, QWidget

from posapp.i18n import N_, _
from posapp.services.platform.dto import UserDTO
from posapp.ui.kit.operation import Operation
from posapp.ui.kit.widgets import SPACING, message_label, plain_label, push_button, show_message
from posapp.ui.staff.setting_row import lay_out_row

if TYPE_CHECKING:
    from posapp.services.shop import ShopApi

PRINTING = N_("Printing a test page…")


class PrinterTestRow(QWidget):
    """A Print test page button and what came of it.

    Args:
        shop: The shop facade.
        user: The admin at the page.
        address: Gives the address typed in the Receipt printer field now.
    """

    def __init__(
        self,
        shop: ShopApi,
        user: UserDTO,
        address: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._shop, self._user, self._address = shop, user, address
        self._operation: Operation[str] | None = None
        self.button = push_button(
            _("Print test page"),
            _("Print a test page on the printer typed above (Ctrl+T)"),
            self,
            "Ctrl+T",
        )
        self.button.clicked.connect(self.print_test_page)
        self.result_label = message_label("successLabel", self, wrap=False)
        editor = QHBoxLayout()
        editor.setSpacing(SPACING)
        editor.addWidget(self.button)
        editor.addWidget(self.result_label)
        editor.addStretch(1)
        bounds = plain_label(_("Uses the address typed above, saved or not."), self, "boundsLabel")
        about = _("Prints a short page to check that posapp reaches the printer.")
        self.error_label = lay_out_row(self, _("Test page"), about, editor, bounds)

    def is_busy(self) -> bool:
        """Whether a test page is being sent."""
        return self._operation is not None and self._operation.running

    @Slot()
    def print_test_page(self) -> None:
        """Send a test page to the typed address off the GUI thread."""
        if self.is_busy():
            return
        text, shop, user = self._address(), self._shop, self._user
        show_message(self.error_label, "")
        show_message(self.result_label, _(PRINTING))
        self.button.setEnabled(False)

        def done(address: str) -> None:
            self.button.setEnabled(True)
            where = address or _("the printer")
            show_message(self.result_label, _("Test page sent to {where}.").format(where=where))

        def failed(message: str) -> None:
            self.button.setEnabled(True)
            show_message(self.result_label, "")
            show_message(self.error_label, message.removeprefix(_("Receipt printer: ")))

        self._operation = Operation(
            self,
            lambda _job: shop.try_printer(user, text),
            name="printer test page",
            success=done,
            failure=failed,
        ).run()
