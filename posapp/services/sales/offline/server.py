"""The server's side of a sale taken offline: placed as the customer paid it, each difference told.

:func:`place_offline_sale` is what the register's replay calls for each journalled sale, through
``backend.sales.place_offline_sale``. It writes the sale with checkout's one writer
(:func:`~posapp.services.sales.checkout.write_sale`, shared by the till and the web) in one
transaction, and differs from a sale at the till only where the sale has already happened:

- **the prices the customer paid**: each line at the journal's price, tax and discount (the
  receipt the customer holds), even when the price changed on the server meanwhile;
- **archived products are accepted**: the goods are gone, whatever the catalogue says now;
- **stock may go below zero** (only here: ``Seller.below_zero``);
- **its own till session and time**: the session the register had open (the X and Z reports
  count the sale there), and the time it was taken, not the time it arrived.

A shared-code coupon taken offline (policy ``offline.coupons``) is redeemed at the discount the
customer got, in the same transaction (:mod:`.redeem`); a single-use code in a journal refuses
the sale. Each difference — a level taken below zero, a product archived, a price changed, a
coupon's campaign ended or changed meanwhile (``coupon_changed``) — is a
``sync_conflicts`` row and a :class:`~posapp.events.SyncConflictRaised` event (after the commit),
which the notification rules turn into a notice for the store's manager. The sale is audited as
``order.placed`` (by checkout) and ``order.offline_placed`` (the register, the time it was taken,
its conflicts).

Idempotent by the sale's UUID: a sale the server already has (the COMMIT answer was lost, or the
replay ran twice) returns its order number and writes nothing. A sale the server cannot take as
it is (an unknown cashier or product, a till session closed or not the register's, figures that
do not add up) raises :class:`SaleRefusedError` with the reason for a person; a lost connection
stays a ``DatabaseError`` (the replay stops and tries again later).

There is no acting user in the call: the register replays what its cashiers did while the server
was away, checked then against the cached credential hashes. The server checks that the cashier
is known and may sell, and that the till session is the register's and open.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from posapp.events import SyncConflictRaised
from posapp.i18n import _
from posapp.models import Product, StockLevel, Store, SyncConflict, TillSession, User
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.errors import DatabaseError, ServiceError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.checkout import Seller, check_draft, write_sale
from posapp.services.sales.checkout_pricing import PricedSale, SaleProduct
from posapp.services.sales.checkout_rows import already_placed
from posapp.services.sales.dto import PlacedOrder, SaleDraft
from posapp.services.sales.guards import Granted
from posapp.services.sales.offline.place import draft_of
from posapp.services.sales.offline.redeem import SaleCoupon, coupon_of, redeem_offline
from posapp.services.sales.offline.replay import SaleRefusedError
from posapp.services.sales.offline.sale import OfflineSale
from posapp.services.sales.pricing import Discount, PriceLine, price_cart
from posapp.services.staff import Permission, permissions_of

__all__ = ["ARCHIVED", "PRICE_CHANGED", "SHORTFALL", "place_offline_sale"]

SHORTFALL, ARCHIVED, PRICE_CHANGED = "stock_shortfall", "archived_product", "price_changed"
PLACED_ACTION = "order.offline_placed"


def place_offline_sale(uow: UnitOfWork, sale: OfflineSale) -> str:
    """Place ``sale`` as it was taken offline, or find it; return its order number.

    Raises:
        SaleRefusedError: the server cannot take the sale as it is (the reason, for a person).
        DatabaseError: the connection to the server failed (the replay tries again later).
    """
    try:
        draft = check_draft(draft_of(sale))
        try:
            with uow:
                found = already_placed(uow, sale.sale_uuid)
                if found is not None:
                    return found.number
                number = _place(uow, sale, draft)
                uow.commit()
                return number
        except IntegrityError as exc:
            # The same sale placed meanwhile (the replay raced itself), or a payment id used.
            with uow:
                found = already_placed(uow, sale.sale_uuid)
            if found is not None:
                return found.number
            raise SaleRefusedError(
                _("A payment of this sale is already recorded on another sale.")
            ) from exc
    except (SaleRefusedError, DatabaseError):
        raise
    except ServiceError as exc:
        raise SaleRefusedError(str(exc)) from exc


def _place(uow: UnitOfWork, sale: OfflineSale, draft: SaleDraft) -> str:
    cashier_id = _cashier(uow, sale.cashier_id)
    store_code = _till(uow, sale)
    products = _products(uow, sale)
    coupon = coupon_of(uow, sale)
    priced = _priced(uow, sale, draft, products, coupon)
    seller = Seller(
        cashier_id,
        sale.store_id,
        store_code,
        sale.till_session_id,
        register=sale.register,
        sold_at=sale.taken_at,
        below_zero=True,
    )
    placed = write_sale(uow, seller, draft, priced)
    changed = (
        None if coupon is None else redeem_offline(uow, sale, coupon, placed.order_id, priced.cart)
    )
    conflicts = _conflicts(uow, sale, placed, products, [] if changed is None else [changed])
    uow.audit(
        AuditRecord(
            PLACED_ACTION,
            cashier_id,
            "order",
            placed.order_id,
            after={
                "number": placed.number,
                "sale_uuid": str(sale.sale_uuid),
                "register": sale.register,
                "till_session_id": sale.till_session_id,
                "taken_at": sale.taken_at.isoformat(),
                "conflicts": [[c.kind, c.product_id] for c in conflicts],
                **(
                    {}
                    if coupon is None
                    else {"coupon": coupon.code, "coupon_minor": coupon.discount_minor}
                ),
            },
        )
    )
    return placed.number


# --- what the server checks --------------------------------------------------------------------


def _cashier(uow: UnitOfWork, user_id: int) -> int:
    """The cashier must be known and (by their role now) allowed to sell.

    A cashier deactivated while the register was offline is accepted: the sale happened before
    the register could know, and its money is in the drawer.
    """
    row = uow.session.execute(select(User.id, User.role).where(User.id == user_id)).one_or_none()
    if row is None:
        raise SaleRefusedError(_("The cashier of this sale is not known on the server."))
    if Permission.SELL not in permissions_of(str(row.role)):
        raise SaleRefusedError(_("The cashier of this sale may not sell (their role changed)."))
    return int(row.id)


def _till(uow: UnitOfWork, sale: OfflineSale) -> str:
    """The sale's till session must be the register's, at its store, and open; its store code."""
    row = uow.session.execute(
        select(TillSession.register, TillSession.store_id, TillSession.closed_at, Store.code)
        .join(Store, Store.id == TillSession.store_id)
        .where(TillSession.id == sale.till_session_id)
    ).one_or_none()
    if row is None or row.register != sale.register or row.store_id != sale.store_id:
        raise SaleRefusedError(
            _("Till session {id} is not register {register}'s at this store.").format(
                id=sale.till_session_id, register=sale.register
            )
        )
    if row.closed_at is not None:
        raise SaleRefusedError(
            _(
                "Till session {id} was closed before this sale reached the server: "
                "its Z report cannot change."
            ).format(id=sale.till_session_id)
        )
    return str(row.code)


def _products(uow: UnitOfWork, sale: OfflineSale) -> dict[int, Product]:
    """The server's products of the sale, archived ones too; every one must exist."""
    ids = sorted({line.product_id for line in sale.lines})
    found = {p.id: p for p in uow.session.scalars(select(Product).where(Product.id.in_(ids)))}
    for line in sale.lines:
        product = found.get(line.product_id)
        if product is None:
            raise SaleRefusedError(
                _("Line {line}: {name} is not known on the server.").format(
                    line=line.line_no, name=line.name
                )
            )
        if product.unit != line.unit:
            raise SaleRefusedError(
                _("Line {line}: {name} is now sold by another unit.").format(
                    line=line.line_no, name=line.name
                )
            )
    return found


def _priced(
    uow: UnitOfWork,
    sale: OfflineSale,
    draft: SaleDraft,
    products: Mapping[int, Product],
    coupon: SaleCoupon | None,
) -> PricedSale:
    """The sale priced as the register priced it: the journal's prices, taxes and discounts."""
    approvers = {line.approver_id for line in sale.lines if line.approver_id is not None}
    if approvers:
        known = set(uow.session.scalars(select(User.id).where(User.id.in_(approvers))))
        if approvers - known:
            raise SaleRefusedError(_("The manager who approved a discount is not known."))
    try:
        cart = price_cart(
            [
                PriceLine(
                    line.line_no,
                    line.quantity,
                    line.unit_price_minor,
                    line.tax_rate_bp,
                    line.tax_included,
                    Discount.amount(line.discount_minor) if line.discount_minor else None,
                    line.unit,
                )
                for line in sale.lines
            ],
            coupon_shares=None if coupon is None else coupon.shares,
        )
    except ValueError as exc:  # a coupon share larger than its line (price_cart's own check)
        raise SaleRefusedError(_("The sale's coupon discount does not fit its lines.")) from exc
    if cart.total_minor != sale.total_minor:
        raise SaleRefusedError(_("The sale's lines do not add up to its total."))
    shown: dict[int, SaleProduct] = {}
    for line in sale.lines:  # the line as the customer's receipt shows it
        server = products[line.product_id]
        shown.setdefault(
            line.product_id,
            SaleProduct(
                server.id,
                server.sku,
                line.name,
                server.category_id,
                line.unit_price_minor,
                line.tax_rate_bp,
                line.tax_included,
                server.active,
                line.unit,
            ),
        )
    approver = next((line.approver_id for line in sale.lines if line.approver_id), None)
    grant = Granted(approver) if cart.discount_minor else None
    return PricedSale(cart, draft.lines, shown, {}, grant, (), ())


# --- what differs --------------------------------------------------------------------------------


def _conflicts(
    uow: UnitOfWork,
    sale: OfflineSale,
    placed: PlacedOrder,
    products: Mapping[int, Product],
    more: list[SyncConflict],
) -> list[SyncConflict]:
    """One row (and event) per difference the sale found, per product; ``more`` (the coupon's)."""
    sold: dict[int, int] = defaultdict(int)
    paid: dict[int, int] = {}
    for line in sale.lines:
        sold[line.product_id] += line.quantity
        paid.setdefault(line.product_id, line.unit_price_minor)
    levels = {
        int(product_id): int(on_hand)
        for product_id, on_hand in uow.session.execute(
            select(StockLevel.product_id, StockLevel.on_hand).where(
                StockLevel.store_id == sale.store_id, StockLevel.product_id.in_(sorted(sold))
            )
        )
    }
    now = uow.now()
    rows: list[SyncConflict] = []
    for product_id in sorted(sold):
        product = products[product_id]
        after = int(levels.get(product_id, 0))
        short = min(sold[product_id], max(0, -after))
        kinds = [
            kind
            for kind, differs in (
                (SHORTFALL, short > 0),
                (ARCHIVED, not product.active),
                (PRICE_CHANGED, paid[product_id] != product.price_minor),
            )
            if differs
        ]
        for kind in kinds:
            rows.append(
                SyncConflict(
                    kind=kind,
                    store_id=sale.store_id,
                    product_id=product_id,
                    order_id=placed.order_id,
                    register=sale.register,
                    quantity=sold[product_id],
                    short_quantity=short if kind == SHORTFALL else 0,
                    on_hand_after=after,
                    paid_price_minor=paid[product_id],
                    list_price_minor=product.price_minor,
                    sold_at=sale.taken_at,
                    created_at=now,
                    resolution="",
                )
            )
    rows.extend(more)
    if rows:
        uow.session.add_all(rows)
        uow.flush()
        for row in rows:
            uow.record(
                SyncConflictRaised(
                    row.id, row.kind, row.store_id, row.product_id, row.order_id, placed.number, now
                )
            )
    return rows
