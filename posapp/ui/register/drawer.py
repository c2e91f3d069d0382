"""The register's receipt printer and cash drawer: the printer's work after a sale, and No sale.

- **After a sale** (:meth:`CashDrawer.after_sale`, called once the sale is placed): the receipt
  prints and, when cash was tendered, the drawer opens — off the GUI thread
  (:class:`~posapp.ui.kit.operation.Operation` over ``backend.sales.after_sale``), after the
  sale's transaction has committed. A printer that is off, unplugged or refusing never blocks
  the register nor undoes the sale: the cashier reads why in a toast and above the cart.
- **No sale** (F3, :meth:`CashDrawer.no_sale`): opens the drawer without a sale. A cashier
  needs a manager's approval (the same dialog as for a discount above the cap); a manager's own
  role is enough. The service checks it again and records it; the X and Z reports count it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

from PySide6.QtWidgets import QWidget

from posapp.i18n import N_, _
from posapp.services.platform.dto import UserDTO
from posapp.services.sales import ManagerApproval, PlacedOrder, PrintedDTO, SalesApi
from posapp.services.staff import Permission
from posapp.ui.kit.operation import Operation
from posapp.ui.notifications import ToastArea

Approve = Callable[[str, str], "ManagerApproval | None"]
NO_SALE_TEXT: Final = N_("Opening the drawer without a sale needs a manager's approval.")
NOT_PRINTED: Final = N_("Receipt not printed")


class DrawerScreen(Protocol):
    """What the drawer needs of the register (a part of ``flow.RegisterScreen``)."""

    @property
    def sales(self) -> SalesApi:
        """The sales facade."""
        ...

    @property
    def user(self) -> UserDTO:
        """The logged-in cashier."""
        ...

    def say(self, text: str, level: str = "info") -> None:
        """Show a message above the cart."""
        ...

    def may(self, permission: Permission) -> bool:
        """Whether the cashier may do this without a manager."""
        ...


class CashDrawer:
    """The register's printer work after a sale, and its No sale key.

    Args:
        view: The register screen (its sales facade, its user, its messages).
        parent: The widget the operations and dialogs belong to (the register view).
        approve: Asks a manager to approve ``(permission, text)``; None when given up.
    """

    def __init__(self, view: DrawerScreen, parent: QWidget, approve: Approve) -> None:
        self.view, self.parent, self._approve = view, parent, approve
        self.operation: Operation[PrintedDTO] | Operation[str] | None = None

    def is_busy(self) -> bool:
        """Whether the printer is still working for the register."""
        return self.operation is not None and self.operation.running

    def after_sale(self, placed: PlacedOrder) -> None:
        """Print ``placed``'s receipt and open the drawer if paid in cash (off the GUI thread)."""
        sales, user, order_id = self.view.sales, self.view.user, placed.order_id
        self.operation = Operation(
            self.parent,
            lambda _job: sales.after_sale(user, order_id),
            name="receipt printer",
            failure=lambda message: self._failed(
                _(NOT_PRINTED),
                _("{reason} Order {number} is paid all the same.").format(
                    reason=message, number=placed.number
                ),
            ),
        ).run()

    def no_sale(self) -> None:
        """F3: open the drawer with no sale — a manager, or a manager's approval."""
        view = self.view
        approval: ManagerApproval | None = None
        if not view.may(Permission.NO_SALE_DRAWER):
            approval = self._approve(Permission.NO_SALE_DRAWER.value, _(NO_SALE_TEXT))
            if approval is None:
                view.say(_("Drawer not opened."), "info")
                return
        sales, user = view.sales, view.user

        def opened(approver: str) -> None:
            text = (
                _("Drawer opened — no sale (approved by {manager}).").format(manager=approver)
                if approver
                else _("Drawer opened — no sale.")
            )
            view.say(text, "info")

        self.operation = Operation(
            self.parent,
            lambda _job: sales.open_drawer(user, approval),
            name="no sale",
            success=opened,
            failure=lambda message: self._failed(_("No sale"), message),
        ).run()

    def _failed(self, title: str, message: str) -> None:
        self.view.say(f"{title}: {message}", "error")
        toasts = self.parent.window().findChild(ToastArea)
        if toasts is not None:
            toasts.show_toast(title, message, "error")
