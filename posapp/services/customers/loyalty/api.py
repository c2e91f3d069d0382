"""The loyalty points as one object for the edges (``backend.loyalty``).

Points are earned, spent, taken back and given back inside a sale or a return
(``backend.sales``); this facade answers the register's and the customer screen's questions.
"""

from __future__ import annotations

from posapp.services.customers.loyalty import expiry, queries
from posapp.services.platform.facade import Facade, reads, writes


class LoyaltyApi(Facade):
    """A customer's points, the shop's rules, adjustments by hand and the expiry job."""

    points = reads(queries.customer_points)
    rules = reads(queries.points_rules)
    adjust = writes(queries.adjust_points)
    expire_due = writes(expiry.expire_due_points)
