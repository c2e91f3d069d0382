"""The statement's report model: which lines, figures and labels a statement shows.

A pure function of a :class:`StatementDTO`, tested without reportlab; the PDF renderer in
:mod:`posapp.reports.statement` only draws what this decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from posapp.formats import amount, date_text, datetime_text
from posapp.i18n import N_, _
from posapp.services.accounts import STATUS_LABELS, StatementDTO, display
from posapp.services.platform.dto import ShopProfile

TITLE = N_("Account statement")


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One row of the statement's table, as text; ``kind`` tells opening/closing from movements."""

    date: str
    description: str
    reference: str
    money_in: str
    money_out: str
    balance: str
    kind: str = "movement"


@dataclass(frozen=True, slots=True)
class StatementReport:
    """Everything a statement page shows, already formatted."""

    title: str
    shop_name: str
    holder_name: str
    number: str
    contact: tuple[str, ...]
    status: str
    period: str
    generated: str
    opening: str
    money_in: str
    money_out: str
    closing: str
    movement_count: int
    rows: tuple[StatementRow, ...]
    shop_lines: tuple[str, ...] = ()
    """The shop's address lines and VAT number, under its name."""
    logo: bytes = field(default=b"", repr=False)
    """The shop's logo (PNG) above its name (``b""``: none)."""

    @property
    def summary(self) -> tuple[tuple[str, str], ...]:
        """The four figures of the summary band, in reading order."""
        return (
            (_("Opening balance"), self.opening),
            (_("Money in"), self.money_in),
            (_("Money out"), self.money_out),
            (_("Closing balance"), self.closing),
        )


def _day(value: date) -> str:
    return date_text(value, neutral="%-d %b %Y")


def _moment(value: datetime, zone: tzinfo | None) -> str:
    return datetime_text(value, zone=zone, neutral="%-d %b %Y %H:%M")


def statement_report(
    statement: StatementDTO,
    *,
    shop_name: str = "posapp",
    zone: tzinfo | None = None,
    shop: ShopProfile | None = None,
) -> StatementReport:
    """Decide what the statement shows.

    The table opens with the opening balance, lists every movement with the balance after it,
    and ends with the closing balance. Money in and money out are separate columns.

    Args:
        statement: The statement's data.
        shop_name: Printed in the header (unless ``shop`` has a legal name).
        zone: The time zone for times (the computer's local zone when None).
        shop: The shop profile: its legal name, address and VAT number head the page.

    Raises:
        ValueError: the figures do not add up (opening + movements must equal closing, and each
            running balance must follow from the one before): a statement never prints wrong sums.
    """
    shop_lines: tuple[str, ...] = ()
    if shop is not None and shop.lines:
        shop_name = shop.legal_name or shop_name
        shop_lines = shop.lines[1:] if shop.legal_name else shop.lines
    running = statement.opening_balance_minor
    for line in statement.lines:
        running += line.amount_minor
        if line.balance_after_minor != running:
            msg = f"running balance of transaction {line.transaction_id} does not add up"
            raise ValueError(msg)
    if running != statement.closing_balance_minor:
        msg = "opening balance plus movements is not the closing balance"
        raise ValueError(msg)

    first = _day(statement.first_day)
    rows = [
        StatementRow(
            date=first,
            description=_("Opening balance"),
            reference="",
            money_in="",
            money_out="",
            balance=_money(statement.opening_balance_minor),
            kind="opening",
        )
    ]
    for line in statement.lines:
        rows.append(
            StatementRow(
                _moment(line.at, zone),
                describe(line.label, line.memo),
                f"#{line.transaction_id}",
                _money(line.amount_minor) if line.amount_minor > 0 else "",
                _money(-line.amount_minor) if line.amount_minor < 0 else "",
                _money(line.balance_after_minor),
            )
        )
    rows.append(
        StatementRow(
            _day(statement.last_day),
            _("Closing balance"),
            "",
            "",
            "",
            _money(statement.closing_balance_minor),
            "closing",
        )
    )
    generated = statement.generated_at
    return StatementReport(
        title=_(TITLE),
        shop_name=shop_name,
        shop_lines=shop_lines,
        logo=b"" if shop is None else shop.logo,
        holder_name=statement.holder_name,
        number=display(statement.number),
        contact=tuple(text for text in (statement.email, statement.phone) if text),
        status=STATUS_LABELS.get(statement.status, statement.status),
        period=first
        if statement.first_day == statement.last_day
        else f"{first} – {_day(statement.last_day)}",
        generated=_moment(generated, zone) if generated else "",
        opening=_money(statement.opening_balance_minor),
        money_in=_money(statement.money_in_minor),
        money_out=_money(-statement.money_out_minor),
        closing=_money(statement.closing_balance_minor),
        movement_count=len(statement.lines),
        rows=tuple(rows),
    )


def describe(label: str, memo: str) -> str:
    """A movement's description: its memo, prefixed by its kind unless the memo says it."""
    memo = " ".join(memo.split())
    if not memo:
        return label
    if label.lower() in memo.lower():
        return memo
    return f"{label}: {memo}"


def _money(minor: int) -> str:
    return amount(minor)
