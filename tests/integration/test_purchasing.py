"""Suppliers and purchase orders on SQLite and PostgreSQL: draft, send, receive, close, cancel."""

from __future__ import annotations

import contextlib
import io
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from posapp.events import ProductChanged, PurchaseOrderChanged, RecordingPublisher, StockMoved
from posapp.models import (
    AuditEntry,
    OutboxAttachment,
    OutboxEmail,
    Product,
    PurchaseReceipt,
    StockLevel,
)
from posapp.reports.purchasing import purchase_order_pdf
from posapp.services.backend import Backend
from posapp.services.notifications import SmtpSettings, mailer
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from posapp.services.platform.uow import UnitOfWork
from posapp.services.purchasing import (
    PurchaseLineInput,
    ReceiveLine,
    SupplierInput,
    moving_average,
    orders,
    queries,
    receiving,
    suppliers,
)
from posapp.services.staff.security import ACTIONS
from posapp.services.stock import StockLine
from tests.integration.mailer_support import SmtpServer
from tests.integration.purchasing_support import Purchasing, build_purchasing

_PO = 1
# The permission matrix (tests/unit/test_security.py walks every module's ACTION_CALLS): a
# cashier is refused each purchasing action before anything is looked up.
ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]] = {
    "purchasing.suppliers.list_suppliers": lambda uow, a, s: suppliers.list_suppliers(uow, a),
    "purchasing.suppliers.save_supplier": lambda uow, a, s: suppliers.save_supplier(
        uow, a, None, SupplierInput("Refused")
    ),
    "purchasing.suppliers.set_supplier_active": lambda uow, a, s: suppliers.set_supplier_active(
        uow, a, 1, False
    ),
    "purchasing.suppliers.supplier_items": lambda uow, a, s: suppliers.supplier_items(uow, a, 1),
    "purchasing.suppliers.set_supplier_items": lambda uow, a, s: suppliers.set_supplier_items(
        uow, a, 1, []
    ),
    "purchasing.suppliers.remove_supplier_item": lambda uow, a, s: suppliers.remove_supplier_item(
        uow, a, 1, 1
    ),
    "purchasing.queries.purchase_orders": lambda uow, a, s: queries.purchase_orders(uow, a),
    "purchasing.orders.purchase_order": lambda uow, a, s: orders.purchase_order(uow, a, _PO),
    "purchasing.orders.create_purchase_order": lambda uow, a, s: orders.create_purchase_order(
        uow, a, 1, 1, [PurchaseLineInput(1, 1)]
    ),
    "purchasing.orders.order_from_replenishment": lambda uow, a, s: orders.order_from_replenishment(
        uow, a, 1, 1
    ),
    "purchasing.orders.send_purchase_order": lambda uow, a, s: orders.send_purchase_order(
        uow, a, _PO, purchase_order_pdf
    ),
    "purchasing.orders.cancel_purchase_order": lambda uow, a, s: orders.cancel_purchase_order(
        uow, a, _PO
    ),
    "purchasing.orders.close_purchase_order": lambda uow, a, s: orders.close_purchase_order(
        uow, a, _PO
    ),
    "purchasing.receiving.receive_purchase_order": lambda uow, a, s: (
        receiving.receive_purchase_order(uow, a, _PO, [ReceiveLine(1, 1)])
    ),
}


@pytest.fixture
def buying(backend: Backend) -> Purchasing:
    return build_purchasing(backend)


def _on_hand(backend: Backend, store: int, product: int) -> int:
    with backend.read_uow() as uow:
        value = uow.session.scalar(
            select(StockLevel.on_hand).where(
                StockLevel.store_id == store, StockLevel.product_id == product
            )
        )
    return int(value or 0)


def _cost(backend: Backend, product: int) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(Product.cost_minor).where(Product.id == product)) or 0)


def _draft(backend: Backend, p: Purchasing) -> int:
    w = p.world
    order = backend.purchasing.create_purchase_order(
        w.manager,
        p.supplier,
        w.shop,
        [PurchaseLineInput(w.pear, 10), PurchaseLineInput(w.apple, 5, cost_minor=70)],
        note="Weekly fruit",
    )
    assert order.status == "draft"
    assert order.number == f"PO-{order.id:06d}"
    assert [(x.supplier_code, x.ordered, x.cost_minor) for x in order.lines] == [
        ("ORC-PEAR", 10, 80),
        ("ORC-APPLE", 5, 70),
    ]
    assert order.total_minor == 10 * 80 + 5 * 70
    return order.id


def test_suppliers_are_kept_by_managers_only(backend: Backend, buying: Purchasing) -> None:
    w = buying.world
    listed = backend.purchasing.list_suppliers(w.manager)
    assert [(s.name, s.lead_time_days, s.products) for s in listed] == [("Orchard Ltd", 3, 2)]
    items = backend.purchasing.supplier_items(w.admin, buying.supplier)
    assert [(i.name, i.supplier_code, i.cost_minor) for i in items] == [
        ("Apple", "ORC-APPLE", 60),
        ("Pear", "ORC-PEAR", 80),
    ]
    with pytest.raises(PermissionDeniedError):
        backend.purchasing.list_suppliers(w.cashier)
    with pytest.raises(ConflictError):
        backend.purchasing.save_supplier(w.manager, None, SupplierInput("orchard ltd"))
    for bad in (
        SupplierInput(" "),
        SupplierInput("X", email="no-at-sign"),
        SupplierInput("X", lead_time_days=-1),
        SupplierInput("X", lead_time_days=True),
    ):
        with pytest.raises(ValidationError):
            backend.purchasing.save_supplier(w.manager, None, bad)
    assert len(backend.purchasing.list_suppliers(w.manager)) == 1


def test_a_cashier_is_refused_everything(backend: Backend, buying: Purchasing) -> None:
    w = buying.world
    _draft(backend, buying)
    for call in ACTION_CALLS.values():
        with pytest.raises(PermissionDeniedError):
            call(backend.uow(), w.cashier, w.staff)
    assert {k for k in ACTIONS if k.startswith("purchasing.")} == set(ACTION_CALLS)


def test_send_queues_the_pdf_to_the_supplier(backend: Backend, buying: Purchasing) -> None:
    order_id = _draft(backend, buying)
    sent = backend.purchasing.send_purchase_order(
        buying.world.manager, order_id, purchase_order_pdf
    )
    assert sent.status == "sent"
    assert sent.email_id is not None
    with backend.read_uow() as uow:
        email = uow.session.get(OutboxEmail, sent.email_id)
        assert email is not None
        assert (email.to_address, email.kind) == ("orders@orchard.example", "purchase_order")
        files = uow.session.execute(
            select(
                OutboxAttachment.filename, OutboxAttachment.content_type, OutboxAttachment.data
            ).where(OutboxAttachment.email_id == email.id)
        ).all()
    assert [(f.filename, f.content_type) for f in files] == [
        (f"{sent.number}.pdf", "application/pdf")
    ]
    text = PdfReader(io.BytesIO(files[0].data)).pages[0].extract_text()
    assert sent.number in text
    assert "ORC-PEAR" in text
    assert "Orchard Ltd" in text
    with pytest.raises(ValidationError, match="already sent"):
        backend.purchasing.send_purchase_order(buying.world.manager, order_id, purchase_order_pdf)


def test_receive_partly_then_the_rest_and_more(
    backend: Backend, buying: Purchasing, publisher: RecordingPublisher
) -> None:
    w = buying.world
    order_id = _draft(backend, buying)
    backend.purchasing.send_purchase_order(w.manager, order_id, purchase_order_pdf)
    order = backend.purchasing.purchase_order(w.manager, order_id)
    pear, apple = order.lines
    assert _cost(backend, w.pear) == 90
    publisher.events.clear()

    first = backend.purchasing.receive_purchase_order(
        w.manager, order_id, [ReceiveLine(pear.id, 4)], reference="DN-1"
    )
    assert first.order.status == "partly_received"
    assert _on_hand(backend, w.shop, w.pear) == 4
    assert _cost(backend, w.pear) == 80  # nothing was on hand: the new cost is the receipt's
    assert [x.received for x in first.order.lines] == [4, 0]
    kinds = [type(e) for e in publisher.events]
    assert StockMoved in kinds
    assert PurchaseOrderChanged in kinds
    assert ProductChanged in kinds

    request = uuid.uuid4()
    second = backend.purchasing.receive_purchase_order(
        w.manager,
        order_id,
        [ReceiveLine(pear.id, 8), ReceiveLine(apple.id, 5)],
        request_id=request,
    )
    assert second.order.status == "received"
    assert [(x.received, x.over, x.outstanding) for x in second.order.lines] == [
        (12, 2, 0),
        (5, 0, 0),
    ]
    assert _on_hand(backend, w.shop, w.pear) == 12
    assert _on_hand(backend, w.shop, w.apple) == 5
    again = backend.purchasing.receive_purchase_order(
        w.manager,
        order_id,
        [ReceiveLine(pear.id, 8), ReceiveLine(apple.id, 5)],
        request_id=request,
    )
    assert again.replayed
    assert _on_hand(backend, w.shop, w.pear) == 12
    with pytest.raises(ValidationError, match="only a sent order"):
        backend.purchasing.receive_purchase_order(w.manager, order_id, [ReceiveLine(pear.id, 1)])
    with backend.read_uow() as uow:
        actions = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_kind == "purchase_order")
        ).all()
    assert actions == [
        "purchase.create",
        "purchase.send",
        "purchase.receive",
        "purchase.receive",
    ]


def test_moving_average_of_the_cost(backend: Backend, buying: Purchasing) -> None:
    w = buying.world
    assert moving_average(90, 10, 60, 30) == 68  # (900 + 1800) / 40 = 67.5, half to even
    order_id = _draft(backend, buying)
    backend.purchasing.send_purchase_order(w.manager, order_id, purchase_order_pdf)
    apple = backend.purchasing.purchase_order(w.manager, order_id).lines[1]
    backend.stock.receive_stock(w.manager, w.market, [StockLine(w.apple, 15)], reference="old")
    backend.purchasing.receive_purchase_order(w.manager, order_id, [ReceiveLine(apple.id, 5)])
    assert _cost(backend, w.apple) == moving_average(90, 15, 70, 5) == 85


def test_bad_receipts_write_nothing(
    backend: Backend, buying: Purchasing, publisher: RecordingPublisher
) -> None:
    w = buying.world
    order_id = _draft(backend, buying)
    pear = backend.purchasing.purchase_order(w.manager, order_id).lines[0]
    with pytest.raises(ValidationError, match="only a sent order"):
        backend.purchasing.receive_purchase_order(w.manager, order_id, [ReceiveLine(pear.id, 1)])
    backend.purchasing.send_purchase_order(w.manager, order_id, purchase_order_pdf)
    other = _draft(backend, buying)
    foreign = backend.purchasing.purchase_order(w.manager, other).lines[0]
    publisher.events.clear()
    for lines, error in (
        ([ReceiveLine(foreign.id, 1)], NotFoundError),
        ([ReceiveLine(pear.id, 0)], ValidationError),
        ([ReceiveLine(pear.id, -3)], ValidationError),
        ([ReceiveLine(pear.id, 10**13)], ValidationError),
        ([], ValidationError),
    ):
        with pytest.raises(error):
            backend.purchasing.receive_purchase_order(w.manager, order_id, lines)
    with pytest.raises(PermissionDeniedError):
        backend.purchasing.receive_purchase_order(w.cashier, order_id, [ReceiveLine(pear.id, 1)])
    assert publisher.events == []
    assert _on_hand(backend, w.shop, w.pear) == 0


def test_cancel_and_close_short(backend: Backend, buying: Purchasing) -> None:
    w = buying.world
    draft = _draft(backend, buying)
    assert backend.purchasing.cancel_purchase_order(w.manager, draft).status == "cancelled"
    with pytest.raises(ValidationError):
        backend.purchasing.send_purchase_order(w.manager, draft, purchase_order_pdf)
    order_id = _draft(backend, buying)
    backend.purchasing.send_purchase_order(w.manager, order_id, purchase_order_pdf)
    pear = backend.purchasing.purchase_order(w.manager, order_id).lines[0]
    with pytest.raises(ValidationError):
        backend.purchasing.close_purchase_order(w.manager, order_id)
    backend.purchasing.receive_purchase_order(w.manager, order_id, [ReceiveLine(pear.id, 3)])
    with pytest.raises(ValidationError, match="cannot be cancelled"):
        backend.purchasing.cancel_purchase_order(w.manager, order_id)
    closed = backend.purchasing.close_purchase_order(w.manager, order_id)
    assert closed.status == "received"
    assert [x.outstanding for x in closed.lines] == [7, 5]


def test_order_from_the_replenishment_list(backend: Backend, buying: Purchasing) -> None:
    w = buying.world
    backend.stock.set_reorder_levels(w.manager, w.shop, w.pear, 5, 20)
    backend.stock.set_reorder_levels(w.manager, w.shop, w.cola, 5, 20)  # not from Orchard
    order = backend.purchasing.order_from_replenishment(w.manager, buying.supplier, w.shop)
    assert [(x.name, x.ordered, x.cost_minor) for x in order.lines] == [("Pear", 25, 80)]
    with pytest.raises(ValidationError, match="Nothing on"):
        backend.purchasing.order_from_replenishment(w.manager, buying.supplier, w.market)


def test_purchases_report(backend: Backend, buying: Purchasing) -> None:
    w = buying.world
    _draft(backend, buying)
    cancelled = _draft(backend, buying)
    backend.purchasing.cancel_purchase_order(w.manager, cancelled)
    today = datetime.now(UTC).date()
    report = backend.purchasing.purchases_report(w.manager, today, today)
    assert len(report.orders) == 2
    assert [(s.supplier_name, s.orders, s.ordered_minor) for s in report.suppliers] == [
        ("Orchard Ltd", 1, 1150)
    ]
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_the_pdf_reaches_the_supplier_over_smtp(backend: Backend, buying: Purchasing) -> None:
    w = buying.world
    order_id = _draft(backend, buying)
    sent = backend.purchasing.send_purchase_order(w.manager, order_id, purchase_order_pdf)
    server = SmtpServer()
    server.start()
    try:
        settings = SmtpSettings(
            host=server.host,
            port=server.port,
            security="none",
            from_address="shop@example.com",
            from_name="Harbour Shop",
            timeout_s=5,
        )

        def factory() -> contextlib.AbstractContextManager[mailer.MailTransport]:
            return mailer.SmtpTransport(settings, None)

        report = mailer.send_due(
            backend, datetime.now(UTC), transport_factory=factory, settings=settings
        )
    finally:
        server.stop()
    assert report.sent == 1
    (message,) = [r.message for r in server.received]
    assert message["To"] == "Olga <orders@orchard.example>"
    files = list(message.iter_attachments())
    assert [f.get_filename() for f in files] == [f"{sent.number}.pdf"]
    data = files[0].get_content()
    assert sent.number in PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_two_receivers_at_once_book_every_unit_once(backend: Backend, buying: Purchasing) -> None:
    """Four threads receive the same order at once: the order row's lock serialises them."""
    w = buying.world
    order_id = _draft(backend, buying)
    backend.purchasing.send_purchase_order(w.manager, order_id, purchase_order_pdf)
    pear = backend.purchasing.purchase_order(w.manager, order_id).lines[0]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def receive() -> None:
        barrier.wait()
        try:
            for _ in range(3):
                backend.purchasing.receive_purchase_order(
                    w.manager, order_id, [ReceiveLine(pear.id, 2)]
                )
        except BaseException as exc:  # reported below, with the thread's own error
            errors.append(exc)

    threads = [threading.Thread(target=receive) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    order = backend.purchasing.purchase_order(w.manager, order_id)
    assert order.lines[0].received == 24
    assert order.lines[0].over == 14
    assert _on_hand(backend, w.shop, w.pear) == 24
    with backend.read_uow() as uow:
        booked = uow.session.scalar(
            select(func.sum(PurchaseReceipt.quantity)).where(PurchaseReceipt.order_id == order_id)
        )
    assert booked == 24


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        ([], ValidationError),
        ([PurchaseLineInput(1, 0)], ValidationError),
        ([PurchaseLineInput(1, -1)], ValidationError),
        ([PurchaseLineInput(1, 2**63)], ValidationError),
        ([PurchaseLineInput(1, True)], ValidationError),
        ([PurchaseLineInput(1, 1.5)], ValidationError),  # type: ignore[arg-type]
        ([PurchaseLineInput(1, 1), PurchaseLineInput(1, 2)], ValidationError),
        ([PurchaseLineInput(1, 1, cost_minor=-1)], ValidationError),
        ([PurchaseLineInput(999, 1)], NotFoundError),
    ],
)
def test_bad_orders_write_nothing(
    backend: Backend,
    buying: Purchasing,
    publisher: RecordingPublisher,
    lines: list[PurchaseLineInput],
    error: type[Exception],
) -> None:
    w = buying.world
    publisher.events.clear()
    with pytest.raises(error):
        backend.purchasing.create_purchase_order(w.manager, buying.supplier, w.shop, lines)
    assert publisher.events == []
    assert backend.purchasing.purchase_orders(w.manager) == []


def test_archived_suppliers_products_and_inactive_stores_take_no_orders(
    backend: Backend, buying: Purchasing
) -> None:
    w = buying.world
    line = [PurchaseLineInput(w.pear, 1)]
    with pytest.raises(ValidationError, match="inactive"):
        backend.purchasing.create_purchase_order(w.manager, buying.supplier, w.closed, line)
    with pytest.raises(ValidationError, match="archived"):
        backend.purchasing.create_purchase_order(
            w.manager, buying.supplier, w.shop, [PurchaseLineInput(w.old, 1)]
        )
    backend.purchasing.set_supplier_active(w.manager, buying.supplier, False)
    with pytest.raises(ValidationError, match="archived"):
        backend.purchasing.create_purchase_order(w.manager, buying.supplier, w.shop, line)
    assert backend.purchasing.list_suppliers(w.manager) == []
    assert len(backend.purchasing.list_suppliers(w.manager, include_inactive=True)) == 1
