"""Frozen read models: what services hand to the UI and CLI (never ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class UserDTO:
    """A staff user as the rest of the app sees them."""

    id: int
    username: str
    full_name: str
    role: str
    active: bool
    created_at: datetime | None = None
    last_login_at: datetime | None = None
    locked_until: datetime | None = None
    store_id: int | None = None
    """The home store (None: all stores); a store's notices reach staff by role only there."""

    @property
    def display_name(self) -> str:
        """The full name, or the username when there is none."""
        return self.full_name or self.username


@dataclass(frozen=True, slots=True)
class StoreDTO:
    """A store or warehouse."""

    id: int
    code: str
    name: str
    kind: str
    address: str
    active: bool


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A demo user's credentials, shown on the login screen of a demo database."""

    username: str
    password: str
    role: str
