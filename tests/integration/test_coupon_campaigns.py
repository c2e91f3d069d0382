"""Campaign management, bulk generation, exports, the tab's queries and the permission matrix."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from posapp.models import AuditEntry, CouponCode
from posapp.services.backend import Backend
from posapp.services.coupons import campaigns as cc
from posapp.services.coupons import codes as coupon_codes
from posapp.services.coupons import exports as ce
from posapp.services.coupons import final_report as cfr
from posapp.services.coupons import generation, masking
from posapp.services.coupons import queries as cq
from posapp.services.coupons import report_data as crd
from posapp.services.coupons.dto import CampaignDraft, PageCursor, RedemptionFilter
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import (
    ConflictError,
    PermissionDeniedError,
    ServiceError,
    ValidationError,
)
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff.permissions import ROLE_PERMISSIONS
from posapp.services.staff.security import ACTIONS
from tests.integration.test_coupon_world import World, make_world


@pytest.fixture
def world(backend: Backend) -> World:
    return make_world(backend)


def draft(world: World, **changes: object) -> CampaignDraft:
    values: dict[str, object] = {
        "name": "Spring",
        "kind": "percent",
        "value": 1500,
        "starts_at": world.clock.now,
    }
    values.update(changes)
    return CampaignDraft(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "   "}, "Enter a campaign name"),
        ({"name": "x" * 101}, "at most 100"),
        ({"name": "bad\x00name"}, "control characters"),
        ({"value": -100}, "more than 0 %"),
        ({"value": 0}, "more than 0 %"),
        ({"value": 10_001}, "above 100 %"),
        ({"kind": "fixed", "value": 0}, "more than 0.00"),
        ({"kind": "bogus"}, "percentage or a fixed"),
        ({"usage_limit": 0}, "at least 1"),
        ({"usage_limit": -5}, "at least 1"),
        ({"per_customer_limit": 0}, "at least 1"),
        ({"min_spend_minor": -1}, "cannot be negative"),
        ({"max_discount_minor": 0}, "more than 0.00"),
        ({"scope": "products"}, "at least one product"),
        ({"scope": "categories"}, "at least one category"),
        ({"scope": "products", "product_ids": (999_999,)}, "No product with id"),
    ],
)
def test_campaign_validation(world: World, changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        cc.create_campaign(world.backend.uow(), world.admin, draft(world, **changes))
    assert cq.list_campaigns(world.backend.uow(), world.admin) == []


def test_expiry_equal_to_start_is_refused(world: World) -> None:
    d = draft(world, ends_at=world.clock.now)
    with pytest.raises(ValidationError, match="expiry must be after the start"):
        cc.create_campaign(world.backend.uow(), world.admin, d)
    with pytest.raises(ValidationError, match="expiry must be after the start"):
        cc.create_campaign(
            world.backend.uow(), world.admin, draft(world, ends_at=world.clock.now - timedelta(1))
        )


def test_create_edit_and_audit(world: World) -> None:
    apple = world.products["apple"][0]
    created = cc.create_campaign(
        world.backend.uow(),
        world.admin,
        draft(world, name="  Apple   days ", scope="products", product_ids=(apple, apple)),
        shared_code="apple-days",
    )
    assert created.name == "Apple days"
    assert created.product_ids == (apple,)
    edited = cc.update_campaign(
        world.backend.uow(), world.admin, created.id, draft(world, name="Apple week", value=2000)
    )
    assert (edited.name, edited.value, edited.scope, edited.product_ids) == (
        "Apple week",
        2000,
        "order",
        (),
    )
    with pytest.raises(ConflictError, match="APPLEDAYS is taken"):
        cc.create_campaign(world.backend.uow(), world.admin, draft(world), shared_code="APPLEDAYS")
    with world.backend.read_uow() as uow:
        actions = list(uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["coupon.campaign_add", "coupon.campaign_edit"]


def test_usage_limit_cannot_go_below_uses(world: World) -> None:
    campaign = world.campaign(single_use_codes=False, shared_code="USED")
    world.checkout("USED", world.basket(("bread", 1)))
    world.checkout("USED", world.basket(("bread", 1)))
    with pytest.raises(ValidationError, match="2 uses already made"):
        cc.update_campaign(
            world.backend.uow(),
            world.admin,
            campaign.id,
            dataclasses.replace(campaign.to_draft(), usage_limit=1),
        )


def test_generate_codes_unique_across_campaigns(world: World) -> None:
    first = world.campaign(name="First")
    second = world.campaign(name="Second", single_use_codes=False)
    progress: list[tuple[int, int]] = []
    result = generation.generate_codes(
        world.backend.uow(),
        world.admin,
        first.id,
        12_000,
        prefix="spring",
        progress=lambda d, t: progress.append((d, t)),
    )
    assert result.count == 12_000
    assert all(code.startswith("SPRING-") for code in result.sample)
    assert progress[-1] == (12_000, 12_000)
    assert len(progress) == 3
    generation.generate_codes(world.backend.uow(), world.admin, second.id, 3_000, prefix="SPRING")
    with world.backend.read_uow() as uow:
        total, distinct = uow.session.execute(
            select(func.count(), func.count(func.distinct(CouponCode.code_key)))
        ).one()
        max_uses = set(uow.session.scalars(select(CouponCode.max_uses).distinct()))
    assert total == distinct == 15_000
    assert max_uses == {1, None}


def test_generation_replaces_collisions(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign = world.campaign()
    taken = cc.add_shared_code(world.backend.uow(), world.admin, campaign.id, "AAAA-BBBB")
    real = coupon_codes.new_codes
    calls: list[int] = []

    def colliding(count: int, **kw: object) -> list[tuple[str, str]]:
        calls.append(count)
        if len(calls) == 1:
            return [(taken.code, "AAAABBBB"), *real(count - 1, **kw)]  # type: ignore[arg-type]
        return real(count, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr("posapp.services.coupons.generation.new_codes", colliding)
    result = generation.generate_codes(world.backend.uow(), world.admin, campaign.id, 10)
    assert result.count == 10
    assert calls == [10, 1]
    assert len(cq.code_ids(world.backend.uow(), world.admin, campaign.id)) == 11


def test_cancelled_generation_keeps_nothing(world: World) -> None:
    campaign = world.campaign()
    seen: list[int] = []
    with pytest.raises(generation.GenerationCancelledError, match="no code was kept"):
        generation.generate_codes(
            world.backend.uow(),
            world.admin,
            campaign.id,
            20_000,
            progress=lambda d, t: seen.append(d),
            cancelled=lambda: len(seen) >= 2,
        )
    assert seen == [5_000, 10_000]
    assert cq.code_ids(world.backend.uow(), world.admin, campaign.id) == []


@pytest.mark.parametrize(
    ("count", "prefix", "groups", "message"),
    [
        (0, "", 2, "between 1 and"),
        (1_000_001, "", 2, "between 1 and"),
        (5, "=x", 2, "letters"),
        (5, "", 9, "groups"),
    ],
)
def test_generation_input(world: World, count: int, prefix: str, groups: int, message: str) -> None:
    campaign = world.campaign()
    with pytest.raises(ValidationError, match=message):
        generation.generate_codes(
            world.backend.uow(), world.admin, campaign.id, count, prefix=prefix, groups=groups
        )


def test_csv_export_is_formula_safe(world: World) -> None:
    campaign = world.campaign(name='=HYPERLINK("x")', shared_code="SAFE-1")
    generation.generate_codes(world.backend.uow(), world.admin, campaign.id, 3)
    text = ce.export_codes_csv(world.backend.uow(), world.admin, campaign.id)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["code", "campaign", "discount"]
    assert len(rows) == 5
    assert rows[1][0] == "SAFE-1"
    assert all(row[1] == '\'=HYPERLINK("x")' for row in rows[1:])
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_code_sheet_and_lookups(world: World) -> None:
    campaign = world.campaign(min_spend_minor=2000, max_discount_minor=500)
    generation.generate_codes(world.backend.uow(), world.admin, campaign.id, 4, prefix="X")
    sheet = ce.code_sheet(world.backend.uow(), world.admin, campaign.id)
    assert len(sheet.codes) == 4
    assert sheet.value_text == "10 % off"
    assert "min. spend 20.00" in sheet.conditions
    assert "max. 5.00 off" in sheet.conditions
    found = ce.find_code(world.backend.uow(), world.admin, sheet.codes[0].lower())
    assert found is not None
    assert found.code == sheet.codes[0]
    cats = ce.category_choices(world.backend.uow(), world.admin)
    assert [(c.label, c.depth) for c in cats] == [
        ("Drinks", 0),
        ("Food", 0),
        ("Fruit", 1),
        ("Apples", 2),
    ]
    assert [
        c.id for c in ce.products_by_sku(world.backend.uow(), world.admin, [" apple", "PEAR"])
    ] == [
        world.products["apple"][0],
        world.products["pear"][0],
    ]
    with pytest.raises(ValidationError, match="No product has the SKU NOPE"):
        ce.products_by_sku(world.backend.uow(), world.admin, ["nope"])


def test_campaign_list_counts_and_logs(world: World) -> None:
    campaign = world.campaign()
    codes = generation.generate_codes(world.backend.uow(), world.admin, campaign.id, 5).sample
    lines = world.basket(("bread", 2))
    order_ids = []
    for code in codes[:3]:
        world.clock.advance(minutes=1)
        order_ids.append(world.checkout(code, lines)[0])
    [row] = cq.list_campaigns(world.backend.uow(), world.admin)
    assert (row.codes_issued, row.codes_redeemed, row.redemptions, row.discount_minor) == (
        5,
        3,
        3,
        180,
    )
    assert row.rate_bp == 6000
    ids = cq.code_ids(world.backend.uow(), world.admin, campaign.id)
    page = cq.codes_page(world.backend.uow(), world.admin, ids)
    assert [c.status for c in page].count("used up") == 3
    assert sum(c.discount_minor for c in page) == 180
    assert cq.code_ids(world.backend.uow(), world.admin, campaign.id, codes[4][-4:]) == [ids[4]]
    log = cq.redemptions_page(world.backend.uow(), world.admin, RedemptionFilter(), limit=2)
    assert [r.order_id for r in log] == order_ids[:0:-1]
    cursor = PageCursor(log[-1].redeemed_at, log[-1].id)
    rest = cq.redemptions_page(
        world.backend.uow(), world.admin, RedemptionFilter(), cursor, limit=2
    )
    assert [r.order_id for r in rest] == [order_ids[0]]
    assert log[0].cashier_name == "Sam"
    by_code = cq.redemptions_page(
        world.backend.uow(), world.admin, RedemptionFilter(text=codes[0].lower())
    )
    assert [r.code for r in by_code] == [codes[0]]
    assert cq.redemptions_page(world.backend.uow(), world.admin, RedemptionFilter(text="%")) == []
    assert [c.label for c in cq.redemption_cashiers(world.backend.uow(), world.admin)] == ["Sam"]
    assert cq.list_campaigns(world.backend.uow(), world.admin, "spr")[0].campaign.id == campaign.id
    assert cq.list_campaigns(world.backend.uow(), world.admin, "%") == []


# -- the permission matrix -------------------------------------------------------------------

Call = Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]


def _cid(uow: UnitOfWork) -> int:
    """The first campaign's id; seeds a campaign with one code when there is none."""
    from posapp.models import CouponCampaign

    with uow:
        value = uow.session.scalar(select(CouponCampaign.id).order_by(CouponCampaign.id).limit(1))
        if value is None:
            campaign = CouponCampaign(
                name="Matrix seed", kind="fixed", value=100, starts_at=uow.now(), used_count=0
            )
            uow.session.add(campaign)
            uow.flush()
            uow.session.add(
                CouponCode(
                    campaign_id=campaign.id, code="MATRIX-SEED", code_key="MATRIXSEED", used_count=0
                )
            )
            value = campaign.id
            uow.commit()
    return int(value)


def _code_id(uow: UnitOfWork) -> int:
    """The first code's id; seeds one on the first campaign when there is none."""
    campaign_id = _cid(uow)
    with uow:
        value = uow.session.scalar(select(CouponCode.id).order_by(CouponCode.id).limit(1))
        if value is None:
            code = CouponCode(
                campaign_id=campaign_id, code="MATRIX-CODE", code_key="MATRIXCODE", used_count=0
            )
            uow.session.add(code)
            uow.flush()
            value = code.id
            uow.commit()
    return int(value)


def _draft(uow: UnitOfWork) -> CampaignDraft:
    return CampaignDraft(name="Matrix", kind="fixed", value=100, starts_at=uow.now())


ACTION_CALLS: dict[str, Call] = {
    "coupons.campaigns.create_campaign": lambda uow, a, s: cc.create_campaign(uow, a, _draft(uow)),
    "coupons.campaigns.update_campaign": lambda uow, a, s: cc.update_campaign(
        uow, a, _cid(uow), _draft(uow)
    ),
    "coupons.campaigns.set_campaign_active": lambda uow, a, s: cc.set_campaign_active(
        uow, a, _cid(uow), True
    ),
    "coupons.campaigns.set_code_active": lambda uow, a, s: cc.set_code_active(
        uow, a, _code_id(uow), True
    ),
    "coupons.campaigns.add_shared_code": lambda uow, a, s: cc.add_shared_code(
        uow, a, _cid(uow), f"M{a.id}X{uow.now():%H%M%S%f}"
    ),
    "coupons.generation.generate_codes": lambda uow, a, s: generation.generate_codes(
        uow, a, _cid(uow), 2
    ),
    "coupons.campaigns.get_campaign": lambda uow, a, s: cc.get_campaign(uow, a, _cid(uow)),
    "coupons.exports.export_codes_csv": lambda uow, a, s: ce.export_codes_csv(uow, a, _cid(uow)),
    "coupons.exports.code_sheet": lambda uow, a, s: ce.code_sheet(uow, a, _cid(uow)),
    "coupons.exports.category_choices": lambda uow, a, s: ce.category_choices(uow, a),
    "coupons.exports.products_by_sku": lambda uow, a, s: ce.products_by_sku(uow, a, ["APPLE"]),
    "coupons.exports.product_labels": lambda uow, a, s: ce.product_labels(uow, a, (1,)),
    "coupons.exports.find_code": lambda uow, a, s: ce.find_code(uow, a, "NOPE"),
    "coupons.queries.list_campaigns": lambda uow, a, s: cq.list_campaigns(uow, a),
    "coupons.queries.code_ids": lambda uow, a, s: cq.code_ids(uow, a, _cid(uow)),
    "coupons.queries.codes_page": lambda uow, a, s: cq.codes_page(uow, a, [1]),
    "coupons.queries.redemptions_page": lambda uow, a, s: cq.redemptions_page(
        uow, a, RedemptionFilter()
    ),
    "coupons.queries.redemption_cashiers": lambda uow, a, s: cq.redemption_cashiers(uow, a),
    "coupons.report_data.load_effectiveness": lambda uow, a, s: crd.load_effectiveness(
        uow, a, uow.now().date(), uow.now().date()
    ),
    "coupons.report_data.effectiveness_report": lambda uow, a, s: crd.effectiveness_report(
        uow, a, uow.now().date(), uow.now().date()
    ),
    "coupons.final_report.final_report_file": lambda uow, a, s: cfr.final_report_file(
        uow, a, _cid(uow)
    ),
    "coupons.final_report.final_report": lambda uow, a, s: cfr.final_report(uow, a, _cid(uow)),
}
"""The coupon actions for the permission-matrix test (tests/unit/test_security.py CALLS)."""


def test_every_coupon_action_is_in_the_matrix() -> None:
    mine = {name for name in ACTIONS if name.startswith("coupons.")}
    assert mine == set(ACTION_CALLS)


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_coupon_permission_matrix(world: World, role: str) -> None:
    actor = world.staff[role]
    for action, call in ACTION_CALLS.items():
        allowed = ACTIONS[action] in ROLE_PERMISSIONS[role]
        if allowed:
            call(world.backend.uow(), actor, world.staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(world.backend.uow(), actor, world.staff)


def test_cashier_looks_but_cannot_change(world: World) -> None:
    with pytest.raises(PermissionDeniedError, match="manage coupons"):
        cc.create_campaign(world.backend.uow(), world.cashier, draft(world))
    assert cq.list_campaigns(world.backend.uow(), world.cashier) == []
    assert isinstance(PermissionDeniedError("x"), ServiceError)


# -- codes masked for staff without MANAGE_COUPONS (issue #16, defect 7) ---------------------


def test_mask_code_keeps_the_prefix_and_the_last_group() -> None:
    assert masking.mask_code("SPRING-7KQ2-BEZD") == "SPRING-****-BEZD"
    assert masking.mask_code("WEB-AAAA-BBBB-CCCC") == "WEB-****-****-CCCC"
    assert masking.mask_code("7KQ2-M9XD") == "****-M9XD"
    assert masking.mask_code("SUMMER-10") == "******-10"
    assert masking.mask_code("SUMMER5") == "******5"
    assert masking.mask_code("ABC") == "***"


def test_cashiers_read_every_code_masked(world: World) -> None:
    """A cashier (VIEW_COUPONS only) could copy any unused code from the tab, CSV or sheet."""
    campaign = world.campaign()
    made = generation.generate_codes(
        world.backend.uow(), world.admin, campaign.id, 4, prefix="SPRING"
    )
    codes = ce.code_sheet(world.backend.uow(), world.admin, campaign.id).codes
    assert set(made.sample) <= set(codes)
    world.checkout(codes[0], world.basket(("bread", 2)))
    masked = [masking.mask_code(code) for code in codes]
    assert all(re.fullmatch(r"SPRING-\*{4}-[A-Z0-9]{4}", code) for code in masked)
    cashier, manager = world.cashier, world.staff["manager"]

    def read(actor: UserDTO) -> dict[str, object]:
        ids = cq.code_ids(world.backend.uow(), actor, campaign.id)
        csv_rows = list(
            csv.reader(io.StringIO(ce.export_codes_csv(world.backend.uow(), actor, campaign.id)))
        )
        return {
            "page": [c.code for c in cq.codes_page(world.backend.uow(), actor, ids)],
            "csv": [row[0] for row in csv_rows[1:]],
            "sheet": list(ce.code_sheet(world.backend.uow(), actor, campaign.id).codes),
            "log": [
                r.code for r in cq.redemptions_page(world.backend.uow(), actor, RedemptionFilter())
            ],
            "find": [getattr(ce.find_code(world.backend.uow(), actor, codes[1]), "code", None)],
        }

    assert read(cashier) == {
        "page": masked,
        "csv": masked,
        "sheet": masked,
        "log": masked[:1],
        "find": masked[1:2],
    }
    assert read(manager) == {
        "page": list(codes),
        "csv": list(codes),
        "sheet": list(codes),
        "log": list(codes[:1]),
        "find": list(codes[1:2]),
    }
    [row] = cq.list_campaigns(world.backend.uow(), cashier)  # the figures stay
    assert (row.codes_issued, row.codes_redeemed, row.redemptions) == (4, 1, 1)


def test_masked_staff_search_only_what_they_see(world: World) -> None:
    """Searching by a hidden part would spell an unused code out one character at a time."""
    campaign = world.campaign()
    generation.generate_codes(world.backend.uow(), world.admin, campaign.id, 3, prefix="SPRING")
    codes = ce.code_sheet(world.backend.uow(), world.admin, campaign.id).codes
    world.checkout(codes[0], world.basket(("bread", 2)))
    ids = cq.code_ids(world.backend.uow(), world.admin, campaign.id)
    hidden = codes[1].split("-")[1]
    for text in (hidden, codes[1][:9]):
        # Codes are random: another code may share the searched characters by chance, and
        # the admin finds it too; the cashier finds none of them either way.
        sharing = [i for c, i in zip(codes, ids, strict=True) if text in c]
        assert ids[1] in sharing
        assert cq.code_ids(world.backend.uow(), world.admin, campaign.id, text) == sharing
        assert cq.code_ids(world.backend.uow(), world.cashier, campaign.id, text) == []
    last = codes[1][-4:]
    assert cq.code_ids(world.backend.uow(), world.cashier, campaign.id, last.lower()) == [ids[1]]
    pasted = masking.mask_code(codes[1])
    assert cq.code_ids(world.backend.uow(), world.cashier, campaign.id, pasted) == [ids[1]]
    assert cq.code_ids(world.backend.uow(), world.cashier, campaign.id, codes[1]) == [ids[1]]
    log_hidden = RedemptionFilter(text=codes[0].split("-")[1])
    assert len(cq.redemptions_page(world.backend.uow(), world.admin, log_hidden)) == 1
    assert cq.redemptions_page(world.backend.uow(), world.cashier, log_hidden) == []
    log_last = RedemptionFilter(text=codes[0][-4:])
    assert [r.code for r in cq.redemptions_page(world.backend.uow(), world.cashier, log_last)] == [
        masking.mask_code(codes[0])
    ]


def test_campaign_times_round_trip_every_instant(world: World) -> None:
    """Issue #16, defect 11 (service side): the second 02:30 of Berlin's autumn night, and
    microseconds, come back from both databases as they went in, edit after edit."""
    berlin = ZoneInfo("Europe/Berlin")
    second = datetime(2026, 10, 25, 2, 30, tzinfo=berlin, fold=1)  # 01:30 UTC
    ends = datetime(2026, 12, 1, 10, 15, 42, 123456, tzinfo=UTC)
    made = cc.create_campaign(
        world.backend.uow(), world.admin, draft(world, starts_at=second, ends_at=ends)
    )
    for _ in range(2):
        again = cc.get_campaign(world.backend.uow(), world.admin, made.id)
        assert again.starts_at.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
        assert again.ends_at == ends
        cc.update_campaign(world.backend.uow(), world.admin, made.id, again.to_draft())
