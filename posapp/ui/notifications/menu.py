"""The main window's side of notifications: the Notifications menu and opening linked objects.

- :class:`NotificationActions` is the "Notifications" menu at the top right, next to "Log out":
  the notification centre for everyone (Ctrl+B, like a click on the bell), and by permission the
  notification rules (admins, Ctrl+Shift+B), the email outbox (managers and admins,
  Ctrl+Shift+O), writing a promotion (managers and admins, Ctrl+Shift+M) and the mail server
  settings (admins). The shortcuts work anywhere in the window and are shown in the menu.
- :class:`LinkOpener` shows what a notification (or its toast) links to: the tab that holds an
  order, product, campaign, account or staff user, with the row selected where that tab can; a
  campaign's final report opens in the system's PDF viewer, written first (off the GUI thread)
  if this register's reports folder does not have it yet.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

from PySide6.QtCore import QObject, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QVBoxLayout, QWidget

from posapp.i18n import _
from posapp.services.notifications import (
    OUTBOX_PERMISSION,
    PROMOTION_PERMISSION,
    RULES_PERMISSION,
    SMTP_PERMISSION,
    NotificationsApi,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import Permission, has_permission
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.lifetime import open_once
from posapp.ui.kit.operation import Job, Operation, Wording
from posapp.ui.kit.qt_compat import emit
from posapp.ui.notifications.outbox_dialogs import PromotionDialog, SmtpSettingsDialog
from posapp.ui.notifications.outbox_view import OutboxView
from posapp.ui.notifications.rules_dialog import NotificationRulesDialog
from posapp.ui.notifications.toasts import ToastArea
from posapp.ui.notifications.wiring import NotificationsWiring

if TYPE_CHECKING:
    from posapp.services.backend import Backend
    from posapp.services.coupons import CouponsApi

LINK_TABS: Final = {
    "product": "Stores",
    "order": "Orders",
    "campaign": "Coupons",
    "account": "Accounts",
    "user": "Admin users",
}
"""The main-window tab that shows each kind of linked object."""


class TabHost(Protocol):
    """What the opener needs of the main window."""

    def show_tab(self, title: str) -> QWidget | None:
        """Make the tab called ``title`` current and return its page (None if not shown)."""
        ...


def open_file(path: Path) -> bool:
    """Open a file in the system's viewer; False when nothing could open it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def ensure_final_report(
    coupons: CouponsApi, user: UserDTO, campaign_id: int, folder: Path | None = None
) -> Path:
    """The final report of a campaign for ``user`` to open: the file there, or a new one.

    The user's right to see coupons is checked first, even when this register has the file;
    the figures are fetched and drawn only when it has not (another register wrote it).

    Raises:
        PermissionDeniedError: the user may not see coupons.
        NotFoundError: no such campaign.
        OSError: the folder cannot be written.
    """
    # Lazy: reportlab loads only when a report is opened.
    from posapp.reports.coupon_final import find_final_report, write_final_report  # noqa: PLC0415

    file = coupons.final_report_file(user, campaign_id)
    found = find_final_report(file, folder)
    return found or write_final_report(coupons.final_report(user, campaign_id), folder)


class LinkOpener(QObject):
    """Shows the object a notification links to (see the module docstring).

    Signals:
        report_ready(object): the ``Path`` of a report about to be opened in the viewer.
    """

    report_ready = Signal(object)

    def __init__(
        self,
        host: TabHost,
        backend: Backend,
        user: UserDTO,
        toasts: ToastArea,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._host = host
        self._backend = backend
        self._user = user
        self._toasts = toasts

    @Slot(str, int)
    def open(self, kind: str, object_id: int) -> None:
        """Show the ``kind`` object with id ``object_id`` (unknown kinds are ignored)."""
        if kind == "report":
            self._open_report(object_id)
            return
        title = LINK_TABS.get(kind)
        page = self._host.show_tab(title) if title else None
        if page is None:
            return
        if kind == "product":
            panel = getattr(page, "panel", None)
            if panel is not None:
                panel.select_product(object_id)
        elif kind == "campaign" and hasattr(page, "select_campaign"):
            page.select_campaign(object_id)
        elif kind == "user":
            users_panel = getattr(page, "users_panel", None)
            if users_panel is not None:
                users_panel.select_user(object_id)
        elif kind == "order":
            pages, orders = getattr(page, "pages", None), getattr(page, "orders", None)
            if pages is not None and orders is not None:
                pages.setCurrentWidget(orders)

    def _open_report(self, campaign_id: int) -> None:
        backend, user = self._backend, self._user

        def work(_job: Job) -> Path:
            return ensure_final_report(backend.coupons, user, campaign_id)

        Operation(
            self,
            work,
            name=f"final report of campaign {campaign_id}",
            success=self._on_report_written,
            failure=self._on_report_failed,
            wording=Wording(cannot_write=_("Cannot write the report: {reason}")),
        ).run()

    def _on_report_written(self, path: Path) -> None:
        emit(self.report_ready, path)
        if not open_file(path):
            self._toasts.show_toast(
                _("No PDF viewer"), _("The report is at {path}.").format(path=path), "warning"
            )

    def _on_report_failed(self, message: str) -> None:
        self._toasts.show_toast(_("Cannot open the report"), message, "error")


class NotificationActions(QObject):
    """The window's Notifications menu and its shortcuts (see the module docstring).

    Actions the user may not use are not created (their attribute is None), so neither the
    menu nor a shortcut offers them.
    """

    def __init__(
        self,
        window: QWidget,
        api: NotificationsApi,
        bus: EventBus,
        user: UserDTO,
        wiring: NotificationsWiring,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._api = api
        self._bus = bus
        self._user = user
        self._wiring = wiring
        self._outbox: QDialog | None = None
        self.menu = QMenu(_("Notifications"), window)
        self.menu.setObjectName("notificationsMenu")
        self.centre_action = self._action(
            _("Notification centre…"), "Ctrl+B", self._on_centre_triggered, None
        )
        self.menu.addSeparator()
        self.rules_action = self._action(
            _("Notification rules…"), "Ctrl+Shift+B", self._on_rules_triggered, RULES_PERMISSION
        )
        self.outbox_action = self._action(
            _("Email outbox…"), "Ctrl+Shift+O", self._on_outbox_triggered, OUTBOX_PERMISSION
        )
        self.promotion_action = self._action(
            _("Write a promotion…"),
            "Ctrl+Shift+M",
            self._on_promotion_triggered,
            PROMOTION_PERMISSION,
        )
        self.mail_action = self._action(
            _("Mail server…"), "", self._on_mail_triggered, SMTP_PERMISSION
        )

    def _action(
        self, text: str, keys: str, slot: Callable[[], None], permission: Permission | None
    ) -> QAction | None:
        if permission is not None and not has_permission(self._user, permission):
            return None
        action = QAction(text, self._window)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setToolTip(f"{text.rstrip('…')} ({keys})")
        action.triggered.connect(slot)
        self._window.addAction(action)  # the shortcut works anywhere in the window
        self.menu.addAction(action)
        return action

    @property
    def actions(self) -> list[QAction]:
        """The actions this user has, in menu order."""
        return [a for a in self.menu.actions() if not a.isSeparator()]

    @property
    def outbox(self) -> QDialog | None:
        """The outbox window once opened."""
        return self._outbox

    def close_all(self) -> None:
        """Close the windows this menu opened (the main window is closing)."""
        if self._outbox is not None:
            self._outbox.close()
        centre = self._wiring.centre
        if centre is not None:
            centre.close()

    @Slot()
    def _on_centre_triggered(self) -> None:
        self._wiring.open_centre()

    @Slot()
    def _on_rules_triggered(self) -> None:
        open_once(NotificationRulesDialog(self._api, self._user, self._window))

    @Slot()
    def _on_outbox_triggered(self) -> None:
        if self._outbox is None:
            dialog = QDialog(self._window)
            dialog.setObjectName("outboxWindow")
            dialog.setWindowTitle(_("Email outbox"))
            view = OutboxView(self._api, self._bus, self._user, dialog)
            layout = QVBoxLayout(dialog)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(view)
            dialog.resize(1180, 640)
            self._outbox = dialog
        else:
            shown = self._outbox.findChild(OutboxView)
            if shown is not None:
                shown.refresh()
        self._outbox.show()
        self._outbox.raise_()
        self._outbox.activateWindow()

    @Slot()
    def _on_promotion_triggered(self) -> None:
        open_once(PromotionDialog(self._api, self._user, self._window))

    @Slot()
    def _on_mail_triggered(self) -> None:
        open_once(SmtpSettingsDialog(self._api, self._user, self._window))
