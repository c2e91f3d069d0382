"""The main window: role-dependent tabs, a status bar, the notification bell, menu and toasts.

Every tab and widget reaches the services through the backend's typed facades
(``backend.sales``, ``backend.staff``, …: :class:`posapp.services.backend.Backend`).
Notifications come from :func:`posapp.ui.notifications.wire_notifications` over
``backend.notifications``: the bell shows the stored unread count and opens the notification
centre, and each new notification for this user becomes a toast that never takes the focus (the
register's barcode field keeps it). The "Notifications" menu at the top right and
:class:`~posapp.ui.notifications.LinkOpener` come from :mod:`posapp.ui.notifications`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.events import SettingChanged
from posapp.i18n import N_, _
from posapp.services.backend import Backend
from posapp.services.platform.dto import StoreDTO, UserDTO
from posapp.services.platform.errors import DatabaseError, ServiceError
from posapp.services.shop import FORMAT_KEYS
from posapp.services.staff import Permission, has_permission
from posapp.ui.accounts import AccountsTab, CustomersTab
from posapp.ui.catalog import CatalogTab
from posapp.ui.coupons import CouponsTab
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.lifetime import one_use
from posapp.ui.kit.operation import drain
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.region import apply_user_language, apply_user_locale
from posapp.ui.kit.resources import PALETTE, icon
from posapp.ui.kit.session import SessionEndedEvent, error_text
from posapp.ui.kit.widgets import (
    ROLE_NAMES,
    SPACING,
    StatusItem,
    icon_label,
    offline_page,
    status_separator,
)
from posapp.ui.notifications import (
    LinkOpener,
    NotificationActions,
    NotificationBell,
    NotificationsWiring,
    ToastArea,
    wire_notifications,
)
from posapp.ui.orders import OrdersTab
from posapp.ui.register import OfflineBanner
from posapp.ui.staff import IdleLock, LanguageDialog, UsersTab
from posapp.ui.stores import StoresTab

_log = logging.getLogger(__name__)

TabFactory = Callable[[Backend, EventBus, UserDTO], QWidget]
NO_STORE = N_("No store")
DEFAULT_SIZE = QSize(1280, 800)
MINIMUM_SIZE = QSize(960, 600)
_CORNER_NUDGE = 3  # the selected tab's 3 px underline lifts the tab labels; match it


@dataclass(frozen=True, slots=True)
class TabSpec:
    """One tab of the main window and who may see it."""

    title: str
    """The English title (``N_``-marked; shown through ``_()``): how code names the tab."""
    icon_name: str
    factory: TabFactory
    permissions: tuple[Permission, ...]
    """The user needs any one of these."""
    offline: bool = False
    """Whether the tab works while the register's server is gone (#21): only the register's."""

    def allows(self, user: UserDTO) -> bool:
        """Whether ``user`` may see this tab."""
        return any(has_permission(user, permission) for permission in self.permissions)


TAB_SPECS: tuple[TabSpec, ...] = (
    TabSpec(N_("Stores"), "store", StoresTab, (Permission.VIEW_STOCK,)),
    TabSpec(N_("Catalog"), "box", CatalogTab, (Permission.VIEW_CATALOG,)),
    TabSpec(N_("Orders"), "cart", OrdersTab, (Permission.SELL, Permission.VIEW_ORDERS), True),
    TabSpec(N_("Coupons"), "coupon", CouponsTab, (Permission.VIEW_COUPONS,)),
    TabSpec(N_("Accounts"), "wallet", AccountsTab, (Permission.VIEW_ACCOUNTS,)),
    TabSpec(N_("Admin users"), "users", UsersTab, (Permission.VIEW_USERS,)),
    # Last, so that every older Ctrl+N shortcut keeps its tab (issue #19).
    TabSpec(N_("Customers"), "users", CustomersTab, (Permission.VIEW_CUSTOMERS,)),
)
"""Every tab in display order; Ctrl+1… selects the visible ones in this order."""


class _TabCorner(QWidget):
    """A tab-widget corner that is as tall as the tab bar, so its content centres on the tabs.

    QTabWidget gives a corner widget min(its size hint, the tab bar's height), aligned to the
    bottom; asking for more than any tab bar is tall makes that the tab bar's full height.
    """

    @override
    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), 16 * SPACING)


def visible_tabs(user: UserDTO) -> list[TabSpec]:
    """Return the tabs ``user``'s role may see, in display order."""
    return [spec for spec in TAB_SPECS if spec.allows(user)]


BACK_OFFICE: tuple[Permission, ...] = (
    Permission.VIEW_USERS,
    Permission.MANAGE_PRODUCTS,
    Permission.MANAGE_COUPONS,
    Permission.MANAGE_STORES,
    Permission.VIEW_REPORTS,
)
"""Permissions of the people whose day is more than the register (managers, admins)."""


def home_tab(user: UserDTO) -> str:
    """The tab ``user`` lands on after logging in.

    A cashier, and anyone whose main job is selling (may sell, manages nothing), lands on the
    register (the Orders tab shows it first); everyone else on the first tab.
    """
    sells = has_permission(user, Permission.SELL)
    if sells and not any(has_permission(user, p) for p in BACK_OFFICE):
        return "Orders"
    tabs = visible_tabs(user)
    return tabs[0].title if tabs else ""


class MainWindow(QMainWindow):
    """The back-office and register window for one logged-in user.

    Signals:
        logout_requested(): the user chose "Log out" (Ctrl+L); the window then closes.
        session_ended(str): a service said the user is no longer active (the message says
            so); the window then closes.
        switch_user_requested(UserDTO): another user logged in on the idle lock screen.
        language_changed(UserDTO): the user's language changed (their own or the shop's): the
            session rebuilds the window for them in it (a sale in progress is parked first).
        closed(): the window has closed, after ``logout_requested`` when logging out.
    """

    logout_requested = Signal()
    session_ended = Signal(str)
    switch_user_requested = Signal(object)
    language_changed = Signal(object)
    closed = Signal()

    def __init__(
        self,
        backend: Backend,
        bus: EventBus,
        user: UserDTO,
        parent: QWidget | None = None,
        *,
        lazy_tabs: bool = False,
    ) -> None:
        """Build the window; ``lazy_tabs`` builds only the landing tab before it paints.

        The other tabs are then built one per event-loop turn, or at once when chosen.
        """
        super().__init__(parent)
        self._lazy_tabs = lazy_tabs
        self._pending_tabs: dict[int, TabSpec] = {}
        self._waiting_tabs: dict[int, TabSpec] = {}
        """Tabs built while the server was gone: their page says so until it is back."""
        self._backend = backend
        self._bus = bus
        self._user = user
        apply_user_locale(user.locale)  # this user's formats (else the shop's) on every screen
        apply_user_language(user.locale)  # and language, before any widget is built
        self.setObjectName("mainWindow")
        stores = self._load_stores()
        self._store_names = {store.id: store.name for store in stores}
        self.store_name = stores[0].name if stores else _(NO_STORE)
        self.setWindowTitle(f"posapp — {self.store_name}" if stores else "posapp")

        central = QWidget(self)
        central.setObjectName("central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = self._build_tabs(central)
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)
        self.toasts = ToastArea(central)
        self.toasts.set_keep_clear(self._keep_clear)
        self._build_actions()
        self._build_status_bar()
        self._wire_notifications()
        self._session_ending = False
        # The register's staff facade: unlocking and switching users work offline too (#21).
        self.idle_lock = IdleLock(self, backend.register_staff, user)
        self.idle_lock.switch_user_requested.connect(self.switch_user_requested)
        bus.setting_changed.connect(self.idle_lock.on_setting_changed)
        bus.setting_changed.connect(self._on_setting_changed)

        self.resize(DEFAULT_SIZE)
        self.setMinimumSize(MINIMUM_SIZE)
        if self.tabs.count():
            self.tabs.currentWidget().setFocus()
        bus.flush()  # deliver what was held while nobody listened (the log-in, say)

    def _on_setting_changed(self, event: SettingChanged) -> None:
        """Format in the shop's new currency, locale or zone (changed here or elsewhere)."""
        if event.key in FORMAT_KEYS:
            self._backend.shop.apply_currency()
            apply_user_locale(self._user.locale)
            if apply_user_language(self._user.locale):
                self._rebuild_in_new_language()

    @Slot()
    def choose_language(self) -> None:
        """Let the user choose their own locale (Ctrl+Alt+L); screens follow it from now on."""
        with one_use(LanguageDialog(self._backend.staff, self._user, self)) as dialog:
            if dialog.exec() and dialog.saved is not None:
                self._user = dialog.saved
                apply_user_locale(self._user.locale)
                if apply_user_language(self._user.locale):
                    self._rebuild_in_new_language()

    def _rebuild_in_new_language(self) -> None:
        """Every screen was built in the old language: park the sale, ask for a new window."""
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            register = page.register if isinstance(page, OrdersTab) else None
            if register is not None and not register.cart.empty:
                register.flow.park(quiet=True)
        emit(self.language_changed, self._user)

    @property
    def user(self) -> UserDTO:
        """Who is logged in."""
        return self._user

    def tab_titles(self) -> list[str]:
        """The titles of the tabs this user sees, in order (in the user's language)."""
        return [self.tabs.tabText(index) for index in range(self.tabs.count())]

    def tab_keys(self) -> list[str]:
        """The English titles (``TabSpec.title``) of the tabs this user sees, in order."""
        return list(self._tab_keys)

    def _load_stores(self) -> list[StoreDTO]:
        try:
            return self._backend.staff.stores()
        except DatabaseError as exc:
            if self._backend.offline_sales is None:
                _log.exception("cannot load the stores")
            else:  # signed in while the server is gone (#21): the title shows no store
                _log.info("the stores need the server: %s", exc)
            return []
        except ServiceError:
            _log.exception("cannot load the stores")
            return []

    def _build_tabs(self, parent: QWidget) -> QTabWidget:
        tabs = QTabWidget(parent)
        tabs.setObjectName("mainTabs")
        tabs.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        tabs.setIconSize(QSize(20, 20))
        tabs.tabBar().setAccessibleName(_("Sections"))
        tabs.tabBar().setFocusPolicy(Qt.FocusPolicy.TabFocus)
        home = home_tab(self._user)
        if not self._server_back():  # signed in offline (#21): land where selling goes on
            home = next((s.title for s in visible_tabs(self._user) if s.offline), home)
        self._tab_keys: list[str] = []
        for index, spec in enumerate(visible_tabs(self._user), start=1):
            if self._lazy_tabs and spec.title != home:
                page = QWidget(tabs)  # a placeholder until the tab is built
                page.setObjectName("pendingTab")
                self._pending_tabs[index - 1] = spec
            else:
                page = self._build_page(index - 1, spec, tabs)
            tab_icon = icon(spec.icon_name, PALETTE["muted"], checked_color=PALETTE["accent"])
            position = tabs.addTab(page, tab_icon, _(spec.title))
            self._tab_keys.append(spec.title)
            tabs.setTabToolTip(position, f"{_(spec.title)} (Ctrl+{index})")
            if spec.title == home:
                tabs.setCurrentIndex(position)
        tabs.currentChanged.connect(self._on_tabs_current_changed)

        brand = _TabCorner(tabs)
        brand.setObjectName("brand")
        row = QHBoxLayout(brand)
        row.setContentsMargins(3 * SPACING, _CORNER_NUDGE, 2 * SPACING, 0)
        row.setSpacing(SPACING + 2)
        row.addWidget(icon_label("logo", 28))
        name = QLabel("posapp", brand)
        name.setObjectName("brandName")
        row.addWidget(name)
        tabs.setCornerWidget(brand, Qt.Corner.TopLeftCorner)
        return tabs

    def _build_actions(self) -> None:
        self.tab_actions = QActionGroup(self)
        self.tab_actions.setExclusionPolicy(QActionGroup.ExclusionPolicy.None_)
        for index in range(min(self.tabs.count(), 9)):
            action = QAction(_("Go to {tab}").format(tab=self.tabs.tabText(index)), self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.setData(index)
            self.tab_actions.addAction(action)
            self.addAction(action)
        self.tab_actions.triggered.connect(self._on_tab_actions_triggered)

        self.logout_action = QAction(icon("logout"), _("Log out"), self)
        self.logout_action.setShortcut(QKeySequence("Ctrl+L"))
        self.logout_action.setToolTip(_("Log out and lock the register (Ctrl+L)"))
        self.logout_action.triggered.connect(self._on_logout_action_triggered)
        self.addAction(self.logout_action)
        self.language_action = QAction(_("Language…"), self)
        self.language_action.setShortcut(QKeySequence("Ctrl+Alt+L"))
        self.language_action.triggered.connect(self.choose_language)
        self.addAction(self.language_action)

        corner = _TabCorner(self.tabs)
        row = QHBoxLayout(corner)
        row.setContentsMargins(0, _CORNER_NUDGE, 2 * SPACING, 0)
        self._corner_row = row
        button = QToolButton(corner)
        button.setObjectName("logoutButton")
        button.setDefaultAction(self.logout_action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setIconSize(QSize(18, 18))
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        row.addWidget(button)
        self.tabs.setCornerWidget(corner, Qt.Corner.TopRightCorner)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        user = self._user
        self.user_item = StatusItem(
            "user",
            f"{user.display_name} · {_(ROLE_NAMES.get(user.role, user.role))}",
            _("Signed in as"),
            bar,
        )
        self.store_item = StatusItem("store", self.store_name, _("Store"), bar)
        self.register_item = StatusItem("till", self._backend.register, _("Register"), bar)
        self.database_item = StatusItem(
            "database", self._backend.database_description, _("Database"), bar
        )
        self.bell = NotificationBell(bar)
        items = (self.user_item, self.store_item, self.register_item, self.database_item)
        for item in items:
            bar.addPermanentWidget(item)
            bar.addPermanentWidget(status_separator(bar))
        bell_box = QWidget(bar)
        bell_row = QHBoxLayout(bell_box)
        bell_row.setContentsMargins(SPACING // 2, 2, SPACING, 2)
        bell_row.addWidget(self.bell)
        bar.addPermanentWidget(bell_box)
        offline = self._backend.offline_sales  # PostgreSQL: the register's link (#21)
        self.offline_banner = OfflineBanner(offline, bar) if offline is not None else None
        if self.offline_banner is not None:
            bar.addWidget(self.offline_banner)

    def _wire_notifications(self) -> None:
        """Bell, toasts, the Notifications menu and linked objects."""
        self.links = LinkOpener(self, self._backend, self._user, self.toasts, self)
        api = self._backend.notifications
        self.notifications: NotificationsWiring = wire_notifications(
            self, api, self._bus, self._user
        )
        self.notifications.open_requested.connect(self.links.open)
        actions = NotificationActions(self, api, self._bus, self._user, self.notifications)
        self.notification_actions: NotificationActions = actions
        button = QToolButton(self.tabs.cornerWidget(Qt.Corner.TopRightCorner))
        button.setObjectName("notificationsMenuButton")
        button.setText(_("Notifications"))
        button.setIcon(icon("bell"))
        button.setIconSize(QSize(18, 18))
        # the icon alone: with seven tabs the bar needs the room (the text is the tooltip and
        # the accessible name)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setMenu(actions.menu)
        button.setToolTip(_("Notifications, rules and customer email"))
        button.setAccessibleName(_("Notifications menu"))
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.notifications_button = button
        self._corner_row.insertWidget(0, button)

    def show_tab(self, title: str) -> QWidget | None:
        """Make the tab called ``title`` current and return its page (None if not shown).

        ``title`` is the English title (``TabSpec.title``) or the one shown.
        """
        titles = self._tab_keys if title in self._tab_keys else self.tab_titles()
        if title not in titles:
            return None
        self.tabs.setCurrentIndex(titles.index(title))
        return self.tabs.currentWidget()

    def _keep_clear(self) -> list[QWidget]:
        """What the toasts must not cover: the register's buttons while it shows."""
        tab = self.tabs.currentWidget()
        if isinstance(tab, OrdersTab) and tab.register is not None and tab.register.isVisible():
            return tab.register.keep_clear()
        return []

    def tabs_pending(self) -> int:
        """How many tabs are still to be built (lazy tabs only)."""
        return len(self._pending_tabs)

    def build_pending_tabs(self) -> None:
        """Build every tab not built yet."""
        for index in sorted(self._pending_tabs):
            self._build_pending_tab(index)

    def _build_pending_tab(self, index: int) -> None:
        spec = self._pending_tabs.pop(index, None)
        if spec is None:
            return
        try:
            page = self._build_page(index, spec, self.tabs)
        except ServiceError as exc:
            # Built after the window showed (the landing tab first), a tab can meet a session
            # that ended meanwhile: the window then closes (error_text ends the session).
            _log.warning("the %s tab could not be built: %s", spec.title, error_text(self, exc))
            return
        placeholder = self.tabs.widget(index)
        current = self.tabs.currentIndex()
        tab_icon = self.tabs.tabIcon(index)
        tip = self.tabs.tabToolTip(index)
        self.tabs.blockSignals(True)
        try:
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, page, tab_icon, _(spec.title))
            self.tabs.setTabToolTip(index, tip)
            self.tabs.setCurrentIndex(current)
        finally:
            self.tabs.blockSignals(False)
        if placeholder is not None:
            placeholder.deleteLater()

    def _build_page(self, index: int, spec: TabSpec, parent: QWidget) -> QWidget:
        """The tab's page; while the server is gone, a page saying the tab needs it (#21).

        A tab that needs the server is not even tried while the register is offline (a tab
        that fails half-built leaves Qt objects behind); it is built when chosen once the server
        is back.
        """
        if spec.offline or self._server_back():
            try:
                return spec.factory(self._backend, self._bus, self._user)
            except DatabaseError as exc:
                if self._backend.offline_sales is None:  # SQLite, or no offline side: as before
                    raise
                _log.info("the %s tab needs the server: %s", spec.title, exc)
        self._waiting_tabs[index] = spec
        return offline_page(_(spec.title), parent)

    def _server_back(self) -> bool:
        offline = self._backend.offline_sales
        return offline is None or offline.online

    def _build_next_pending_tab(self) -> None:
        if self._pending_tabs:
            self._build_pending_tab(min(self._pending_tabs))
            if self._pending_tabs:
                QTimer.singleShot(0, self, self._build_next_pending_tab)

    @Slot(int)
    def _on_tabs_current_changed(self, index: int) -> None:
        if index in self._waiting_tabs and self._server_back():  # offline when first built
            self._pending_tabs[index] = self._waiting_tabs.pop(index)
        if index in self._pending_tabs:
            self._build_pending_tab(index)
            self.tabs.currentWidget().setFocus(Qt.FocusReason.OtherFocusReason)

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pending_tabs:  # after the first paint, one tab per event-loop turn
            QTimer.singleShot(0, self, self._build_next_pending_tab)

    @Slot(QAction)
    def _on_tab_actions_triggered(self, action: QAction) -> None:
        self.tabs.setCurrentIndex(int(action.data()))
        self.tabs.currentWidget().setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot()
    def _on_logout_action_triggered(self) -> None:
        emit(self.logout_requested)
        self.close()

    def end_session(self, message: str) -> None:
        """End this user's session: announce why, then close (the login screen follows)."""
        if self._session_ending:  # several widgets may report the same ended session
            return
        self._session_ending = True
        emit(self.session_ended, message)
        self.close()

    @override
    def event(self, event: QEvent) -> bool:
        if isinstance(event, SessionEndedEvent):  # posted by posapp.ui.kit.session
            self.end_session(event.message)
            return True
        return super().event(event)

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        if event.isAccepted():
            self._pending_tabs.clear()
            self._finish_background_tasks()
            self.idle_lock.stop()
            self.notification_actions.close_all()
            emit(self.closed)

    def _finish_background_tasks(self) -> None:
        """Stop what would still use the services after the window closed, and wait for it.

        The services close right after the window, which is deleted a moment later: a tab's
        refresh timer firing in between would read a closed database, so every timer under the
        window stops. Operations the tabs started stop too (work that checks ``cancelled()``
        keeps nothing, other work runs to its end) and are waited for
        (``posapp.ui.kit.operation.drain``).
        """
        for timer in self.findChildren(QTimer):
            timer.stop()
        drain(self)
