"""The Admin users tab, the audit log, the idle lock and manager approvals.

The package's face (see docs/ARCHITECTURE.md).
"""

from posapp.ui.staff.approval_dialog import ApprovalDialog, ask_approval
from posapp.ui.staff.idle_lock import IdleLock
from posapp.ui.staff.language_dialog import LanguageDialog
from posapp.ui.staff.tab import UsersTab

__all__ = [
    "ApprovalDialog",
    "IdleLock",
    "LanguageDialog",
    "UsersTab",
    "ask_approval",
]
