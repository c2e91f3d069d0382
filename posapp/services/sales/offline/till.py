"""Selling from the cache while the server is gone: price, check, journal — nothing else.

:class:`OfflineTill` is what the register calls in offline mode instead of the sales facade. It
prices a sale with the same :func:`~posapp.services.sales.pricing.price_cart` as checkout, at the
cached prices, checks the tenders with the same :func:`~posapp.services.sales.pricing.settle`, and
writes the sale to the journal; the receipt carries a provisional number (``OFF-R1-00012``) until
the replay gives the sale its real one.

What it refuses, with a message for the cashier: an account, gift card or points tender (it needs
the server's balance); a coupon unless the shop's policy ``offline.coupons`` is ``shared`` and it
is one code of a shared-code campaign the cache holds (:mod:`.coupons`; a single-use code could be
spent twice on two registers); a price override; a product the cache does
not know or that was archived; a sale when the cache holds no open till for this register; a
discount above the cap without a manager's password checked against the cached hash.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from posapp.i18n import N_, _
from posapp.money import apply_rate_bp
from posapp.services.coupons import BasketLine, code_key
from posapp.services.platform import registry
from posapp.services.platform.errors import AuthenticationError, ValidationError
from posapp.services.platform.setting_specs import Spec
from posapp.services.sales.offline.cache import CachedStaff, OfflineCache
from posapp.services.sales.offline.coupons import POLICY_SHARED, OfflineQuote, quote_offline
from posapp.services.sales.offline.journal import JournalEntry, OfflineJournal
from posapp.services.sales.offline.sale import OfflineLine, OfflineSale, OfflineTender, TenderKind
from posapp.services.sales.pricing import (
    Discount,
    PricedCart,
    PriceLine,
    Tender,
    price_cart,
    settle,
)
from posapp.services.staff import (
    Permission,
    credentials_match,
    permissions_of,
    verify_password,
)
from posapp.units import items_of

__all__ = ["OfflineItem", "OfflineReceipt", "OfflineTill"]

T = TypeVar("T")

LOGIN_FAILED = N_("Unknown username or wrong password.")


@dataclass(frozen=True, slots=True)
class OfflineItem:
    """One line the cashier rang up: a product, how many, and any discount."""

    line_no: int
    product_id: int
    quantity: int
    discount: Discount | None = None


@dataclass(frozen=True, slots=True)
class OfflineReceipt:
    """A sale taken offline: its journal entry, its figures, and its provisional number."""

    entry: JournalEntry
    number: str
    cart: PricedCart
    change_minor: int


class OfflineTill:
    """The register's sales while offline (one per register)."""

    def __init__(
        self,
        cache: OfflineCache,
        journal: OfflineJournal,
        register: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.cache = cache
        self.journal = journal
        self.register = register
        self._clock = clock

    # --- people -----------------------------------------------------------------------------

    def sign_in(self, username: str, secret: str) -> CachedStaff:
        """Check a log-in against the cached hashes (password, or a cashier's PIN).

        Raises:
            AuthenticationError: unknown name, wrong secret, or a role that may not sell.
        """
        staff = self.cache.staff(username)
        if staff is None:
            matched = verify_password(None, secret)  # the same hashing time as a real name
        else:  # the server's own rule (a PIN is a cashier's only)
            matched, _hash = credentials_match(
                staff.role, staff.password_hash, staff.pin_hash, secret
            )
        if staff is None or not matched or Permission.SELL not in permissions_of(staff.role):
            raise AuthenticationError(_(LOGIN_FAILED))
        return staff

    def approve(
        self, cashier: CachedStaff, username: str, password: str, permission: Permission
    ) -> CachedStaff:
        """A manager's approval checked offline: a password (never a PIN), another person.

        Raises:
            AuthenticationError: unknown name or wrong password.
            ValidationError: the cashier approving themselves, or a role without ``permission``.
        """
        approver = self.cache.staff(username)
        matches = verify_password(None if approver is None else approver.password_hash, password)
        if approver is None or not matches:
            raise AuthenticationError(_("Approval refused: unknown username or wrong password."))
        if approver.id == cashier.id:
            raise ValidationError(_("Someone else must approve."))
        if permission not in permissions_of(approver.role):
            raise ValidationError(
                _("{value} may not approve this.").format(value=approver.full_name or username)
            )
        return approver

    # --- selling ----------------------------------------------------------------------------

    def takes_coupons(self) -> bool:
        """Whether the shop's policy takes shared-code coupons offline (``offline.coupons``)."""
        return self._setting(registry.OFFLINE_COUPONS) == POLICY_SHARED

    def quote_coupon(
        self, code: str, lines: Sequence[BasketLine], other_codes: Sequence[str] = ()
    ) -> OfflineQuote:
        """What a shared code takes off the basket, from the cached rule (policy ``shared``).

        Raises:
            ValidationError: the policy refuses coupons, or a second code on the sale.
            CouponRefused: the code cannot be taken offline (the message says why).
        """
        if not self.takes_coupons():
            raise ValidationError(_("Offline, coupons are not taken (the shop's policy)."))
        if other_codes:
            raise ValidationError(_("Offline, one coupon per sale."))
        return quote_offline(self.cache.coupon(code_key(code)), code, lines, self._clock())

    def price(self, items: Sequence[OfflineItem]) -> PricedCart:
        """The cart at the cached prices (what the register shows while offline).

        Raises:
            ValidationError: no items, an unknown or archived product, a bad quantity or discount.
        """
        return price_cart([self._price_line(item) for item in self._checked(items)])

    def take(
        self,
        cashier: CachedStaff,
        items: Sequence[OfflineItem],
        tenders: Sequence[OfflineTender],
        *,
        sale_uuid: uuid.UUID,
        expected_total_minor: int,
        approver: CachedStaff | None = None,
        note: str = "",
        coupon: str | None = None,
    ) -> OfflineReceipt:
        """Price, check and journal one paid sale; durable when this returns.

        The same ``sale_uuid`` again (Pay pressed twice) returns the first receipt.

        Raises:
            ValidationError: see the module's text; tenders that do not pay the total exactly;
                a total other than the one the customer was shown.
        """
        till = self.cache.till()
        if till is None:
            raise ValidationError(
                _(
                    "This register's till was not open when the server went away: "
                    "sales can wait until it is back."
                )
            )
        for tender in tenders:
            if tender.kind not in (TenderKind.CASH, TenderKind.CARD):
                raise ValidationError(_("Offline, only cash and card are taken."))
        cart = self.price(items)
        quote = None if coupon is None else self.quote_coupon(coupon, self._basket(cart, items))
        if quote is not None:
            cart = price_cart(
                [self._price_line(item) for item in items], coupon_shares=quote.line_discounts
            )
        if cart.total_minor != expected_total_minor:
            raise ValidationError(_("The total changed: check the sale and take payment again."))
        self._check_discounts(cart, approver)
        settlement = settle(
            cart.total_minor,
            [Tender(t.kind.value, t.amount_minor, t.tendered_minor) for t in tenders],
        )
        if not settlement.complete:
            raise ValidationError(_("Take the rest of the payment before completing the sale."))
        priced = {line.line_no: line for line in cart.lines}
        lines = []
        for item in items:
            product = self.cache.product(item.product_id)
            assert product is not None  # checked by price()
            lines.append(
                OfflineLine(
                    item.line_no,
                    product.id,
                    product.name,
                    item.quantity,
                    product.price_minor,
                    product.tax_rate_bp,
                    product.tax_included,
                    discount_minor=priced[item.line_no].line_discount_minor,
                    coupon_minor=priced[item.line_no].coupon_minor,
                    unit=product.unit,
                    approver_id=None if approver is None else approver.id,
                )
            )
        earlier = self.journal.find(sale_uuid)  # Pay pressed twice: the same sale, the same time
        sale = OfflineSale(
            sale_uuid=sale_uuid,
            taken_at=self._clock() if earlier is None else earlier.sale.taken_at,
            register=self.register,
            store_id=till.store_id,
            till_session_id=till.session_id,
            cashier_id=cashier.id,
            lines=tuple(lines),
            tenders=tuple(tenders),
            total_minor=cart.total_minor,
            coupon_codes=() if quote is None else (quote.coupon.code,),
            note=note,
        )
        entry = self.journal.record(sale)
        return OfflineReceipt(
            entry, f"OFF-{self.register}-{entry.seq:05d}", cart, settlement.change_minor
        )

    def unsynced(self) -> int:
        """Sales the server does not have yet (the Z report waits for them)."""
        return self.journal.unsynced()

    # --- inside -----------------------------------------------------------------------------

    def _checked(self, items: Sequence[OfflineItem]) -> Sequence[OfflineItem]:
        if not items:
            raise ValidationError(_("The sale has no items."))
        for item in items:
            product = self.cache.product(item.product_id)
            if product is None:
                raise ValidationError(
                    _(
                        "Line {line_no}: this product is not known offline; sell it "
                        "when the server is back."
                    ).format(line_no=item.line_no)
                )
            if not product.active:
                raise ValidationError(
                    _("{product_name} is no longer sold (archived).").format(
                        product_name=product.name
                    )
                )
        return items

    def _basket(self, cart: PricedCart, items: Sequence[OfflineItem]) -> list[BasketLine]:
        """The lines as the coupon rules see them (as checkout builds them: after discounts)."""
        by_no = {item.line_no: item for item in items}
        basket = []
        for line in cart.lines:
            item = by_no[line.line_no]
            product = self.cache.product(item.product_id)
            assert product is not None  # checked by price()
            quantity = items_of(item.quantity, product.unit)
            basket.append(
                BasketLine(line.line_no, item.product_id, None, quantity, line.before_coupon_minor)
            )
        return basket

    def _price_line(self, item: OfflineItem) -> PriceLine:
        product = self.cache.product(item.product_id)
        assert product is not None  # checked by _checked()
        return PriceLine(
            item.line_no,
            item.quantity,
            product.price_minor,
            product.tax_rate_bp,
            product.tax_included,
            item.discount,
            product.unit,
        )

    def _check_discounts(self, cart: PricedCart, approver: CachedStaff | None) -> None:
        """The cashiers' cap, compared as checkout compares it (rounded the same way)."""
        if approver is not None and Permission.DISCOUNT_ABOVE_CAP in permissions_of(approver.role):
            return
        cap = self._setting(registry.DISCOUNT_CAP_BP)
        for line in cart.lines:
            if line.line_discount_minor > apply_rate_bp(line.gross_minor, cap):
                raise ValidationError(
                    _("A discount above {cap:g} % needs a manager's approval.").format(
                        cap=cap / 100
                    )
                )

    def _setting(self, spec: Spec[T]) -> T:
        text = self.cache.setting(spec.key)
        return registry.typed_value(spec, None if text is None else json.loads(text))
