"""API tokens: a staff user's key to the HTTP API, within named scopes, revocable, expiring.

``posapp token create USER --scope users:read`` makes one; the secret is shown once and only its
SHA-256 is stored. A fast hash is enough here, unlike a password: the secret is 32 random bytes
(256 bits), so there is nothing to guess and no dictionary to run against a stolen hash, and a
slow hash (Argon2, ~50 ms) on every request would be a denial of service handed to anyone with
a bad token. The lookup is by the hash itself (a unique index), so no comparison leaks timing.

A token acts as its user: every call still goes through the use cases' own permission checks on
the user's current role, and a deactivated user's tokens stop at once. A token's scopes only
narrow what the user may do through the API. Every authenticated call is written to the audit
log with the token's user (``api.call``), and so is every refusal of a known token
(``api.refused``); an unknown token has no user to write down (the HTTP edge logs it and the rate
limit holds it back).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from posapp.i18n import N_, _
from posapp.models import ApiToken, User
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from posapp.services.platform.ids import storable_id
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff.permissions import Permission
from posapp.services.staff.security import ACTIONS, authorize
from posapp.services.staff.users import to_dto

SCOPES: dict[str, str] = {
    "users:read": "list staff users",
    "users:write": "add, activate, deactivate staff users and change their roles",
    "stock:read": "read a store's stock levels",
    "orders:write": "move orders on: ready, collected, handed over, cancelled",
}
"""Every scope a token may carry, with what it allows (the user's role must allow it too)."""

TOKEN_PREFIX = "posapp_"
EXPIRES_MAX_DAYS = 3650
NAME_MAX = 100
BAD_TOKEN = N_("The API token is unknown, revoked or expired.")

for _name in ("create_token", "revoke_token", "list_tokens"):
    ACTIONS[f"staff.tokens.{_name}"] = Permission.MANAGE_USERS


@dataclass(frozen=True, slots=True)
class TokenDTO:
    """An API token as listed: never its secret."""

    id: int
    user_id: int
    username: str
    prefix: str
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just made: ``secret`` is shown once and cannot be read back later."""

    token: TokenDTO
    secret: str


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """Who an authenticated API call acts as: the token's user, and the token."""

    user: UserDTO
    token_id: int


def token_hash(secret: str) -> str:
    """The stored form of a token: SHA-256 of its text, in hex."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _dto(token: ApiToken, username: str) -> TokenDTO:
    return TokenDTO(
        id=token.id,
        user_id=token.user_id,
        username=username,
        prefix=token.prefix,
        name=token.name,
        scopes=tuple(token.scopes.split()),
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
    )


def _clean_scopes(scopes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    wanted = sorted({s.strip() for s in scopes if s.strip()})
    if not wanted:
        known = ", ".join(SCOPES)
        raise ValidationError(_("Give a token at least one scope ({known}).").format(known=known))
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        shown = ", ".join(repr(s[:40]) for s in unknown)
        raise ValidationError(
            _("Unknown scope {shown}: use {scopes}.").format(shown=shown, scopes=", ".join(SCOPES))
        )
    return tuple(wanted)


def create_token(
    uow: UnitOfWork,
    actor: UserDTO | None,
    user_id: int,
    scopes: list[str] | tuple[str, ...],
    *,
    name: str = "",
    expires_days: int | None = None,
) -> NewToken:
    """Make a token for an active user; return it with its secret (shown once).

    Args:
        uow: The unit of work.
        actor: The acting admin (None: the local command line).
        user_id: The user the token acts as.
        scopes: What it may be used for (:data:`SCOPES`).
        name: A note saying what the token is for.
        expires_days: Days until it expires (None: never; 1 to 3650).

    Raises:
        ValidationError: no or unknown scopes, a bad expiry or name, an inactive user.
        NotFoundError: no such user.
    """
    wanted = _clean_scopes(scopes)
    note = name.strip()
    if len(note) > NAME_MAX or any(ord(ch) < 32 for ch in note):  # noqa: PLR2004 - controls
        raise ValidationError(
            _("A token's name has at most {name_max} printable characters.").format(
                name_max=NAME_MAX
            )
        )
    if expires_days is not None and not 1 <= expires_days <= EXPIRES_MAX_DAYS:
        raise ValidationError(
            _("A token expires after 1 to {expires_max_days} days.").format(
                expires_max_days=EXPIRES_MAX_DAYS
            )
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with uow:
        actor_id = None if actor is None else authorize(uow, actor, Permission.MANAGE_USERS).id
        user = uow.session.get(User, user_id)
        if user is None:
            raise NotFoundError(_("No user with id {user_id}.").format(user_id=user_id))
        if not user.active:
            raise ValidationError(
                _("{username} is inactive: activate them first.").format(username=user.username)
            )
        now = uow.now()
        token = ApiToken(
            user_id=user.id,
            token_hash=token_hash(secret),
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            name=note,
            scopes=" ".join(wanted),
            expires_at=None if expires_days is None else now + timedelta(days=expires_days),
            created_at=now,
            created_by_id=actor_id,
        )
        uow.session.add(token)
        uow.flush()
        after = {"user": user.username, "scopes": list(wanted), "expires_at": token.expires_at}
        uow.audit(AuditRecord("api_token.create", actor_id, "api_token", token.id, None, after))
        dto = _dto(token, user.username)
        uow.commit()
    return NewToken(dto, secret)


def revoke_token(uow: UnitOfWork, actor: UserDTO | None, token_id: int) -> TokenDTO:
    """Revoke a token now (revoking it again changes nothing).

    Raises:
        NotFoundError: no such token.
    """
    with uow:
        actor_id = None if actor is None else authorize(uow, actor, Permission.MANAGE_USERS).id
        token = uow.session.get(ApiToken, token_id) if storable_id(token_id) else None
        if token is None:
            raise NotFoundError(_("No API token with id {token_id}.").format(token_id=token_id))
        username = uow.session.scalar(select(User.username).where(User.id == token.user_id))
        if token.revoked_at is None:
            token.revoked_at = uow.now()
            uow.audit(AuditRecord("api_token.revoke", actor_id, "api_token", token.id))
        dto = _dto(token, str(username))
        uow.commit()
    return dto


def list_tokens(uow: UnitOfWork, actor: UserDTO | None) -> list[TokenDTO]:
    """Every token, newest first (secrets are never kept, so never shown)."""
    with uow:
        if actor is not None:
            authorize(uow, actor, Permission.MANAGE_USERS)
        rows = uow.session.execute(
            select(ApiToken, User.username)
            .join(User, User.id == ApiToken.user_id)
            .order_by(ApiToken.id.desc())
        ).all()
        return [_dto(token, str(username)) for token, username in rows]


def authenticate_token(
    uow: UnitOfWork, secret: str, scope: str, *, method: str = "", path: str = ""
) -> ApiCaller:
    """Check a token for one call needing ``scope``; audit the call with the token's user.

    Raises:
        AuthenticationError: the token is unknown, revoked or expired, or its user inactive.
        PermissionDeniedError: the token lacks ``scope``.
    """
    digest = token_hash(secret)
    refusal: Exception | None = None
    with uow:
        token = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
        if token is None:
            raise AuthenticationError(_(BAD_TOKEN))
        user = uow.session.get(User, token.user_id)
        now = uow.now()
        where = {"method": method, "path": path[:200], "scope": scope}
        expired = token.expires_at is not None and token.expires_at <= now
        if token.revoked_at is not None or expired or user is None or not user.active:
            refusal = AuthenticationError(_(BAD_TOKEN))
        elif scope not in token.scopes.split():
            refusal = PermissionDeniedError(
                _("This API token does not have the {scope} scope.").format(scope=scope)
            )
        user_id = None if user is None else user.id
        if refusal is not None:
            why = {"reason": str(refusal)} | where
            uow.audit(AuditRecord("api.refused", user_id, "api_token", token.id, None, why))
            uow.commit()
            raise refusal
        assert user is not None  # refused above otherwise
        token.last_used_at = now
        uow.audit(AuditRecord("api.call", user.id, "api_token", token.id, None, where))
        caller = ApiCaller(to_dto(user), token.id)
        uow.commit()
    return caller
