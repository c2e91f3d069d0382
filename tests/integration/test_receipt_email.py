"""Receipts by email (issue #19): queued with the PDF through the outbox, audited, delivered.

The real renderer (posapp.reports) draws the PDF, a real SMTP server (aiosmtpd) receives the
mail, and the PDF and the body are read back. On both databases.
"""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from posapp.models import AuditEntry, Customer, OutboxAttachment, OutboxEmail
from posapp.reports.receipt import receipt_model_pdf
from posapp.services.backend import Backend
from posapp.services.notifications import SmtpSettings, mailer
from posapp.services.platform.errors import NotFoundError, ValidationError
from posapp.services.sales import SaleCustomerDTO
from tests.checkout_seed import Shop, cash_sale, shop_with_open_till
from tests.integration.mailer_support import SmtpServer


@pytest.fixture
def shop(backend: Backend) -> Shop:
    return shop_with_open_till(backend)


@pytest.fixture
def ola(backend: Backend, shop: Shop) -> SaleCustomerDTO:
    return backend.sales.add_customer(shop.cashier, "Ola Nordmann", email="ola@example.com")


def _sale(backend: Backend, shop: Shop, customer: SaleCustomerDTO | None = None) -> int:
    draft = cash_sale(
        shop,
        [("apple", 2), ("coffee", 1)],
        2000,
        2 * 120 + 1299,
        customer_id=customer.id if customer else None,
    )
    return backend.sales.place_order(shop.cashier, draft).order_id


def _emails(backend: Backend) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(OutboxEmail)) or 0)


def _send_due(backend: Backend, server: SmtpServer) -> int:
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
    return report.sent


def test_the_receipt_reaches_the_customer_with_its_pdf(
    backend: Backend, shop: Shop, ola: SaleCustomerDTO
) -> None:
    order_id = _sale(backend, shop, ola)
    with backend.read_uow() as uow:  # a receipt needs no consent to marketing
        customer = uow.session.get(Customer, ola.id)
        assert customer is not None
        assert not customer.marketing_opt_in
    sent = backend.sales.email_receipt(shop.cashier, order_id, "", receipt_model_pdf)
    assert sent.to_address == "ola@example.com"
    with backend.read_uow() as uow:
        email = uow.session.get(OutboxEmail, sent.email_id)
        assert email is not None
        assert (email.kind, email.order_id, email.to_name) == ("receipt", order_id, "Ola Nordmann")
        audit = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "order.receipt_emailed")
        ).one()
        assert (audit.object_id, audit.user_id) == (order_id, shop.cashier.id)
        assert "ola@example.com" not in str(audit.after)  # the log is append-only: no address
    server = SmtpServer()
    server.start()
    try:
        assert _send_due(backend, server) == 1
    finally:
        server.stop()
    (received,) = server.received
    message = received.message
    assert received.rcpt_tos == ["ola@example.com"]
    assert message["Subject"].startswith(f"Your receipt {sent.number}")
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    for expected in ("Apple Braeburn", "Coffee beans 500 g", "Your receipt is attached"):
        assert expected in text
    files = list(message.iter_attachments())
    assert [f.get_filename() for f in files] == [f"receipt-{sent.number}.pdf"]
    assert files[0].get_content_type() == "application/pdf"
    pdf_text = PdfReader(io.BytesIO(files[0].get_content())).pages[0].extract_text()
    assert sent.number in pdf_text
    assert "Apple Braeburn" in pdf_text


def test_a_typed_address_is_used_and_checked(
    backend: Backend, shop: Shop, ola: SaleCustomerDTO
) -> None:
    order_id = _sale(backend, shop)  # no customer attached
    with pytest.raises(ValidationError, match="Type the customer's email"):
        backend.sales.email_receipt(shop.cashier, order_id, "  ", receipt_model_pdf)
    for bad in ("no-at-sign", "a@b", "x" * 300 + "@example.com", "a@example.com\nBcc: x@y.z"):
        with pytest.raises(ValidationError):
            backend.sales.email_receipt(shop.cashier, order_id, bad, receipt_model_pdf)
    assert _emails(backend) == 0
    sent = backend.sales.email_receipt(
        shop.cashier, order_id, " other@example.com ", receipt_model_pdf
    )
    assert sent.to_address == "other@example.com"
    with backend.read_uow() as uow:
        email = uow.session.get(OutboxEmail, sent.email_id)
        assert email is not None
        assert email.to_name == ""
        files = select(func.count()).select_from(OutboxAttachment)
        assert uow.session.scalar(files.where(OutboxAttachment.email_id == email.id)) == 1


@pytest.mark.parametrize("order_id", [987_654, 2**63, 0, -1])
def test_no_such_order_is_said_and_nothing_queued(
    backend: Backend, shop: Shop, order_id: int
) -> None:
    with pytest.raises(NotFoundError):
        backend.sales.email_receipt(shop.cashier, order_id, "a@example.com", receipt_model_pdf)
    assert _emails(backend) == 0


def test_a_renderer_that_fails_leaves_nothing_behind(
    backend: Backend, shop: Shop, ola: SaleCustomerDTO
) -> None:
    order_id = _sale(backend, shop, ola)

    def broken(_model: object) -> bytes:
        raise ValidationError("The receipt could not be drawn.")

    with pytest.raises(ValidationError, match="could not be drawn"):
        backend.sales.email_receipt(shop.cashier, order_id, "", broken)
    assert _emails(backend) == 0
    with backend.read_uow() as uow:
        audits = select(func.count()).select_from(AuditEntry)
        assert uow.session.scalar(audits.where(AuditEntry.action == "order.receipt_emailed")) == 0
