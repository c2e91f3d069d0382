"""Migration 0015 gives every existing account a customer of its own, consent and all."""

from __future__ import annotations

from sqlalchemy import select

from posapp.models import Customer, CustomerAccount
from posapp.services.platform.db import Database
from posapp.services.platform.migrate import current_revision, head_revision
from posapp.services.platform.migrate import upgrade_database as upgrade
from tests.integration.migration_support import upgrade_all_but

AT = "2024-01-01 00:00:00+00:00"
HOLDERS = (("Ann O'Brien", "ann@example.com", "true"), ("Bo Li", "", "false"))


def test_each_account_gets_a_customer_and_new_ones_follow(bare: Database) -> None:
    upgrade_all_but(bare.engine, "0015")
    with bare.engine.begin() as conn:
        for n, (name, email, opt_in) in enumerate(HOLDERS, start=1):
            conn.exec_driver_sql(
                "INSERT INTO ledger_accounts (kind, name, balance_minor, overdraft_limit_minor, "
                f"created_at) VALUES ('customer', 'x', 0, 0, '{AT}')"
            )
            conn.exec_driver_sql(
                "INSERT INTO customer_accounts (number, ledger_account_id, holder_name, email, "
                "phone, status, marketing_opt_in, opt_changed_at, pin_failures, pin_locked, "
                f"changed_at, version, created_at) VALUES ('1000000{n}', {n}, "
                f"'{name.replace(chr(39), chr(39) * 2)}', '{email}', '0123 45678', 'open', "
                f"{opt_in}, NULL, 0, false, '{AT}', 1, '{AT}')"
            )
    upgrade(bare.engine)
    assert current_revision(bare.engine) == head_revision()
    with bare.write_sessions() as session:
        customers = session.execute(
            select(Customer.id, Customer.name, Customer.email, Customer.marketing_opt_in).order_by(
                Customer.id
            )
        ).all()
        assert [tuple(c) for c in customers] == [
            (1, "Ann O'Brien", "ann@example.com", True),
            (2, "Bo Li", "", False),
        ]
        links = session.execute(
            select(
                CustomerAccount.id, CustomerAccount.customer_id, CustomerAccount.marketing_opt_in
            )
        ).all()
        assert sorted(tuple(r) for r in links) == [(1, 1, True), (2, 2, False)]
        session.add(Customer(name="New after the migration"))  # the id sequence moved past them
        session.flush()
        assert session.scalar(select(Customer.id).where(Customer.name.like("New%"))) == 3
        session.commit()
