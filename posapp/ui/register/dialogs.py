"""Small keyboard-first dialogs of the register: quantity, discount, price, approval, coupon, text.

Each opens with its field focused and its value selected; Enter accepts, Esc cancels; a refused
value shows why under the field and the dialog stays open.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from PySide6.QtCore import QEvent, QLocale, QObject, Qt, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import _, language
from posapp.money import BP_PER_UNIT, MoneyError, format_money, parse_money
from posapp.services.platform.errors import ServiceError, ValidationError
from posapp.services.sales import MAX_LINE_QUANTITY, Discount, ManagerApproval, check_quantity
from posapp.ui.kit.dialogs import dialog_buttons, dialog_column
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.widgets import SPACING, message_label, show_message
from posapp.ui.register.panels import no_default_buttons
from posapp.units import (
    QuantityError,
    Unit,
    is_measured,
    parse_quantity,
    quantity_figure,
    typing_example,
)

PERCENT_DIGITS = 2


def parse_amount(text: str, *, allow_zero: bool = False, locale: QLocale | None = None) -> int:
    """Parse money typed at the register with the locale's separators.

    Raises:
        MoneyError: the text is not an acceptable amount (the message says why).
    """
    loc = locale or QLocale()
    group = loc.groupSeparator()
    decimal = loc.decimalPoint()
    return parse_money(
        text,
        decimal_sep=decimal,
        group_sep=group if group != decimal else "",
        allow_zero=allow_zero,
    )


def amount_text(minor: int, locale: QLocale | None = None) -> str:
    """An amount for an input field: the locale's separators, no currency symbol."""
    loc = locale or QLocale()
    group = loc.groupSeparator()
    decimal = loc.decimalPoint()
    return format_money(minor, decimal_sep=decimal, group_sep=group if group != decimal else "")


def parse_whole(text: str) -> int:
    """Parse a quantity of whole units.

    Raises:
        ValidationError: empty, not a whole number, zero, negative or too large.
    """
    value = "".join(
        str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None else ch
        for ch in unicodedata.normalize("NFKC", text).strip()
    )
    if not value:
        raise ValidationError(_("Enter a quantity."))
    if value.startswith("-"):
        raise ValidationError(_("A quantity must be at least 1."))
    if not value.isascii() or not value.isdigit():
        raise ValidationError(_("Items are sold by the unit: enter a whole number."))
    if len(value) > len(str(MAX_LINE_QUANTITY)):
        raise ValidationError(
            _("A line holds at most {count} units.").format(count=f"{MAX_LINE_QUANTITY:,}")
        )
    return check_quantity(int(value))


def parse_discount(text: str, locale: QLocale | None = None) -> Discount | None:
    """``10%`` or ``12.5 %`` is a percentage, ``2.50`` an amount; empty clears the discount.

    Raises:
        ValidationError, MoneyError: not a percentage between 0 and 100 or a valid amount.
    """
    value = unicodedata.normalize("NFKC", text).strip()
    if not value:
        return None
    if value.endswith("%"):
        number = value[:-1].strip()
        try:
            scaled = parse_money(
                number,
                decimal_sep=(locale or QLocale()).decimalPoint(),
                group_sep="",
                allow_zero=True,
            )
        except MoneyError as exc:
            raise ValidationError(_("Enter a percentage like 10% or 12.5%.")) from exc
        if scaled > BP_PER_UNIT:
            raise ValidationError(_("A discount is at most 100%."))
        return Discount.percent(scaled)
    return Discount.amount(parse_amount(value, allow_zero=True, locale=locale))


class ValueDialog(QDialog):
    """One field, a hint, an error line; ``parse`` turns the text into :attr:`value` or raises."""

    def __init__(
        self,
        title: str,
        label: str,
        hint: str,
        parse: Callable[[str], object],
        *,
        text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("registerValueDialog")
        self._parse = parse
        self.value: object = None
        self.edit = QLineEdit(text, self)
        self.edit.setAccessibleName(label)
        self.edit.selectAll()
        caption = QLabel(label, self)
        caption.setProperty("role", "field")
        caption.setBuddy(self.edit)
        hint_label = QLabel(hint, self)
        hint_label.setProperty("role", "muted")
        hint_label.setWordWrap(True)
        self.error = message_label("errorLabel", self)
        buttons = dialog_buttons(self, self._on_buttons_accepted)
        dialog_column(self, caption, self.edit, hint_label, self.error, buttons, spacing=SPACING)
        self.setMinimumWidth(48 * SPACING)
        self.edit.setFocus()

    @Slot()
    def _on_buttons_accepted(self) -> None:
        try:
            self.value = self._parse(self.edit.text())
        except (ServiceError, MoneyError) as exc:
            show_message(self.error, str(exc))
            self.edit.setFocus()
            self.edit.selectAll()
            return
        self.accept()


def quantity_dialog(
    current: int, name: str, parent: QWidget | None, unit: str = Unit.PIECE
) -> ValueDialog:
    """Ask for a line's quantity, in its product's unit (``0.455`` kg; :mod:`posapp.units`)."""
    if unit == Unit.PIECE:
        return ValueDialog(
            _("Quantity"),
            _("Quantity of {product}").format(product=name),
            _("Whole units. Tip: type 3* before scanning to add three at once."),
            parse_whole,
            text=str(current),
            parent=parent,
        )

    def parse(text: str) -> int:
        try:
            return check_quantity(parse_quantity(text.removesuffix(unit).strip(), unit), unit)
        except QuantityError as exc:
            raise ValidationError(str(exc)) from exc

    hint = (
        _(
            "In {unit}, up to three decimals. Tip: type {example}* before the code to add "
            "{example} {unit}."
        )
        if is_measured(unit)
        else _("In {unit}, whole. Tip: type {example}* before the code to add {example} {unit}.")
    )
    return ValueDialog(
        _("Quantity"),
        _("Quantity of {product} in {unit}").format(product=name, unit=unit),
        hint.format(unit=unit, example=typing_example(unit)),
        parse,
        text=quantity_figure(current, unit),
        parent=parent,
    )


def discount_dialog(
    what: str, current: Discount | None, cap_bp: int, parent: QWidget | None
) -> ValueDialog:
    """Ask for a discount on a line or the order."""
    shown = ""
    if current is not None:
        shown = current.describe()
    return ValueDialog(
        _("Discount"),
        _("Discount on {what}").format(what=what),
        _(
            "Type 10% for a percentage or {amount} for an amount; leave empty to remove it. "
            "Above {cap}% a manager approves."
        ).format(amount=amount_text(250), cap=f"{cap_bp / 100:g}"),
        parse_discount,
        text=shown,
        parent=parent,
    )


def price_dialog(name: str, current: int, list_price: int, parent: QWidget | None) -> ValueDialog:
    """Ask for a new unit price (empty restores the list price)."""

    def parse(text: str) -> int | None:
        return None if not text.strip() else parse_amount(text, allow_zero=True)

    return ValueDialog(
        _("Change price"),
        _("Unit price of {product}").format(product=name),
        _(
            "List price {price}. A manager approves any change; leave empty to "
            "go back to the list price."
        ).format(price=money_text(list_price)),
        parse,
        text=amount_text(current),
        parent=parent,
    )


def text_dialog(
    title: str, label: str, hint: str, parent: QWidget | None, *, required: bool = True
) -> ValueDialog:
    """Ask for a short text (a reason, a label)."""

    def parse(text: str) -> str:
        value = text.strip()
        if required and not value:
            # English writes the field's name in lower case inside the sentence; others keep it
            field = label.lower() if language() == "en" else label
            raise ValidationError(_("Enter the {field}.").format(field=field))
        return value

    return ValueDialog(title, label, hint, parse, parent=parent)


class ApprovalDialog(QDialog):
    """A manager types their name, password and a reason; checked before the dialog closes."""

    def __init__(
        self,
        what: str,
        verify: Callable[[ManagerApproval], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Manager approval"))
        self.setObjectName("approvalDialog")
        self._verify = verify
        self.approval: ManagerApproval | None = None
        self.approver_name = ""
        intro = QLabel(what, self)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        intro.setProperty("role", "field")
        self.username_edit = QLineEdit(self)
        self.username_edit.setAccessibleName(_("Manager username"))
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName(_("Manager password"))
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setAccessibleName(_("Reason"))
        self.reason_edit.setPlaceholderText(_("e.g. damaged packaging"))
        form = QFormLayout()
        form.addRow(_("&Manager"), self.username_edit)
        form.addRow(_("&Password"), self.password_edit)
        form.addRow(_("&Reason"), self.reason_edit)
        self.error = message_label("errorLabel", self)
        buttons = dialog_buttons(self, self._on_buttons_accepted, _("Approve"))
        dialog_column(self, intro, form, self.error, buttons, spacing=SPACING)
        self.setMinimumWidth(52 * SPACING)

    @Slot()
    def _on_buttons_accepted(self) -> None:
        approval = ManagerApproval(
            self.username_edit.text(), self.password_edit.text(), self.reason_edit.text()
        )
        try:
            self.approver_name = self._verify(approval)
        except ServiceError as exc:
            show_message(self.error, str(exc))
            self.password_edit.clear()
            (self.reason_edit if "reason" in str(exc).lower() else self.username_edit).setFocus()
            return
        self.approval = approval
        self.accept()


class CouponDialog(QDialog):
    """Type or scan coupon codes; each is quoted at once and listed with what it takes off.

    ``apply(code)`` quotes and applies a code (raising ``ServiceError`` with the refusal);
    ``remove(code)`` takes one off; ``applied()`` lists ``(code, text)`` rows.
    """

    def __init__(
        self,
        apply: Callable[[str], None],
        remove: Callable[[str], None],
        applied: Callable[[], list[tuple[str, str]]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Coupons"))
        self.setObjectName("couponDialog")
        self._apply, self._remove, self._applied = apply, remove, applied
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(_("Coupon code"))
        self.edit.setPlaceholderText(_("Scan or type a code, then Enter"))
        self.edit.returnPressed.connect(self._on_edit_return_pressed)
        self.edit.installEventFilter(self)  # Del in the empty field removes a coupon
        self.list = QListWidget(self)
        self.list.setAccessibleName(_("Applied coupons"))
        self.remove_button = QPushButton(_("Remove (Del)"), self)
        self.remove_button.setShortcut("Del")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.error = message_label("errorLabel", self)
        self.note = QLabel("", self)
        self.note.setProperty("role", "muted")
        done = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        done.rejected.connect(self.accept)
        parts = (self.edit, self.error, self.list, self.note, self.remove_button, done)
        dialog_column(self, *parts, spacing=SPACING)
        self.setMinimumWidth(56 * SPACING)
        no_default_buttons(self)
        self._reload()

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The field takes Del for itself, so the button's shortcut never fires while it has the
        # focus (always, here): empty, Del is the button's.
        if (
            watched is self.edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Delete
            and not self.edit.text()
        ):
            self._on_remove_clicked()
            return True
        return super().eventFilter(watched, event)

    def _reload(self) -> None:
        self.list.clear()
        for code, text in self._applied():
            self.list.addItem(f"{code} — {text}")
            self.list.item(self.list.count() - 1).setData(Qt.ItemDataRole.UserRole, code)
        self.remove_button.setEnabled(self.list.count() > 0)
        self.note.setText(_("Enter applies a code; Esc closes.") if self.list.count() == 0 else "")

    @Slot()
    def _on_edit_return_pressed(self) -> None:
        code = self.edit.text().strip()
        if not code:
            self.accept()
            return
        try:
            self._apply(code)
        except ServiceError as exc:
            show_message(self.error, str(exc))
            self.edit.selectAll()
            return
        show_message(self.error, "")
        self.edit.clear()
        self._reload()

    @Slot()
    def _on_remove_clicked(self) -> None:
        row = max(0, self.list.currentRow())
        item = self.list.item(row) if self.list.count() else None
        if item is not None:
            self._remove(str(item.data(Qt.ItemDataRole.UserRole)))
            self._reload()
        self.edit.setFocus()
