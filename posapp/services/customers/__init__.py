"""Customers: the people the shop sells to; a prepaid/credit account is something one may have.

Gift cards (:mod:`posapp.services.customers.giftcards`, issue #19) live in this package, on the
customers' floor (above accounts and coupons, below sales), as a system of their own with their
own facade (``Backend.giftcards``); they are a subpackage rather than a twelfth-plus-one package
of ``services/`` (at most 12 live there), and this face re-exports what other systems use.

The package's face (see docs/ARCHITECTURE.md); the edges use ``Backend.customers``.
"""

from posapp.services.customers.api import CustomersApi
from posapp.services.customers.dto import (
    CustomerAccountRef,
    CustomerCursor,
    CustomerDraft,
    CustomerDTO,
    CustomerExport,
    CustomerRow,
    HistoryCursor,
    HistoryEntry,
)
from posapp.services.customers.export import FORMATS, as_csv, as_json, export_customer
from posapp.services.customers.giftcards import (
    CardFigures,
    GiftCardDTO,
    GiftCardLimits,
    GiftCardRefused,
    GiftCardsApi,
    IssuedCard,
    card_balance,
    card_figures,
    card_key,
    card_limits,
    check_card_amount,
    gift_card_limits,
    issue_card,
    order_cards,
    redeem_card,
    refund_to_card,
    reload_card,
)
from posapp.services.customers.loyalty import (
    CustomerPoints,
    EarningLine,
    LoyaltyApi,
    LoyaltyRules,
    OrderPoints,
    PointMovementDTO,
    PointsFigures,
    PointsRefused,
    customer_points,
    earn_points,
    expire_due_points,
    give_back_points,
    loyalty_rules,
    order_points,
    points_figures,
    redeem_points,
    take_back_points,
)
from posapp.services.customers.manage import ERASED_NAME, erase_customer, register_customer
from posapp.services.customers.queries import customer_cursor, history_cursor, search_customers
from posapp.services.customers.validation import clean_name

__all__ = [
    "ERASED_NAME",
    "FORMATS",
    "CardFigures",
    "CustomerAccountRef",
    "CustomerCursor",
    "CustomerDTO",
    "CustomerDraft",
    "CustomerExport",
    "CustomerPoints",
    "CustomerRow",
    "CustomersApi",
    "EarningLine",
    "GiftCardDTO",
    "GiftCardLimits",
    "GiftCardRefused",
    "GiftCardsApi",
    "HistoryCursor",
    "HistoryEntry",
    "IssuedCard",
    "LoyaltyApi",
    "LoyaltyRules",
    "OrderPoints",
    "PointMovementDTO",
    "PointsFigures",
    "PointsRefused",
    "as_csv",
    "as_json",
    "card_balance",
    "card_figures",
    "card_key",
    "card_limits",
    "check_card_amount",
    "clean_name",
    "customer_cursor",
    "customer_points",
    "earn_points",
    "erase_customer",
    "expire_due_points",
    "export_customer",
    "gift_card_limits",
    "give_back_points",
    "history_cursor",
    "issue_card",
    "loyalty_rules",
    "order_cards",
    "order_points",
    "points_figures",
    "redeem_card",
    "redeem_points",
    "refund_to_card",
    "register_customer",
    "reload_card",
    "search_customers",
    "take_back_points",
]
