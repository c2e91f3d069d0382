"""The Admin users tab: staff users, roles and the audit log."""

from __future__ import annotations

from posapp.ui.tabs.placeholder import PlaceholderTab


class UsersTab(PlaceholderTab):
    """Staff administration: users, roles and the audit log."""

    TITLE = "Admin users"
    SUBTITLE = "Staff, roles and the audit log."
    ICON = "users"
    EMPTY_TITLE = "Staff and roles come here"
    EMPTY_TEXT = (
        "Add admins, managers and cashiers, set roles, activate or deactivate users, reset "
        "passwords and read the audit log."
    )
