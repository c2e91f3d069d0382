"""The Admin users tab, the audit log, the idle lock and manager approvals.

This is the package's face: other packages import only from here; modules inside import each
other directly.
"""

from posapp.ui.staff.approval_dialog import ApprovalDialog, ask_approval
from posapp.ui.staff.idle_lock import IdleLock
from posapp.ui.staff.session import SessionEndedEvent, error_text
from posapp.ui.staff.tab import UsersTab

__all__ = [
    "ApprovalDialog",
    "IdleLock",
    "SessionEndedEvent",
    "UsersTab",
    "ask_approval",
    "error_text",
]
