"""A register process of the offline acceptance test (#21): sells, offline when the server is gone.

Run by ``test_offline_acceptance`` (never by hand)::

    python -m tests.reliability.pg.offline_register URL REGISTER CASHIER KEY ACKS STOP PRODUCTS…

The register is built from the services alone (no UI): the sales facade, the cache, the offline
till, the journal (at ``offline.journal_path``, where the Z report looks) and the server link,
ticked every half second on a thread of its own, as the background runner would. The selling
loop rings up a sale every 200 ms through the register's facade, ``OfflineSales.place_order``:

- while the link is online, on the server; a lost server (``server_gone``: the connection refused
  or lost, or the COMMIT's answer lost) or one gone silent (the link offline before the answer
  came, ``offline.inflight``) and the SAME sale (its UUID and its payment's) is taken offline: the
  replay finds it on the server if it did commit; any other error is the server's answer
  (printed ``refused …``), the sale not taken;
- while offline (or syncing), through the offline till into the journal (an OFFLINE receipt).

Each acknowledged sale (placed, or durably journalled) is appended to ``ACK_FILE`` and fsynced
only after the acknowledgement: a line there is a sale the cashier saw done. Each change of the
link is printed (``state <state> <unix time>``). The cache is caught up on a thread of its own,
as on the runner's own lane in the application. Once ``STOP_FILE`` exists the loop stops; the
process waits until its journal is empty and the link online, prints ``done`` and exits.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import DatabaseError, ServiceError
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.offline import (
    LinkState,
    LinkStatus,
    OfflineCache,
    OfflineItem,
    OfflineJournal,
    OfflineTill,
    ServerLink,
    Snapshot,
    cache_path,
    journal_path,
    snapshot,
)
from posapp.services.sales.offline.detail import OFFLINE_STATUS
from posapp.services.sales.offline.reach import describe
from posapp.services.sales.offline.register import OfflineSales
from tests.checkout_seed import CASHIER_PIN

PRODUCTS = ("coffee", "bag")
WAIT_S = 180.0
PACE_S = 0.2
"""Between two sales: five a second per register, far above a real till's pace."""


def _say(text: str) -> None:
    print(text, flush=True)


def main(argv: list[str]) -> int:  # noqa: PLR0915 - one scripted register
    url, register, cashier_id, key_hex, ack_name, stop_name, *product_ids = argv
    products = [int(p) for p in product_ids]
    database = Database(url)
    backend = Backend(database, register=register)
    cashier = UserDTO(int(cashier_id), "till", "", "cashier", True)
    cache = OfflineCache.open(cache_path(database.url, register))
    journal = OfflineJournal.open(journal_path(database.url, register), bytes.fromhex(key_hex))

    def probe() -> None:
        with database.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def read(since: datetime | None) -> Snapshot:
        try:
            return snapshot(backend.read_uow(), since)
        except DBAPIError as exc:
            raise DatabaseError(str(exc).splitlines()[0]) from exc

    def changed(status: LinkStatus) -> None:
        _say(f"state {status.state} {time.time():.3f} {status.unsynced}")
        if status.reason:
            _say(f"why {status.reason}")

    link = ServerLink(
        probe=probe,
        read=read,
        place=backend.sales.place_offline_sale,
        cache=cache,
        journal=journal,
        on_change=changed,
    )
    link.refresh()  # a restart while the server is gone keeps the cache it had
    stop = threading.Event()

    def ticking() -> None:
        while not stop.is_set():
            link.tick()
            stop.wait(0.5)

    def refreshing() -> None:
        # On a thread of its own, as the runner's lanes keep them apart: a catch-up caught by a
        # silent cut hangs until the network returns, and must not hold the link's ticks back.
        while not stop.is_set():
            if link.online:
                link.refresh()
            stop.wait(0.5)

    ticker = threading.Thread(target=ticking, name="posapp-link", daemon=True)
    ticker.start()
    threading.Thread(target=refreshing, name="posapp-cache", daemon=True).start()
    till = OfflineTill(cache, journal, register)
    till.sign_in("till", CASHIER_PIN)  # the cashier is known to the cache
    sales = OfflineSales(backend, link, till)
    _say(f"ready {os.getpid()}")
    rng = random.Random(f"{register}-{os.getpid()}")
    stop_file = Path(stop_name)
    with open(ack_name, "a", encoding="ascii") as acks:

        def ack(sale_uuid: uuid.UUID, how: str) -> None:
            acks.write(f"{sale_uuid} {how}\n")
            acks.flush()
            os.fsync(acks.fileno())

        refused = ""
        while not stop_file.exists():
            lines = [(n, pid, 1) for n, pid in enumerate(products, 1) if rng.random() < 0.7]
            lines = lines or [(1, products[0], 1)]
            items = [OfflineItem(n, pid, qty) for n, pid, qty in lines]
            total = till.price(items).total_minor
            sale_uuid, pay_uuid = uuid.uuid4(), uuid.uuid4()
            draft = SaleDraft(
                sale_uuid,
                tuple(DraftLine(n, pid, qty) for n, pid, qty in lines),
                payments=(PaymentDraft(pay_uuid, PaymentKind.CASH, total, total + 500),),
                expected_total_minor=total,
            )
            try:
                placed = sales.place_order(cashier, draft)
            except ServiceError as exc:
                # Out of stock online, or the server refused the sale: the cashier is told and
                # sells something else (printed once a reason: the test shows the last lines).
                if describe(exc) != refused:
                    refused = describe(exc)
                    _say(f"refused {refused}")
            else:
                ack(sale_uuid, "offline" if placed.status == OFFLINE_STATUS else "online")
            time.sleep(PACE_S)
    start = time.monotonic()
    while journal.unsynced() or link.status.state is not LinkState.ONLINE:
        if time.monotonic() - start > WAIT_S:
            _say(f"stuck {link.status.state} {journal.unsynced()}")
            return 1
        time.sleep(0.2)
    stop.set()
    ticker.join(timeout=10)
    _say(f"done {journal.unsynced()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
