"""CSV import and export dialogs: the work runs off the GUI thread, with progress and Cancel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Final

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import N_, _, ngettext
from posapp.services.catalog import CatalogApi, ExportReport, ImportOptions, ImportReport
from posapp.services.platform.dto import UserDTO
from posapp.ui.kit.formatting import count_text
from posapp.ui.kit.operation import Job, Operation, drain
from posapp.ui.kit.progress_dialog import DialogLook
from posapp.ui.kit.widgets import SPACING

CSV_FILTER = N_("CSV files (*.csv *.txt);;All files (*)")
ENCODING_CHOICES = (
    (N_("Detect (UTF-8 or UTF-16)"), None),
    ("Latin-1 (ISO 8859-1)", "latin-1"),
    ("Windows-1252", "cp1252"),
)
DECIMAL_CHOICES = ((N_("Detect"), None), (N_("Dot: 12.50"), False), (N_("Comma: 12,50"), True))


def _plain(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def report_text(report: ImportReport) -> str:
    """The report as lines: the summary, warnings, then every listed problem."""
    lines = [report.summary()]
    lines.extend(report.warnings)
    if report.encoding:
        delimiter = {"\t": _("tab"), ",": _("comma"), ";": _("semicolon")}.get(
            report.delimiter, report.delimiter
        )
        lines.append(
            _("Read as {encoding}, {delimiter}-separated.").format(
                encoding=report.encoding, delimiter=delimiter
            )
        )
    if report.problems:
        lines.append("")
        lines.extend(str(problem) for problem in report.problems)
    if report.more_problems:
        lines.append(
            ngettext(
                "…and {count} more problem.",
                "…and {count} more problems.",
                report.more_problems,
            ).format(count=count_text(report.more_problems))
        )
    return "\n".join(lines)


class ImportDialog(QDialog):
    """Choose a CSV file and options, import it, read the line-numbered report.

    Signals:
        imported(ImportReport): products were stored (an all-or-nothing import succeeded).
    """

    imported = Signal(object)

    def __init__(self, catalog: CatalogApi, user: UserDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle(_("Import products"))
        self.setAccessibleName(_("Import products"))
        self.setMinimumWidth(78 * SPACING)
        self._catalog = catalog
        self._user = user
        self._import: Operation[ImportReport] | None = None
        self.report: ImportReport | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 3 * SPACING)
        layout.setSpacing(2 * SPACING)
        self._build_form(layout)
        self._build_progress(layout)
        layout.addLayout(self._build_buttons())

    def _build_form(self, layout: QVBoxLayout) -> None:
        intro = _plain(
            _(
                "Import products from a CSV file with a header line (sku, name, price, and "
                "optionally barcode, description, category, cost, tax_rate, tax_included, active). "
                "Nothing is saved unless every row is valid."
            ),
            self,
        )
        intro.setProperty("role", "muted")
        self.path_edit = QLineEdit(self)
        self.path_edit.setAccessibleName(_("CSV file"))
        self.path_edit.setPlaceholderText(_("Choose a .csv file"))
        self.browse_button = QPushButton(_("&Browse…"), self)
        self.browse_button.clicked.connect(self._on_browse_clicked)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        self.update_check = QCheckBox(_("&Update existing products (matched by SKU)"), self)
        self.encoding_combo = QComboBox(self)
        self.encoding_combo.setAccessibleName(_("Encoding"))
        for label, encoding in ENCODING_CHOICES:
            self.encoding_combo.addItem(_(label), encoding)
        self.decimal_combo = QComboBox(self)
        self.decimal_combo.setAccessibleName(_("Decimal separator"))
        for text, value in DECIMAL_CHOICES:
            self.decimal_combo.addItem(_(text), value)
        form = QFormLayout()
        file_label = QLabel(_("&File:"), self)
        file_label.setBuddy(self.path_edit)
        form.addRow(file_label, path_row)
        form.addRow(_("&Encoding:"), self.encoding_combo)
        form.addRow(_("&Decimals:"), self.decimal_combo)
        form.addRow("", self.update_check)
        layout.addWidget(intro)
        layout.addLayout(form)

    def _build_progress(self, layout: QVBoxLayout) -> None:
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName(_("Import progress"))
        self.progress.hide()
        self.status = _plain("", self)
        self.report_view = QPlainTextEdit(self)
        self.report_view.setReadOnly(True)
        self.report_view.setAccessibleName(_("Import report"))
        self.report_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.report_view.setMinimumHeight(18 * SPACING)
        self.report_view.hide()
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.report_view, 1)

    def _build_buttons(self) -> QHBoxLayout:
        self.import_button = QPushButton(_("&Import"), self)
        self.import_button.setProperty("variant", "primary")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self._on_import_clicked)
        self.cancel_button = QPushButton(_("Cancel"), self)
        self.cancel_button.setToolTip(_("Stop the import: nothing is saved (Esc)"))
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.import_button)
        return buttons

    @property
    def running(self) -> bool:
        """Whether an import is in progress."""
        return self._import is not None and self._import.running

    def options(self) -> ImportOptions:
        """The chosen options."""
        decimal = self.decimal_combo.currentData()
        encoding = self.encoding_combo.currentData()
        return ImportOptions(
            update_existing=self.update_check.isChecked(),
            encoding=encoding if isinstance(encoding, str) else None,
            decimal_comma=decimal if isinstance(decimal, bool) else None,
        )

    def start(self, path: str | None = None) -> None:
        """Import ``path`` (or the typed one) in the background."""
        if self.running:
            return
        file = path or self.path_edit.text().strip()
        if not file:
            self.status.setText(_("Choose a CSV file first."))
            return
        self.path_edit.setText(file)
        self.report = None
        self.report_view.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText(_("Reading and checking every row…"))
        self._set_running(True)
        catalog, user, options = self._catalog, self._user, self.options()
        self._import = Operation(
            self,
            lambda job: catalog.import_csv(user, file, options, job.progress, job.cancelled),
            name="catalog import",
            success=self._on_import_done,
            failure=self._on_import_failed,
            progress=self._on_import_progress,
        ).run()

    def _set_running(self, running: bool) -> None:
        for widget in (
            self.path_edit,
            self.browse_button,
            self.update_check,
            self.encoding_combo,
            self.decimal_combo,
            self.import_button,
        ):
            widget.setEnabled(not running)
        self.cancel_button.setText(_("Cancel import") if running else _("Close"))

    def _on_import_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(
            _("Checked {done} of {total} lines…").format(
                done=count_text(done), total=count_text(total)
            )
        )

    def _on_import_done(self, result: ImportReport) -> None:
        self.report = result
        self._set_running(False)
        self.progress.hide()
        self.status.setText(result.summary())
        self.report_view.setPlainText(report_text(result))
        self.report_view.show()
        if result.ok:
            self.imported.emit(result)

    def _on_import_failed(self, message: str) -> None:
        self._set_running(False)
        self.progress.hide()
        self.status.setText(message)

    @Slot()
    def _on_browse_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Import products"), "", _(CSV_FILTER))
        if path:
            self.path_edit.setText(path)

    @Slot()
    def _on_import_clicked(self) -> None:
        self.start()

    @Slot()
    def _on_cancel_clicked(self) -> None:
        if self._import is not None and self._import.running:
            self._import.cancel()
            self.status.setText(_("Cancelling: nothing will be saved…"))
        else:
            self.reject()

    @override
    def reject(self) -> None:
        if self.running:  # Esc while importing: cancel first
            self._on_cancel_clicked()
            return
        super().reject()

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        drain(self)  # stops the import: nothing is saved
        super().closeEvent(event)


EXPORT_LOOK: Final = DialogLook(
    object_name="exportDialog",
    progress_name=N_("Export progress"),
    status=N_("Written {done:,} of {total:,} products…"),
    cancelling=N_("Cancelling…"),
    keep_open_on_failure=False,  # the tab's status line says what went wrong
)


def export_products(
    parent: QWidget, catalog: CatalogApi, user: UserDTO, path: str, say: Callable[[str], object]
) -> Operation[ExportReport]:
    """Export every product to ``path`` behind a progress dialog with Cancel; ``say`` the end."""

    def work(job: Job) -> ExportReport:
        return catalog.export_csv(user, path, job.progress, job.cancelled)

    def exported(report: ExportReport) -> None:
        if report.cancelled:
            say(_("Export cancelled: no file was written."))
        else:
            say(
                ngettext(
                    "Exported {count} product.", "Exported {count} products.", report.rows
                ).format(count=count_text(report.rows))
            )

    op = Operation(parent, work, name="catalog export", success=exported, failure=say)
    return op.with_dialog(
        _("Export products"),
        _("Writing {path}…").format(path=path),
        replace(  # its words are marked N_(): shown in the language chosen
            EXPORT_LOOK,
            progress_name=_(EXPORT_LOOK.progress_name),
            status=_(EXPORT_LOOK.status),
            cancelling=_(EXPORT_LOOK.cancelling),
        ),
    ).run()
