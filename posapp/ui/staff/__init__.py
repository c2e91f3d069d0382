"""The Admin users tab, the audit log, the idle lock and manager approvals.

This is the package's face: other packages import only from here; modules inside import each
other directly.
"""

from posapp.ui.staff.approval_dialog import ApprovalDialog, ask_approval
from posapp.ui.staff.idle_lock import IdleLock
from posapp.ui.staff.tab import UsersTab

__all__ = [
    "ApprovalDialog",
    "IdleLock",
    "UsersTab",
    "ask_approval",
]
