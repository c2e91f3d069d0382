"""Issue #16, defect 1: a refund goes only where the order's money came from, unless a manager says.

The attack: a card sale with no customer was refunded into an unrelated customer account, and
the same cashier then withdrew it with that account's PIN. On both databases.
"""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from posapp.models import AuditEntry, CustomerAccount, LedgerAccount
from posapp.services.backend import Backend
from posapp.services.platform.errors import PermissionDeniedError
from posapp.services.sales import checkout, returns
from posapp.services.sales import queries as orders_queries
from posapp.services.sales.dto import (
    ApprovalRequiredError,
    DraftLine,
    ManagerApproval,
    PaymentDraft,
    PaymentKind,
    SaleDraft,
)
from posapp.services.sales.order_dto import RefundTo, ReturnLineRequest, ReturnRequest
from posapp.services.staff import users
from tests.checkout_seed import (
    PASSWORD,
    Shop,
    add_funded_account,
    open_shop,
)

APPLE = 120


@pytest.fixture
def shop(backend: Backend) -> Shop:
    return open_shop(backend)


def card_sale(backend: Backend, shop: Shop, **extra: object) -> int:
    draft = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["apple"], 1),),
        payments=(
            PaymentDraft(
                uuid.uuid4(), PaymentKind.CARD, APPLE, card_reference="A1", card_last4="4242"
            ),
        ),
        **extra,  # type: ignore[arg-type]
    )
    return checkout.place_order(backend.uow(), shop.cashier, draft).order_id


def refund(backend: Backend, shop: Shop, order_id: int, **extra: object) -> object:
    order = orders_queries.order_detail(backend.uow(), shop.manager, order_id)
    request = ReturnRequest(
        uuid.uuid4(),
        order_id,
        (ReturnLineRequest(order.lines[0].id, 1),),
        **extra,  # type: ignore[arg-type]
    )
    return returns.return_items(backend.uow(), shop.cashier, request)


def balance(backend: Backend, shop: Shop, account_id: int) -> int:
    with backend.read_uow() as uow:
        account = uow.session.get(CustomerAccount, account_id)
        assert account is not None
        ledger = uow.session.get(LedgerAccount, account.ledger_account_id)
        assert ledger is not None
        return ledger.balance_minor


def test_a_cashier_cannot_refund_a_card_sale_into_a_strangers_account(
    backend: Backend, shop: Shop
) -> None:
    stranger, _number = add_funded_account(backend, shop, balance_minor=1_000)
    order_id = card_sale(backend, shop)
    with pytest.raises(ApprovalRequiredError, match="did not pay for this order"):
        refund(backend, shop, order_id, refund_to=RefundTo.ACCOUNT, account_id=stranger)
    assert balance(backend, shop, stranger) == 1_000
    # with_receipt=True (the default above) does not open the door: no approval, no refund.
    # The card sale still refunds to its card, no approval needed.
    result = refund(backend, shop, order_id)
    assert result.refunds == (("card", APPLE),)  # type: ignore[attr-defined]
    assert balance(backend, shop, stranger) == 1_000


def test_a_manager_may_approve_another_account_and_is_in_the_audit_row(
    backend: Backend, shop: Shop
) -> None:
    other, _number = add_funded_account(backend, shop, balance_minor=1_000)
    order_id = card_sale(backend, shop)
    result = refund(
        backend,
        shop,
        order_id,
        refund_to=RefundTo.ACCOUNT,
        account_id=other,
        approval=ManagerApproval("boss", PASSWORD, "card terminal down, store credit"),
    )
    assert result.refunds == (("account", APPLE),)  # type: ignore[attr-defined]
    assert balance(backend, shop, other) == 1_000 + APPLE
    with backend.read_uow() as uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "order.return")
        ).one()
        assert entry.approver_id == shop.manager.id
        assert entry.after is not None
        assert json.loads(entry.after)["account_id"] == other


def test_the_orders_own_customer_needs_no_approval(backend: Backend, shop: Shop) -> None:
    own, _number = add_funded_account(backend, shop, balance_minor=1_000)
    order_id = card_sale(backend, shop, customer_account_id=own)
    result = refund(backend, shop, order_id, refund_to=RefundTo.ACCOUNT, account_id=own)
    assert result.refunds == (("account", APPLE),)  # type: ignore[attr-defined]
    assert balance(backend, shop, own) == 1_000 + APPLE


def test_one_approval_must_cover_every_permission_a_return_needs(
    backend: Backend, shop: Shop
) -> None:
    """Without the receipt AND to another account: an approver lacking one is refused."""
    other, _number = add_funded_account(backend, shop, balance_minor=1)
    order_id = card_sale(backend, shop)
    # A second cashier with a password (not a PIN) cannot approve either permission.
    users.add_user(backend.uow(), None, "helper", "x" * 12 + "pass", "cashier")
    both = {"with_receipt": False, "refund_to": RefundTo.ACCOUNT, "account_id": other}
    with pytest.raises(PermissionDeniedError):
        approval = ManagerApproval("helper", "x" * 12 + "pass", "why not")
        refund(backend, shop, order_id, **both, approval=approval)
    approval = ManagerApproval("boss", PASSWORD, "store credit")
    result = refund(backend, shop, order_id, **both, approval=approval)
    assert result.amount_minor == APPLE  # type: ignore[attr-defined]
