"""Frozen read models shared by every feature (never ORM objects), and from_row to build one."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


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
    locale: str = ""
    """The user's own locale for their screens (``de_DE``); ``""`` follows the shop's."""

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


@dataclass(frozen=True, slots=True)
class ShopProfile:
    """Who the shop is, as printed on receipts, Z reports and statements (empty: not set)."""

    legal_name: str = ""
    address: str = ""
    """Several lines."""
    vat_number: str = ""
    receipt_header: str = ""
    receipt_footer: str = ""
    logo: bytes = field(default=b"", repr=False)
    """The logo as PNG (``b""``: none); checked and shrunk when it was set."""

    @property
    def lines(self) -> tuple[str, ...]:
        """The legal block: name, address lines, then ``VAT no. …``; empty parts left out."""
        lines = [self.legal_name, *self.address.splitlines()]
        if self.vat_number:
            lines.append(f"VAT no. {self.vat_number}")
        return tuple(line for line in lines if line.strip())


_Dto = TypeVar("_Dto", bound="DataclassInstance")


@functools.cache
def _field_names(cls: type[DataclassInstance]) -> tuple[str, ...]:
    return tuple(field.name for field in fields(cls) if field.init)


def from_row(cls: type[_Dto], row: object, /, **computed: object) -> _Dto:
    """Build the frozen read model ``cls`` from ``row``: each field from its same-named attribute.

    ``computed`` gives the fields the row does not hold as they are (a path, a name, a figure read
    from another row). Every field comes from one or the other: a field the row lacks raises
    ``AttributeError``, a name in ``computed`` that is no field raises ``TypeError``. For screens
    and lists, where it saves copying each field by hand; the sale's hot path builds its DTOs
    directly (this costs a microsecond or two more per DTO).
    """
    names = _field_names(cls)
    if computed.keys() - names:
        unknown = ", ".join(sorted(computed.keys() - names))
        raise TypeError(f"{cls.__name__} has no field {unknown}")
    values = {name: getattr(row, name) for name in names if name not in computed}
    return cls(**values, **computed)
