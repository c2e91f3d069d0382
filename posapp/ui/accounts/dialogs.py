"""Dialogs of the Accounts tab: open or edit an account, freeze/unfreeze/close, PIN, reversal.

Each is a :class:`~posapp.ui.kit.form_dialog.FormDialog` (a refusal shows its message and the
dialog stays open). Money typed here goes through :func:`posapp.money.parse_money` with the
locale's separators.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QLineEdit,
    QWidget,
)

from posapp.i18n import N_, _
from posapp.money import MoneyError, format_money, parse_money
from posapp.services.accounts import (
    PIN_MAX,
    AccountDraft,
    AccountDTO,
    AccountsApi,
    MovementDTO,
    display,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ValidationError
from posapp.ui.kit.form_dialog import FormDialog, FormLook
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.widgets import SPACING, show_message

DIALOG_WIDTH = 60 * SPACING


def parse_amount(text: str, field: str = _("Amount"), *, allow_zero: bool = False) -> int:
    """Parse money typed in this locale; refuse with ``field`` named in the message."""
    locale = QLocale()
    try:
        return parse_money(
            text,
            decimal_sep=locale.decimalPoint(),
            group_sep=locale.groupSeparator(),
            allow_zero=allow_zero,
        )
    except MoneyError as exc:
        raise ValidationError(_("{field}: {reason}.").format(field=field, reason=exc)) from exc


def amount_text(minor: int) -> str:
    """Minor units as the locale writes them in a field, without a symbol: ``1,234.50``."""
    locale = QLocale()
    return format_money(minor, decimal_sep=locale.decimalPoint(), group_sep=locale.groupSeparator())


def money_edit(parent: QWidget, placeholder: str = "") -> QLineEdit:
    """A line edit for an amount (right-aligned, locale placeholder)."""
    edit = QLineEdit(parent)
    edit.setAlignment(Qt.AlignmentFlag.AlignRight)
    edit.setPlaceholderText(placeholder or amount_text(0))
    edit.setMaxLength(40)
    return edit


def pin_edit(parent: QWidget, placeholder: str) -> QLineEdit:
    """A masked field for an account PIN."""
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(PIN_MAX + 4)
    edit.setPlaceholderText(placeholder)
    edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
    return edit


class AccountsDialog(FormDialog):
    """The Accounts screens' form dialog (see :class:`~posapp.ui.kit.form_dialog.FormDialog`)."""

    look = FormLook(
        object_name="accountsDialog",
        sheets=("shared", "accounts"),
        width=DIALOG_WIDTH,
        intro_gap=SPACING,
        field_gap=int(1.5 * SPACING),
        label_gap=SPACING // 2,
    )


class AccountFormDialog(AccountsDialog):
    """Open an account (with the holder's PIN) or edit one; :attr:`account` is the result."""

    def __init__(
        self,
        api: AccountsApi,
        actor: UserDTO,
        account: AccountDTO | None = None,
        parent: QWidget | None = None,
    ) -> None:
        editing = account is not None
        super().__init__(
            _("Edit account") if editing else _("Open an account"),
            _("Change the holder's details and limits.")
            if editing
            else _("The holder chooses a 4 to 6 digit PIN and types it twice."),
            _("Save") if editing else _("Open account"),
            parent,
        )
        self._api, self._actor, self._original = api, actor, account
        self.account: AccountDTO | None = None
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(400)
        self.email_edit = QLineEdit(self)
        self.email_edit.setPlaceholderText("name@example.com")
        self.phone_edit = QLineEdit(self)
        self.phone_edit.setPlaceholderText("+44 7700 900123")
        self.overdraft_edit = money_edit(self, amount_text(0))
        self.daily_edit = money_edit(self, _("No limit"))
        self.opt_in_box = QCheckBox(_("Holder agrees to receive offers by email"), self)
        self.add_field(_("Holder's &name"), self.name_edit)
        self.add_field(_("&Email"), self.email_edit, _("Optional."))
        self.add_field(_("&Phone"), self.phone_edit, _("Optional: digits, spaces, +, - and ( )."))
        self.add_field(_("&Overdraft limit"), self.overdraft_edit, _("0 means no overdraft."))
        self.add_field(
            _("&Daily withdrawal limit"),
            self.daily_edit,
            _("Empty means no limit (24 hours, rolling)."),
        )
        self.fields.addSpacing(int(1.5 * SPACING))
        self.fields.addWidget(self.opt_in_box)
        self.pin_edit = pin_edit(self, _("4 to 6 digits"))
        self.pin_again_edit = pin_edit(self, _("The same PIN again"))
        if account is None:
            self.add_field(_("Holder's P&IN"), self.pin_edit)
            self.add_field(_("&Repeat the PIN"), self.pin_again_edit)
        else:
            self.name_edit.setText(account.holder_name)
            self.email_edit.setText(account.email)
            self.phone_edit.setText(account.phone)
            self.overdraft_edit.setText(amount_text(account.overdraft_limit_minor))
            if account.daily_withdrawal_limit_minor is not None:
                self.daily_edit.setText(amount_text(account.daily_withdrawal_limit_minor))
            self.opt_in_box.setChecked(account.marketing_opt_in)
        self.name_edit.setFocus()

    def draft(self) -> AccountDraft:
        """The typed values (money parsed; refused with a message naming the field)."""
        overdraft_text = self.overdraft_edit.text().strip()
        daily_text = self.daily_edit.text().strip()
        overdraft = (
            parse_amount(overdraft_text, _("Overdraft limit"), allow_zero=True)
            if overdraft_text
            else 0
        )
        daily = parse_amount(daily_text, _("Daily withdrawal limit")) if daily_text else None
        return AccountDraft(
            holder_name=self.name_edit.text(),
            email=self.email_edit.text(),
            phone=self.phone_edit.text(),
            overdraft_limit_minor=overdraft,
            daily_withdrawal_limit_minor=daily,
            marketing_opt_in=self.opt_in_box.isChecked(),
        )

    def submit(self) -> None:  # noqa: D102 - see AccountsDialog.submit
        draft = self.draft()
        if self._original is not None:
            original = self._original
            self.account = self._api.edit(self._actor, original.id, draft, original.version)
            return
        if self.pin_edit.text() != self.pin_again_edit.text():
            self.pin_again_edit.clear()
            self.pin_again_edit.setFocus()
            raise ValidationError(_("The two PINs are not the same: type the PIN again."))
        self.account = self._api.open(self._actor, draft, self.pin_edit.text())


STATUS_ACTIONS = {
    "freeze": (
        N_("Freeze account"),
        N_(
            "A frozen account still receives money (deposits, refunds, transfers in) but nothing "
            "can be paid or withdrawn from it until it is unfrozen."
        ),
        N_("Freeze"),
    ),
    "unfreeze": (
        N_("Unfreeze account"),
        N_("The holder can spend from the account again."),
        N_("Unfreeze"),
    ),
    "close": (
        N_("Close account"),
        N_("A closed account takes and gives nothing, for good. Its balance must be zero."),
        N_("Close account"),
    ),
}


class StatusDialog(AccountsDialog):
    """Freeze, unfreeze or close an account, with a reason for the audit log."""

    def __init__(
        self,
        api: AccountsApi,
        actor: UserDTO,
        account: AccountDTO,
        action: str,
        parent: QWidget | None = None,
    ) -> None:
        title, text, button = (_(part) for part in STATUS_ACTIONS[action])
        super().__init__(title, text, button, parent, danger=action != "unfreeze")
        self._api, self._actor, self._account, self._action = api, actor, account, action
        self.account: AccountDTO | None = None
        show_message(
            self.info_label,
            _("{holder} · {number} · balance {balance}").format(
                holder=account.holder_name,
                number=display(account.number),
                balance=money_text(account.balance_minor),
            ),
        )
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setMaxLength(500)
        self.reason_edit.setPlaceholderText(_("Why, for the audit log"))
        required = action != "unfreeze"
        self.add_field(_("&Reason"), self.reason_edit, "" if required else _("Optional."))
        self.reason_edit.setFocus()

    def submit(self) -> None:  # noqa: D102 - see AccountsDialog.submit
        reason = self.reason_edit.text()
        account_id = self._account.id
        if self._action == "freeze":
            self.account = self._api.freeze(self._actor, account_id, reason)
        elif self._action == "unfreeze":
            self.account = self._api.unfreeze(self._actor, account_id, reason)
        else:
            self.account = self._api.close(self._actor, account_id, reason)


class PinDialog(AccountsDialog):
    """Set the PIN the holder chose; this also unlocks an account locked by wrong PINs."""

    def __init__(
        self, api: AccountsApi, actor: UserDTO, account: AccountDTO, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            _("Reset PIN"),
            _(
                "Hand the keypad to the holder: they choose a new 4 to 6 digit PIN "
                "and type it twice."
            ),
            _("Set PIN"),
            parent,
        )
        self._api, self._actor, self._account = api, actor, account
        self.account: AccountDTO | None = None
        show_message(self.info_label, f"{account.holder_name} · {display(account.number)}")
        self.pin_edit = pin_edit(self, _("4 to 6 digits"))
        self.pin_again_edit = pin_edit(self, _("The same PIN again"))
        self.add_field(_("New P&IN"), self.pin_edit)
        self.add_field(_("&Repeat the PIN"), self.pin_again_edit)
        self.pin_edit.setFocus()

    def submit(self) -> None:  # noqa: D102 - see AccountsDialog.submit
        if self.pin_edit.text() != self.pin_again_edit.text():
            self.pin_again_edit.clear()
            self.pin_again_edit.setFocus()
            raise ValidationError(_("The two PINs are not the same: type the PIN again."))
        self.account = self._api.reset_pin(self._actor, self._account.id, self.pin_edit.text())


class ReverseDialog(AccountsDialog):
    """Reverse one movement by a mirror transaction that points at it."""

    def __init__(
        self,
        api: AccountsApi,
        actor: UserDTO,
        movement: MovementDTO,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            _("Reverse movement"),
            _(
                "The movement stays in the ledger; a reversal with the opposite amounts is added "
                "and points at it. A movement can be reversed once."
            ),
            _("Reverse"),
            parent,
            danger=True,
        )
        self._api, self._actor, self._movement = api, actor, movement
        self._key = uuid.uuid4()  # made when the dialog opens: a retry never moves twice
        self.reversed = False
        show_message(
            self.info_label,
            f"#{movement.transaction_id} · {movement.label} · "
            f"{money_text(movement.amount_minor)} · {movement.memo}",
        )
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setMaxLength(400)
        self.reason_edit.setPlaceholderText(_("What was wrong, for the audit log"))
        self.add_field(_("&Reason"), self.reason_edit)
        self.reason_edit.setFocus()

    def submit(self) -> None:  # noqa: D102 - see AccountsDialog.submit
        self._api.reverse(
            self._actor,
            self._movement.transaction_id,
            key=self._key,
            reason=self.reason_edit.text(),
        )
        self.reversed = True
