"""The demo's trading days: each till opens, sells, takes deposits and a cash drop, and closes.

Every day from the first day of sales to today, each storefront's cashier opens the till with a
float, the day's customers come in (more on Saturdays), a customer may pay money into their
account, on busy days the manager takes the surplus cash to the safe in the afternoon, and at
closing time the cashier counts the drawer blind (now and then a little over or short). Today
stops at the present moment: its till is still open and its later customers have not come yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import partial

from posapp.demo.people import STAFF, pay_in
from posapp.demo.sales import CLOSING_HOUR, sell
from posapp.demo.shop import Shop, Storefront
from posapp.services.sales import cash_movement, close_till, open_till, x_report
from posapp.services.staff import authenticate

OPENING_HOUR = 8
FLOAT_MINOR = 15_000
_ORDERS_PER_DAY, _SATURDAY_EXTRA, _SATURDAY = (16, 28), 8, 5
_BUSY_DAYS = frozenset({4, _SATURDAY})  # Friday and Saturday: the surplus goes to the safe
_P_DEPOSIT, _P_OVER_SHORT = 0.5, 0.15
_DROP_ABOVE_MINOR, _DROP_UNIT_MINOR = 30_000, 5_000


def schedule_days(shop: Shop, days: Sequence[date]) -> None:
    """Plan every trading day of every storefront, and the staff's log-ins on the latest one."""
    for day in days:
        for store in shop.storefronts:
            _schedule_day(shop, store, day)
    for day in reversed(days):  # today, unless the shop has not opened yet
        if shop.local(day, OPENING_HOUR - 1, 30) < shop.now:
            for n, (username, _, _, password) in enumerate(STAFF):
                at = shop.local(day, OPENING_HOUR - 1, 30 + n)
                shop.timeline.at(at, partial(_log_in, shop, username, password))
            break


def _schedule_day(shop: Shop, store: Storefront, day: date) -> None:
    rng, timeline = shop.rng, shop.timeline
    timeline.at(shop.local(day, OPENING_HOUR - 1, 45), partial(_open, shop, store))
    count = rng.randint(*_ORDERS_PER_DAY) + (_SATURDAY_EXTRA if day.weekday() == _SATURDAY else 0)
    opening = shop.local(day, OPENING_HOUR)
    hours = CLOSING_HOUR - OPENING_HOUR
    for second in sorted(rng.randrange(hours * 3600) for _ in range(count)):
        timeline.at(opening + timedelta(seconds=second), partial(sell, shop, store))
    if rng.random() < _P_DEPOSIT:
        at = opening + timedelta(seconds=rng.randrange(hours * 3600))
        amount = rng.randrange(1000, 10_001, 500)
        timeline.at(at, partial(_top_up, shop, store, amount))
    if day.weekday() in _BUSY_DAYS:
        timeline.at(shop.local(day, 15, rng.randrange(30)), partial(_cash_drop, shop, store))
    timeline.at(shop.local(day, CLOSING_HOUR, 10), partial(_close, shop, store))


def _log_in(shop: Shop, username: str, password: str) -> None:
    authenticate(shop.uow(), username, password)


def _open(shop: Shop, store: Storefront) -> None:
    """The cashier opens the till with the day's float."""
    open_till(shop.uow(store.register), shop.cashier(store), store.id, FLOAT_MINOR)


def _top_up(shop: Shop, store: Storefront, amount: int) -> None:
    """A customer pays cash into their account at the till."""
    if shop.customers:
        customer = shop.rng.choice(shop.customers)
        pay_in(shop, customer, store, amount, "Top-up at the till")


def _cash_drop(shop: Shop, store: Storefront) -> None:
    """The manager reads the X report and takes the surplus notes to the safe."""
    report = x_report(shop.read_uow(store.register), shop.manager)
    surplus = report.expected_cash_minor - FLOAT_MINOR
    if surplus >= _DROP_ABOVE_MINOR:
        amount = surplus // _DROP_UNIT_MINOR * _DROP_UNIT_MINOR
        cash_movement(shop.uow(store.register), shop.manager, -amount, "Cash drop to the safe")


def _close(shop: Shop, store: Storefront) -> None:
    """The cashier counts the drawer blind and closes the till; now and then it is a bit off.

    The demo reads the X report first only to know what a careful count would find.
    """
    expected = x_report(shop.read_uow(store.register), shop.manager).expected_cash_minor
    counted = expected
    if shop.rng.random() < _P_OVER_SHORT:
        counted = max(0, expected + shop.rng.choice((-1, 1)) * shop.rng.choice((10, 50, 100, 500)))
    close_till(shop.uow(store.register), shop.cashier(store), counted)
