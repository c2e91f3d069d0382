"""Purchase orders and the purchases report as PDF (A4), drawn from purchasing DTOs."""

from __future__ import annotations

import io
from datetime import tzinfo
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from posapp.formats import amount, local_day
from posapp.i18n import _, ngettext
from posapp.reports.pdf_kit import BAND, INK, MUTED, RULE, fonts, markup
from posapp.services.purchasing import PurchaseOrderDTO, PurchasesReport, line_cost_minor
from posapp.services.stock import format_quantity


def _styles() -> dict[str, ParagraphStyle]:
    f = fonts()
    return {
        "title": ParagraphStyle("t", fontName=f.bold, fontSize=16, leading=20, textColor=INK),
        "sub": ParagraphStyle("s", fontName=f.regular, fontSize=9, leading=12, textColor=MUTED),
        "cell": ParagraphStyle("c", fontName=f.regular, fontSize=8.5, leading=10.5, textColor=INK),
        "bold": ParagraphStyle("b", fontName=f.bold, fontSize=9, leading=12, textColor=INK),
    }


def _table(rows: list[list[Any]], widths: list[float], numeric_from: int) -> Table:
    f = fonts()
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), f.bold, 8.5),
                ("FONT", (0, 1), (-1, -1), f.regular, 8.5),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [None, BAND]),
                ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _doc(buffer: io.BytesIO, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="posapp",
    )


def purchase_order_pdf(order: PurchaseOrderDTO) -> bytes:
    """The purchase order as the supplier gets it: who orders, where to, what, at what cost."""
    st = _styles()
    buffer = io.BytesIO()
    doc = _doc(buffer, _("Purchase order {number}").format(number=order.number))
    shop = order.shop.legal_name or _("Our shop")
    deliver = ", ".join(p for p in (order.store_name, *order.store_address.splitlines()) if p)
    supplier = order.supplier
    contact = " · ".join(p for p in (supplier.contact, supplier.email, supplier.phone) if p)
    story: list[Any] = [
        Paragraph(markup(_("Purchase order {number}").format(number=order.number)), st["title"]),
        Paragraph(
            markup(
                _("{shop} · {status_label} · created {created_at}").format(
                    shop=shop,
                    status_label=order.status_label,
                    created_at=local_day(order.created_at),
                )
            ),
            st["sub"],
        ),
        Spacer(1, 5 * mm),
        Paragraph(
            markup(_("Supplier: {supplier_name}").format(supplier_name=supplier.name)), st["bold"]
        ),
        Paragraph(markup(contact or "—"), st["cell"]),
        Paragraph(
            markup(
                _("Deliver to: {deliver} ({store_code})").format(
                    deliver=deliver, store_code=order.store_code
                )
            ),
            st["bold"],
        ),
    ]
    if order.note:
        story.append(Paragraph(markup(_("Note: {note}").format(note=order.note)), st["cell"]))
    story.append(Spacer(1, 5 * mm))
    rows: list[list[Any]] = [
        [_("Their code"), _("SKU"), _("Product"), _("Quantity"), _("Unit cost"), _("Line")]
    ]
    for line in order.lines:
        unit = "/kg" if line.sold_by_weight else ""
        rows.append(
            [
                Paragraph(markup(line.supplier_code or "—"), st["cell"]),
                Paragraph(markup(line.sku), st["cell"]),
                Paragraph(markup(line.name), st["cell"]),
                format_quantity(line.ordered, by_weight=line.sold_by_weight),
                amount(line.cost_minor) + unit,
                amount(line.cost_total_minor),
            ]
        )
    rows.append(["", "", _("Total"), "", "", amount(order.total_minor)])
    width = doc.width
    story.append(
        _table(rows, [w * width for w in (0.14, 0.14, 0.36, 0.12, 0.12, 0.12)], numeric_from=3)
    )
    doc.build(story)
    return buffer.getvalue()


def purchases_report_pdf(report: PurchasesReport, *, zone: tzinfo | None = None) -> bytes:
    """The period's purchase orders by supplier, then each order (days in ``zone``: the shop's)."""
    st = _styles()
    buffer = io.BytesIO()
    doc = _doc(buffer, _("Purchases"))
    story: list[Any] = [
        Paragraph(
            markup(
                _("Purchases {date_from} to {date_to}").format(
                    date_from=report.date_from, date_to=report.date_to
                )
            ),
            st["title"],
        ),
        Paragraph(
            markup(
                ngettext(
                    "{value} · {count} order · ordered {ordered_minor} · "
                    "received {received_minor} (cancelled orders left out)",
                    "{value} · {count} orders · ordered {ordered_minor} · "
                    "received {received_minor} (cancelled orders left out)",
                    len(report.orders),
                ).format(
                    value=report.shop.legal_name or "posapp",
                    count=len(report.orders),
                    ordered_minor=amount(report.ordered_minor),
                    received_minor=amount(report.received_minor),
                )
            ),
            st["sub"],
        ),
        Spacer(1, 5 * mm),
        Paragraph(_("By supplier"), st["bold"]),
    ]
    rows: list[list[Any]] = [[_("Supplier"), _("Orders"), _("Ordered"), _("Received")]]
    rows += [
        [
            Paragraph(markup(s.supplier_name), st["cell"]),
            str(s.orders),
            amount(s.ordered_minor),
            amount(s.received_minor),
        ]
        for s in report.suppliers
    ]
    rows.append([_("Total"), "", amount(report.ordered_minor), amount(report.received_minor)])
    story.append(_table(rows, [w * doc.width for w in (0.49, 0.13, 0.19, 0.19)], 1))
    story += [Spacer(1, 6 * mm), Paragraph(_("Orders"), st["bold"])]
    rows = [
        [
            _("Number"),
            _("Created"),
            _("Supplier"),
            _("Store"),
            _("Status"),
            _("Ordered"),
            _("Received"),
        ]
    ]
    rows += [
        [
            row.number,
            local_day(row.created_at, zone=zone),
            Paragraph(markup(row.supplier_name), st["cell"]),
            row.store_code,
            row.status_label,
            amount(row.total_minor),
            amount(row.received_minor),
        ]
        for row in report.orders
    ]
    if not report.orders:
        rows.append([_("No purchase orders in this period."), "", "", "", "", "", ""])
    widths = [w * doc.width for w in (0.13, 0.12, 0.25, 0.09, 0.15, 0.13, 0.13)]
    story.append(_table(rows, widths, 5))
    doc.build(story)
    return buffer.getvalue()


def received_cost_minor(order: PurchaseOrderDTO) -> int:
    """What the units received so far cost (the figure a valuation starts from)."""
    return sum(line_cost_minor(x.cost_minor, x.received, x.sold_by_weight) for x in order.lines)
