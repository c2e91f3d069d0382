"""The card details a shop requires are a setting, checked when the sale is placed (issue #17)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from posapp.models import Order, Payment
from posapp.services.backend import Backend
from posapp.services.platform.cards import CardNumberError
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.settings import put_setting
from posapp.services.sales import CARD_DETAILS_KEY, CardRules, checkout
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from tests.checkout_seed import Shop, open_shop_till, seed_shop

APPLE = 120


@pytest.fixture
def shop(backend: Backend) -> Shop:
    shop = seed_shop(backend)
    open_shop_till(backend, shop)
    return shop


def require(backend: Backend, value: object) -> None:
    with backend.uow() as uow:
        put_setting(uow, CARD_DETAILS_KEY, value)
        uow.commit()


def card_sale(shop: Shop, reference: str = "", last4: str = "") -> SaleDraft:
    return SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["apple"], 1),),
        payments=(
            PaymentDraft(
                uuid.uuid4(),
                PaymentKind.CARD,
                APPLE,
                card_reference=reference,
                card_last4=last4,
            ),
        ),
    )


def orders(backend: Backend) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Order)) or 0)


def test_both_details_are_required_by_default(backend: Backend, shop: Shop) -> None:
    assert backend.sales.card_rules() == CardRules(reference=True, last4=True)
    with pytest.raises(ValidationError, match="last four digits"):
        checkout.place_order(backend.uow(), shop.cashier, card_sale(shop, reference="A1"))
    with pytest.raises(ValidationError, match="approval reference"):
        checkout.place_order(backend.uow(), shop.cashier, card_sale(shop, last4="4242"))
    assert orders(backend) == 0
    checkout.place_order(backend.uow(), shop.cashier, card_sale(shop, "A1", "4242"))
    assert orders(backend) == 1


def test_a_shop_that_requires_only_the_reference(backend: Backend, shop: Shop) -> None:
    require(backend, ["reference"])
    assert backend.sales.card_rules() == CardRules(reference=True, last4=False)
    with pytest.raises(ValidationError, match="approval reference"):
        checkout.place_order(backend.uow(), shop.cashier, card_sale(shop))
    checkout.place_order(backend.uow(), shop.cashier, card_sale(shop, reference="A1"))
    with backend.read_uow() as uow:
        assert uow.session.scalar(select(Payment.card_last4)) is None
    # What is given is still checked: a malformed last four, a card number.
    with pytest.raises(ValidationError, match="last four digits"):
        checkout.place_order(backend.uow(), shop.cashier, card_sale(shop, "A2", "12x"))
    with pytest.raises(CardNumberError):
        checkout.place_order(
            backend.uow(), shop.cashier, card_sale(shop, "4111 1111 1111 1111", "")
        )
    assert orders(backend) == 1


def test_a_shop_that_requires_nothing_and_a_bad_setting(backend: Backend, shop: Shop) -> None:
    require(backend, [])
    assert backend.sales.card_rules() == CardRules(reference=False, last4=False)
    checkout.place_order(backend.uow(), shop.cashier, card_sale(shop))
    assert orders(backend) == 1
    require(backend, "everything")  # unreadable: the strictest rules
    assert backend.sales.card_rules() == CardRules()
    require(backend, ["reference", "pin"])
    assert backend.sales.card_rules() == CardRules()
