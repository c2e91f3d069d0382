"""The statement dialog: a period's opening balance, movements and closing balance, and its PDF.

The table shows the same rows as the PDF: both come from the pure report model
(:func:`posapp.reports.statement_model.statement_report`). Reading and rendering run off the GUI
thread behind a progress dialog with Cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QStandardPaths,
    Qt,
    Slot,
)
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import N_, _, ngettext
from posapp.reports.statement import RenderCancelledError, write_statement_pdf
from posapp.reports.statement_model import StatementReport, StatementRow, statement_report
from posapp.services.accounts import AccountDTO, AccountsApi, StatementDTO
from posapp.services.platform.dto import ShopProfile, UserDTO
from posapp.ui.accounts.detail import figure_band
from posapp.ui.kit.chevron import ChevronDateEdit
from posapp.ui.kit.operation import Job, Operation, Wording
from posapp.ui.kit.progress_dialog import DialogLook
from posapp.ui.kit.region import start_weeks
from posapp.ui.kit.resources import styled
from posapp.ui.kit.widgets import SPACING, message_label, plain_label, show_message

ModelIndex = QModelIndex | QPersistentModelIndex
HEADERS: Final = (
    N_("Date"),
    N_("Description"),
    N_("Ref"),
    N_("Money in"),
    N_("Money out"),
    N_("Balance"),
)
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_T = TypeVar("_T")
LOOK: Final = DialogLook(
    object_name="accountsDialog",
    window_title="{title} — posapp",
    keep_open_on_failure=False,  # the statement dialog shows the message where the person works
    bar_text=False,
    sheets=("shared", "accounts"),
)
"""The progress dialog in the Accounts screens' dress."""
WORDING: Final = Wording(cannot_write=N_("Cannot write the file: {reason}."))


class StatementTableModel(QAbstractTableModel):
    """The statement's rows (opening, movements, closing), fully loaded: one period's worth."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: tuple[StatementRow, ...] = ()

    def set_report(self, report: StatementReport | None) -> None:
        """Show ``report``'s rows (None: nothing)."""
        self.beginResetModel()
        self._rows = () if report is None else report.rows
        self.endResetModel()

    @override
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    @override
    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _(HEADERS[section])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_LEFT if section < 2 else _RIGHT)  # noqa: PLR2004 - date, description
        return None

    @override
    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if not 0 <= column < len(HEADERS):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            values = (row.date, row.description, row.reference, row.money_in, row.money_out)
            return (*values, row.balance)[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_LEFT if column < 2 else _RIGHT)  # noqa: PLR2004 - date, description
        if role == Qt.ItemDataRole.FontRole and row.kind != "movement":
            font = QFont()
            font.setBold(True)
            return font
        return None


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class StatementDialog(QDialog):
    """Choose a period, see the statement, save it as PDF (Ctrl+S)."""

    def __init__(
        self,
        api: AccountsApi,
        actor: UserDTO,
        account: AccountDTO,
        parent: QWidget | None = None,
        *,
        shop_name: str = "posapp",
        shop: ShopProfile | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("accountsDialog")
        self.setWindowTitle(
            _("Statement of {holder}").format(holder=account.holder_name) + " — posapp"
        )
        self.resize(110 * SPACING, 80 * SPACING)
        styled(self, "shared", "accounts")
        self._api, self._actor, self._account, self._shop = api, actor, account, shop_name
        self._profile = shop
        self.statement: StatementDTO | None = None
        self.report: StatementReport | None = None
        self.saved_path: Path | None = None

        today = datetime.now(UTC).astimezone().date()
        self.from_edit = self._date_edit(today.replace(day=1), _("From (first day)"))
        self.to_edit = self._date_edit(today, _("To (last day)"))
        self.show_button = QPushButton(_("Show"), self)
        self.show_button.setProperty("variant", "primary")
        self.show_button.setDefault(True)
        self.show_button.setToolTip(_("Show the statement for these days (Enter)"))
        self.show_button.clicked.connect(self._on_show_button_clicked)
        self.save_button = QPushButton(_("Save PDF…"), self)
        self.save_button.setToolTip(_("Save the statement as a PDF file (Ctrl+S)"))
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        QShortcut(QKeySequence.StandardKey.Save, self, self._on_save_button_clicked)
        self.close_button = QPushButton(_("Close"), self)
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)

        self.title_label = plain_label(account.holder_name, self, "dialogTitle")
        self.period_label = plain_label("", self, "dialogText")
        self.error_label = message_label("errorLabel", self)
        self.success_label = message_label("successLabel", self)
        self.model = StatementTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(_("Statement lines"))
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._build_layout()
        self.from_edit.setFocus()

    def _date_edit(self, day: date, name: str) -> QDateEdit:
        edit = ChevronDateEdit(_qdate(day), self)
        edit.setCalendarPopup(True)
        start_weeks(edit)
        edit.setDisplayFormat("d MMM yyyy")
        edit.setMinimumDate(QDate(1970, 1, 1))
        edit.setMaximumDate(QDate(9998, 12, 31))
        edit.setAccessibleName(name)
        return edit

    def _build_layout(self) -> None:
        controls = QHBoxLayout()
        controls.setSpacing(SPACING)
        for caption, edit in ((_("&From"), self.from_edit), (_("&To"), self.to_edit)):
            label = plain_label("", self, "fieldLabel")
            label.setTextFormat(Qt.TextFormat.AutoText)
            label.setText(caption)
            label.setBuddy(edit)
            controls.addWidget(label)
            controls.addWidget(edit)
            controls.addSpacing(SPACING)
        controls.addWidget(self.show_button)
        controls.addStretch(1)
        controls.addWidget(self.save_button)

        band, self.figures = figure_band(
            self,
            (_("Opening balance"), _("Money in"), _("Money out"), _("Closing")),
            "–",
            padding=int(1.5 * SPACING),
            gap=4 * SPACING,
        )

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 2 * SPACING)
        layout.setSpacing(int(1.5 * SPACING))
        layout.addWidget(self.title_label)
        layout.addWidget(self.period_label)
        layout.addLayout(controls)
        layout.addWidget(self.error_label)
        layout.addWidget(self.success_label)
        layout.addWidget(band)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def period(self) -> tuple[date, date]:
        """The chosen first and last day."""
        return _day(self.from_edit.date()), _day(self.to_edit.date())

    @Slot()
    def _on_show_button_clicked(self) -> None:
        first, last = self.period()
        show_message(self.success_label, "")

        def work(job: Job) -> StatementDTO:
            job.progress(0, 1)
            result = self._api.statement(self._actor, self._account.id, first, last)
            job.check()
            job.progress(1, 1)
            return result

        self._run(
            _("Statement"), _("Reading the movements of the period…"), work, self.set_statement
        )

    def _run(
        self, title: str, what: str, work: Callable[[Job], _T], success: Callable[[_T], object]
    ) -> None:
        """Run ``work`` behind the progress dialog; a failure shows in the error line."""
        Operation(
            self,
            work,
            name=f"account {title.lower()}",
            success=success,
            failure=lambda message: show_message(self.error_label, message),
            cancel_errors=(RenderCancelledError,),
            wording=Wording(cannot_write=_(WORDING.cannot_write)),
        ).with_dialog(title, what, LOOK).run_modal()

    def set_statement(self, statement: StatementDTO) -> None:
        """Show ``statement`` (figures, rows) and allow saving it."""
        show_message(self.error_label, "")
        try:
            report = statement_report(statement, shop_name=self._shop, shop=self._profile)
        except ValueError as exc:  # never show sums that do not add up
            show_message(
                self.error_label, _("The statement does not add up: {reason}.").format(reason=exc)
            )
            return
        self.statement, self.report = statement, report
        self.period_label.setText(
            ngettext(
                "Account {number} · {period} · {count} movement",
                "Account {number} · {period} · {count} movements",
                report.movement_count,
            ).format(number=report.number, period=report.period, count=report.movement_count)
        )
        for label, (_caption, value) in zip(self.figures.values(), report.summary, strict=True):
            label.setText(value)
        self.model.set_report(report)
        self.save_button.setEnabled(True)

    def choose_path(self) -> Path | None:
        """Ask where to save the PDF (tests replace this)."""
        assert self.report is not None
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        first, last = self.period()
        name = f"statement-{self._account.number}-{first.isoformat()}-{last.isoformat()}.pdf"
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save statement"), str(Path(folder) / name), _("PDF files (*.pdf)")
        )
        return Path(path) if path else None

    @Slot()
    def _on_save_button_clicked(self) -> None:
        statement = self.statement
        if statement is None:
            return
        path = self.choose_path()
        if path is None:
            return
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")

        def work(job: Job) -> int:
            return write_statement_pdf(
                statement,
                path,
                shop_name=self._shop,
                progress=job.keep_going,
                shop=self._profile,
            )

        def saved(pages: int) -> None:
            self.saved_path = path
            show_message(
                self.success_label,
                ngettext(
                    "Saved {count} page to {path}.", "Saved {count} pages to {path}.", pages
                ).format(count=pages, path=path),
            )

        self._run(_("Save statement"), _("Writing {name}…").format(name=path.name), work, saved)
