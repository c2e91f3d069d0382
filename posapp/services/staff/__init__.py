"""Staff: users, log-in and lock-out, permissions, approvals, home stores, the audit log.

The package's face (see docs/ARCHITECTURE.md); the edges use ``Backend.staff``.
"""

from posapp.services.staff.api import StaffApi
from posapp.services.staff.audit import (
    AuditFilter,
    AuditRow,
    ExportCancelledError,
    verify_audit_chain,
    write_audit_anchor,
)
from posapp.services.staff.auth import AccountLockedError, authenticate
from posapp.services.staff.home_stores import (
    KEEP_STORE,
    Keep,
    active_stores,
    home_store_choices,
    stores_for_command_line,
)
from posapp.services.staff.lockout import DEFAULT_IDLE_LOCK_MINUTES, IDLE_LOCK_MINUTES_KEY
from posapp.services.staff.passwords import hash_password, verify_password
from posapp.services.staff.permissions import (
    ROLE_PERMISSIONS,
    Permission,
    has_permission,
    permissions_of,
)
from posapp.services.staff.security import (
    ACTIONS,
    ACTOR_COLUMNS,
    SESSION_ENDED,
    Actor,
    Approval,
    SessionEndedError,
    authorize,
    authorize_actor,
    authorize_connection,
    authorize_row,
    check_approval,
    requires,
)
from posapp.services.staff.service_users import WEB_SHOP_USERNAME, service_user
from posapp.services.staff.tokens import (
    SCOPES,
    ApiCaller,
    NewToken,
    TokenDTO,
    create_token,
    list_tokens,
    revoke_token,
)
from posapp.services.staff.user_locale import set_user_locale, user_locale_choices
from posapp.services.staff.users import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    PIN_MAX,
    PIN_MIN,
    USERNAME_MAX,
    UserFilter,
    add_user,
    count_users,
    find_user,
    list_users,
    reset_password,
    set_active,
    unlock_user,
    update_user,
    username_key,
)

__all__ = [
    "ACTIONS",
    "ACTOR_COLUMNS",
    "DEFAULT_IDLE_LOCK_MINUTES",
    "IDLE_LOCK_MINUTES_KEY",
    "KEEP_STORE",
    "PASSWORD_MAX",
    "PASSWORD_MIN",
    "PIN_MAX",
    "PIN_MIN",
    "ROLE_PERMISSIONS",
    "SCOPES",
    "SESSION_ENDED",
    "USERNAME_MAX",
    "WEB_SHOP_USERNAME",
    "AccountLockedError",
    "Actor",
    "ApiCaller",
    "Approval",
    "AuditFilter",
    "AuditRow",
    "ExportCancelledError",
    "Keep",
    "NewToken",
    "Permission",
    "SessionEndedError",
    "StaffApi",
    "TokenDTO",
    "UserFilter",
    "active_stores",
    "add_user",
    "authenticate",
    "authorize",
    "authorize_actor",
    "authorize_connection",
    "authorize_row",
    "check_approval",
    "count_users",
    "create_token",
    "find_user",
    "has_permission",
    "hash_password",
    "home_store_choices",
    "list_tokens",
    "list_users",
    "permissions_of",
    "requires",
    "reset_password",
    "revoke_token",
    "service_user",
    "set_active",
    "set_user_locale",
    "stores_for_command_line",
    "unlock_user",
    "update_user",
    "user_locale_choices",
    "username_key",
    "verify_audit_chain",
    "verify_password",
    "write_audit_anchor",
]
