"""The Coupons tab: create a campaign, generate codes, see a redemption arrive, export, report."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton
from pytestqt.qtbot import QtBot

from posapp.models import Order, Product
from posapp.services.backend import Backend
from posapp.services.coupons import OperationCancelledError
from posapp.services.coupons.dto import CampaignDraft
from posapp.services.coupons.masking import mask_code
from posapp.services.coupons.redemption import BasketLine, quote_coupon, redeem_coupon
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.ui.coupons.dialogs import CampaignDialog, GenerateDialog, ReportDialog
from posapp.ui.coupons.tab import CouponsTab
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.operation import Job
from tests.ui.helpers import when_modal
from tests.ui.seed import add_staff, add_store

pytestmark = pytest.mark.ui


@pytest.fixture
def shop(sqlite_database: Database, bus: EventBus) -> tuple[Backend, dict[str, UserDTO], int, int]:
    backend = Backend(sqlite_database, bus, register="till-1")
    staff = add_staff(backend)
    store_id = add_store(backend)
    with backend.uow() as uow:
        product = Product(sku="BREAD", sku_key="BREAD", name="Bread", price_minor=300)
        uow.session.add(product)
        uow.flush()
        product_id = product.id
        uow.commit()
    return backend, staff, store_id, product_id


def make_tab(qtbot: QtBot, backend: Backend, bus: EventBus, user: UserDTO) -> CouponsTab:
    tab = CouponsTab(backend, bus, user)
    qtbot.add_widget(tab)
    tab.resize(1200, 760)
    tab.show()
    qtbot.wait_exposed(tab)
    return tab


def checkout(backend: Backend, code: str, store_id: int, cashier: UserDTO, product_id: int) -> None:
    lines = [BasketLine(1, product_id, None, 2, 600)]
    with backend.uow() as uow:
        order = Order(
            sale_uuid=uuid.uuid4(),
            number=f"MAIN-{uuid.uuid4().hex[:6]}",
            store_id=store_id,
            cashier_id=cashier.id,
            status="placed",
            subtotal_minor=600,
            total_minor=600,
            placed_at=uow.now(),
        )
        uow.session.add(order)
        uow.flush()
        quote = quote_coupon(uow, code, lines, customer_account_id=None)
        redeem_coupon(
            uow,
            quote,
            order_id=order.id,
            customer_account_id=None,
            cashier_id=cashier.id,
            lines=lines,
        )
        uow.commit()


def test_create_generate_and_see_a_redemption(  # noqa: PLR0915 - one story, start to end
    qtbot: QtBot,
    qtmodeltester: object,
    shop: tuple[Backend, dict[str, UserDTO], int, int],
    bus: EventBus,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend, staff, store_id, product_id = shop
    tab = make_tab(qtbot, backend, bus, staff["manager"])
    assert tab.campaigns.rowCount() == 0

    def fill_campaign(dialog: QDialog) -> None:
        assert isinstance(dialog, CampaignDialog)
        qtbot.keyClicks(dialog.name_edit, "Spring <b>sale</b>")  # type: ignore[no-untyped-call]
        qtbot.keyClicks(dialog.value_edit, "15")  # type: ignore[no-untyped-call]
        qtbot.keyClicks(dialog.max_discount_edit, "50")  # type: ignore[no-untyped-call]
        dialog.findChildren(QPushButton)[0].click()  # Save

    when_modal(fill_campaign)
    tab.new_action.trigger()
    assert tab.campaigns.rowCount() == 1
    row = tab.selected_row()
    assert row is not None
    assert row.campaign.name == "Spring <b>sale</b>"
    assert tab.campaigns.data(tab.campaigns.index(0, 1)) == "15 % off"

    def fill_generate(dialog: QDialog) -> None:
        assert isinstance(dialog, GenerateDialog)
        dialog.count_box.setValue(25)
        qtbot.keyClicks(dialog.prefix_edit, "spring")  # type: ignore[no-untyped-call]
        dialog.accept()

    when_modal(fill_generate)
    tab.generate_action.trigger()
    assert "25 codes generated" in tab.message_label.text()
    assert tab.codes.rowCount() == 25
    first_code = tab.codes.data(tab.codes.index(0, 0))
    assert first_code.startswith("SPRING-")
    issued = tab.campaigns.index(0, 6)
    redeemed = tab.campaigns.index(0, 7)
    assert (tab.campaigns.data(issued), tab.campaigns.data(redeemed)) == ("25", "0")

    with qtbot.wait_signal(bus.coupon_redeemed, timeout=5_000):
        checkout(backend, first_code.lower(), store_id, staff["cashier"], product_id)
    qtbot.wait_until(lambda: tab.campaigns.data(tab.campaigns.index(0, 7)) == "1", timeout=5_000)
    assert tab.campaigns.data(tab.campaigns.index(0, 8)) == "4.00 %"
    assert tab.campaigns.data(tab.campaigns.index(0, 9)) == "1"
    assert tab.log.rowCount() == 1
    assert tab.log.data(tab.log.index(0, 1)) == first_code
    assert tab.codes.data(tab.codes.index(0, 1)) == "used up"
    assert "1 use ·" in tab.summary_label.text()  # ngettext (#18): was "1 uses"

    for model in (tab.campaigns, tab.codes, tab.log, tab.campaign_proxy):
        qtmodeltester.check(model)  # type: ignore[attr-defined]

    # exports: CSV and the code sheet, written off the GUI thread
    monkeypatch.setattr(tab, "ask_save_path", lambda title, suggested, flt: tmp_path / suggested)
    tab.csv_action.trigger()
    csv_path = tmp_path / "coupon-codes-spring-b-sale-b.csv"
    assert csv_path.read_text("utf-8-sig").count("SPRING-") == 25
    tab.sheet_action.trigger()
    sheet = pypdf.PdfReader(tmp_path / "coupon-sheet-spring-b-sale-b.pdf")
    assert len(sheet.pages) == 3
    assert tab.open_button.isVisible()

    def accept_report(dialog: QDialog) -> None:
        assert isinstance(dialog, ReportDialog)
        dialog.accept()

    when_modal(accept_report)
    tab.report_action.trigger()
    [report] = tmp_path.glob("coupons-*.pdf")
    text = " ".join(pypdf.PdfReader(report).pages[0].extract_text().split())
    assert "Redemptions 1" in text
    assert "Codes issued 25" in text


def test_disable_campaign_and_code(
    qtbot: QtBot, shop: tuple[Backend, dict[str, UserDTO], int, int], bus: EventBus
) -> None:
    backend, staff, _, _ = shop
    from datetime import UTC, datetime

    from posapp.services.coupons.dto import CampaignDraft

    campaign = backend.coupons.create_campaign(
        staff["admin"],
        CampaignDraft("Summer", "fixed", 500, datetime(2026, 1, 1, tzinfo=UTC)),
        "SUMMER5",
    )
    tab = make_tab(qtbot, backend, bus, staff["admin"])
    tab.select_campaign(campaign.id)
    assert tab.toggle_button.text() == "Disable"
    tab.toggle_action.trigger()
    assert backend.coupons.get_campaign(staff["admin"], campaign.id).active is False
    assert tab.toggle_button.text() == "Enable"
    assert tab.campaigns.data(tab.campaigns.index(0, 3)) == "disabled"
    tab.code_view.setCurrentIndex(tab.codes.index(0, 0))
    tab.code_toggle_action.trigger()
    assert tab.codes.data(tab.codes.index(0, 1)) == "disabled"
    assert "SUMMER5 disabled" in tab.message_label.text()


def test_cashier_looks_but_cannot_change(
    qtbot: QtBot, shop: tuple[Backend, dict[str, UserDTO], int, int], bus: EventBus
) -> None:
    backend, staff, _, _ = shop
    tab = make_tab(qtbot, backend, bus, staff["cashier"])
    assert not tab.new_button.isVisible()
    assert not tab.generate_button.isVisible()
    assert tab.report_button.isVisible()
    assert not tab.new_action.isVisible()


@pytest.fixture
def spring(shop: tuple[Backend, dict[str, UserDTO], int, int]) -> tuple[int, tuple[str, ...]]:
    """A campaign of three SPRING codes (its id and codes), the first redeemed by the cashier."""
    backend, staff, store_id, product_id = shop
    campaign = backend.coupons.create_campaign(
        staff["admin"], CampaignDraft("Spring", "percent", 1000, datetime(2026, 1, 1, tzinfo=UTC))
    )
    backend.coupons.generate_codes(staff["admin"], campaign.id, 3, prefix="SPRING")
    codes = backend.coupons.code_sheet(staff["admin"], campaign.id).codes
    checkout(backend, codes[0], store_id, staff["cashier"], product_id)
    return campaign.id, codes


def test_a_cashier_sees_codes_masked_everywhere(
    qtbot: QtBot,
    shop: tuple[Backend, dict[str, UserDTO], int, int],
    bus: EventBus,
    spring: tuple[int, tuple[str, ...]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue #16, defect 7: the Codes list, log, CSV and sheet showed cashiers whole codes."""
    backend, staff = shop[:2]
    campaign_id, codes = spring
    tab = make_tab(qtbot, backend, bus, staff["cashier"])
    tab.select_campaign(campaign_id)
    qtbot.wait_until(lambda: tab.codes.rowCount() == 3, timeout=5_000)
    shown = [tab.codes.data(tab.codes.index(row, 0)) for row in range(3)]
    assert shown == [mask_code(code) for code in codes]
    assert all(code.startswith("SPRING-****-") for code in shown)
    qtbot.wait_until(lambda: tab.log.rowCount() == 1, timeout=5_000)
    assert tab.log.data(tab.log.index(0, 1)) == mask_code(codes[0])
    assert "last group" in tab.code_search.placeholderText()
    tab.code_search.setText(codes[2][-4:])
    qtbot.wait_until(lambda: tab.codes.rowCount() == 1, timeout=5_000)
    monkeypatch.setattr(tab, "ask_save_path", lambda title, suggested, flt: tmp_path / suggested)
    tab.csv_action.trigger()
    qtbot.wait_until(lambda: any(tmp_path.glob("*.csv")), timeout=10_000)
    [csv_file] = tmp_path.glob("*.csv")
    qtbot.wait_until(lambda: csv_file.read_text("utf-8-sig").count("SPRING-****-") == 3)
    tab.sheet_action.trigger()
    qtbot.wait_until(lambda: any(tmp_path.glob("*.pdf")), timeout=10_000)
    [pdf] = tmp_path.glob("*.pdf")
    qtbot.wait_until(tab.open_button.isVisible, timeout=10_000)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert mask_code(codes[1]) in text
    for code in codes:
        assert code not in csv_file.read_text("utf-8-sig")
        assert code not in text
    tab.grab().save(str(tmp_path / "cashier-coupons.png"))


def test_campaign_form_shows_clear_errors(
    qtbot: QtBot, shop: tuple[Backend, dict[str, UserDTO], int, int], bus: EventBus
) -> None:
    backend, staff, _, _ = shop
    tab = make_tab(qtbot, backend, bus, staff["manager"])
    dialog = tab._campaign_dialog(None)
    qtbot.add_widget(dialog)
    dialog.show()
    for name, value, message in (
        ("", "15", "Enter a campaign name"),
        ("X", "101", "above 100"),
        ("X", "-1", "below 0"),
        ("X", "abc", "like 15"),
    ):
        dialog.name_edit.setText(name)
        dialog.value_edit.setText(value)
        dialog._on_buttons_accepted()
        assert message in dialog.error_label.text()
        assert dialog.error_label.textFormat() == Qt.TextFormat.PlainText
    dialog.value_edit.setText("10")
    dialog.ends_check.setChecked(True)
    dialog.ends_edit.setDateTime(dialog.starts_edit.dateTime())
    dialog._on_buttons_accepted()
    assert "expiry must be after the start" in dialog.error_label.text()
    dialog.ends_check.setChecked(False)
    dialog.usage_box.setValue(0)
    dialog.shared_edit.setText("' OR 1=1--")
    dialog._on_buttons_accepted()
    assert "letters A-Z" in dialog.error_label.text()
    assert tab.campaigns.rowCount() == 0


def test_a_cancelled_coupon_operation_counts_as_cancelled(
    qtbot: QtBot, shop: tuple[Backend, dict[str, UserDTO], int, int], bus: EventBus
) -> None:
    backend, staff, _store_id, _product_id = shop
    tab = make_tab(qtbot, backend, bus, staff["manager"])

    def work(job: Job) -> object:
        raise OperationCancelledError("Generation cancelled.")

    done = tab.run_task("Generate codes", "…", work)
    assert (done.result, done.error, done.running) == (None, "", False)
