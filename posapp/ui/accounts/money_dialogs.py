"""Money dialogs of the Accounts tab: deposit, withdraw (with PIN and approval), transfer.

Each dialog makes its idempotency key when it opens: pressing the button again after a lost
answer (a timeout, a crash of the register) replays the first movement instead of making a
second one, and the same key with another amount is refused.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLineEdit, QWidget

from posapp.i18n import N_, _, pgettext
from posapp.services.accounts import (
    STATUS_LABELS,
    AccountDTO,
    AccountsApi,
    ApprovalRequiredError,
    MovementResult,
    WithdrawalRules,
    WrongPinError,
    display,
)
from posapp.services.platform.dto import StoreDTO, UserDTO
from posapp.services.platform.errors import ServiceError, ValidationError
from posapp.services.staff import Approval, Permission, StaffApi, has_permission
from posapp.ui.accounts.dialogs import AccountsDialog, money_edit, parse_amount, pin_edit
from posapp.ui.kit.chevron import ChevronCombo
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.session import error_text
from posapp.ui.kit.widgets import plain_label, show_message
from posapp.ui.staff import ask_approval

NO_STORE = N_("No store here takes cash: add a storefront first.")


class _MoneyDialog(AccountsDialog):
    """What the three money dialogs share: account line, amount, store, memo, key."""

    def __init__(
        self,
        api: AccountsApi,
        actor: UserDTO,
        account: AccountDTO,
        titles: tuple[str, str, str],
        parent: QWidget | None = None,
        *,
        stores: list[StoreDTO] | None = None,
    ) -> None:
        super().__init__(*titles, parent)
        self._api, self._actor, self._account = api, actor, account
        self.key = uuid.uuid4()
        self.movement: MovementResult | None = None
        self.amount_edit = money_edit(self)
        self.memo_edit = QLineEdit(self)
        self.memo_edit.setMaxLength(200)
        self.memo_edit.setPlaceholderText(_("Optional note on the statement"))
        self.store_combo = ChevronCombo(self)
        for store in stores or []:
            self.store_combo.addItem(store.name, store.id)

    def _add_store_field(self) -> None:
        if self.store_combo.count() > 1:
            self.add_field(_("&Store (cash drawer)"), self.store_combo)
            return
        self.store_combo.hide()  # one store: nothing to choose
        if self.store_combo.count() == 0:
            self.show_error(_(NO_STORE))
            self.ok_button.setEnabled(False)

    def _store_id(self) -> int:
        store_id = self.store_combo.currentData()
        if not isinstance(store_id, int):
            raise ValidationError(_(NO_STORE))
        return store_id


class DepositDialog(_MoneyDialog):
    """Take cash into an account (open or frozen) at this store's till."""

    def __init__(
        self,
        api: AccountsApi,
        actor: UserDTO,
        account: AccountDTO,
        stores: list[StoreDTO],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            api,
            actor,
            account,
            (
                _("Deposit"),
                _("Count the cash, then enter the amount put in the drawer."),
                pgettext("button", "Deposit"),
            ),
            parent,
            stores=stores,
        )
        show_message(
            self.info_label,
            _("{holder} · {number} · balance {balance}").format(
                holder=account.holder_name,
                number=display(account.number),
                balance=money_text(account.balance_minor),
            ),
        )
        self.add_field(_("&Amount"), self.amount_edit)
        self._add_store_field()
        self.add_field(_("&Note"), self.memo_edit)
        self.amount_edit.setFocus()

    def submit(self) -> None:  # noqa: D102 - see AccountsDialog.submit
        amount = parse_amount(self.amount_edit.text())
        self.movement = self._api.deposit(
            self._actor,
            self._account.id,
            amount,
            key=self.key,
            store_id=self._store_id(),
            memo=self.memo_edit.text(),
        )


class WithdrawDialog(_MoneyDialog):
    """Pay out cash after the holder's PIN; above the threshold a manager approves.

    ``staff`` checks the approving manager's credentials.
    """

    def __init__(
        self,
        api: AccountsApi,
        staff: StaffApi,
        actor: UserDTO,
        account: AccountDTO,
        stores: list[StoreDTO],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            api,
            actor,
            account,
            (
                _("Withdraw"),
                _("The holder types their PIN; pay out the cash once it is done."),
                _("Withdraw"),
            ),
            parent,
            stores=stores,
        )
        self._staff = staff
        self.approval: Approval | None = None
        self._approved_amount: int | None = None
        self.rules: WithdrawalRules | None = None
        try:
            self.rules = api.withdrawal_rules(actor, account.id)
        except ServiceError as exc:
            self.show_error(error_text(self, exc))
        show_message(self.info_label, self._rules_text(account))
        self.pin_edit = pin_edit(self, _("Holder types their PIN"))
        self.add_field(_("&Amount"), self.amount_edit)
        self.add_field(_("Holder's P&IN"), self.pin_edit, _("3 wrong PINs lock the account."))
        self._add_store_field()
        self.add_field(_("&Note"), self.memo_edit)
        self.amount_edit.setFocus()

    def _rules_text(self, account: AccountDTO) -> str:
        lines = [f"{account.holder_name} · {display(account.number)}"]
        rules = self.rules
        if rules is not None:
            parts = [_("Available {amount}").format(amount=money_text(rules.available_minor))]
            remaining = rules.daily_remaining_minor
            if rules.daily_limit_minor is not None and remaining is not None:
                parts.append(
                    _("daily limit {limit} ({left} left)").format(
                        limit=money_text(rules.daily_limit_minor), left=money_text(remaining)
                    )
                )
            parts.append(
                _("a manager approves above {amount}").format(
                    amount=money_text(rules.approval_above_minor)
                )
            )
            lines.append(" · ".join(parts))
        return "\n".join(lines)

    def _needs_approval(self, amount: int) -> bool:
        rules = self.rules
        return (
            rules is not None
            and amount > rules.approval_above_minor
            and not has_permission(self._actor, Permission.WITHDRAW_ABOVE_LIMIT)
        )

    def _ask_approval(self, amount: int) -> Approval:
        summary = _("Withdraw {amount} from {holder} ({number}).").format(
            amount=money_text(amount),
            holder=self._account.holder_name,
            number=display(self._account.number),
        )
        approval = ask_approval(
            self, self._staff, self._actor, Permission.WITHDRAW_ABOVE_LIMIT, summary
        )
        if approval is None:
            raise ValidationError(_("A manager did not approve: nothing was paid out."))
        return approval

    def submit(self) -> None:  # noqa: D102 - see AccountsDialog.submit
        amount = parse_amount(self.amount_edit.text())
        if not self.pin_edit.text().strip():
            self.pin_edit.setFocus()
            raise ValidationError(_("The holder must type their PIN."))
        rules = self.rules
        if rules is not None and amount > rules.available_minor:  # no manager for nothing
            raise ValidationError(
                _("Not enough money on the account: {amount} available.").format(
                    amount=money_text(rules.available_minor)
                )
            )
        if self._approved_amount != amount:  # an approval is for one amount only
            self.approval = None
        if self.approval is None and self._needs_approval(amount):
            self.approval, self._approved_amount = self._ask_approval(amount), amount
        try:
            self.movement = self._withdraw(amount)
        except ApprovalRequiredError:
            self.approval, self._approved_amount = self._ask_approval(amount), amount
            self.movement = self._withdraw(amount)
        except WrongPinError:
            self.pin_edit.clear()
            self.pin_edit.setFocus()
            raise

    def _withdraw(self, amount: int) -> MovementResult:
        return self._api.withdraw(
            self._actor,
            self._account.id,
            amount,
            pin=self.pin_edit.text(),
            key=self.key,
            store_id=self._store_id(),
            approval=self.approval,
            memo=self.memo_edit.text(),
        )


class TransferDialog(_MoneyDialog):
    """Move money to another account after the paying holder's PIN."""

    def __init__(
        self, api: AccountsApi, actor: UserDTO, account: AccountDTO, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            api,
            actor,
            account,
            (
                pgettext("account", "Transfer"),
                _("Type the other account's number: its check digits catch a mistyped number."),
                pgettext("button", "Transfer"),
            ),
            parent,
        )
        self.payee: AccountDTO | None = None
        show_message(
            self.info_label,
            _("From {holder} · {number} · available {amount}").format(
                holder=account.holder_name,
                number=display(account.number),
                amount=money_text(account.available_minor),
            ),
        )
        self.to_edit = QLineEdit(self)
        self.to_edit.setPlaceholderText("1234 5678 90")
        self.to_edit.setMaxLength(40)
        self.to_edit.editingFinished.connect(self._on_to_edit_editing_finished)
        self.add_field(_("&To account"), self.to_edit)
        self.payee_hint = plain_label(" ", self, "fieldHint")
        self.payee_hint.setAccessibleName(_("Receiving account"))
        self.fields.addSpacing(4)
        self.fields.addWidget(self.payee_hint)
        self.pin_edit = pin_edit(self, _("Paying holder types their PIN"))
        self.add_field(_("&Amount"), self.amount_edit)
        self.add_field(_("Holder's P&IN"), self.pin_edit, _("3 wrong PINs lock the account."))
        self.add_field(_("&Note"), self.memo_edit)
        self.to_edit.setFocus()

    def _show_payee(self, text: str) -> None:
        self.payee_hint.setText(text)

    def _lookup(self) -> AccountDTO:
        payee = self._api.find(self._actor, self.to_edit.text())
        if payee.id == self._account.id:
            raise ValidationError(_("Choose two different accounts: an account cannot pay itself."))
        self.payee = payee
        status = _(STATUS_LABELS.get(payee.status, payee.status))
        self._show_payee(
            _("To {holder} · {number} · {status}").format(
                holder=payee.holder_name, number=display(payee.number), status=status
            )
        )
        return payee

    @Slot()
    def _on_to_edit_editing_finished(self) -> None:
        if not self.to_edit.text().strip():
            return
        try:
            self._lookup()
            self.show_error("")
        except ServiceError as exc:
            self.payee = None
            self._show_payee(" ")
            self.show_error(str(exc))

    def submit(self) -> None:  # noqa: D102 - see AccountsDialog.submit
        payee = self._lookup()
        amount = parse_amount(self.amount_edit.text())
        if not self.pin_edit.text().strip():
            self.pin_edit.setFocus()
            raise ValidationError(_("The paying holder must type their PIN."))
        try:
            self.movement = self._api.transfer(
                self._actor,
                self._account.id,
                payee.id,
                amount,
                pin=self.pin_edit.text(),
                key=self.key,
                memo=self.memo_edit.text(),
            )
        except WrongPinError:
            self.pin_edit.clear()
            self.pin_edit.setFocus()
            raise
