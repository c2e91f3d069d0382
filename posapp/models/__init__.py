"""ORM models of every system; importing this package registers them all on ``Base.metadata``."""

from posapp.models.accounts import (
    AccountStatus,
    CustomerAccount,
    LedgerAccount,
    LedgerAccountKind,
    LedgerEntry,
    LedgerTransaction,
)
from posapp.models.base import Base, utcnow
from posapp.models.catalog import Category, Product, ProductImage
from posapp.models.coupons import (
    CouponCampaign,
    CouponCode,
    CouponRedemption,
    CouponScope,
    DiscountKind,
    campaign_categories,
    campaign_products,
)
from posapp.models.customers import Customer
from posapp.models.giftcards import GiftCard, GiftCardMovement, GiftCardMovementKind
from posapp.models.notifications import Notification, OutboxAttachment, OutboxEmail, OutboxStatus
from posapp.models.orders import (
    CashMovement,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    Payment,
    PaymentMethod,
    TillSession,
)
from posapp.models.purchasing import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseStatus,
    Supplier,
    SupplierProduct,
)
from posapp.models.stores import MovementKind, StockLevel, StockMovement, Store, StoreKind
from posapp.models.users import ApiToken, AuditEntry, LoginThrottle, Role, Setting, User

__all__ = [
    "AccountStatus",
    "ApiToken",
    "AuditEntry",
    "Base",
    "CashMovement",
    "Category",
    "CouponCampaign",
    "CouponCode",
    "CouponRedemption",
    "CouponScope",
    "Customer",
    "CustomerAccount",
    "DiscountKind",
    "GiftCard",
    "GiftCardMovement",
    "GiftCardMovementKind",
    "LedgerAccount",
    "LedgerAccountKind",
    "LedgerEntry",
    "LedgerTransaction",
    "LoginThrottle",
    "MovementKind",
    "Notification",
    "Order",
    "OrderLine",
    "OrderStatus",
    "OrderStatusChange",
    "OutboxAttachment",
    "OutboxEmail",
    "OutboxStatus",
    "Payment",
    "PaymentMethod",
    "Product",
    "ProductImage",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseReceipt",
    "PurchaseStatus",
    "Role",
    "Setting",
    "StockLevel",
    "StockMovement",
    "Store",
    "StoreKind",
    "Supplier",
    "SupplierProduct",
    "TillSession",
    "User",
    "campaign_categories",
    "campaign_products",
    "utcnow",
]
