"""Staff users, their roles, and the append-only audit log."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from posapp.models.base import Base, BigIntId, CreatedAtMixin, IdMixin, utcnow


class Role(enum.StrEnum):
    """What a staff user is; each role maps to a set of named permissions."""

    ADMIN = "admin"
    MANAGER = "manager"
    CASHIER = "cashier"


ROLE_VALUES = tuple(r.value for r in Role)


class User(IdMixin, CreatedAtMixin, Base):
    """A staff user. Users are never deleted: deactivated users keep their history."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLE_VALUES!r}", name="role_known"),
        CheckConstraint("failed_attempts >= 0", name="failed_attempts_not_negative"),
    )

    username: Mapped[str] = mapped_column(String(64))
    # NFKC-normalised, case-folded, stripped username: the uniqueness key.
    username_key: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)
    # The home store: store notices (low stock, pickups, ready and refunded orders) reach a user
    # named by role only for this store. NULL means all stores (always so for an admin).
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    # The user's own language and locale (``de_DE``) for their screens; "" follows the shop's.
    locale: Mapped[str] = mapped_column(String(16), default="", server_default=text("''"))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AuditEntry(Base):
    """One row of the append-only audit log; each row's hash chains to the previous one."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    register: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64))
    object_kind: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[int | None] = mapped_column(BigInteger)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(500), default="")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


class Setting(Base):
    """A shop-wide setting (key and JSON-encoded value)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LoginThrottle(Base):
    """Wrong passwords typed for a user name that does not exist, counted like a user's own.

    So that an unknown name is locked out after the same number of tries, with the same message,
    as a real one (issue #16): the lock-out never tells which user names exist. The name is
    kept only as a SHA-256 of its key (people type passwords into the name field).
    """

    __tablename__ = "login_throttles"
    __table_args__ = (CheckConstraint("failed_attempts >= 0", name="failed_attempts_not_negative"),)

    name_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(IdMixin, CreatedAtMixin, Base):
    """A staff user's token for the HTTP API (``posapp token create``): only its hash is kept.

    The token acts as its user, within its scopes: the user's role still decides (a deactivated
    user's tokens stop working at once). Revoked tokens stay, for the audit log's sake.
    """

    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # SHA-256 (hex) of the secret token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so that a person can tell which one a listing means.
    prefix: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), default="")
    scopes: Mapped[str] = mapped_column(String(500))  # space-separated, sorted
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
