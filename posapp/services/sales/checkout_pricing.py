"""Pricing a sale inside checkout's transaction: the stored products, approvals, the coupons.

The products are read at their stored prices (one statement per number of distinct products,
built once); a price other than the list price needs a manager's approval, and so does a discount
above the cashiers' cap (a setting). Coupons are quoted in the order they were given, each on what
the ones before left. :mod:`posapp.services.sales.checkout` writes what comes out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.sql.elements import BindParameter

from posapp.i18n import _
from posapp.models import Product
from posapp.money import apply_rate_bp
from posapp.services.coupons import BasketLine, CouponQuote, code_key, quote_coupon
from posapp.services.platform import registry
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, ValidationError
from posapp.services.platform.fastsql import Prepared
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.dto import DraftLine, SaleDraft
from posapp.services.sales.guards import Granted, grant
from posapp.services.sales.pricing import PricedCart, PriceLine, price_cart
from posapp.services.staff import Actor, Permission
from posapp.units import items_of

DISCOUNT_CAP_KEY = registry.DISCOUNT_CAP_BP.key
"""Setting: the largest discount (basis points) a cashier may give without a manager."""
DEFAULT_DISCOUNT_CAP_BP = registry.DISCOUNT_CAP_BP.default


@dataclass(frozen=True, slots=True)
class PricedSale:
    """A draft priced against the stored products, with coupons and approvals settled."""

    cart: PricedCart
    lines: tuple[DraftLine, ...]
    products: dict[int, SaleProduct]
    overrides: dict[int, Granted]
    discount_grant: Granted | None
    coupons: tuple[CouponQuote, ...]
    baskets: tuple[tuple[BasketLine, ...], ...]


def discount_cap_bp(uow: UnitOfWork) -> int:
    """The cashiers' discount cap in basis points (setting, default 10 %)."""
    return registry.read(uow, registry.DISCOUNT_CAP_BP)


# The products are read on the session's connection (Core), which skips the ORM's per-statement
# work; the session's transaction is the same.
_PRODUCT_COLUMNS = (
    Product.id,
    Product.sku,
    Product.name,
    Product.category_id,
    Product.price_minor,
    Product.tax_rate_bp,
    Product.tax_included,
    Product.active,
    Product.unit,
)
_SELECT_PRODUCTS: dict[int, Prepared] = {}


def _select_products(count: int) -> Prepared:
    """The products of a sale with ``count`` distinct products (one statement per count)."""
    stmt = _SELECT_PRODUCTS.get(count)
    if stmt is None:
        ids: list[BindParameter[int]] = [bindparam(f"p{n}") for n in range(count)]
        stmt = _SELECT_PRODUCTS[count] = Prepared(
            select(*_PRODUCT_COLUMNS).where(Product.id.in_(ids))
        )
    return stmt


@dataclass(frozen=True, slots=True)
class SaleProduct:
    """The columns of a product that a sale copies."""

    id: int
    sku: str
    name: str
    category_id: int | None
    price_minor: int
    tax_rate_bp: int
    tax_included: bool
    active: bool
    unit: str = "pc"


def _load_products(uow: UnitOfWork, lines: Sequence[DraftLine]) -> dict[int, SaleProduct]:
    ids = sorted({line.product_id for line in lines})
    if not ids:  # a sale of gift cards only
        return {}
    rows = _select_products(len(ids)).all(
        uow.session.connection(), {f"p{n}": product_id for n, product_id in enumerate(ids)}
    )
    products = {row[0]: SaleProduct(*row) for row in rows}
    for line in lines:
        product = products.get(line.product_id)
        if product is None:
            raise NotFoundError(
                _("Line {line_no}: the product no longer exists.").format(line_no=line.line_no)
            )
        if not product.active:
            raise ValidationError(
                _("{product_name} is no longer sold (archived).").format(product_name=product.name)
            )
    return products


def price_sale(uow: UnitOfWork, actor: UserDTO, user: Actor, draft: SaleDraft) -> PricedSale:
    """Price ``draft`` at the stored prices, check its overrides and discounts, quote its coupons.

    Raises:
        NotFoundError, ValidationError: a product is gone or archived, a coupon is given twice.
        ApprovalRequiredError: a price override or a discount above the cap without approval.
        CouponRefused: a coupon cannot be used (the reason says why).
    """
    products = _load_products(uow, draft.lines)
    overrides: dict[int, Granted] = {}
    price_lines = []
    for line in draft.lines:
        product = products[line.product_id]
        price = product.price_minor if line.unit_price_minor is None else line.unit_price_minor
        if price != product.price_minor:
            overrides[line.line_no] = grant(
                uow,
                actor,
                user,
                Permission.OVERRIDE_PRICE,
                line.override_approval,
                _("Changing the price of {product_name} needs a manager's approval.").format(
                    product_name=product.name
                ),
                line_no=line.line_no,
            )
        price_lines.append(
            PriceLine(
                line.line_no,
                line.quantity,
                price,
                product.tax_rate_bp,
                product.tax_included,
                line.discount,
                product.unit,
            )
        )
    plain = price_cart(price_lines, order_discount=draft.order_discount)
    discount_grant = _discount_grant(uow, actor, user, draft, plain)
    coupons: list[CouponQuote] = []
    baskets: list[tuple[BasketLine, ...]] = []
    cart = plain
    if draft.coupon_codes:
        shares, coupons, baskets = _quote_coupons(uow, draft, products, plain)
        cart = price_cart(price_lines, order_discount=draft.order_discount, coupon_shares=shares)
    return PricedSale(
        cart, draft.lines, products, overrides, discount_grant, tuple(coupons), tuple(baskets)
    )


def _discount_grant(
    uow: UnitOfWork, actor: UserDTO, user: Actor, draft: SaleDraft, cart: PricedCart
) -> Granted | None:
    """Check manual discounts against the cashiers' cap; above it a manager must approve.

    The cap is compared with amounts rounded the same way (10 % of 12.99 is 1.30, allowed).
    """
    if cart.discount_minor == 0:
        return None
    cap = discount_cap_bp(uow)
    approvals = {line.line_no: line.discount_approval for line in draft.lines}
    granted: Granted | None = None
    for line in cart.lines:
        if line.line_discount_minor > apply_rate_bp(line.gross_minor, cap):
            granted = grant(
                uow,
                actor,
                user,
                Permission.DISCOUNT_ABOVE_CAP,
                approvals.get(line.line_no) or draft.order_discount_approval,
                _("A discount above {cap:g} % needs a manager's approval.").format(cap=cap / 100),
                line_no=line.line_no,
            )
    base = cart.subtotal_minor - cart.line_discount_minor
    if cart.order_discount_minor > apply_rate_bp(base, cap):
        granted = grant(
            uow,
            actor,
            user,
            Permission.DISCOUNT_ABOVE_CAP,
            draft.order_discount_approval,
            _("An order discount above {cap:g} % needs a manager's approval.").format(
                cap=cap / 100
            ),
        )
    return granted or Granted(None)


def _quote_coupons(
    uow: UnitOfWork, draft: SaleDraft, products: dict[int, SaleProduct], cart: PricedCart
) -> tuple[dict[int, int], list[CouponQuote], list[tuple[BasketLine, ...]]]:
    keys = [code_key(code) for code in draft.coupon_codes]
    if len(set(keys)) != len(keys):
        raise ValidationError(_("The same coupon is on the sale twice."))
    by_no = {line.line_no: line for line in draft.lines}
    remaining = {line.line_no: line.before_coupon_minor for line in cart.lines}
    shares: dict[int, int] = defaultdict(int)
    quotes: list[CouponQuote] = []
    baskets: list[tuple[BasketLine, ...]] = []
    for index, code in enumerate(draft.coupon_codes):
        basket = tuple(
            BasketLine(
                line_no,
                by_no[line_no].product_id,
                products[by_no[line_no].product_id].category_id,
                items_of(by_no[line_no].quantity, products[by_no[line_no].product_id].unit),
                amount,
            )
            for line_no, amount in remaining.items()
        )
        quote = quote_coupon(
            uow,
            code,
            basket,
            customer_account_id=draft.customer_account_id,
            other_codes=draft.coupon_codes[:index],
        )
        for line_no, share in quote.line_discounts.items():
            shares[line_no] += share
            remaining[line_no] -= share
        quotes.append(quote)
        baskets.append(basket)
    return dict(shares), quotes, baskets
