"""In German, French and Spanish, no English is left on any tab or dialog (issue #18).

The real main window, as an admin whose own language is the one under test, on a demo shop:
each opener of :data:`OPENERS` shows a tab or opens a dialog the way a person does (its button or
key), :func:`~tests.ui.language_walk.visible_texts` reads the screen, and the detector of
:mod:`tests.ui.language_walk` fails on English that is not a datum.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posapp.demo import load_demo
from posapp.models import User
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.purchasing.dto import SupplierInput
from posapp.services.staff import find_user
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.region import use_language
from posapp.ui.login_dialog import LoginDialog
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.listing import OrderListView
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.view import RegisterView
from posapp.ui.staff.tab import UsersTab
from posapp.ui.stores.purchasing import PurchasingPage
from posapp.ui.stores.tab import StoresTab
from tests.conftest import make_database
from tests.ui.language_walk import (
    EnglishDetector,
    Opener,
    Seen,
    data_words,
    read_dialog,
    read_tab,
    visible_texts,
)

LANGUAGES = {"de": "de_DE", "fr": "fr_FR", "es": "es_ES"}
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def _orders(window: MainWindow) -> OrdersTab:
    page = window.show_tab("Orders")
    assert isinstance(page, OrdersTab)
    return page


def _register(window: MainWindow) -> RegisterView:
    tab = _orders(window)
    assert tab.register is not None
    tab.pages.setCurrentWidget(tab.register)
    return tab.register


def _with_till(window: MainWindow) -> RegisterView:
    """The register with its till open (through the service, as the till page would)."""
    register = _register(window)
    if register.till is None:
        store = next(store for store in register.sales.stores() if store.kind != "warehouse")
        register.sales.open_till(window.user, store.id, 10_000, None)
        register.refresh_till()
    return register


def _closed_till(window: MainWindow) -> RegisterView:
    """The register with its till closed (an earlier opener may have opened it)."""
    register = _register(window)
    if register.till is not None:
        register.new_sale()  # the sale in progress is dropped, as Esc Esc would
        register.sales.close_till(window.user, 10_000, None)
        register.refresh_till()
    return register


def _with_item(window: MainWindow) -> RegisterView:
    """The register with one item on the sale (a tile of the product grid clicked)."""
    register = _with_till(window)
    if register.cart.empty:
        tiles = [w for w in register.grid.findChildren(QWidget) if w.property("tile")]
        assert tiles, "the product grid is empty"
        tiles[0].click()  # type: ignore[attr-defined]
    assert not register.cart.empty
    register.select_line(register.cart.lines[0].line_no)
    return register


Open = Callable[[MainWindow], list[Seen]]


def _button(name: str, prepare: Callable[[MainWindow], RegisterView] = _register) -> Open:
    def open_(window: MainWindow) -> list[Seen]:
        register = prepare(window)
        return read_dialog(window, register.buttons[name].click)

    return open_


def _till_page(window: MainWindow) -> list[Seen]:
    tab = _orders(window)
    assert tab.till is not None
    tab.pages.setCurrentWidget(tab.till)
    return visible_texts(window)


def _till_button(attribute: str) -> Open:
    def open_(window: MainWindow) -> list[Seen]:
        _with_till(window)
        tab = _orders(window)
        assert tab.till is not None
        tab.pages.setCurrentWidget(tab.till)
        tab.till.refresh()
        return read_dialog(window, getattr(tab.till, attribute).click)

    return open_


def _approval(window: MainWindow) -> list[Seen]:
    """The manager's approval (a cashier meets it; an admin approves by themself)."""
    register = _with_item(window)
    return read_dialog(window, lambda: register.flow.approval("override_price"))


def _first_rows(page: QWidget) -> None:
    """Select the first row of each visible table of ``page`` once it is filled (it loads off
    the GUI thread)."""
    deadline = time.monotonic() + 30
    views = [v for v in page.findChildren(QAbstractItemView) if v.isVisibleTo(page)]
    while time.monotonic() < deadline and not any(v.model().rowCount() for v in views):
        QTest.qWait(20)
    for view in views:
        if view.model().rowCount() and not view.selectionModel().hasSelection():
            view.setCurrentIndex(view.model().index(0, 0))


def _action(tab: str, attribute: str, *, select: bool = False) -> Open:
    """The dialog that ``attribute`` (a QAction of ``tab``'s page) opens; ``select`` first
    selects the first row of the page's tables (for Edit, Deposit…)."""

    def open_(window: MainWindow) -> list[Seen]:
        page = window.show_tab(tab)
        assert page is not None
        if select:
            _first_rows(page)
        action = getattr(page, attribute)
        deadline = time.monotonic() + 30
        while not action.isEnabled() and time.monotonic() < deadline:
            QTest.qWait(20)
        assert action.isEnabled(), f"{tab}: {attribute} stays disabled"
        return read_dialog(window, action.trigger)

    return open_


def _wait(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition() and time.monotonic() < deadline:
        QTest.qWait(20)
    assert condition(), what


def _orders_list(window: MainWindow) -> OrderListView:
    tab = _orders(window)
    assert tab.orders is not None
    tab.pages.setCurrentWidget(tab.orders)
    tab.orders.ensure_loaded()
    _wait(lambda: tab.orders is not None and tab.orders.model.rowCount(), "no orders listed")
    return tab.orders


def _order_detail(window: MainWindow) -> list[Seen]:
    orders = _orders_list(window)
    orders.table.setCurrentIndex(orders.model.index(0, 0))
    _wait(lambda: orders.detail.order is not None, "no order shown")
    return visible_texts(window)


def _return_dialog(window: MainWindow) -> list[Seen]:
    """The return dialog of the first listed order that may be returned."""
    orders = _orders_list(window)
    for row in range(orders.model.rowCount()):
        listed = orders.model.row_at(row)
        if listed is not None:
            orders.detail.load(listed.id)
            order = orders.detail.order
            if order is not None and "return" in order.actions:
                return read_dialog(window, lambda: orders.detail.act("return"))
    raise AssertionError("no order may be returned")


def _sync_conflicts(window: MainWindow) -> list[Seen]:
    tab = _orders(window)
    assert tab.conflicts is not None
    tab.pages.setCurrentWidget(tab.conflicts)
    QTest.qWait(50)
    return visible_texts(window)


def _staff(window: MainWindow) -> UsersTab:
    page = window.show_tab("Admin users")
    assert isinstance(page, UsersTab)
    return page


def _staff_dialog(opens: Callable[[UsersTab], object], *, select: bool = False) -> Open:
    def open_(window: MainWindow) -> list[Seen]:
        staff = _staff(window)
        staff.show_page(0)
        if select:
            _first_rows(staff.users_panel)
        return read_dialog(window, lambda: opens(staff))

    return open_


def _audit(window: MainWindow) -> list[Seen]:
    staff = _staff(window)
    staff.show_page(1)
    assert staff.audit_view is not None
    _first_rows(staff.audit_view)
    return visible_texts(window)


def _settings(window: MainWindow) -> list[Seen]:
    """Every group of Settings, one after the other."""
    staff = _staff(window)
    staff.show_page(2)
    page = staff.settings_page
    assert page is not None
    _wait(page.groups.count, "no setting groups")
    seen: list[Seen] = []
    for row in range(page.groups.count()):
        page.groups.setCurrentRow(row)
        QTest.qWait(20)
        seen.extend(visible_texts(window))
    return seen


def _notifications(attribute: str) -> Open:
    def open_(window: MainWindow) -> list[Seen]:
        action = getattr(window.notification_actions, attribute)
        assert action is not None, f"{attribute}: not offered to an admin"
        return read_dialog(window, action.trigger)

    return open_


def _customer_display(window: MainWindow) -> list[Seen]:
    """Ctrl+Shift+D at the register, with a sale on it."""
    register = _with_item(window)
    display = register.flow.display.open()
    try:
        QTest.qWait(50)
        return visible_texts(display)
    finally:
        register.flow.display.close()


def _purchasing(window: MainWindow) -> PurchasingPage:
    page = window.show_tab("Stores")
    assert isinstance(page, StoresTab)
    assert page.purchasing_page is not None
    page.panel.views.setCurrentWidget(page.purchasing_page)
    _first_rows(page.purchasing_page)
    return page.purchasing_page


def _stores_view(index: int) -> Open:
    def open_(window: MainWindow) -> list[Seen]:
        page = window.show_tab("Stores")
        assert isinstance(page, StoresTab)
        page.panel.views.setCurrentIndex(index)
        _first_rows(page.panel.views.currentWidget())
        return visible_texts(window)

    return open_


def _tax_rate(window: MainWindow) -> list[Seen]:
    """Settings → Tax rates → Add (the rate dialog)."""
    staff = _staff(window)
    staff.show_page(2)
    page = staff.settings_page
    assert page is not None
    _wait(page.groups.count, "no setting groups")
    assert page.tax_rates is not None
    return read_dialog(window, page.tax_rates.add_rate)


def _lock_screen(window: MainWindow) -> list[Seen]:
    """The idle lock's screen over the window (the window is dropped after the opener)."""
    window.idle_lock.lock()
    QTest.qWait(50)
    return visible_texts(window)


OPENERS: tuple[Opener, ...] = (
    Opener("register", "Orders", lambda w: (_register(w), visible_texts(w))[1]),
    Opener("register with a sale", "Orders", lambda w: (_with_item(w), visible_texts(w))[1]),
    Opener("open the till (Ctrl+O)", "Orders", _button("open_till", _closed_till)),
    Opener("find a product (F2)", "Orders", _button("search_product", _with_till)),
    Opener("attach a customer (F4)", "Orders", _button("attach_customer", _with_till)),
    Opener("quantity (F5)", "Orders", _button("change_quantity", _with_item)),
    Opener("line discount (F6)", "Orders", _button("line_discount", _with_item)),
    Opener("order discount (F7)", "Orders", _button("order_discount", _with_item)),
    Opener("coupons (F8)", "Orders", _button("coupons", _with_item)),
    Opener("parked sales (F10)", "Orders", _button("resume", _with_till)),
    Opener("price (F11)", "Orders", _button("change_price", _with_item)),
    Opener("payment (F12)", "Orders", lambda w: read_dialog(w, _with_item(w).pay_button.click)),
    Opener(
        "sell a gift card (Ctrl+G)",
        "Orders",
        lambda w: read_dialog(w, _with_till(w).giftcards.sell),
    ),
    Opener(
        "gift card balance (Ctrl+B)",
        "Orders",
        lambda w: read_dialog(w, _with_till(w).giftcards.balance),
    ),
    Opener("manager approval", "Orders", _approval),
    Opener("till page", "Orders", _till_page),
    Opener("cash in (Ctrl+I)", "Orders", _till_button("in_button")),
    Opener("cash out (Ctrl+U)", "Orders", _till_button("out_button")),
    Opener("close the till (Ctrl+Shift+C)", "Orders", _till_button("close_button")),
    Opener("language (Ctrl+Alt+L)", "Orders", lambda w: read_dialog(w, w.language_action.trigger)),
    Opener("stores tab", "Stores"),
    Opener("catalog tab", "Catalog"),
    Opener("coupons tab", "Coupons"),
    Opener("accounts tab", "Accounts"),
    Opener("admin users tab", "Admin users"),
    Opener("customers tab", "Customers"),
    Opener("new product (Ctrl+N)", "Catalog", _action("Catalog", "new_action")),
    Opener("edit product (Ctrl+E)", "Catalog", _action("Catalog", "edit_action", select=True)),
    Opener("variants (Ctrl+Shift+V)", "Catalog", _action("Catalog", "variants_action")),
    Opener("categories (Ctrl+Shift+T)", "Catalog", _action("Catalog", "categories_action")),
    Opener("import products (Ctrl+I)", "Catalog", _action("Catalog", "import_action")),
    Opener("new campaign (Ctrl+N)", "Coupons", _action("Coupons", "new_action")),
    Opener("edit campaign (Ctrl+E)", "Coupons", _action("Coupons", "edit_action", select=True)),
    Opener(
        "generate codes (Ctrl+G)", "Coupons", _action("Coupons", "generate_action", select=True)
    ),
    Opener("open an account (Ctrl+N)", "Accounts", _action("Accounts", "new_action")),
    Opener("deposit (Ctrl+D)", "Accounts", _action("Accounts", "deposit_action", select=True)),
    Opener("withdraw (Ctrl+W)", "Accounts", _action("Accounts", "withdraw_action", select=True)),
    Opener("transfer (Ctrl+T)", "Accounts", _action("Accounts", "transfer_action", select=True)),
    Opener("statement (Ctrl+P)", "Accounts", _action("Accounts", "statement_action", select=True)),
    Opener("new customer (Ctrl+N)", "Customers", _action("Customers", "new_action")),
    Opener("edit customer (F2)", "Customers", _action("Customers", "edit_action", select=True)),
    Opener("receive stock (F2)", "Stores", _action("Stores", "receive_action", select=True)),
    Opener("adjust stock (F3)", "Stores", _action("Stores", "adjust_action", select=True)),
    Opener("transfer stock (F4)", "Stores", _action("Stores", "transfer_action", select=True)),
    Opener("stocktake (F6)", "Stores", _action("Stores", "count_action", select=True)),
    Opener("reorder (F7)", "Stores", _action("Stores", "reorder_action", select=True)),
    Opener("new store (Ctrl+Shift+N)", "Stores", _action("Stores", "new_store_action")),
    Opener(
        "edit store (Ctrl+Shift+E)", "Stores", _action("Stores", "edit_store_action", select=True)
    ),
    Opener(
        "erase customer (Ctrl+Shift+Del)",
        "Customers",
        _action("Customers", "erase_action", select=True),
    ),
    Opener("orders list", "Orders", lambda w: (_orders_list(w), visible_texts(w))[1]),
    Opener("an order's detail", "Orders", _order_detail),
    Opener("return", "Orders", _return_dialog),
    Opener("sync conflicts", "Orders", _sync_conflicts),
    Opener("add user", "Admin users", _staff_dialog(lambda s: s.users_panel.add_user())),
    Opener(
        "edit user", "Admin users", _staff_dialog(lambda s: s.users_panel.edit_user(), select=True)
    ),
    Opener(
        "reset password",
        "Admin users",
        _staff_dialog(lambda s: s.users_panel.reset_password(), select=True),
    ),
    Opener(
        "deactivate user",
        "Admin users",
        _staff_dialog(lambda s: s.users_panel.toggle_active(), select=True),
    ),
    Opener("freeze account", "Accounts", _action("Accounts", "freeze_action", select=True)),
    Opener("close account", "Accounts", _action("Accounts", "close_action", select=True)),
    Opener("reset PIN", "Accounts", _action("Accounts", "pin_action", select=True)),
    Opener("lock screen", "Orders", _lock_screen),
    Opener("add a tax rate", "Admin users", _tax_rate),
    Opener("audit log", "Admin users", _audit),
    Opener("settings, every group", "Admin users", _settings),
    Opener("notification centre (Ctrl+B)", "Orders", _notifications("centre_action")),
    Opener("notification rules (Ctrl+Shift+B)", "Orders", _notifications("rules_action")),
    Opener("email outbox (Ctrl+Shift+O)", "Orders", _notifications("outbox_action")),
    Opener("promotion (Ctrl+Shift+M)", "Orders", _notifications("promotion_action")),
    Opener("mail server", "Orders", _notifications("mail_action")),
    Opener("customer display (Ctrl+Shift+D)", "Orders", _customer_display),
    Opener("stores: products", "Stores", _stores_view(1)),
    Opener("stores: replenishment", "Stores", _stores_view(2)),
    Opener("purchase orders", "Stores", lambda w: (_purchasing(w), visible_texts(w))[1]),
    Opener(
        "new supplier (Ctrl+Shift+U)",
        "Stores",
        lambda w: read_dialog(w, _purchasing(w).new_supplier_action.trigger),
    ),
    Opener(
        "edit supplier (Ctrl+Shift+I)",
        "Stores",
        lambda w: read_dialog(w, _purchasing(w).edit_supplier_action.trigger),
    ),
)
"""Every tab and the dialogs reachable from the register and the till; append yours."""


class Walk:
    """The demo shop once per module, and a fresh main window per opener."""

    def __init__(self, database: Database) -> None:
        self.database = database
        backend = Backend(database, register="walk-demo")
        load_demo(backend, seed=3, days=2, product_count=24, now=NOW)
        with backend.read_uow() as uow:
            names = uow.session.scalars(select(User.username).where(User.role == "admin")).all()
        self.admin = find_user(backend.read_uow(), names[0])
        # The demo has no supplier: one for the purchase orders page and its editor.
        supplier = SupplierInput("Alpine Wholesale", "Anna Berger", "orders@alpine.example", "", 3)
        backend.purchasing.save_supplier(self.admin, None, supplier)
        # Each window sets the admin's language: its audit row's words are data from the start.
        self.admin = backend.staff.set_user_locale(self.admin, self.admin.id, LANGUAGES["de"])
        self.data = data_words(backend)
        self.detectors = {code: EnglishDetector(code, self.data) for code in LANGUAGES}

        self.windows: dict[str, MainWindow] = {}

    def window(self, qtbot: QtBot, code: str) -> MainWindow:
        """The admin's main window in language ``code`` (one per language, kept between tests)."""
        use_language(LANGUAGES[code])  # conftest puts every test back in English
        window = self.windows.get(code)
        if window is None:
            bus = EventBus()
            backend = Backend(self.database, bus, register=f"walk-{code}")
            admin = backend.staff.set_user_locale(self.admin, self.admin.id, LANGUAGES[code])
            window = self.windows[code] = MainWindow(backend, bus, admin)
            window.show()
            window.activateWindow()
            qtbot.wait_until(window.isVisible, timeout=30_000)
        return window

    def close(self) -> None:
        for window in self.windows.values():
            window.close()
            window.deleteLater()


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    database = make_database("sqlite", tmp_path_factory.mktemp("walk"))
    walk = Walk(database)
    try:
        yield walk
    finally:
        walk.close()
        database.dispose()


@pytest.fixture
def back_in_english() -> Iterator[None]:
    before = QLocale()
    yield
    use_language("en")  # Qt's own translation too (conftest resets posapp's)
    QLocale.setDefault(before)  # the admin's locale, applied by the main window


def _cases() -> Iterator[object]:
    for code in LANGUAGES:
        for opener in OPENERS:
            yield pytest.param(code, opener, id=f"{code}-{opener.name}")


@pytest.mark.parametrize(("code", "opener"), list(_cases()))
def test_no_english_is_left_on_screen(
    qtbot: QtBot, walk: Walk, back_in_english: None, code: str, opener: Opener
) -> None:
    window = walk.window(qtbot, code)
    seen = read_tab(window, opener)
    assert seen, f"{opener.name}: nothing read"
    findings = walk.detectors[code].findings(seen)
    assert not findings, f"{code} {opener.name}:\n" + "\n".join(map(str, findings))


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_the_login_window_speaks_the_machines_language(
    qtbot: QtBot, walk: Walk, back_in_english: None, code: str
) -> None:
    use_language(LANGUAGES[code])
    dialog = LoginDialog(Backend(walk.database, register="walk-login"))
    qtbot.add_widget(dialog)
    dialog.show()
    findings = walk.detectors[code].findings(visible_texts(dialog))
    assert not findings, "\n".join(map(str, findings))


def test_the_detector_finds_english_and_leaves_data_alone(walk: Walk) -> None:
    detector = walk.detectors["de"]
    found = detector.findings(
        [
            Seen("a", "Pay   F12"),  # marked, shown untranslated
            Seen("b", "Approval of the morning"),  # nobody marked it: its words give it away
            Seen("c", "Bezahlen   F12"),
            Seen("d", "Ctrl+Shift+D"),
        ]
    )
    assert [f.seen.where for f in found] == ["a", "b"]
    assert "approval" in found[1].why
    assert detector.data  # the demo's names are data
    assert not detector.findings([Seen("e", name) for name in sorted(detector.data)[:50]])
