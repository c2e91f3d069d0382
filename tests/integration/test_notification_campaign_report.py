"""Issue #6, ``CampaignEnded``: the final report is written in the background and linked to.

Through the application's composition (``start_services``), on both databases: a campaign used
up at checkout, or passing its end date (the campaign clock), gets its final effectiveness
report in the reports folder, and the admins get a notification whose link opens it.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from posapp.app_services import ServiceOptions, Services, start_services
from posapp.config import AppConfig
from posapp.events import CampaignEnded, NotificationCreated, RecordingPublisher
from posapp.models import CouponCampaign, CouponCode
from posapp.models.base import utcnow
from posapp.reports.coupon_final import find_final_report
from posapp.services.backend import Backend
from posapp.services.coupons.codes import code_key
from posapp.services.notifications import staff as notifications
from posapp.services.notifications.dto import NotificationDTO, NotificationFilter, NotificationRule
from posapp.services.platform.db import Database
from posapp.services.staff import users
from posapp.services.staff.security import SessionEndedError
from posapp.ui.notifications.menu import ensure_final_report
from tests.checkout_seed import add_coupon
from tests.integration.notif_till import WAIT_S, NotifShop, seed, sell


def pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def wait_until(condition: Callable[[], bool], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the condition did not hold in time")
        time.sleep(0.02)


@pytest.fixture
def setup(database: Database) -> Backend:
    return Backend(database, register="setup")


@pytest.fixture
def shop(setup: Backend) -> NotifShop:
    return seed(setup)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "reports"  # the application's reports folder


def start(database: Database, bus: RecordingPublisher, folder: Path) -> Services:
    options = ServiceOptions(campaign_check_s=3600, sender_interval_s=3600)
    url = database.url.render_as_string(hide_password=False)
    return start_services(database, bus, AppConfig(url, "till-1"), options)


def campaign_of(backend: Backend, code_id: int) -> int:
    with backend.read_uow() as uow:
        campaign_id = uow.session.scalar(
            select(CouponCode.campaign_id).where(CouponCode.id == code_id)
        )
    assert campaign_id is not None
    return int(campaign_id)


def reports_for(services: Services, shop: NotifShop, role: str) -> list[NotificationDTO]:
    api = services.backend.notifications
    return api.list_notifications(shop.staff[role], NotificationFilter(kind="campaign_report"))


def test_a_campaign_used_up_at_checkout_gets_its_final_report_and_a_link_for_admins(
    database: Database, setup: Backend, shop: NotifShop, folder: Path
) -> None:
    code_id = add_coupon(setup, "LAST-ONE", usage_limit=1, name="Spring sale")
    campaign_id = campaign_of(setup, code_id)
    bus = RecordingPublisher()
    services = start(database, bus, folder)
    try:
        placed = sell(
            services.backend, shop.cashier, shop.store_id, shop.product_id, 2,
            coupon="LAST-ONE", total_minor=450,
        )  # fmt: skip
        assert placed.total_minor == 450  # 10 % off 5.00
        ended = [e for e in bus.events if isinstance(e, CampaignEnded)]
        assert [(e.campaign_id, e.reason) for e in ended] == [(campaign_id, "used_up")]

        assert services.runner.wait_idle(WAIT_S)
        path = services.reports.written[campaign_id]
        assert path == folder / f"coupon-campaign-{campaign_id}-spring-sale.pdf"
        text = pdf_text(path)
        assert "Final report: Spring sale" in text
        assert "Redemptions 1" in text

        wait_until(lambda: bool(reports_for(services, shop, "admin")))
        (note,) = reports_for(services, shop, "admin")
        assert (note.kind, note.link_kind, note.link_id) == (
            "campaign_report",
            "report",
            campaign_id,
        )
        assert note.title == "Final report: Spring sale"
        assert note.body == f"{path.name} is in the reports folder."
        assert reports_for(services, shop, "manager") == []
        assert reports_for(services, shop, "cashier") == []
        created = [e for e in bus.events if isinstance(e, NotificationCreated)]
        # the admin's bell and toast hear of it
        assert any(e.notification_id == note.id and e.user_id == shop.admin.id for e in created)
        kinds = {
            n.kind
            for n in services.backend.notifications.list_notifications(
                shop.admin, NotificationFilter()
            )
        }
        assert {"campaign_ended", "campaign_report"} <= kinds
        # Opening the link finds this very file.
        coupons = services.backend.coupons
        assert ensure_final_report(coupons, shop.admin, campaign_id, folder) == path
    finally:
        services.stop()


def test_a_campaign_past_its_end_date_is_ended_by_the_clock_and_reported_once(
    database: Database, setup: Backend, shop: NotifShop, folder: Path
) -> None:
    now = utcnow()
    with setup.uow() as uow:
        campaign = CouponCampaign(
            name="Winter days", kind="percent", value=1500, scope="order",
            starts_at=now - timedelta(days=3), ends_at=now - timedelta(minutes=1),
        )  # fmt: skip
        uow.session.add(campaign)
        uow.flush()
        uow.session.add(
            CouponCode(campaign_id=campaign.id, code="WINTER", code_key=code_key("WINTER"))
        )
        campaign_id = campaign.id
        uow.commit()
    bus = RecordingPublisher()
    services = start(database, bus, folder)
    try:
        assert services.campaigns.wait_runs(1)  # the run at start
        ended = [e for e in bus.events if isinstance(e, CampaignEnded)]
        assert [(e.campaign_id, e.reason) for e in ended] == [(campaign_id, "expired")]
        assert services.runner.wait_idle(WAIT_S)
        path = services.reports.written[campaign_id]
        assert "Final report: Winter days" in pdf_text(path)
        wait_until(lambda: bool(reports_for(services, shop, "admin")))

        services.campaigns.wake()  # the next tick finds nothing more to end
        assert services.campaigns.wait_runs(2)
        assert services.runner.wait_idle(WAIT_S)
        assert len([e for e in bus.events if isinstance(e, CampaignEnded)]) == 1
        assert len(reports_for(services, shop, "admin")) == 1
    finally:
        services.stop()


def test_the_report_rule_decides_who_is_told_and_the_file_is_written_anyway(
    database: Database, setup: Backend, shop: NotifShop, folder: Path
) -> None:
    notifications.save_rules(
        setup.uow(),
        shop.admin,
        [NotificationRule("campaign_report", True, ("manager",), (shop.cashier.id,))],
    )
    add_coupon(setup, "ONLY-ONCE", usage_limit=1, name="Flash")
    services = start(database, RecordingPublisher(), folder)
    try:
        sell(
            services.backend, shop.cashier, shop.store_id, shop.product_id, 1,
            coupon="ONLY-ONCE", total_minor=225,
        )  # fmt: skip
        assert services.runner.wait_idle(WAIT_S)
        wait_until(lambda: bool(reports_for(services, shop, "manager")))
        assert services.runner.wait_idle(WAIT_S)
        assert len(reports_for(services, shop, "cashier")) == 1
        assert reports_for(services, shop, "admin") == []
    finally:
        services.stop()
    assert len(list(folder.glob("coupon-campaign-*-flash.pdf"))) == 1


def test_opening_the_link_writes_a_missing_report_for_users_who_may_see_coupons(
    setup: Backend, shop: NotifShop, folder: Path
) -> None:
    code_id = add_coupon(setup, "GONE", usage_limit=5, name="Autumn")
    campaign_id = campaign_of(setup, code_id)
    file = setup.coupons.final_report_file(shop.cashier, campaign_id)
    assert find_final_report(file, folder) is None  # another register wrote it
    path = ensure_final_report(setup.coupons, shop.cashier, campaign_id, folder)
    assert path.name == f"coupon-campaign-{campaign_id}-autumn.pdf"
    assert "Final report: Autumn" in pdf_text(path)
    assert find_final_report(file, folder) == path
    users.set_active(setup.uow(), shop.admin, shop.cashier.id, False)
    with pytest.raises(SessionEndedError):  # a deactivated user's session ends here too
        ensure_final_report(setup.coupons, shop.cashier, campaign_id, folder)
