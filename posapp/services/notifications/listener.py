"""The listener that turns committed domain events into per-user notifications, by the rules.

:class:`NotificationListener` is a plain callable (a ``posapp.events.Publisher``): give it every
event committed on this register. For each event some rule fires on, it writes one
``Notification`` row per recipient in its own unit of work and records a
:class:`~posapp.events.NotificationCreated` for each, so the bells update after that commit.

It must see each event once, on the register that committed it; events relayed from other
registers must not reach it (their own register's listener handles them, and the
``NotificationCreated`` events it records reach every register through the relay). Writing is
idempotent anyway: each row carries a ``dedup_key`` (unique per user) derived from the event, so a
repeated event cannot notify anyone twice.

Store notices (low stock, a pickup order placed, an order ready or refunded) carry their store: a
user the rule reaches through a role gets one only if their home store (``users.store_id``) is
that store or all stores (NULL); users the rule names get it whatever their store.

The composition root registers :meth:`NotificationListener.handle` on the background runner
(``posapp.services.platform.runner``) as a batch handler of :data:`HANDLED_EVENTS`, on a lane of
its own: it runs off the GUI thread, and a burst of events costs one transaction, not one each.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from posapp.events import (
    AccountMoved,
    CampaignEnded,
    CouponRedeemed,
    DomainEvent,
    NotificationCreated,
    OrderPlaced,
    OrderStatusChanged,
    ProductChanged,
    ProductsImported,
    StockLow,
    SyncConflictRaised,
    UserChanged,
)
from posapp.models import (
    CouponCampaign,
    CustomerAccount,
    Notification,
    Order,
    Product,
    User,
)
from posapp.money import format_money
from posapp.services.notifications.dto import TRIGGERS_BY_KEY, NotificationRule
from posapp.services.notifications.facts import Facts
from posapp.services.notifications.rules import load_rules
from posapp.services.platform.uow import UnitOfWork

_log = logging.getLogger(__name__)

TITLE_MAX: Final = 200
_INSERT_CHUNK: Final = 500

_CAMPAIGN_END_REASONS: Final = {
    "used_up": "Every use of it has been taken.",
    "expired": "It passed its end date.",
    "ended": "It was ended by hand.",
}


class UowSource(Protocol):
    """Anything that makes units of work (``posapp.services.backend.Backend`` does)."""

    def uow(self) -> UnitOfWork:
        """A fresh unit of work for writing."""
        ...


@dataclass(frozen=True, slots=True)
class Notice:
    """What one rule says about one event, before it is addressed to users."""

    trigger: str
    title: str
    body: str
    link_kind: str
    link_id: int | None
    dedup_key: str
    store_id: int | None = None
    """The store a store notice is about (None: the notice is for every store's staff)."""

    @property
    def level(self) -> str:
        """The trigger's level."""
        return TRIGGERS_BY_KEY[self.trigger].level


def _clip(text: str, limit: int = TITLE_MAX) -> str:
    text = " ".join(text.split())  # one line: titles never carry newlines or tabs
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _notice(
    trigger: str,
    event: DomainEvent,
    title: str,
    body: str,
    link_kind: str,
    link_id: int | None,
    store_id: int | None = None,
) -> Notice:
    """The notice of ``trigger`` about ``event``: the title clipped to one line, the event's key."""
    return Notice(
        trigger, _clip(title), body, link_kind, link_id, event_key(trigger, event), store_id
    )


def _fires(rule: NotificationRule) -> bool:
    """Whether ``rule`` is on and reaches someone."""
    return rule.enabled and bool(rule.roles or rule.user_ids)


def event_key(trigger: str, event: DomainEvent) -> str:
    """A stable key of (trigger, event): the same event always gives the same key."""
    digest = hashlib.sha256(f"{trigger}|{event!r}".encode()).hexdigest()[:40]
    return f"{trigger[:23]}:{digest}"


def _stock_low(facts: Facts, event: StockLow, rule: NotificationRule) -> Notice | None:
    product = facts.session.scalar(select(Product.name).where(Product.id == event.product_id))
    name = product or f"product #{event.product_id}"
    return Notice(
        rule.trigger,
        _clip(f"Low stock: {name}"),
        f"{event.on_hand} left at {facts.store_name(event.store_id)} "
        f"(reorder point {event.reorder_point}).",
        "product",
        event.product_id,
        event_key(rule.trigger, event),
        event.store_id,
    )


_CONFLICT_TITLES: Final = {
    "stock_shortfall": "Sold offline beyond stock: {name}",
    "archived_product": "Sold offline after archiving: {name}",
    "price_changed": "Sold offline at an old price: {name}",
}


def _sync_conflict(
    facts: Facts, event: SyncConflictRaised, rule: NotificationRule
) -> Notice | None:
    product = facts.session.scalar(select(Product.name).where(Product.id == event.product_id))
    name = product or f"product #{event.product_id}"
    title = _CONFLICT_TITLES.get(event.kind, "Offline sale conflict: {name}").format(name=name)
    return _notice(
        rule.trigger,
        event,
        title,
        f"Order {event.number} at {facts.store_name(event.store_id)}: see Sync conflicts.",
        "order",
        event.order_id,
        event.store_id,
    )


def _pickup_placed(facts: Facts, event: OrderPlaced, rule: NotificationRule) -> Notice | None:
    pickups = facts.pickup_orders()
    if event.order_id not in pickups:
        return None
    # An order placed on the web shop says so, and who will collect it.
    customer_name = pickups[event.order_id]
    title = f"Pickup order {event.number} placed"
    if customer_name is not None:
        title = f"Web order {event.number} placed by {customer_name}"
    return _notice(
        rule.trigger,
        event,
        title,
        f"{format_money(event.total_minor)} at {facts.store_name(event.store_id)}.",
        "order",
        event.order_id,
        event.store_id,
    )


def _order_ready(facts: Facts, event: OrderStatusChanged, rule: NotificationRule) -> Notice | None:
    if event.new_status != "ready":
        return None
    row = facts.session.execute(
        select(Order.store_id, CustomerAccount.holder_name)
        .outerjoin(CustomerAccount, Order.customer_account_id == CustomerAccount.id)
        .where(Order.id == event.order_id)
    ).one_or_none()
    holder = row.holder_name if row is not None else None
    return _notice(
        rule.trigger,
        event,
        f"Order {event.number} is ready for pickup",
        f"Customer: {holder}." if holder else "No customer account on the order.",
        "order",
        event.order_id,
        row.store_id if row is not None else None,
    )


def _order_refunded(
    facts: Facts, event: OrderStatusChanged, rule: NotificationRule
) -> Notice | None:
    if event.new_status not in {"refunded", "partly_refunded"}:
        return None
    row = facts.session.execute(
        select(Order.refunded_minor, Order.total_minor, Order.store_id).where(
            Order.id == event.order_id
        )
    ).one_or_none()
    partly = "partly " if event.new_status == "partly_refunded" else ""
    body = (
        f"Refunded {format_money(row.refunded_minor)} of {format_money(row.total_minor)}."
        if row is not None
        else ""
    )
    return _notice(
        rule.trigger,
        event,
        f"Order {event.number} {partly}refunded",
        body,
        "order",
        event.order_id,
        row.store_id if row is not None else None,
    )


def _coupon_near_limit(
    facts: Facts, event: CouponRedeemed, rule: NotificationRule
) -> Notice | None:
    campaign = facts.campaigns().get(event.campaign_id)
    threshold = rule.threshold or 0
    if campaign is None or not campaign.usage_limit:
        return None
    used, limit = int(campaign.used_count), int(campaign.usage_limit)
    if used * 100 < threshold * limit:
        return None
    share = used * 100 // limit
    return Notice(
        rule.trigger,
        _clip(f"Campaign {campaign.name} is {share} % used"),
        f"{used} of {limit} uses are taken.",
        "campaign",
        event.campaign_id,
        # Once per campaign and limit: raising the limit lets it warn again.
        f"{rule.trigger}:{event.campaign_id}:{limit}",
    )


def _campaign_ended(facts: Facts, event: CampaignEnded, rule: NotificationRule) -> Notice | None:
    name = facts.session.scalar(
        select(CouponCampaign.name).where(CouponCampaign.id == event.campaign_id)
    )
    return _notice(
        rule.trigger,
        event,
        f"Campaign {name or f'#{event.campaign_id}'} ended",
        _CAMPAIGN_END_REASONS.get(event.reason, event.reason.replace("_", " ").capitalize()),
        "campaign",
        event.campaign_id,
    )


def _large_movement(facts: Facts, event: AccountMoved, rule: NotificationRule) -> Notice | None:
    if rule.threshold is None or abs(event.amount_minor) < rule.threshold:
        return None
    account = facts.session.execute(
        select(CustomerAccount.number, CustomerAccount.holder_name).where(
            CustomerAccount.id == event.account_id
        )
    ).one_or_none()
    number = account.number if account is not None else f"#{event.account_id}"
    holder = f"{account.holder_name}: " if account is not None else ""
    kind = event.kind.replace("_", " ").capitalize()
    return _notice(
        rule.trigger,
        event,
        f"{kind} of {format_money(abs(event.amount_minor))} on account {number}",
        f"{holder}balance {format_money(event.balance_minor)}.",
        "account",
        event.account_id,
    )


def _user_changed(facts: Facts, event: UserChanged, rule: NotificationRule) -> Notice | None:
    return _notice(
        rule.trigger,
        event,
        f"Staff: {event.username} {event.change_text}",
        "",
        "user",
        event.user_id,
    )


def _product_changed(facts: Facts, event: ProductChanged, rule: NotificationRule) -> Notice | None:
    name = facts.session.scalar(select(Product.name).where(Product.id == event.product_id))
    return _notice(
        rule.trigger,
        event,
        f"Product {name or f'#{event.product_id}'} {event.change.replace('_', ' ')}",
        "",
        "product",
        event.product_id,
    )


def _products_imported(
    _facts: Facts, event: ProductsImported, rule: NotificationRule
) -> Notice | None:
    created = f"{event.created:,} product{'s' if event.created != 1 else ''} created"
    updated = f"{event.updated:,} updated"
    return _notice(
        rule.trigger,
        event,
        f"Products imported: {created}, {updated}",
        "",
        "",
        None,
    )


# Each builder takes the event type it is registered for (hence Any).
Builder = Callable[[Facts, Any, NotificationRule], "Notice | None"]

BUILDERS: Final[dict[type[DomainEvent], tuple[tuple[str, Builder], ...]]] = {
    StockLow: (("stock_low", _stock_low),),
    SyncConflictRaised: (("sync_conflict", _sync_conflict),),
    OrderPlaced: (("pickup_placed", _pickup_placed),),
    OrderStatusChanged: (
        ("order_ready", _order_ready),
        ("order_refunded", _order_refunded),
    ),
    CouponRedeemed: (("coupon_near_limit", _coupon_near_limit),),
    CampaignEnded: (("campaign_ended", _campaign_ended),),
    AccountMoved: (("account_large_movement", _large_movement),),
    UserChanged: (("user_changed", _user_changed),),
    ProductChanged: (("product_changed", _product_changed),),
    ProductsImported: (("product_changed", _products_imported),),
}
"""Which triggers each event type can fire, and how each builds its notice."""


HANDLED_EVENTS: Final[tuple[type[DomainEvent], ...]] = tuple(BUILDERS)
"""The event types some trigger can fire on: what to give the listener."""


def is_relevant(event: DomainEvent) -> bool:
    """Whether some trigger can fire on ``event`` (others are skipped without a transaction)."""
    return type(event) in BUILDERS


class NotificationListener:
    """Writes per-user notifications for committed events (see the module docstring).

    Calling it never raises: a listener runs inside the publisher loop of another action's
    commit, and that action has already succeeded. Failures are logged.
    """

    def __init__(self, backend: UowSource, reader: Callable[[], UnitOfWork] | None = None) -> None:
        """Write through ``backend``; read the rules and the events' facts through ``reader``.

        With a ``reader`` (``Backend.read_uow``, as the application gives), a batch that
        notifies nobody (most sales) never takes SQLite's write lock, and one that does takes it
        only to insert: a sale committing meanwhile never waits for the listener (issue #23).
        Without one, everything runs in one writing unit of work.
        """
        self._backend = backend
        self._reader = reader

    def __call__(self, event: DomainEvent) -> None:
        """Handle one committed event."""
        self.handle([event])

    def handle(self, events: Sequence[DomainEvent]) -> int:
        """Handle a batch of committed events in one unit of work; return how many rows it wrote.

        If the batch fails, each event is tried again on its own, so one bad event cannot
        cost the others their notifications.
        """
        relevant = [event for event in events if is_relevant(event)]
        if not relevant:
            return 0
        try:
            return self._write(relevant)
        except Exception:
            if len(relevant) == 1:
                _log.exception("cannot write notifications for %r", relevant[0])
                return 0
        written = 0
        for event in relevant:
            try:
                written += self._write([event])
            except Exception:
                _log.exception("cannot write notifications for %r", event)
        return written

    def _write(self, events: Sequence[DomainEvent]) -> int:
        if self._reader is None:
            with self._backend.uow() as uow:
                rules = {rule.trigger: rule for rule in load_rules(uow)}
                return _store(uow, list(_notices(uow, events, rules)))
        with self._reader() as reading:
            rules = {rule.trigger: rule for rule in load_rules(reading)}
            notices = list(_notices(reading, events, rules))
        if not notices:
            return 0
        with self._backend.uow() as uow:
            return _store(uow, notices)


def _store(uow: UnitOfWork, notices: Sequence[tuple[NotificationRule, Notice]]) -> int:
    """Address each notice to its rule's recipients, insert the rows and commit.

    Records a :class:`NotificationCreated` per new row; returns how many rows were new.
    """
    if not notices:
        return 0
    staff = uow.session.execute(
        select(User.id, User.role, User.store_id).where(User.active.is_(True))
    ).all()
    rows = [
        _row(notice, user_id, uow)
        for rule, notice in notices
        for user_id in _recipients(rule, staff, notice.store_id)
    ]
    created = _insert(uow, rows)
    for row in created:
        uow.record(NotificationCreated(row.id, row.user_id, row.title, row.level, row.created_at))
    uow.commit()
    return len(created)


REPORT_TRIGGER: Final = "campaign_report"
"""The rule that says who hears that a campaign's final report was written."""


def notify_final_report(source: UowSource, event: CampaignEnded, file_name: str) -> int:
    """Tell whom the ``campaign_report`` rule names that a campaign's final report is written.

    Called by the report writer once the PDF is in the reports folder. The notification links
    to the report (``link_kind`` ``"report"``, ``link_id`` the campaign), which opening shows.
    Like the listener, it is idempotent per event and never raises (failures are logged).

    Returns:
        How many notifications were written.
    """
    try:
        with source.uow() as uow:
            rule = next((r for r in load_rules(uow) if r.trigger == REPORT_TRIGGER), None)
            if rule is None or not _fires(rule):
                return 0
            name = uow.session.scalar(
                select(CouponCampaign.name).where(CouponCampaign.id == event.campaign_id)
            )
            notice = _notice(
                REPORT_TRIGGER,
                event,
                f"Final report: {name or f'campaign #{event.campaign_id}'}",
                f"{_clip(file_name)} is in the reports folder.",
                "report",
                event.campaign_id,
            )
            return _store(uow, [(rule, notice)])
    except Exception:
        _log.exception("cannot notify about the final report of %r", event)
        return 0


def _notices(
    uow: UnitOfWork, events: Sequence[DomainEvent], rules: dict[str, NotificationRule]
) -> Iterable[tuple[NotificationRule, Notice]]:
    facts = Facts(uow.session, events)
    for event in events:
        for trigger, build in BUILDERS.get(type(event), ()):
            rule = rules.get(trigger)
            if rule is None or not _fires(rule):
                continue
            notice = build(facts, event, rule)
            if notice is not None:
                yield rule, notice


def _recipients(
    rule: NotificationRule,
    staff: Sequence[tuple[int, str, int | None]],
    store_id: int | None = None,
) -> list[int]:
    """Whom ``rule`` reaches among the ``(id, role, home store)`` of the active staff.

    Its named users always; users of its roles when their home store is ``store_id`` or all stores
    (None), or whatever it is for a notice about no store (``store_id`` None).
    """
    roles, named = set(rule.roles), set(rule.user_ids)
    return [
        user_id
        for user_id, role, home in staff
        if user_id in named
        or (role in roles and (store_id is None or home is None or home == store_id))
    ]


def _row(notice: Notice, user_id: int, uow: UnitOfWork) -> dict[str, object]:
    return {
        "user_id": user_id,
        "kind": notice.trigger,
        "level": notice.level,
        "title": notice.title,
        "body": notice.body,
        "link_kind": notice.link_kind,
        "link_id": notice.link_id,
        "dedup_key": notice.dedup_key,
        "created_at": uow.now(),
    }


def _insert(uow: UnitOfWork, rows: list[dict[str, object]]) -> list[Notification]:
    """Insert rows, skipping any whose (user, dedup key) exists; return the inserted ones."""
    if not rows:
        return []
    insert = pg_insert if uow.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    created: list[Notification] = []
    for start in range(0, len(rows), _INSERT_CHUNK):
        statement = (
            insert(Notification)
            .values(rows[start : start + _INSERT_CHUNK])
            .on_conflict_do_nothing()
            .returning(Notification)
        )
        created.extend(uow.session.scalars(statement))
    created.sort(key=lambda row: row.id)
    return created
