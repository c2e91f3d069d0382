"""Helpers of the notification wiring tests: a small shop, a sale at a till, another register.

This module is also the program of "another register" on PostgreSQL: ``python -m
tests.integration.notif_till URL REGISTER STORE_ID PRODUCT_ID QUANTITY`` starts the
application's services (``posapp.app_services.start_services``) in a separate process, rings
up a sale through the real checkout as the cashier ``till``, waits for its notifications to be
written and relayed, stops the services and prints ``SOLD <order number> <event types seen
locally> <posapp threads left>``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue

from sqlalchemy import make_url, select

from posapp.app_services import THREAD_PREFIX, ServiceOptions, start_services
from posapp.config import AppConfig
from posapp.events import RecordingPublisher
from posapp.models import TillSession
from posapp.services.backend import Backend
from posapp.services.platform.chain_key import chain_key
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.sales import checkout
from posapp.services.sales.dto import (
    DraftLine,
    PaymentDraft,
    PaymentKind,
    PlacedOrder,
    SaleDraft,
)
from posapp.services.sales.tills import open_till
from tests.checkout_seed import CASHIER_PIN, Item, seed_shop

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 20.0
PRICE_MINOR = 250
JUICE = Item("juice", "APL-1", "4006381333955", "Apple juice", "Drinks", PRICE_MINOR, 0, True, 10)


@dataclass(frozen=True, slots=True)
class NotifShop:
    """A store with staff and one product: 10 in stock, reorder point 5."""

    store_id: int
    product_id: int
    staff: dict[str, UserDTO]

    @property
    def cashier(self) -> UserDTO:
        return self.staff["cashier"]

    @property
    def manager(self) -> UserDTO:
        return self.staff["manager"]

    @property
    def admin(self) -> UserDTO:
        return self.staff["admin"]


def seed(backend: Backend) -> NotifShop:
    """Staff (``root``, ``boss``, ``till``) and the apple juice at Main Street Market."""
    shop = seed_shop(backend, items=(JUICE,), reorder_point=5)
    return NotifShop(shop.store_id, shop.products["juice"], shop.staff)


def ensure_till(backend: Backend, actor: UserDTO, store_id: int) -> None:
    """Open the till of ``backend``'s register unless one is open."""
    with backend.read_uow() as uow:
        open_one = uow.session.scalar(
            select(TillSession.id).where(
                TillSession.register == backend.register, TillSession.closed_at.is_(None)
            )
        )
    if open_one is None:
        open_till(backend.uow(), actor, store_id, 10_000)


def sell(
    backend: Backend,
    actor: UserDTO,
    store_id: int,
    product_id: int,
    quantity: int,
    *,
    coupon: str = "",
    total_minor: int | None = None,
) -> PlacedOrder:
    """Ring up ``quantity`` units (paid in cash) at ``backend``'s register, through checkout."""
    ensure_till(backend, actor, store_id)
    total = PRICE_MINOR * quantity if total_minor is None else total_minor
    draft = SaleDraft(
        sale_uuid=uuid.uuid4(),
        lines=(DraftLine(1, product_id, quantity),),
        payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, total),),
        coupon_codes=(coupon,) if coupon else (),
    )
    return checkout.place_order(backend.uow(), actor, draft)


def posapp_threads() -> list[str]:
    """The names of the live threads the services start."""
    return sorted(t.name for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX))


# ---- another register, in its own process ---------------------------------------------------


def _other_register(argv: list[str]) -> int:
    url, register, *numbers = argv
    store_id, product_id, quantity = (int(n) for n in numbers)
    database = Database(url)
    local = RecordingPublisher()
    options = ServiceOptions(campaign_check_s=3600, sender_interval_s=3600, relay_poll_s=0.1)
    services = start_services(database, local, AppConfig(url, register), options)
    try:
        assert services.relay is not None
        if not services.relay.wait_listening(WAIT_S):
            print("ERROR not listening", flush=True)
            return 1
        cashier = services.backend.staff.login("till", CASHIER_PIN)
        placed = sell(services.backend, cashier, store_id, product_id, quantity)
        services.runner.wait_idle(WAIT_S)
    finally:
        services.stop()
        database.dispose()
    kinds = ",".join(sorted({type(e).__name__ for e in local.events}))
    print(f"SOLD {placed.number} {kinds} {len(posapp_threads())}", flush=True)
    return 0


class Child:
    """A child process (this module's program) whose stdout lines are read on a thread."""

    def __init__(self, *args: str, data_dir: Path) -> None:
        # Another register of the same shop has the shop's audit key (issue #16): as an admin
        # copies audit.key to each register (or sets POSAPP_AUDIT_KEY on all of them).
        shop_key = chain_key(make_url(args[0]), None, create=False)
        if shop_key is not None and not (data_dir / "audit.key").exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            (data_dir / "audit.key").write_text(shop_key.hex() + "\n", encoding="ascii")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "POSAPP_DATA_DIR": str(data_dir)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.notif_till", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: Queue[str] = Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, prefix: str, timeout: float = WAIT_S) -> str:
        """The first line starting with ``prefix``; AssertionError on timeout or error."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except Empty:
                raise AssertionError(
                    f"no {prefix!r} line in {timeout} s: {self.stderr()}"
                ) from None
            if line.startswith(prefix):
                return line
            if line.startswith("ERROR"):
                raise AssertionError(f"{line}: {self.stderr()}")

    def stderr(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        assert self.process.stderr is not None
        return self.process.stderr.read()[-3000:]

    def close(self) -> None:
        """Wait briefly for the process (kill it if it hangs) and close its pipes."""
        try:
            self.process.wait(WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self._reader.join(5)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


if __name__ == "__main__":
    sys.exit(_other_register(sys.argv[1:]))
