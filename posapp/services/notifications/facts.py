"""What the notification listener's builders read about one batch of events.

Every sale brings an ``OrderPlaced`` (is it a pickup order?) and, with a coupon, a
``CouponRedeemed`` (how used is its campaign?). :class:`Facts` reads those for the whole batch at
the first question, one query each: a burst of twenty sales costs the listener two queries, not
forty, and the sales it runs beside keep the CPU (issue #23).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

from sqlalchemy import Executable, Row, select
from sqlalchemy.orm import Session

from posapp.events import CouponRedeemed, DomainEvent, OrderPlaced
from posapp.models import CouponCampaign, Order, Store, WebOrder

_READ_CHUNK: Final = 500
"""At most how many ids one read of a batch's facts binds."""


class Facts:
    """The facts one batch's builders ask about, each kind read once on the batch's session.

    The batch is read after its events committed, so each event gets the answer a query of its
    own would have given.
    """

    def __init__(self, session: Session, events: Sequence[DomainEvent]) -> None:
        self.session = session
        self._events = events
        self._pickups: dict[int, str | None] | None = None
        self._store_names: dict[int, str] = {}
        self._campaigns: dict[int, Row[int, str, int, int | None]] | None = None

    def pickup_orders(self) -> dict[int, str | None]:
        """The batch's placed orders that are pickup orders: id → the web customer's name."""
        if self._pickups is None:
            rows = self._read(
                [e.order_id for e in self._events if isinstance(e, OrderPlaced)],
                lambda chunk: (
                    select(Order.id, WebOrder.customer_name)
                    .outerjoin(WebOrder, WebOrder.order_id == Order.id)
                    .where(Order.id.in_(chunk), Order.pickup.is_(True))
                ),
            )
            self._pickups = {order_id: row.customer_name for order_id, row in rows.items()}
        return self._pickups

    def store_name(self, store_id: int) -> str:
        """A store's name (read once per batch)."""
        name = self._store_names.get(store_id)
        if name is None:
            found = self.session.scalar(select(Store.name).where(Store.id == store_id))
            name = self._store_names[store_id] = found or f"store #{store_id}"
        return name

    def campaigns(self) -> dict[int, Row[int, str, int, int | None]]:
        """The campaigns of the batch's redeemed coupons: id → (id, name, used, limit)."""
        if self._campaigns is None:
            self._campaigns = self._read(
                [e.campaign_id for e in self._events if isinstance(e, CouponRedeemed)],
                lambda chunk: select(
                    CouponCampaign.id,
                    CouponCampaign.name,
                    CouponCampaign.used_count,
                    CouponCampaign.usage_limit,
                ).where(CouponCampaign.id.in_(chunk)),
            )
        return self._campaigns

    def _read(
        self, ids: Iterable[int], query: Callable[[Sequence[int]], Executable]
    ) -> dict[int, Any]:
        """The rows ``query`` finds for ``ids`` (in chunks), by their first column."""
        wanted = sorted(set(ids))
        found: dict[int, Any] = {}
        for start in range(0, len(wanted), _READ_CHUNK):
            rows = self.session.execute(query(wanted[start : start + _READ_CHUNK]))
            found.update((row[0], row) for row in rows)
        return found
