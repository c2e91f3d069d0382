"""The staff system as one object for the edges: log-in, users, home stores, audit log, approvals.

The app shell logs people in and fills the login window through it; the Admin users tab, the
audit log view, the idle lock and the manager-approval dialog make every call through it. Each
method runs in its own unit of work from the :class:`ServiceContext`: a write one for what
changes something (a wrong password is counted, so checking one writes too), a read one
otherwise. Most are use cases declared with :func:`~posapp.services.platform.facade.writes` or
:func:`~posapp.services.platform.facade.reads`: their signatures and docstrings are their own.
DTOs in, DTOs out.
"""

from __future__ import annotations

from posapp.services.platform import settings
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.facade import Facade, reads, writes
from posapp.services.staff import audit, auth, home_stores, lockout, tokens, user_locale, users
from posapp.services.staff.permissions import Permission
from posapp.services.staff.security import Approval, check_approval


class StaffApi(Facade):
    """Staff use cases over one :class:`ServiceContext`; actions name the acting user."""

    # ---- logging in -------------------------------------------------------------------------

    login = writes(auth.authenticate)
    record_offline_logins = writes(auth.record_offline_logins)
    demo_logins = reads(settings.demo_logins)
    user_count = reads(users.count_users)
    stores = reads(home_stores.active_stores)

    # ---- the idle lock ----------------------------------------------------------------------

    idle_lock_minutes = reads(lockout.idle_lock_minutes)

    def verify_password(self, user: UserDTO, password: str) -> bool:
        """Whether ``password`` is ``user``'s (the lock screen); a wrong one is counted."""
        return auth.verify_user_password(self._context.uow(), user.id, password)

    find_user = reads(users.find_user)

    # ---- approvals --------------------------------------------------------------------------

    def check_approval(self, actor: UserDTO, approval: Approval, permission: Permission) -> UserDTO:
        """Check a manager's approval at once; return the approver.

        A writing unit of work: a wrong password is counted against the approver.
        """
        with self._context.uow() as uow:
            return users.to_dto(check_approval(uow, actor, approval, permission))

    # ---- users ------------------------------------------------------------------------------

    list_users = reads(users.list_users)
    home_store_choices = reads(home_stores.home_store_choices)
    add_user = writes(users.add_user)
    update_user = writes(users.update_user)
    set_active = writes(users.set_active)
    reset_password = writes(users.reset_password)
    unlock_user = writes(users.unlock_user)
    set_user_locale = writes(user_locale.set_user_locale)

    def locale_choices(self) -> tuple[tuple[str, str], ...]:
        """The locales a user may choose for their screens (value, label)."""
        return user_locale.user_locale_choices()

    # ---- API tokens (the HTTP API, ``posapp serve``) ----------------------------------------

    authenticate_token = writes(tokens.authenticate_token)
    create_token = writes(tokens.create_token)
    revoke_token = writes(tokens.revoke_token)
    list_tokens = reads(tokens.list_tokens)

    # ---- the audit log ----------------------------------------------------------------------

    audit_page = reads(audit.audit_page)
    audit_count = reads(audit.audit_count)
    audit_actions = reads(audit.audit_actions)
    export_audit_csv = writes(audit.export_audit_csv)
    verify_audit_chain = reads(audit.verify_audit_chain)
