"""X and Z reports as PDF, drawn from :class:`posapp.services.sales.TillReport`.

Both come from the same calculation (``posapp.services.sales.tills``); an X report is taken while
the till is open and resets nothing, a Z report closes the session and adds the blind count and the
over/short. :func:`till_report_sections` decides the rows (tested without reportlab);
:func:`render_till_report` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from io import BytesIO
from typing import BinaryIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from posapp.formats import number
from posapp.i18n import N_, _
from posapp.reports.orders_pdf import (
    Margins,
    build_a4,
    figures_band,
    local_time,
    method_header,
    method_row,
    money,
    para,
    styles,
    table,
)
from posapp.reports.pdf_kit import DANGER, MUTED, SUCCESS, fonts
from posapp.services.platform.dto import ShopProfile
from posapp.services.sales import TillReport, percent

__all__ = [
    "Section",
    "points_section",
    "render_till_report",
    "till_report_pdf",
    "till_report_sections",
]

TWO_COLUMNS = 2
MARGINS = Margins(side=20 * mm, top=18 * mm, gap=8 * mm)
SECTION_ORDER = (
    N_("Cash drawer"),
    N_("Closing count"),
    N_("Sales"),
    N_("Payments"),
    N_("Gift cards (not in sales)"),
    N_("Taxes"),
    N_("Cash in and out"),
)


@dataclass(frozen=True, slots=True)
class Section:
    """A titled table of the report: a header row and body rows of text."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: tuple[str, ...] | None = None


def _over_short_text(value: int | None) -> str:
    if value is None:
        return ""
    if value == 0:
        return _("balanced")
    return (
        _("over {value}").format(value=money(value))
        if value > 0
        else _("short {value}").format(value=money(-value))
    )


def points_section(report: TillReport) -> Section:
    """The loyalty points of the session's sales: earned, spent, and what returns moved."""
    return Section(
        _("Loyalty points (not money)"),
        ("", _("Points")),
        (
            (_("Points earned"), number(report.points_earned)),
            (_("Points spent"), number(report.points_redeemed)),
            (_("Given back by refunds"), number(report.points_given_back)),
            (_("Taken back by returns"), number(report.points_taken_back)),
        ),
    )


def _settled_rows(report: TillReport) -> tuple[tuple[str, str], ...]:
    """Refused offline sales a manager settled (#21): only when there were any."""
    if not report.offline_settled_count:
        return ()
    return (
        (_("Refused offline sales settled"), number(report.offline_settled_count)),
        (_("Settled offline sales total"), money(report.offline_settled_minor)),
    )


def till_report_sections(report: TillReport) -> list[Section]:
    """The report's tables: drawer, closing count (Z), sales, payments, taxes, cash in and out.

    The drawer comes first: it is what the person closing the till checks.
    """
    sections = [
        Section(
            _("Sales"),
            ("", _("Amount")),
            (
                (_("Orders"), number(report.orders_count)),
                (_("Items sold"), number(report.items_sold)),
                (_("Gross sales"), money(report.gross_minor)),
                (_("Discounts"), money(-report.discount_minor)),
                (_("Coupons"), money(-report.coupon_minor)),
                (_("Tax (included and added)"), money(report.tax_minor)),
                (_("Refunds"), money(-report.refunds_minor)),
                (_("Cancelled orders"), number(report.cancelled_count)),
                (_("No-sale drawer opens"), number(report.no_sale_count)),
                *_settled_rows(report),
            ),
            (_("Net sales"), money(report.sales_minor - report.refunds_minor)),
        ),
        Section(
            _("Payments"),
            method_header(),
            tuple(method_row(m) for m in report.methods),
            (
                _("Total"),
                number(sum(m.count for m in report.methods)),
                money(sum(m.sales_minor for m in report.methods)),
                money(-sum(m.refunds_minor for m in report.methods)),
                money(sum(m.net_minor for m in report.methods)),
            ),
        ),
    ]
    if report.gift_cards_sold_minor or report.gift_cards_redeemed_minor:
        # Kept apart from sales: a card sold is owed to its bearer until it is spent.
        sections.append(
            Section(
                _("Gift cards (not in sales)"),
                ("", _("Amount")),
                (
                    (
                        _("Gift cards sold ({gift_cards_sold_count})").format(
                            gift_cards_sold_count=report.gift_cards_sold_count
                        ),
                        money(report.gift_cards_sold_minor),
                    ),
                    (_("Gift cards redeemed"), money(report.gift_cards_redeemed_minor)),
                ),
                (
                    _("Owed on cards (change)"),
                    money(report.gift_cards_sold_minor - report.gift_cards_redeemed_minor),
                ),
            )
        )
    if report.taxes:
        sections.append(
            Section(
                _("Taxes"),
                (_("Rate"), _("Net"), _("Tax"), _("Gross")),
                tuple(
                    (
                        (_("{rate} included") if t.included else _("{rate} added")).format(
                            rate=percent(t.rate_bp)
                        ),
                        money(t.net_minor),
                        money(t.tax_minor),
                        money(t.gross_minor),
                    )
                    for t in report.taxes
                ),
            )
        )
    drawer = [
        (_("Opening float"), money(report.session.float_minor)),
        (_("Cash sales"), money(report.cash_sales_minor)),
        (_("Cash refunds"), money(-report.cash_refunds_minor)),
        (_("Cash in"), money(report.cash_in_minor)),
        (_("Cash out"), money(-report.cash_out_minor)),
    ]
    if report.account_cash_minor:
        drawer.append((_("Account deposits/withdrawals"), money(report.account_cash_minor)))
    sections.append(
        Section(
            _("Cash drawer"),
            ("", _("Amount")),
            tuple(drawer),
            (_("Expected in drawer"), money(report.expected_cash_minor)),
        )
    )
    if report.kind == "Z" and report.counted_minor is not None:
        count_rows = [
            (f"{money(value)} × {count}", money(value * count))
            for value, count in report.session.denominations
        ]
        count_rows.append((_("Counted (blind)"), money(report.counted_minor)))
        count_rows.append((_("Expected"), money(report.expected_cash_minor)))
        sections.append(
            Section(
                _("Closing count"),
                ("", _("Amount")),
                tuple(count_rows),
                (_("Over / short"), _over_short_text(report.over_short_minor)),
            )
        )
    if report.movements:
        sections.append(
            Section(
                _("Cash in and out"),
                (_("Time"), _("By"), _("Reason"), _("Amount")),
                tuple(
                    (
                        local_time(m.created_at, None, clock_only=True),
                        m.user_name,
                        m.reason,
                        money(m.amount_minor),
                    )
                    for m in report.movements
                ),
            )
        )
    titles = [_(title) for title in SECTION_ORDER]  # the sections' titles are translated
    ordered = sorted(sections, key=lambda section: titles.index(section.title))
    if report.points_earned or report.points_redeemed:
        # After the payments and gift cards (its title is placed, not sorted).
        after = titles.index(_("Gift cards (not in sales)"))
        at = sum(titles.index(section.title) <= after for section in ordered)
        ordered.insert(at, points_section(report))
    return ordered


def _letterhead(shop: ShopProfile | None) -> list[Flowable]:
    """The shop's legal name, address and VAT number on one small line above the title."""
    if shop is None or not shop.lines:
        return []
    return [para(" · ".join(shop.lines), styles()["small"]), Spacer(1, 2 * mm)]


def _header(report: TillReport, zone: tzinfo | None) -> list[Flowable]:
    s = styles()
    session = report.session
    title = _("Z report") if report.kind == "Z" else _("X report")
    lead = _("Till closed") if report.kind == "Z" else _("Mid-session reading — nothing is reset")
    info = [
        [_("Store"), session.store_name, _("Opened"), local_time(session.opened_at, zone)],
        [
            _("Register"),
            session.register,
            _("Closed") if session.closed_at else _("Printed"),
            local_time(session.closed_at or report.generated_at, zone),
        ],
        [_("Cashier"), session.cashier_name, _("Session"), f"#{session.id}"],
    ]
    f = fonts()
    grid = Table(info, colWidths=[22 * mm, 68 * mm, 22 * mm, 58 * mm])
    grid.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), f.regular, 9),
                ("FONT", (0, 0), (0, -1), f.bold, 8),
                ("FONT", (2, 0), (2, -1), f.bold, 8),
                ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
                ("TEXTCOLOR", (2, 0), (2, -1), MUTED),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [para(title, s["title"]), para(lead, s["subtitle"]), Spacer(1, 5 * mm), grid]


def _headline(report: TillReport) -> Flowable:
    """Three big figures: net sales, expected cash, and (Z) the over/short."""
    s = styles()
    figures: list[tuple[Flowable, str]] = [
        (para(money(report.sales_minor - report.refunds_minor), s["kpi"]), _("Net sales")),
        (para(money(report.expected_cash_minor), s["kpi"]), _("Expected cash in drawer")),
    ]
    widths = [57 * mm, 57 * mm]
    if report.kind == "Z" and report.over_short_minor is not None:
        value = report.over_short_minor
        colour = SUCCESS if value == 0 else DANGER
        style = ParagraphStyle("over_short", parent=s["kpi"], textColor=colour)
        figures.append(
            (para(_over_short_text(value).capitalize(), style), _("Counted vs expected"))
        )
        widths.append(56 * mm)
    return figures_band(figures, widths)


def anchor_text(report: TillReport) -> str:
    """A Z report's audit anchor as printed (``""`` for an X report or an old Z without one).

    ``posapp audit verify --anchor FILE`` reads this line typed into a file.
    """
    session = report.session
    if report.kind != "Z" or session.chain_rows is None:
        return ""
    return f"posapp-anchor rows={session.chain_rows} head={session.chain_head or '-'}"


def _anchor(report: TillReport) -> list[Flowable]:
    text = anchor_text(report)
    if not text:
        return []
    s = styles()
    return [
        Spacer(1, 6 * mm),
        para(
            _("Audit chain anchor (keep this report: the log can be checked against it)"),
            s["small"],
        ),
        para(text, s["small"]),
    ]


def render_till_report(
    report: TillReport,
    out: BinaryIO,
    *,
    zone: tzinfo | None = None,
    shop: ShopProfile | None = None,
) -> None:
    """Draw the X or Z report as an A4 PDF into ``out`` (``shop``: the letterhead's profile)."""
    s = styles()
    story: list[Flowable] = [
        *_letterhead(shop),
        *_header(report, zone),
        Spacer(1, 6 * mm),
        _headline(report),
    ]
    width = A4[0] - 2 * MARGINS.side
    for section in till_report_sections(report):
        columns = len(section.header)
        first = width * (0.5 if columns <= TWO_COLUMNS else 0.34)
        rest = (width - first) / max(1, columns - 1)
        rows: list[list[object]] = [list(section.header)]
        rows += [list(r) for r in section.rows]
        if section.total is not None:
            rows.append(list(section.total))
        if section.title == _("Cash in and out"):
            widths = [18 * mm, 34 * mm, width - 18 * mm - 34 * mm - 28 * mm, 28 * mm]
            rows = [
                [r[0], r[1], para(str(r[2]), s["body"]), r[3]] if i else r
                for i, r in enumerate(rows)
            ]
            grid = table(rows, widths, numeric_from=3)
        else:
            grid = table(
                rows, [first] + [rest] * (columns - 1), total_row=section.total is not None
            )
        story.append(KeepTogether([para(section.title, s["h2"]), grid]))
    story += _anchor(report)
    title = (_("Z report {register}") if report.kind == "Z" else _("X report {register}")).format(
        register=report.session.register
    )
    build_a4(out, story, MARGINS, title=title, printed_at=report.generated_at, zone=zone)


def till_report_pdf(
    report: TillReport, *, zone: tzinfo | None = None, shop: ShopProfile | None = None
) -> bytes:
    """The X or Z report as PDF bytes."""
    buffer = BytesIO()
    render_till_report(report, buffer, zone=zone, shop=shop)
    return buffer.getvalue()
