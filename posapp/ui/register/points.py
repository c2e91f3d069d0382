"""Loyalty points at the register: the customer's points on the chip and in F4, and the tender.

In the payment dialog **F5** pays with the attached customer's points: the dialog shows what
they have and what that pays; Enter takes what is left to pay, or what the points pay if that is
less (an amount typed first is taken as is; checkout refuses it when the points do not cover
it). The points move in the sale's own transaction; without a customer the key says so.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QWidget

from posapp.formats import number
from posapp.i18n import _
from posapp.services.platform.errors import ServiceError, ValidationError
from posapp.services.sales import PaymentDraft, PaymentKind
from posapp.ui.kit.formatting import money_text, points_text
from posapp.ui.kit.widgets import plain_label

if TYPE_CHECKING:
    from posapp.services.customers import CustomerPoints
    from posapp.services.platform.dto import UserDTO
    from posapp.services.sales import SalesApi
    from posapp.ui.register.cart import Cart

__all__ = [
    "PointsLookup",
    "PointsTender",
    "chip_points",
    "describe_points",
    "sale_points",
]

PointsLookup = Callable[[], "CustomerPoints | None"]
"""The attached customer's points now (None: no customer attached)."""


def chip_points(cart: Cart) -> str:
    """What the register's customer chip adds for the attached customer's points."""
    person = cart.person
    if person is None or not person.points:
        return ""
    return " · " + points_text(person.points)


def sale_points(sales: SalesApi, user: UserDTO, cart: Cart) -> CustomerPoints | None:
    """The attached customer's points now, for the points tender (None: no customer)."""
    if cart.person is None:
        return None
    return sales.customer_points(user, cart.person.id)


def describe_points(tender: PaymentDraft) -> str:
    """A points tender in the payment dialog's list."""
    return _("Points  {amount}").format(amount=money_text(tender.amount_minor))


class PointsTender:
    """The payment dialog's points row (F5): what the customer has and what it pays."""

    def __init__(self, page: QWidget, lookup: PointsLookup | None) -> None:
        self._lookup = lookup
        self.label = plain_label("", page, "pointsOffer")
        self.row = QWidget(page)
        row = QHBoxLayout(self.row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        self.value_minor = 0

    def show(self, taken_minor: int) -> None:
        """Read the customer's points again and say what they pay (less what is taken already)."""
        self.value_minor = 0
        try:
            points = self._lookup() if self._lookup is not None else None
        except ServiceError as exc:
            self.label.setText(str(exc))
            return
        if points is None:
            self.label.setText(_("Attach the customer (F4) before paying with points."))
            return
        self.value_minor = max(0, points.value_minor - taken_minor)
        self.label.setText(
            _("{points} · pay up to {amount} ({per_unit} points pay 1 unit)").format(
                points=points_text(points.balance),
                amount=money_text(self.value_minor),
                per_unit=number(points.points_per_unit),
            )
        )

    def tender(self, key: uuid.UUID, amount: int, left: int, *, typed: bool) -> PaymentDraft:
        """The points tender: ``amount``, or what the points pay when that is less.

        Raises:
            ValidationError: no customer, or no points to pay with.
        """
        if self.value_minor <= 0 and not typed:
            raise ValidationError(self.label.text() or _("The customer has no points to pay with."))
        if not typed:
            amount = min(amount, left, self.value_minor)
        return PaymentDraft(key, PaymentKind.POINTS, amount)
