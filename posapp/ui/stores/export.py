"""Export the replenishment list (CSV or PDF), a purchase order or the stock's value (PDF).

Every export runs off the GUI thread.

The file is written next to the target under a temporary name and moved into place only when
complete, so a cancelled or failed export never leaves half a file behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Final

from PySide6.QtWidgets import QWidget

from posapp.i18n import N_, _
from posapp.reports.inventory import inventory_pdf
from posapp.reports.purchasing import purchase_order_pdf
from posapp.reports.replenishment import render_pdf, write_csv
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.files import atomic_target
from posapp.services.purchasing import PurchaseOrderDTO
from posapp.services.stock import StockApi
from posapp.ui.kit.operation import Job, Operation, Wording
from posapp.ui.kit.progress_dialog import DialogLook

STEPS: Final = 3
LOOK: Final = DialogLook(
    object_name="exportDialog",
    progress_name=N_("Export progress"),
    cancelling=N_("Cancelling… nothing will be written."),
)


def _look() -> DialogLook:
    """:data:`LOOK` in the language chosen (its words are marked ``N_()``)."""
    return replace(LOOK, progress_name=_(LOOK.progress_name), cancelling=_(LOOK.cancelling))


def write_replenishment(
    stock: StockApi, actor: UserDTO, store_id: int, path: Path, fmt: str, job: Job
) -> Path:
    """Read a store's replenishment list and write it to ``path`` as ``fmt`` ("csv" or "pdf")."""
    plan = stock.replenishment_list(actor, store_id)
    job.progress(1, STEPS)
    job.check()
    with atomic_target(path) as temp:
        if fmt == "csv":
            # utf-8-sig: spreadsheet programs then read accents and "›" correctly.
            with temp.open("w", encoding="utf-8-sig", newline="") as stream:
                write_csv(plan, stream)
        else:
            render_pdf(plan, temp)
        job.progress(2, STEPS)
        job.check()  # cancelled: the temporary file goes, the target is left as it was
    job.progress(3, STEPS)
    return path


def export_operation(
    parent: QWidget,
    stock: StockApi,
    actor: UserDTO,
    store_id: int,
    path: Path,
    fmt: str,
    what: str,
    success: Callable[[Path], object] | None = None,
) -> Operation[Path]:
    """The export of one list, behind its progress dialog (start it with ``run()``).

    A failure stays shown in the dialog, with a Close button.
    """
    wording = Wording(
        unexpected=_("The export failed; the details are in the log."),
        cannot_write=_("Cannot write {file}: {{reason}}").format(file=path.name),
    )
    work = partial(write_replenishment, stock, actor, store_id, path, fmt)
    op = Operation(parent, work, name="replenishment export", success=success, wording=wording)
    return op.with_dialog(_("Export replenishment list"), what, _look(), steps=STEPS)


def write_order_pdf(order: PurchaseOrderDTO, path: Path, job: Job) -> Path:
    """Write a purchase order's PDF (what its supplier is emailed) to ``path``."""
    with atomic_target(path) as temp:
        temp.write_bytes(purchase_order_pdf(order))
        job.check()
    return path


def order_pdf_operation(
    parent: QWidget,
    order: PurchaseOrderDTO,
    path: Path,
    success: Callable[[Path], object] | None = None,
    failure: Callable[[str], object] | None = None,
) -> Operation[Path]:
    """Save a purchase order as PDF off the GUI thread (start it with ``run()``)."""
    wording = Wording(
        unexpected=_("The PDF could not be written; the details are in the log."),
        cannot_write=_("Cannot write {file}: {{reason}}").format(file=path.name),
    )
    work = partial(write_order_pdf, order, path)
    return Operation(
        parent, work, name="purchase order PDF", success=success, failure=failure, wording=wording
    )


def write_valuation(stock: StockApi, actor: UserDTO, store_code: str, path: Path, job: Job) -> Path:
    """Read what a store's stock is worth and write the inventory valuation PDF to ``path``."""
    report = stock.inventory_valuation(actor, store_code)
    job.progress(1, STEPS)
    job.check()
    with atomic_target(path) as temp:
        temp.write_bytes(inventory_pdf(report))
        job.progress(2, STEPS)
        job.check()
    job.progress(3, STEPS)
    return path


def valuation_operation(
    parent: QWidget,
    stock: StockApi,
    actor: UserDTO,
    store_code: str,
    path: Path,
    success: Callable[[Path], object] | None = None,
) -> Operation[Path]:
    """The inventory valuation export, behind its progress dialog (start it with ``run()``)."""
    wording = Wording(
        unexpected=_("The valuation could not be written; the details are in the log."),
        cannot_write=_("Cannot write {file}: {{reason}}").format(file=path.name),
    )
    work = partial(write_valuation, stock, actor, store_code, path)
    op = Operation(parent, work, name="valuation export", success=success, wording=wording)
    return op.with_dialog(
        _("Stock value"),
        _("Valuing the stock of {store}…").format(store=store_code),
        _look(),
        steps=STEPS,
    )
