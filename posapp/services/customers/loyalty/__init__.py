"""Loyalty points: earned on goods, spent as a tender, taken back by returns, expiring (#19).

The package's face (see docs/ARCHITECTURE.md and docs/loyalty.md); the edges use
``Backend.loyalty``, the sales system calls the movements inside its checkout and return
transactions. A subpackage of customers (points belong to a customer), like the gift cards.
"""

from posapp.services.customers.loyalty.api import LoyaltyApi
from posapp.services.customers.loyalty.dto import (
    CustomerPoints,
    LoyaltyRules,
    OrderPoints,
    PointMovementDTO,
    PointsFigures,
    PointsRefused,
)
from posapp.services.customers.loyalty.expiry import due_expiry, expire_due_points
from posapp.services.customers.loyalty.points import (
    EarningLine,
    earn_points,
    give_back_points,
    move_points,
    redeem_points,
    take_back_points,
)
from posapp.services.customers.loyalty.queries import (
    adjust_points,
    customer_points,
    order_points,
    points_figures,
    points_rules,
)
from posapp.services.customers.loyalty.rules import loyalty_rules

__all__ = [
    "CustomerPoints",
    "EarningLine",
    "LoyaltyApi",
    "LoyaltyRules",
    "OrderPoints",
    "PointMovementDTO",
    "PointsFigures",
    "PointsRefused",
    "adjust_points",
    "customer_points",
    "due_expiry",
    "earn_points",
    "expire_due_points",
    "give_back_points",
    "loyalty_rules",
    "move_points",
    "order_points",
    "points_figures",
    "points_rules",
    "redeem_points",
    "take_back_points",
]
