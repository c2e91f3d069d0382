"""What the register's keys do beyond scanning: dialogs, approvals, coupons, park, pay, receipt.

Kept apart from :mod:`posapp.ui.register.view` (the layout and the scanning path) so each file
stays readable. The flow never imports the view: it works through :class:`RegisterScreen`, the
small public surface the view offers (its cart, the sales facade, messages, refresh), so calls go
one way, view → flow → screen methods.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtWidgets import QWidget

from posapp.i18n import N_, _, ngettext
from posapp.money import apply_rate_bp
from posapp.reports.receipt import receipt_pdf
from posapp.services.coupons import CouponRefused
from posapp.services.platform.errors import ServiceError
from posapp.services.sales import (
    ApprovalRequiredError,
    CardRules,
    CouponQuoteDTO,
    Discount,
    DiscountKind,
    ManagerApproval,
    ParkedSaleDTO,
    PaymentDraft,
    PlacedOrder,
    ProductDTO,
    TillSessionDTO,
)
from posapp.services.staff import Permission
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.lifetime import one_use
from posapp.ui.register.cart import Cart
from posapp.ui.register.dialogs import (
    ApprovalDialog,
    CouponDialog,
    ValueDialog,
    discount_dialog,
    price_dialog,
    quantity_dialog,
)
from posapp.ui.register.display_link import CustomerDisplayLink
from posapp.ui.register.drawer import CashDrawer
from posapp.ui.register.model import CartTableModel
from posapp.ui.register.panels import minus_money
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.pickers import CustomerPicker, ParkedPicker, product_picker
from posapp.ui.register.points import sale_points
from posapp.ui.register.receipts import ReceiptEmailOffer, ReceiptSink, save_and_open_receipt
from posapp.ui.register.screen import SaleScreen
from posapp.units import format_quantity, line_amount

UNKNOWN_COUPON = "unknown"
"""The refusal reason of a code that is no coupon at all (then it is an unknown code)."""

APPROVAL_TEXT = {
    Permission.OVERRIDE_PRICE.value: N_("Changing a price needs a manager's approval."),
    Permission.DISCOUNT_ABOVE_CAP.value: N_("A discount above the cap needs a manager's approval."),
    Permission.VOID.value: N_("Cancelling an order needs a manager's approval."),
    Permission.REFUND_WITHOUT_RECEIPT.value: N_("A return without a receipt needs a manager."),
}


class RegisterScreen(SaleScreen, Protocol):
    """What the flow needs of the register view (:class:`posapp.ui.register.RegisterView`)."""

    @property
    def model(self) -> CartTableModel:
        """The cart as the register's table shows it (the customer display shows it too)."""
        ...

    @property
    def till(self) -> TillSessionDTO | None:
        """This register's open till (None: closed)."""
        ...

    def refresh_till(self) -> None:
        """Read the till again."""
        ...

    def new_sale(self, cart: Cart | None = None) -> None:
        """Start a fresh sale (or show a resumed one)."""
        ...

    def add_product(self, product: ProductDTO, quantity: int = 1) -> bool:
        """Add units of a product to the sale."""
        ...

    def selected_line_no(self) -> int | None:
        """The chosen line."""
        ...

    def record_removal(self, line_no: int, units: int) -> bool:
        """Audit units taken off a line before it changes; False when that failed."""
        ...

    def apply_change(self, change: Callable[[], None], select: int | None = None) -> bool:
        """Change the cart; say why not, or requote and refresh."""
        ...

    def may(self, permission: Permission) -> bool:
        """Whether the cashier may do this without a manager."""
        ...


class RegisterFlow:
    """The register's actions that open dialogs or talk to the services.

    Args:
        view: The register screen the flow works on.
        parent: The widget its dialogs belong to (the register view itself).
    """

    def __init__(self, view: RegisterScreen, parent: QWidget) -> None:
        self.view = view
        self.parent = parent
        self.receipt_sink: ReceiptSink = save_and_open_receipt
        self.last_order: PlacedOrder | None = None
        self.drawer = CashDrawer(view, parent, self.approval)
        self.display = CustomerDisplayLink(
            parent, view.model, view.sales, lambda: view.till.store_name if view.till else ""
        )
        self._next_code = ""

    @property
    def cart(self) -> Cart:
        """The view's current sale."""
        return self.view.cart

    def _run(self, dialog: ValueDialog) -> object | None:
        """Run a value dialog; its value, or None when cancelled."""
        with one_use(dialog):
            return dialog.value if dialog.exec() else None

    # --- approvals ----------------------------------------------------------------------------

    def approval(self, permission: str, what: str = "") -> ManagerApproval | None:
        """Ask a manager to approve; None when the cashier gave up."""
        view = self.view
        with one_use(
            ApprovalDialog(
                what or _(APPROVAL_TEXT.get(permission, N_("This needs a manager's approval."))),
                lambda approval: view.sales.verify_approval(view.user, approval, permission),
                self.parent,
            )
        ) as dialog:
            return dialog.approval if dialog.exec() else None

    def _needs_discount_approval(self, off_minor: int, base_minor: int) -> bool:
        if self.view.may(Permission.DISCOUNT_ABOVE_CAP) or off_minor == 0:
            return False
        try:
            cap = self.view.sales.discount_cap_bp()
        except ServiceError:
            cap = 0
        return off_minor > apply_rate_bp(base_minor, cap)

    # --- lines --------------------------------------------------------------------------------

    def search_product(self, text: str) -> None:
        """Find a product and add it."""
        view = self.view
        with one_use(
            product_picker(lambda t: view.sales.search_products(view.user, t), text, self.parent)
        ) as picker:
            chosen = picker.chosen if picker.exec() else None
        if isinstance(chosen, ProductDTO):
            view.add_product(chosen)

    def _selected(self) -> int | None:
        line_no = self.view.selected_line_no()
        if line_no is None:
            self.view.say(_("Scan an item first."), "info")
        return line_no

    def change_quantity(self) -> None:
        """Type the chosen line's quantity."""
        line_no = self._selected()
        if line_no is None:
            return
        line = self.cart.line(line_no)
        value = self._run(
            quantity_dialog(line.quantity, line.product.name, self.parent, line.product.unit)
        )
        if not isinstance(value, int):
            return
        if value < line.quantity and not self.view.record_removal(line_no, line.quantity - value):
            return
        self.view.apply_change(lambda: self.cart.set_quantity(line_no, value), line_no)

    def line_discount(self) -> None:
        """A discount on the chosen line."""
        line_no = self._selected()
        if line_no is None:
            return
        line = self.cart.line(line_no)
        cap = self._cap()
        value = self._run(discount_dialog(line.product.name, line.discount, cap, self.parent))
        if value is None and not line.discount:
            return
        discount = value if isinstance(value, Discount) else None
        gross = line_amount(line.price_minor, line.quantity, line.product.unit)
        off = _off(discount, gross)
        approval = None
        if self._needs_discount_approval(off, gross):
            approval = self.approval(Permission.DISCOUNT_ABOVE_CAP.value)
            if approval is None:
                return
        self.view.apply_change(
            lambda: self.cart.set_line_discount(line_no, discount, approval), line_no
        )

    def order_discount(self) -> None:
        """A discount on the whole order."""
        if self.cart.empty:
            self.view.say(_("Scan an item first."), "info")
            return
        cap = self._cap()
        value = self._run(
            discount_dialog(_("the whole order"), self.cart.order_discount, cap, self.parent)
        )
        discount = value if isinstance(value, Discount) else None
        priced = self.cart.priced()
        base = priced.subtotal_minor - priced.line_discount_minor
        approval = None
        if self._needs_discount_approval(_off(discount, base), base):
            approval = self.approval(Permission.DISCOUNT_ABOVE_CAP.value)
            if approval is None:
                return
        self.view.apply_change(lambda: self.cart.set_order_discount(discount, approval))

    def change_price(self) -> None:
        """Override the chosen line's unit price."""
        line_no = self._selected()
        if line_no is None:
            return
        line = self.cart.line(line_no)
        with one_use(
            price_dialog(line.product.name, line.price_minor, line.product.price_minor, self.parent)
        ) as dialog:
            if not dialog.exec():
                return
            price = dialog.value if isinstance(dialog.value, int) else None
        approval = None
        if (
            price is not None
            and price != line.product.price_minor
            and not self.view.may(Permission.OVERRIDE_PRICE)
        ):
            approval = self.approval(
                Permission.OVERRIDE_PRICE.value,
                _("{product}: {old} → {new} needs a manager's approval.").format(
                    product=line.product.name,
                    old=money_text(line.product.price_minor),
                    new=money_text(price),
                ),
            )
            if approval is None:
                return
        self.view.apply_change(lambda: self.cart.set_price(line_no, price, approval), line_no)

    def _cap(self) -> int:
        try:
            return self.view.sales.discount_cap_bp()
        except ServiceError:
            return 0

    # --- customer and coupons -----------------------------------------------------------------

    def attach_customer(self) -> None:
        """Attach a customer, with or without an account (a new one: Ctrl+N), or detach."""
        view, user = self.view, self.view.user
        with one_use(
            CustomerPicker(
                lambda t: view.sales.find_customers(user, t),
                self.cart.customer_name,
                self.parent,
                add=lambda name, phone, email: view.sales.add_customer(user, name, phone, email),
            )
        ) as picker:
            if not picker.exec():
                return
            detached, chosen = picker.detached, picker.chosen
        self.cart.set_person(None if detached else chosen)
        self.requote()
        view.refresh()

    def quote(self, code: str, index: int) -> CouponQuoteDTO:
        """Quote a code against the basket as it stands before coupon ``index``."""
        view = self.view
        return view.sales.quote_coupon(
            view.user,
            code,
            self.cart.basket(before=index),
            self.cart.customer.id if self.cart.customer else None,
            [quote.code for quote in self.cart.coupons[:index]],
        )

    def requote(self) -> None:
        """Quote the applied coupons again after the sale changed; drop what no longer applies."""
        if not self.cart.coupons:
            return
        codes = [quote.code for quote in self.cart.coupons]
        self.cart.set_coupons([])
        dropped = []
        for code in codes:
            try:
                fresh = self.quote(code, len(self.cart.coupons))
                self.cart.set_coupons([*self.cart.coupons, fresh])
            except ServiceError as exc:
                dropped.append(f"{code}: {exc}")
        if dropped:
            self.view.say(
                _("Coupon removed — {reasons}").format(reasons="; ".join(dropped)), "warning"
            )

    def apply_coupon(self, code: str) -> CouponQuoteDTO:
        """Quote ``code`` on the sale and apply it.

        Raises:
            ServiceError: the code cannot be used (``CouponRefused`` says why).
        """
        quote = self.quote(code, len(self.cart.coupons))
        self.cart.set_coupons([*self.cart.coupons, quote])
        self.view.refresh()
        return quote

    def scan_coupon(self, code: str) -> bool:
        """A code scanned that is no product may be a coupon: apply it as F8 would.

        Returns False when it is no coupon either; otherwise the register says what happened
        (applied, or the same refusal the F8 dialog shows).
        """
        view = self.view
        first = _("Scan the items first, then the coupon.")
        try:
            if self.cart.empty:
                self.quote(code, 0)  # only to know whether it is a coupon
                view.say(first, "info")
                return True
            quote = self.apply_coupon(code)
        except CouponRefused as exc:
            if exc.reason == UNKNOWN_COUPON:
                return False
            if self.cart.empty:
                view.say(first, "info")
            else:
                view.say(_("Coupon not applied: {reason}").format(reason=exc), "error")
            return True
        except ServiceError as exc:
            view.say(str(exc), "error")
            return True
        view.say(
            _("Coupon {code} applied: {campaign}, {amount}. F8 lists or removes coupons.").format(
                code=quote.code,
                campaign=quote.campaign_name,
                amount=minus_money(quote.discount_minor),
            ),
            "info",
        )
        return True

    def coupons(self) -> None:
        """Apply or remove coupon codes."""
        if self.cart.empty:
            self.view.say(_("Scan the items first, then the coupon."), "info")
            return

        def apply(code: str) -> None:
            self.apply_coupon(code)

        def remove(code: str) -> None:
            self.cart.set_coupons([q for q in self.cart.coupons if q.code != code])
            self.requote()
            self.view.refresh()

        def applied() -> list[tuple[str, str]]:
            return [
                (q.code, f"{q.campaign_name}: {money_text(-q.discount_minor)}")
                for q in self.cart.coupons
            ]

        with one_use(CouponDialog(apply, remove, applied, self.parent)) as dialog:
            dialog.exec()
        self.view.refresh()

    # --- park and resume ----------------------------------------------------------------------

    def park(self, *, quiet: bool = False) -> bool:
        """Put the sale aside; a new sale starts."""
        view = self.view
        if self.cart.empty:
            if not quiet:
                view.say(_("There is no sale to park."), "info")
            return False
        label = parked_label(self.cart)
        try:
            parked = view.sales.park(
                view.user, self.cart.parked(), self.cart.priced().total_minor, label
            )
        except ServiceError as exc:
            view.say(str(exc), "error")
            return False
        view.new_sale()
        view.say(
            ngettext(
                "Sale parked ({count} item, {total}). F10 brings it back.",
                "Sale parked ({count} items, {total}). F10 brings it back.",
                parked.item_count,
            ).format(count=parked.item_count, total=money_text(parked.total_minor)),
            "info",
        )
        return True

    def resume(self) -> None:
        """Choose a parked sale and bring it back (the current one is parked first)."""
        view = self.view
        zone = None

        def describe(row: ParkedSaleDTO) -> str:
            at = row.parked_at.astimezone(zone).strftime("%H:%M")
            who = f" · {row.customer_name}" if row.customer_name else ""
            what = f"{row.label} · " if row.label else ""
            items = ngettext("{count} item", "{count} items", row.item_count).format(
                count=row.item_count
            )
            by = _("{cashier} at {register}").format(
                cashier=row.cashier_name, register=row.register
            )
            return f"{at} · {what}{items} · {money_text(row.total_minor)}{who} · {by}"

        with one_use(
            ParkedPicker(lambda: view.sales.parked(view.user), describe, self.parent)
        ) as picker:
            chosen = picker.chosen if picker.exec() else None
            discard = picker.discard
        if not isinstance(chosen, ParkedSaleDTO):
            return
        try:
            if discard:
                view.sales.discard_parked(view.user, chosen.id, "Discarded at the register")
                view.say(_("Parked sale discarded."), "info")
                return
            in_progress = "" if self.cart.empty else self._describe_cart()
            if in_progress and not self.park(quiet=True):
                return
            parked = view.sales.resume(view.user, chosen.id)
        except ServiceError as exc:
            view.say(str(exc), "error")
            return
        view.new_sale(Cart.from_parked(parked))
        notes = []
        for code in parked.coupon_codes:
            try:
                self.cart.set_coupons(
                    [*self.cart.coupons, self.quote(code, len(self.cart.coupons))]
                )
            except ServiceError as exc:
                notes.append(_("coupon {code}: {reason}").format(code=code, reason=exc))
        if parked.dropped:
            notes.append(_("no longer sold: {products}").format(products=", ".join(parked.dropped)))
        view.refresh(select=self.cart.lines[-1].line_no if self.cart.lines else None)
        text = _("Sale resumed.")
        if in_progress:
            text += " " + _("The sale in progress was parked ({sale}): F10 brings it back.").format(
                sale=in_progress
            )
        if notes:
            text += " " + _("Note — {notes}").format(notes="; ".join(notes))
        view.say(
            text,
            "warning" if notes else "info",
        )

    def _describe_cart(self) -> str:
        count = self.cart.item_count
        return ngettext("{count} item, {total}", "{count} items, {total}", count).format(
            count=count, total=money_text(self.cart.priced().total_minor)
        )

    # --- paying -------------------------------------------------------------------------------

    def submit(self, payments: tuple[PaymentDraft, ...]) -> PlacedOrder:
        """Place the sale; ask a manager when an override or a discount needs one."""
        view = self.view
        while True:
            try:
                placed = view.sales.place_order(view.user, self.cart.draft(payments))
                self.display.placed(placed)  # the customer sees the change due at once
                self.drawer.after_sale(placed)  # committed: now the receipt and the drawer
                return placed
            except ApprovalRequiredError as exc:
                approval = self.approval(exc.permission, str(exc))
                if approval is None:
                    raise
                self.cart.approve_all(exc.permission, approval)

    def pay(self) -> PlacedOrder | None:
        """Open the payment dialog; the placed and paid order, or None (nothing placed)."""
        view = self.view
        if self.cart.empty:
            view.say(_("Scan an item first."), "info")
            return None
        if view.till is None:
            view.refresh_till()
            if view.till is None:
                return None
        total = self.cart.total_minor  # the lines and the gift cards sold
        with one_use(
            PaymentDialog(
                total,
                self.submit,
                customer_number=self.cart.customer.number if self.cart.customer else "",
                card_rules=self._card_rules(),
                gift_card_lookup=lambda code: view.sales.gift_card(view.user, code),
                points_lookup=lambda: sale_points(view.sales, view.user, self.cart),
                parent=self.parent,
            )
        ) as dialog:
            dialog.receipt_requested.connect(self._receipt)
            offer = ReceiptEmailOffer(dialog, view.sales, view.user, self._customer_email())
            dialog.exec()
            placed, self._next_code = dialog.placed, dialog.next_code
            del offer  # lived as long as the dialog it serves
        if placed is not None:
            self.last_order = placed
        return placed

    def _customer_email(self) -> str:
        person, account = self.cart.person, self.cart.customer
        return person.email if person is not None else account.email if account else ""

    def _card_rules(self) -> CardRules:
        """The shop's card rules now (the service checks them again when the sale is placed)."""
        try:
            return self.view.sales.card_rules()
        except ServiceError:
            return CardRules()  # the strictest: the sale itself says what is wrong

    def take_next_code(self) -> str:
        """The code scanned on the change screen of the last payment (once; "" if none)."""
        code, self._next_code = self._next_code, ""
        return code

    def print_receipt(self) -> None:
        """The receipt of the last sale: PDF to the sink, and the ESC/POS printer if set."""
        if self.last_order is None:
            self.view.say(_("No sale yet on this register to print."), "info")
            return
        self._receipt(self.last_order.order_id)

    def _receipt(self, order_id: int) -> None:
        view = self.view
        try:
            detail = view.sales.order_detail(view.user, order_id)
            pdf = receipt_pdf(detail, zone=view.sales.shop_zone(), shop=view.sales.shop_profile())
            self.receipt_sink(detail.number, pdf)
            printed = view.sales.print_receipt(view.user, order_id)
        except (ServiceError, OSError) as exc:
            view.say(_("Receipt not printed: {reason}").format(reason=exc), "error")
            return
        text = _("Receipt {number} printed.") if printed else _("Receipt {number} ready.")
        view.say(text.format(number=detail.number), "info")


PARKED_LABEL_MAX = 100
"""The parked sale's label holds at most this many characters (the service's limit)."""


def parked_label(cart: Cart) -> str:
    """What tells a parked sale apart in the list: its first items, and its note if any."""
    items = ", ".join(
        f"{line.product.name} {format_quantity(line.quantity, line.product.unit)}"
        if line.product.unit != "pc"
        else f"{line.product.name} ×{line.quantity}"
        if line.quantity > 1
        else line.product.name
        for line in cart.lines[:3]
    )
    if len(cart.lines) > 3:  # noqa: PLR2004 - three names fit a row of the list
        items += ", …"
    note = " ".join(cart.note.split())
    text = f"{items} · {note}" if note else items
    return text if len(text) <= PARKED_LABEL_MAX else text[: PARKED_LABEL_MAX - 1] + "…"


def _off(discount: Discount | None, base: int) -> int:
    if discount is None:
        return 0
    if discount.kind is DiscountKind.PERCENT:
        return apply_rate_bp(base, discount.value)
    return discount.value
