"""Declarative base, naming convention and column types shared by every model."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only has 64-bit integer primary keys as INTEGER PRIMARY KEY (rowid); BigInteger there
# would lose autoincrement, so ids are BIGINT on PostgreSQL and INTEGER on SQLite.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    SQLite keeps no time zone, so naive values are refused on the way in and ``tzinfo`` is restored
    on the way out (the advanced-alchemy approach).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC before storing; refuse naive datetimes."""
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "naive datetime given to a UTC column"
            raise ValueError(msg)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Give the value back as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class GUID(TypeDecorator[uuid.UUID]):
    """A UUID stored as 32 hex characters on every database (same code, same ordering)."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: uuid.UUID | None, dialect: Dialect) -> str | None:
        """Store the hex form."""
        return None if value is None else value.hex

    def process_result_value(self, value: str | None, dialect: Dialect) -> uuid.UUID | None:
        """Read back a UUID."""
        return None if value is None else uuid.UUID(hex=value)


class Base(DeclarativeBase):
    """Base class of every ORM model; its metadata carries the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012 - SQLAlchemy reads a plain dict
        datetime: UTCDateTime(),
        uuid.UUID: GUID(),
    }


class IdMixin:
    """An integer surrogate primary key."""

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)


class CreatedAtMixin:
    """A creation timestamp in UTC."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def money_column(*, default: int | None = 0, nullable: bool = False) -> MappedColumn[Any]:
    """Return a column for money in integer minor units."""
    return mapped_column(BigInteger, default=default, nullable=nullable)
