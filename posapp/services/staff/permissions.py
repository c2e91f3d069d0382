"""Named permissions, the role → permission matrix, and the check every service action makes."""

from __future__ import annotations

import enum
from typing import Final

from posapp.i18n import N_, _, pgettext
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import PermissionDeniedError


class Permission(enum.StrEnum):
    """Something a staff user may be allowed to do. Deny by default: unmapped means refused."""

    SELL = "sell"
    DISCOUNT_ABOVE_CAP = "discount_above_cap"
    OVERRIDE_PRICE = "override_price"
    REFUND = "refund"
    REFUND_WITHOUT_RECEIPT = "refund_without_receipt"
    REFUND_TO_OTHER_ACCOUNT = "refund_to_other_account"
    VOID = "void"
    NO_SALE_DRAWER = "no_sale_drawer"
    VIEW_ORDERS = "view_orders"
    VIEW_STOCK = "view_stock"
    ADJUST_STOCK = "adjust_stock"
    TRANSFER_STOCK = "transfer_stock"
    MANAGE_STORES = "manage_stores"
    VIEW_CATALOG = "view_catalog"
    MANAGE_PRODUCTS = "manage_products"
    VIEW_COUPONS = "view_coupons"
    MANAGE_COUPONS = "manage_coupons"
    VIEW_ACCOUNTS = "view_accounts"
    MANAGE_ACCOUNTS = "manage_accounts"
    VIEW_CUSTOMERS = "view_customers"
    MANAGE_CUSTOMERS = "manage_customers"
    DEPOSIT = "deposit"
    WITHDRAW = "withdraw"
    WITHDRAW_ABOVE_LIMIT = "withdraw_above_limit"
    VIEW_USERS = "view_users"
    MANAGE_USERS = "manage_users"
    READ_AUDIT_LOG = "read_audit_log"
    VIEW_REPORTS = "view_reports"
    CLOSE_TILL = "close_till"
    MANAGE_NOTIFICATIONS = "manage_notifications"
    SEND_PROMOTIONS = "send_promotions"
    MANAGE_SETTINGS = "manage_settings"


P = Permission

_CASHIER = frozenset(
    {
        P.SELL,
        P.VIEW_ORDERS,
        P.VIEW_STOCK,
        P.VIEW_CATALOG,
        P.VIEW_COUPONS,
        P.VIEW_ACCOUNTS,
        P.VIEW_CUSTOMERS,
        P.DEPOSIT,
        P.WITHDRAW,
        P.REFUND,
        P.CLOSE_TILL,
    }
)
_MANAGER = _CASHIER | {
    P.DISCOUNT_ABOVE_CAP,
    P.OVERRIDE_PRICE,
    P.REFUND_WITHOUT_RECEIPT,
    P.REFUND_TO_OTHER_ACCOUNT,
    P.VOID,
    P.NO_SALE_DRAWER,
    P.ADJUST_STOCK,
    P.TRANSFER_STOCK,
    P.MANAGE_PRODUCTS,
    P.MANAGE_COUPONS,
    P.MANAGE_ACCOUNTS,
    P.MANAGE_CUSTOMERS,
    P.WITHDRAW_ABOVE_LIMIT,
    P.VIEW_USERS,
    P.VIEW_REPORTS,
    P.SEND_PROMOTIONS,
}
_ADMIN = _MANAGER | {
    P.MANAGE_STORES,
    P.MANAGE_USERS,
    P.READ_AUDIT_LOG,
    P.MANAGE_NOTIFICATIONS,
    P.MANAGE_SETTINGS,
}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "cashier": _CASHIER,
    "manager": frozenset(_MANAGER),
    "admin": frozenset(_ADMIN),
}


_NONE: frozenset[Permission] = frozenset()


def permissions_of(role: str) -> frozenset[Permission]:
    """The permissions ``role`` grants: none for a role the matrix does not know."""
    return ROLE_PERMISSIONS.get(role, _NONE)


def has_permission(user: UserDTO, permission: Permission) -> bool:
    """Whether an active ``user``'s role grants ``permission`` (deny by default)."""
    return user.active and permission in permissions_of(user.role)


def permission_label(permission: Permission) -> str:
    """What ``permission`` lets a user do, in the user's language (``manage settings``)."""
    labels = {
        P.SELL: pgettext("permission", "sell"),
        P.DISCOUNT_ABOVE_CAP: pgettext("permission", "give a discount above the cap"),
        P.OVERRIDE_PRICE: pgettext("permission", "override a price"),
        P.REFUND: pgettext("permission", "refund"),
        P.REFUND_WITHOUT_RECEIPT: pgettext("permission", "refund without a receipt"),
        P.REFUND_TO_OTHER_ACCOUNT: pgettext("permission", "refund to another account"),
        P.VOID: pgettext("permission", "void a sale"),
        P.NO_SALE_DRAWER: pgettext("permission", "open the drawer without a sale"),
        P.VIEW_ORDERS: pgettext("permission", "view orders"),
        P.VIEW_STOCK: pgettext("permission", "view stock"),
        P.ADJUST_STOCK: pgettext("permission", "adjust stock"),
        P.TRANSFER_STOCK: pgettext("permission", "transfer stock"),
        P.MANAGE_STORES: pgettext("permission", "manage stores"),
        P.VIEW_CATALOG: pgettext("permission", "view the catalog"),
        P.MANAGE_PRODUCTS: pgettext("permission", "manage products"),
        P.VIEW_COUPONS: pgettext("permission", "view coupons"),
        P.MANAGE_COUPONS: pgettext("permission", "manage coupons"),
        P.VIEW_ACCOUNTS: pgettext("permission", "view accounts"),
        P.MANAGE_ACCOUNTS: pgettext("permission", "manage accounts"),
        P.VIEW_CUSTOMERS: pgettext("permission", "view customers"),
        P.MANAGE_CUSTOMERS: pgettext("permission", "manage customers"),
        P.DEPOSIT: pgettext("permission", "take a deposit"),
        P.WITHDRAW: pgettext("permission", "pay out a withdrawal"),
        P.WITHDRAW_ABOVE_LIMIT: pgettext("permission", "pay out above the withdrawal limit"),
        P.VIEW_USERS: pgettext("permission", "view users"),
        P.MANAGE_USERS: pgettext("permission", "manage users"),
        P.READ_AUDIT_LOG: pgettext("permission", "read audit log"),
        P.VIEW_REPORTS: pgettext("permission", "view reports"),
        P.CLOSE_TILL: pgettext("permission", "close a till"),
        P.MANAGE_NOTIFICATIONS: pgettext("permission", "manage notifications"),
        P.SEND_PROMOTIONS: pgettext("permission", "send promotions"),
        P.MANAGE_SETTINGS: pgettext("permission", "manage settings"),
    }
    return labels.get(permission, permission.value.replace("_", " "))


ROLE_WORDS: Final = {"admin": N_("admin"), "manager": N_("manager"), "cashier": N_("cashier")}
"""Each role as a word in a sentence (``bob (cashier)``), marked for translation."""


def role_word(role: str) -> str:
    """A role as a word in a sentence (``cashier``), in the user's language."""
    word = ROLE_WORDS.get(role)
    return _(word) if word else role


def denied(username: str, role: str, permission: Permission) -> PermissionDeniedError:
    """The refusal of ``permission`` to ``username`` (of ``role``), naming what was refused."""
    return PermissionDeniedError(
        _("{username} ({role}) is not allowed to {label}.").format(
            username=username, role=role_word(role), label=permission_label(permission)
        )
    )


def require(user: UserDTO, permission: Permission) -> None:
    """Raise unless ``user`` may do ``permission``.

    Raises:
        PermissionDeniedError: with a message naming what was refused.
    """
    if not has_permission(user, permission):
        raise denied(user.username, user.role, permission)
