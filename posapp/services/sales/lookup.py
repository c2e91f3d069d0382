"""What the register looks up: products by code or name, categories, customers, coupon quotes.

Everything here only reads; a coupon quote counts nothing (checkout quotes again when placing).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from posapp.models import Category, Customer, CustomerAccount, Product, User
from posapp.services.catalog import first_containing
from posapp.services.coupons import BasketLine, quote_coupon
from posapp.services.platform import registry
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.fastsql import Prepared
from posapp.services.platform.like import LIKE_ESCAPE, contains
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.dto import (
    BasketItem,
    CategoryDTO,
    CouponQuoteDTO,
    CustomerDTO,
    ProductDTO,
    ScannedItem,
)
from posapp.services.sales.scale_codes import EAN13, PRODUCT_COLUMNS, read_layout, scale_item
from posapp.services.staff import (
    ACTIONS,
    ACTOR_COLUMNS,
    Permission,
    authorize,
    authorize_actor,
    authorize_row,
)

__all__ = [
    "categories",
    "category_products",
    "customer_dto",
    "lookup_code",
    "product_dto",
    "quote_sale_coupon",
    "scan_code",
    "search_customers",
    "search_products",
]

SEARCH_MAX = 100
"""Longest search text taken; longer input is cut (a scanner never sends more)."""

for _name in (
    "lookup_code",
    "scan_code",
    "search_products",
    "categories",
    "category_products",
    "search_customers",
    "quote_sale_coupon",
):
    ACTIONS[f"sales.lookup.{_name}"] = Permission.SELL


def product_dto(row: Sequence[object]) -> ProductDTO:
    """Build the register's view of a product from a row of ``PRODUCT_COLUMNS``."""
    return ProductDTO(*row)  # type: ignore[arg-type]


def customer_dto(account: CustomerAccount) -> CustomerDTO:
    """Build the register's view of a customer account."""
    return CustomerDTO(
        account.id,
        account.number,
        account.holder_name,
        account.email,
        account.phone,
        account.status,
    )


def _clean(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).strip()
    if value.isprintable():  # no control character (a scan's usual case): nothing to drop
        return value[:SEARCH_MAX]
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cc")[:SEARCH_MAX]


def lookup_code(uow: UnitOfWork, actor: UserDTO, code: str) -> ProductDTO | None:
    """The active product whose barcode or SKU is exactly ``code`` (scanned or typed), or None.

    The barcode is matched as scanned (``00123`` is not ``123``); the SKU ignores case and
    surrounding spaces, as the catalog stores it.
    """
    text = _clean(code)
    if not text:
        return None
    with uow.reading() as conn:  # a scan is the hot path: no ORM session here
        # One statement: the cashier's row (the permission check) and the barcode's product.
        row = _SCAN.one(conn, {"user_id": actor.id, "code": text})
        authorize_row(row, Permission.SELL)
        if row is not None and row[_ACTOR_WIDTH] is not None:
            return product_dto(row[_ACTOR_WIDTH:])
        row = _BY_SKU.one(conn, {"code": text.upper()})
        return None if row is None else product_dto(row)


def scan_code(uow: UnitOfWork, actor: UserDTO, code: str) -> ScannedItem | None:
    """What the register's scan field adds for ``code``, or None when nothing has that code.

    A product's own barcode or SKU first (:func:`lookup_code`); then, for 13 digits with one of
    the shop's scale prefixes, the item and weight (or price) the code carries
    (:mod:`posapp.services.sales.scale_codes`).

    Raises:
        ValidationError: a scale barcode that cannot be sold (a wrong check digit, an unknown
            item, zero weight, …); the message says which.
    """
    product = lookup_code(uow, actor, code)
    if product is not None:
        return ScannedItem(product)
    text = _clean(code)
    if not (len(text) == EAN13 and text.isascii() and text.isdigit() and text[0] == "2"):
        return None
    with uow:
        authorize(uow, actor, Permission.SELL)
        layout = read_layout(uow)
        if not layout.matches(text):
            return None
        digits = registry.shop_currency(uow).digits
        product, quantity = scale_item(uow.session.connection(), text, layout, digits)
        return ScannedItem(product, quantity)


_BY_BARCODE = Prepared(
    select(*PRODUCT_COLUMNS)
    .where(Product.barcode == bindparam("code"), Product.active.is_(True))
    .limit(1)
)
_ACTOR_WIDTH = len(ACTOR_COLUMNS)
_SCAN = Prepared(
    select(*ACTOR_COLUMNS, *PRODUCT_COLUMNS)
    .select_from(User)
    .outerjoin(Product, and_(Product.barcode == bindparam("code"), Product.active.is_(True)))
    .where(User.id == bindparam("user_id"))
    .limit(1)
)
_BY_SKU = Prepared(
    select(*PRODUCT_COLUMNS)
    .where(Product.sku_key == bindparam("code"), Product.active.is_(True))
    .limit(1)
)


def search_products(
    uow: UnitOfWork, actor: UserDTO, text: str, limit: int = 30
) -> list[ProductDTO]:
    """Active products whose name or SKU contains ``text`` (any case); exact codes first.

    The exact barcode or SKU comes first, then the others by name and id. The text goes through
    the catalog's trigram index (:func:`posapp.services.catalog.first_containing`, which says
    what one or two characters do). Searched as the cashier types: the permission check is the
    Core one of the scan path.
    """
    value = _clean(text)
    if not value:
        return []
    cap = max(1, min(limit, 200))
    with uow:
        authorize_actor(uow, actor, Permission.SELL)
        session = uow.session
        exact = _exact_ids(session, value)
        found = first_containing(session, value, limit=cap)
        ids = (exact + [i for i in found if i not in exact])[:cap]
        listed: Sequence[Sequence[object]]
        if session.get_bind().dialect.name == "sqlite":  # on the driver's cursor: 0.1 ms less
            listed = _ROWS_LISTED.all(session.connection(), {"ids": json.dumps(ids)})
        else:
            listed = session.execute(_ROWS, {"ids": ids}).all()
        rows = {int(row[0]): row for row in listed}
        return [product_dto(rows[i]) for i in ids if i in rows]


def _exact_ids(session: Session, value: str) -> list[int]:
    """The active products whose barcode or SKU is exactly ``value``, by name (two index reads).

    Two statements: with an OR and an ORDER BY, SQLite walked the name index of every product.
    """
    conn = session.connection()
    ids = []
    for statement, code in ((_BY_BARCODE, value), (_BY_SKU, value.upper())):
        row = statement.one(conn, {"code": code})
        if row is not None and int(row[0]) not in ids:
            ids.append(int(row[0]))
    if len(ids) <= 1:
        return ids
    return [int(i) for i in session.scalars(_BY_NAME, {"ids": ids})]


_BY_NAME = select(Product.id).where(Product.id.in_(bindparam("ids", expanding=True)))
_BY_NAME = _BY_NAME.order_by(Product.name, Product.id)
_ROWS = select(*PRODUCT_COLUMNS).where(Product.id.in_(bindparam("ids", expanding=True)))
_LISTED_IDS = func.json_each(bindparam("ids")).table_valued("value")
_ROWS_LISTED = Prepared(select(*PRODUCT_COLUMNS).where(Product.id.in_(select(_LISTED_IDS.c.value))))
"""The products of a JSON array of ids (SQLite)."""


def categories(uow: UnitOfWork, actor: UserDTO) -> list[CategoryDTO]:
    """Active categories that have active products, with how many, by name."""
    with uow:
        authorize(uow, actor, Permission.SELL)
        rows = uow.session.execute(
            select(Category.id, Category.name, Category.parent_id, func.count(Product.id))
            .join(Product, Product.category_id == Category.id)
            .where(Category.active.is_(True), Product.active.is_(True))
            .group_by(Category.id, Category.name, Category.parent_id)
            .order_by(Category.name)
        ).all()
        return [CategoryDTO(int(i), n, p, int(c)) for i, n, p, c in rows]


def category_products(
    uow: UnitOfWork, actor: UserDTO, category_id: int, limit: int = 60
) -> list[ProductDTO]:
    """Active products of a category for the register's grid, by name."""
    with uow:
        authorize(uow, actor, Permission.SELL)
        rows = uow.session.execute(
            select(*PRODUCT_COLUMNS)
            .where(Product.category_id == category_id, Product.active.is_(True))
            .order_by(Product.name, Product.id)
            .limit(max(1, min(limit, 200)))
        ).all()
        return [product_dto(row) for row in rows]


def search_customers(
    uow: UnitOfWork, actor: UserDTO, text: str, limit: int = 20
) -> list[CustomerDTO]:
    """Open or frozen accounts whose customer matches the text (F4 at the register).

    The text is looked for in the customer's record (name, email, phone, address, notes, tags;
    issue #19) and in the account's holder, email, phone and number. A customer without an
    account is not listed: a sale records the account it is charged to.
    """
    value = _clean(text)
    if not value:
        return []
    digits = "".join(ch for ch in value if ch.isdigit())
    pattern = contains(value.lower())
    conditions = [
        func.lower(column).like(pattern, escape=LIKE_ESCAPE)
        for column in (
            CustomerAccount.holder_name,
            CustomerAccount.email,
            Customer.name,
            Customer.email,
            Customer.address,
            Customer.notes,
            Customer.tags,
        )
    ]
    conditions += [
        CustomerAccount.phone.like(pattern, escape=LIKE_ESCAPE),
        Customer.phone.like(pattern, escape=LIKE_ESCAPE),
    ]
    if digits:
        conditions.append(CustomerAccount.number.like(contains(digits), escape=LIKE_ESCAPE))
    with uow:
        authorize(uow, actor, Permission.SELL)
        rows = uow.session.scalars(
            select(CustomerAccount)
            .outerjoin(Customer, Customer.id == CustomerAccount.customer_id)
            .where(CustomerAccount.status != "closed", or_(*conditions))
            .order_by(CustomerAccount.holder_name, CustomerAccount.id)
            .limit(max(1, min(limit, 100)))
        ).all()
        return [customer_dto(row) for row in rows]


def quote_sale_coupon(
    uow: UnitOfWork,
    actor: UserDTO,
    code: str,
    basket: Sequence[BasketItem],
    customer_account_id: int | None,
    other_codes: Sequence[str] = (),
) -> CouponQuoteDTO:
    """What ``code`` would take off the register's basket now; nothing is counted.

    ``basket`` amounts are each line's amount after its discounts (and after the coupons
    already applied, for a stacking code). Checkout quotes again inside its transaction.

    Raises:
        CouponRefused: the code cannot be used; the message says why.
    """
    lines = [
        BasketLine(i.line_no, i.product_id, i.category_id, i.quantity, i.amount_minor)
        for i in basket
    ]
    with uow:
        authorize(uow, actor, Permission.SELL)
        quote = quote_coupon(
            uow,
            code,
            lines,
            customer_account_id=customer_account_id,
            other_codes=tuple(other_codes),
        )
        return CouponQuoteDTO(
            quote.code,
            quote.campaign_name,
            quote.discount_minor,
            tuple(sorted(quote.line_discounts.items())),
            quote.stacks,
        )
