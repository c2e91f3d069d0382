"""The payment dialog: cash, card, account, gift card or any mix, then the change in large type.

Keyboard: F1 cash, F2 card, F3 account, F4 gift card (its fields: ``giftcards.GiftCardTender``);
the amount field starts with what is left to pay;
Enter takes the tender. When the tenders cover the total the sale is placed at once (the
``submit`` callback); the dialog then shows the change due, Enter starts the next sale and
Ctrl+P prints the receipt. A code scanned on the change screen lands in its "next item" field,
and the scanner's Enter closes the screen and starts the next sale with that item
(:attr:`PaymentDialog.next_code`): no scan is lost because the change screen was still up.
Each tender gets its payment id when it is taken, so pressing Enter again, or retrying after a
lost connection, never pays twice.

A card tender takes only the terminal's approval reference and the last four digits, and
only those the shop requires (:class:`posapp.services.sales.CardRules`, a setting): they are
checked here, before the tender is taken, and the cashier fills them in one step — type the
amount, F2, the reference, (Tab, the last four,) Enter. F12 takes what is typed in the amount
field too, then completes the sale when it is paid.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import _, pgettext
from posapp.money import MoneyError
from posapp.services.platform.errors import ServiceError, ValidationError
from posapp.services.platform.text import clean_text
from posapp.services.sales import CardRules, PaymentDraft, PaymentKind, PlacedOrder
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.resources import styled
from posapp.ui.kit.widgets import SPACING, message_label
from posapp.ui.register.dialogs import amount_text, parse_amount
from posapp.ui.register.giftcards import GiftCardTender, Lookup, describe_tender
from posapp.ui.register.panels import KeyButton, no_default_buttons
from posapp.ui.register.points import PointsLookup, PointsTender, describe_points

Submit = Callable[[tuple[PaymentDraft, ...]], PlacedOrder]
REFERENCE_MAX = 64
LAST4 = 4


class PaymentDialog(QDialog):
    """Takes the payments of one sale and places it.

    Signals:
        receipt_requested(int): Ctrl+P after the sale: print the receipt of this order id.
    """

    receipt_requested = Signal(int)

    def __init__(
        self,
        total_minor: int,
        submit: Submit,
        *,
        customer_number: str = "",
        card_rules: CardRules | None = None,
        gift_card_lookup: Lookup | None = None,
        points_lookup: PointsLookup | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._gift_card_lookup = gift_card_lookup
        self._points_lookup = points_lookup
        self.setObjectName("paymentDialog")
        self.card_rules = card_rules or CardRules()
        self.setWindowTitle(pgettext("register", "Payment"))
        styled(self, "register", "payment")
        self.total_minor = total_minor
        self._submit = submit
        self.tenders: list[PaymentDraft] = []
        self.placed: PlacedOrder | None = None
        self.next_code = ""
        """What was scanned on the change screen: the register starts the next sale with it."""
        self.method = PaymentKind.CASH
        self._customer_number = customer_number
        self._discard_armed = False
        self._swallow_return = False
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._build_tender_page())
        self.pages.addWidget(self._build_done_page())
        column = QVBoxLayout(self)
        column.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 3 * SPACING)
        column.addWidget(self.pages)
        self._shortcuts()
        no_default_buttons(self)
        self.set_method(PaymentKind.CASH)
        self.setMinimumWidth(92 * SPACING)  # five tender keys, their names whole

    # --- building -----------------------------------------------------------------------------

    def _build_tender_page(self) -> QWidget:
        page = QWidget(self)
        head = self._build_head(page)
        methods = self._build_methods(page)
        self._build_fields(page)
        actions = self._build_actions(page)
        line = QFrame(page)
        line.setProperty("role", "separator")
        line.setFixedHeight(1)
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACING + 2)
        column.addLayout(head)
        column.addWidget(line)
        column.addLayout(methods)
        column.addWidget(self.amount_caption)
        column.addWidget(self.amount_edit)
        column.addWidget(self.card_row)
        column.addWidget(self.account_row)
        column.addWidget(self.gift.row)
        column.addWidget(self.points.row)
        column.addWidget(self.tender_list)
        column.addWidget(self.error)
        column.addLayout(actions)
        return page

    def _build_head(self, page: QWidget) -> QGridLayout:
        due_caption = QLabel(_("TOTAL"), page)
        due_caption.setObjectName("dueCaption")
        self.due_label = QLabel(money_text(self.total_minor), page)
        self.due_label.setObjectName("dueAmount")
        left_caption = QLabel(_("LEFT TO PAY"), page)
        left_caption.setObjectName("leftCaption")
        self.left_label = QLabel("", page)
        self.left_label.setObjectName("leftAmount")
        self.left_label.setAccessibleName(_("Left to pay"))
        head = QGridLayout()
        head.addWidget(due_caption, 0, 0)
        head.addWidget(left_caption, 0, 1, Qt.AlignmentFlag.AlignRight)
        head.addWidget(self.due_label, 1, 0)
        head.addWidget(self.left_label, 1, 1, Qt.AlignmentFlag.AlignRight)
        return head

    def _build_methods(self, page: QWidget) -> QHBoxLayout:
        self.method_buttons = {
            PaymentKind.CASH: KeyButton("F1", _("Cash"), page),
            PaymentKind.CARD: KeyButton("F2", _("Card"), page),
            PaymentKind.ACCOUNT: KeyButton("F3", _("Customer account"), page),
            PaymentKind.GIFT_CARD: KeyButton("F4", _("Gift card"), page),
            PaymentKind.POINTS: KeyButton("F5", _("Points"), page),
        }
        methods = QHBoxLayout()
        for kind, button in self.method_buttons.items():
            button.setCheckable(True)
            button.clicked.connect(lambda _c=False, k=kind: self.set_method(k))
            methods.addWidget(button)
        return methods

    def _build_fields(self, page: QWidget) -> None:
        self.amount_caption = QLabel(_("Cash handed over"), page)
        self.amount_caption.setProperty("role", "field")
        self.amount_edit = QLineEdit(page)
        self.amount_edit.setObjectName("paymentAmount")
        self.amount_edit.setAccessibleName(_("Amount"))
        self.amount_caption.setBuddy(self.amount_edit)
        # The last four first: four digits typed go on to the reference by themselves, so the
        # card's details are one step (last four, reference, Enter).
        self.last4_edit = QLineEdit(page)
        self.last4_edit.setAccessibleName(_("Last four digits of the card"))
        self.last4_edit.setPlaceholderText(
            _("Last 4 digits") if self.card_rules.last4 else _("Last 4 digits (optional)")
        )
        self.last4_edit.setMaxLength(LAST4)
        self.last4_edit.textEdited.connect(self._on_last4_edit_text_edited)
        self.reference_edit = QLineEdit(page)
        self.reference_edit.setAccessibleName(_("Terminal approval reference"))
        self.reference_edit.setPlaceholderText(
            _("Approval code from the card terminal")
            if self.card_rules.reference
            else _("Approval code from the card terminal (optional)")
        )
        self.account_edit = QLineEdit(page)
        self.account_edit.setAccessibleName(_("Account number"))
        self.account_edit.setPlaceholderText(_("Customer account number"))
        self.pin_edit = QLineEdit(page)
        self.pin_edit.setAccessibleName(_("Account PIN"))
        self.pin_edit.setPlaceholderText(_("Customer types the PIN"))
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.card_row = QWidget(page)
        card = QHBoxLayout(self.card_row)
        card.setContentsMargins(0, 0, 0, 0)
        card.addWidget(self.last4_edit, 1)
        card.addWidget(self.reference_edit, 3)
        self.gift = GiftCardTender(page, self._gift_card_lookup)
        self.points = PointsTender(page, self._points_lookup)
        self.account_row = QWidget(page)
        account = QHBoxLayout(self.account_row)
        account.setContentsMargins(0, 0, 0, 0)
        account.addWidget(self.account_edit, 3)
        account.addWidget(self.pin_edit, 1)
        for edit in (
            self.amount_edit,
            self.reference_edit,
            self.last4_edit,
            self.account_edit,
            self.pin_edit,
            self.gift.code_edit,
        ):
            edit.returnPressed.connect(self._on_enter)

    def _build_actions(self, page: QWidget) -> QHBoxLayout:
        self.tender_list = QListWidget(page)
        self.tender_list.setObjectName("tenders")
        self.tender_list.setAccessibleName(_("Payments taken"))
        self.tender_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tender_list.setMaximumHeight(11 * SPACING)
        self.error = message_label("errorLabel", page)

        self.remove_button = KeyButton("Ctrl+Del", _("Undo last"), page)
        self.remove_button.clicked.connect(self.remove_last)
        self.cancel_button = KeyButton("Esc", _("Back to sale"), page)
        self.cancel_button.clicked.connect(self.reject)
        self.complete_button = KeyButton("F12", _("Complete"), page)
        self.complete_button.clicked.connect(self.complete)
        actions = QHBoxLayout()
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.remove_button)
        actions.addStretch(1)
        actions.addWidget(self.complete_button)
        return actions

    def _build_done_page(self) -> QWidget:
        page = QFrame(self)
        page.setObjectName("changePanel")
        self.done_caption = QLabel(_("CHANGE DUE"), page)
        self.done_caption.setObjectName("changeCaption")
        self.change_label = QLabel("", page)
        self.change_label.setObjectName("changeAmount")
        self.change_label.setAccessibleName(_("Change due"))
        self.done_detail = QLabel("", page)
        self.done_detail.setObjectName("changeDetail")
        self.done_detail.setTextFormat(Qt.TextFormat.PlainText)
        self.done_detail.setWordWrap(True)
        self.next_scan_edit = QLineEdit(page)
        self.next_scan_edit.setObjectName("nextScan")
        self.next_scan_edit.setAccessibleName(_("First item of the next sale"))
        self.next_scan_edit.setPlaceholderText(_("Scan the next customer's first item, or Enter"))
        self.next_button = KeyButton("Enter", _("Next sale"), page)
        self.next_button.clicked.connect(self.accept)
        self.receipt_button = KeyButton("Ctrl+P", _("Receipt"), page)
        self.receipt_button.clicked.connect(self._on_receipt)
        row = QHBoxLayout()
        row.addWidget(self.receipt_button)
        row.addStretch(1)
        row.addWidget(self.next_button)
        column = QVBoxLayout(page)
        column.setContentsMargins(4 * SPACING, 4 * SPACING, 4 * SPACING, 3 * SPACING)
        column.addWidget(self.done_caption)
        column.addWidget(self.change_label)
        column.addWidget(self.done_detail)
        column.addStretch(1)
        column.addWidget(self.next_scan_edit)
        column.addLayout(row)
        return page

    def _shortcuts(self) -> None:
        keys: dict[str, Callable[[], None]] = {
            "F1": lambda: self.set_method(PaymentKind.CASH),
            "F2": lambda: self.set_method(PaymentKind.CARD),
            "F3": lambda: self.set_method(PaymentKind.ACCOUNT),
            "F4": lambda: self.set_method(PaymentKind.GIFT_CARD),
            "F5": lambda: self.set_method(PaymentKind.POINTS),
            "F12": self.complete,
            "Ctrl+Del": self.remove_last,
            "Ctrl+P": self._on_receipt,
        }
        for key, slot in keys.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(slot)

    # --- state ----------------------------------------------------------------------------------

    @property
    def paid_minor(self) -> int:
        """What the tenders taken so far pay of the total."""
        return sum(t.amount_minor for t in self.tenders)

    @property
    def left_minor(self) -> int:
        """What is left to pay."""
        return self.total_minor - self.paid_minor

    def set_method(self, method: PaymentKind) -> None:
        """Choose how the next tender is paid and prepare its fields."""
        if self.placed is not None:
            return
        # An amount the cashier typed before choosing the method is kept (amount, F2, …).
        typed = self.amount_edit.text() if self.amount_edit.isModified() else ""
        self.method = method
        for kind, button in self.method_buttons.items():
            button.setChecked(kind is method)
        self.card_row.setVisible(method is PaymentKind.CARD)
        self.account_row.setVisible(method is PaymentKind.ACCOUNT)
        self.gift.row.setVisible(method is PaymentKind.GIFT_CARD)
        self.points.row.setVisible(method is PaymentKind.POINTS)
        if method is PaymentKind.POINTS:
            self.points.show(sum(t.amount_minor for t in self.tenders if t.method is method))
        self.amount_caption.setText(
            {
                PaymentKind.CASH: _("Cash handed over"),
                PaymentKind.CARD: _("Amount on the card"),
                PaymentKind.ACCOUNT: _("Amount from the account"),
                PaymentKind.GIFT_CARD: _(
                    "Amount from the gift card (what is left, or its balance)"
                ),
                PaymentKind.POINTS: _("Amount paid with points (what is left, or what they pay)"),
            }[method]
        )
        if method is PaymentKind.ACCOUNT and not self.account_edit.text():
            self.account_edit.setText(self._customer_number)
        self._refresh()
        if method is PaymentKind.POINTS and 0 < self.points.value_minor < self.left_minor:
            self.amount_edit.setText(amount_text(self.points.value_minor))  # what they pay
        if typed:
            self.amount_edit.setText(typed)
            self.amount_edit.setModified(True)
        missing = self._missing_card_field() if typed else None
        if method is PaymentKind.GIFT_CARD:
            missing = self.gift.code_edit  # the card is scanned first, then Enter
        if missing is not None:
            missing.setFocus()
            return
        self.amount_edit.setFocus()
        self.amount_edit.selectAll()

    def _missing_card_field(self) -> QLineEdit | None:
        """The first card detail the shop requires that is still empty (None: card only)."""
        if self.method is not PaymentKind.CARD:
            return None
        if self.card_rules.last4 and not self.last4_edit.text().strip():
            return self.last4_edit
        if self.card_rules.reference and not self.reference_edit.text().strip():
            return self.reference_edit
        return None

    @Slot(str)
    def _on_last4_edit_text_edited(self, text: str) -> None:
        if len(text) == LAST4 and text.isascii() and text.isdigit():
            self.reference_edit.setFocus()

    def _refresh(self) -> None:
        left = self.left_minor
        self.left_label.setText(money_text(left))
        self.amount_edit.setText(amount_text(left) if left > 0 else "")
        self.amount_edit.selectAll()
        self.tender_list.clear()
        for tender in self.tenders:
            self.tender_list.addItem(_describe(tender))
        self.remove_button.setEnabled(bool(self.tenders))
        self.complete_button.setEnabled(left == 0)

    def _say(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    # --- taking tenders ---------------------------------------------------------------------------

    def take(self) -> PaymentDraft | None:
        """Take the tender in the fields; returns it (or None and shows why not)."""
        left = self.left_minor
        if left <= 0:
            self._say(_("Nothing is left to pay: press F12 to complete the sale."))
            return None
        try:
            amount = parse_amount(self.amount_edit.text())
            tender = self._tender(amount, left, typed=self.amount_edit.isModified())
        except (ServiceError, MoneyError) as exc:
            self._say(str(exc))
            details = (
                self.last4_edit,
                self.reference_edit,
                self.account_edit,
                self.pin_edit,
                self.gift.code_edit,
            )
            if self.focusWidget() not in details:  # else the detail to fix has the focus
                self.amount_edit.setFocus()
                self.amount_edit.selectAll()
            return None
        self._say("")
        self.tenders.append(tender)
        self.amount_edit.setModified(False)  # taken: the next tender starts from what is left
        self.reference_edit.clear()
        self.last4_edit.clear()
        self.pin_edit.clear()
        if self.left_minor > 0:
            self.set_method(PaymentKind.CASH)
        else:
            self._refresh()
        return tender

    def _tender(self, amount: int, left: int, *, typed: bool = False) -> PaymentDraft:
        key = uuid.uuid4()
        if self.method is PaymentKind.CASH:
            return PaymentDraft(key, PaymentKind.CASH, min(amount, left), amount)
        if amount > left:
            self.amount_edit.setFocus()
            raise ValidationError(
                _("Only {amount} is left to pay: the rest goes in cash.").format(
                    amount=money_text(left)
                )
            )
        if self.method is PaymentKind.GIFT_CARD:
            return self.gift.tender(key, amount, left, typed=typed)
        if self.method is PaymentKind.POINTS:
            return self.points.tender(key, amount, left, typed=typed)
        if self.method is PaymentKind.CARD:
            reference, last4 = self._card_details()
            return PaymentDraft(
                key, PaymentKind.CARD, amount, card_reference=reference, card_last4=last4
            )
        if not self.pin_edit.text():
            self.pin_edit.setFocus()
            raise ValidationError(_("The customer enters their account PIN."))
        return PaymentDraft(
            key,
            PaymentKind.ACCOUNT,
            amount,
            account_number=self.account_edit.text(),
            pin=self.pin_edit.text(),
        )

    def _card_details(self) -> tuple[str, str]:
        """The reference and last four typed, checked against the shop's rules.

        Raises:
            ValidationError: a required detail is missing or a detail is malformed.
        """
        reason = self.card_rules.missing(self.reference_edit.text(), self.last4_edit.text())
        if reason:
            missing = self._missing_card_field()
            if missing is not None:
                missing.setFocus()
            raise ValidationError(reason)
        try:
            reference = clean_text(
                self.reference_edit.text(), "card terminal reference", limit=REFERENCE_MAX
            )
        except ServiceError:
            self.reference_edit.setFocus()
            self.reference_edit.selectAll()
            raise
        last4 = self.last4_edit.text().strip()
        if last4 and not (len(last4) == LAST4 and last4.isascii() and last4.isdigit()):
            self.last4_edit.setFocus()
            self.last4_edit.selectAll()
            raise ValidationError(_("Enter the last four digits of the card."))
        return reference, last4

    @Slot()
    def remove_last(self) -> None:
        """Take back the last tender (before the sale is placed)."""
        if self.placed is None and self.tenders:
            self.tenders.pop()
            self._say("")
            self.set_method(self.method)

    @Slot()
    def _on_enter(self) -> None:
        if self.placed is not None:
            self.accept()
            return
        missing = self._missing_card_field()
        if self.left_minor > 0 and missing is not None and not missing.hasFocus():
            missing.setFocus()  # Enter goes on to the next card detail the shop requires
            return
        if self.left_minor > 0 and self.take() is None:
            return
        if self.left_minor == 0:
            self.complete()
            # The field passes this Enter on to the dialog too: it must not also close the
            # change screen the cashier has not seen yet.
            self._swallow_return = self.placed is not None

    @Slot()
    def complete(self) -> None:
        """Place the sale with the tenders taken (again, with the same ids, after a failure)."""
        if self.placed is not None:
            self.accept()
            return
        if self.left_minor > 0 and self.amount_edit.text().strip() and self.take() is None:
            return  # F12 takes the amount typed, like Enter; take() said why not
        if self.left_minor != 0:
            self._say(_("{amount} is still to pay.").format(amount=money_text(self.left_minor)))
            return
        try:
            placed = self._submit(tuple(self.tenders))
        except ServiceError as exc:
            self._say(
                _("{error} — the payments are kept: fix it and press F12 again, or Esc.").format(
                    error=exc
                )
            )
            return
        self.placed = placed
        self._show_done(placed)

    def _show_done(self, placed: PlacedOrder) -> None:
        self.done_caption.setText(_("CHANGE DUE") if placed.change_minor else _("PAID — NO CHANGE"))
        self.change_label.setText(money_text(placed.change_minor))
        self.done_detail.setText(
            _("Order {number} · total {total}").format(
                number=placed.number, total=money_text(placed.total_minor)
            )
            + "\n"
            + "\n".join(_describe(t) for t in self.tenders)
        )
        self.pages.setCurrentIndex(1)
        self.activateWindow()  # the focused field was on the hidden page
        self.next_scan_edit.setFocus()  # a scan here is the next sale's first item

    @Slot()
    def _on_receipt(self) -> None:
        if self.placed is not None:
            emit(self.receipt_requested, self.placed.order_id)

    @override
    def accept(self) -> None:
        if self.placed is not None:
            self.next_code = self.next_scan_edit.text().strip()
        super().accept()

    @override
    def reject(self) -> None:
        if self.placed is not None:
            self.accept()
            return
        if self.tenders and not self._discard_armed:
            self._discard_armed = True
            self._say(_("Payments were taken: press Esc again to go back and drop them."))
            return
        super().reject()

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._swallow_return and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._swallow_return = False
            event.accept()
            return
        if self.placed is not None and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept()
            return
        super().keyPressEvent(event)


def _describe(tender: PaymentDraft) -> str:
    if tender.method is PaymentKind.CASH:
        change = tender.tendered_minor - tender.amount_minor
        text = _("Cash {amount}").format(amount=money_text(tender.tendered_minor))
        if change:
            return _("{cash} (change {change})").format(cash=text, change=money_text(change))
        return text
    if tender.method is PaymentKind.CARD:
        return _("Card •••• {last4}  {amount}").format(
            last4=tender.card_last4.strip()[-4:], amount=money_text(tender.amount_minor)
        )
    if tender.method is PaymentKind.GIFT_CARD:
        return describe_tender(tender)
    if tender.method is PaymentKind.POINTS:
        return describe_points(tender)
    return _("Account {last4}  {amount}").format(
        last4=tender.account_number.strip()[-4:], amount=money_text(tender.amount_minor)
    )
