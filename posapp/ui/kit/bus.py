"""The Qt event bus: committed domain events as Qt signals, delivered in the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from PySide6.QtCore import QObject, Signal, SignalInstance

from posapp.events import (
    AccountMoved,
    CampaignEnded,
    CouponRedeemed,
    DomainEvent,
    NotificationCreated,
    OrderPlaced,
    OrderStatusChanged,
    PaymentConfirmed,
    ProductChanged,
    ProductsImported,
    PurchaseOrderChanged,
    SettingChanged,
    StockLow,
    StockMoved,
    SyncConflictRaised,
    UserChanged,
    UserLoggedIn,
)
from posapp.ui.kit.qt_compat import emit

SIGNAL_NAMES: Final[Mapping[type[DomainEvent], str]] = MappingProxyType(
    {
        OrderPlaced: "order_placed",
        OrderStatusChanged: "order_status_changed",
        PaymentConfirmed: "payment_confirmed",
        CouponRedeemed: "coupon_redeemed",
        CampaignEnded: "campaign_ended",
        StockLow: "stock_low",
        StockMoved: "stock_moved",
        AccountMoved: "account_moved",
        UserChanged: "user_changed",
        UserLoggedIn: "user_logged_in",
        ProductChanged: "product_changed",
        ProductsImported: "products_imported",
        NotificationCreated: "notification_created",
        SettingChanged: "setting_changed",
        PurchaseOrderChanged: "purchase_order_changed",
        SyncConflictRaised: "sync_conflict_raised",
    }
)
"""The signal each event type is emitted on; built once, used by every bus to dispatch."""


class EventBus(QObject):
    """Adapts the services' ``Publisher`` protocol to Qt signals.

    The composition root builds one bus and hands it both to the services (as their publisher:
    a bus is callable) and to the widgets (through their constructors). ``publish`` is the only
    place that emits these signals, so it is where mypy checks the payload types.

    Threads: the bus lives in the GUI thread and ``publish`` may be called from any thread.
    Qt's default (auto) connections then queue each slot call onto the receiver's thread, so
    widgets are only ever touched from the GUI thread.

    Start-up: like qutebrowser's message bridge, the bus can :meth:`hold` events until the main
    window has connected its slots, then :meth:`flush` them in the order they were published.

    Signals:
        order_placed(OrderPlaced): an order was placed.
        order_status_changed(OrderStatusChanged): an order moved to another state.
        payment_confirmed(PaymentConfirmed): a payment or refund was recorded.
        coupon_redeemed(CouponRedeemed): a coupon code was used on an order.
        campaign_ended(CampaignEnded): a coupon campaign was used up or expired.
        stock_low(StockLow): stock crossed its reorder point downwards.
        stock_moved(StockMoved): stock of a product changed at a store.
        account_moved(AccountMoved): money moved on a customer account.
        user_changed(UserChanged): a staff user was added or changed.
        user_logged_in(UserLoggedIn): a staff user logged in.
        product_changed(ProductChanged): a product was created, edited or archived.
        products_imported(ProductsImported): a CSV import created or updated products.
        notification_created(NotificationCreated): a notification was stored for a user.
        setting_changed(SettingChanged): a shop setting was changed.
        purchase_order_changed(PurchaseOrderChanged): a purchase order changed status.
        sync_conflict_raised(SyncConflictRaised): an offline sale found the server different.
        any_event(DomainEvent): every event, right after its own signal.
    """

    order_placed = Signal(object)
    order_status_changed = Signal(object)
    payment_confirmed = Signal(object)
    coupon_redeemed = Signal(object)
    campaign_ended = Signal(object)
    stock_low = Signal(object)
    stock_moved = Signal(object)
    account_moved = Signal(object)
    user_changed = Signal(object)
    user_logged_in = Signal(object)
    product_changed = Signal(object)
    products_imported = Signal(object)
    notification_created = Signal(object)
    setting_changed = Signal(object)
    purchase_order_changed = Signal(object)
    sync_conflict_raised = Signal(object)
    any_event = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._signals: dict[type[DomainEvent], SignalInstance] = {
            event_type: getattr(self, name) for event_type, name in SIGNAL_NAMES.items()
        }
        self._lock = threading.Lock()
        self._held: list[DomainEvent] | None = None

    def __call__(self, event: DomainEvent) -> None:
        """Publish ``event``: this makes the bus a ``posapp.events.Publisher``."""
        self.publish(event)

    def is_held(self) -> bool:
        """Whether events are being queued instead of emitted."""
        with self._lock:
            return self._held is not None

    def publish(self, event: DomainEvent) -> None:
        """Emit ``event`` on its own signal, then on ``any_event`` (or queue it while held).

        Raises:
            TypeError: ``event`` is not one of the domain event types.
        """
        signal = self._signals.get(type(event))
        if signal is None:
            msg = f"not a domain event: {type(event).__name__}"
            raise TypeError(msg)
        with self._lock:
            if self._held is not None:
                self._held.append(event)
                return
        self._emit(signal, event)

    def hold(self) -> None:
        """Queue published events until :meth:`flush` (a no-op while already held)."""
        with self._lock:
            if self._held is None:
                self._held = []

    def flush(self) -> None:
        """Emit the queued events in publishing order and stop holding (a no-op if not held).

        Call it from the GUI thread once the listeners are connected. An event published by a
        worker while this runs is emitted straight away; its queued slot calls still reach the
        GUI thread after the flushed ones, because this method runs there first.
        """
        with self._lock:
            events, self._held = self._held or [], None
        for event in events:
            self._emit(self._signals[type(event)], event)

    def _emit(self, signal: SignalInstance, event: DomainEvent) -> None:
        emit(signal, event)
        emit(self.any_event, event)
