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
from typing import Final, TypeVar

from PySide6.QtWidgets import QWidget

from posapp.i18n import N_, _
from posapp.reports.inventory import inventory_pdf
from posapp.reports.purchasing import purchase_order_pdf
from posapp.reports.replenishment import render_pdf, write_csv
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.files import atomic_target
from posapp.services.purchasing import PurchaseOrderDTO
from posapp.services.stock import InventoryValuation, ReplenishmentList, StockApi
from posapp.ui.kit.operation import Job, Operation, Wording
from posapp.ui.kit.progress_dialog import DialogLook

T = TypeVar("T")
STEPS: Final = 3
LOOK: Final = DialogLook(
    object_name="exportDialog",
    progress_name=N_("Export progress"),
    cancelling=N_("Cancelling… nothing will be written."),
)


def _look() -> DialogLook:
    """:data:`LOOK` in the language chosen (its words are marked ``N_()``)."""
    return replace(LOOK, progress_name=_(LOOK.progress_name), cancelling=_(LOOK.cancelling))


def _wording(unexpected: str, path: Path) -> Wording:
    """How an export says it failed: ``unexpected`` for a fault, the file's name when unwritable."""
    return Wording(
        unexpected=unexpected,
        cannot_write=_("Cannot write {file}: {{reason}}").format(file=path.name),
    )


def _read_then_write(
    path: Path, job: Job, read: Callable[[], T], write: Callable[[T, Path], None]
) -> Path:
    """Read what is exported (step 1), write it under a temporary name moved into place (2, 3)."""
    data = read()
    job.progress(1, STEPS)
    job.check()
    with atomic_target(path) as temp:
        write(data, temp)
        job.progress(2, STEPS)
        job.check()  # cancelled: the temporary file goes, the target is left as it was
    job.progress(3, STEPS)
    return path


def _export_dialog(
    parent: QWidget,
    work: Callable[[Job], Path],
    name: str,
    wording: Wording,
    success: Callable[[Path], object] | None,
    title: str,
    what: str,
) -> Operation[Path]:
    """An export behind its progress dialog (a failure stays shown in it, with a Close button)."""
    op = Operation(parent, work, name=name, success=success, wording=wording)
    return op.with_dialog(title, what, _look(), steps=STEPS)


def write_replenishment(
    stock: StockApi, actor: UserDTO, store_id: int, path: Path, fmt: str, job: Job
) -> Path:
    """Read a store's replenishment list and write it to ``path`` as ``fmt`` ("csv" or "pdf")."""

    def write(plan: ReplenishmentList, temp: Path) -> None:
        if fmt == "csv":
            # utf-8-sig: spreadsheet programs then read accents and "›" correctly.
            with temp.open("w", encoding="utf-8-sig", newline="") as stream:
                write_csv(plan, stream)
        else:
            render_pdf(plan, temp)

    return _read_then_write(path, job, partial(stock.replenishment_list, actor, store_id), write)


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
    wording = _wording(_("The export failed; the details are in the log."), path)
    work = partial(write_replenishment, stock, actor, store_id, path, fmt)
    title = _("Export replenishment list")
    return _export_dialog(parent, work, "replenishment export", wording, success, title, what)


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
    wording = _wording(_("The PDF could not be written; the details are in the log."), path)
    work = partial(write_order_pdf, order, path)
    return Operation(
        parent, work, name="purchase order PDF", success=success, failure=failure, wording=wording
    )


def write_valuation(stock: StockApi, actor: UserDTO, store_code: str, path: Path, job: Job) -> Path:
    """Read what a store's stock is worth and write the inventory valuation PDF to ``path``."""

    def write(report: InventoryValuation, temp: Path) -> None:
        temp.write_bytes(inventory_pdf(report))

    return _read_then_write(path, job, partial(stock.inventory_valuation, actor, store_code), write)


def valuation_operation(
    parent: QWidget,
    stock: StockApi,
    actor: UserDTO,
    store_code: str,
    path: Path,
    success: Callable[[Path], object] | None = None,
) -> Operation[Path]:
    """The inventory valuation export, behind its progress dialog (start it with ``run()``)."""
    wording = _wording(_("The valuation could not be written; the details are in the log."), path)
    work = partial(write_valuation, stock, actor, store_code, path)
    what = _("Valuing the stock of {store}…").format(store=store_code)
    return _export_dialog(
        parent, work, "valuation export", wording, success, _("Stock value"), what
    )
