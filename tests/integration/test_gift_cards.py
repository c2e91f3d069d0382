"""Gift cards (issue #19): sold as a line, spent as a tender, refunded to the card, on the ledger.

Every test runs on SQLite and PostgreSQL and ends with the reliability invariants, which include
"the gift card liability equals the sum of the cards' balances".
"""

from __future__ import annotations

import dataclasses
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from escpos.printer import Dummy
from pypdf import PdfReader
from sqlalchemy import func, select

from posapp.cli import main as cli
from posapp.config import AppConfig
from posapp.models import (
    AuditEntry,
    GiftCard,
    GiftCardMovement,
    LedgerAccount,
    LedgerTransaction,
    Order,
    Payment,
)
from posapp.reports.receipt import receipt_pdf
from posapp.services.backend import Backend
from posapp.services.customers import GiftCardRefused
from posapp.services.platform.errors import ConflictError, ValidationError
from posapp.services.sales import GiftCardLine, ReturnLineRequest, ReturnRequest, receipt_model
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.sales.escpos import print_receipt
from posapp.services.stock import actions as stock
from posapp.services.stock.dto import StockLine
from tests.checkout_seed import ITEMS, Shop, open_shop_till, seed_shop
from tests.reliability.invariants import assert_invariants


def open_shop(backend: Backend) -> Shop:
    """The test shop with its stock received through the stock ledger (so the invariants hold)."""
    shop = seed_shop(backend, items=tuple(dataclasses.replace(i, stock=0) for i in ITEMS))
    lines = [StockLine(pid, 100) for pid in shop.products.values()]
    stock.receive_stock(backend.uow(), shop.staff["admin"], shop.store_id, lines, reference="IN")
    open_shop_till(backend, shop)
    return shop


def cash(amount: int, tendered: int | None = None) -> PaymentDraft:
    return PaymentDraft(uuid.uuid4(), PaymentKind.CASH, amount, tendered or amount)


def by_card(code: str, amount: int) -> PaymentDraft:
    return PaymentDraft(uuid.uuid4(), PaymentKind.GIFT_CARD, amount, gift_card_code=code)


def sell_card(backend: Backend, shop: Shop, amount: int) -> str:
    """Sell a card for cash; return its whole code (the seller reads it on the receipt)."""
    placed = backend.sales.place_order(
        shop.cashier,
        SaleDraft(uuid.uuid4(), (), (cash(amount),), gift_cards=(GiftCardLine(amount),)),
    )
    detail = backend.sales.order_detail(shop.cashier, placed.order_id)
    assert len(detail.gift_cards) == 1
    return detail.gift_cards[0].code


def counts(backend: Backend) -> tuple[int, ...]:
    with backend.read_uow() as uow:
        return tuple(
            int(uow.session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Order, Payment, GiftCard, GiftCardMovement, LedgerTransaction)
        )


def test_a_card_sold_for_cash_is_a_liability_not_a_sale(backend: Backend) -> None:
    shop = open_shop(backend)
    code = sell_card(backend, shop, 5000)
    assert code.startswith("GC-")
    assert len(code) == len("GC-XXXX-XXXX-XXXX-XXXX")
    card = backend.giftcards.balance(shop.manager, code.lower().replace("-", " "))
    assert card.balance_minor == 5000
    assert card.expires_at is None
    assert not card.expired
    with backend.read_uow() as uow:
        order = uow.session.scalars(select(Order)).one()
        assert (order.total_minor, order.gift_card_minor, order.paid_minor) == (5000, 5000, 5000)
        liability = uow.session.scalar(
            select(LedgerAccount.balance_minor).where(LedgerAccount.kind == "gift_cards")
        )
        assert liability == 5000
        audit = uow.session.scalars(
            select(AuditEntry.after).where(AuditEntry.action == "gift_card.sold")
        ).one()
        assert code not in str(audit)  # a bearer code never reaches the audit log whole
    assert_invariants(backend.database.engine)
    report = backend.sales.x_report(shop.manager)
    assert report.gift_cards_sold_minor == 5000
    assert report.gift_cards_redeemed_minor == 0


def test_half_paid_by_card_then_a_returned_line_goes_back_to_the_card(backend: Backend) -> None:
    shop = open_shop(backend)
    code = sell_card(backend, shop, 2000)
    lines = (DraftLine(1, shop.products["coffee"], 1), DraftLine(2, shop.products["candle"], 1))
    # coffee 12.99 incl. tax + candle 15.00 + 20 % added = 30.99
    placed = backend.sales.place_order(
        shop.cashier,
        SaleDraft(uuid.uuid4(), lines, (by_card(code, 1500), cash(1599, 2000))),
    )
    assert placed.total_minor == 3099
    assert placed.change_minor == 401
    assert backend.giftcards.balance(shop.cashier, code).balance_minor == 500
    detail = backend.sales.order_detail(shop.cashier, placed.order_id)
    coffee = next(line for line in detail.lines if line.line_no == 1)
    result = backend.sales.return_items(
        shop.cashier,
        ReturnRequest(uuid.uuid4(), placed.order_id, (ReturnLineRequest(coffee.id, 1),)),
    )
    # The card is refunded first (up to what it paid), cash last.
    assert result.refunds == (("gift_card", 1299),)
    assert backend.giftcards.balance(shop.cashier, code).balance_minor == 1799
    assert_invariants(backend.database.engine)
    report = backend.sales.x_report(shop.manager)
    assert report.gift_cards_sold_minor == 2000
    assert report.gift_cards_redeemed_minor == 1500 - 1299


def test_reload_and_spend_to_zero(backend: Backend) -> None:
    shop = open_shop(backend)
    code = sell_card(backend, shop, 1000)
    backend.sales.place_order(
        shop.cashier,
        SaleDraft(uuid.uuid4(), (), (cash(2500),), gift_cards=(GiftCardLine(2500, code),)),
    )
    assert backend.giftcards.balance(shop.cashier, code).balance_minor == 3500
    apple = (DraftLine(1, shop.products["apple"], 1),)
    backend.sales.place_order(shop.cashier, SaleDraft(uuid.uuid4(), apple, (by_card(code, 120),)))
    assert backend.giftcards.balance(shop.cashier, code).balance_minor == 3380
    assert_invariants(backend.database.engine)


def test_refusals_write_nothing(backend: Backend) -> None:
    shop = open_shop(backend)
    code = sell_card(backend, shop, 1000)
    before = counts(backend)
    apple = (DraftLine(1, shop.products["apple"], 1),)
    look_alike = code.replace("GC", "GC", 1)[:-1] + "0"
    cases: list[tuple[SaleDraft, str]] = [
        (SaleDraft(uuid.uuid4(), (), (cash(0),), gift_cards=(GiftCardLine(0),)), "amount"),
        (SaleDraft(uuid.uuid4(), (), (cash(100),), gift_cards=(GiftCardLine(-100),)), "amount"),
        # below the smallest card (5.00 by default) and above the largest (500.00)
        (SaleDraft(uuid.uuid4(), (), (cash(100),), gift_cards=(GiftCardLine(100),)), "limit"),
        (
            SaleDraft(uuid.uuid4(), (), (cash(60000),), gift_cards=(GiftCardLine(60000),)),
            "limit",
        ),
        (SaleDraft(uuid.uuid4(), apple, (by_card(look_alike, 120),)), "not_a_code"),
        (SaleDraft(uuid.uuid4(), apple, (by_card(code + "\u200b", 120),)), "not_a_code"),
        (SaleDraft(uuid.uuid4(), apple, (by_card("GC-АBCD" + code[7:], 120),)), "not_a_code"),
        (SaleDraft(uuid.uuid4(), apple, (by_card("GC-2345-6789-ABCD-EFGH", 120),)), "unknown"),
        (
            SaleDraft(
                uuid.uuid4(), (DraftLine(1, shop.products["candle"], 1),), (by_card(code, 1800),)
            ),
            "insufficient",
        ),
    ]
    for draft, reason in cases:
        with pytest.raises(GiftCardRefused) as refused:
            backend.sales.place_order(shop.cashier, draft)
        assert refused.value.reason == reason, (reason, str(refused.value))
    with pytest.raises(ValidationError, match="paid for with a gift card"):
        backend.sales.place_order(
            shop.cashier,
            SaleDraft(uuid.uuid4(), (), (by_card(code, 1000),), gift_cards=(GiftCardLine(1000),)),
        )
    with pytest.raises(ValidationError, match="paid at once"):
        backend.sales.place_order(
            shop.cashier, SaleDraft(uuid.uuid4(), (), gift_cards=(GiftCardLine(1000),))
        )
    assert counts(backend) == before
    assert backend.giftcards.balance(shop.cashier, code).balance_minor == 1000
    assert_invariants(backend.database.engine)


def test_an_expired_card_is_refused_and_a_sold_card_cannot_be_cancelled(
    backend: Backend,
) -> None:
    shop = open_shop(backend)
    backend.shop.change_setting(shop.staff["admin"], "giftcards.expiry_months", "12")
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    backend.clock = lambda: now
    code = sell_card(backend, shop, 1000)
    card = backend.giftcards.balance(shop.cashier, code)
    assert card.expires_at is not None
    assert card.expires_at - now > timedelta(days=365)
    pickup = backend.sales.place_order(
        shop.cashier,
        SaleDraft(
            uuid.uuid4(),
            (DraftLine(1, shop.products["mug"], 1),),
            (cash(1020 + 1000),),
            pickup=True,
            gift_cards=(GiftCardLine(1000),),
        ),
    )
    assert "cancel" not in backend.sales.order_detail(shop.manager, pickup.order_id).actions
    with pytest.raises(ConflictError, match="sold a gift card"):
        backend.sales.cancel_order(shop.manager, pickup.order_id, "changed mind")
    later = now + timedelta(days=367)
    backend.clock = lambda: later
    assert backend.giftcards.balance(shop.cashier, code).expired
    apple = (DraftLine(1, shop.products["apple"], 1),)
    with pytest.raises(GiftCardRefused, match="expired") as refused:
        backend.sales.place_order(
            shop.cashier, SaleDraft(uuid.uuid4(), apple, (by_card(code, 120),))
        )
    assert refused.value.reason == "expired"
    assert_invariants(backend.database.engine)


def test_the_valid_until_day_is_written_the_shop_way(backend: Backend) -> None:
    """The slip's last day and the expiry refusal follow the shop's locale, not ISO."""
    shop = open_shop(backend)
    admin = shop.staff["admin"]
    backend.shop.change_setting(admin, "giftcards.expiry_months", "12")
    backend.shop.change_setting(admin, "shop.locale", "de_DE")
    backend.shop.change_setting(admin, "shop_timezone", "Europe/Berlin")
    backend.shop.apply_currency()
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    backend.clock = lambda: now
    code = sell_card(backend, shop, 1000)
    detail = backend.sales.order_detail(shop.cashier, 1)
    (slip,) = receipt_model(detail).gift_cards
    assert slip.valid == "Valid until 01.03.2027", slip.valid
    backend.clock = lambda: now + timedelta(days=367)
    apple = (DraftLine(1, shop.products["apple"], 1),)
    with pytest.raises(GiftCardRefused, match=r"expired after 01\.03\.2027"):
        backend.sales.place_order(
            shop.cashier, SaleDraft(uuid.uuid4(), apple, (by_card(code, 120),))
        )


def test_codes_are_masked_for_other_cashiers(backend: Backend) -> None:
    shop = open_shop(backend)
    code = sell_card(backend, shop, 1000)
    shown = backend.giftcards.balance(shop.cashier, code).code
    assert shown != code
    assert shown.endswith(code[-4:])
    assert "*" in shown
    assert backend.giftcards.balance(shop.manager, code).code == code
    # The seller reads the whole code on the order (its receipt); a manager does too.
    assert backend.sales.order_detail(shop.cashier, 1).gift_cards[0].code == code


def test_the_sales_report_keeps_cards_apart(backend: Backend) -> None:
    shop = open_shop(backend)
    code = sell_card(backend, shop, 3000)
    apple = (DraftLine(1, shop.products["apple"], 10),)
    backend.sales.place_order(shop.cashier, SaleDraft(uuid.uuid4(), apple, (by_card(code, 1200),)))
    today = backend.clock().date()
    report = backend.sales.sales_summary(
        shop.manager, today - timedelta(days=1), today + timedelta(days=1)
    )
    assert report.gift_cards_sold_minor == 3000
    assert report.gift_cards_redeemed_minor == 1200
    assert report.sales_minor == 1200  # the apples; the card sold is not a sale
    assert report.orders == 2


ACTION_CALLS = {
    "customers.giftcards.queries.card_balance": None,
    "customers.giftcards.queries.card_limits": None,
}


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_every_role_that_sells_may_ask_a_balance(backend: Backend, role: str) -> None:
    shop = open_shop(backend)
    code = sell_card(backend, shop, 1000)
    assert backend.giftcards.balance(shop.staff[role], code).balance_minor == 1000
    assert backend.giftcards.limits(shop.staff[role]).min_minor == 500


def test_posapp_giftcard_balance(backend: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    shop = open_shop(backend)
    code = sell_card(backend, shop, 2500)

    def run(*argv: str) -> int:
        args = cli.build_parser().parse_args(list(argv))
        config = AppConfig(
            database_url=str(backend.database.url), register="cli", demo_if_empty=False
        )
        return int(args.handler(args, config))

    assert run("giftcard", "balance", code.lower()) == 0
    assert (
        capsys.readouterr().out.strip() == f"{code}: balance 25.00 (loaded 25.00), never expires."
    )
    with pytest.raises(GiftCardRefused, match="no 0, 1, I, L or O"):
        run("giftcard", "balance", code[:-1] + "O")
    with pytest.raises(GiftCardRefused, match="There is no gift card"):
        run("giftcard", "balance", "GC-2345-6789-ABCD-EFGH")


def test_the_receipt_prints_the_code_with_a_qr_code(backend: Backend) -> None:
    shop = open_shop(backend)
    code = sell_card(backend, shop, 2500)
    detail = backend.sales.order_detail(shop.cashier, 1)
    pdf = receipt_pdf(detail)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "GIFT CARD" in text
    assert code in text
    assert "Balance 25.00" in text
    assert "No expiry" in text
    assert "Gift card (new)" in text
    printer = Dummy()
    print_receipt(printer, receipt_model(detail))
    raw = printer.output
    assert code.encode() in raw
    assert b"\x1d(k" in raw  # the printer's own QR code command (GS ( k)
