"""Gift cards at the register: sell or reload one as a line, ask a card's balance, pay with one.

Keys: **Ctrl+G** sells a gift card on the sale (type the amount, Enter; or Tab to scan a card to
reload first), **Ctrl+B** asks a card's balance (scan, Enter, Esc), and in the payment dialog
**F4** takes a gift card as a tender (scan the card, Enter: it pays what is left, or what the
card holds if that is less; an amount typed first is taken as is). Refused codes (look-alike,
invisible or foreign characters, unknown, expired) are said in the dialog, never a traceback.

A gift card on the sale is not a product line: the cart keeps it apart (``Cart.gift_cards``),
the totals panel lists it under the products and its amount is in the total the customer pays;
checkout sells, reloads and spends the cards in the sale's own transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from posapp.i18n import _, ngettext
from posapp.money import MoneyError
from posapp.services.customers import GiftCardDTO, GiftCardLimits
from posapp.services.platform.errors import ServiceError, ValidationError
from posapp.services.sales import GiftCardLine, PaymentDraft, PaymentKind
from posapp.ui.kit.dialogs import dialog_buttons, dialog_column
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.lifetime import one_use
from posapp.ui.kit.widgets import SPACING, message_label, plain_label, show_message
from posapp.ui.register.dialogs import parse_amount
from posapp.ui.register.screen import SaleScreen

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from posapp.ui.register.panels import TotalsPanel

__all__ = [
    "BalanceDialog",
    "GiftCardDialog",
    "GiftCardScreen",
    "GiftCardTender",
    "RegisterGiftCards",
    "card_text",
    "describe_tender",
    "line_text",
]

Lookup = Callable[[str], GiftCardDTO]


def card_text(card: GiftCardDTO) -> str:
    """A balance as the cashier reads it out: code, balance, validity."""
    if card.expired:
        until = _("EXPIRED: it cannot be spent")
    elif card.expires_at is None:
        until = _("no expiry")
    else:
        until = _("valid until {date} (exclusive)").format(
            date=card.expires_at.astimezone().strftime("%Y-%m-%d")
        )
    balance = _("Balance {amount} · {validity}").format(
        amount=money_text(card.balance_minor), validity=until
    )
    return f"{card.code}\n{balance}"


def line_text(card: GiftCardLine) -> str:
    """A gift card line of the sale, for the totals panel and the dialog."""
    if card.reload_code:
        return _("Gift card reload …{last4}  {amount}").format(
            last4=card.reload_code[-4:], amount=money_text(card.amount_minor)
        )
    return _("Gift card (new)  {amount}").format(amount=money_text(card.amount_minor))


class GiftCardDialog(QDialog):
    """Ctrl+G: the amount of a new gift card (or of a reload, with the card scanned).

    ``value`` is the line to add; ``cleared`` says Ctrl+Del took the sale's cards off.
    """

    def __init__(
        self,
        limits: GiftCardLimits | None,
        on_sale: list[GiftCardLine],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Sell a gift card"))
        self.setObjectName("registerValueDialog")
        self.limits = limits
        self.value: GiftCardLine | None = None
        self.cleared = False
        self.amount_edit = QLineEdit(self)
        self.amount_edit.setAccessibleName(_("Gift card amount"))
        self.amount_edit.setPlaceholderText(_("Amount on the card"))
        self.code_edit = QLineEdit(self)
        self.code_edit.setAccessibleName(_("Card to reload"))
        self.code_edit.setPlaceholderText(_("Reload: scan the card (empty: a new card)"))
        hint = _("Enter adds the card to the sale; Tab, then a card's code, reloads it instead.")
        if limits is not None:
            low, high = money_text(limits.min_minor), money_text(limits.max_minor)
            months = limits.expiry_months
            limits_text = (
                ngettext(
                    "From {low} to {high}, valid {count} month.",
                    "From {low} to {high}, valid {count} months.",
                    months,
                ).format(low=low, high=high, count=months)
                if months
                else _("From {low} to {high}.").format(low=low, high=high)
            )
            hint = f"{limits_text} {hint}"
        hint_label = plain_label(hint, self)
        hint_label.setProperty("role", "muted")
        hint_label.setWordWrap(True)
        listed = "\n".join(line_text(card) for card in on_sale)
        self.on_sale = plain_label(
            _("On this sale:\n{cards}\nCtrl+Del takes them off.").format(cards=listed)
            if on_sale
            else "",
            self,
        )
        self.on_sale.setVisible(bool(on_sale))
        self.error = message_label("errorLabel", self)
        buttons = dialog_buttons(self, self._on_buttons_accepted, _("Add to sale"))
        for edit in (self.amount_edit, self.code_edit):
            edit.returnPressed.connect(self._on_buttons_accepted)
        clear = QShortcut(QKeySequence("Ctrl+Del"), self)
        clear.activated.connect(self._on_clear_activated)
        dialog_column(
            self, self.amount_edit, self.code_edit, hint_label, self.on_sale, self.error, buttons
        )
        self.setMinimumWidth(52 * SPACING)
        self.amount_edit.setFocus()

    @Slot()
    def _on_buttons_accepted(self) -> None:
        try:
            amount = parse_amount(self.amount_edit.text())
            if self.limits is not None and not (
                self.limits.min_minor <= amount <= self.limits.max_minor
            ):
                raise ValidationError(
                    _("A gift card is between {low} and {high}.").format(
                        low=money_text(self.limits.min_minor),
                        high=money_text(self.limits.max_minor),
                    )
                )
        except (ServiceError, MoneyError) as exc:
            show_message(self.error, str(exc))
            self.amount_edit.setFocus()
            self.amount_edit.selectAll()
            return
        self.value = GiftCardLine(amount, self.code_edit.text().strip())
        self.accept()

    @Slot()
    def _on_clear_activated(self) -> None:
        self.cleared = True
        self.accept()


class BalanceDialog(QDialog):
    """Ctrl+B: scan or type a card, Enter shows its balance; Esc closes."""

    def __init__(self, lookup: Lookup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Gift card balance"))
        self.setObjectName("registerValueDialog")
        self._lookup = lookup
        self.code_edit = QLineEdit(self)
        self.code_edit.setAccessibleName(_("Gift card code"))
        self.code_edit.setPlaceholderText(_("Scan or type the gift card's code, Enter"))
        self.code_edit.returnPressed.connect(self._on_code_edit_return_pressed)
        self.balance_label = plain_label("", self, "giftCardBalance")
        self.balance_label.setVisible(False)
        self.error = message_label("errorLabel", self)
        dialog_column(self, self.code_edit, self.balance_label, self.error, spacing=SPACING)
        self.setMinimumWidth(52 * SPACING)
        self.code_edit.setFocus()

    @Slot()
    def _on_code_edit_return_pressed(self) -> None:
        try:
            card = self._lookup(self.code_edit.text())
        except ServiceError as exc:
            show_message(self.error, str(exc))
            show_message(self.balance_label, "")
        else:
            show_message(self.error, "")
            show_message(self.balance_label, card_text(card))
        self.code_edit.selectAll()


class GiftCardTender:
    """The payment dialog's gift card fields (F4): the card's code and what it holds."""

    def __init__(self, page: QWidget, lookup: Lookup | None) -> None:
        self._lookup = lookup
        self.code_edit = QLineEdit(page)
        self.code_edit.setObjectName("giftCardCode")
        self.code_edit.setAccessibleName(_("Gift card code"))
        self.code_edit.setPlaceholderText(_("Scan the gift card, Enter"))
        self.row = QWidget(page)
        row = QHBoxLayout(self.row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.code_edit)

    def tender(self, key: uuid.UUID, amount: int, left: int, *, typed: bool) -> PaymentDraft:
        """The tender for the card scanned: ``amount``, or what the card holds when less.

        An amount the cashier typed is taken as is (checkout refuses it when the card holds
        less); the prefilled "left to pay" becomes the card's balance when that is smaller.

        Raises:
            ServiceError: no code, a refused code, or an empty or expired card.
        """
        code = self.code_edit.text().strip()
        if not code:
            self.code_edit.setFocus()
            raise ValidationError(_("Scan or type the gift card's code."))
        if self._lookup is not None:
            try:
                card = self._lookup(code)
            except ServiceError:
                self.code_edit.setFocus()
                self.code_edit.selectAll()
                raise
            if card.expired or card.balance_minor <= 0:
                self.code_edit.setFocus()
                self.code_edit.selectAll()
                raise ValidationError(
                    _("This gift card has expired.")
                    if card.expired
                    else _("This gift card is empty.")
                )
            if not typed:
                amount = min(amount, card.balance_minor, left)
        self.code_edit.clear()
        return PaymentDraft(key, PaymentKind.GIFT_CARD, amount, gift_card_code=code)


def describe_tender(tender: PaymentDraft) -> str:
    """A gift card tender in the payment dialog's list."""
    return _("Gift card …{last4}  {amount}").format(
        last4=tender.gift_card_code.strip()[-4:], amount=money_text(tender.amount_minor)
    )


class GiftCardScreen(SaleScreen, Protocol):
    """What the gift card keys need of the register view (:class:`RegisterView`)."""

    @property
    def totals(self) -> TotalsPanel:
        """The totals panel."""
        ...

    def window(self) -> QWidget:
        """The register's window (the dialogs' parent)."""
        ...


class RegisterGiftCards:
    """The register's gift card keys and the sale's gift cards under its totals.

    ``keys_off`` is the register's own guard around its dialogs (its keys off meanwhile).
    """

    def __init__(
        self, view: GiftCardScreen, keys_off: Callable[[], AbstractContextManager[None]]
    ) -> None:
        self.view = view
        self._keys_off = keys_off
        self.strip = plain_label("", view.totals, "giftCardLines")
        self.strip.setVisible(False)
        layout = view.totals.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, self.strip)  # under the subtotal, discounts, coupon and tax

    def refresh(self) -> None:
        """Show the sale's gift cards and the total with them (after the panel's own refresh)."""
        cards = self.view.cart.gift_cards
        self.strip.setText("\n".join(line_text(card) for card in cards))
        self.strip.setVisible(bool(cards))
        if cards:
            self.view.totals.total_label.setText(money_text(self.view.cart.total_minor))

    def lookup(self, code: str) -> GiftCardDTO:
        """A card's balance (the service checks the code and says why it refuses one)."""
        return self.view.sales.gift_card(self.view.user, code)

    def sell(self) -> None:
        """Ctrl+G: add a new gift card (or a reload) to the sale."""
        with self._keys_off():
            self._sell()

    def _sell(self) -> None:
        view = self.view
        try:
            limits: GiftCardLimits | None = view.sales.gift_card_limits(view.user)
        except ServiceError as exc:
            view.say(str(exc), "error")
            return
        dialog = GiftCardDialog(limits, list(view.cart.gift_cards), view.window())
        with one_use(dialog):
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            value, cleared = dialog.value, dialog.cleared
        if cleared:
            view.cart.gift_cards.clear()
            view.say(_("Gift cards taken off the sale."), "info")
        elif value is not None:
            view.cart.gift_cards.append(value)
            view.say(_("{line} added: F12 to pay.").format(line=line_text(value)), "info")
        view.refresh()

    def balance(self) -> None:
        """Ctrl+B: a card's balance, asked by the customer at the till."""
        with self._keys_off(), one_use(BalanceDialog(self.lookup, self.view.window())) as d:
            d.exec()
