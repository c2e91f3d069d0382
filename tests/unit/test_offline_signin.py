"""Signing in at the register while its server is gone (#21), and the product grid offline.

A real shop on both databases fills the register's cache; the link is then told the server is
gone (its probe fails), and the register's staff facade checks log-ins, the lock screen's
password and user look-ups against the cached hashes — with the server's messages and lock-out —
while the sales facade answers the product grid's categories from the cache. Once the server
answers again, log-ins go to the server (audited there) and the user signed in offline goes on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from posapp.app_services import ServiceOptions, start_services
from posapp.config import AppConfig
from posapp.events import RecordingPublisher
from posapp.models import AuditEntry
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.errors import AuthenticationError, NotFoundError
from posapp.services.sales import (
    CategoryDTO,
    OfflineCache,
    OfflineJournal,
    OfflineSales,
    OfflineStaff,
    OfflineTill,
    ServerLink,
    snapshot,
)
from posapp.services.sales.offline.signin import KEPT_NAMES
from posapp.services.staff import LOGIN_FAILED, AccountLockedError, users
from posapp.services.staff.auth import OFFLINE_LOGIN_ACTION
from tests.checkout_seed import CASHIER_PIN, PASSWORD, Shop, add_staff, open_shop
from tests.unit.test_offline_sales import KEY, Server

LOCKED = "Too many failed attempts: log-in is locked for about 15 more minutes"


class Register:
    """The register's two offline-capable facades over one link, cache and journal."""

    def __init__(self, backend: Backend, server: Server, tmp_path: Path) -> None:
        self.cache = OfflineCache.open(tmp_path / "cache.sqlite3")
        journal = OfflineJournal.open(tmp_path / "journal.sqlite3", KEY)
        self.link = ServerLink(
            probe=server.probe,
            read=lambda since: snapshot(backend.read_uow(), since),
            place=backend.sales.place_offline_sale,
            cache=self.cache,
            journal=journal,
        )
        self.sales = OfflineSales(backend, self.link, OfflineTill(self.cache, journal, "R1"))
        self.staff = OfflineStaff(backend, self.link, self.cache)
        self.server = server

    def go_offline(self) -> None:
        self.server.up = False
        self.link.tick()
        assert not self.staff.online

    def come_back(self) -> None:
        self.server.up = True
        self.link.tick()
        assert self.staff.online


@pytest.fixture
def shop(backend: Backend) -> Shop:
    shop = open_shop(backend)
    gone = users.add_user(backend.uow(), None, "gone", PASSWORD, "cashier", full_name="Ex")
    users.set_active(backend.uow(), None, gone.id, False)
    users.add_user(backend.uow(), None, "Locked", PASSWORD, "cashier", full_name="Lou")
    for _attempt in range(5):  # locked out on the server before the cache is filled
        with pytest.raises(AuthenticationError):
            backend.staff.login("locked", "wrong password!")
    return shop


@pytest.fixture
def register(backend: Backend, shop: Shop, tmp_path: Path) -> Register:
    made = Register(backend, Server(), tmp_path)
    made.link.refresh()
    made.go_offline()
    return made


def _logins(backend: Backend) -> int:
    with backend.read_uow() as uow:
        rows = uow.session.scalars(select(AuditEntry.action).where(AuditEntry.action == "login"))
        return len(list(rows))


def test_cashier_and_manager_sign_in_offline_as_the_server_s_users(
    backend: Backend, shop: Shop, register: Register
) -> None:
    before = _logins(backend)
    cashier = register.staff.login("TILL ", CASHIER_PIN)  # names folded as the server does
    assert (cashier.id, cashier.username, cashier.role) == (shop.cashier.id, "till", "cashier")
    assert cashier.active
    assert cashier.full_name == "Sam Carter"
    manager = register.staff.login("boss", PASSWORD)
    assert (manager.id, manager.role) == (shop.manager.id, "manager")
    assert _logins(backend) == before  # nothing reached the server: it is gone

    # The session sells from the cache as the register does offline.
    assert register.sales.lookup_code(cashier, "5012345678900") is not None


@pytest.mark.parametrize(
    ("username", "secret"),
    [
        ("till", "0000"),  # a wrong PIN
        ("boss", PASSWORD + " "),  # a password with a space too many
        ("boss", ""),
        ("nobody", PASSWORD),  # a name nobody has: the same message
        ("gone", PASSWORD),  # deactivated on the server: not in the cache
        ("boss", "x" * 1000),
        ("boss\x00", PASSWORD),
    ],
)
def test_a_wrong_log_in_offline_is_told_as_the_server_tells_it(
    register: Register, username: str, secret: str
) -> None:
    with pytest.raises(AuthenticationError) as refused:
        register.staff.login(username, secret)
    assert str(refused.value) == LOGIN_FAILED
    assert not isinstance(refused.value, AccountLockedError)


def test_five_wrong_secrets_offline_lock_a_name_real_or_not(register: Register) -> None:
    for name in ("boss", "nobody"):
        for _attempt in range(5):
            with pytest.raises(AuthenticationError, match="wrong password"):
                register.staff.login(name, "guess")
        with pytest.raises(AccountLockedError) as locked:
            register.staff.login(name, PASSWORD)  # even the right password, as on the server
        assert str(locked.value).startswith(LOCKED)
    assert register.staff.login("till", CASHIER_PIN).username == "till"  # others go on


def test_a_lock_out_the_server_had_set_holds_offline(register: Register) -> None:
    with pytest.raises(AccountLockedError, match="locked for about"):
        register.staff.login("locked", PASSWORD)
    found = register.staff.find_user("locked")
    assert found.locked_until is not None


def test_the_lock_screen_checks_the_cached_hash_offline(shop: Shop, register: Register) -> None:
    cashier = register.staff.login("till", CASHIER_PIN)
    assert register.staff.verify_password(cashier, CASHIER_PIN)
    assert not register.staff.verify_password(cashier, "9999")
    assert register.staff.find_user("till").id == shop.cashier.id
    with pytest.raises(NotFoundError):
        register.staff.find_user("gone")
    assert register.staff.idle_lock_minutes() == 5.0
    assert register.staff.user_count() == 4  # the active staff the cache holds
    assert register.staff.demo_logins() == []


def test_the_user_signed_in_offline_goes_on_when_the_server_is_back(
    backend: Backend, shop: Shop, register: Register
) -> None:
    cashier = register.staff.login("till", CASHIER_PIN)
    register.come_back()
    assert register.sales.current_till(cashier) is not None  # the server takes the session
    before = _logins(backend)
    assert register.staff.login("till", CASHIER_PIN).id == cashier.id
    assert _logins(backend) == before + 1  # online, the log-in is the server's (audited)


def test_offline_sign_ins_reach_the_server_s_audit_when_it_is_back(
    backend: Backend, shop: Shop, register: Register
) -> None:
    register.staff.login("till", CASHIER_PIN)
    register.staff.login("boss", PASSWORD)
    with pytest.raises(AuthenticationError):
        register.staff.login("boss", "wrong")  # a failure offline is not sent
    assert register.staff.send_signins() == 0  # offline: kept in the cache
    assert len(register.cache.signins()) == 2

    register.come_back()
    assert register.staff.send_signins() == 2
    assert register.cache.signins() == []
    assert register.staff.send_signins() == 0  # each once
    with backend.read_uow() as uow:
        rows = uow.session.execute(
            select(AuditEntry.user_id, AuditEntry.register, AuditEntry.after)
            .where(AuditEntry.action == OFFLINE_LOGIN_ACTION)
            .order_by(AuditEntry.id)
        ).all()
    assert [row.user_id for row in rows] == [shop.cashier.id, shop.manager.id]
    assert {row.register for row in rows} == {backend.register}
    assert all('"register": "' + backend.register + '"' in str(row.after) for row in rows)
    assert backend.staff.verify_audit_chain(shop.staff["admin"]).ok


def test_the_lock_out_counts_keep_a_bounded_number_of_names(register: Register) -> None:
    for n in range(KEPT_NAMES + 20):
        with pytest.raises(AuthenticationError):
            register.staff.offline_login(f"guess{n}", "x")
    assert len(register.staff._throttle._names) == KEPT_NAMES


def test_the_product_grid_is_served_from_the_cache_offline(
    backend: Backend, shop: Shop, register: Register
) -> None:
    cashier = register.staff.login("till", CASHIER_PIN)
    register.come_back()
    online = register.sales.categories(cashier)
    online_drinks = [p.id for p in register.sales.category_products(cashier, _id(online, "Drinks"))]
    register.go_offline()

    offline = register.sales.categories(cashier)
    assert [(c.name, c.product_count) for c in offline] == [
        (c.name, c.product_count) for c in online
    ]
    assert [c.name for c in offline] == ["Bakery", "Drinks", "Fruit", "Home"]
    drinks = register.sales.category_products(cashier, _id(offline, "Drinks"))
    assert [p.id for p in drinks] == online_drinks
    assert [p.name for p in drinks] == ["Coffee beans 500 g", "Still water 1.5 l"]
    assert {p.category_id for p in drinks} == {_id(offline, "Drinks")}
    assert drinks[0].price_minor == 1299
    assert register.sales.category_products(cashier, 999_999) == []


def test_a_cache_of_the_first_layout_is_laid_out_anew(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE products (id INTEGER PRIMARY KEY, sku_key TEXT, barcode TEXT, "
        "name TEXT, price_minor INTEGER, tax_rate_bp INTEGER, tax_included INTEGER, "
        "active INTEGER, unit TEXT);"
        "INSERT INTO products VALUES (1, 'A', NULL, 'Old', 1, 0, 1, 1, 'pc');"
        "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('read_at', '2026-01-01T00:00:00+00:00');"
    )
    old.close()
    path.chmod(0o600)
    cache = OfflineCache.open(path)
    try:
        assert cache.read_at() is None  # the next catch-up copies everything again
        assert cache.counts() == (0, 0)
        assert cache.categories() == []
    finally:
        cache.close()


def _id(categories: list[CategoryDTO], name: str) -> int:
    return next(c.id for c in categories if c.name == name)


def test_sqlite_signs_in_through_the_database_only(sqlite_database: Database) -> None:
    """Embedded SQLite has no server to lose: no cache, no offline sign-in, log-ins as before."""
    add_staff(Backend(sqlite_database, RecordingPublisher()))
    url = sqlite_database.url.render_as_string(hide_password=False)
    options = ServiceOptions(campaign_check_s=3600, sender_interval_s=3600, relay=False)
    services = start_services(sqlite_database, RecordingPublisher(), AppConfig(url, "R1"), options)
    try:
        backend = services.backend
        assert backend.offline_sales is None
        assert backend.offline_staff is None
        assert backend.register_staff is backend.staff
        assert backend.register_staff.login("till", CASHIER_PIN).username == "till"
        with pytest.raises(AuthenticationError):
            backend.register_staff.login("till", "0000")
    finally:
        services.stop()
