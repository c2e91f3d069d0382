"""The server's side of a shared-code coupon taken offline: redeemed at the journal's discount.

A sale journalled with a coupon (policy ``offline.coupons`` = ``shared``) carries the code and
each line's share of the discount the customer got. :func:`coupon_of` checks it before the sale
is written: one code, known on the server, of a *shared-code* campaign (a single-use code is
never taken offline: a journal holding one was tampered with or written by an older posapp, and
the sale is refused). :func:`redeem_offline` then counts the use in the sale's transaction — the
redemption row at the journal's discount and time, the code's and the campaign's uses with the
same guarded UPDATEs as the till (never past a limit) — and compares the journal's discount with
what the campaign gives *now* (the same rule the register applied, read as the register's cache
reads it). When the campaign ended or changed meanwhile, the sale keeps the customer's discount
and a ``coupon_changed`` conflict row says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from posapp.events import CouponRedeemed
from posapp.i18n import _
from posapp.models import CouponCampaign, CouponCode, CouponRedemption, SyncConflict
from posapp.services.coupons import BasketLine, CouponRefused, code_key, is_possible_key
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.offline.coupons import LIMITED, quote_offline, read_coupons
from posapp.services.sales.offline.replay import SaleRefusedError
from posapp.services.sales.offline.sale import OfflineSale
from posapp.services.sales.pricing import PricedCart
from posapp.units import items_of

__all__ = ["COUPON_CHANGED", "SaleCoupon", "coupon_of", "redeem_offline"]

COUPON_CHANGED = "coupon_changed"


@dataclass(frozen=True, slots=True)
class SaleCoupon:
    """The sale's coupon as the server knows it, and the shares the journal took."""

    code: str
    code_id: int
    campaign_id: int
    shares: dict[int, int]

    @property
    def discount_minor(self) -> int:
        """The whole discount the customer got."""
        return sum(self.shares.values())


def coupon_of(uow: UnitOfWork, sale: OfflineSale) -> SaleCoupon | None:
    """The sale's coupon, checked; None when the sale has none.

    Raises:
        SaleRefusedError: more than one code, a code unknown or single-use, or shares without a
            code (or a code without any).
    """
    shares = {line.line_no: line.coupon_minor for line in sale.lines if line.coupon_minor}
    if not sale.coupon_codes:
        if shares:
            raise SaleRefusedError(_("This sale has a coupon discount but no coupon code."))
        return None
    if len(sale.coupon_codes) > 1:
        raise SaleRefusedError(_("A sale taken offline carries at most one coupon."))
    text = sale.coupon_codes[0]
    key = code_key(text)
    row = None
    if is_possible_key(key):
        row = uow.session.execute(
            select(
                CouponCode.id,
                CouponCode.code,
                CouponCode.campaign_id,
                CouponCampaign.single_use_codes,
            )
            .join(CouponCampaign, CouponCampaign.id == CouponCode.campaign_id)
            .where(CouponCode.code_key == key)
        ).one_or_none()
    if row is None:
        raise SaleRefusedError(
            _("Coupon {code} of this sale is not known on the server.").format(code=text[:64])
        )
    if row.single_use_codes:
        raise SaleRefusedError(
            _("Coupon {code} is a single-use code: it is never taken offline.").format(
                code=row.code
            )
        )
    if not shares or any(share < 0 for share in shares.values()):
        raise SaleRefusedError(
            _("Coupon {code} of this sale took no discount.").format(code=row.code)
        )
    return SaleCoupon(str(row.code), int(row.id), int(row.campaign_id), shares)


def redeem_offline(
    uow: UnitOfWork, sale: OfflineSale, coupon: SaleCoupon, order_id: int, cart: PricedCart
) -> SyncConflict | None:
    """Count the coupon's use on ``order_id`` at the journal's discount; the conflict, if any.

    The conflict row is added (not flushed); the caller records its event with the others.
    """
    session = uow.session
    session.add(
        CouponRedemption(
            code_id=coupon.code_id,
            campaign_id=coupon.campaign_id,
            order_id=order_id,
            customer_account_id=None,
            cashier_id=sale.cashier_id,
            discount_minor=coupon.discount_minor,
            redeemed_at=sale.taken_at,
        )
    )
    uow.record(  # published after the commit, as the till's redemptions
        CouponRedeemed(
            coupon.code_id, coupon.campaign_id, order_id, coupon.discount_minor, sale.taken_at
        )
    )
    session.execute(  # guarded: never past a limit set meanwhile (the conflict tells)
        update(CouponCode)
        .where(
            CouponCode.id == coupon.code_id,
            (CouponCode.max_uses.is_(None)) | (CouponCode.used_count < CouponCode.max_uses),
        )
        .values(used_count=CouponCode.used_count + 1)
    )
    session.execute(
        update(CouponCampaign)
        .where(
            CouponCampaign.id == coupon.campaign_id,
            (CouponCampaign.usage_limit.is_(None))
            | (CouponCampaign.used_count < CouponCampaign.usage_limit),
        )
        .values(used_count=CouponCampaign.used_count + 1)
    )
    now_gives = _gives_now(uow, sale, coupon, cart)
    if now_gives == coupon.shares:
        return None
    first = min(coupon.shares)
    line = next(line for line in sale.lines if line.line_no == first)
    conflict = SyncConflict(
        kind=COUPON_CHANGED,
        store_id=sale.store_id,
        product_id=line.product_id,
        order_id=order_id,
        register=sale.register,
        quantity=line.quantity,
        short_quantity=0,
        on_hand_after=0,
        paid_price_minor=coupon.discount_minor,
        list_price_minor=sum(now_gives.values()),
        sold_at=sale.taken_at,
        created_at=uow.now(),
        resolution="",
    )
    session.add(conflict)
    return conflict


def _gives_now(
    uow: UnitOfWork, sale: OfflineSale, coupon: SaleCoupon, cart: PricedCart
) -> dict[int, int]:
    """What the campaign gives this sale now, as a register's cache would quote it ({}: nothing)."""
    now = uow.now()
    rules = read_coupons(uow.session, now, coupon.code_id)
    if not rules or rules[0].refusal == LIMITED:
        return {}
    by_no = {line.line_no: line for line in sale.lines}
    basket = [
        BasketLine(
            line.line_no,
            by_no[line.line_no].product_id,
            None,
            items_of(by_no[line.line_no].quantity, by_no[line.line_no].unit),
            line.before_coupon_minor,
        )
        for line in cart.lines
    ]
    try:
        return quote_offline(rules[0], coupon.code, basket, now).line_discounts
    except CouponRefused:
        return {}
