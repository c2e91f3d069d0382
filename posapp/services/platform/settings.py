"""Shop-wide settings stored in the database as JSON values."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, select

from posapp.models import Setting
from posapp.services.platform.dto import DemoLogin
from posapp.services.platform.fastsql import Prepared
from posapp.services.platform.uow import UnitOfWork

DEMO_LOGINS_KEY = "demo_logins"


def get_setting(uow: UnitOfWork, key: str, default: Any = None) -> Any:
    """Return a setting's value inside a running unit of work, or ``default``."""
    row = uow.session.get(Setting, key)
    return default if row is None else json.loads(row.value)


_SELECT_VALUE = Prepared(select(Setting.value).where(Setting.key == bindparam("key")))


def stored_setting(uow: UnitOfWork, key: str, default: Any = None) -> Any:
    """:func:`get_setting` for a sale's hot path: one prepared read on the session's connection.

    ~20 µs against ~350 µs for the ORM's ``session.get`` (issue #23). It reads what the database
    holds in this transaction, so it does not see a setting changed through the session and not
    yet flushed: use it only where the unit of work changes no setting (a sale).
    """
    row = _SELECT_VALUE.one(uow.session.connection(), {"key": key})
    return default if row is None else json.loads(row[0])


def put_setting(uow: UnitOfWork, key: str, value: Any) -> None:
    """Store a setting's value inside a running unit of work (the caller commits)."""
    row = uow.session.get(Setting, key)
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if row is None:
        uow.session.add(Setting(key=key, value=text))
    else:
        row.value = text


def demo_logins(uow: UnitOfWork) -> list[DemoLogin]:
    """The demo users' credentials, present only on a database filled by ``posapp demo``."""
    with uow:
        rows = get_setting(uow, DEMO_LOGINS_KEY, [])
        return [DemoLogin(**row) for row in rows]


def all_settings(uow: UnitOfWork) -> dict[str, Any]:
    """Every setting (for diagnostics)."""
    with uow:
        return {s.key: json.loads(s.value) for s in uow.session.scalars(select(Setting))}
