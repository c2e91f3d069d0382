"""Language… (Ctrl+Alt+L): a user chooses their own language and locale for their screens.

The choice is stored on the user (``backend.staff.set_user_locale``: checked, audited,
announced); the screens write numbers, money and dates in it from then on. posapp speaks only
English so far: the list offers the languages it will ship (English, German, French, Spanish).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from posapp.i18n import N_, _
from posapp.services.platform.dto import UserDTO
from posapp.ui.staff.dialogs import StaffDialog, chevron_combo

if TYPE_CHECKING:
    from posapp.services.staff import StaffApi


SHIPPED = N_("English, German, French or Spanish.")


class LanguageDialog(StaffDialog):
    """Choose the logged-in user's own locale (or follow the shop's)."""

    def __init__(self, staff: StaffApi, user: UserDTO, parent: QWidget | None = None) -> None:
        super().__init__(
            _("Language"),
            _(
                "How your screens write numbers, money and dates. "
                "Documents follow the shop's locale."
            ),
            _("Save"),
            parent,
        )
        self._staff, self._user = staff, user
        self.saved: UserDTO | None = None
        self.locale_combo = chevron_combo(self)
        self.locale_combo.setMaxVisibleItems(14)
        for value, label in staff.locale_choices():
            self.locale_combo.addItem(_(label), value)
        self.locale_combo.setCurrentIndex(max(0, self.locale_combo.findData(user.locale)))
        self.add_field(_("&Language and locale"), self.locale_combo, _(SHIPPED))
        self.locale_combo.setFocus()

    def submit(self) -> None:  # noqa: D102 - see StaffDialog.submit
        value = str(self.locale_combo.currentData() or "")
        self.saved = self._staff.set_user_locale(self._user, self._user.id, value)
