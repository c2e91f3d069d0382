"""The demo's stores, staff and customers: made as an admin, a manager and cashiers make them."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from functools import partial

from posapp.demo.shop import Customer, Shop, Storefront
from posapp.services.accounts import AccountDraft, deposit, open_account
from posapp.services.staff import add_user
from posapp.services.stock import StoreInput, create_store

CUSTOMER_PIN = "1234"
"""Every demo customer's account PIN."""

# Staff: username, full name, role, password (a cashier's digits are a PIN).
STAFF = (
    ("admin", "Priya Natarajan", "admin", "admin-demo-pass"),
    ("manager", "Daniel Okafor", "manager", "manager-demo-pass"),
    ("cashier1", "Sofia Lindqvist", "cashier", "1111"),
    ("cashier2", "Tom Brennan", "cashier", "2222"),
)
# Code, name, kind, address, phone (020 7946 0xxx is reserved by Ofcom for fiction), and for a
# storefront its register and its cashier.
_STORES = (
    ("HS01", "Harbour Street", "store", "14 Harbour Street, London E14 3QT", "020 7946 0101"),
    ("MS02", "Market Square", "store", "3 Market Square, London SE10 9HZ", "020 7946 0202"),
    (
        "WH01",
        "Central Warehouse",
        "warehouse",
        "Unit 7, Thames Trading Estate, London E16 2DQ",
        "020 7946 0303",
    ),
)
_TILLS = {"HS01": ("HS01-TILL1", "cashier1"), "MS02": ("MS02-TILL1", "cashier2")}

# Customers' first and last names (shuffled and paired by the seed).
_FIRST_NAMES = """Amara Lukas Mei Oliver Fatima Siobhán José Hannah Ravi Emma Kwame Chloé Noah Aisha
    Mateo Grace Yuki Ben Zoë Ibrahim Lucy Marek Sara Daniel Ella"""
_LAST_NAMES = """Nwosu Becker Chen Hughes Rahman Kelly Martins Schmidt Patel Johansson Mensah Dubois
    Williams Khan García O'Neill Tanaka Carter Adams Haddad Evans Nowak Rossi Cohen Thompson"""
CUSTOMER_COUNT = 25
_REGULARS = 15
"""Customers who opened their account before the first day of sales; the rest open during it."""
_OVERDRAFT_COUNT, _P_OPT_IN = 4, 0.4


def add_stores_and_staff(shop: Shop) -> None:
    """The admin (made from the command line) adds the stores and the other staff users."""
    username, full_name, role, password = STAFF[0]
    shop.staff[username] = add_user(shop.uow(), None, username, password, role, full_name=full_name)
    warehouse = 0
    for code, name, kind, address, phone in _STORES:
        shop.clock.at = shop.later(240)
        store = create_store(shop.uow(), shop.admin, StoreInput(code, name, kind, address, phone))
        if kind == "warehouse":
            warehouse = store.id
        else:
            register, cashier = _TILLS[code]
            shop.storefronts.append(Storefront(store.id, code, name, register, cashier))
    shop.warehouse_id = warehouse
    for username, full_name, role, password in STAFF[1:]:
        shop.clock.at = shop.later(300)
        shop.staff[username] = add_user(
            shop.uow(), shop.admin, username, password, role, full_name=full_name
        )


def schedule_customers(shop: Shop) -> None:
    """Plan when each customer opens an account (and pays in a first deposit) at a store.

    The regulars opened theirs in the weeks before the first day of sales; the others open
    theirs during it, at a till, so some of their first baskets use the welcome coupon.
    """
    rng = shop.rng
    firsts = rng.sample(_FIRST_NAMES.split(), CUSTOMER_COUNT)
    lasts = rng.sample(_LAST_NAMES.split(), CUSTOMER_COUNT)
    overdrawn = set(rng.sample(range(CUSTOMER_COUNT), _OVERDRAFT_COUNT))
    before = (shop.setup_day + timedelta(days=1), shop.first_day - timedelta(days=1))
    during = (shop.first_day, shop.today)
    for i, (first, last) in enumerate(zip(firsts, lasts, strict=True)):
        start, end = before if i < _REGULARS else during
        day = start + timedelta(days=rng.randint(0, (end - start).days))
        at = shop.local(day, rng.randint(9, 18), rng.randrange(60), rng.randrange(60))
        if at >= shop.now:  # later than now: say it was opened yesterday morning
            at = shop.local(shop.today - timedelta(days=1), 10, i)
        draft = AccountDraft(
            holder_name=f"{first} {last}",
            email=f"{_ascii(first)}.{_ascii(last)}@example.{rng.choice(('com', 'org', 'net'))}",
            phone=f"07700 900{rng.randrange(1000):03d}",  # Ofcom's range for fiction
            overdraft_limit_minor=rng.choice((5000, 10000, 20000)) if i in overdrawn else 0,
            marketing_opt_in=rng.random() < _P_OPT_IN,
        )
        store = rng.choice(shop.storefronts)
        amount = rng.randrange(2000, 25_001, 500)
        shop.timeline.at(at, partial(_open_account, shop, draft, store, amount))


def _open_account(shop: Shop, draft: AccountDraft, store: Storefront, amount: int) -> None:
    """The manager opens the account; the cashier then takes the first deposit at the till."""
    account = open_account(shop.uow(store.register), shop.manager, draft, CUSTOMER_PIN)
    customer = Customer(account.id, account.number, account.holder_name, CUSTOMER_PIN)
    shop.customers.append(customer)
    first = partial(pay_in, shop, customer, store, amount, "Opening deposit")
    shop.timeline.at(shop.later(shop.rng.randint(60, 240)), first)


def pay_in(shop: Shop, customer: Customer, store: Storefront, amount: int, memo: str) -> None:
    """The store's cashier takes cash into a customer's account (at the till, when it is open)."""
    deposit(
        shop.uow(store.register),
        shop.cashier(store),
        account_id=customer.id,
        amount_minor=amount,
        key=shop.new_uuid(),
        store_id=store.id,
        memo=memo,
    )


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded if ch.isalnum()).lower()


def trading_days(shop: Shop) -> list[date]:
    """Every day with sales, the first day to today."""
    return [
        shop.first_day + timedelta(days=n) for n in range((shop.today - shop.first_day).days + 1)
    ]
