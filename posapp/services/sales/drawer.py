"""The cash drawer at the register: opened after a sale paid in cash, or for no sale.

The drawer hangs on the receipt printer (setting ``orders.receipt_printer``) and opens when the
printer sends it a pulse. Both ways of opening it are decided and recorded here, in a unit of
work of their own that commits *before* anything is printed, so a printer that is off or
unplugged never holds a transaction open nor undoes a sale: the facade
(:meth:`~posapp.services.sales.api.SalesApi.after_sale`,
:meth:`~posapp.services.sales.api.SalesApi.open_drawer`) prints after the commit.

- After a sale: :func:`sale_print_job` says what the printer does — the receipt, and the drawer's
  pulse when cash was tendered and ``orders.drawer_kick`` says so. The order must be a sale of
  this register's open till, and its drawer opens once (the audit row ``till.drawer_opened``
  records it), so an order id cannot be used to open the drawer again.
- No sale: :func:`no_sale` opens the drawer with no sale behind it. It needs
  ``Permission.NO_SALE_DRAWER`` — a manager's own role, or a manager's approval typed at the
  register — and an open till; it writes the audit row ``till.no_sale`` (who, the approver, the
  till session, the reason), which the till's X and Z reports count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from posapp.i18n import _
from posapp.models import AuditEntry, Order, Payment
from posapp.services.platform import registry
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError
from posapp.services.platform.printer import NO_PRINTER, PrinterError
from posapp.services.platform.printer_address import PrinterAddress, parse_printer
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.dto import ManagerApproval
from posapp.services.sales.guards import grant
from posapp.services.sales.tills import NO_SALE_ACTION, require_open_session
from posapp.services.staff import Permission, authorize_actor, requires

__all__ = [
    "DRAWER_OPENED_ACTION",
    "NO_SALE_TEXT",
    "NoSaleDTO",
    "PrintedDTO",
    "SalePrintJob",
    "no_sale",
    "printer_address",
    "sale_print_job",
]

DRAWER_OPENED_ACTION = "till.drawer_opened"
"""Audit action: the drawer opened for a sale paid in cash (object: the order)."""
NO_SALE_TEXT = "Opening the drawer without a sale needs a manager's approval."
CASH = "cash"


@dataclass(frozen=True, slots=True)
class SalePrintJob:
    """What the printer does after a sale: print its receipt, and open the drawer or not."""

    address: PrinterAddress
    kick: bool


@dataclass(frozen=True, slots=True)
class PrintedDTO:
    """What happened at the printer after a sale."""

    printed: bool
    """The receipt was printed (False: no printer is set up)."""
    drawer_opened: bool
    """The drawer was sent its pulse."""


@dataclass(frozen=True, slots=True)
class NoSaleDTO:
    """A no-sale opening as recorded: the till session, who approved it (or ``""``)."""

    till_session_id: int
    approver: str
    address: PrinterAddress


def printer_address(uow: UnitOfWork) -> PrinterAddress:
    """The receipt printer of the setting, inside a running unit of work (none when unset)."""
    return parse_printer(registry.read(uow, registry.RECEIPT_PRINTER))


@requires(Permission.SELL)
def sale_print_job(uow: UnitOfWork, actor: UserDTO, order_id: int) -> SalePrintJob:
    """Decide what the printer does after the sale ``order_id``; record the drawer's opening.

    Raises:
        NotFoundError: the order is no sale of this register's open till.
        TillClosedError: no till is open on this register.
    """
    with uow:
        address = printer_address(uow)
        if address.kind == "none":
            return SalePrintJob(address, kick=False)
        till = require_open_session(uow)
        session_id = uow.session.scalar(select(Order.till_session_id).where(Order.id == order_id))
        if session_id is None or session_id != till.id:
            raise NotFoundError(
                _("Order {order_id} is not a sale of this register's open till.").format(
                    order_id=order_id
                )
            )
        kick = registry.read(uow, registry.DRAWER_KICK) == "cash_sales" and _paid_in_cash(
            uow, order_id
        )
        if kick and _drawer_opened_for(uow, order_id):
            kick = False  # once per sale: a reprint never opens the drawer
        if kick:
            uow.audit(
                AuditRecord(
                    DRAWER_OPENED_ACTION,
                    actor.id,
                    "order",
                    order_id,
                    after={"till_session_id": till.id},
                )
            )
            uow.commit()
        return SalePrintJob(address, kick=kick)


def _paid_in_cash(uow: UnitOfWork, order_id: int) -> bool:
    found = uow.session.scalar(
        select(Payment.id)
        .where(Payment.order_id == order_id, Payment.method == CASH, Payment.amount_minor > 0)
        .limit(1)
    )
    return found is not None


def _drawer_opened_for(uow: UnitOfWork, order_id: int) -> bool:
    found = uow.session.scalar(
        select(AuditEntry.id)
        .where(
            AuditEntry.action == DRAWER_OPENED_ACTION,
            AuditEntry.object_kind == "order",
            AuditEntry.object_id == order_id,
        )
        .limit(1)
    )
    return found is not None


@requires(Permission.SELL)
def no_sale(uow: UnitOfWork, actor: UserDTO, approval: ManagerApproval | None = None) -> NoSaleDTO:
    """Record a no-sale opening of this register's drawer (the facade then opens it).

    A manager opens it on their own role; a cashier needs a manager's approval (its reason is
    kept). Nothing is written when it is refused.

    Raises:
        ApprovalRequiredError: a cashier without an approval (ask a manager, then call again).
        AuthenticationError, PermissionDeniedError: the approval is wrong.
        TillClosedError: no till is open on this register.
        PrinterError: no receipt printer (the drawer's port) is set up.
    """
    with uow:
        user = authorize_actor(uow, actor, Permission.SELL)
        address = printer_address(uow)
        if address.kind == "none":
            raise PrinterError(_(NO_PRINTER))
        till = require_open_session(uow)
        granted = grant(uow, actor, user, Permission.NO_SALE_DRAWER, approval, NO_SALE_TEXT)
        uow.audit(
            AuditRecord(
                NO_SALE_ACTION,
                actor.id,
                "till_session",
                till.id,
                after={"register": uow.register},
                approver_id=granted.approver_id,
                reason=granted.reason,
            )
        )
        uow.commit()
        approver = "" if granted.approver_id is None or approval is None else approval.username
        return NoSaleDTO(till.id, approver.strip(), address)
