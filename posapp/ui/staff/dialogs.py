"""The staff dialogs: add a user, edit name, role and store, reset a password, confirm a change.

Each is a :class:`~posapp.ui.kit.form_dialog.FormDialog` (a refusal shows its message and the
dialog stays open). Argon2 hashing takes ~50 ms, so calls run in the GUI thread, as in the login
dialog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QLineEdit,
    QWidget,
)

from posapp.i18n import N_, _
from posapp.services.platform.dto import StoreDTO, UserDTO
from posapp.services.platform.errors import ValidationError
from posapp.services.staff import (
    KEEP_STORE,
    PASSWORD_MAX,
    PASSWORD_MIN,
    PIN_MAX,
    PIN_MIN,
    USERNAME_MAX,
    StaffApi,
)
from posapp.ui.kit.chevron import ChevronCombo
from posapp.ui.kit.form_dialog import FormDialog, FormLook
from posapp.ui.kit.widgets import SPACING
from posapp.ui.staff.model import ALL_STORES, ROLE_LABELS, store_text

DIALOG_WIDTH = 460
MISMATCH = N_("The two passwords do not match.")
PROMOTION_IDLE = N_("Only needed to make a cashier a manager or admin.")
STORE_HINTS = {
    "all": N_("Told about low stock, pickups and refunds at every store."),
    "one": N_("Told about low stock, pickups and refunds at this store only."),
    "admin": N_("An admin works for all stores."),
}


def password_rule(role: str) -> str:
    """The password rule for ``role``, as a hint under the field."""
    rule = _("At least {count} characters; spaces and any letters are fine.")
    if role == "cashier":
        rule = _("At least {count} characters, or a {low}–{high} digit PIN for the till.")
    return rule.format(count=PASSWORD_MIN, low=PIN_MIN, high=PIN_MAX)


def chevron_combo(parent: QWidget) -> ChevronCombo:
    """Return a combo box for the staff screens (``staff.qss`` pads it wider: chevron 18 px in)."""
    return ChevronCombo(parent, inset=18)


def role_combo(parent: QWidget, current: str = "cashier") -> ChevronCombo:
    """A combo box of the three roles, ``current`` selected; item data is the role value."""
    combo = chevron_combo(parent)
    for value, label in ROLE_LABELS.items():
        combo.addItem(_(label), value)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


def locale_combo(parent: QWidget, staff: StaffApi, current: str) -> ChevronCombo:
    """A combo box of the languages and locales a user may have, ``current`` selected."""
    combo = chevron_combo(parent)
    combo.setMaxVisibleItems(14)
    for value, label in staff.locale_choices():
        combo.addItem(_(label) if not value else label, value)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


def store_combo(
    parent: QWidget, stores: Sequence[StoreDTO], current: int | None = None
) -> ChevronCombo:
    """A combo of "All stores" (data None) and the active stores by name (data the id).

    ``current`` is selected; if it is no longer active it is listed too, marked inactive, so
    an edit that keeps it shows it truthfully.
    """
    combo = chevron_combo(parent)
    combo.addItem(_(ALL_STORES), None)
    by_id = {store.id: store for store in stores}
    shown = [s for s in stores if s.active or s.id == current]
    for store in sorted(shown, key=lambda s: (s.name.casefold(), s.id)):
        combo.addItem(store_text(store.id, by_id), store.id)
    if current is not None and combo.findData(current) < 0:
        combo.addItem(store_text(current, by_id), current)  # unknown here: still shown
    combo.setCurrentIndex(0 if current is None else combo.findData(current))
    return combo


def password_edit(parent: QWidget, placeholder: str) -> QLineEdit:
    """A masked line edit that keeps every character (no length limit below the service's)."""
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    edit.setMaxLength(PASSWORD_MAX + 1)  # one more, so the service says it is too long
    return edit


class StaffDialog(FormDialog):
    """The staff screens' form dialog (see :class:`~posapp.ui.kit.form_dialog.FormDialog`).

    Every field keeps a line for its hint (a role's password rule, a store's reach), and the
    dialog fits its height to the text so that a long summary is never cut.
    """

    look = FormLook(
        object_name="formDialog",
        sheets=("shared", "staff"),
        width=DIALOG_WIDTH,
        intro_gap=0,
        field_gap=2 * SPACING,
        label_gap=SPACING,
        field_min_height=5 * SPACING,
        hint_line_always=True,
        fit_height=True,
    )


class StoreField:
    """The Store combo of a user dialog and its hint, which follow the chosen role.

    An admin always works for all stores, so for the admin role the combo shows "All stores"
    and is disabled; choosing another role enables it again.
    """

    def __init__(
        self, dialog: StaffDialog, stores: Sequence[StoreDTO], current: int | None = None
    ) -> None:
        self.combo = store_combo(dialog, stores, current)
        self.hint = dialog.add_field(_("&Store"), self.combo, _(STORE_HINTS["all"]))
        self.combo.currentIndexChanged.connect(self._update_hint)

    def follow_role(self, role: str) -> None:
        """Show what ``role`` allows."""
        admin = role == "admin"
        if admin:
            self.combo.setCurrentIndex(0)
        self.combo.setEnabled(not admin)
        self._update_hint()

    def _update_hint(self) -> None:
        if not self.combo.isEnabled():
            self.hint.setText(_(STORE_HINTS["admin"]))
        else:
            self.hint.setText(_(STORE_HINTS["all" if self.store_id() is None else "one"]))

    def store_id(self) -> int | None:
        """The chosen store's id (None: all stores)."""
        data = self.combo.currentData()
        return None if data is None else int(data)


class AddUserDialog(StaffDialog):
    """Add a staff user: username, full name, role, store and a password (or a cashier's PIN)."""

    def __init__(
        self,
        staff: StaffApi,
        actor: UserDTO,
        parent: QWidget | None = None,
        *,
        stores: Sequence[StoreDTO] = (),
    ) -> None:
        super().__init__(
            _("Add user"), _("The new user can log in straight away."), _("Add user"), parent
        )
        self._staff, self._actor = staff, actor
        self.user: UserDTO | None = None
        self.username_edit = QLineEdit(self)
        self.username_edit.setPlaceholderText(_("e.g. sam.carter"))
        self.username_edit.setMaxLength(USERNAME_MAX + 1)
        self.full_name_edit = QLineEdit(self)
        self.full_name_edit.setPlaceholderText(_("e.g. Sam Carter"))
        self.role_combo = role_combo(self)
        self.password_edit = password_edit(self, _("Password or PIN"))
        self.repeat_edit = password_edit(self, _("The same again"))
        self.add_field(_("&Username"), self.username_edit, _("Log-in name: no spaces; any case."))
        self.add_field(_("&Full name"), self.full_name_edit)
        self.add_field(_("&Role"), self.role_combo)
        self.store = StoreField(self, stores)
        self.store_combo = self.store.combo
        QWidget.setTabOrder(self.role_combo, self.store_combo)  # made last: Tab as it reads
        QWidget.setTabOrder(self.store_combo, self.password_edit)
        self.rule_label = self.add_field(
            _("&Password"), self.password_edit, password_rule("cashier")
        )
        self.add_field(_("Re&peat password"), self.repeat_edit)
        self.role_combo.currentIndexChanged.connect(self._on_role_combo_changed)
        self.store.follow_role(str(self.role_combo.currentData()))
        self.username_edit.setFocus()

    @Slot()
    def _on_role_combo_changed(self) -> None:
        role = str(self.role_combo.currentData())
        self.rule_label.setText(password_rule(role))
        self.store.follow_role(role)

    def submit(self) -> None:  # noqa: D102 - see StaffDialog.submit
        if self.password_edit.text() != self.repeat_edit.text():
            self.repeat_edit.setFocus()
            raise ValidationError(_(MISMATCH))
        self.user = self._staff.add_user(
            self._actor,
            self.username_edit.text(),
            self.password_edit.text(),
            str(self.role_combo.currentData()),
            full_name=self.full_name_edit.text(),
            store_id=self.store.store_id(),
        )


class EditUserDialog(StaffDialog):
    """Change a user's full name, role, store and language (the username stays: it is audited)."""

    def __init__(
        self,
        staff: StaffApi,
        actor: UserDTO,
        user: UserDTO,
        parent: QWidget | None = None,
        *,
        stores: Sequence[StoreDTO] = (),
    ) -> None:
        super().__init__(
            _("Edit {username}").format(username=user.username),
            _("The username cannot change. A new role applies from the user's next action."),
            _("Save"),
            parent,
        )
        self._staff, self._actor, self._user = staff, actor, user
        self.user: UserDTO | None = None
        self.full_name_edit = QLineEdit(user.full_name, self)
        self.role_combo = role_combo(self, user.role)
        self.add_field(_("&Full name"), self.full_name_edit)
        self.add_field(_("&Role"), self.role_combo)
        self.store = StoreField(self, stores, user.store_id)
        self.store_combo = self.store.combo
        self.password_edit = password_edit(self, _("Empty keeps a password they have"))
        self.repeat_edit = password_edit(self, _("The same again"))
        self.password_hint = self.add_field(
            _("New &password"), self.password_edit, _(PROMOTION_IDLE)
        )
        self.add_field(_("Re&peat password"), self.repeat_edit)
        self.locale_combo = locale_combo(self, staff, user.locale)
        self.add_field(
            _("&Language and locale"), self.locale_combo, _("The language of their screens.")
        )
        self.store.follow_role(user.role)
        self._follow_role(user.role)
        self.role_combo.currentIndexChanged.connect(self._on_role_combo_changed)
        self.full_name_edit.setFocus()
        self.full_name_edit.selectAll()

    def needs_password(self) -> bool:
        """Whether the chosen role makes a cashier a manager or admin (a password is needed)."""
        role = str(self.role_combo.currentData())
        return self._user.role == "cashier" and role != "cashier"

    def _follow_role(self, role: str) -> None:
        needed = self.needs_password()
        for edit in (self.password_edit, self.repeat_edit):
            edit.setEnabled(needed)
            if not needed:
                edit.clear()
        self.password_hint.setText(
            {
                "admin": _("An admin needs a password ({count}+ characters), never a PIN."),
                "manager": _("A manager needs a password ({count}+ characters), never a PIN."),
            }.get(role, "").format(count=PASSWORD_MIN)
            if needed
            else _(PROMOTION_IDLE)
        )

    @Slot()
    def _on_role_combo_changed(self) -> None:
        role = str(self.role_combo.currentData())
        self.store.follow_role(role)
        self._follow_role(role)

    def submit(self) -> None:  # noqa: D102 - see StaffDialog.submit
        full_name = self.full_name_edit.text()
        role = str(self.role_combo.currentData())
        store_id = self.store.store_id()
        password = self.password_edit.text() if self.needs_password() else None
        if password is not None and password != self.repeat_edit.text():
            self.repeat_edit.setFocus()
            raise ValidationError(_(MISMATCH))
        self.user = self._staff.update_user(
            self._actor,
            self._user.id,
            full_name=None if full_name == self._user.full_name else full_name,
            role=None if role == self._user.role else role,
            store_id=KEEP_STORE if store_id == self._user.store_id else store_id,
            password=password or None,
        )
        locale = str(self.locale_combo.currentData() or "")
        if locale != self._user.locale:  # checked (MANAGE_USERS) and audited by the facade
            self.user = self._staff.set_user_locale(self._actor, self._user.id, locale)


class ResetPasswordDialog(StaffDialog):
    """Set a new password (or PIN) for a user; this also lifts a lock-out."""

    def __init__(
        self, staff: StaffApi, actor: UserDTO, user: UserDTO, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            _("Reset the password of {username}").format(username=user.username),
            _("Tell them the new password in person. Setting it also lifts a lock-out."),
            _("Set password"),
            parent,
        )
        self._staff, self._actor, self._user = staff, actor, user
        self.user: UserDTO | None = None
        self.password_edit = password_edit(self, _("New password or PIN"))
        self.repeat_edit = password_edit(self, _("The same again"))
        self.add_field(_("&New password"), self.password_edit, password_rule(user.role))
        self.add_field(_("Re&peat password"), self.repeat_edit)
        self.password_edit.setFocus()

    def submit(self) -> None:  # noqa: D102 - see StaffDialog.submit
        if self.password_edit.text() != self.repeat_edit.text():
            self.repeat_edit.setFocus()
            raise ValidationError(_(MISMATCH))
        self.user = self._staff.reset_password(
            self._actor, self._user.id, self.password_edit.text()
        )


class ConfirmDialog(StaffDialog):
    """Ask before a consequential change; run ``action`` on confirmation, showing its refusal."""

    def __init__(
        self,
        title: str,
        text: str,
        action_text: str,
        action: Callable[[], UserDTO],
        parent: QWidget | None = None,
        *,
        danger: bool = False,
    ) -> None:
        super().__init__(title, text, action_text, parent, danger=danger)
        self._action = action
        self.user: UserDTO | None = None
        self.ok_button.setFocus()

    def submit(self) -> None:  # noqa: D102 - see StaffDialog.submit
        self.user = self._action()
