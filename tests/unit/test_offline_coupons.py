"""Coupons at a register without its server, per the shop's policy ``offline.coupons`` (#21).

A real shop on both databases: a shared-code campaign (10 % off the order), a single-use
campaign, and a shared campaign with a use limit only the server can count. The register's cache
is filled, the server goes away, and the register quotes and sells from the cache; the replay
redeems the shared code on the server once, at the discount the customer got.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from posapp.events import CouponRedeemed, RecordingPublisher, SyncConflictRaised
from posapp.models import CouponCampaign, CouponCode, CouponRedemption, Order, SyncConflict
from posapp.models.base import utcnow
from posapp.services.backend import Backend
from posapp.services.coupons import CampaignDraft, create_campaign, generate_codes
from posapp.services.platform.errors import DatabaseError, ServiceError
from posapp.services.sales import (
    BasketItem,
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
from posapp.services.sales.offline.replay import SaleRefusedError
from tests.checkout_seed import Shop, open_shop

KEY = bytes(range(32))
SHARED = "SAVE-10"


class Server:
    """Whether the probe reaches the server (the test flips it)."""

    def __init__(self) -> None:
        self.up = True

    def probe(self) -> None:
        if not self.up:
            raise DatabaseError("The database cannot be reached right now.")


@dataclasses.dataclass
class Register:
    sales: OfflineSales
    server: Server
    shop: Shop
    single_use: str


def _campaign(backend: Backend, shop: Shop, name: str, code: str = "", **more: object) -> str:
    fields: dict[str, object] = {
        "name": name,
        "kind": "percent",
        "value": 1000,
        "starts_at": utcnow() - timedelta(days=1),
        "single_use_codes": not code,
    }
    draft = CampaignDraft(**(fields | more))  # type: ignore[arg-type]
    admin = shop.staff["admin"]
    campaign = create_campaign(backend.uow(), admin, draft, shared_code=code)
    if code:
        return code
    return generate_codes(backend.uow(), admin, campaign.id, 1).sample[0]


def _register(
    backend: Backend, tmp_path: Path, policy: str | None, clock: Callable[[], datetime] = utcnow
) -> Register:
    shop = open_shop(backend)
    _campaign(backend, shop, "Ten off", SHARED)
    _campaign(
        backend,
        shop,
        "Drinks",
        "DRINKS-20",
        value=2000,
        scope="categories",
        category_ids=(shop.categories["Drinks"],),
        ends_at=utcnow() + timedelta(hours=1),
    )
    single = _campaign(backend, shop, "Letters")
    _campaign(backend, shop, "Only five", "FIVE-ONLY", usage_limit=5)
    if policy is not None:
        backend.shop.change_setting(shop.staff["admin"], "offline.coupons", policy)
    server = Server()
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
    sales = OfflineSales(backend, link, OfflineTill(cache, journal, backend.register, clock=clock))
    sales.current_till(shop.cashier)
    server.up = False
    link.tick()
    assert not sales.online
    return Register(sales, server, shop, single)


def _basket(sales: OfflineSales, shop: Shop) -> tuple[BasketItem, ...]:
    product = sales.lookup_code(shop.cashier, "5012345678900")  # coffee, 12.99
    assert product is not None
    return (BasketItem(1, product.id, None, 2, 2 * product.price_minor),)


def _sale(shop: Shop, total: int, code: str | None) -> SaleDraft:
    return SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["coffee"], 2),),
        (PaymentDraft(uuid.uuid4(), PaymentKind.CASH, total, total),),
        coupon_codes=() if code is None else (code,),
        expected_total_minor=total,
    )


def _count(backend: Backend, model: type[object]) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_by_default_the_register_refuses_every_coupon_offline(
    backend: Backend, tmp_path: Path
) -> None:
    register = _register(backend, tmp_path, None)
    sales, shop = register.sales, register.shop
    with pytest.raises(ServiceError, match="coupons are not taken"):
        sales.quote_coupon(shop.cashier, SHARED, _basket(sales, shop), None)
    with pytest.raises(ServiceError, match="coupons are not taken"):
        sales.place_order(shop.cashier, _sale(shop, 2338, SHARED))
    assert sales.status.unsynced == 0


def test_shared_code_is_sold_offline_and_redeemed_once_on_the_server(
    backend: Backend, tmp_path: Path, publisher: RecordingPublisher
) -> None:
    register = _register(backend, tmp_path, "shared")
    sales, shop = register.sales, register.shop
    quote = sales.quote_coupon(shop.cashier, "save 10", _basket(sales, shop), None)
    assert (quote.code, quote.discount_minor, quote.shares()) == (SHARED, 260, {1: 260})
    draft = _sale(shop, 2598 - 260, "save 10")
    placed = sales.place_order(shop.cashier, draft)
    assert placed.total_minor == 2338
    entry = sales.offline_till.journal.find(draft.sale_uuid)
    assert entry is not None
    assert entry.sale.coupon_codes == (SHARED,)
    assert [line.coupon_minor for line in entry.sale.lines] == [260]

    register.server.up = True
    sales.link.tick()
    assert sales.online
    assert sales.status.unsynced == 0
    with backend.read_uow() as uow:
        order = uow.session.scalars(select(Order)).one()
        redemption = uow.session.scalars(select(CouponRedemption)).one()
        code = uow.session.scalars(select(CouponCode).where(CouponCode.code == SHARED)).one()
        campaign = uow.session.get(CouponCampaign, code.campaign_id)
        assert campaign is not None
        assert (order.total_minor, redemption.order_id) == (2338, order.id)
        assert (redemption.discount_minor, code.used_count, campaign.used_count) == (260, 1, 1)
        number, code_id = order.number, code.id
    assert backend.sales.place_offline_sale(entry.sale) == number  # a second replay
    assert _count(backend, CouponRedemption) == 1
    assert _count(backend, SyncConflict) == 0
    assert not [e for e in publisher.events if isinstance(e, SyncConflictRaised)]
    redeemed = [e for e in publisher.events if isinstance(e, CouponRedeemed)]
    assert [(e.code_id, e.discount_minor) for e in redeemed] == [(code_id, 260)]


def test_a_campaign_changed_meanwhile_places_the_sale_with_a_conflict(
    backend: Backend, tmp_path: Path, publisher: RecordingPublisher
) -> None:
    register = _register(backend, tmp_path, "shared")
    sales, shop = register.sales, register.shop
    draft = _sale(shop, 2338, SHARED)
    sales.place_order(shop.cashier, draft)
    with backend.uow() as uow:  # the campaign now gives 20 %
        uow.session.execute(
            update(CouponCampaign).where(CouponCampaign.name == "Ten off").values(value=2000)
        )
        uow.commit()

    register.server.up = True
    sales.link.tick()
    assert sales.status.unsynced == 0
    with backend.read_uow() as uow:
        order = uow.session.scalars(select(Order)).one()
        conflict = uow.session.scalars(select(SyncConflict)).one()
        redemption = uow.session.scalars(select(CouponRedemption)).one()
        assert order.total_minor == 2338  # the customer's discount
        assert redemption.discount_minor == 260
        assert (conflict.kind, conflict.order_id) == ("coupon_changed", order.id)
        assert (conflict.paid_price_minor, conflict.list_price_minor) == (260, 520)
    raised = [e for e in publisher.events if isinstance(e, SyncConflictRaised)]
    assert [e.kind for e in raised] == ["coupon_changed"]


def test_what_the_register_cannot_check_is_refused_and_nothing_is_journalled(
    backend: Backend, tmp_path: Path
) -> None:
    register = _register(backend, tmp_path, "shared")
    sales, shop = register.sales, register.shop
    basket = _basket(sales, shop)
    cases = [
        (register.single_use, "single-use code needs the server"),
        ("FIVE-ONLY", "only the server can count the uses Only five allows"),
        ("NOPE99", "NOPE99 is not one of them"),
        ("", "not a coupon code"),
        ("S\u0410VE-10", "not a coupon code"),  # a Cyrillic A
        ("x" * 500, "not a coupon code"),
    ]
    for code, message in cases:
        with pytest.raises(ServiceError, match=message):
            sales.quote_coupon(shop.cashier, code, basket, None)
    with pytest.raises(ServiceError, match="one coupon per sale"):
        sales.quote_coupon(shop.cashier, SHARED, basket, None, ("OTHER",))
    with pytest.raises(ServiceError, match="single-use code needs the server"):
        sales.place_order(shop.cashier, _sale(shop, 2338, register.single_use))
    with pytest.raises(ServiceError, match="total changed"):
        sales.place_order(shop.cashier, _sale(shop, 2598, SHARED))  # the shown total left it out
    assert sales.status.unsynced == 0


def test_a_single_use_code_in_a_journal_refuses_the_sale(backend: Backend, tmp_path: Path) -> None:
    register = _register(backend, tmp_path, "shared")
    sales, shop = register.sales, register.shop
    draft = _sale(shop, 2338, SHARED)
    sales.place_order(shop.cashier, draft)
    entry = sales.offline_till.journal.find(draft.sale_uuid)
    assert entry is not None
    tampered = dataclasses.replace(entry.sale, coupon_codes=(register.single_use,))
    with pytest.raises(SaleRefusedError, match="single-use code: it is never taken offline"):
        backend.sales.place_offline_sale(tampered)
    unknown = dataclasses.replace(entry.sale, coupon_codes=("NOPE99",))
    with pytest.raises(SaleRefusedError, match="NOPE99 of this sale is not known"):
        backend.sales.place_offline_sale(unknown)
    line = entry.sale.lines[0]
    too_much = dataclasses.replace(
        entry.sale, lines=(dataclasses.replace(line, coupon_minor=10 * line.unit_price_minor),)
    )
    with pytest.raises(SaleRefusedError, match="coupon discount does not fit its lines"):
        backend.sales.place_offline_sale(too_much)
    assert _count(backend, Order) == 0
    assert _count(backend, CouponRedemption) == 0


def test_a_categories_campaign_covers_its_products_and_ends_on_time_offline(
    backend: Backend, tmp_path: Path
) -> None:
    later: list[datetime] = []
    register = _register(backend, tmp_path, "shared", lambda: later[0] if later else utcnow())
    sales, shop = register.sales, register.shop
    apple = sales.lookup_code(shop.cashier, "4006381333931")
    assert apple is not None
    basket = (*_basket(sales, shop), BasketItem(2, apple.id, None, 3, 3 * apple.price_minor))
    quote = sales.quote_coupon(shop.cashier, "drinks-20", basket, None)
    assert quote.shares() == {1: 520}  # 20 % of the coffee (a drink), nothing off the apples
    later.append(utcnow() + timedelta(hours=2))  # the register's clock passes the campaign's end
    with pytest.raises(ServiceError, match="DRINKS-20 has expired"):
        sales.quote_coupon(shop.cashier, "DRINKS-20", basket, None)
    assert sales.status.unsynced == 0
