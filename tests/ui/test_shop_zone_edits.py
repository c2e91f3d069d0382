"""Date-time fields work in the shop's time zone and give back every instant unchanged.

Issue #16, defect 11: the campaign form used the PC's zone while the stored times are the
shop's, and read a repeated autumn hour as its first occurrence. Here the PC runs in another
zone (``TZ`` and ``time.tzset``, which Qt follows) than the shop (``shop_timezone``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDateTimeEdit, QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.coupons.dto import CampaignDraft
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.settings import put_setting
from posapp.services.platform.zone import SHOP_TIMEZONE_KEY
from posapp.ui.coupons.dialogs import CampaignDialog
from posapp.ui.coupons.tab import CouponsTab
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.zoned import ZonedDateTimeEdit
from posapp.ui.orders.listing import OrderListView
from posapp.ui.register.till_view import TillView
from tests.ui.helpers import when_modal

pytestmark = pytest.mark.ui

BERLIN = ZoneInfo("Europe/Berlin")
FIRST_0230 = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN, fold=0)  # 00:30 UTC, summer time
SECOND_0230 = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN, fold=1)  # 01:30 UTC, winter time
PC_ZONES = ("America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC", "Europe/Berlin")


@pytest.fixture(params=PC_ZONES)
def pc_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The PC's own zone for one test (Qt reads ``TZ`` again after ``tzset``)."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def test_the_fold_instants_differ() -> None:
    assert SECOND_0230.astimezone(UTC) - FIRST_0230.astimezone(UTC) == timedelta(hours=1)


def _instants() -> list[datetime]:
    """Every 10 minutes across both of Berlin's 2026 clock changes, and odd seconds."""
    out = []
    for day in (datetime(2026, 3, 28, 22, tzinfo=UTC), datetime(2026, 10, 24, 22, tzinfo=UTC)):
        out += [day + timedelta(minutes=10 * step) for step in range(6 * 8)]
    out.append(datetime(2026, 12, 1, 10, 15, 42, 123456, tzinfo=UTC))
    out.append(datetime(9999, 12, 30, 23, 59, tzinfo=UTC))
    out.append(datetime(1970, 1, 1, tzinfo=UTC))
    return out


def test_a_field_gives_back_every_instant_it_was_given(qtbot: QtBot, pc_zone: str) -> None:
    del pc_zone
    edit = ZonedDateTimeEdit(BERLIN, FIRST_0230)
    qtbot.add_widget(edit)
    edit.setDisplayFormat("dd MMM yyyy HH:mm")
    for at in [*_instants(), FIRST_0230, SECOND_0230]:
        edit.set_instant(at)
        assert edit.instant() == at
        assert edit.instant().astimezone(UTC) == at.astimezone(UTC)
        assert edit.text() == at.astimezone(BERLIN).strftime("%d %b %Y %H:%M")
    edit.set_instant(FIRST_0230)
    assert edit.toolTip() == "Europe/Berlin: CEST, UTC+02:00"
    edit.set_instant(SECOND_0230)
    assert edit.toolTip() == "Europe/Berlin: CET, UTC+01:00"  # the same 02:30, told apart


def _type(edit: ZonedDateTimeEdit, sections: dict[QDateTimeEdit.Section, str]) -> None:
    for section, text in sections.items():
        edit.setSelectedSection(section)
        QTest.keyClicks(edit, text)


def test_a_typed_time_is_the_shops_wall_time(qtbot: QtBot, pc_zone: str) -> None:
    del pc_zone
    edit = ZonedDateTimeEdit(BERLIN, datetime(2026, 6, 1, tzinfo=UTC))
    qtbot.add_widget(edit)
    edit.setDisplayFormat("dd MMM yyyy HH:mm")
    edit.show()
    edit.setFocus()
    section = QDateTimeEdit.Section
    _type(edit, {section.DaySection: "02", section.HourSection: "09", section.MinuteSection: "45"})
    assert edit.text() == "02 Jun 2026 09:45"
    assert edit.instant() == datetime(2026, 6, 2, 7, 45, tzinfo=UTC)  # CEST is UTC+2
    _type(edit, {section.MonthSection: "Jan", section.YearSection: "2027"})
    assert edit.text() == "02 Jan 2027 09:45"
    assert edit.instant() == datetime(2027, 1, 2, 8, 45, tzinfo=UTC)  # CET is UTC+1


@pytest.mark.parametrize(
    "starts_at",
    [
        SECOND_0230,
        FIRST_0230,
        datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),  # just before Berlin's gap
        datetime(2026, 3, 8, 2, 30, tzinfo=BERLIN),  # a wall time New York skips that night
    ],
    ids=["second-0230", "first-0230", "before-the-gap", "new-york-gap"],
)
def test_saving_a_campaign_unchanged_keeps_its_times(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    staff: dict[str, UserDTO],
    pc_zone: str,
    starts_at: datetime,
    tmp_path: Path,
) -> None:
    del pc_zone
    with ui_backend.uow() as uow:
        put_setting(uow, SHOP_TIMEZONE_KEY, "Europe/Berlin")
        uow.commit()
    admin = staff["admin"]
    ends_at = datetime(2026, 12, 1, 10, 15, 42, 123456, tzinfo=UTC)
    campaign = ui_backend.coupons.create_campaign(
        admin, CampaignDraft("Autumn", "percent", 1000, starts_at, ends_at)
    )
    tab = CouponsTab(ui_backend, bus, admin)
    qtbot.add_widget(tab)
    tab.show()
    tab.select_campaign(campaign.id)
    seen: list[str] = []

    def save_unchanged(dialog: QDialog) -> None:
        assert isinstance(dialog, CampaignDialog)
        seen.append(dialog.starts_edit.text())
        assert dialog.zone_note.text() == "Times are the shop's (Europe/Berlin)."
        dialog.grab().save(str(tmp_path / "campaign-dialog.png"))
        box = dialog.findChild(QDialogButtonBox)
        assert isinstance(box, QDialogButtonBox)
        box.button(QDialogButtonBox.StandardButton.Save).click()

    when_modal(save_unchanged)
    tab.edit_action.trigger()
    assert seen == [starts_at.astimezone(BERLIN).strftime("%d %b %Y %H:%M")]
    saved = ui_backend.coupons.get_campaign(admin, campaign.id)
    # In UTC: Python's == across zones is False for a time in the repeated hour (PEP 495).
    assert saved.starts_at.astimezone(UTC) == starts_at.astimezone(UTC)
    assert saved.ends_at == ends_at


def test_date_filters_start_on_the_shops_today(
    qtbot: QtBot,
    ui_backend: Backend,
    bus: EventBus,
    staff: dict[str, UserDTO],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The shop is 25 hours ahead of the PC: their dates always differ."""
    monkeypatch.setenv("TZ", "Pacific/Pago_Pago")  # UTC-11
    time.tzset()
    try:
        with ui_backend.uow() as uow:
            put_setting(uow, SHOP_TIMEZONE_KEY, "Pacific/Kiritimati")  # UTC+14
            uow.commit()
        shop_today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
        assert datetime.now().date() != shop_today  # noqa: DTZ005 - the PC's own date
        orders = OrderListView(ui_backend.sales, bus, staff["cashier"])
        qtbot.add_widget(orders)
        till = TillView(ui_backend.sales, bus, staff["manager"])  # reports: managers only
        qtbot.add_widget(till)
        for edit in (orders.to_edit, till.to_edit):
            assert edit.date().toPython() == shop_today
        assert orders.from_edit.date().toPython() == shop_today - timedelta(days=30)
        assert till.from_edit.date().toPython() == shop_today - timedelta(days=6)
    finally:
        monkeypatch.undo()
        time.tzset()
