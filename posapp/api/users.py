"""The User API: list staff users (paginated), add, activate, deactivate, change a role.

Every endpoint calls the staff facade as the token's user, so the app's rules hold unchanged:
the last active admin, the password policy, the confusable-name rule, a promotion needing a
password, no deactivating yourself (:mod:`posapp.services.staff`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from posapp.api.auth import backend_of, caller_with
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import PASSWORD_MAX, USERNAME_MAX, ApiCaller, UserFilter

router = APIRouter(prefix="/api/v1/users", tags=["users"])

Reader = Annotated[ApiCaller, Depends(caller_with("users:read"))]
Writer = Annotated[ApiCaller, Depends(caller_with("users:write"))]
RoleName = Literal["admin", "manager", "cashier"]
PAGE_MAX = 100
_Strict = ConfigDict(extra="forbid")


class User(BaseModel):
    """A staff user (never a password or PIN)."""

    id: int
    username: str
    full_name: str
    role: str
    active: bool
    store_id: int | None
    created_at: datetime | None
    last_login_at: datetime | None
    locked_until: datetime | None

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, user: UserDTO) -> User:
        """The API's view of a user DTO (its fields by name)."""
        return cls.model_validate(user)


class UserPage(BaseModel):
    """One page of users, by username; ``next_offset`` is null on the last page."""

    items: list[User]
    total: int
    offset: int
    limit: int
    next_offset: int | None


class NewUser(BaseModel):
    """A user to add: the password follows the app's policy (a cashier may have a PIN)."""

    model_config = _Strict
    username: str = Field(min_length=1, max_length=USERNAME_MAX * 4)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX * 4)
    role: RoleName
    full_name: str = Field(default="", max_length=1000)
    store_id: int | None = Field(default=None, ge=1, le=2**62)


class RoleChange(BaseModel):
    """A new role; making a PIN-only user a manager or admin needs a new ``password``."""

    model_config = _Strict
    role: RoleName
    password: str | None = Field(default=None, min_length=1, max_length=PASSWORD_MAX * 4)


@router.get("", summary="List staff users", response_model=UserPage)
def list_users(
    request: Request,
    caller: Reader,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 50,
    search: Annotated[str, Query(max_length=100)] = "",
    role: RoleName | None = None,
    active: bool | None = None,
) -> UserPage:
    """Users matching the filters, by username (needs ``users:read`` and a manager or admin)."""
    found = backend_of(request).staff.list_users(
        caller.user, UserFilter(search=search, role=role, active=active)
    )
    page = found[offset : offset + limit]
    after = offset + len(page)
    return UserPage(
        items=[User.of(u) for u in page],
        total=len(found),
        offset=offset,
        limit=limit,
        next_offset=after if after < len(found) else None,
    )


@router.post("", status_code=201, summary="Add a staff user", response_model=User)
def add_user(request: Request, caller: Writer, new: NewUser) -> User:
    """Add a user (needs ``users:write`` and an admin); 409 for a taken or look-alike name."""
    user = backend_of(request).staff.add_user(
        caller.user,
        new.username,
        new.password,
        new.role,
        full_name=new.full_name,
        store_id=new.store_id,
    )
    return User.of(user)


@router.post("/{user_id}/activate", summary="Activate a staff user", response_model=User)
def activate(
    request: Request, caller: Writer, user_id: Annotated[int, Path(ge=1, le=2**62)]
) -> User:
    """Let the user log in again (needs ``users:write`` and an admin)."""
    return User.of(backend_of(request).staff.set_active(caller.user, user_id, True))


@router.post("/{user_id}/deactivate", summary="Deactivate a staff user", response_model=User)
def deactivate(
    request: Request, caller: Writer, user_id: Annotated[int, Path(ge=1, le=2**62)]
) -> User:
    """Stop the user logging in (409 for the last active admin, 422 for yourself)."""
    return User.of(backend_of(request).staff.set_active(caller.user, user_id, False))


@router.put("/{user_id}/role", summary="Change a staff user's role", response_model=User)
def change_role(
    request: Request,
    caller: Writer,
    user_id: Annotated[int, Path(ge=1, le=2**62)],
    change: RoleChange,
) -> User:
    """Change the role (409: the last active admin; a PIN-only promotion needs a password)."""
    user = backend_of(request).staff.update_user(
        caller.user, user_id, role=change.role, password=change.password
    )
    return User.of(user)
