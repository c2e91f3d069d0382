"""The effectiveness PDF read back with pypdf matches the database; the CLI and final report."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import func, select

from posapp.cli.coupons import register_cli
from posapp.config import AppConfig
from posapp.models import CouponCode, CouponRedemption, Order
from posapp.money import format_money
from posapp.reports.coupon_effectiveness import render_effectiveness
from posapp.reports.coupon_final import write_final_report
from posapp.reports.coupon_sheet import render_code_sheet
from posapp.services.backend import Backend
from posapp.services.coupons.exports import code_sheet
from posapp.services.coupons.generation import generate_codes
from posapp.services.coupons.redemption import release_redemptions
from posapp.services.coupons.report_data import effectiveness_report
from posapp.services.platform.files import FileTargetError
from posapp.services.platform.zone import day_bounds
from tests.integration.test_coupon_world import FakeClock, World, make_world

START = datetime(2026, 4, 6, 9, 0, tzinfo=UTC)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def shop(backend: Backend) -> World:
    """Two campaigns used over three days, a cancelled use, and orders without a code."""
    world = make_world(backend, FakeClock(START))
    spring = world.campaign(name="Spring 15%", value=1500)
    generate_codes(backend.uow(), world.admin, spring.id, 40, prefix="SPR")
    codes = code_sheet(backend.uow(), world.admin, spring.id).codes
    world.campaign(
        name="Welcome 5", kind="fixed", value=500, single_use_codes=False, shared_code="WELCOME5"
    )
    for day in range(3):
        world.clock.now = START + timedelta(days=day)
        for i in range(day + 1):
            world.clock.advance(minutes=7)
            world.checkout(
                codes[(day * 2 + i) % len(codes)], world.basket(("bread", 2 + i), ("cola", 1))
            )
        world.checkout("WELCOME5", world.basket(("tv", 1)))
        world.order(world.basket(("apple", 3)))
    order_id, _, _ = world.checkout("WELCOME5", world.basket(("pear", 4)))
    with backend.uow() as uow:
        release_redemptions(uow, order_id=order_id, user_id=world.admin.id)
        uow.commit()
    world.order(world.basket(("bread", 1)), status="cancelled")  # not a sale
    return world


def db_figures(world: World, start: datetime, end: datetime) -> dict[str, int]:
    with world.backend.read_uow() as uow:
        s = uow.session
        live = (
            CouponRedemption.reversed_at.is_(None),
            CouponRedemption.redeemed_at >= start,
            CouponRedemption.redeemed_at < end,
        )
        uses, discount, codes = s.execute(
            select(
                func.count(),
                func.sum(CouponRedemption.discount_minor),
                func.count(func.distinct(CouponRedemption.code_id)),
            ).where(*live)
        ).one()
        order_ids = select(CouponRedemption.order_id).where(*live).distinct()
        orders, revenue = s.execute(
            select(func.count(), func.sum(Order.total_minor)).where(Order.id.in_(order_ids))
        ).one()
        issued = s.scalar(select(func.count()).select_from(CouponCode))
        with_code = select(CouponRedemption.order_id).where(CouponRedemption.reversed_at.is_(None))
        without, without_revenue = s.execute(
            select(func.count(), func.sum(Order.total_minor)).where(
                Order.placed_at >= start,
                Order.placed_at < end,
                Order.status != "cancelled",
                Order.id.not_in(with_code),
            )
        ).one()
    values = {
        "uses": uses,
        "discount": discount,
        "codes": codes,
        "orders": orders,
        "revenue": revenue,
        "issued": issued,
        "without": without,
        "without_revenue": without_revenue,
    }
    return {key: int(value or 0) for key, value in values.items()}


def test_report_text_matches_the_database(shop: World) -> None:
    first, last = date(2026, 4, 6), date(2026, 4, 8)
    report = effectiveness_report(shop.backend.read_uow(), shop.admin, first, last)
    text = pdf_text(render_effectiveness(report))
    start, end = day_bounds(first, last, UTC)
    db = db_figures(shop, start, end)
    assert db["uses"] == 6 + 3
    assert db["issued"] == 41
    overall = report.overall
    assert (overall.redemptions, overall.discount_minor) == (db["uses"], db["discount"])
    assert (overall.codes_redeemed, overall.codes_issued) == (db["codes"], db["issued"])
    assert (overall.orders, overall.revenue_minor) == (db["orders"], db["revenue"])
    assert (report.orders_without, report.revenue_without_minor) == (
        db["without"],
        db["without_revenue"],
    )
    rate = db["codes"] * 10_000 / db["issued"] / 100
    expectations = [
        f"Codes issued {db['issued']}",
        f"Codes redeemed {db['codes']}",
        f"Redemption rate {rate:.2f} %",
        f"Redemptions {db['uses']}",
        f"Discount given {format_money(db['discount'])}",
        f"Revenue of orders with a code {format_money(db['revenue'])}",
        f"Average basket with a code {format_money(round(db['revenue'] / db['orders']))}",
        f"Orders without a code {db['without']}",
        "Average basket without a code "
        + format_money(round(db["without_revenue"] / db["without"])),
        "Mon 6 Apr 2026 1",
        "Sam ",
    ]
    for expected in expectations:
        assert expected in text, expected
    spring = report.campaigns[0]
    row = (
        f"Spring 15% 15 % off 40 6 15.00 % 6 {format_money(spring.figures.discount_minor)} "
        f"{format_money(spring.figures.revenue_minor)}"
    )
    assert row in text
    assert "Welcome 5 5.00 off 1 1 100.00 % 3 15.00" in text
    assert "Campaign: Welcome 5" in text


def test_cli_writes_the_report(
    shop: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser(prog="posapp")
    register_cli(parser.add_subparsers())
    out = tmp_path / "coupons.pdf"
    args = parser.parse_args(
        ["report", "coupons", "--from", "2026-04-06", "--to", "2026-04-08", "--out", str(out)]
    )
    url = shop.backend.database.url.render_as_string(hide_password=False)
    assert args.handler(args, AppConfig(database_url=url, register="cli")) == 0
    assert "9 redemptions" in capsys.readouterr().out
    assert "Redemptions 9" in pdf_text(out.read_bytes())
    bad = parser.parse_args(
        [
            "report",
            "coupons",
            "--from",
            "2026-04-06",
            "--to",
            "2026-04-08",
            "--out",
            str(tmp_path / "no" / "x.pdf"),
        ]
    )
    with pytest.raises(FileTargetError, match="no such folder"):  # the CLI prints it, exit 1
        bad.handler(bad, AppConfig(database_url=url, register="cli"))
    for wrong in ("2026-02-29", "2026-04-31", "yesterday"):
        with pytest.raises(SystemExit):
            parser.parse_args(
                ["report", "coupons", "--from", wrong, "--to", "2026-04-08", "--out", str(out)]
            )


def test_final_report_and_code_sheet(shop: World, tmp_path: Path) -> None:
    path = write_final_report(shop.backend.coupons.final_report(None, 1), tmp_path)
    assert path.name == "coupon-campaign-1-spring-15.pdf"
    text = pdf_text(path.read_bytes())
    assert "Final report: Spring 15%" in text
    assert "Redemptions 6" in text
    sheet = code_sheet(shop.backend.uow(), shop.admin, 1)
    pdf = render_code_sheet(sheet)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 4  # 40 codes, 10 a page
    first = reader.pages[0].extract_text()
    assert sheet.codes[0] in first
    assert "15 % off" in first
