"""Text people typed is shown as typed: never rendered as HTML in the window, toasts or PDFs.

A demo shop gets names with markup — a product ``<b>x</b>``, a category, a store, a customer, a
staff member, a coupon campaign, a notification (``<img src=x>``, ``<a href=x>y</a>``) — and a sale
of the product. Then:

- the main window, on every tab, with the first row of every list selected (so detail panes
  fill): no label, text box or tooltip showing one of the names is rendered as rich text
  (``Qt.mightBeRichText`` with a format other than ``PlainText``), and the list cells hold the
  literal names (``model.data``);
- toasts and the notification centre show the literal title and body;
- every PDF that prints one of the names (receipt, statement, coupon code sheet, coupon
  effectiveness, sales, X report, barcode labels, replenishment list) contains it literally
  (reportlab's ``Paragraph`` reads markup, so the text must have been escaped).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader
from PySide6 import QtGui
from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QModelIndex,
    QObject,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posapp.demo import load_demo
from posapp.events import NotificationCreated
from posapp.models import (
    Category,
    CouponCampaign,
    CustomerAccount,
    Notification,
    Product,
    StockLevel,
    Store,
    User,
)
from posapp.models.base import utcnow
from posapp.services.accounts import manage as accounts
from posapp.services.accounts.queries import statement
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.services.sales import tills
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.staff.users import find_user
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.operation import running_under, wait_for
from posapp.ui.main_window import MainWindow
from posapp.ui.notifications.centre import NotificationCentre
from tests.conftest import make_database
from tests.reliability.figures import report

PRODUCT = "<b>x</b>"
CATEGORY = "<a href=x>cat</a>"
STORE = "<img src=x> Corner"
CUSTOMER = "<a href=x>y</a>"
STAFF = "<b>Ada</b>"
CAMPAIGN = "<b>promo</b>"
CAMPAIGN_TEXT = "<img src=x>"
NOTE_TITLE = "<b>note</b>"
NOTE_BODY = "<img src=x> body"
MEMO = "<b>memo</b>"
MARKERS = (
    PRODUCT,
    CATEGORY,
    STORE,
    CUSTOMER,
    STAFF,
    CAMPAIGN,
    CAMPAIGN_TEXT,
    NOTE_TITLE,
    NOTE_BODY,
    MEMO,
)


@dataclass(frozen=True, slots=True)
class MarkupShop:
    """The demo shop with markup names, and what the checks need."""

    backend: Backend
    admin: UserDTO
    cashier: UserDTO
    product_id: int
    store_id: int
    account_number: str
    campaign_id: int
    order_id: int
    notification_id: int


def _rename(backend: Backend) -> tuple[int, int, str, int]:
    """Give entities markup names (the services accept them: only control characters are out)."""
    with backend.uow() as uow:
        s = uow.session
        store = s.scalars(select(Store).where(Store.kind == "store").order_by(Store.id)).first()
        assert store is not None
        level = s.scalars(
            select(StockLevel)
            .where(StockLevel.store_id == store.id, StockLevel.on_hand > 5)
            .order_by(StockLevel.product_id)
        ).first()
        assert level is not None
        product = s.get(Product, level.product_id)
        assert product is not None
        product.name = PRODUCT
        level.reorder_point = level.on_hand + 10  # on the replenishment list
        category = s.get(Category, product.category_id)
        assert category is not None
        category.name = CATEGORY
        store.name = STORE
        account = s.scalars(select(CustomerAccount).order_by(CustomerAccount.id)).first()
        assert account is not None
        account.holder_name = CUSTOMER
        for user in s.scalars(select(User).where(User.role == "admin")):
            user.full_name = STAFF
        campaign = s.scalars(select(CouponCampaign).order_by(CouponCampaign.id)).first()
        assert campaign is not None
        campaign.name, campaign.description = CAMPAIGN, CAMPAIGN_TEXT
        ids = (product.id, store.id, account.number, campaign.id)
        uow.commit()
    return ids


def _sell(backend: Backend, cashier: UserDTO, store_id: int, product_id: int) -> int:
    register = Backend(backend.database, register="markup-till")
    tills.open_till(register.uow(), cashier, store_id, 0)
    with register.read_uow() as uow:
        product = uow.session.get(Product, product_id)
        assert product is not None
        price = product.price_minor
    draft = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, product_id, 1),),
        payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, price, price),),
    )
    order = register.sales.place_order(cashier, draft)
    assert order.total_minor == price  # no tax added: the demo's prices include it
    return order.order_id


def _notify(backend: Backend, user_id: int) -> int:
    with backend.uow() as uow:
        note = Notification(
            user_id=user_id, kind="stock_low", title=NOTE_TITLE, body=NOTE_BODY, level="info"
        )
        uow.session.add(note)
        uow.flush()
        note_id = note.id
        uow.commit()
    return note_id


@pytest.fixture(scope="module")
def markup_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MarkupShop]:
    database: Database = make_database("sqlite", tmp_path_factory.mktemp("markup"))
    backend = Backend(database, register="markup-till")
    load_demo(backend, seed=3, days=2, product_count=24)
    product_id, store_id, number, campaign_id = _rename(backend)
    admin = next(u for u in _staff(backend) if u.role == "admin")
    cashier = next(u for u in _staff(backend) if u.role == "cashier")
    order_id = _sell(backend, cashier, store_id, product_id)
    notification_id = _notify(backend, admin.id)
    with backend.read_uow() as uow:
        account_id = uow.session.scalar(
            select(CustomerAccount.id).where(CustomerAccount.number == number)
        )
    assert account_id is not None
    accounts.deposit(
        backend.uow(),
        cashier,
        account_id=account_id,
        amount_minor=5_00,
        key=uuid.uuid4(),
        store_id=store_id,
        memo=MEMO,
    )
    yield MarkupShop(
        backend,
        admin,
        cashier,
        product_id,
        store_id,
        number,
        campaign_id,
        order_id,
        notification_id,
    )
    database.dispose()


def _staff(backend: Backend) -> list[UserDTO]:
    with backend.read_uow() as uow:
        names = uow.session.scalars(select(User.username).order_by(User.id)).all()
    return [find_user(backend.read_uow(), name) for name in names]


# --- PDFs ----------------------------------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _pdfs(shop: MarkupShop) -> Iterator[tuple[str, bytes, tuple[str, ...]]]:
    """(name, PDF bytes, the markup names it must show) for every PDF posapp makes."""
    from posapp.reports.coupon_effectiveness import render_effectiveness
    from posapp.reports.coupon_sheet import render_code_sheet
    from posapp.reports.labels import render_label_sheet
    from posapp.reports.receipt import receipt_pdf
    from posapp.reports.replenishment import render_pdf
    from posapp.reports.sales_report import sales_report_pdf
    from posapp.reports.statement import render_statement_pdf
    from posapp.reports.till_reports import till_report_pdf

    backend, admin = shop.backend, shop.admin
    today = datetime.now().astimezone().date()
    register = Backend(backend.database, register="markup-till")
    yield (
        "receipt",
        receipt_pdf(backend.sales.order_detail(admin, shop.order_id)),
        (
            PRODUCT,
            STORE,
        ),
    )
    account = statement(
        backend.read_uow(),
        admin,
        shop.account_number,
        first_day=today - timedelta(days=30),
        last_day=today,
    )
    out = io.BytesIO()
    render_statement_pdf(account, out, shop_name=STORE)
    yield "statement", out.getvalue(), (CUSTOMER, STORE, MEMO)
    sheet = backend.coupons.code_sheet(admin, shop.campaign_id)
    yield "coupon code sheet", render_code_sheet(sheet), (CAMPAIGN,)
    effect = backend.coupons.effectiveness_report(
        admin, today - timedelta(days=30), today, campaign_ids=[shop.campaign_id]
    )
    yield "coupon effectiveness", render_effectiveness(effect), (CAMPAIGN,)
    sales = backend.sales.sales_summary(admin, today - timedelta(days=3), today)
    yield "sales report", sales_report_pdf(sales), (PRODUCT,)
    yield "X report", till_report_pdf(register.sales.x_report(admin)), (STORE,)
    out = io.BytesIO()
    render_label_sheet(backend.catalog.labels(admin, [shop.product_id]), out)
    yield "barcode labels", out.getvalue(), (PRODUCT,)
    out = io.BytesIO()
    render_pdf(backend.stock.replenishment_list(admin, shop.store_id), out)
    yield "replenishment list", out.getvalue(), (PRODUCT, CATEGORY, STORE)


def test_every_pdf_prints_names_literally(markup_shop: MarkupShop) -> None:
    problems = []
    for name, data, wanted in _pdfs(markup_shop):
        text = _pdf_text(data)
        for marker in wanted:
            if marker not in text:
                problems.append(f"{name}: {marker!r} not printed literally")
        if "&lt;" in text or "&amp;" in text:
            problems.append(f"{name}: escaped twice (shows &lt; or &amp;)")
    assert problems == [], "\n".join(problems)


def test_notification_is_stored_as_typed(markup_shop: MarkupShop) -> None:
    with markup_shop.backend.read_uow() as uow:
        row = uow.session.scalars(select(Notification).where(Notification.title == NOTE_TITLE))
        assert row.first() is not None
    assert utcnow().tzinfo is not None


# --- the window ----------------------------------------------------------------------------------


@dataclass
class Scan:
    """What the walk found: markup names seen, and widgets that would render them as HTML."""

    seen: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    cells: int = 0

    def text(self, where: str, text: str, rich: bool) -> None:
        found = [m for m in MARKERS if m in text]
        self.seen.update(found)
        if found and rich:
            self.problems.append(f"{where}: {text[:60]!r} is rendered as rich text")


def might_be_rich(text: str) -> bool:
    """Whether Qt renders ``text`` as HTML where the format is automatic (labels, tooltips)."""
    return QtGui.Qt.mightBeRichText(text)


def _path(widget: QWidget) -> str:
    names: list[str] = []
    current: QObject | None = widget
    while current is not None and len(names) < 6:
        name = current.objectName()
        names.append(f"{type(current).__name__}{'#' + name if name else ''}")
        current = current.parent()
    return " < ".join(names)


def _rich(text: str, fmt: Qt.TextFormat) -> bool:
    if fmt == Qt.TextFormat.PlainText:
        return False
    return fmt == Qt.TextFormat.RichText or might_be_rich(text)


def _scan(root: QWidget, scan: Scan, limit: int = 300) -> None:
    for label in root.findChildren(QLabel):
        scan.text(_path(label), label.text(), _rich(label.text(), label.textFormat()))
    for widget in [root, *root.findChildren(QWidget)]:
        tip = widget.toolTip()
        scan.text(f"tooltip of {_path(widget)}", tip, might_be_rich(tip))
    for edit in root.findChildren(QTextEdit):
        scan.text(_path(edit), edit.toPlainText(), False)
    for box in root.findChildren(QLineEdit):
        scan.text(_path(box), box.text(), False)
    for view in root.findChildren(QAbstractItemView):
        model: QAbstractItemModel | None = view.model()  # None when no model is set
        if model is None or isinstance(view, QHeaderView):  # a header shows its table's model
            continue
        _scan_model(model, QModelIndex(), scan, _path(view), limit)


def _scan_model(
    model: QAbstractItemModel, parent: QModelIndex, scan: Scan, where: str, limit: int
) -> None:
    # A list model's columnCount is private in PySide6: it has one column.
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(parent)
    for row in range(min(model.rowCount(parent), limit)):
        for column in range(columns):
            index = model.index(row, column, parent)
            scan.cells += 1
            shown = model.data(index, Qt.ItemDataRole.DisplayRole)
            if isinstance(shown, str):
                scan.text(f"cell of {where}", shown, False)
            tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
            if isinstance(tip, str):
                scan.text(f"cell tooltip of {where}", tip, might_be_rich(tip))
        first = model.index(row, 0, parent)
        if first.isValid() and model.rowCount(first) > 0:  # a tree
            _scan_model(model, first, scan, where, limit)


def _settle(qapp: QApplication, root: QWidget) -> None:
    """Let the operations under ``root`` (searches, loads) finish and their results show."""
    for _ in range(20):
        wait_for(running_under(root), 2.0)
        qapp.processEvents()


def _select_first_rows(root: QWidget, qapp: QApplication) -> None:
    """Select the first row of every visible list, so detail panes show an object."""
    for view in root.findChildren(QAbstractItemView):
        model: QAbstractItemModel | None = view.model()  # None when no model is set
        if model is None or not view.isVisible() or model.rowCount() == 0:
            continue
        view.setCurrentIndex(model.index(0, 0))
        _settle(qapp, root)


@pytest.mark.ui
@pytest.mark.qt_log_ignore(r"^This plugin does not support (propagateSizeHints|raise)\(\)$")
def test_the_window_shows_typed_names_as_plain_text(
    qtbot: QtBot, qapp: QApplication, markup_shop: MarkupShop
) -> None:
    bus = EventBus()
    backend = Backend(markup_shop.backend.database, bus, register="markup-till")
    window = MainWindow(backend, bus, markup_shop.admin)
    qtbot.add_widget(window)
    window.show()
    scan = Scan()
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        _settle(qapp, window)
        _select_first_rows(window.tabs.currentWidget(), qapp)
        _scan(window, scan)
    note = NotificationCreated(
        markup_shop.notification_id, markup_shop.admin.id, NOTE_TITLE, "info", utcnow()
    )
    bus.publish(note)
    qtbot.wait_until(lambda: any(t.title == NOTE_TITLE for t in window.toasts.toasts))
    toast = next(t for t in window.toasts.toasts if t.title == NOTE_TITLE)
    assert toast.body == NOTE_BODY
    api = backend.notifications
    centre = NotificationCentre(api, bus, markup_shop.admin, window)
    qtbot.add_widget(centre)
    centre.show()
    _settle(qapp, window)
    for top in (window, centre, *QApplication.topLevelWidgets()):
        _scan(top, scan)
    report(
        f"plain text: {len(MARKERS)} markup names, {scan.cells:,} cells read, seen "
        f"{sorted(scan.seen)}, {len(scan.problems)} rendered as HTML"
    )
    assert scan.problems == [], "\n".join(sorted(set(scan.problems)))
    assert set(MARKERS) - {CAMPAIGN_TEXT} <= scan.seen
