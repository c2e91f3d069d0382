"""The receipt as data: which rows a receipt shows, decided once for the PDF and the printer.

:func:`receipt_model` turns an :class:`OrderDetail` into rows of text (no reportlab, no
printer), so tests check what a receipt says without rendering it, and the PDF
(``posapp.reports.receipt``) and the ESC/POS printer (``posapp.services.sales.escpos``) print
the same thing.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from posapp import formats
from posapp.i18n import N_, _
from posapp.services.platform.dto import ShopProfile
from posapp.services.sales.order_dto import OrderDetail, OrderLineDTO, PaymentDTO
from posapp.units import format_quantity, per_unit

if TYPE_CHECKING:
    from posapp.services.customers import IssuedCard

__all__ = [
    "GiftCardSlip",
    "ReceiptModel",
    "ReceiptRow",
    "TaxLine",
    "percent",
    "receipt_model",
    "receipt_text",
]

METHOD_NAMES = {
    "cash": N_("Cash"),
    "card": N_("Card"),
    "account": N_("Customer account"),
    "gift_card": N_("Gift card"),
    "points": N_("Points"),
}
REFUND_NAMES = {
    "cash": N_("Refund to cash"),
    "card": N_("Refund to card"),
    "account": N_("Refund to customer account"),
    "gift_card": N_("Refund to gift card"),
}
STANDARD_FOOTER = (N_("Thank you for shopping with us!"), N_("Keep this receipt for returns."))
LINE_WIDTH = 42
"""Characters on a line of an 80 mm roll: the shop's own texts are wrapped to it."""


@dataclass(frozen=True, slots=True)
class ReceiptRow:
    """A row: text on the left, an amount on the right; ``style`` is normal, muted or bold."""

    left: str
    right: str = ""
    style: str = "normal"


@dataclass(frozen=True, slots=True)
class TaxLine:
    """One row of the tax breakdown."""

    rate: str
    net: str
    tax: str
    gross: str


@dataclass(frozen=True, slots=True)
class GiftCardSlip:
    """A gift card sold or reloaded on the sale: its code (and QR code) and what it holds."""

    title: str
    code: str
    balance: str
    valid: str


@dataclass(frozen=True, slots=True)
class ReceiptModel:
    """Everything a receipt prints, as text."""

    store_name: str
    store_lines: tuple[str, ...]
    meta: tuple[ReceiptRow, ...]
    items: tuple[ReceiptRow, ...]
    totals: tuple[ReceiptRow, ...]
    total: ReceiptRow
    taxes: tuple[TaxLine, ...]
    payments: tuple[ReceiptRow, ...]
    footer: tuple[str, ...]
    barcode: str
    copy: bool
    status_note: str = ""
    header: tuple[str, ...] = ()
    """The shop's receipt header, under the store's name and address."""
    legal: tuple[str, ...] = ()
    """The shop's legal name, address and VAT number, at the very bottom."""
    logo: bytes = field(default=b"", repr=False)
    """The shop's logo (PNG) above the store's name on the PDF (``b""``: none)."""
    gift_cards: tuple[GiftCardSlip, ...] = ()
    """The gift cards sold or reloaded: printed with their code and a QR code of it."""
    points: tuple[ReceiptRow, ...] = ()
    """The loyalty points the sale earned and spent and the customer's balance after."""


def money(minor: int) -> str:
    """Receipt money in the shop's locale, with a real minus sign (``−¥1,235``, ``−1,00 €``)."""
    return formats.money(minor).replace("-", "−")


def percent(rate_bp: int) -> str:
    """``2000`` → ``20%``, ``550`` → ``5.5%`` (``5,5 %`` in the shop's ``de_DE``)."""
    return formats.percent(rate_bp)


def _local(at: datetime | None, zone: tzinfo | None) -> str:
    return "" if at is None else formats.datetime_text(at, zone=zone)


def _payment_row(payment: PaymentDTO) -> list[ReceiptRow]:
    name = _(METHOD_NAMES.get(payment.method, payment.method))
    if payment.amount_minor < 0:
        return [
            ReceiptRow(
                _(REFUND_NAMES.get(payment.method, N_("Refund"))), money(payment.amount_minor)
            )
        ]
    if payment.method == "cash":
        rows = [
            ReceiptRow(_("Cash tendered"), money(payment.tendered_minor or payment.amount_minor))
        ]
        if payment.change_minor:
            rows.append(ReceiptRow(_("Change"), money(payment.change_minor), "bold"))
        return rows
    if payment.method == "card":
        detail = (
            _("Card •••• {last4}").format(last4=payment.card_last4)
            if payment.card_last4
            else _("Card")
        )
        rows = [ReceiptRow(detail, money(payment.amount_minor))]
        if payment.card_reference:
            rows.append(
                ReceiptRow(
                    "  " + _("Approval {reference}").format(reference=payment.card_reference),
                    "",
                    "muted",
                )
            )
        return rows
    account = payment.account_number
    shown = _("Account •••• {last4}").format(last4=account[-4:]) if account else name
    return [ReceiptRow(shown, money(payment.amount_minor))]


def _item_rows(line: OrderLineDTO) -> list[ReceiptRow]:
    rows = [ReceiptRow(line.name, money(line.gross_minor))]
    per = per_unit(line.unit)
    detail = f"  {format_quantity(line.quantity, line.unit)} × {money(line.unit_price_minor)}{per}"
    if line.unit_price_minor != line.list_price_minor:
        detail += " " + _("(was {price})").format(price=f"{money(line.list_price_minor)}{per}")
    if not line.tax_included:
        detail += " " + _("+ tax {rate}").format(rate=percent(line.tax_rate_bp))
    rows.append(ReceiptRow(detail, "", "muted"))
    if line.discount_minor:
        rows.append(ReceiptRow("  " + _("Line discount"), money(-line.discount_minor), "muted"))
    if line.returned_qty:
        returned = format_quantity(line.returned_qty, line.unit)
        rows.append(
            ReceiptRow("  " + _("Returned {quantity}").format(quantity=returned), "", "muted")
        )
    return rows


def _total_rows(order: OrderDetail) -> list[ReceiptRow]:
    totals = [ReceiptRow(_("Subtotal"), money(order.subtotal_minor))]
    line_discounts = sum(line.discount_minor for line in order.lines)
    order_discount = order.discount_minor - line_discounts
    if line_discounts:
        totals.append(ReceiptRow(_("Line discounts"), money(-line_discounts)))
    if order_discount:
        totals.append(ReceiptRow(_("Order discount"), money(-order_discount)))
    live = [c for c in order.coupons if not c.reversed]
    for coupon in live:
        totals.append(
            ReceiptRow(_("Coupon {code}").format(code=coupon.code), money(-coupon.discount_minor))
        )
    if not live and order.coupon_minor:
        totals.append(ReceiptRow(_("Coupon"), money(-order.coupon_minor)))
    if order.tax_added_minor:
        totals.append(ReceiptRow(_("Tax added"), money(order.tax_added_minor)))
    return totals


def wrapped(text: str, width: int = LINE_WIDTH) -> tuple[str, ...]:
    """``text``'s lines, each wrapped to ``width`` characters (empty lines kept as gaps)."""
    lines: list[str] = []
    for line in text.splitlines():
        lines.extend(textwrap.wrap(line, width, break_on_hyphens=False) or [""])
    while lines and not lines[-1]:
        lines.pop()
    return tuple(lines)


def receipt_model(
    order: OrderDetail,
    *,
    zone: tzinfo | None = None,
    copy: bool = False,
    shop: ShopProfile | None = None,
) -> ReceiptModel:
    """Decide what the receipt of ``order`` says (times in ``zone``, the machine's by default).

    ``shop`` adds the shop's receipt header under the store, its own footer instead of the
    standard one, and its legal name, address and VAT number at the bottom.
    """
    shop = shop or ShopProfile()
    store = order.store
    meta = [
        ReceiptRow(_("Receipt"), order.number, "bold"),
        ReceiptRow(_local(order.placed_at or order.created_at, zone), order.register),
        ReceiptRow(_("Served by {cashier}").format(cashier=order.cashier_name)),
    ]
    customer_name = order.customer_name or (
        order.customer.holder_name if order.customer is not None else ""
    )
    if customer_name:
        meta.append(ReceiptRow(_("Customer {name}").format(name=customer_name)))
    items = [row for line in order.lines for row in _item_rows(line)]
    items += [
        ReceiptRow(
            _("Gift card reload") if card.reload else _("Gift card (new)"), money(card.amount_minor)
        )
        for card in order.gift_cards
    ]
    totals = _total_rows(order)
    taxes = tuple(
        TaxLine(
            (_("{rate} incl.") if row.included else _("{rate} added")).format(
                rate=percent(row.rate_bp)
            ),
            money(row.net_minor),
            money(row.tax_minor),
            money(row.gross_minor),
        )
        for row in order.taxes
    )
    payments: list[ReceiptRow] = []
    for payment in order.payments:
        payments.extend(_payment_row(payment))
    if order.refunded_minor:
        payments.append(ReceiptRow(_("Refunded in total"), money(-order.refunded_minor), "bold"))
    store_lines = tuple(part for part in (store.address, store.phone) if part)
    status_note = {
        "cancelled": _("ORDER CANCELLED"),
        "refunded": _("ORDER REFUNDED"),
        "partly_refunded": _("PARTLY REFUNDED"),
        "placed": _("NOT PAID YET"),
        "offline": _("OFFLINE SALE · NOT YET ON THE SERVER"),
    }.get(order.status, "")
    return ReceiptModel(
        store_name=store.name,
        store_lines=store_lines,
        meta=tuple(meta),
        items=tuple(items),
        totals=tuple(totals),
        total=ReceiptRow(_("Total"), money(order.total_minor), "bold"),
        taxes=taxes,
        payments=tuple(payments),
        footer=wrapped(shop.receipt_footer) or tuple(map(_, STANDARD_FOOTER)),
        barcode=order.number,
        copy=copy,
        status_note=status_note,
        header=wrapped(shop.receipt_header),
        legal=tuple(line for text in shop.lines for line in wrapped(text)),
        logo=shop.logo,
        gift_cards=tuple(_slip(card, zone) for card in order.gift_cards),
        points=points_rows(order),
    )


def points_rows(order: OrderDetail) -> tuple[ReceiptRow, ...]:
    """The receipt's points rows: earned, spent and the balance (none without a customer)."""
    points = order.points
    if points is None or not (points.earned or points.redeemed or points.balance):
        return ()
    rows = []
    if points.earned:
        rows.append(ReceiptRow(_("Points earned"), "+" + formats.number(points.earned)))
    if points.redeemed:
        rows.append(ReceiptRow(_("Points spent"), "−" + formats.number(points.redeemed)))
    rows.append(ReceiptRow(_("Points balance"), formats.number(points.balance), "bold"))
    return tuple(rows)


def _slip(card: IssuedCard, zone: tzinfo | None) -> GiftCardSlip:
    valid = _("No expiry")
    if card.expires_at is not None:
        # Stored as the start of the first day it no longer works; printed as the last day.
        last = card.expires_at.astimezone(zone) - timedelta(microseconds=1)
        valid = _("Valid until {day}").format(day=formats.date_text(last.date()))
    title = _("GIFT CARD RELOADED") if card.reload else _("GIFT CARD")
    balance = _("Balance {amount}").format(amount=money(card.balance_minor))
    return GiftCardSlip(title, card.code, balance, valid)


def _pair(left: str, right: str, width: int) -> str:
    room = width - len(right) - 1
    if len(left) > room:
        left = left[: max(0, room - 1)] + "…"
    return f"{left}{' ' * (width - len(left) - len(right))}{right}"


def receipt_text(model: ReceiptModel, width: int = 42) -> list[str]:
    """The receipt as lines of plain text ``width`` characters wide (for a thermal printer)."""
    rule = "-" * width
    out = [model.store_name.center(width).rstrip()]
    out += [line.center(width).rstrip() for line in model.store_lines]
    if model.header:
        out.append("")
        out += [line.center(width).rstrip() for line in model.header]
    if model.copy:
        out.append(_("*** COPY ***").center(width).rstrip())
    if model.status_note:
        out.append(model.status_note.center(width).rstrip())
    out.append(rule)
    out += [_pair(row.left, row.right, width) for row in model.meta]
    out.append(rule)
    out += [_pair(row.left, row.right, width) for row in model.items]
    out.append(rule)
    out += [_pair(row.left, row.right, width) for row in model.totals]
    out.append(_pair(model.total.left.upper(), model.total.right, width))
    out.append(rule)
    out += [_pair(row.left, row.right, width) for row in model.payments]
    if model.taxes:
        out.append(rule)
        heads = f"{_('Net'):>8} {_('Tax'):>7} {_('Gross'):>8}"
        out.append(_pair(_("Tax"), heads, width))
        for tax in model.taxes:
            out.append(_pair(tax.rate, f"{tax.net:>8} {tax.tax:>7} {tax.gross:>8}", width))
    if model.points:
        out.append(rule)
        out += [_pair(row.left, row.right, width) for row in model.points]
    for card in model.gift_cards:
        out.append(rule)
        out += [card.title.center(width).rstrip(), card.code.center(width).rstrip()]
        out += [card.balance.center(width).rstrip(), card.valid.center(width).rstrip()]
    out.append(rule)
    out += [line.center(width).rstrip() for line in model.footer]
    if model.legal:
        out.append("")
        out += [line.center(width).rstrip() for line in model.legal]
    return out
