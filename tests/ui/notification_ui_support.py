"""Shared pieces of the notification UI tests: a wired backend and a small shop."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

from posapp.models import MovementKind, Product, StockLevel
from posapp.services.backend import Backend
from posapp.services.notifications import HANDLED_EVENTS, NotificationsApi
from posapp.services.notifications.mailer import PasswordStore
from posapp.services.notifications.staff import NotificationListener
from posapp.services.platform.db import Database
from posapp.services.platform.fanout import Fanout
from posapp.services.platform.runner import Runner
from posapp.services.stock.ledger import move_stock
from posapp.ui.kit.bus import EventBus
from tests.ui.seed import add_staff, add_store


class WiredBackend(Backend):
    """The backend with its SMTP password kept in a test folder (never the user's keyring)."""

    password_dir: Path | None = None

    @property
    def notifications(self) -> NotificationsApi:
        store = PasswordStore(self.password_dir, environ={}, use_keyring=False)
        return NotificationsApi(self, password_store=store)


class Shop:
    """A real backend whose committed events go to the notification listener and the bus."""

    def __init__(self, database: Database, bus: EventBus) -> None:
        self.chain = Fanout()
        self.backend = WiredBackend(database, self.chain, register="till-1")
        self.runner = Runner()
        self.runner.add_lane("notifications", batch_size=200)
        listener = NotificationListener(self.backend)
        self.runner.on_batch(HANDLED_EVENTS, listener.handle, lane="notifications")
        self.chain.add(self.runner)
        self.chain.add(bus)
        self.runner.start()
        self.staff = add_staff(self.backend)
        self.store_id = add_store(self.backend)
        with self.backend.uow() as uow:
            product = Product(sku="APL-1", sku_key="APL-1", name="Apple juice", price_minor=250)
            uow.session.add(product)
            uow.flush()
            uow.session.add(
                StockLevel(
                    store_id=self.store_id, product_id=product.id, on_hand=10, reorder_point=5
                )
            )
            self.product_id = product.id
            uow.commit()
        assert self.runner.wait_idle()  # the staff being added notified the admin

    def sell(self, quantity: int) -> None:
        """A cashier's sale on another till, committed while the manager works."""
        with self.backend.uow() as uow:
            move_stock(
                uow,
                store_id=self.store_id,
                product_id=self.product_id,
                quantity=-quantity,
                kind=MovementKind.SALE,
                batch_uuid=uuid.uuid4(),
                user_id=self.staff["cashier"].id,
            )
            uow.commit()


def open_shop(sqlite_database: Database, bus: EventBus, tmp_path: Path) -> Iterator[Shop]:
    """The body of each test module's ``shop`` fixture."""
    world = Shop(sqlite_database, bus)
    world.backend.password_dir = tmp_path
    yield world
    world.runner.stop()
