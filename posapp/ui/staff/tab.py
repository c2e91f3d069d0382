"""The Admin users tab: staff users and, for admins, the audit log and the shop's settings."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
)
from typing_extensions import override

from posapp.i18n import N_, _
from posapp.services.staff import Permission, has_permission
from posapp.ui.kit.resources import styled
from posapp.ui.kit.tab import Tab
from posapp.ui.kit.widgets import SPACING, PageHeader, page_column, shortcut_action
from posapp.ui.staff.audit_view import AuditView
from posapp.ui.staff.panel import UsersPanel
from posapp.ui.staff.settings_page import SettingsPage

USERS_PAGE, AUDIT_PAGE, SETTINGS_PAGE = 0, 1, 2


class UsersTab(Tab):
    """Staff administration: the users list, the audit log and the shop's settings.

    Managers look at the users list, admins change it. The audit log and settings pages exist
    only for users allowed to use them (admins); each loads when first shown. The settings live
    here, beside the users and the audit log their changes are written to, rather than in a tab
    of their own: only admins see them, and the cashiers' Ctrl+1… tab numbers stay as they are.
    """

    OBJECT_NAME = "usersTab"
    TITLE = N_("Admin users")

    @override
    def build(self) -> None:
        backend, bus, user = self.backend, self.bus, self.user
        styled(self, "shared", "staff")
        can_audit = has_permission(user, Permission.READ_AUDIT_LOG)
        subtitle = (
            _("Staff, their roles, who did what, and the shop's settings.")
            if can_audit
            else _("Staff and roles.")
        )
        self.header = PageHeader(_(self.TITLE), subtitle, "users", self)
        self.users_panel = UsersPanel(backend.staff, bus, user, self)
        self.audit_view: AuditView | None = None
        self.settings_page: SettingsPage | None = None
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.users_panel)
        if can_audit:
            self.audit_view = AuditView(backend.staff, bus, user, self)
            self.pages.addWidget(self.audit_view)
        if can_audit and has_permission(user, Permission.MANAGE_SETTINGS):
            self.settings_page = SettingsPage(
                backend.shop, bus, user, self, catalog=backend.catalog
            )
            self.pages.addWidget(self.settings_page)

        top = QHBoxLayout()
        top.setSpacing(2 * SPACING)
        top.addWidget(self.header, 1)
        self.segments: QButtonGroup | None = None
        if can_audit:
            top.addWidget(self._build_segments(), 0, Qt.AlignmentFlag.AlignVCenter)
        layout = page_column(self, spacing=3 * SPACING)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)
        self.setFocusProxy(self.users_panel)

    def _build_segments(self) -> QFrame:
        frame = QFrame(self)
        frame.setObjectName("segments")
        row = QHBoxLayout(frame)
        row.setContentsMargins(3, 3, 3, 3)
        row.setSpacing(2)
        self.segments = QButtonGroup(self)
        self.segments.setExclusive(True)
        names = [(_("Users"), "Ctrl+Shift+U"), (_("Audit log"), "Ctrl+Shift+A")]
        if self.settings_page is not None:
            names.append((_("Settings"), "Ctrl+Shift+G"))
        for page, (text, keys) in enumerate(names):
            button = QPushButton(text, frame)
            button.setProperty("segment", True)
            button.setCheckable(True)
            button.setChecked(page == USERS_PAGE)
            button.setToolTip(f"{text} ({keys})")
            self.segments.addButton(button, page)
            row.addWidget(button)
            shortcut_action(self, text, keys, lambda _checked=False, p=page: self.show_page(p))
        self.segments.idClicked.connect(self.show_page)
        return frame

    @Slot(int)
    def show_page(self, page: int) -> None:
        """Show the users list (0), the audit log (1) or the settings (2, both admins only)."""
        if page == AUDIT_PAGE and self.audit_view is None:
            return
        if page == SETTINGS_PAGE:
            if self.settings_page is None:
                return
            self.settings_page.ensure_loaded()
        self.pages.setCurrentIndex(page)
        if self.segments is not None:
            button = self.segments.button(page)
            button.setChecked(True)
        current = self.pages.currentWidget()
        if current is not None:
            self.setFocusProxy(current)
            current.setFocus(Qt.FocusReason.OtherFocusReason)
