"""Changing shop settings through Backend.shop: permission, validation, audit, event, effect."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from posapp.events import RecordingPublisher, SettingChanged
from posapp.models import AuditEntry, Setting
from posapp.services.backend import Backend
from posapp.services.platform import registry
from posapp.services.platform.dto import ShopProfile, UserDTO
from posapp.services.platform.errors import PermissionDeniedError
from posapp.services.shop import SettingsRefusedError, SettingValueError, change_setting
from posapp.services.staff import AuditFilter, add_user

PW = "correct horse battery"


@pytest.fixture
def staff(backend: Backend) -> dict[str, UserDTO]:
    return {
        role: add_user(backend.uow(), None, f"{role}1", PW, role)
        for role in ("admin", "manager", "cashier")
    }


def _rows(backend: Backend) -> dict[str, str]:
    with backend.read_uow() as uow:
        return {row.key: row.value for row in uow.session.scalars(select(Setting))}


def _audits(backend: Backend) -> list[tuple[int | None, str, object, object]]:
    """(user id, object kind, before, after) of each ``setting.changed`` audit row."""
    with backend.read_uow() as uow:
        rows = uow.session.execute(
            select(AuditEntry.user_id, AuditEntry.object_kind, AuditEntry.before, AuditEntry.after)
            .where(AuditEntry.action == "setting.changed")
            .order_by(AuditEntry.id)
        )
        return [(r[0], r[1], json.loads(r[2] or "null"), json.loads(r[3] or "null")) for r in rows]


def test_list_shows_every_setting_with_its_value_and_bounds(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    listed = backend.shop.list_settings(staff["admin"])
    assert [s.key for s in listed] == [spec.key for spec in registry.SETTINGS]
    cap = next(s for s in listed if s.key == "orders.discount_cap_bp")
    assert (cap.value, cap.default, cap.is_set, cap.kind) == ("10%", "10%", False, "percent")
    assert cap.bounds == "a percentage from 0% to 100%"
    card = backend.shop.setting(staff["admin"], "till.card_details_required")
    assert card.choices[0] == ("reference_and_last_four", "Terminal reference and last four")


def test_an_admin_changes_a_setting_audited_before_and_after(
    backend: Backend, publisher: RecordingPublisher, staff: dict[str, UserDTO]
) -> None:
    admin = staff["admin"]
    assert backend.sales.discount_cap_bp() == 1000
    changed = backend.shop.change_setting(admin, "orders.discount_cap_bp", "25")
    assert (changed.value, changed.is_set) == ("25%", True)
    # the register reads it at once: no restart
    assert backend.sales.discount_cap_bp() == 2500
    backend.shop.change_setting(admin, "orders.discount_cap_bp", "30%")
    assert backend.sales.discount_cap_bp() == 3000

    key = "orders.discount_cap_bp"
    assert _audits(backend) == [
        (admin.id, "setting", {key: None}, {key: 2500}),
        (admin.id, "setting", {key: 2500}, {key: 3000}),
    ]
    # the audit log shows which setting changed, and how
    (row, *_) = backend.staff.audit_page(admin, AuditFilter(action="setting.changed"))
    assert row.object_label == "setting"
    assert row.details == "orders.discount_cap_bp: 2500 → 3000"
    events = [e for e in publisher.events if isinstance(e, SettingChanged)]
    assert [(e.key, e.username) for e in events] == [("orders.discount_cap_bp", "admin1")] * 2


def test_the_same_value_again_changes_nothing(
    backend: Backend, publisher: RecordingPublisher, staff: dict[str, UserDTO]
) -> None:
    backend.shop.change_setting(staff["admin"], "auth.lockout_attempts", "3")
    backend.shop.change_setting(staff["admin"], "auth.lockout_attempts", " 3 ")
    assert len(_audits(backend)) == 1
    assert len([e for e in publisher.events if isinstance(e, SettingChanged)]) == 1


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_only_an_admin_may_change_or_list_settings(
    backend: Backend, publisher: RecordingPublisher, staff: dict[str, UserDTO], role: str
) -> None:
    before = _rows(backend)
    with pytest.raises(PermissionDeniedError, match="not allowed to manage settings"):
        backend.shop.change_setting(staff[role], "till.idle_lock_minutes", "1")
    with pytest.raises(PermissionDeniedError):
        backend.shop.list_settings(staff[role])
    assert _rows(backend) == before
    assert _audits(backend) == []
    assert not [e for e in publisher.events if isinstance(e, SettingChanged)]


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("no.such.key", "1", "Unknown setting 'no.such.key'"),
        ("mail.smtp", "{}", "mail server settings"),
        ("auth.lockout_attempts", "0", "from 1 to 100"),
        ("auth.lockout_attempts", "many", "whole number"),
        ("till.idle_lock_minutes", "-5", "from 0 to 480"),
        ("shop_timezone", "Europe/Atlantis", "unknown time zone"),
        ("orders.discount_cap_bp", "150", "from 0% to 100%"),
        ("accounts.withdrawal_approval_minor", "abc", "Withdrawal approval above"),
    ],
)
def test_a_bad_value_is_refused_and_changes_nothing(
    backend: Backend,
    publisher: RecordingPublisher,
    staff: dict[str, UserDTO],
    key: str,
    text: str,
    message: str,
) -> None:
    before = _rows(backend)
    with pytest.raises(SettingValueError, match=message):
        backend.shop.change_setting(staff["admin"], key, text)
    assert _rows(backend) == before
    assert _audits(backend) == []
    assert not [e for e in publisher.events if isinstance(e, SettingChanged)]


def test_thresholds_take_effect_at_once(backend: Backend, staff: dict[str, UserDTO]) -> None:
    admin = staff["admin"]
    backend.shop.change_setting(admin, "till.idle_lock_minutes", "2.5")
    assert backend.staff.idle_lock_minutes() == 2.5
    backend.shop.change_setting(admin, "tills.denominations", "20, 10, 5, 0.50")
    assert backend.sales.denominations(admin) == (2000, 1000, 500, 50)
    backend.shop.change_setting(admin, "shop_timezone", "asia/tokyo")
    assert str(backend.sales.shop_zone()) == "Asia/Tokyo"


def test_the_command_line_acts_as_the_local_admin(
    backend: Backend, publisher: RecordingPublisher
) -> None:
    change_setting(backend.uow(), None, "shop.legal_name", "Müller & Söhne GmbH")
    ((user_id, *_),) = _audits(backend)
    assert user_id is None
    assert [e.username for e in publisher.events if isinstance(e, SettingChanged)] == [""]


def test_the_shop_profile(backend: Backend, staff: dict[str, UserDTO]) -> None:
    assert backend.shop.shop_profile() == ShopProfile()
    admin = staff["admin"]
    for key, text in (
        ("shop.legal_name", "Corner Shop Ltd"),
        ("shop.address", "1 High Street\nLondon N1 1AA"),
        ("shop.vat_number", "GB123456789"),
        ("shop.receipt_header", "Open 8–20 every day"),
        ("shop.receipt_footer", "Thanks, see you soon!"),
    ):
        backend.shop.change_setting(admin, key, text)
    profile = backend.shop.shop_profile()
    assert profile.lines == (
        "Corner Shop Ltd",
        "1 High Street",
        "London N1 1AA",
        "VAT no. GB123456789",
    )
    assert (profile.receipt_header, profile.receipt_footer) == (
        "Open 8–20 every day",
        "Thanks, see you soon!",
    )


def test_several_at_once_all_or_nothing(
    backend: Backend, publisher: RecordingPublisher, staff: dict[str, UserDTO]
) -> None:
    admin = staff["admin"]
    before = _rows(backend)
    with pytest.raises(SettingsRefusedError) as refused:
        backend.shop.change_settings(
            admin,
            {"shop.legal_name": "Corner Shop Ltd", "auth.lockout_minutes": "0", "x.y": "1"},
        )
    assert set(refused.value.problems) == {"auth.lockout_minutes", "x.y"}
    assert "from 1 to 1440 minutes" in refused.value.problems["auth.lockout_minutes"]
    assert _rows(backend) == before
    assert not [e for e in publisher.events if isinstance(e, SettingChanged)]

    saved = backend.shop.change_settings(
        admin, {"shop.legal_name": "Corner Shop Ltd", "auth.lockout_minutes": "30"}
    )
    assert [(s.key, s.value) for s in saved] == [
        ("shop.legal_name", "Corner Shop Ltd"),
        ("auth.lockout_minutes", "30"),
    ]
    assert len(_audits(backend)) == 2
    assert {e.key for e in publisher.events if isinstance(e, SettingChanged)} == {
        "shop.legal_name",
        "auth.lockout_minutes",
    }
