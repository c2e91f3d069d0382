"""Shop-wide settings stored in the database as JSON values."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from posapp.models import Setting
from posapp.services.platform.dto import DemoLogin
from posapp.services.platform.uow import UnitOfWork

DEMO_LOGINS_KEY = "demo_logins"


def get_setting(uow: UnitOfWork, key: str, default: Any = None) -> Any:
    """Return a setting's value inside a running unit of work, or ``default``."""
    row = uow.session.get(Setting, key)
    return default if row is None else json.loads(row.value)


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
