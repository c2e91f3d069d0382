"""Shelf labels of the selected products, as a PDF sheet the user saves (Catalog tab, Ctrl+L)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFileDialog, QWidget

from posapp.i18n import _, ngettext
from posapp.reports.labels import render_label_sheet
from posapp.services.catalog import CatalogApi
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.ui.kit.formatting import count_text

__all__ = ["save_labels", "write_label_sheet"]


def write_label_sheet(
    catalog: CatalogApi, user: UserDTO, ids: list[int], path: str, tell: Callable[[str], None]
) -> int:
    """Write the labels of ``ids`` to the PDF ``path``, say so through ``tell``; the count."""
    labels = catalog.labels(user, ids)
    if not labels:
        return 0
    render_label_sheet(labels, path)
    tell(
        ngettext(
            "Saved {count} label to {path}.", "Saved {count} labels to {path}.", len(labels)
        ).format(count=count_text(len(labels)), path=path)
    )
    return len(labels)


def save_labels(
    parent: QWidget, write: Callable[[str], int], show_error: Callable[[str], None]
) -> None:
    """Ask where to save the labels, then ``write`` them there; a failure is shown, not raised."""
    path, _filter = QFileDialog.getSaveFileName(
        parent, _("Save labels"), "labels.pdf", _("PDF (*.pdf)")
    )
    if not path:
        return
    try:
        write(path)
    except (ServiceError, OSError, ValueError) as exc:
        show_error(_("Cannot write the labels: {reason}").format(reason=exc))
