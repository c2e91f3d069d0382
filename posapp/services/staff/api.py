"""The staff system as one object for the edges: log-in, users, home stores, audit log, approvals.

The app shell logs people in and fills the login window through it; the Admin users tab, the
audit log view, the idle lock and the manager-approval dialog make every call through it. Each
method runs in its own unit of work from the :class:`ServiceContext`: a write one for what
changes something (a wrong password is counted, so checking one writes too), a read one
otherwise. DTOs in, DTOs out.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from posapp.services.platform import settings
from posapp.services.platform.dto import DemoLogin, StoreDTO, UserDTO
from posapp.services.staff import audit, auth, home_stores, lockout, users
from posapp.services.staff.audit import AuditFilter, AuditRow
from posapp.services.staff.home_stores import KEEP_STORE, Keep
from posapp.services.staff.permissions import Permission
from posapp.services.staff.security import Approval, check_approval
from posapp.services.staff.users import UserFilter

if TYPE_CHECKING:
    from posapp.services.platform.audit import ChainReport
    from posapp.services.platform.context import ServiceContext


class StaffApi:
    """Staff use cases over one :class:`ServiceContext`; actions name the acting user."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    # ---- logging in -------------------------------------------------------------------------

    def login(self, username: str, password: str) -> UserDTO:
        """Check credentials; see :func:`posapp.services.staff.auth.authenticate`."""
        return auth.authenticate(self._context.uow(), username, password)

    def demo_logins(self) -> list[DemoLogin]:
        """The demo log-ins to show on the login screen (empty unless demo data is loaded)."""
        return settings.demo_logins(self._context.read_uow())

    def user_count(self) -> int:
        """How many staff users exist (0 on a fresh database)."""
        return users.count_users(self._context.read_uow())

    def stores(self) -> list[StoreDTO]:
        """Every active store and warehouse, storefronts first."""
        return home_stores.active_stores(self._context.read_uow())

    # ---- the idle lock ----------------------------------------------------------------------

    def idle_lock_minutes(self) -> float:
        """Idle minutes before the till locks (0: never); see :mod:`~.lockout`."""
        return lockout.idle_lock_minutes(self._context.read_uow())

    def verify_password(self, user: UserDTO, password: str) -> bool:
        """Whether ``password`` is ``user``'s (the lock screen); a wrong one is counted."""
        return auth.verify_user_password(self._context.uow(), user.id, password)

    def find_user(self, username: str) -> UserDTO:
        """The user with this name as stored now (raises ``NotFoundError``)."""
        return users.find_user(self._context.read_uow(), username)

    # ---- approvals --------------------------------------------------------------------------

    def check_approval(self, actor: UserDTO, approval: Approval, permission: Permission) -> UserDTO:
        """Check a manager's approval at once; return the approver.

        A writing unit of work: a wrong password is counted against the approver.
        """
        with self._context.uow() as uow:
            return users.to_dto(check_approval(uow, actor, approval, permission))

    # ---- users ------------------------------------------------------------------------------

    def list_users(self, actor: UserDTO, user_filter: UserFilter | None = None) -> list[UserDTO]:
        """Users matching the filter, by username."""
        return users.list_users(self._context.read_uow(), actor, user_filter)

    def home_store_choices(self, actor: UserDTO) -> list[StoreDTO]:
        """Every store and warehouse, active or not, by name (for the staff list and dialogs)."""
        return home_stores.home_store_choices(self._context.read_uow(), actor)

    def add_user(
        self,
        actor: UserDTO,
        username: str,
        password: str,
        role: str,
        *,
        full_name: str = "",
        store_id: int | None = None,
    ) -> UserDTO:
        """Create a staff user; see :func:`posapp.services.staff.users.add_user`."""
        return users.add_user(
            self._context.uow(),
            actor,
            username,
            password,
            role,
            full_name=full_name,
            store_id=store_id,
        )

    def update_user(
        self,
        actor: UserDTO,
        user_id: int,
        *,
        full_name: str | None = None,
        role: str | None = None,
        store_id: int | Keep | None = KEEP_STORE,
    ) -> UserDTO:
        """Change a user's name, role and/or home store; see :func:`~.users.update_user`."""
        return users.update_user(
            self._context.uow(), actor, user_id, full_name=full_name, role=role, store_id=store_id
        )

    def set_active(self, actor: UserDTO, user_id: int, active: bool) -> UserDTO:
        """Activate or deactivate a user."""
        return users.set_active(self._context.uow(), actor, user_id, active)

    def reset_password(self, actor: UserDTO, user_id: int, new_password: str) -> UserDTO:
        """Set a new password (or a cashier's PIN); this also lifts a lock-out."""
        return users.reset_password(self._context.uow(), actor, user_id, new_password)

    def unlock_user(self, actor: UserDTO, user_id: int) -> UserDTO:
        """Lift a log-in lock-out now."""
        return users.unlock_user(self._context.uow(), actor, user_id)

    # ---- the audit log ----------------------------------------------------------------------

    def audit_page(
        self, actor: UserDTO, flt: AuditFilter | None = None, *, before_id: int | None = None
    ) -> list[AuditRow]:
        """One page of matching rows older than row ``before_id``, newest first."""
        return audit.audit_page(self._context.read_uow(), actor, flt, before_id=before_id)

    def audit_count(self, actor: UserDTO, flt: AuditFilter | None = None) -> int:
        """How many rows match the filter."""
        return audit.audit_count(self._context.read_uow(), actor, flt)

    def audit_actions(self, actor: UserDTO) -> list[str]:
        """Every action that occurs in the log, sorted."""
        return audit.audit_actions(self._context.read_uow(), actor)

    def export_audit_csv(
        self,
        actor: UserDTO,
        flt: AuditFilter | None,
        path: str | os.PathLike[str],
        *,
        progress: audit.Progress | None = None,
    ) -> int:
        """Export the matching rows to a CSV file; see :func:`~.audit.export_audit_csv`."""
        return audit.export_audit_csv(self._context.uow(), actor, flt, path, progress=progress)

    def verify_audit_chain(self, actor: UserDTO) -> ChainReport:
        """Recompute the audit log's hash chain (may take a while: off the GUI thread)."""
        return audit.verify_audit_chain(self._context.read_uow(), actor)
