"""No card number, CVV, password or PIN reaches the database, the logs or an export.

An end-to-end run through the services, on SQLite and PostgreSQL, with everything the app logs
going to a DEBUG log file in the data folder (SQLAlchemy's statement and row logging included):

- staff with known passwords and a cashier PIN log in, once with a wrong password too; customer
  accounts with known PINs pay for sales and withdraw cash (once with a wrong PIN); a manager's
  approval is typed with a password;
- the cashier tries to type a full card number (plain, spaced, dashed, full-width, with an expiry
  and CVV) into every free-text field of every system: each must be refused;
- valid card payments carry only the terminal's reference and the last four digits;
- statements, receipts (PDF and text), the audit log, products, coupon codes and a till report
  are exported.

Then every cell of every table, the log file and every exported file (PDF text through pypdf)
are scanned for Luhn-valid 13–19 digit numbers and for the test passwords and PINs in clear.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from posapp.models import CustomerAccount, OrderLine, Product
from posapp.models.base import utcnow
from posapp.reports.receipt import receipt_pdf
from posapp.reports.statement import render_statement_pdf
from posapp.reports.till_reports import till_report_pdf
from posapp.services.accounts import manage as accounts
from posapp.services.accounts import movements as accounts_money
from posapp.services.accounts.dto import AccountDraft
from posapp.services.backend import Backend
from posapp.services.catalog import categories as catalog_categories
from posapp.services.catalog import csv_io as product_csv
from posapp.services.catalog import products as catalog
from posapp.services.catalog.dto import ProductDraft
from posapp.services.coupons import campaigns as coupon_campaigns
from posapp.services.coupons import exports as coupon_exports
from posapp.services.coupons import generation as coupon_generation
from posapp.services.coupons.dto import CampaignDraft
from posapp.services.platform import cards
from posapp.services.platform import text as platform_text
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError, ValidationError
from posapp.services.sales import orders, parked, returns, tills
from posapp.services.sales import queries as orders_queries
from posapp.services.sales.dto import (
    DraftLine,
    ManagerApproval,
    ParkedCart,
    ParkedLine,
    PaymentDraft,
    PaymentKind,
    SaleDraft,
)
from posapp.services.sales.order_dto import ReturnLineRequest, ReturnRequest
from posapp.services.sales.receipt import receipt_model, receipt_text
from posapp.services.staff import audit as audit_queries
from posapp.services.staff import auth, users
from posapp.services.stock import actions as stock
from posapp.services.stock import stores
from posapp.services.stock.dto import StockLine, StoreInput
from tests.reliability.figures import report
from tests.reliability.secrets_scan import Hit, card_numbers, scan_database, scan_files
from tests.reliability.world import World, build_world

PASSWORDS = {
    "admin": "Adm1n horse battery 93!",
    "manager": "Mgr-correct-staple-41",
    "cashier": "58294713",
}
WRONG_PASSWORD = "Wrong-guess-secret-77"
ACCOUNT_PINS = ("739154", "48263")
WRONG_PIN = "615208"
CVV = "737"
CARDS = (
    "4111111111111111",
    "5500 0000 0000 0004",
    "3782-822463-10005",
    "６０１１０００９９０１３９４２４",  # full-width digits
    "card 4012 8888 8888 1881 exp 12/29 cvv 737",
)
SECRETS = (*PASSWORDS.values(), WRONG_PASSWORD, *ACCOUNT_PINS, WRONG_PIN)
BENIGN = "Plain words 42"
FREE_EAN13 = "5901234123457"
LOGGERS = ("", "sqlalchemy.engine")


class Typist:
    """Tries to store text in a field; remembers which fields took a card number.

    After the card numbers, the same call with harmless text must succeed: that proves the
    refusals came from the text, not from a call that could never work.
    """

    def __init__(self) -> None:
        self.refused: list[str] = []
        self.accepted: list[str] = []
        self.controls = 0

    def every_card(
        self, field: str, store: Callable[[str, int], object], benign: str | None = BENIGN
    ) -> None:
        """Type each card number form into ``field`` (``store(text, n)``, n for unique values)."""
        for n, card in enumerate(CARDS):
            try:
                store(card, n)
            except ServiceError:
                self.refused.append(field)
            else:
                self.accepted.append(f"{field} ({card!r})")
        if benign is not None:
            store(benign, len(CARDS))  # must not raise
            self.controls += 1


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Everything logged, at DEBUG, to a file in the data folder."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("POSAPP_DATA_DIR", str(data))
    path = data / "posapp.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    root = logging.getLogger()
    root.addHandler(handler)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    handler.close()
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


class Run:
    """The end-to-end run: a shop, its staff and customers, sales and exports."""

    def __init__(self, backend: Backend, world: World, out: Path) -> None:
        self.backend = backend
        self.world = world
        self.out = out
        self.typist = Typist()
        staff = world.staff(backend)
        self.admin = staff["admin"]
        self.staff = self._add_staff()
        self.cashier = self.staff["cashier"]
        self.manager = self.staff["manager"]
        self.accounts = self._add_accounts()
        self.orders: list[int] = []

    def _add_staff(self) -> dict[str, UserDTO]:
        made = {
            role: users.add_user(
                self.backend.uow(), self.admin, f"sec-{role}", password, role, full_name=role
            )
            for role, password in PASSWORDS.items()
        }
        for role, password in PASSWORDS.items():
            auth.authenticate(self.backend.uow(), f"sec-{role}", password)
        with pytest.raises(ServiceError):
            auth.authenticate(self.backend.uow(), "sec-manager", WRONG_PASSWORD)
        return made

    def _add_accounts(self) -> list[tuple[int, str, str]]:
        made = []
        for n, pin in enumerate(ACCOUNT_PINS):
            dto = accounts.open_account(
                self.backend.uow(), self.admin, AccountDraft(f"Secret holder {n}"), pin
            )
            accounts_money.deposit(
                self.backend.uow(),
                self.cashier,
                account_id=dto.id,
                amount_minor=50_000,
                key=uuid.uuid4(),
                store_id=self.world.store_id,
            )
            made.append((dto.id, dto.number, pin))
        with pytest.raises(ServiceError):
            accounts_money.withdraw(
                self.backend.uow(),
                self.cashier,
                account_id=made[0][0],
                amount_minor=100,
                pin=WRONG_PIN,
                key=uuid.uuid4(),
                store_id=self.world.store_id,
            )
        return made

    # --- sales ------------------------------------------------------------------------------

    def sell(self, payment: PaymentDraft, note: str = "", **extra: object) -> int:
        price = self._price("bag")
        draft = SaleDraft(
            sale_uuid=uuid.uuid4(),
            lines=(DraftLine(1, self.world.products["bag"], 1),),
            payments=(payment,),
            note=note,
            **extra,  # type: ignore[arg-type]
        )
        placed = self.backend.sales.place_order(self.cashier, draft)
        assert placed.total_minor == price
        self.orders.append(placed.order_id)
        return placed.order_id

    def _price(self, key: str) -> int:
        with self.backend.read_uow() as uow:
            price = uow.session.scalar(
                select(Product.price_minor).where(Product.id == self.world.products[key])
            )
        assert price is not None
        return int(price)

    def valid_sales(self) -> None:
        price = self._price("bag")
        for last4 in ("1111", "0004", "4242"):
            self.sell(
                PaymentDraft(
                    uuid.uuid4(),
                    PaymentKind.CARD,
                    price,
                    card_reference=f"AUTH-{last4}-OK",
                    card_last4=last4,
                )
            )
        for account_id, number, pin in self.accounts:
            self.sell(
                PaymentDraft(
                    uuid.uuid4(), PaymentKind.ACCOUNT, price, account_number=number, pin=pin
                ),
                customer_account_id=account_id,
            )
        self.sell(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, price, 1000), note="Thank you!")
        self._approved_sale(price, "Price match")

    # --- typing card numbers everywhere ------------------------------------------------------

    def type_cards_at_the_register(self) -> None:
        t, price = self.typist, self._price("bag")

        def cash() -> PaymentDraft:
            return PaymentDraft(uuid.uuid4(), PaymentKind.CASH, price, 1000)

        def card(reference: str = "AUTH-1", last4: str = "1111") -> PaymentDraft:
            return PaymentDraft(
                uuid.uuid4(), PaymentKind.CARD, price, card_reference=reference, card_last4=last4
            )

        t.every_card("sale note", lambda s, _: self.sell(cash(), note=s))
        t.every_card("card terminal reference", lambda s, _: self.sell(card(reference=s)), "T-42")
        t.every_card("card last four", lambda s, _: self.sell(card(last4=s)), "4242")
        t.every_card(
            "coupon code at checkout", lambda s, _: self.sell(cash(), coupon_codes=(s,)), None
        )
        pickup = self.sell(cash(), pickup=True)
        t.every_card(
            "cancel reason",
            lambda s, _: orders.cancel_order(self.backend.uow(), self.manager, pickup, s),
        )
        by_card = self.orders[0]
        line_id = self._first_line(by_card)
        t.every_card(
            "return reason",
            lambda s, _: returns.return_items(
                self.backend.uow(),
                self.cashier,
                ReturnRequest(uuid.uuid4(), by_card, (ReturnLineRequest(line_id, 1),), reason=s),
            ),
        )
        by_card = self.sell(card())
        line_id = self._first_line(by_card)
        t.every_card(
            "card refund reference",
            lambda s, _: returns.return_items(
                self.backend.uow(),
                self.cashier,
                ReturnRequest(
                    uuid.uuid4(),
                    by_card,
                    (ReturnLineRequest(line_id, 1),),
                    card_refund_reference=s,
                ),
            ),
            "REFUND-42",
        )
        t.every_card(
            "void reason",
            lambda s, _: orders.void_sale(self.backend.uow(), self.cashier, uuid.uuid4(), 1, 5, s),
        )
        t.every_card("parked sale label", lambda s, _: self._park(label=s))
        t.every_card("parked sale note", lambda s, _: self._park(note=s))
        t.every_card(
            "cash movement reason",
            lambda s, _: tills.cash_movement(self.backend.uow(), self.cashier, 500, s),
        )
        t.every_card("manager approval reason", lambda s, _: self._approved_sale(price, s))

    def _approved_sale(self, price: int, reason: str) -> None:
        approval = ManagerApproval("sec-manager", PASSWORDS["manager"], reason)
        line = DraftLine(
            1,
            self.world.products["bag"],
            1,
            unit_price_minor=price - 1,
            override_approval=approval,
        )
        payment = PaymentDraft(uuid.uuid4(), PaymentKind.CASH, price - 1, 1000)
        placed = self.backend.sales.place_order(
            self.cashier, SaleDraft(uuid.uuid4(), (line,), (payment,))
        )
        self.orders.append(placed.order_id)

    def _first_line(self, order_id: int) -> int:
        with self.backend.read_uow() as uow:
            line_id = uow.session.scalar(select(OrderLine.id).where(OrderLine.order_id == order_id))
        assert line_id is not None
        return int(line_id)

    def _park(self, *, label: str = "", note: str = "") -> None:
        product = self.backend.sales.lookup_code(self.cashier, "HOM-102")
        assert product is not None
        cart = ParkedCart(uuid.uuid4(), (ParkedLine(product, 1),), note=note)
        parked.park_sale(
            self.backend.uow(), self.cashier, cart, total_minor=product.price_minor, label=label
        )

    def type_cards_in_the_back_office(self) -> None:
        t, uow, admin = self.typist, self.backend.uow, self.admin
        account_id = self.accounts[0][0]
        t.every_card(
            "staff full name",
            lambda s, n: users.add_user(
                uow(), admin, f"card{n}", PASSWORDS["admin"], "admin", full_name=s
            ),
        )
        t.every_card(
            "staff full name (edit)",
            lambda s, _: users.update_user(uow(), admin, self.cashier.id, full_name=s),
        )
        t.every_card(
            "account holder name",
            lambda s, _: accounts.open_account(uow(), admin, AccountDraft(s), "1357"),
        )
        t.every_card(
            "account e-mail",
            lambda s, _: accounts.open_account(
                uow(), admin, AccountDraft("Mail Holder", f"{s}@example.com"), "1357"
            ),
            "plain.words",
        )
        t.every_card(
            "account phone",
            lambda s, _: accounts.open_account(
                uow(), admin, AccountDraft("Phone Holder", "", s), "1357"
            ),
            "+1 555 0100",
        )
        t.every_card(
            "deposit memo",
            lambda s, _: accounts_money.deposit(
                uow(),
                admin,
                account_id=account_id,
                amount_minor=100,
                key=uuid.uuid4(),
                store_id=self.world.store_id,
                memo=s,
            ),
        )
        t.every_card(
            "withdrawal memo",
            lambda s, _: accounts_money.withdraw(
                uow(),
                admin,
                account_id=account_id,
                amount_minor=100,
                pin=ACCOUNT_PINS[0],
                key=uuid.uuid4(),
                store_id=self.world.store_id,
                memo=s,
            ),
        )
        t.every_card(
            "transfer memo",
            lambda s, _: accounts_money.transfer(
                uow(),
                admin,
                from_account_id=account_id,
                to_account_id=self.accounts[1][0],
                amount_minor=100,
                pin=ACCOUNT_PINS[0],
                key=uuid.uuid4(),
                memo=s,
            ),
        )
        t.every_card(
            "freeze reason", lambda s, _: accounts.freeze_account(uow(), admin, account_id, s)
        )
        self._back_office_catalog()

    def _back_office_catalog(self) -> None:
        t, uow, admin = self.typist, self.backend.uow, self.admin
        t.every_card(
            "product name",
            lambda s, n: catalog.create_product(uow(), admin, ProductDraft(f"CARD-N{n}", s, 100)),
        )
        t.every_card(
            "product description",
            lambda s, n: catalog.create_product(
                uow(), admin, ProductDraft(f"CARD-D{n}", "Plain", 100, description=s)
            ),
        )
        t.every_card(
            "product SKU",
            lambda s, n: catalog.create_product(uow(), admin, ProductDraft(s, f"Sku {n}", 100)),
            "PLAIN-SKU-42",
        )
        t.every_card(
            "product barcode",
            lambda s, n: catalog.create_product(
                uow(), admin, ProductDraft(f"CARD-B{n}", "Barcoded", 100, barcode=s)
            ),
            FREE_EAN13,
        )
        t.every_card(
            "category name", lambda s, _: catalog_categories.create_category(uow(), admin, s)
        )
        t.every_card(
            "store name",
            lambda s, n: stores.create_store(uow(), admin, StoreInput(f"C{n}", s)),
        )
        t.every_card(
            "store address",
            lambda s, n: stores.create_store(uow(), admin, StoreInput(f"A{n}", "Addr", address=s)),
        )
        t.every_card(
            "store phone",
            lambda s, n: stores.create_store(uow(), admin, StoreInput(f"P{n}", "Phone", phone=s)),
            "+1 555 0101",
        )
        lines = [StockLine(self.world.products["bag"], 1)]
        t.every_card(
            "delivery reference",
            lambda s, _: stock.receive_stock(uow(), admin, self.world.store_id, lines, reference=s),
        )
        t.every_card(
            "delivery note",
            lambda s, _: stock.receive_stock(
                uow(), admin, self.world.store_id, lines, reference="DN-1", note=s
            ),
        )
        t.every_card(
            "adjustment note",
            lambda s, _: stock.adjust_stock(
                uow(), admin, self.world.store_id, lines[0].product_id, 1, "other", note=s
            ),
        )
        t.every_card(
            "transfer note",
            lambda s, _: stock.transfer_stock(
                uow(), admin, self.world.store_id, self.world.warehouse_id, lines, note=s
            ),
        )
        self._back_office_coupons()

    def _back_office_coupons(self) -> None:
        t, uow, admin = self.typist, self.backend.uow, self.admin

        def campaign(
            name: str = "Card test", description: str = "", code: str = "", *, single: bool = True
        ) -> int:
            draft = CampaignDraft(
                name,
                "percent",
                500,
                utcnow() - timedelta(days=1),
                description=description,
                single_use_codes=single,
            )
            made = coupon_campaigns.create_campaign(uow(), admin, draft, shared_code=code)
            return made.id

        t.every_card("campaign name", lambda s, _: campaign(name=s))
        t.every_card("campaign description", lambda s, _: campaign(description=s))
        t.every_card(
            "campaign shared code", lambda s, _: campaign(code=s, single=False), "WELCOME-42"
        )
        shared = campaign(name="Shared codes", single=False)
        t.every_card(
            "coupon code added by hand",
            lambda s, _: coupon_campaigns.add_shared_code(uow(), admin, shared, s),
            "BYHAND-42",
        )
        single = campaign(name="Codes for export")
        t.every_card(
            "generated code prefix",
            lambda s, _: coupon_generation.generate_codes(uow(), admin, single, 3, prefix=s),
            "PLAIN",
        )
        coupon_generation.generate_codes(uow(), admin, single, 20, prefix="SEC")
        self.campaign_id = single

    # --- exports ------------------------------------------------------------------------------

    def export(self) -> list[Path]:
        out = self.out
        out.mkdir()
        admin = self.admin
        files = []
        today = utcnow().date()
        for account_id, _number, _pin in self.accounts:
            data = accounts.statement(
                self.backend.read_uow(),
                admin,
                account_id,
                first_day=today - timedelta(days=1),
                last_day=today + timedelta(days=1),
            )
            path = out / f"statement-{account_id}.pdf"
            render_statement_pdf(data, path)
            files.append(path)
        for order_id in self.orders:
            detail = orders_queries.order_detail(self.backend.read_uow(), admin, order_id)
            pdf = out / f"receipt-{order_id}.pdf"
            pdf.write_bytes(receipt_pdf(detail))
            text = out / f"receipt-{order_id}.txt"
            text.write_text("\n".join(receipt_text(receipt_model(detail))), encoding="utf-8")
            files += [pdf, text]
        audit = out / "audit.csv"
        audit_queries.export_audit_csv(self.backend.read_uow(), admin, None, audit)
        products = out / "products.csv"
        product_csv.export_products(self.backend.read_uow(), admin, products)
        codes = out / "codes.csv"
        codes.write_text(
            coupon_exports.export_codes_csv(self.backend.read_uow(), admin, self.campaign_id),
            encoding="utf-8",
        )
        till = out / "x-report.pdf"
        till.write_bytes(till_report_pdf(tills.x_report(self.backend.read_uow(), self.manager)))
        return [*files, audit, products, codes, till]


def _allowed(backend: Backend) -> frozenset[str]:
    """Numbers the shop stores on purpose: barcodes and customer account numbers."""
    with backend.read_uow() as uow:
        barcodes = uow.session.scalars(select(Product.barcode).where(Product.barcode.is_not(None)))
        numbers = uow.session.scalars(select(CustomerAccount.number))
        return frozenset(str(x) for x in [*barcodes, *numbers] if x)


def test_the_scanner_finds_card_numbers_and_not_ids() -> None:
    for card in CARDS:
        assert card_numbers(f"note: {card}."), card
    assert not card_numbers(uuid.UUID("12345678-1234-5678-1234-567812345678").hex)
    assert not card_numbers("x4111111111111111y")  # glued to letters: an id, not typed text
    assert not card_numbers("4111111111111112")  # fails Luhn
    assert card_numbers("4111111111111111", frozenset({"4111111111111111"})) == []


_DIGIT_TEXT = st.text(alphabet=st.sampled_from("0123456789 -/x４"), max_size=60)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(_DIGIT_TEXT, st.text(max_size=40), st.sampled_from(CARDS)))
def test_the_back_office_rule_is_the_checkout_rule(text: str) -> None:
    """The checkout's text fields refuse exactly what the back office's refuse."""
    refused = cards.contains_card_number(text.strip())
    try:
        platform_text.clean_text(text, "note", limit=10_000)
    except cards.CardNumberError:
        assert refused
    except ValidationError:
        pass  # control characters: refused for another reason
    else:
        assert not refused


def _describe(hits: list[Hit]) -> str:
    return "; ".join(f"{h.kind} {h.text!r} in {h.where}" for h in hits[:20])


def test_no_card_number_or_secret_is_stored_logged_or_exported(
    backend: Backend, tmp_path: Path, log_file: Path, db_kind: str
) -> None:
    world = build_world(backend)
    run = Run(backend, world, tmp_path / "exports")
    run.valid_sales()
    run.type_cards_at_the_register()
    run.type_cards_in_the_back_office()
    files = run.export()
    allowed = _allowed(backend)
    in_db, cells = scan_database(backend.database.engine, SECRETS, allowed)
    logging.getLogger().handlers[-1].flush()
    logs = [log_file, *(p for p in log_file.parent.rglob("*.log") if p != log_file)]
    in_logs, _ = scan_files(logs, SECRETS, allowed)
    in_files, count = scan_files(files, SECRETS, allowed)
    typist = run.typist
    report(
        f"secrets scan ({db_kind}): {len(CARDS)} card-number forms typed into "
        f"{len(set(typist.refused) | {a.split(' (')[0] for a in typist.accepted})} fields "
        f"({len(typist.refused)} attempts refused, {len(typist.accepted)} accepted, "
        f"{typist.controls} harmless controls stored); scanned "
        f"{cells:,} database cells, {log_file.stat().st_size:,} bytes of DEBUG log, {count} "
        f"exported files; found {len(in_db)} in the database, {len(in_logs)} in the logs, "
        f"{len(in_files)} in the exports"
    )
    assert not typist.accepted, f"card numbers were accepted in: {typist.accepted}"
    assert not in_db, _describe(in_db)
    assert not in_logs, _describe(in_logs)
    assert not in_files, _describe(in_files)
    assert log_file.stat().st_size > 0
