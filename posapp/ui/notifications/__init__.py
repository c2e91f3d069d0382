"""The bell, toasts, the notification centre and rules, and the email outbox.

The package's face (see docs/ARCHITECTURE.md).
"""

from posapp.ui.notifications.bell import NotificationBell
from posapp.ui.notifications.menu import LinkOpener, NotificationActions
from posapp.ui.notifications.toasts import ToastArea
from posapp.ui.notifications.wiring import NotificationsWiring, wire_notifications

__all__ = [
    "LinkOpener",
    "NotificationActions",
    "NotificationBell",
    "NotificationsWiring",
    "ToastArea",
    "wire_notifications",
]
