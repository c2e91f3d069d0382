"""Connects the bus to the main window's bell, toasts and the notification centre.

``posapp.ui.main_window.MainWindow`` calls :func:`wire_notifications` once, when it is built::

    wiring = wire_notifications(window, backend.notifications, bus, user)
    wiring.open_requested.connect(window.links.open)      # (kind, id), e.g. ("product", 7)

What it does:

- each ``NotificationCreated`` for this user (from this register's listener, or relayed from
  another register) is collected; a single-shot timer turns a burst into ONE refresh: one unread
  count query for the bell and one query for the new notifications' texts;
- the newest few of a burst become toasts (stacked by ``ToastArea``, never taking focus); the
  rest are summed up in one "N more" toast. When the area is full, the oldest toasts make room,
  so the newest are always shown. Clicking a toast opens its object;
- clicking the bell opens the notification centre (one per window, not modal); reading there
  updates the bell.
"""

from __future__ import annotations

import logging
from typing import Final, Protocol

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget
from typing_extensions import override

from posapp.events import NotificationCreated
from posapp.i18n import _, ngettext
from posapp.services.notifications import NotificationsApi
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import DatabaseError, ServiceError
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.qt_compat import emit
from posapp.ui.notifications.bell import NotificationBell
from posapp.ui.notifications.centre import NotificationCentre
from posapp.ui.notifications.toasts import TOAST_LEVELS, Toast, ToastArea, ToastLevel

_log = logging.getLogger(__name__)

COALESCE_MS: Final = 120
"""How long a burst may gather before the bell and toasts refresh (once)."""
TOASTS_PER_BURST: Final = 3


class NotificationHost(Protocol):
    """What the wiring needs of the main window: its bell and its toast area."""

    @property
    def bell(self) -> NotificationBell:
        """The status bar's bell."""
        ...

    @property
    def toasts(self) -> ToastArea:
        """The overlay that stacks toasts."""
        ...


class NotificationsWiring(QObject):
    """The live connection of one window to the notifications (see the module docstring).

    Signals:
        open_requested(str, int): open the object a notification is about (kind, id).
    """

    open_requested = Signal(str, int)

    def __init__(
        self,
        host: NotificationHost,
        api: NotificationsApi,
        bus: EventBus,
        user: UserDTO,
        *,
        coalesce_ms: int = COALESCE_MS,
    ) -> None:
        super().__init__(host if isinstance(host, QObject) else None)
        self._host = host
        self._api = api
        self._bus = bus
        self._user = user
        self._pending: list[int] = []
        self._toast_links: dict[Toast, tuple[str, int]] = {}
        self._centre: NotificationCentre | None = None
        self.refreshes = 0
        """How many times the bell was refreshed (a burst counts once)."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(coalesce_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        bus.notification_created.connect(self._on_bus_notification_created)
        host.bell.clicked.connect(self._on_bell_clicked)
        self.refresh_count()

    @property
    def api(self) -> NotificationsApi:
        """The notification services this wiring reads from."""
        return self._api

    @property
    def centre(self) -> NotificationCentre | None:
        """The notification centre once it has been opened."""
        return self._centre

    def refresh_count(self) -> None:
        """Show the stored unread count on the bell."""
        self.refreshes += 1
        try:
            count = self._api.unread_count(self._user)
        except DatabaseError as exc:  # the server is gone (#21): the bell waits for it
            _log.info("cannot read the unread count: %s", exc)
            return
        except ServiceError:
            _log.exception("cannot read the unread count")
            return
        self._host.bell.set_unread(count)

    def open_centre(self) -> NotificationCentre:
        """Show the notification centre (creating it the first time) and return it."""
        if self._centre is None:
            parent = self._host if isinstance(self._host, QWidget) else None
            centre = NotificationCentre(self._api, self._bus, self._user, parent)
            centre.open_requested.connect(self.open_requested)
            centre.unread_changed.connect(self._host.bell.set_unread)
            self._centre = centre
        else:
            self._centre.refresh()
        self._centre.show()
        self._centre.raise_()
        self._centre.activateWindow()
        return self._centre

    @Slot(object)
    def _on_bus_notification_created(self, event: NotificationCreated) -> None:
        if event.user_id != self._user.id:
            return
        self._pending.append(event.notification_id)
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        ids, self._pending = self._pending, []
        self.refresh_count()
        if not ids:
            return
        try:
            notes = self._api.notifications_by_ids(self._user, ids[-TOASTS_PER_BURST:])
        except ServiceError:
            _log.exception("cannot read new notifications")
            return
        toasts = self._host.toasts
        more = len(ids) - len(notes)
        # Make room for this burst: older toasts go (the centre keeps them), so the newest
        # are never the ones folded into the area's "N more…".
        room = toasts.max_visible - len(toasts.toasts)
        for old in toasts.toasts[: max(0, len(notes) + (more > 0) - room)]:
            old.dismiss()
        for note in notes:
            level: ToastLevel = next((lv for lv in TOAST_LEVELS if lv == note.level), "info")
            before = toasts.toasts
            toasts.show_toast(note.title, note.body, level)
            added = [t for t in toasts.toasts if t not in before]
            if added and note.link_kind and note.link_id is not None:
                self._watch(added[0], note.link_kind, note.link_id)
        if more > 0:
            toasts.show_toast(
                ngettext("{count} more notification", "{count} more notifications", more).format(
                    count=more
                ),
                _("Open the bell in the status bar to see them all."),
                "info",
            )

    def _watch(self, toast: Toast, kind: str, object_id: int) -> None:
        """Make a click on ``toast`` open its object (the toast dismisses itself on a click)."""
        self._toast_links[toast] = (kind, object_id)
        toast.installEventFilter(self)
        toast.dismissed.connect(self._on_toast_dismissed)

    @Slot(object)
    def _on_toast_dismissed(self, toast: Toast) -> None:
        self._toast_links.pop(toast, None)

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress and watched in self._toast_links:
            kind, object_id = self._toast_links[watched]
            emit(self.open_requested, kind, object_id)
        return super().eventFilter(watched, event)

    @Slot()
    def _on_bell_clicked(self) -> None:
        self.open_centre()


def wire_notifications(
    window: NotificationHost, api: NotificationsApi, bus: EventBus, user: UserDTO
) -> NotificationsWiring:
    """Connect ``window``'s bell and toasts to the notifications of ``user``.

    The returned object is a child of ``window`` (it lives and dies with it); connect its
    ``open_requested(kind, id)`` to whatever shows an order, product, campaign, account or user.
    """
    return NotificationsWiring(window, api, bus, user)
