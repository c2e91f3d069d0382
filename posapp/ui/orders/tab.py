"""The Orders tab: the register, the order list, the till and the sync conflicts, as pages.

Alt+R, Alt+O, Alt+T and Alt+Y switch pages. The register is where a cashier spends the day;
the order list finds any order (scan a receipt into its search field) and offers its next
moves; the till page opens and closes the till and makes the X, Z and sales reports; the sync
conflicts page (managers) lists what sales taken offline found different on the server (#21).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget
from typing_extensions import override

from posapp.i18n import N_, _
from posapp.services.platform.errors import DatabaseError
from posapp.services.staff import Permission, has_permission
from posapp.ui.kit.resources import styled
from posapp.ui.kit.tab import Tab
from posapp.ui.kit.widgets import SPACING, offline_page
from posapp.ui.orders.listing import OrderListView
from posapp.ui.orders.sync_conflicts import SyncConflictsView
from posapp.ui.register import RegisterView, TillView


class OrdersTab(Tab):
    """The register for selling, the list of orders and the till."""

    OBJECT_NAME = "ordersTab"
    TITLE = N_("Orders")

    @override
    def build(self) -> None:
        backend, bus, user = self.backend, self.bus, self.user
        self.register: RegisterView | None = None
        self.orders: OrderListView | None = None
        self.till: TillView | None = None
        self.conflicts: SyncConflictsView | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2 * SPACING, SPACING, 2 * SPACING, 0)
        sales = backend.sales
        styled(self, "register")
        self.pages = QTabWidget(self)
        self.pages.setObjectName("ordersPages")
        self.pages.setDocumentMode(True)
        self.pages.tabBar().setFocusPolicy(Qt.FocusPolicy.TabFocus)
        if has_permission(user, Permission.SELL):
            # On PostgreSQL the register sells through the facade that goes on offline (#21).
            self.register = RegisterView(backend.register_sales, bus, user, self.pages)
            self.pages.addTab(self.register, _("&Register"))
            self.register.till_opened.connect(self._on_register_till_opened)
        # The pages beside the register need the server: built while it is gone (#21), each
        # says so, and is built when chosen once the server is back.
        self._waiting: dict[QWidget, tuple[str, Callable[[], QWidget]]] = {}
        if has_permission(user, Permission.VIEW_ORDERS):
            self._add_page(
                "orders", lambda: OrderListView(sales, bus, user, self.pages), N_("&Orders")
            )
        self._add_page("till", self._make_till, N_("&Till"))
        if has_permission(user, Permission.VIEW_REPORTS):
            self._add_page(
                "conflicts",
                lambda: SyncConflictsView(sales, bus, user, self.pages),
                N_("S&ync conflicts"),
            )
        self.pages.currentChanged.connect(self._on_pages_current_changed)
        layout.addWidget(self.pages)
        self.setFocusProxy(self.pages.currentWidget())

    def _make_till(self) -> TillView:
        till = TillView(self.backend.sales, self.bus, self.user, self.pages)
        till.till_changed.connect(self._on_till_changed)
        return till

    def _add_page(self, key: str, make: Callable[[], QWidget], label: str) -> None:
        """Add the page ``make()`` builds as ``self.<key>``; offline, a page saying it waits."""
        offline = self.backend.offline_sales
        built: QWidget | None = None
        if offline is None or offline.online:  # offline, not even tried: see MainWindow
            try:
                built = make()
            except DatabaseError:
                if offline is None:  # SQLite: as before
                    raise
        if built is None:
            page = offline_page(_(label).replace("&", ""), self.pages)
            self._waiting[page] = (key, make)
        else:
            page = built
            setattr(self, key, page)
        self.pages.addTab(page, _(label))

    def _build_waiting(self, page: QWidget) -> QWidget:
        """The real page in place of ``page`` once the server is back (else ``page``)."""
        offline = self.backend.offline_sales
        if page not in self._waiting or (offline is not None and not offline.online):
            return page
        key, make = self._waiting[page]
        try:
            built = make()
        except DatabaseError:
            return page
        del self._waiting[page]
        index = self.pages.indexOf(page)
        label = self.pages.tabText(index)
        self.pages.blockSignals(True)
        try:
            self.pages.removeTab(index)
            self.pages.insertTab(index, built, label)
            self.pages.setCurrentIndex(index)
        finally:
            self.pages.blockSignals(False)
        page.deleteLater()
        setattr(self, key, built)
        return built

    @Slot()
    def _on_till_changed(self) -> None:
        if self.register is not None:
            self.register.refresh_till()

    @Slot()
    def _on_register_till_opened(self) -> None:
        if self.till is not None:
            self.till.refresh()

    @Slot(int)
    def _on_pages_current_changed(self, _index: int) -> None:
        page = self._build_waiting(self.pages.currentWidget())
        # Focusing the tab (Ctrl+3) focuses the page shown: its scan or search field.
        self.setFocusProxy(page)
        if page is self.orders and self.orders is not None:
            self.orders.ensure_loaded()
            self.orders.setFocus(Qt.FocusReason.OtherFocusReason)
        elif page is self.register and self.register is not None:
            self.register.refresh_till()
            self.register.focus_scan()
        elif page is self.till and self.till is not None:
            self.till.refresh()
        elif page is self.conflicts and self.conflicts is not None:
            self.conflicts.ensure_loaded()
