"""The sale being rung up: lines, discounts, coupons and customer, priced as the cashier works.

Plain Python (no Qt), so its rules are tested without a QApplication. The cart prices itself
with :mod:`posapp.services.sales.pricing`, the same code checkout uses, so the screen shows exactly
what will be charged. Every change is tried on a copy first: a change that pricing refuses
(a fixed discount above the line's amount after lowering the quantity, say) leaves the cart as
it was and raises the error for the register to show.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from posapp.i18n import _
from posapp.services.platform.errors import ValidationError
from posapp.services.sales import (
    EMPTY_CART,
    MAX_LINES,
    BasketItem,
    CouponQuoteDTO,
    CustomerDTO,
    Discount,
    DraftLine,
    GiftCardLine,
    ManagerApproval,
    ParkedCart,
    ParkedLine,
    PaymentDraft,
    PricedCart,
    PriceLine,
    ProductDTO,
    SaleCustomerDTO,
    SaleDraft,
    check_quantity,
    price_cart,
)
from posapp.units import Unit, items_of


@dataclass
class CartLine:
    """One line of the sale."""

    line_no: int
    product: ProductDTO
    quantity: int
    unit_price_minor: int | None = None
    discount: Discount | None = None
    override_approval: ManagerApproval | None = None
    discount_approval: ManagerApproval | None = None

    @property
    def price_minor(self) -> int:
        """The price charged per unit (the override, or the list price)."""
        return self.product.price_minor if self.unit_price_minor is None else self.unit_price_minor

    @property
    def overridden(self) -> bool:
        """Whether the price differs from the list price."""
        return self.price_minor != self.product.price_minor

    def price_line(self) -> PriceLine:
        """The line as pricing sees it."""
        return PriceLine(
            self.line_no,
            self.quantity,
            self.price_minor,
            self.product.tax_rate_bp,
            self.product.tax_included,
            self.discount,
            self.product.unit,
        )


@dataclass
class Cart:
    """The current sale; ``sale_uuid`` is fixed from its first line to its payment."""

    sale_uuid: uuid.UUID = field(default_factory=uuid.uuid4)
    lines: list[CartLine] = field(default_factory=list)
    customer: CustomerDTO | None = None
    """The account attached (what an account payment is charged to)."""
    person: SaleCustomerDTO | None = None
    """The customer attached (F4), with or without an account (issue #19)."""
    order_discount: Discount | None = None
    order_discount_approval: ManagerApproval | None = None
    coupons: list[CouponQuoteDTO] = field(default_factory=list)
    note: str = ""
    gift_cards: list[GiftCardLine] = field(default_factory=list)
    """Gift cards sold or reloaded on the sale (Ctrl+G): not lines, but in the total."""
    _next_no: int = 1
    _priced: PricedCart | None = None

    # --- reading --------------------------------------------------------------------------

    @property
    def empty(self) -> bool:
        """Whether the sale has no lines (and no gift card)."""
        return not self.lines and not self.gift_cards

    @property
    def total_minor(self) -> int:
        """What the customer pays: the priced lines and the gift cards."""
        return self.priced().total_minor + sum(card.amount_minor for card in self.gift_cards)

    @property
    def item_count(self) -> int:
        """Items in the sale (a weighed line is one item: :func:`posapp.units.items_of`)."""
        return sum(items_of(line.quantity, line.product.unit) for line in self.lines)

    def priced(self) -> PricedCart:
        """The priced sale (cached until the next change)."""
        if self._priced is None:
            self._priced = self._price()
        return self._priced

    def _price(self) -> PricedCart:
        if not self.lines:
            return EMPTY_CART
        shares: dict[int, int] = {}
        for quote in self.coupons:
            for line_no, share in quote.line_discounts:
                shares[line_no] = shares.get(line_no, 0) + share
        return price_cart(
            [line.price_line() for line in self.lines],
            order_discount=self.order_discount,
            coupon_shares=shares,
        )

    def line(self, line_no: int) -> CartLine:
        """The line numbered ``line_no``.

        Raises:
            KeyError: no such line.
        """
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise KeyError(line_no)

    def basket(self, *, before: int | None = None) -> list[BasketItem]:
        """Lines as the coupon rules see them: amounts after discounts and earlier coupons.

        ``before`` is the index of the coupon being quoted (its predecessors are taken off).
        """
        plain = price_cart(
            [line.price_line() for line in self.lines], order_discount=self.order_discount
        )
        taken: dict[int, int] = {}
        for quote in self.coupons[: len(self.coupons) if before is None else before]:
            for line_no, share in quote.line_discounts:
                taken[line_no] = taken.get(line_no, 0) + share
        return [
            BasketItem(
                line.line_no,
                line.product.id,
                line.product.category_id,
                items_of(line.quantity, line.product.unit),
                plain.line(line.line_no).before_coupon_minor - taken.get(line.line_no, 0),
            )
            for line in self.lines
        ]

    # --- changing ---------------------------------------------------------------------------

    def _change(self, mutate: Callable[[Cart], None]) -> None:
        """Apply ``mutate`` to a copy, price it, and keep it only if pricing accepts it."""
        trial = copy.copy(self)  # lines are copied, the DTOs they hold are immutable
        trial.lines = [copy.copy(line) for line in self.lines]
        trial.coupons = list(self.coupons)
        mutate(trial)
        trial._priced = None
        priced = trial._price()
        self.__dict__.update(trial.__dict__)
        self._priced = priced

    def add(self, product: ProductDTO, quantity: int = 1) -> CartLine:
        """Add units of a product: onto its plain line if there is one, else a new line.

        Each weighing of a product sold by weight or measure is a line of its own (as its scale
        label is): lines of pieces merge, weighed lines never do.

        Raises:
            ValidationError: a bad quantity, or too many lines.
        """
        check_quantity(quantity, product.unit)
        for line in self.lines:
            if (
                product.unit == Unit.PIECE
                and line.product.id == product.id
                and line.unit_price_minor is None
                and not line.discount
            ):
                self.set_quantity(line.line_no, line.quantity + quantity)
                return line
        if len(self.lines) >= MAX_LINES:
            raise ValidationError(_("A sale has at most {count} lines.").format(count=MAX_LINES))
        no = self._next_no

        def append(cart: Cart) -> None:
            cart.lines.append(CartLine(no, product, quantity))
            cart._next_no = no + 1

        self._change(append)
        return self.line(no)

    def set_quantity(self, line_no: int, quantity: int) -> None:
        """Change a line's quantity (in the steps of its product's unit)."""
        check_quantity(quantity, self.line(line_no).product.unit)
        self._change(lambda cart: setattr(cart.line(line_no), "quantity", quantity))

    def remove(self, line_no: int) -> CartLine:
        """Take a line off the sale."""
        removed = self.line(line_no)

        def drop(cart: Cart) -> None:
            cart.lines = [line for line in cart.lines if line.line_no != line_no]
            if not cart.lines:
                cart.order_discount = None
                cart.coupons = []

        self._change(drop)
        return removed

    def set_line_discount(
        self, line_no: int, discount: Discount | None, approval: ManagerApproval | None = None
    ) -> None:
        """Set (or clear, with None) a line's discount."""

        def apply(cart: Cart) -> None:
            line = cart.line(line_no)
            line.discount = discount if discount and discount.value else None
            line.discount_approval = approval

        self._change(apply)

    def set_price(
        self, line_no: int, price_minor: int | None, approval: ManagerApproval | None = None
    ) -> None:
        """Override a line's unit price (None restores the list price)."""

        def apply(cart: Cart) -> None:
            line = cart.line(line_no)
            line.unit_price_minor = price_minor
            line.override_approval = approval if line.overridden else None

        self._change(apply)

    def set_order_discount(
        self, discount: Discount | None, approval: ManagerApproval | None = None
    ) -> None:
        """Set (or clear) the discount on the whole order."""

        def apply(cart: Cart) -> None:
            cart.order_discount = discount if discount and discount.value else None
            cart.order_discount_approval = approval

        self._change(apply)

    def set_coupons(self, quotes: list[CouponQuoteDTO]) -> None:
        """Replace the applied coupons (fresh quotes)."""
        self._change(lambda cart: setattr(cart, "coupons", list(quotes)))

    def set_customer(self, customer: CustomerDTO | None) -> None:
        """Attach (or detach) a customer's account; the customer it belongs to goes with it."""
        self.customer = customer
        if self.person is not None and (customer is None or self.person.account != customer):
            self.person = None

    def set_person(self, person: SaleCustomerDTO | None) -> None:
        """Attach (or detach, with None) a customer, with their account if they have one."""
        self.person = person
        self.customer = person.account if person is not None else None

    @property
    def customer_name(self) -> str:
        """The attached customer's name ("" when none is attached)."""
        if self.person is not None:
            return self.person.name
        return self.customer.holder_name if self.customer is not None else ""

    def approve_all(self, permission: str, approval: ManagerApproval) -> None:
        """Attach a manager's approval to whatever needs ``permission`` (asked at payment)."""
        for line in self.lines:
            if permission == "override_price" and line.overridden:
                line.override_approval = approval
            if permission == "discount_above_cap" and line.discount:
                line.discount_approval = approval
        if permission == "discount_above_cap":
            self.order_discount_approval = approval

    # --- leaving the register -------------------------------------------------------------

    def draft(self, payments: tuple[PaymentDraft, ...]) -> SaleDraft:
        """The sale as checkout takes it, with the total the customer was shown."""
        return SaleDraft(
            sale_uuid=self.sale_uuid,
            lines=tuple(
                DraftLine(
                    line.line_no,
                    line.product.id,
                    line.quantity,
                    line.unit_price_minor if line.overridden else None,
                    line.discount,
                    line.override_approval,
                    line.discount_approval,
                )
                for line in self.lines
            ),
            payments=payments,
            order_discount=self.order_discount,
            order_discount_approval=self.order_discount_approval,
            coupon_codes=tuple(quote.code for quote in self.coupons),
            customer_account_id=self.customer.id if self.customer else None,
            expected_total_minor=self.total_minor,
            note=self.note,
            customer_id=self.person.id if self.person else None,
            gift_cards=tuple(self.gift_cards),
        )

    def parked(self) -> ParkedCart:
        """The sale as it is parked (approvals are left out on purpose).

        Raises:
            ValidationError: the sale sells a gift card (a card is sold and paid at once).
        """
        if self.gift_cards:
            raise ValidationError(
                _(
                    "A sale with a gift card cannot be parked: pay it, or Ctrl+G "
                    "and Ctrl+Del to take the card off first."
                )
            )
        return ParkedCart(
            sale_uuid=self.sale_uuid,
            lines=tuple(
                ParkedLine(
                    line.product,
                    line.quantity,
                    line.unit_price_minor if line.overridden else None,
                    line.discount,
                )
                for line in self.lines
            ),
            customer=self.customer,
            order_discount=self.order_discount,
            coupon_codes=tuple(quote.code for quote in self.coupons),
            note=self.note,
            person=self.person,
        )

    @classmethod
    def from_parked(cls, parked: ParkedCart) -> Cart:
        """Rebuild a parked sale (coupons are quoted again by the register)."""
        cart = cls(
            sale_uuid=parked.sale_uuid,
            customer=parked.customer,
            person=parked.person,
            note=parked.note,
        )
        cart.lines = [
            CartLine(no, line.product, line.quantity, line.unit_price_minor, line.discount)
            for no, line in enumerate(parked.lines, start=1)
        ]
        cart._next_no = len(cart.lines) + 1
        cart.order_discount = parked.order_discount
        return cart
