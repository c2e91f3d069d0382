"""Changing the shop's currency: refused once the database holds money, applied when allowed.

Amounts are integers of minor units, so a new currency with other decimals would silently
change what every stored amount means (¥1,235 read in KWD is 1.235). "Money in the database"
is any stored amount a person or a sale put there:

- a sale, payment, refund or return (``orders``, ``payments``, ``order_returns``), a till
  session or cash movement (``till_sessions``, ``cash_movements``) or a parked sale;
- a ledger entry or account with a balance, overdraft or withdrawal limit;
- a gift card (sold, with its movements);
- a coupon redemption, or a campaign with a fixed amount off, a minimum spend or a cap;
- a product with a price or a cost, a product template with a price; stock with a value, or moved
  at one;
- the amounts kept as settings (the notes and coins of the till, the withdrawal approval).

Users, stores, categories, percent-off coupons and products priced 0 are not money: a new
shop can be set up first and given its currency afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import ColumnElement, exists, or_, select

from posapp.currency import Currency, currency_for
from posapp.formats import set_current_formats
from posapp.i18n import _
from posapp.models import Base
from posapp.models.accounts import CustomerAccount, LedgerAccount, LedgerEntry
from posapp.models.catalog import Product, ProductTemplate
from posapp.models.coupons import CouponCampaign, CouponRedemption, DiscountKind
from posapp.models.giftcards import GiftCard
from posapp.models.orders import (
    CashMovement,
    Order,
    OrderReturn,
    ParkedSale,
    Payment,
    TillSession,
)
from posapp.models.purchasing import PurchaseOrderLine, SupplierProduct
from posapp.models.stores import StockLevel, StockMovement
from posapp.money import set_current_currency
from posapp.services.platform import registry, zone
from posapp.services.platform.registry import SettingValueError
from posapp.services.platform.settings import get_setting
from posapp.services.platform.uow import UnitOfWork

CURRENCY_KEY: Final = registry.CURRENCY.key
"""The setting holding the shop's ISO 4217 currency code."""

FORMAT_KEYS: Final = frozenset(
    {CURRENCY_KEY, registry.SHOP_LOCALE.key, registry.FIRST_DAY.key, registry.SHOP_TIMEZONE.key}
)
"""The settings :func:`apply_shop_currency` applies: a change to any of them calls it again."""

_ANY_ROW: Final[Sequence[tuple[str, type[Base]]]] = (
    ("sales", Order),
    ("payments", Payment),
    ("returns", OrderReturn),
    ("till sessions", TillSession),
    ("cash movements", CashMovement),
    ("parked sales", ParkedSale),
    ("account entries", LedgerEntry),
    ("coupon redemptions", CouponRedemption),
    ("gift cards", GiftCard),
    ("purchase orders", PurchaseOrderLine),
)
_SOME_ROW: Final[Sequence[tuple[str, type[Base], ColumnElement[bool]]]] = (
    ("products with prices", Product, or_(Product.price_minor != 0, Product.cost_minor != 0)),
    ("product templates with prices", ProductTemplate, ProductTemplate.price_minor != 0),
    (
        "accounts with amounts",
        LedgerAccount,
        or_(LedgerAccount.balance_minor != 0, LedgerAccount.overdraft_limit_minor != 0),
    ),
    (
        "accounts with limits",
        CustomerAccount,
        CustomerAccount.daily_withdrawal_limit_minor.is_not(None),
    ),
    (
        "coupons with amounts",
        CouponCampaign,
        or_(
            CouponCampaign.kind == DiscountKind.FIXED.value,
            CouponCampaign.min_spend_minor != 0,
            CouponCampaign.max_discount_minor.is_not(None),
        ),
    ),
    ("suppliers' costs", SupplierProduct, SupplierProduct.cost_minor != 0),
    ("stock with a value", StockLevel, StockLevel.value_minor != 0),
    ("stock moved at a cost", StockMovement, StockMovement.value_minor != 0),
)
HELD_WITH: Final[dict[str, str]] = {
    "order_lines": "orders",
    "order_return_lines": "order_returns",
    "purchase_receipts": "purchase_order_lines",
    "gift_card_movements": "gift_cards",
    "sync_conflicts": "orders",
}
"""Tables whose amounts never exist without a row of the other (checked through that one)."""


def guarded_tables() -> frozenset[str]:
    """The tables :func:`money_held` looks at, directly or through :data:`HELD_WITH`."""
    direct = {str(model.__tablename__) for _unused, model in _ANY_ROW}
    direct |= {str(model.__tablename__) for _unused, model, _unused2 in _SOME_ROW}
    return frozenset(direct | {t for t, held in HELD_WITH.items() if held in direct})


_MONEY_SETTINGS: Final = (
    registry.DENOMINATIONS.key,
    registry.WITHDRAWAL_APPROVAL.key,
    registry.GIFT_CARD_MIN.key,
    registry.GIFT_CARD_MAX.key,
)


def money_held(uow: UnitOfWork) -> tuple[str, ...]:
    """What money the database holds, in words (``("sales", "products with prices")``).

    Runs inside the caller's unit of work.
    """
    session = uow.session
    held = [name for name, model in _ANY_ROW if session.scalar(select(exists().select_from(model)))]
    for name, model, condition in _SOME_ROW:
        if session.scalar(select(exists().where(condition).select_from(model))):
            held.append(name)
    for key in _MONEY_SETTINGS:
        if get_setting(uow, key, None) is not None:
            held.append(f"the {key} setting")
    return tuple(held)


def check_currency_change(uow: UnitOfWork, before: str, after: str) -> None:
    """Refuse changing ``shop.currency`` from ``before`` to ``after`` while money is stored.

    Raises:
        SettingValueError: the database holds money; the message says which.
    """
    if currency_for(before) == currency_for(after):
        return
    held = money_held(uow)
    if held:
        shown = before or "not set"
        raise SettingValueError(
            _(
                "Currency: this database already holds money in {shown} "
                "({held}); amounts cannot change currency. Start a new "
                "database to sell in {value}."
            ).format(shown=shown, held=", ".join(held[:4]), value=after or "another currency")
        )


def money_in_database(uow: UnitOfWork) -> tuple[str, ...]:
    """What money the database holds (:func:`money_held` in a unit of work of its own)."""
    with uow:
        return money_held(uow)


def apply_shop_currency(uow: UnitOfWork) -> Currency:
    """Make the shop's currency and formats the process's current ones (start-up, a change).

    The formats (:func:`posapp.formats.set_current_formats`) are the shop's locale, time zone
    and first day of the week, which every document is written in.
    """
    with uow:
        currency = registry.shop_currency(uow)
        formats = zone.shop_formats(uow)
    set_current_currency(currency)
    set_current_formats(formats)
    return currency
