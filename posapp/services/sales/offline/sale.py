"""A sale taken while the server was gone: what the register journals, and its one text form.

An offline sale holds only what the server needs to place it later and what the receipt showed:
the sale's UUID (the same idempotency key as an online sale), when and where it was taken, who
took it, the lines at the prices the customer paid, and the tenders. Only cash and card tenders
exist offline: spending an account, a gift card or points needs the server's balance (#21). No
secret is ever in it: no PIN, no password, no card number (a card tender carries the terminal's
reference and the last four digits, as online). A manager's approval given offline is recorded
as the approver's user id, checked at the register against the cached credential hashes.

:func:`encode` writes one canonical JSON text (sorted keys, no spaces, ASCII), so the journal's
MAC over it is stable; :func:`decode` reads it back, refusing anything malformed with a
:class:`JournalError` rather than a ``KeyError`` or ``TypeError``.
"""

from __future__ import annotations

import enum
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from posapp.i18n import _

__all__ = [
    "FORMAT",
    "JournalError",
    "OfflineLine",
    "OfflineSale",
    "OfflineTender",
    "TenderKind",
    "decode",
    "encode",
]

FORMAT = 1
"""The version of the text form; a journal written by a newer posapp is refused, not guessed at."""


class JournalError(Exception):
    """The offline journal cannot be read or written as it should (a message for a person)."""


class TenderKind(enum.StrEnum):
    """The tenders a register takes offline."""

    CASH = "cash"
    CARD = "card"


@dataclass(frozen=True, slots=True)
class OfflineLine:
    """One line as the customer paid it: the price shown, whatever the server says later."""

    line_no: int
    product_id: int
    name: str
    quantity: int
    unit_price_minor: int
    tax_rate_bp: int
    tax_included: bool
    discount_minor: int = 0
    approver_id: int | None = None
    """Who approved a price override or line discount offline (checked against cached hashes)."""
    unit: str = "pc"
    """What ``quantity`` counts (:mod:`posapp.units`); the price is per that unit."""
    coupon_minor: int = 0
    """The line's share of the sale's coupon discount (a shared code taken offline)."""


@dataclass(frozen=True, slots=True)
class OfflineTender:
    """A cash or card tender; ``tendered_minor`` is what the customer handed over (cash)."""

    payment_uuid: uuid.UUID
    kind: TenderKind
    amount_minor: int
    tendered_minor: int = 0
    card_reference: str = ""
    card_last4: str = ""


@dataclass(frozen=True, slots=True)
class OfflineSale:
    """One sale in the journal."""

    sale_uuid: uuid.UUID
    taken_at: datetime
    register: str
    store_id: int
    till_session_id: int
    cashier_id: int
    lines: tuple[OfflineLine, ...]
    tenders: tuple[OfflineTender, ...]
    total_minor: int
    coupon_codes: tuple[str, ...] = ()
    note: str = ""


def encode(sale: OfflineSale) -> str:
    """The sale as canonical JSON (the MAC is taken over exactly this text)."""
    if sale.taken_at.tzinfo is None:
        raise JournalError(_("An offline sale needs an aware time (UTC)."))
    body: dict[str, Any] = {
        "format": FORMAT,
        "sale_uuid": str(sale.sale_uuid),
        "taken_at": sale.taken_at.astimezone(UTC).isoformat(),
        "register": sale.register,
        "store_id": sale.store_id,
        "till_session_id": sale.till_session_id,
        "cashier_id": sale.cashier_id,
        "total_minor": sale.total_minor,
        "coupon_codes": list(sale.coupon_codes),
        "note": sale.note,
        "lines": [
            {
                "line_no": line.line_no,
                "product_id": line.product_id,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price_minor": line.unit_price_minor,
                "tax_rate_bp": line.tax_rate_bp,
                "tax_included": line.tax_included,
                "discount_minor": line.discount_minor,
                "approver_id": line.approver_id,
                "unit": line.unit,
                # Only when taken: a sale without a coupon keeps the text (and MAC) it had.
                **({"coupon_minor": line.coupon_minor} if line.coupon_minor else {}),
            }
            for line in sale.lines
        ],
        "tenders": [
            {
                "payment_uuid": str(tender.payment_uuid),
                "kind": tender.kind.value,
                "amount_minor": tender.amount_minor,
                "tendered_minor": tender.tendered_minor,
                "card_reference": tender.card_reference,
                "card_last4": tender.card_last4,
            }
            for tender in sale.tenders
        ],
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def decode(text: str) -> OfflineSale:
    """Read a sale back; anything malformed is a :class:`JournalError` naming what is wrong."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JournalError(
            _("An offline sale is not readable JSON ({msg}).").format(msg=exc.msg)
        ) from None
    if not isinstance(body, dict):
        raise JournalError(_("An offline sale is not a JSON object."))
    version = body.get("format")
    if version != FORMAT:
        raise JournalError(
            _(
                "An offline sale was written in format {version!r}; this posapp reads {format}."
            ).format(version=version, format=FORMAT)
        )
    try:
        return OfflineSale(
            sale_uuid=uuid.UUID(_str(body, "sale_uuid")),
            taken_at=_aware(_str(body, "taken_at")),
            register=_str(body, "register"),
            store_id=_int(body, "store_id"),
            till_session_id=_int(body, "till_session_id"),
            cashier_id=_int(body, "cashier_id"),
            total_minor=_int(body, "total_minor"),
            coupon_codes=tuple(_str_item(code) for code in _list(body, "coupon_codes")),
            note=_str(body, "note"),
            lines=tuple(_line(_dict(item)) for item in _list(body, "lines")),
            tenders=tuple(_tender(_dict(item)) for item in _list(body, "tenders")),
        )
    except ValueError as exc:  # a bad UUID, time or tender kind
        raise JournalError(
            _("An offline sale has a malformed field ({exc}).").format(exc=exc)
        ) from None


def _line(body: dict[str, Any]) -> OfflineLine:
    approver = body.get("approver_id")
    return OfflineLine(
        line_no=_int(body, "line_no"),
        product_id=_int(body, "product_id"),
        name=_str(body, "name"),
        quantity=_int(body, "quantity"),
        unit_price_minor=_int(body, "unit_price_minor"),
        tax_rate_bp=_int(body, "tax_rate_bp"),
        tax_included=_bool(body, "tax_included"),
        discount_minor=_int(body, "discount_minor"),
        approver_id=None if approver is None else _int(body, "approver_id"),
        unit=_str(body, "unit"),
        coupon_minor=_int(body, "coupon_minor") if "coupon_minor" in body else 0,
    )


def _tender(body: dict[str, Any]) -> OfflineTender:
    return OfflineTender(
        payment_uuid=uuid.UUID(_str(body, "payment_uuid")),
        kind=TenderKind(_str(body, "kind")),
        amount_minor=_int(body, "amount_minor"),
        tendered_minor=_int(body, "tendered_minor"),
        card_reference=_str(body, "card_reference"),
        card_last4=_str(body, "card_last4"),
    )


def _aware(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        raise ValueError(f"time {text!r} has no zone")
    return at


def _field(body: dict[str, Any], name: str) -> Any:
    if name not in body:
        raise JournalError(_("An offline sale lacks its {name}.").format(name=name))
    return body[name]


def _int(body: dict[str, Any], name: str) -> int:
    value = _field(body, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise JournalError(_("An offline sale's {name} is not a whole number.").format(name=name))
    return value


def _bool(body: dict[str, Any], name: str) -> bool:
    value = _field(body, name)
    if not isinstance(value, bool):
        raise JournalError(_("An offline sale's {name} is not true or false.").format(name=name))
    return value


def _str(body: dict[str, Any], name: str) -> str:
    return _str_item(_field(body, name), name)


def _str_item(value: Any, name: str = "text") -> str:
    if not isinstance(value, str):
        raise JournalError(_("An offline sale's {name} is not text.").format(name=name))
    return value


def _list(body: dict[str, Any], name: str) -> list[Any]:
    value = _field(body, name)
    if not isinstance(value, list):
        raise JournalError(_("An offline sale's {name} is not a list.").format(name=name))
    return value


def _dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise JournalError(_("An offline sale has a line or tender that is not an object."))
    return value
