"""The register's sales facade that keeps selling when the server is gone (#21).

:class:`OfflineSales` is the :class:`~posapp.services.sales.api.SalesApi` the register is given
on PostgreSQL. While the :class:`~posapp.services.sales.offline.link.ServerLink` says the server
answers, every call goes to the server as before. When a call fails for want of a connection
(:func:`~posapp.services.sales.offline.reach.server_gone`), the link is told at once (the register
is offline from that moment, not from the next probe) and the call is answered from the cache.
Any other error from the server is its answer, not its absence: the register stays online and
the call fails with a message for the cashier (a sale stays on the register, nothing saved).
Offline, calls are answered from the cache:

- product lookups and searches by code or name, at the cached prices and taxes;
- the till (the one the register had open), the discount cap, a manager's approval checked
  against the cached password hash;
- the sale itself: :meth:`OfflineSales.place_order` journals it through the
  :class:`~posapp.services.sales.offline.till.OfflineTill` with the sale's own UUID — a sale whose
  COMMIT answer was lost is therefore the same sale when the journal replays, never a second one;
- its receipt: an ``OrderDetail`` of the journalled sale (status ``offline``, number
  ``OFF-R1-00012``), printed and shown marked OFFLINE.

What needs the server's balance or a single-use code is refused with a message for the cashier:
an account, gift card or points tender, a gift card sold, a customer attached, a coupon (unless
the shop's policy ``offline.coupons`` is ``shared``: then one code of a shared-code campaign the
cache holds, :mod:`.coupons`), a price override, an order discount, a pickup.
Audit writes that only record the cashier's steps (a line removed, a sale cancelled) are skipped
offline: the sale itself, journalled and chained, is what the server gets.

The receipts of the last :data:`KEPT_RECEIPTS` offline sales are kept in memory for reprints and
the drawer; nothing grows per sale.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import tzinfo
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from posapp.i18n import N_, _
from posapp.services.coupons import BasketLine
from posapp.services.customers import CustomerPoints, GiftCardDTO
from posapp.services.platform import registry
from posapp.services.platform.context import ServiceContext
from posapp.services.platform.dto import ShopProfile, UserDTO
from posapp.services.platform.errors import DatabaseError, ValidationError
from posapp.services.platform.printer import connected, kick_drawer
from posapp.services.platform.printer_address import parse_printer
from posapp.services.platform.setting_specs import Spec
from posapp.services.platform.zone import machine_zone
from posapp.services.sales import drawer
from posapp.services.sales.api import SalesApi
from posapp.services.sales.card_rules import CardRules
from posapp.services.sales.dto import (
    BasketItem,
    CategoryDTO,
    CouponQuoteDTO,
    ManagerApproval,
    PaymentKind,
    PlacedOrder,
    ProductDTO,
    SaleDraft,
    ScannedItem,
)
from posapp.services.sales.escpos import print_receipt
from posapp.services.sales.offline.cache import CachedProduct, CachedStaff
from posapp.services.sales.offline.detail import OFFLINE_STATUS, offline_detail, offline_till
from posapp.services.sales.offline.grid import cached_categories
from posapp.services.sales.offline.inflight import ServerCalls, Unanswered
from posapp.services.sales.offline.link import LinkStatus, ServerLink
from posapp.services.sales.offline.reach import describe, server_gone
from posapp.services.sales.offline.sale import OfflineTender, TenderKind
from posapp.services.sales.offline.till import OfflineItem, OfflineReceipt, OfflineTill
from posapp.services.sales.order_dto import OrderDetail
from posapp.services.sales.receipt import receipt_model
from posapp.services.sales.till_dto import TillSessionDTO
from posapp.services.staff import Permission

__all__ = ["KEPT_RECEIPTS", "OfflineSales"]

R = TypeVar("R")
_log = logging.getLogger(__name__)
KEPT_RECEIPTS = 20
"""How many offline receipts stay in memory (reprint, drawer, email offer)."""

SALE_REFUSED = N_(
    "The server refused this sale ({reason}). Nothing was saved and the sale is still here: "
    "try again, or call a manager."
)
"""What the cashier reads when the server answers a sale with an error (it stays online)."""
CALL_REFUSED = N_(
    "The server could not do this ({reason}). Nothing was changed: try again, or call a manager."
)
"""The same for any other call (a search, the till, an approval)."""
UNANSWERED = N_(
    "The server stopped answering, and this sale cannot be taken offline: {reason} The sale is "
    "still here: pay it again once the server is back (it is never placed twice)."
)
"""A sale the server went silent on (:mod:`.inflight`) that the offline till cannot take."""

_KINDS = {PaymentKind.CASH: TenderKind.CASH, PaymentKind.CARD: TenderKind.CARD}


class OfflineSales(SalesApi):
    """``backend.sales`` for the register, answering from the cache while offline.

    Args:
        context: The service context (as for :class:`SalesApi`).
        link: The register's link to its server (the background runner ticks it).
        till: Sells from the cache into the journal.
    """

    def __init__(self, context: ServiceContext, link: ServerLink, till: OfflineTill) -> None:
        super().__init__(context)
        self.link = link
        self.offline_till = till
        self.calls = ServerCalls(link)
        """Where a sale is sent to the server, waited for only while the server answers."""
        self._lock = threading.Lock()
        self._receipts: OrderedDict[int, tuple[OfflineReceipt, str]] = OrderedDict()
        self._last_till: TillSessionDTO | None = None
        self._listeners: list[Callable[[LinkStatus], None]] = []
        self.refresh_soon: Callable[[], None] = _nothing
        """Catch the cache up soon (the composition root's wake of the catch-up job)."""

    # --- the link, for the status bar ---------------------------------------------------------

    @property
    def online(self) -> bool:
        """Whether the register sells through the server now."""
        return self.link.online

    @property
    def status(self) -> LinkStatus:
        """The link's state and counts now."""
        return self.link.status

    def subscribe(self, listener: Callable[[LinkStatus], None]) -> None:
        """Call ``listener`` (from any thread) whenever the link's state or counts change."""
        with self._lock:
            self._listeners = [*self._listeners, listener]

    def unsubscribe(self, listener: Callable[[LinkStatus], None]) -> None:
        """Stop calling ``listener``."""
        with self._lock:
            self._listeners = [f for f in self._listeners if f is not listener]

    def announce(self, status: LinkStatus) -> None:
        """Hand a change of the link to every listener (the link's ``on_change``/``on_count``)."""
        for listener in self._listeners:  # copy on write: no lock while calling out
            try:
                listener(status)
            except Exception:  # a window closing meanwhile must not stop the link
                _log.exception("an offline status listener failed")

    # --- the catalogue -------------------------------------------------------------------------

    def scan_code(self, actor: UserDTO, code: str) -> ScannedItem | None:
        """The product of a scanned code (scale barcodes only online)."""

        def cached() -> ScannedItem | None:
            product = self._cached_code(code)
            return None if product is None else ScannedItem(product)

        return self._either(lambda: super(OfflineSales, self).scan_code(actor, code), cached)

    def lookup_code(self, actor: UserDTO, code: str) -> ProductDTO | None:
        """The product whose barcode or SKU is ``code``."""
        return self._either(
            lambda: super(OfflineSales, self).lookup_code(actor, code),
            lambda: self._cached_code(code),
        )

    def search_products(self, actor: UserDTO, text: str, limit: int = 30) -> list[ProductDTO]:
        """Products whose name or SKU contains ``text`` (from the cache while offline)."""
        return self._either(
            lambda: super(OfflineSales, self).search_products(actor, text, limit),
            lambda: [_product(p) for p in self.offline_till.cache.search(text, limit)],
        )

    def categories(self, actor: UserDTO) -> list[CategoryDTO]:
        """The product grid's categories (the cached ones while offline)."""
        return self._either(
            lambda: super(OfflineSales, self).categories(actor),
            lambda: cached_categories(self.offline_till.cache),
        )

    def category_products(
        self, actor: UserDTO, category_id: int, limit: int = 60
    ) -> list[ProductDTO]:
        """A category's products for the grid (the cached ones while offline)."""
        return self._either(
            lambda: super(OfflineSales, self).category_products(actor, category_id, limit),
            lambda: [
                _product(p) for p in self.offline_till.cache.category_products(category_id, limit)
            ],
        )

    def quote_coupon(
        self,
        actor: UserDTO,
        code: str,
        basket: Sequence[BasketItem],
        customer_account_id: int | None,
        other_codes: Sequence[str] = (),
    ) -> CouponQuoteDTO:
        """A coupon's discount; offline, a shared code from the cache (``offline.coupons``)."""

        def cached() -> CouponQuoteDTO:
            if not self.offline_till.takes_coupons():
                return _no_coupons()
            lines = [
                BasketLine(i.line_no, i.product_id, i.category_id, i.quantity, i.amount_minor)
                for i in basket
            ]
            quote = self.offline_till.quote_coupon(code, lines, other_codes)
            return CouponQuoteDTO(
                quote.coupon.code,
                quote.coupon.name,
                quote.discount_minor,
                tuple(sorted(quote.line_discounts.items())),
                stacks=False,
            )

        return self._either(
            lambda: super(OfflineSales, self).quote_coupon(
                actor, code, basket, customer_account_id, other_codes
            ),
            cached,
        )

    def gift_card(self, actor: UserDTO, code: str) -> GiftCardDTO:
        """A gift card's balance (refused while offline: it is the server's)."""

        def refuse() -> GiftCardDTO:
            raise ValidationError(_("Offline, gift cards cannot be used: they need the server."))

        return self._either(lambda: super(OfflineSales, self).gift_card(actor, code), refuse)

    def customer_points(self, actor: UserDTO, customer_id: int) -> CustomerPoints:
        """A customer's points for the points tender (refused while offline: the server's)."""

        def refuse() -> CustomerPoints:
            raise ValidationError(_("Offline, points cannot be used: they need the server."))

        return self._either(
            lambda: super(OfflineSales, self).customer_points(actor, customer_id), refuse
        )

    def discount_cap_bp(self) -> int:
        """The cashiers' discount cap (the cached setting while offline)."""
        return self._either(
            lambda: super(OfflineSales, self).discount_cap_bp(),
            lambda: self._cached_setting(registry.DISCOUNT_CAP_BP),
        )

    def card_rules(self) -> CardRules:
        """The card details the shop asks for (the cached setting while offline)."""

        def cached() -> CardRules:
            value = self._cached_setting(registry.CARD_DETAILS)
            return CardRules(
                reference=value in ("reference_and_last_four", "reference"),
                last4=value in ("reference_and_last_four", "last_four"),
            )

        return self._either(lambda: super(OfflineSales, self).card_rules(), cached)

    def verify_approval(self, actor: UserDTO, approval: ManagerApproval, permission: str) -> str:
        """A manager's approval (checked against the cached hash while offline)."""

        def cached() -> str:
            approver = self.offline_till.approve(
                self._cashier(actor), approval.username, approval.password, Permission(permission)
            )
            return approver.full_name or approver.username_key

        return self._either(
            lambda: super(OfflineSales, self).verify_approval(actor, approval, permission), cached
        )

    # --- the till and the sale ---------------------------------------------------------------

    def current_till(self, actor: UserDTO) -> TillSessionDTO | None:
        """This register's open till (the one the cache holds while offline)."""

        def online() -> TillSessionDTO | None:
            till = super(OfflineSales, self).current_till(actor)
            self._last_till = till
            cached = self.offline_till.cache.till()
            cached_id = None if cached is None else cached.session_id
            if (None if till is None else till.id) != cached_id:
                self.refresh_soon()  # opened or closed since the cache was filled
            return till

        return self._either(
            online,
            lambda: offline_till(self.offline_till.cache, self._last_till, self.register),
        )

    @property
    def register(self) -> str:
        """This register's name."""
        return self.offline_till.register

    def place_order(self, actor: UserDTO, draft: SaleDraft) -> PlacedOrder:
        """Place the sale on the server; offline (or when the server is lost), journal it.

        Online, the server's answer is awaited on a worker thread only until the link goes
        offline (a silent network, :mod:`.inflight`): then the sale is journalled with its own
        UUID, and the replay finds it on the server should the abandoned call still commit.
        """
        try:
            return self._either(
                lambda: self.calls.answer(
                    lambda: super(OfflineSales, self).place_order(actor, draft)
                ),
                lambda: self._journal(actor, draft),
                refused=SALE_REFUSED,
            )
        except Unanswered as silent:
            _log.warning("no answer to sale %s: taken offline (%s)", draft.sale_uuid, silent)
            if not silent.link_offline:
                self.link.lost(str(silent))
            try:
                return self._journal(actor, draft)
            except ValidationError as exc:
                raise DatabaseError(_(UNANSWERED).format(reason=str(exc))) from exc

    def record_line_removed(
        self,
        actor: UserDTO,
        sale_uuid: uuid.UUID,
        product_id: int,
        quantity: int,
        total_minor: int,
    ) -> None:
        """Audit a line taken off the sale (skipped while offline: the server is gone)."""
        self._either(
            lambda: super(OfflineSales, self).record_line_removed(
                actor, sale_uuid, product_id, quantity, total_minor
            ),
            _nothing,
        )

    def void_sale(
        self,
        actor: UserDTO,
        sale_uuid: uuid.UUID,
        lines: int,
        total_minor: int,
        reason: str = "",
    ) -> None:
        """Audit a cancelled sale (skipped while offline: nothing was placed)."""
        self._either(
            lambda: super(OfflineSales, self).void_sale(
                actor, sale_uuid, lines, total_minor, reason
            ),
            _nothing,
        )

    # --- receipts ------------------------------------------------------------------------------

    def order_detail(self, actor: UserDTO, order_id: int) -> OrderDetail:
        """An order; an offline sale's (a negative id) from its journalled receipt."""
        if order_id < 0:
            return self._offline_detail(order_id)
        return super().order_detail(actor, order_id)

    def shop_zone(self) -> tzinfo:
        """The shop's time zone (the machine's while offline)."""
        return self._either(lambda: super(OfflineSales, self).shop_zone(), machine_zone)

    def shop_profile(self) -> ShopProfile:
        """The shop profile on receipts (the plain one while offline)."""
        return self._either(lambda: super(OfflineSales, self).shop_profile(), ShopProfile)

    def after_sale(self, actor: UserDTO, order_id: int) -> drawer.PrintedDTO:
        """Print the receipt and open the drawer; an offline sale's from the cached settings."""
        if order_id >= 0:
            return super().after_sale(actor, order_id)
        receipt, _cashier = self._kept(order_id)
        cash = any(t.kind is TenderKind.CASH for t in receipt.entry.sale.tenders)
        kick = cash and self._cached_setting(registry.DRAWER_KICK) == "cash_sales"
        return self._print_offline(order_id, kick=kick)

    def print_receipt(self, actor: UserDTO, order_id: int, *, copy: bool = False) -> bool:
        """Print a receipt again; an offline sale's from its journalled receipt."""
        if order_id >= 0:
            return super().print_receipt(actor, order_id, copy=copy)
        return self._print_offline(order_id, kick=False, copy=copy).printed

    # --- inside --------------------------------------------------------------------------------

    def _either(
        self, online: Callable[[], R], offline: Callable[[], R], *, refused: str = CALL_REFUSED
    ) -> R:
        """``online()`` while the link is up; ``offline()`` when it is down or is lost now.

        Only a lost server (:func:`.reach.server_gone`) sends the register offline. Any other
        error from the server is its answer: the register stays online and the call fails, a
        :class:`DatabaseError` as it is (its message is for people), a driver's error as a
        :class:`DatabaseError` saying ``refused`` with the server's reason.
        """
        if self.link.online:
            try:
                return online()
            except (DatabaseError, SQLAlchemyError) as exc:
                if not server_gone(exc):
                    _log.warning("the server refused a call (the register stays online): %s", exc)
                    if isinstance(exc, DatabaseError):
                        raise
                    raise DatabaseError(_(refused).format(reason=describe(exc))) from exc
                self.link.lost(describe(exc))
        return offline()

    def _journal(self, actor: UserDTO, draft: SaleDraft) -> PlacedOrder:
        refusal = _refusal(draft, coupons=self.offline_till.takes_coupons())
        if refusal:
            raise ValidationError(refusal)
        cashier = self._cashier(actor)
        approver = self._approver(cashier, draft)
        items = [
            OfflineItem(line.line_no, line.product_id, line.quantity, line.discount)
            for line in draft.lines
        ]
        tenders = [
            OfflineTender(
                p.payment_uuid,
                _KINDS[p.method],
                p.amount_minor,
                p.tendered_minor,
                card_reference=p.card_reference,
                card_last4=p.card_last4,
            )
            for p in draft.payments
        ]
        till = self.offline_till
        expected = draft.expected_total_minor
        if expected is None:
            expected = till.price(items).total_minor
        receipt = till.take(
            cashier,
            items,
            tenders,
            sale_uuid=draft.sale_uuid,
            expected_total_minor=expected,
            approver=approver,
            note=draft.note,
            coupon=draft.coupon_codes[0] if draft.coupon_codes else None,
        )
        order_id = -receipt.entry.seq
        with self._lock:
            self._receipts[order_id] = (receipt, cashier.full_name or actor.username)
            while len(self._receipts) > KEPT_RECEIPTS:
                self._receipts.popitem(last=False)
        self.link.recorded()
        paid = sum(t.amount_minor for t in tenders)
        return PlacedOrder(
            order_id,
            receipt.number,
            OFFLINE_STATUS,
            receipt.cart.total_minor,
            paid,
            receipt.change_minor,
        )

    def _cashier(self, actor: UserDTO) -> CachedStaff:
        staff = self.offline_till.cache.staff(actor.username)
        if staff is None or staff.id != actor.id:
            raise ValidationError(
                _(
                    "Offline, {name} is not known to this register: sell when the server is back."
                ).format(name=actor.username)
            )
        return staff

    def _approver(self, cashier: CachedStaff, draft: SaleDraft) -> CachedStaff | None:
        approvals = (line.discount_approval for line in draft.lines if line.discount_approval)
        approval = next(approvals, None)
        if approval is None:
            return None
        return self.offline_till.approve(
            cashier, approval.username, approval.password, Permission.DISCOUNT_ABOVE_CAP
        )

    def _kept(self, order_id: int) -> tuple[OfflineReceipt, str]:
        with self._lock:
            kept = self._receipts.get(order_id)
        if kept is None:
            raise ValidationError(_("This offline sale's receipt is no longer at hand."))
        return kept

    def _offline_detail(self, order_id: int) -> OrderDetail:
        receipt, cashier = self._kept(order_id)
        last = self._last_till
        store_name = last.store_name if last is not None else ""
        return offline_detail(receipt, cashier, self.offline_till.cache, store_name)

    def _print_offline(self, order_id: int, *, kick: bool, copy: bool = False) -> drawer.PrintedDTO:
        address = parse_printer(self._cached_setting(registry.RECEIPT_PRINTER))
        if address.kind == "none":
            return drawer.PrintedDTO(printed=False, drawer_opened=False)
        model = receipt_model(self._offline_detail(order_id), zone=machine_zone(), copy=copy)
        with connected(address) as printer:
            if kick:
                kick_drawer(printer)
            print_receipt(printer, model)
        return drawer.PrintedDTO(printed=True, drawer_opened=kick)

    def _cached_code(self, code: str) -> ProductDTO | None:
        found = self.offline_till.cache.by_code(code)
        return None if found is None or not found.active else _product(found)

    def _cached_setting(self, spec: Spec[R]) -> R:
        text = self.offline_till.cache.setting(spec.key)
        return registry.typed_value(spec, None if text is None else json.loads(text))


def _refusal(draft: SaleDraft, *, coupons: bool) -> str:
    """Why the sale cannot be taken offline ("" when it can); ``coupons``: the policy takes one."""
    refusals = (
        (
            any(payment.method not in _KINDS for payment in draft.payments),
            _(
                "Offline, only cash and card are taken: an account, a gift card or points "
                "need the server's balance."
            ),
        ),
        (
            bool(draft.coupon_codes) and not coupons,
            _("Offline, coupons are not taken: remove the coupon (F8) or wait for the server."),
        ),
        (len(draft.coupon_codes) > 1, _("Offline, one coupon per sale.")),
        (bool(draft.gift_cards), _("Offline, gift cards cannot be sold: they need the server.")),
        (
            draft.customer_account_id is not None or draft.customer_id is not None,
            _("Offline, a sale cannot be recorded for a customer: detach the customer (F4)."),
        ),
        (draft.pickup, _("Offline, pickup orders cannot be taken.")),
        (
            draft.order_discount is not None,
            _("Offline, an order discount cannot be given: give it on the lines (F6)."),
        ),
        (
            any(line.unit_price_minor is not None for line in draft.lines),
            _("Offline, prices cannot be changed: sell at the shown price or wait."),
        ),
    )
    return next((text for refused, text in refusals if refused), "")


def _nothing() -> None:
    """What an audit-only call does offline."""


def _no_coupons() -> CouponQuoteDTO:
    raise ValidationError(
        _("Offline, coupons are not taken, and no product has this code in the offline catalog.")
    )


def _product(cached: CachedProduct) -> ProductDTO:
    return ProductDTO(
        cached.id,
        cached.sku_key,
        cached.barcode,
        cached.name,
        cached.category_id,
        cached.price_minor,
        cached.tax_rate_bp,
        cached.tax_included,
        cached.unit,
    )
