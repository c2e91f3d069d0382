"""Manager approval at the point of action: another person's credentials and a reason.

When a cashier attempts what their role does not allow (a price override, a discount over the
cap, a refund without receipt, a void, a no-sale drawer open), the register opens this dialog.
An active manager or admin — a different person — types their username and password and a
reason. The dialog checks them at once with :meth:`~posapp.services.staff.StaffApi.check_approval`,
so a mistake is corrected in place, and hands back an :class:`~posapp.services.staff.Approval`
for the service action, which checks it again in its own transaction and records both people.

Wrong passwords count against the approver in the service, as at the login window (five in a
row lock the manager out, however many times the dialog is opened); the dialog also stops
checking after :data:`MAX_ATTEMPTS` tries of its own.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QWidget

from posapp.i18n import N_, _
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError, ValidationError
from posapp.services.staff import Approval, Permission, StaffApi, role_word
from posapp.ui.kit.lifetime import one_use
from posapp.ui.kit.resources import PALETTE, icon_pixmap
from posapp.ui.kit.widgets import SPACING
from posapp.ui.staff.dialogs import StaffDialog

REASON_MAX = 500  # the audit log's reason column
MAX_ATTEMPTS = 5
TOO_MANY = N_("Too many wrong attempts: the manager has to come to the till and try again.")


class ApprovalDialog(StaffDialog):
    """Asks a manager or admin to approve one action; :attr:`approval` is set on accept.

    Args:
        staff: The staff services (they check the approver's credentials).
        actor: The user attempting the action (who may not approve it themselves).
        permission: What the approver must be allowed to do (``OVERRIDE_PRICE``, ``VOID`` …).
        summary: What is to be approved, in one sentence ("Void order A-1042 ($42.50).").
        parent: The owning widget.
    """

    def __init__(
        self,
        staff: StaffApi,
        actor: UserDTO,
        permission: Permission,
        summary: str,
        parent: QWidget | None = None,
    ) -> None:
        who = f"{actor.display_name} ({role_word(actor.role)})"
        super().__init__(
            _("Manager approval"),
            _(
                "{who} needs a manager or admin to approve this. They enter their own log-in here."
            ).format(who=who),
            _("Approve"),
            parent,
        )
        self.setObjectName("formDialog")
        self._staff, self._actor, self._permission = staff, actor, permission
        self._attempts = 0
        self.approval: Approval | None = None
        self.approver: UserDTO | None = None
        self._add_badge()

        self.summary_label = QLabel(summary, self)
        self.summary_label.setObjectName("summaryLabel")
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label.setWordWrap(True)
        self.summary_label.setAccessibleName(_("What is to be approved"))
        self.fields.addSpacing(2 * SPACING)
        self.fields.addWidget(self.summary_label)
        self.fields.addSpacing(SPACING // 2)

        self.username_edit = QLineEdit(self)
        self.username_edit.setPlaceholderText(_("Manager's or admin's username"))
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(_("Their password"))
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setMaxLength(REASON_MAX)
        self.reason_edit.setPlaceholderText(_("Why, for the audit log"))
        self.add_field(_("Approver's &username"), self.username_edit)
        self.add_field(_("Approver's pass&word"), self.password_edit)
        self.add_field(
            _("&Reason"), self.reason_edit, _("Recorded with both names in the audit log.")
        )
        self.approve_button = self.ok_button
        self.username_edit.setFocus()

    def _add_badge(self) -> None:
        """Put a lock tile left of the title, like a page header."""
        tile = QLabel(self)
        tile.setObjectName("approvalIcon")
        tile.setFixedSize(5 * SPACING, 5 * SPACING)
        tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
        tile.setPixmap(
            icon_pixmap("lock", 22, PALETTE["warning"], device_pixel_ratio=self.devicePixelRatioF())
        )
        row = QHBoxLayout()
        row.setSpacing(SPACING + 4)
        row.addWidget(tile, 0, Qt.AlignmentFlag.AlignVCenter)
        self._layout.removeWidget(self.title_label)
        row.addWidget(self.title_label, 1)
        self._layout.insertLayout(0, row)

    def submit(self) -> None:  # noqa: D102 - see StaffDialog.submit
        for edit, missing in (
            (self.username_edit, _("Enter the approver's username.")),
            (self.password_edit, _("Enter the approver's password.")),
            (self.reason_edit, _("Enter a reason for the approval.")),
        ):
            if not edit.text().strip():
                edit.setFocus()
                raise ValidationError(missing)
        approval = Approval(
            self.username_edit.text(), self.password_edit.text(), self.reason_edit.text().strip()
        )
        try:
            # A wrong password is counted against the approver.
            approver = self._staff.check_approval(self._actor, approval, self._permission)
        except ServiceError:
            self._attempts += 1
            self.password_edit.clear()
            self.password_edit.setFocus()
            if self._attempts >= MAX_ATTEMPTS:
                raise ValidationError(_(TOO_MANY)) from None
            raise
        self.approval, self.approver = approval, approver

    @Slot()
    def _on_ok_button_clicked(self) -> None:
        if self._attempts < MAX_ATTEMPTS:
            super()._on_ok_button_clicked()
        if self._attempts >= MAX_ATTEMPTS:
            # The service counts every wrong password too; this dialog stops after a few.
            self.show_error(_(TOO_MANY))
            for widget in (self.username_edit, self.password_edit, self.reason_edit):
                widget.setEnabled(False)
            self.approve_button.setEnabled(False)
            self.cancel_button.setFocus()


def ask_approval(
    parent: QWidget,
    staff: StaffApi,
    actor: UserDTO,
    permission: Permission,
    summary: str,
) -> Approval | None:
    """Show an :class:`ApprovalDialog` modally; return the approval, or None if cancelled.

    The idle lock hides open dialogs when the till locks, which ends a modal ``exec()``: a
    half-typed approval is then cancelled, never left on screen.
    """
    with one_use(ApprovalDialog(staff, actor, permission, summary, parent)) as dialog:
        if dialog.exec() == QDialog.DialogCode.Accepted:
            return dialog.approval
        return None
