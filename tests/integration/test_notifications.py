"""Notifications on both databases: rules, the listener, persistence, unread counts, reads."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import pytest
from sqlalchemy import event as sa_event

from posapp.events import (
    AccountMoved,
    CampaignEnded,
    CouponRedeemed,
    DomainEvent,
    NotificationCreated,
    OrderPlaced,
    OrderStatusChanged,
    ProductsImported,
    StockLow,
    StockMoved,
    UserChanged,
)
from posapp.events import RecordingPublisher as Recorder
from posapp.models import AuditEntry, Notification, Setting
from posapp.services.backend import Backend
from posapp.services.notifications import listener as notification_listener
from posapp.services.notifications import staff as n
from posapp.services.notifications.dto import (
    TRIGGERS,
    NotificationFilter,
    NotificationRule,
    default_rules,
)
from posapp.services.platform import settings
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import PermissionDeniedError, ValidationError
from posapp.services.platform.runner import Runner
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import users
from posapp.services.staff.security import SessionEndedError
from tests.integration.notification_support import T0, World, make_world

ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]] = {
    "notifications.staff.get_rules": lambda uow, actor, _staff: n.get_rules(uow, actor),
    "notifications.staff.save_rules": lambda uow, actor, _staff: n.save_rules(uow, actor, []),
    "notifications.staff.staff_choices": lambda uow, actor, _staff: n.staff_choices(uow, actor),
}
"""For the lead's permission-matrix test: one call per registered action of this module."""


@pytest.fixture
def world(backend: Backend, publisher: Recorder) -> World:
    return make_world(backend, publisher)


def listen(world: World) -> n.NotificationListener:
    return n.NotificationListener(world.backend)


def deliver(world: World, events: list[DomainEvent]) -> list[NotificationCreated]:
    """Run the listener on ``events``; return the NotificationCreated events it published."""
    before = len(world.publisher.events)
    listen(world).handle(events)
    return [e for e in world.publisher.events[before:] if isinstance(e, NotificationCreated)]


def rule(trigger: str, **changes: object) -> NotificationRule:
    base = next(r for r in default_rules() if r.trigger == trigger)
    values = {
        "trigger": base.trigger,
        "enabled": base.enabled,
        "roles": base.roles,
        "user_ids": base.user_ids,
        "threshold": base.threshold,
    }
    values.update(changes)
    return NotificationRule(**values)  # type: ignore[arg-type]


# ---- the default rules -------------------------------------------------------------------


def test_a_sale_crossing_the_reorder_point_notifies_managers_and_admins_only(world: World) -> None:
    events = world.sell(6)  # 10 → 4, reorder point 5
    low = [e for e in events if isinstance(e, StockLow)]
    assert len(low) == 1
    created = deliver(world, events)
    assert sorted(e.user_id for e in created) == sorted([world.admin.id, world.manager.id])
    assert {e.level for e in created} == {"warning"}
    assert {e.title for e in created} == {"Low stock: Apple juice"}
    page = n.list_notifications(world.backend.uow(), world.manager)
    assert len(page) == 1
    note = page[0]
    assert (note.kind, note.link_kind, note.link_id) == ("stock_low", "product", world.product_id)
    assert note.body == "4 left at Main Street (reorder point 5)."
    assert note.unread
    assert n.list_notifications(world.backend.uow(), world.cashier) == []
    assert n.unread_count(world.backend.uow(), world.manager) == 1
    assert n.unread_count(world.backend.uow(), world.cashier) == 0


def test_the_same_event_never_notifies_twice(world: World) -> None:
    events = world.sell(6)
    assert len(deliver(world, events)) == 2
    assert deliver(world, events) == []
    assert deliver(world, events + events) == []
    assert n.unread_count(world.backend.uow(), world.admin) == 1


def test_events_without_a_trigger_touch_no_database(world: World) -> None:
    class NoDatabase:
        def uow(self) -> UnitOfWork:
            raise AssertionError("the listener opened a unit of work")

    listener = n.NotificationListener(NoDatabase())
    listener(StockMoved(1, 1, "sale", -1, T0))
    listener(NotificationCreated(1, 1, "x", "info", T0))


def test_pickup_orders_notify_all_staff_and_walk_in_sales_nobody(world: World) -> None:
    pickup_id, pickup_no = world.order(pickup=True)
    walk_in_id, walk_in_no = world.order(pickup=False)
    created = deliver(
        world,
        [
            OrderPlaced(pickup_id, pickup_no, world.store_id, 1234, T0),
            OrderPlaced(walk_in_id, walk_in_no, world.store_id, 1234, T0),
        ],
    )
    assert len(created) == 3
    assert {e.title for e in created} == {f"Pickup order {pickup_no} placed"}


def test_a_burst_of_sales_reads_its_facts_once_with_the_same_notices(world: World) -> None:
    """A batch asks whether its orders are pickups and how used its campaigns are in one read
    each (issue #23: the listener runs beside the next sales), and says what one event at a time
    would have said."""
    near = world.campaign("Near", usage_limit=10, used_count=9)
    far = world.campaign("Far", usage_limit=100, used_count=3)

    def burst(size: int, campaigns: tuple[int, ...]) -> list[DomainEvent]:
        events: list[DomainEvent] = []
        for i in range(size):
            order_id, number = world.order(pickup=i % 3 == 0)
            events.append(OrderPlaced(order_id, number, world.store_id, 1234, T0))
            events.append(CouponRedeemed(order_id, campaigns[i % 2], i, 100, T0))
        return events

    def reads(events: list[DomainEvent]) -> tuple[int, list[NotificationCreated]]:
        statements: list[str] = []

        def listener(*args: object) -> None:
            statements.append(str(args[2]))

        engine = world.backend.database.engine
        sa_event.listen(engine, "before_cursor_execute", listener)
        try:
            created = deliver(world, events)
        finally:
            sa_event.remove(engine, "before_cursor_execute", listener)
        return sum(s.lstrip().upper().startswith("SELECT") for s in statements), created

    large = burst(12, (far, near))
    few, _created = reads(burst(3, (far, far)))
    many, created = reads(large)
    assert many == few  # not one read per sale

    pickups = [e for e in large if isinstance(e, OrderPlaced)][::3]
    assert {e.title for e in created} == {
        *(f"Pickup order {e.number} placed" for e in pickups),
        "Campaign Near is 90 % used",
    }
    # one event at a time gives the same notices: each was written by the batch already
    assert all(deliver(world, [e]) == [] for e in large)


def test_ready_for_pickup_and_refunds(world: World) -> None:
    customer = world.customer("Bea <b>Bold</b>")
    order_id, number = world.order(customer_id=customer, pickup=True, refunded_minor=500)
    ready = OrderStatusChanged(order_id, number, "paid", "ready", T0)
    refunded = OrderStatusChanged(order_id, number, "collected", "partly_refunded", T0)
    paid = OrderStatusChanged(order_id, number, "placed", "paid", T0)
    created = deliver(world, [ready, refunded, paid])
    by_title = {e.title: e for e in created}
    assert f"Order {number} is ready for pickup" in by_title
    assert f"Order {number} partly refunded" in by_title
    cashier_notes = n.list_notifications(world.backend.uow(), world.cashier)
    assert [x.title for x in cashier_notes] == [f"Order {number} is ready for pickup"]
    assert cashier_notes[0].body == "Customer: Bea <b>Bold</b>."  # stored as plain text
    manager_notes = n.list_notifications(world.backend.uow(), world.manager)
    refund = next(x for x in manager_notes if x.kind == "order_refunded")
    assert refund.body == "Refunded 5.00 of 12.34."
    assert (refund.link_kind, refund.link_id) == ("order", order_id)


def test_coupon_redemptions_warn_admins_once_when_the_campaign_nears_its_limit(
    world: World,
) -> None:
    campaign_id = world.campaign(usage_limit=10, used_count=8)
    redeemed = CouponRedeemed(1, campaign_id, 1, 100, T0)
    assert deliver(world, [redeemed]) == []  # 80 %
    world.set_campaign_use(campaign_id, 9)
    created = deliver(world, [CouponRedeemed(2, campaign_id, 2, 100, T0)])
    assert [e.user_id for e in created] == [world.admin.id]
    assert created[0].title == "Campaign Spring is 90 % used"
    world.set_campaign_use(campaign_id, 10)
    assert deliver(world, [CouponRedeemed(3, campaign_id, 3, 100, T0)]) == []  # once only
    unlimited = world.campaign("Open", usage_limit=None, used_count=500)
    assert deliver(world, [CouponRedeemed(4, unlimited, 4, 100, T0)]) == []


def test_campaign_end_user_changes_and_large_account_movements(world: World) -> None:
    campaign_id = world.campaign("Summer")
    account = world.customer()
    created = deliver(
        world,
        [
            CampaignEnded(campaign_id, "used_up", T0),
            UserChanged(world.cashier.id, "cashier1", "deactivated", T0),
            AccountMoved(account, 1, "deposit", 49_999, 49_999, T0),  # below 500.00
            AccountMoved(account, 2, "withdrawal", -50_000, -1, T0),
        ],
    )
    titles = {(e.user_id, e.title) for e in created}
    assert (world.admin.id, "Campaign Summer ended") in titles
    assert (world.admin.id, "Staff: cashier1 was deactivated") in titles
    large = [t for t in titles if "Withdrawal" in t[1]]
    assert [uid for uid, _ in large] == [world.manager.id]
    assert large[0][1].startswith("Withdrawal of 500.00 on account ")
    assert len(created) == 3


def test_a_written_final_report_notifies_admins_once_with_a_link_to_it(world: World) -> None:
    campaign = world.campaign("Spring", usage_limit=10, used_count=10)
    ended = CampaignEnded(campaign, "used_up", T0)
    before = len(world.publisher.events)
    name = f"coupon-campaign-{campaign}-spring.pdf"
    assert notification_listener.notify_final_report(world.backend, ended, name) == 1
    assert notification_listener.notify_final_report(world.backend, ended, name) == 0  # once
    created = [e for e in world.publisher.events[before:] if isinstance(e, NotificationCreated)]
    assert [(e.user_id, e.title) for e in created] == [(world.admin.id, "Final report: Spring")]
    (note,) = n.list_notifications(world.backend.uow(), world.admin)
    assert (note.kind, note.link_kind, note.link_id) == ("campaign_report", "report", campaign)
    assert note.body == f"{name} is in the reports folder."
    assert n.list_notifications(world.backend.uow(), world.manager) == []
    n.save_rules(world.backend.uow(), world.admin, [rule("campaign_report", enabled=False)])
    again = CampaignEnded(campaign, "used_up", T0.replace(hour=11))  # it ended again later
    assert notification_listener.notify_final_report(world.backend, again, name) == 0


# ---- rules an admin edits --------------------------------------------------------------


def test_defaults_cover_every_trigger(world: World) -> None:
    rules = n.get_rules(world.backend.uow(), world.admin)
    assert [r.trigger for r in rules] == [t.key for t in TRIGGERS]
    assert rules == default_rules()
    stock = rules[0]
    assert (stock.trigger, set(stock.roles)) == ("stock_low", {"manager", "admin"})


def test_an_admin_changes_who_hears_of_low_stock_and_it_is_stored_and_audited(
    world: World,
) -> None:
    saved = n.save_rules(
        world.backend.uow(),
        world.admin,
        [rule("stock_low", roles=("cashier",), user_ids=(world.admin.id,))],
    )
    assert saved[0].roles == ("cashier",)
    with world.backend.uow() as uow:
        stored = settings.get_setting(uow, n.RULES_KEY)
        audit = uow.session.query(AuditEntry).filter_by(action="notifications.rules_changed").one()
        assert audit.user_id == world.admin.id
    assert stored["rules"][0]["roles"] == ["cashier"]
    created = deliver(world, world.sell(6))
    assert sorted(e.user_id for e in created) == sorted([world.cashier.id, world.admin.id])
    assert n.get_rules(world.backend.uow(), world.admin)[0].user_ids == (world.admin.id,)


def test_a_disabled_rule_notifies_nobody(world: World) -> None:
    n.save_rules(world.backend.uow(), world.admin, [rule("stock_low", enabled=False)])
    assert deliver(world, world.sell(6)) == []


def test_an_import_is_one_notice_under_the_product_rule(world: World) -> None:
    event = ProductsImported(1_200, 3, T0)
    assert deliver(world, [event]) == []  # the product rule is off by default
    n.save_rules(world.backend.uow(), world.admin, [rule("product_changed", enabled=True)])
    created = deliver(world, [event])
    assert [(e.user_id, e.title) for e in created] == [
        (world.manager.id, "Products imported: 1,200 products created, 3 updated")
    ]


def test_thresholds_are_rules_too(world: World) -> None:
    n.save_rules(world.backend.uow(), world.admin, [rule("account_large_movement", threshold=100)])
    account = world.customer()
    created = deliver(world, [AccountMoved(account, 1, "deposit", 100, 100, T0)])
    assert [e.user_id for e in created] == [world.manager.id]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"trigger": "nope"}, "Unknown notification trigger"),
        ({"roles": ("owner",)}, "Unknown role"),
        ({"user_ids": (999_999,)}, "No staff user has the id 999999"),
        ({"trigger": "coupon_near_limit", "threshold": 0}, "percentage from 1 to 100"),
        ({"trigger": "coupon_near_limit", "threshold": 101}, "percentage from 1 to 100"),
        ({"trigger": "coupon_near_limit", "threshold": None}, "Enter a threshold"),
        ({"trigger": "account_large_movement", "threshold": -1}, "amount above zero"),
        ({"threshold": 5}, "takes no threshold"),
    ],
)
def test_bad_rules_are_refused_and_nothing_is_stored(
    world: World, changes: dict[str, object], message: str
) -> None:
    changes = dict(changes)  # the parameter is shared by both databases' runs
    trigger = str(changes.pop("trigger", "stock_low"))
    base = rule(trigger) if trigger != "nope" else NotificationRule("nope")
    bad = dataclasses.replace(base, **changes)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=message):
        n.save_rules(world.backend.uow(), world.admin, [bad])
    with world.backend.uow() as uow:
        assert settings.get_setting(uow, n.RULES_KEY) is None


def test_the_same_trigger_twice_is_refused(world: World) -> None:
    with pytest.raises(ValidationError, match="given twice"):
        n.save_rules(world.backend.uow(), world.admin, [rule("stock_low"), rule("stock_low")])


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_only_admins_read_or_change_the_rules(world: World, role: str) -> None:
    actor = world.staff[role]
    for call in ACTION_CALLS.values():
        with pytest.raises(PermissionDeniedError):
            call(world.backend.uow(), actor, world.staff)


def test_a_hand_edited_setting_falls_back_to_defaults_rule_by_rule(world: World) -> None:
    with world.backend.uow() as uow:
        settings.put_setting(
            uow,
            n.RULES_KEY,
            {
                "version": 1,
                "rules": [
                    {"trigger": "stock_low", "roles": "manager"},  # not a list
                    {"trigger": "user_changed", "enabled": False},
                    {"trigger": "mystery", "enabled": True},
                    "junk",
                ],
            },
        )
        uow.commit()
    rules = {r.trigger: r for r in n.get_rules(world.backend.uow(), world.admin)}
    assert rules["stock_low"] == rule("stock_low")
    assert rules["user_changed"].enabled is False
    assert "mystery" not in rules
    with world.backend.uow() as uow:
        settings.put_setting(uow, n.RULES_KEY, ["not", "a", "dict"])
        uow.commit()
    assert n.get_rules(world.backend.uow(), world.admin) == default_rules()


def test_rules_json_is_readable(world: World) -> None:
    n.save_rules(world.backend.uow(), world.admin, [rule("product_changed", enabled=True)])
    with world.backend.uow() as uow:
        raw = uow.session.get(Setting, n.RULES_KEY)
        assert raw is not None
        data = json.loads(raw.value)
    assert data["version"] == 1
    assert {r["trigger"] for r in data["rules"]} == {t.key for t in TRIGGERS}


def test_staff_choices_list_everyone_for_admins(world: World) -> None:
    choices = n.staff_choices(world.backend.uow(), world.admin)
    assert {c.username for c in choices} == {"admin1", "manager1", "cashier1"}


# ---- reading, unread counts, marking ------------------------------------------------------


def fill(world: World, count: int) -> None:
    """``count`` user-changed notifications for the admin."""
    deliver(
        world, [UserChanged(world.cashier.id, "cashier1", f"edited{i}", T0) for i in range(count)]
    )


def test_unread_counts_mark_read_unread_and_all(world: World) -> None:
    fill(world, 5)
    uow = world.backend.uow
    notes = n.list_notifications(uow(), world.admin)
    assert len(notes) == 5
    assert [x.id for x in notes] == sorted((x.id for x in notes), reverse=True)
    assert n.unread_count(uow(), world.admin) == 5
    assert n.mark_read(uow(), world.admin, [notes[0].id, notes[1].id, notes[1].id]) == 2
    assert n.mark_read(uow(), world.admin, [notes[0].id]) == 0  # already read
    assert n.unread_count(uow(), world.admin) == 3
    unread = n.list_notifications(uow(), world.admin, NotificationFilter(unread_only=True))
    assert {x.id for x in unread} == {x.id for x in notes[2:]}
    assert n.mark_read(uow(), world.admin, [notes[0].id], read=False) == 1
    assert n.unread_count(uow(), world.admin) == 4
    assert n.mark_all_read(uow(), world.admin) == 4
    assert n.unread_count(uow(), world.admin) == 0
    assert all(x.read_at is not None for x in n.list_notifications(uow(), world.admin))


def test_persisted_across_backends(world: World) -> None:
    fill(world, 2)
    other_register = Backend(world.backend.database, register="till-2")
    assert n.unread_count(other_register.uow(), world.admin) == 2


def test_kind_filter_and_keyset_pages(world: World) -> None:
    fill(world, 7)
    deliver(world, world.sell(6))
    uow = world.backend.uow
    stock = n.list_notifications(uow(), world.admin, NotificationFilter(kind="stock_low"))
    assert [x.kind for x in stock] == ["stock_low"]
    pages: list[list[int]] = []
    before: int | None = None
    while True:
        page = n.list_notifications(
            uow(), world.admin, NotificationFilter(before_id=before, limit=3)
        )
        if not page:
            break
        pages.append([x.id for x in page])
        before = page[-1].id
    assert [len(p) for p in pages] == [3, 3, 2]
    flat = [i for p in pages for i in p]
    assert flat == sorted(flat, reverse=True)
    assert n.mark_all_read(uow(), world.admin, kind="stock_low") == 1
    assert n.unread_count(uow(), world.admin) == 7


def test_nobody_reads_or_marks_anothers_notifications(world: World) -> None:
    fill(world, 1)
    note = n.list_notifications(world.backend.uow(), world.admin)[0]
    assert n.notifications_by_ids(world.backend.uow(), world.cashier, [note.id]) == []
    assert n.mark_read(world.backend.uow(), world.cashier, [note.id]) == 0
    assert n.unread_count(world.backend.uow(), world.admin) == 1
    assert [x.id for x in n.notifications_by_ids(world.backend.uow(), world.admin, [note.id])] == [
        note.id
    ]


def test_deactivated_users_get_none_and_their_session_ends(world: World) -> None:
    users.set_active(world.backend.uow(), world.admin, world.manager.id, False)
    created = deliver(world, world.sell(6))
    assert [e.user_id for e in created] == [world.admin.id]
    with pytest.raises(SessionEndedError):
        n.unread_count(world.backend.uow(), world.manager)


def test_a_failing_event_does_not_cost_the_others_their_notifications(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_args: object) -> None:
        raise RuntimeError("bad event")

    monkeypatch.setitem(notification_listener.BUILDERS, UserChanged, (("user_changed", explode),))
    events = [UserChanged(world.cashier.id, "cashier1", "edited", T0), *world.sell(6)]
    created = deliver(world, events)
    assert len(created) == 2  # the low-stock notices still went out
    assert "cannot write notifications for UserChanged" in caplog.text


def test_titles_are_one_line_and_clipped(world: World) -> None:
    created = deliver(world, [UserChanged(world.cashier.id, "a\nb" + "x" * 300, "edited", T0)])
    assert len(created[0].title) == 200
    assert "\n" not in created[0].title
    assert created[0].title.endswith("…")


def test_the_listener_never_raises(world: World, caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def uow(self) -> UnitOfWork:
            raise RuntimeError("database on fire")

    n.NotificationListener(Broken())(UserChanged(1, "x", "edited", T0))
    assert "cannot write notifications" in caplog.text


def test_the_worker_handles_a_burst_in_batches(world: World) -> None:
    listener = listen(world)
    calls: list[int] = []
    original = listener.handle

    def counting(events):
        calls.append(len(events))
        return original(events)

    listener.handle = counting  # type: ignore[method-assign]
    runner = Runner()
    runner.add_lane("notifications", batch_size=200)
    runner.on_batch(notification_listener.HANDLED_EVENTS, listener.handle, lane="notifications")
    for i in range(100):
        runner(UserChanged(world.cashier.id, "cashier1", f"edited{i}", T0))
        runner(StockMoved(1, 1, "sale", -1, T0))  # dropped at once
    runner.start()
    try:
        assert runner.wait_idle(30)
    finally:
        runner.stop()
    assert sum(calls) == 100
    assert len(calls) <= 2  # everything queued before start goes in one or two batches
    assert n.unread_count(world.backend.uow(), world.admin) == 100
    assert n.unread_count(world.backend.uow(), world.manager) == 0


def test_rows_have_the_levels_the_database_allows(world: World) -> None:
    deliver(world, world.sell(6))
    with world.backend.uow() as uow:
        levels = {row.level for row in uow.session.query(Notification)}
    assert levels == {"warning"}
