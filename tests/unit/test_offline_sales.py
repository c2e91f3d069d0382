"""The register's offline-capable sales facade (#21): what it answers offline, what it refuses.

A real shop on both databases fills the cache; the link is then told the server is gone (its
probe fails), and the register's calls are answered from the cache and the journal: scans and
searches, the till, a cash sale journalled with its own UUID and an OFFLINE receipt. What needs
the server's balance or a single-use code is refused with a message, and nothing is journalled.
When the server answers again, the replay places each sale once.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from posapp.events import RecordingPublisher
from posapp.models import Order
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.errors import DatabaseError, ValidationError
from posapp.services.sales import (
    RECEIPT_PRINTER_KEY,
    DraftLine,
    OfflineCache,
    OfflineJournal,
    OfflineSales,
    OfflineTill,
    PaymentDraft,
    PaymentKind,
    SaleDraft,
    ServerLink,
    snapshot,
)
from posapp.services.sales.receipt import receipt_model
from tests.checkout_seed import Shop, open_shop
from tests.reliability.figures import report as report_figure
from tests.reliability.pg.cut import NetworkCut

KEY = bytes(range(32))


class Server:
    """Whether the probe reaches the server (the test flips it)."""

    def __init__(self) -> None:
        self.up = True

    def probe(self) -> None:
        if not self.up:
            raise DatabaseError("The database cannot be reached right now.")


@pytest.fixture
def shop(backend: Backend) -> Shop:
    return open_shop(backend)


@pytest.fixture
def server() -> Server:
    return Server()


@pytest.fixture
def sales(backend: Backend, shop: Shop, server: Server, tmp_path: Path) -> OfflineSales:
    cache = OfflineCache.open(tmp_path / "cache.sqlite3")
    journal = OfflineJournal.open(tmp_path / "journal.sqlite3", KEY)

    link = ServerLink(
        probe=server.probe,
        read=lambda since: snapshot(backend.read_uow(), since),
        place=backend.sales.place_offline_sale,
        cache=cache,
        journal=journal,
    )
    link.refresh()
    facade = OfflineSales(backend, link, OfflineTill(cache, journal, backend.register))
    facade.current_till(shop.cashier)  # read online once, as the register does at start
    server.up = False
    link.tick()
    assert not facade.online
    return facade


def _draft(shop: Shop, sales: OfflineSales, *payments: PaymentDraft, **more: object) -> SaleDraft:
    lines = (DraftLine(1, shop.products["coffee"], 2),)
    return SaleDraft(uuid.uuid4(), lines, payments, **more)  # type: ignore[arg-type]


def _online(sales: OfflineSales) -> bool:
    return sales.online


def _total(sales: OfflineSales, shop: Shop) -> int:
    product = sales.lookup_code(shop.cashier, "5012345678900")
    assert product is not None
    return 2 * product.price_minor


def test_offline_the_register_scans_searches_and_sells_cash_from_the_cache(
    sales: OfflineSales, shop: Shop, backend: Backend, server: Server
) -> None:
    scanned = sales.scan_code(shop.cashier, "5012345678900")
    assert scanned is not None
    assert scanned.product.id == shop.products["coffee"]
    assert [p.id for p in sales.search_products(shop.cashier, "coffee")] == [
        shop.products["coffee"]
    ]
    assert sales.scan_code(shop.cashier, "no such code") is None
    till = sales.current_till(shop.cashier)
    assert till is not None
    assert till.register == backend.register

    total = _total(sales, shop)
    draft = _draft(
        shop,
        sales,
        PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, total + 500),
        expected_total_minor=total,
    )
    placed = sales.place_order(shop.cashier, draft)
    assert placed.number == f"OFF-{backend.register}-00001"
    assert (placed.status, placed.total_minor, placed.change_minor) == ("offline", total, 500)
    assert sales.place_order(shop.cashier, draft).number == placed.number  # Pay pressed twice
    detail = sales.order_detail(shop.cashier, placed.order_id)
    assert detail.number == placed.number
    assert receipt_model(detail).status_note == "OFFLINE SALE · NOT YET ON THE SERVER"
    assert sales.status.unsynced == 1
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 0

    server.up = True
    sales.link.tick()
    assert sales.online
    assert sales.status.unsynced == 0
    with backend.read_uow() as uow:
        orders = uow.session.scalars(select(Order.sale_uuid)).all()
    assert orders == [draft.sale_uuid]  # on the server once, under the sale's own UUID


@pytest.mark.parametrize(
    ("method", "more", "words"),
    [
        (PaymentKind.ACCOUNT, {}, "only cash and card"),
        (PaymentKind.GIFT_CARD, {}, "only cash and card"),
        (PaymentKind.CASH, {"coupon_codes": ("SPRING10",)}, "coupons are not taken"),
        (PaymentKind.CASH, {"customer_id": 1}, "for a customer"),
    ],
)
def test_offline_what_needs_the_server_is_refused_and_nothing_is_journalled(
    sales: OfflineSales, shop: Shop, method: PaymentKind, more: dict[str, object], words: str
) -> None:
    total = _total(sales, shop)
    draft = _draft(shop, sales, PaymentDraft(uuid.uuid4(), method, total, total), **more)
    with pytest.raises(ValidationError, match=words):
        sales.place_order(shop.cashier, draft)
    with pytest.raises(ValidationError, match="gift cards cannot be used"):
        sales.gift_card(shop.cashier, "GC-1234")
    with pytest.raises(ValidationError, match="points cannot be used"):
        sales.customer_points(shop.cashier, 1)
    with pytest.raises(ValidationError, match="coupons are not taken"):
        sales.quote_coupon(shop.cashier, "SPRING10", [], None)
    assert sales.status.unsynced == 0


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_a_checkout_that_loses_the_server_is_journalled_and_placed_once(
    backend: Backend, database: Database, shop: Shop, tmp_path: Path
) -> None:
    """The cashier presses Pay as the network goes: the register is offline at once, not at the
    next probe, and the sale is journalled under its own UUID; restored, it is placed once.

    Connections reset: a silent cut through the test's proxy is answered by the proxy's own TCP
    stack, so libpq's ``tcp_user_timeout`` never fires and a call in flight waits; through a real
    network it fails after 3 s. The probe's path of a silent cut is tests/ui/test_register_offline.
    """
    with NetworkCut(database.url.render_as_string(hide_password=False)) as net:
        remote = Database(net.url)
        try:
            register = Backend(remote, RecordingPublisher(), register=backend.register)
            cache = OfflineCache.open(tmp_path / "cache.sqlite3")
            journal = OfflineJournal.open(tmp_path / "journal.sqlite3", KEY)

            def probe() -> None:
                with remote.engine.connect() as conn:
                    conn.exec_driver_sql("SELECT 1")

            link = ServerLink(
                probe=probe,
                read=lambda since: snapshot(register.read_uow(), since),
                place=register.sales.place_offline_sale,
                cache=cache,
                journal=journal,
            )
            link.refresh()
            sales = OfflineSales(register, link, OfflineTill(cache, journal, backend.register))
            total = _total(sales, shop)
            draft = _draft(
                shop,
                sales,
                PaymentDraft(
                    uuid.uuid4(), PaymentKind.CARD, total, card_reference="A1", card_last4="4242"
                ),
                expected_total_minor=total,
            )
            assert _online(sales)
            net.cut("reset")
            started = time.monotonic()
            placed = sales.place_order(shop.cashier, draft)  # no probe ran: the call found out
            switched = time.monotonic() - started
            assert not _online(sales)
            assert placed.status == "offline"
            report_figure(
                f"offline register: a checkout that lost the server journalled in {switched:.2f} s"
            )

            net.restore()
            deadline = time.monotonic() + 60
            while not _online(sales):
                assert time.monotonic() < deadline, "the link did not come back"
                link.tick()
                time.sleep(0.05)
            with backend.read_uow() as uow:
                found = uow.session.scalars(select(Order.sale_uuid)).all()
            assert found == [draft.sale_uuid]
        finally:
            remote.dispose()


def test_offline_the_receipt_prints_marked_offline_and_the_drawer_opens_for_cash(
    backend: Backend, shop: Shop, tmp_path: Path
) -> None:
    paper = tmp_path / "printer.bin"
    backend.shop.change_setting(shop.staff["admin"], RECEIPT_PRINTER_KEY, f"file:{paper}")
    server = Server()
    cache = OfflineCache.open(tmp_path / "printing-cache.sqlite3")
    journal = OfflineJournal.open(tmp_path / "printing-journal.sqlite3", KEY)
    link = ServerLink(
        probe=server.probe,
        read=lambda since: snapshot(backend.read_uow(), since),
        place=backend.sales.place_offline_sale,
        cache=cache,
        journal=journal,
    )
    link.refresh()  # the printer's setting is in the cache
    sales = OfflineSales(backend, link, OfflineTill(cache, journal, backend.register))
    server.up = False
    link.tick()
    total = _total(sales, shop)
    placed = sales.place_order(
        shop.cashier,
        _draft(
            shop,
            sales,
            PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, total),
            expected_total_minor=total,
        ),
    )
    printed = sales.after_sale(shop.cashier, placed.order_id)
    assert (printed.printed, printed.drawer_opened) == (True, True)
    assert b"OFFLINE SALE" in paper.read_bytes()
    assert placed.number.encode() in paper.read_bytes()
