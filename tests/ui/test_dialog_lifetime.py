"""No dialog outlives its use: opening and closing each one N times leaves nothing behind.

Issue #17: every sale left its payment dialog behind (a hidden top-level window, ~85 QObjects and
the Python objects its connections held), and every later dialog opened slower past them.
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Callable
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.sales import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.tills import open_till
from posapp.ui.accounts.tab import AccountsTab
from posapp.ui.catalog.tab import CatalogTab
from posapp.ui.coupons.tab import CouponsTab
from posapp.ui.kit.bus import EventBus
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.view import RegisterView
from posapp.ui.staff.tab import UsersTab
from posapp.ui.stores.tab import StoresTab
from tests.checkout_seed import Shop, add_coupon, add_customer, open_shop_till, seed_shop
from tests.ui.lifetime_support import (
    answering,
    census,
    keys_in_dialog,
    kinds_grown,
    object_kinds,
    press,
    type_text,
)

pytestmark = pytest.mark.ui

N = 12
APPLE, MUG = "4006381333931", "5012345678924"
Key = Qt.Key


def activate(qtbot: QtBot, widget: QWidget) -> None:
    widget.show()
    widget.activateWindow()
    qtbot.wait_until(widget.isActiveWindow)


@pytest.fixture
def register(qtbot: QtBot, ui_backend: Backend, bus: EventBus) -> RegisterView:
    shop: Shop = seed_shop(ui_backend)
    open_shop_till(ui_backend, shop)
    view = RegisterView(ui_backend.sales, bus, shop.cashier)
    view.flow.receipt_sink = lambda _number, _pdf: None
    qtbot.add_widget(view)
    view.resize(1240, 720)
    activate(qtbot, view)
    qtbot.wait_until(view.scan_edit.hasFocus)
    return view


def sell_by_keyboard(qtbot: QtBot, view: RegisterView, *codes: str) -> None:
    """Scan ``codes``, F12, Enter (the exact cash is prefilled), Enter (the next sale)."""
    for code in codes:
        type_text(code)
        press(Key.Key_Return)
    with answering(keys_in_dialog(Key.Key_Return, Key.Key_Return), PaymentDialog):
        press(Key.Key_F12)
    qtbot.wait_until(view.scan_edit.hasFocus)
    assert view.cart.empty


def test_each_sale_destroys_its_payment_dialog(qtbot: QtBot, register: RegisterView) -> None:
    sell_by_keyboard(qtbot, register, APPLE, MUG)  # warm-up: caches, the change panel
    before = census()
    for _ in range(N):
        sell_by_keyboard(qtbot, register, APPLE, MUG)
        after = census()
        assert not after.grew_from(before), f"{after} after a sale, {before} before"
    assert not register.findChildren(PaymentDialog)
    gc.collect()
    assert not [obj for obj in gc.get_objects() if isinstance(obj, PaymentDialog)]


# --- every dialog the main window opens ----------------------------------------------------------

ROUNDS = 4
T = TypeVar("T", bound=QWidget)


def escape(_dialog: QDialog) -> None:
    press(Key.Key_Escape)


@pytest.fixture
def window(qtbot: QtBot, ui_backend: Backend, bus: EventBus) -> MainWindow:
    shop = seed_shop(ui_backend)
    admin = shop.staff["admin"]
    open_till(ui_backend.uow(), admin, shop.store_id, 10_000)
    add_coupon(ui_backend, "SPRING-10")
    add_customer(ui_backend)
    window = MainWindow(ui_backend, bus, admin)
    qtbot.add_widget(window)
    activate(qtbot, window)
    return window


def _openers(window: MainWindow, backend: Backend) -> dict[str, Callable[[], object]]:
    """Every dialog this test drives, by name: a call that opens it (blocking or not)."""
    orders, catalog, coupons = (
        _tab(window, OrdersTab),
        _tab(window, CatalogTab),
        _tab(window, CouponsTab),
    )
    stores, accounts, users = (
        _tab(window, StoresTab),
        _tab(window, AccountsTab),
        _tab(window, UsersTab),
    )
    register, listing, till = orders.register, orders.orders, orders.till
    assert register is not None
    assert listing is not None
    assert till is not None
    window.show_tab("Orders")
    register.scan(APPLE)
    register.scan(MUG)
    assert not register.cart.empty
    order = _one_sale(backend, window.user)
    listing.detail.show_order(backend.sales.order_detail(window.user, order))
    notes = window.notification_actions
    return {
        "payment (F12)": register.pay,
        "product search (F2)": register.search_product,
        "customer (F4)": register.attach_customer,
        "coupons (F8)": register.coupons,
        "quantity (F5)": register.change_quantity,
        "line discount (F6)": register.line_discount,
        "order discount (F7)": register.order_discount,
        "price (F11)": register.change_price,
        "parked sales (F10)": register.resume,
        "cash in (till)": lambda: till.move_cash("in"),
        "close till (blind count)": till.close_till,
        "orders: customer filter": listing._on_customer_button_clicked,
        "orders: return": listing.detail._return,
        "orders: cancel": listing.detail._cancel,
        "catalog: new product": catalog.new_action.trigger,
        "catalog: categories": catalog.categories_action.trigger,
        "catalog: import": catalog.import_action.trigger,
        "coupons: new campaign": coupons.new_campaign,
        "coupons: report": coupons.build_report,
        "stores: new store": stores.new_store,
        "stores: receive": stores.open_receive,
        "stores: count": stores.open_count,
        "accounts: new account": accounts._on_new,
        "users: add user": users.users_panel.add_user,
        "notifications: rules": _trigger(notes.rules_action),
        "notifications: promotion email": _trigger(notes.promotion_action),
        "notifications: mail settings": _trigger(notes.mail_action),
    }


def _tab(window: MainWindow, kind: type[T]) -> T:
    page = window.findChild(kind)
    assert isinstance(page, kind)
    return page


def _trigger(action: QAction | None) -> Callable[[], None]:
    assert action is not None
    return action.trigger


def _one_sale(backend: Backend, user: UserDTO) -> int:
    """A paid order (through the service) for the order detail's return and cancel."""
    sales = backend.sales
    product = sales.lookup_code(user, APPLE)
    assert product is not None
    draft = SaleDraft(
        sale_uuid=uuid.uuid4(),
        lines=(DraftLine(1, product.id, 1),),
        payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, product.price_minor, 500),),
    )
    return sales.place_order(user, draft).order_id


def test_every_dialog_of_the_main_window_is_gone_once_closed(
    qtbot: QtBot, window: MainWindow, ui_backend: Backend
) -> None:
    openers = _openers(window, ui_backend)
    for open_dialog in openers.values():  # warm-up: caches, lazily built pieces
        with answering(escape):
            open_dialog()
    grew: dict[str, dict[str, int]] = {}
    for name, open_dialog in openers.items():
        before, kinds = census(), object_kinds()
        for _ in range(ROUNDS):
            with answering(escape):
                open_dialog()
        if census().grew_from(before):
            grew[name] = kinds_grown(kinds, object_kinds())
    assert grew == {}, "these dialogs left objects behind (by class)"

    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog)]
