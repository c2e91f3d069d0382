"""Render the notification screens into docs/screenshots/ (run by hand, not by pytest).

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_notifications

Writes ``toast_over_register.png`` (a manager's window right after a cashier's sale took a
product to its reorder point), ``notification_centre.png``, ``notification_rules.png``,
``notification_outbox.png`` and ``notifications_menu.png`` (an admin's Notifications menu).
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale, QThread
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QWidget

from posapp.events import (
    AccountMoved,
    CampaignEnded,
    DomainEvent,
    OrderPlaced,
    OrderStatusChanged,
    StockLow,
    UserChanged,
)
from posapp.models import (
    CouponCampaign,
    Customer,
    CustomerAccount,
    LedgerAccount,
    MovementKind,
    Order,
    OutboxEmail,
    Product,
    StockLevel,
)
from posapp.models.base import utcnow
from posapp.services.backend import Backend
from posapp.services.notifications import NotificationsApi
from posapp.services.notifications.dto import NotificationFilter
from posapp.services.notifications.staff import NotificationListener
from posapp.services.platform.db import open_database
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.fanout import Fanout
from posapp.services.sales.tills import open_till
from posapp.services.stock.ledger import move_stock
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.resources import apply_theme
from posapp.ui.main_window import MainWindow
from posapp.ui.notifications.centre import NotificationCentre
from posapp.ui.notifications.outbox_view import OutboxView
from posapp.ui.notifications.rules_dialog import NotificationRulesDialog
from tests.ui.seed import add_staff, add_store

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
STATUSES = (
    ("sent", 1, ""),
    ("failed", 8, "Recipient refused: 550 5.1.1 Mailbox unavailable"),
    ("pending", 2, "The mail server refused the connection (is it running?)."),
)


class ShiftedClock:
    """The real time plus a shift, so the history looks lived in."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.shift


def _settle(rounds: int = 5) -> None:
    for _ in range(rounds):
        QApplication.processEvents()


def _grab(widget: QWidget, name: str) -> Path:
    widget.show()
    _settle()
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    return path


def _seed_catalog(backend: Backend, store_id: int, manager: UserDTO) -> int:
    with backend.uow() as uow:
        product = Product(sku="OJ-1L", sku_key="OJ-1L", name="Orange juice 1 l", price_minor=349)
        bread = Product(sku="CB-500", sku_key="CB-500", name="Country bread 500 g", price_minor=289)
        uow.session.add_all([product, bread])
        uow.flush()
        uow.session.add(StockLevel(store_id=store_id, product_id=bread.id, on_hand=40))
        uow.session.add(
            StockLevel(store_id=store_id, product_id=product.id, on_hand=7, reorder_point=5)
        )
        product_id = product.id
        uow.commit()
    open_till(backend.uow(), manager, store_id, 15_000)
    return product_id


def _seed_customers_and_orders(backend: Backend, store_id: int, cashier_id: int) -> None:
    now = utcnow()
    with backend.uow() as uow:
        people = [
            ("Ann Example", "ann@example.com"),
            ("Bo Jensen", "bo.jensen@example.org"),
            ("Chloé Martin", "chloe@exemple.fr"),
        ]
        for i, (name, email) in enumerate(people):
            ledger = LedgerAccount(kind="customer", name=name)
            uow.session.add(ledger)
            uow.flush()
            customer = Customer(name=name, email=email, marketing_opt_in=True)  # issue #19
            uow.session.add(customer)
            uow.flush()
            account = CustomerAccount(
                number=f"1000{i:04d}", ledger_account_id=ledger.id, holder_name=name, email=email,
                customer_id=customer.id,
            )  # fmt: skip
            uow.session.add(account)
            uow.flush()
            order = Order(
                sale_uuid=uuid.uuid4(), number=f"MAIN-{1040 + i:06d}", store_id=store_id,
                cashier_id=cashier_id, customer_account_id=account.id, status="ready",
                pickup=True, total_minor=4_250 + 1000 * i,
            )  # fmt: skip
            uow.session.add(order)
            uow.flush()
            status, attempts, error = STATUSES[i]
            uow.session.add(
                OutboxEmail(
                    to_address=email,
                    to_name=name,
                    customer_account_id=account.id,
                    order_id=order.id,
                    subject=f"Your order {order.number} is ready for pickup",
                    body=f"Hello {name},\n\nYour order {order.number} is ready: you can collect"
                    " it at Main Street.\n\nMain Street",
                    kind="order_ready",
                    status=status,
                    attempts=attempts,
                    last_error=error,
                    created_at=now - timedelta(minutes=40 - 10 * i),
                    next_attempt_at=now + timedelta(minutes=4) if status == "pending" else None,
                    sent_at=now - timedelta(minutes=39) if status == "sent" else None,
                )
            )
        campaign = CouponCampaign(
            name="Spring sale",
            kind="percent",
            value=1500,
            starts_at=now - timedelta(days=3),
            usage_limit=500,
            used_count=452,
        )
        uow.session.add(campaign)
        uow.commit()


def _window_with_toast(
    backend: Backend,
    chain: Fanout,
    bus: EventBus,
    api: NotificationsApi,
    staff: dict[str, UserDTO],
    store_id: int,
    product_id: int,
) -> MainWindow:
    """A manager's window, with history in the centre, right after a low-stock toast."""
    manager = staff["manager"]
    # Earlier notifications, most of them read, so the centre shows a history.
    clock = backend.clock
    assert isinstance(clock, ShiftedClock)
    history: list[tuple[timedelta, DomainEvent]] = [
        (timedelta(days=1, hours=2), OrderPlaced(3, "MAIN-001042", store_id, 6_250, utcnow())),
        (timedelta(hours=3), OrderStatusChanged(1, "MAIN-001040", "paid", "ready", utcnow())),
        (timedelta(minutes=48), StockLow(store_id, product_id + 1, 3, 5, utcnow())),
        (timedelta(minutes=12), AccountMoved(1, 1, "withdrawal", -72_000, 18_550, utcnow())),
    ]
    for ago, event in history:
        clock.shift = -ago
        chain(event)
    clock.shift = timedelta(0)
    chain(UserChanged(staff["cashier"].id, "cashier1", "password_reset", utcnow()))
    chain(CampaignEnded(1, "expired", utcnow()))
    first = api.list_notifications(manager, NotificationFilter())
    api.mark_read(manager, [n.id for n in first[1:]])

    window = MainWindow(backend, bus, manager)  # it wires its bell, toasts and menu itself
    window.tabs.setCurrentIndex(2)
    window.show()
    _settle()
    orders_tab = window.tabs.currentWidget()
    register = getattr(orders_tab, "register", None)
    if register is not None:  # the manager rings up a sale while the alert arrives
        for code in ("OJ-1L", "OJ-1L", "CB-500"):
            register.scan(code)
        register.scan_edit.setFocus()
        _settle()
    with backend.uow() as uow:  # the cashier's sale on another till: 7 → 4 (point 5)
        move_stock(
            uow,
            store_id=store_id,
            product_id=product_id,
            quantity=-3,
            kind=MovementKind.SALE,
            batch_uuid=uuid.uuid4(),
            user_id=staff["cashier"].id,
        )
        uow.commit()
    for _ in range(50):  # the wiring coalesces for ~0.1 s before it toasts
        if window.toasts.toasts:
            break
        QApplication.processEvents()
        QThread.msleep(20)
    return window


def _menu_shot(backend: Backend, bus: EventBus, admin: UserDTO) -> Path:
    """An admin's window with the Notifications menu open (the popup painted over the window)."""
    window = MainWindow(backend, bus, admin)
    window.show_tab("Orders")
    window.show()
    _settle()
    window.toasts.clear()
    button = window.notifications_button
    menu = button.menu()
    assert menu is not None
    corner = button.mapTo(window, button.rect().bottomRight())
    menu.popup(window.mapToGlobal(corner))
    _settle()
    shot = window.grab()
    painter = QPainter(shot)
    painter.drawPixmap(corner.x() - menu.width(), corner.y() + 2, menu.grab())
    painter.end()
    menu.hide()
    window.close()
    path = OUT / "notifications_menu.png"
    if not shot.save(str(path)):
        raise OSError(f"cannot write {path}")
    return path


def main() -> int:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        database = open_database(f"sqlite:///{tmp}/posapp.sqlite3")
        try:
            bus = EventBus()
            chain = Fanout()
            backend = Backend(database, chain, register="till-1", clock=ShiftedClock())
            chain.add(NotificationListener(backend))  # synchronous: the script needs no thread
            chain.add(bus)
            staff = add_staff(backend)
            store_id = add_store(backend)
            product_id = _seed_catalog(backend, store_id, staff["manager"])
            _seed_customers_and_orders(backend, store_id, staff["cashier"].id)
            api = backend.notifications

            window = _window_with_toast(backend, chain, bus, api, staff, store_id, product_id)
            print(_grab(window, "toast_over_register.png"))

            wiring_centre = window.findChild(QWidget, "notificationCentre")
            assert wiring_centre is None
            window.bell.click()
            _settle()
            centre = window.findChild(NotificationCentre, "notificationCentre")
            assert centre is not None
            centre.view.setCurrentIndex(centre.model.index(0))
            print(_grab(centre, "notification_centre.png"))
            centre.close()

            rules = NotificationRulesDialog(api, staff["admin"])
            print(_grab(rules, "notification_rules.png"))
            rules.close()

            outbox = OutboxView(api, bus, staff["admin"])
            outbox.resize(1180, 640)
            outbox.show()
            _settle()
            outbox.table.selectRow(1)
            print(_grab(outbox, "notification_outbox.png"))
            outbox.close()
            window.close()

            print(_menu_shot(backend, bus, staff["admin"]))
        finally:
            database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
