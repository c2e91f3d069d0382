"""Issue #16, defect 4: on PostgreSQL the application runs as a role that does not own the tables.

The throwaway server's superuser makes a database owned by one role and runs
``docs/postgres-roles.sql`` for the application's role. As that role, posapp sells, moves money
and closes a till; and every way around the append-only guards is refused by the server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from posapp.services.backend import Backend
from posapp.services.platform.db import open_database
from posapp.services.sales import checkout, tills
from posapp.services.sales.dto import DraftLine, PaymentDraft, PaymentKind, SaleDraft
from posapp.services.staff import verify_audit_chain
from tests.checkout_seed import Shop, seed_shop
from tests.conftest import pg_url_or_skip
from tests.integration.accounts_support import make_world

pytestmark = pytest.mark.postgres

ROLES_SQL = Path(__file__).resolve().parents[2] / "docs" / "postgres-roles.sql"


@pytest.fixture
def two_roles() -> Iterator[tuple[str, str]]:
    """A database owned by ``posapp_owner_…``, migrated, granted to ``posapp_app_…``: both URLs."""
    server = pg_url_or_skip()
    tag = uuid.uuid4().hex[:8]
    owner, app, name = f"posapp_owner_{tag}", f"posapp_app_{tag}", f"posapp_roles_{tag}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {owner} LOGIN")
        conn.exec_driver_sql(f"CREATE ROLE {app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        conn.exec_driver_sql(f"CREATE DATABASE {name} OWNER {owner}")
    base = make_url(server).set(database=name)
    as_super = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with as_super.connect() as conn:
        conn.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.exec_driver_sql(f"ALTER SCHEMA public OWNER TO {owner}")
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    as_super.dispose()
    owner_url = base.set(username=owner).render_as_string(hide_password=False)
    app_url = base.set(username=app).render_as_string(hide_password=False)
    open_database(owner_url).dispose()  # `posapp db upgrade` as the owner
    script = ROLES_SQL.read_text(encoding="utf-8")
    script = script.replace("posapp_owner", owner).replace("posapp_app", app)
    script = script.replace("DATABASE posapp ", f"DATABASE {name} ")
    grants = sa.create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with grants.connect() as conn:
        conn.exec_driver_sql(script)
    grants.dispose()
    try:
        yield owner_url, app_url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql(f"DROP OWNED BY {app}")
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {app}")
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {owner}")
        admin.dispose()


def _sell(backend: Backend, shop: Shop) -> None:
    draft = SaleDraft(
        uuid.uuid4(),
        (DraftLine(1, shop.products["coffee"], 1),),
        payments=(PaymentDraft(uuid.uuid4(), PaymentKind.CASH, 1299, 2000),),
        expected_total_minor=1299,
    )
    checkout.place_order(backend.uow(), shop.cashier, draft)


ATTACKS = {
    "disable the audit log's triggers": "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "drop a ledger trigger": "DROP TRIGGER ledger_entries_append_only ON ledger_entries",
    "skip every trigger": "SET session_replication_role = replica",
    "edit an audit row": "UPDATE audit_log SET reason = 'x'",
    "remove the newest audit rows": "DELETE FROM audit_log WHERE id > 3",
    "empty the audit log": "TRUNCATE audit_log",
    "edit a ledger entry": "UPDATE ledger_entries SET amount_minor = 1",
    "remove a ledger transaction": "DELETE FROM ledger_transactions",
    "make a table of its own": "CREATE TABLE loot (x int)",
    "hand itself the tables": "ALTER TABLE audit_log OWNER TO CURRENT_USER",
}


def test_the_application_role_works_and_cannot_lift_the_guards(
    two_roles: tuple[str, str],
) -> None:
    _owner_url, app_url = two_roles
    database = open_database(app_url)  # migrations are at head: nothing for this role to do
    try:
        backend = Backend(database, register="till-1")
        world = make_world(backend)
        shop = seed_shop(backend, staff=world.staff, code="SHOP")
        account = world.open("Ada Customer")
        world.deposit(account.id, 25_00)
        tills.open_till(backend.uow(), shop.cashier, shop.store_id, 50_00)
        _sell(backend, shop)
        z = tills.close_till(backend.uow(), shop.cashier, counted_minor=50_00 + 1299)
        assert z.orders_count == 1
        assert z.session.chain_rows
        answers: dict[str, str] = {}
        for attack, statement in ATTACKS.items():
            with database.engine.connect() as conn:
                try:
                    conn.exec_driver_sql(statement)
                    answers[attack] = "allowed"
                except DBAPIError as exc:
                    answers[attack] = str(exc.orig).splitlines()[0]
        for attack, answer in answers.items():
            assert answer.startswith(("permission denied", "must be owner")), (attack, answer)
        report = verify_audit_chain(backend.read_uow(), None, z_reports=True)
        assert report.ok, report.problem
        assert report.ledger_transactions >= 1
    finally:
        database.dispose()
