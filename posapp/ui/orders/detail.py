"""One order: its lines, payments and history, and the moves the user may make next."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posapp.i18n import N_, _, pgettext
from posapp.reports.receipt import receipt_pdf
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.sales import (
    ApprovalRequiredError,
    ManagerApproval,
    OrderDetail,
    PaymentDraft,
    PlacedOrder,
    ReturnRequest,
    SalesApi,
)
from posapp.services.staff import Permission, has_permission
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.lifetime import one_use
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.widgets import SPACING
from posapp.ui.orders.return_dialog import ReturnDialog
from posapp.ui.register import (
    ApprovalDialog,
    PaymentDialog,
    ReceiptSink,
    save_and_open_receipt,
    text_dialog,
)
from posapp.units import format_quantity, per_unit

ACTION_TEXT = {
    "pay": (N_("Take payment"), ""),
    "fulfil": (N_("Hand over"), ""),
    "ready": (N_("Ready for pickup"), ""),
    "collect": (N_("Collected"), ""),
    "cancel": (N_("Cancel order"), ""),
    "return": (N_("Return items"), "Ctrl+R"),
}
STATUS_NAMES = {
    "placed": N_("Awaiting payment"),
    "paid": N_("Paid"),
    "ready": N_("Ready for pickup"),
    "fulfilled": N_("Handed over"),
    "collected": N_("Collected"),
    "cancelled": N_("Cancelled"),
    "partly_refunded": N_("Partly refunded"),
    "refunded": N_("Refunded"),
    "draft": N_("Draft"),
}


def _tree(headers: list[str], name: str, parent: QWidget) -> QTreeWidget:
    tree = QTreeWidget(parent)
    tree.setHeaderLabels(headers)
    tree.setRootIsDecorated(False)
    tree.setAccessibleName(name)
    tree.setUniformRowHeights(True)
    tree.setProperty("ordersTree", True)
    tree.setAlternatingRowColors(True)
    return tree


class OrderDetailPanel(QFrame):
    """The chosen order; buttons for its allowed moves and a receipt reprint.

    Signals:
        changed(): the order was changed by an action here.
    """

    changed = Signal()

    def __init__(
        self, sales: SalesApi, bus: EventBus, user: UserDTO, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.sales, self.user = sales, user
        self.order: OrderDetail | None = None
        self._note: tuple[int, str] | None = None  # (order id, text) kept across reloads
        self.receipt_sink: ReceiptSink = save_and_open_receipt
        self.title = QLabel(_("Choose an order"), self)
        self.title.setObjectName("pageTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.summary = QLabel("", self)
        self.summary.setProperty("role", "muted")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.message = QLabel("", self)
        self.message.setObjectName("hintLabel")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.hide()
        self.tabs = QTabWidget(self)
        self.lines = _tree(
            ["#", _("Item"), _("Qty"), _("Returned"), _("Price"), _("Total")], _("Lines"), self
        )
        self.payments = _tree(
            [_("Method"), _("Amount"), _("Detail"), _("By"), _("When")], _("Payments"), self
        )
        self.history = _tree(
            [
                _("When"),
                pgettext("status", "From"),
                pgettext("status", "To"),
                _("By"),
                _("Approved by"),
                _("Note"),
            ],
            _("History"),
            self,
        )
        self.tabs.addTab(self.lines, _("&Lines"))
        self.tabs.addTab(self.payments, _("Pa&yments"))
        self.tabs.addTab(self.history, _("&History"))
        self.action_row = QHBoxLayout()
        self.action_row.setSpacing(SPACING)
        self.reprint = QPushButton(_("Reprint receipt (Ctrl+P)"), self)
        self.reprint.clicked.connect(self.print_receipt)
        self.action_buttons: dict[str, QPushButton] = {}
        column = QVBoxLayout(self)
        column.setContentsMargins(2 * SPACING, 2 * SPACING, 2 * SPACING, 2 * SPACING)
        column.setSpacing(SPACING)
        column.addWidget(self.title)
        column.addWidget(self.summary)
        column.addWidget(self.message)
        column.addWidget(self.tabs, 1)
        column.addLayout(self.action_row)
        for key, slot in (("Ctrl+P", self.print_receipt), ("Ctrl+R", self._return)):
            shortcut = QShortcut(QKeySequence(key), self.parentWidget() or self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
        self.show_order(None)

    @property
    def order_id(self) -> int | None:
        """The order shown."""
        return self.order.id if self.order else None

    def load(self, order_id: int) -> None:
        """Read and show an order."""
        try:
            self.show_order(self.sales.order_detail(self.user, order_id))
        except ServiceError as exc:
            self.say(str(exc))

    def say(self, text: str) -> None:
        """Show a note over the tabs; it stays while this order is shown, until the next action.

        The list reloads the order after an action, and again when the action's events arrive
        (a moment later): the note outlives both ("Returned: 6.99 refunded" must be read).
        """
        self._note = (self.order.id, text) if text and self.order is not None else None
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def show_order(self, order: OrderDetail | None) -> None:
        """Show ``order`` (or the empty state)."""
        note = self._note
        self.order = order
        self.say(note[1] if note is not None and order is not None and note[0] == order.id else "")
        for tree in (self.lines, self.payments, self.history):
            tree.clear()
        for button in self.action_buttons.values():
            button.deleteLater()
        self.action_buttons = {}
        self.action_row.removeWidget(self.reprint)
        if order is None:
            self.title.setText(_("Choose an order"))
            self.summary.setText(_("Its lines, payments and history show here."))
            self.reprint.hide()
            return
        self.title.setText(f"{order.number} · {_(STATUS_NAMES.get(order.status, order.status))}")
        customer = f" · {order.customer.holder_name}" if order.customer else ""
        if order.web_contact:
            customer = _(" · web order for {contact}").format(contact=order.web_contact)
        when = (order.placed_at or order.created_at).astimezone().strftime("%Y-%m-%d %H:%M")
        refunded = (
            _(" · refunded {amount}").format(amount=money_text(order.refunded_minor))
            if order.refunded_minor
            else ""
        )
        self.summary.setText(
            _("{when} · {store} · {cashier}{customer} · total {total}{refunded}").format(
                when=when,
                store=order.store.name,
                cashier=order.cashier_name,
                customer=customer,
                total=money_text(order.total_minor),
                refunded=refunded,
            )
        )
        self._fill(order)
        for action in order.actions:
            text, key = ACTION_TEXT.get(action, (action, ""))
            text = _(text) if text else text
            button = QPushButton(f"{text} ({key})" if key else text, self)
            button.clicked.connect(lambda _c=False, a=action: self.act(a))
            self.action_row.addWidget(button)
            self.action_buttons[action] = button
        self.action_row.addWidget(self.reprint)
        self.reprint.show()

    def _fill(self, order: OrderDetail) -> None:
        for line in order.lines:
            QTreeWidgetItem(
                self.lines,
                [
                    str(line.line_no),
                    line.name,
                    format_quantity(line.quantity, line.unit),
                    format_quantity(line.returned_qty, line.unit) if line.returned_qty else "",
                    money_text(line.unit_price_minor) + per_unit(line.unit),
                    money_text(line.total_minor),
                ],
            )
        for payment in order.payments:
            detail = payment.card_reference or payment.account_number
            if payment.card_last4:
                detail = f"•••• {payment.card_last4} {detail}"
            if payment.change_minor:
                tendered = money_text(payment.tendered_minor)
                detail = _("tendered {tendered}, change {change}").format(
                    tendered=tendered, change=money_text(payment.change_minor)
                )
            QTreeWidgetItem(
                self.payments,
                [
                    payment.method,
                    money_text(payment.amount_minor),
                    detail,
                    payment.user_name,
                    payment.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                ],
            )
        for change in order.history:
            QTreeWidgetItem(
                self.history,
                [
                    change.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                    _(STATUS_NAMES.get(change.from_status, change.from_status))
                    if change.from_status
                    else "",
                    _(STATUS_NAMES.get(change.to_status, change.to_status)),
                    change.user_name,
                    change.approver_name,
                    change.note,
                ],
            )
        for tree in (self.lines, self.payments, self.history):
            for column in range(tree.columnCount()):
                tree.resizeColumnToContents(column)

    # --- actions -----------------------------------------------------------------------------

    def act(self, action: str) -> None:
        """Run one of the order's allowed moves."""
        if self.order is None:
            return
        handlers = {
            "pay": self._pay,
            "cancel": self._cancel,
            "return": self._return,
        }
        handler = handlers.get(action)
        self.say("")  # the last action's note gives way to this one's
        try:
            if handler is not None:
                handler()
                return
            self.sales.advance_order(self.user, self.order.id, action)
        except ServiceError as exc:
            self.say(str(exc))
            return
        emit(self.changed)

    def _approval(self, permission: str, what: str) -> ManagerApproval | None:
        with one_use(
            ApprovalDialog(
                what, lambda a: self.sales.verify_approval(self.user, a, permission), self
            )
        ) as dialog:
            return dialog.approval if dialog.exec() else None

    def _pay(self) -> None:
        order = self.order
        assert order is not None

        def submit(payments: tuple[PaymentDraft, ...]) -> PlacedOrder:
            return self.sales.pay_order(self.user, order.id, payments)

        with one_use(
            PaymentDialog(
                order.total_minor,
                submit,
                customer_number=order.customer.number if order.customer else "",
                parent=self,
            )
        ) as dialog:
            dialog.exec()
            placed = dialog.placed
        if placed is not None:
            emit(self.changed)

    def _cancel(self) -> None:
        order = self.order
        assert order is not None
        with one_use(
            text_dialog(
                _("Cancel order"),
                _("Reason"),
                _(
                    "Cancelling {number} puts its stock back, gives coupon uses back and "
                    "refunds what was paid to the same tenders."
                ).format(number=order.number),
                self,
            )
        ) as dialog:
            if not dialog.exec():
                return
            reason = str(dialog.value)
        approval = None
        if not has_permission(self.user, Permission.VOID):
            approval = self._approval(
                Permission.VOID.value, _("Cancelling an order needs a manager.")
            )
            if approval is None:
                return
        self.sales.cancel_order(self.user, order.id, reason, approval)
        emit(self.changed)

    @Slot()
    def _return(self) -> None:
        order = self.order
        if order is None or "return" not in order.actions:
            return
        self.say("")
        with one_use(ReturnDialog(order, self._submit_return, self)) as dialog:
            if not dialog.exec():
                return
            done_text = dialog.done_text
        emit(self.changed)  # the list reloads this order…
        self.say(done_text)  # …then the note says what was refunded

    def _submit_return(self, request: ReturnRequest) -> str:
        while True:
            try:
                result = self.sales.return_items(self.user, request)
            except ApprovalRequiredError as exc:
                approval = self._approval(exc.permission, str(exc))
                if approval is None:
                    raise
                request = ReturnRequest(
                    request.return_uuid,
                    request.order_id,
                    request.lines,
                    request.with_receipt,
                    request.refund_to,
                    request.account_id,
                    approval,
                    request.reason,
                    request.card_refund_reference,
                )
                continue
            refunds = ", ".join(f"{m} {money_text(a)}" for m, a in result.refunds)
            done = refunds or _("nothing to refund")
            return _("Returned: {amount} refunded ({refunds}).").format(
                amount=money_text(result.amount_minor), refunds=done
            )

    @Slot()
    def print_receipt(self) -> None:
        """Reprint the order's receipt (marked COPY)."""
        if self.order is None:
            return
        try:
            pdf = receipt_pdf(
                self.order,
                zone=self.sales.shop_zone(),
                copy=True,
                shop=self.sales.shop_profile(),
            )
            self.receipt_sink(f"{self.order.number}-copy", pdf)
            self.sales.print_receipt(self.user, self.order.id, copy=True)
        except (ServiceError, OSError) as exc:
            self.say(_("Receipt not printed: {reason}").format(reason=exc))
            return
        self.say(_("Receipt {number} reprinted.").format(number=self.order.number))
