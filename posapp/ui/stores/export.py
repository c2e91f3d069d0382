"""Export the replenishment list (CSV or PDF) off the GUI thread, with a progress bar and Cancel.

The file is written next to the target under a temporary name and moved into place only when
complete, so a cancelled or failed export never leaves half a file behind. The task and the
dialog are :mod:`posapp.ui.kit.worker`'s, worded for an export.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget
from typing_extensions import override

from posapp.reports.replenishment import render_pdf, write_csv
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.files import atomic_target
from posapp.services.stock import StockApi
from posapp.ui.kit import worker
from posapp.ui.kit.worker import Cancelled, Progress, TaskCancelledError, TaskSignals

STEPS = 3

ExportSignals = TaskSignals
"""What an export reports; ``finished`` carries the written file's path as a ``str``."""


class ExportTask(worker.Task):
    """Reads a store's replenishment list and writes it as ``fmt`` ("csv" or "pdf")."""

    unexpected_text = "The export failed; the details are in the log."

    def __init__(
        self, stock: StockApi, actor: UserDTO, store_id: int, path: Path, fmt: str
    ) -> None:
        super().__init__(self._write, name="replenishment export")
        self._stock, self._actor, self._store_id = stock, actor, store_id
        self._path, self._fmt = path, fmt

    @override
    def write_error(self, exc: OSError) -> str:
        return f"Cannot write {self._path.name}: {exc.strerror or exc}"

    def _write(self, progress: Progress, cancelled: Cancelled) -> str:
        plan = self._stock.replenishment_list(self._actor, self._store_id)
        progress(1, STEPS)
        if cancelled():
            raise TaskCancelledError
        with atomic_target(self._path) as temp:
            if self._fmt == "csv":
                # utf-8-sig: spreadsheet programs then read accents and "›" correctly.
                with temp.open("w", encoding="utf-8-sig", newline="") as stream:
                    write_csv(plan, stream)
            else:
                render_pdf(plan, temp)
            progress(2, STEPS)
            if cancelled():  # the temporary file goes, the target is left as it was
                raise TaskCancelledError
        progress(3, STEPS)
        return str(self._path)


class ExportDialog(worker.TaskDialog):
    """Runs one export with a progress bar; Cancel (Esc) stops it and keeps nothing.

    ``path`` holds the written file after ``accepted``; ``error`` the message after a failure
    (the dialog then stays open showing it, with a Close button).
    """

    task: ExportTask

    def __init__(self, task: ExportTask, what: str, parent: QWidget | None = None) -> None:
        super().__init__(
            "Export replenishment list",
            what,
            task,
            parent,
            cancelling="Cancelling… nothing will be written.",
            steps=STEPS,
            object_name="exportDialog",
            progress_name="Export progress",
        )

    @property
    def path(self) -> str:
        """The written file after ``accepted``; empty otherwise."""
        return self.result_value if isinstance(self.result_value, str) else ""
