"""The Till page: open and close the till, cash in and out, X and Z reports, the sales report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Final

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posapp.config import data_dir
from posapp.formats import week_start
from posapp.i18n import _, ngettext, pgettext
from posapp.reports.sales_report import sales_report_pdf
from posapp.reports.till_reports import till_report_pdf
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.platform.files import write_atomic
from posapp.services.sales import (
    OfflineSalesWaitingError,
    SalesApi,
    TillReport,
    TillSessionDTO,
)
from posapp.services.staff import Permission, has_permission
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.lifetime import one_use
from posapp.ui.kit.operation import Job, Operation
from posapp.ui.kit.progress_dialog import DialogLook
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.region import start_weeks
from posapp.ui.kit.widgets import SPACING
from posapp.ui.kit.zoned import today_in
from posapp.ui.register.settle_dialog import SettleOfflineDialog
from posapp.ui.register.till_dialogs import CashMoveDialog, CloseTillDialog, open_till_with_float

PdfSink = Callable[[str, bytes], None]
REPORT_LOOK: Final = DialogLook(
    object_name="orderTaskDialog",
    progress_name="{title}",
    keep_open_on_failure=False,  # the till page says what went wrong
    wait_for_worker=False,  # reportlab cannot stop mid-page: Cancel drops the late report
)


def save_and_open_pdf(name: str, pdf: bytes) -> None:
    """Keep a PDF in the data folder's ``reports`` and open it in the system viewer."""
    folder = data_dir() / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    write_atomic(path, pdf)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).resolve())))


def _over_short(value: int | None) -> str:
    if value is None:
        return ""
    if value == 0:
        return _("balanced")
    if value > 0:
        return _("over {amount}").format(amount=money_text(value))
    return _("short {amount}").format(amount=money_text(-value))


class TillView(QWidget):
    """The register's till and the shop's reports.

    Signals:
        till_changed(): the till was opened or closed (the register re-reads it).
    """

    till_changed = Signal()

    def __init__(
        self, sales: SalesApi, bus: EventBus, user: UserDTO, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tillView")
        self.sales, self.user = sales, user
        self.till: TillSessionDTO | None = None
        self.pdf_sink: PdfSink = save_and_open_pdf
        self.manager = has_permission(user, Permission.VIEW_REPORTS)
        self.status = QLabel("", self)
        self.status.setObjectName("pageTitle")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.detail = QLabel("", self)
        self.detail.setProperty("role", "muted")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.message = QLabel("", self)
        self.message.setObjectName("hintLabel")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.hide()
        # A manager settles the sales the server refused, where the Z says they wait (#21).
        self.can_settle = has_permission(user, Permission.VOID)
        self.settle_button = self._button(
            _("Settle refused sales"), "Ctrl+Shift+E", self.settle_offline
        )
        self.settle_button.hide()
        card = QFrame(self)
        card.setObjectName("card")
        card_column = QVBoxLayout(card)
        card_column.setContentsMargins(3 * SPACING, 2 * SPACING, 3 * SPACING, 2 * SPACING)
        card_column.addWidget(self.status)
        card_column.addWidget(self.detail)
        card_column.addLayout(self._build_buttons())
        column = QVBoxLayout(self)
        column.setContentsMargins(3 * SPACING, 2 * SPACING, 3 * SPACING, 2 * SPACING)
        column.setSpacing(2 * SPACING)
        column.addWidget(card)
        column.addWidget(self.message)
        settle_row = QHBoxLayout()
        settle_row.addWidget(self.settle_button)
        settle_row.addStretch(1)
        column.addLayout(settle_row)
        if self.manager:
            column.addWidget(self._build_reports(), 1)
        else:
            column.addStretch(1)
        self.refresh()

    def _button(self, text: str, key: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(f"{text}  ({key})", self)
        button.setAccessibleName(f"{text} ({key})")
        button.clicked.connect(slot)
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)
        return button

    def _build_buttons(self) -> QGridLayout:
        self.open_button = self._button(_("Open till"), "Ctrl+O", self.open_till)
        self.open_button.setProperty("variant", "primary")
        self.in_button = self._button(_("Cash in"), "Ctrl+I", lambda: self.move_cash("in"))
        self.out_button = self._button(_("Cash out"), "Ctrl+U", lambda: self.move_cash("out"))
        self.x_button = self._button(_("X report"), "Ctrl+Shift+X", self.x_report)
        self.close_button = self._button(_("Close till"), "Ctrl+Shift+C", self.close_till)
        grid = QGridLayout()
        grid.setSpacing(SPACING)
        buttons = [self.open_button, self.in_button, self.out_button, self.close_button]
        if self.manager:
            buttons.insert(3, self.x_button)
        else:
            self.x_button.hide()
        for index, button in enumerate(buttons):
            grid.addWidget(button, 0, index)
        return grid

    def _build_reports(self) -> QWidget:
        box = QFrame(self)
        box.setObjectName("card")
        title = QLabel(_("Reports"), box)
        title.setProperty("role", "field")
        today = today_in(self.sales.shop_zone())  # the report's days are the shop's
        self.from_edit = QDateEdit(today.addDays(-6), box)
        self.to_edit = QDateEdit(today, box)
        for edit, name in (
            (self.from_edit, _("Sales report from")),
            (self.to_edit, _("Sales report to")),
        ):
            edit.setCalendarPopup(True)
            start_weeks(edit)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
        sales = self._button(_("Sales report"), "Ctrl+Shift+S", self.sales_report)
        self.week_button = self._button(_("This week"), "Ctrl+Shift+W", self.this_week)
        z_again = self._button(_("Z report of session"), "Ctrl+Shift+Z", self.z_report)
        self.sessions = QTreeWidget(box)
        self.sessions.setRootIsDecorated(False)
        self.sessions.setProperty("ordersTree", True)
        self.sessions.setAlternatingRowColors(True)
        self.sessions.setAccessibleName(_("Till sessions"))
        self.sessions.setHeaderLabels(
            [
                "#",
                _("Register"),
                _("Cashier"),
                pgettext("till session", "Opened"),
                pgettext("till session", "Closed"),
                _("Expected"),
                _("Counted"),
                _("Over/short"),
            ]
        )
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Sales from"), box))
        row.addWidget(self.from_edit)
        row.addWidget(QLabel(pgettext("date range", "to"), box))
        row.addWidget(self.to_edit)
        row.addWidget(self.week_button)
        row.addWidget(sales)
        row.addStretch(1)
        row.addWidget(z_again)
        column = QVBoxLayout(box)
        column.setContentsMargins(3 * SPACING, 2 * SPACING, 3 * SPACING, 2 * SPACING)
        column.addWidget(title)
        column.addLayout(row)
        column.addWidget(self.sessions, 1)
        return box

    def say(self, text: str) -> None:
        """Show a note."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def refresh(self) -> None:
        """Read the till's state and the recent sessions."""
        try:
            self.till = self.sales.current_till(self.user)
        except ServiceError as exc:
            self.say(str(exc))
            return
        till = self.till
        if till is None:
            self.status.setText(_("Till closed"))
            self.detail.setText(_("Open it with a counted float before the first sale."))
        else:
            opened = till.opened_at.astimezone().strftime("%Y-%m-%d %H:%M")
            self.status.setText(_("Till open · {register}").format(register=till.register))
            self.detail.setText(
                _("{store} · opened {time} by {cashier} · float {amount}").format(
                    store=till.store_name,
                    time=opened,
                    cashier=till.cashier_name,
                    amount=money_text(till.float_minor),
                )
            )
        self.open_button.setEnabled(till is None)
        for button in (self.in_button, self.out_button, self.x_button, self.close_button):
            button.setEnabled(till is not None)
        if self.manager:
            self._load_sessions()

    def _load_sessions(self) -> None:
        self.sessions.clear()
        try:
            rows = self.sales.recent_sessions(self.user)
        except ServiceError as exc:
            self.say(str(exc))
            return
        for session in rows:
            item = QTreeWidgetItem(
                self.sessions,
                [
                    str(session.id),
                    session.register,
                    session.cashier_name,
                    session.opened_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                    session.closed_at.astimezone().strftime("%Y-%m-%d %H:%M")
                    if session.closed_at
                    else pgettext("till session", "open"),
                    money_text(session.expected_minor)
                    if session.expected_minor is not None
                    else "",
                    money_text(session.counted_minor) if session.counted_minor is not None else "",
                    _over_short(session.over_short_minor),
                ],
            )
            item.setData(0, Qt.ItemDataRole.UserRole, session.id)
        for column in range(self.sessions.columnCount()):
            self.sessions.resizeColumnToContents(column)

    # --- actions ----------------------------------------------------------------------------

    @Slot()
    def open_till(self) -> None:
        """Open the till with a counted float."""
        try:
            amount = open_till_with_float(self.sales, self.user, self)
        except ServiceError as exc:
            self.say(str(exc))
            return
        if amount is None:
            return
        self.say(_("Till opened with a float of {amount}.").format(amount=money_text(amount)))
        self.refresh()
        emit(self.till_changed)

    def move_cash(self, direction: str) -> None:
        """Cash in or out with a reason."""
        with one_use(CashMoveDialog(direction, self)) as dialog:
            if not dialog.exec():
                return
            amount, reason = dialog.amount, dialog.reason
        try:
            self.sales.cash_movement(self.user, amount, reason)
        except ServiceError as exc:
            self.say(str(exc))
            return
        text = _("Cash in: {amount}.") if amount > 0 else _("Cash out: {amount}.")
        self.say(text.format(amount=money_text(abs(amount))))

    @Slot()
    def x_report(self) -> None:
        """The X report of the open till (nothing is reset)."""
        try:
            report = self.sales.x_report(self.user)
            self._show(report)
        except (ServiceError, OSError) as exc:
            self.say(str(exc))

    @Slot()
    def close_till(self) -> None:
        """The blind count, then the Z report (not while offline sales wait for the server)."""
        try:
            self.sales.check_close_till(self.user)
            pieces = self.sales.denominations(self.user)
        except ServiceError as exc:
            self.say(str(exc))
            self.settle_button.setVisible(
                isinstance(exc, OfflineSalesWaitingError) and self._refused_waiting()
            )
            return
        self.settle_button.hide()
        with one_use(CloseTillDialog(pieces, self)) as dialog:
            if not dialog.exec():
                return
            amount, counted = dialog.amount, dialog.pieces
        try:
            report = self.sales.close_till(self.user, amount, counted)
        except ServiceError as exc:
            self.say(str(exc))
            return
        self.say(
            _("Till closed. Counted {counted}, expected {expected}: {difference}.").format(
                counted=money_text(amount),
                expected=money_text(report.expected_cash_minor),
                difference=_over_short(report.over_short_minor),
            )
        )
        self.refresh()
        emit(self.till_changed)
        try:
            self._show(report)
        except OSError as exc:
            self.say(str(exc))

    def _refused_waiting(self) -> bool:
        """Whether a manager has refused offline sales to settle (pending ones replay alone)."""
        if not self.can_settle:
            return False
        try:
            return bool(self.sales.refused_offline_sales(self.user))
        except ServiceError:
            return False

    @Slot()
    def settle_offline(self) -> None:
        """A manager settles the refused offline sales the Z report waits for."""
        if not (self.can_settle and self.settle_button.isVisible() and self.till is not None):
            return
        with one_use(
            SettleOfflineDialog(self.sales, self.user, self.till.register, self)
        ) as dialog:
            dialog.exec()
            settled = dialog.settled
        if settled:
            self.settle_button.hide()
            self.say(
                ngettext("{n} refused sale settled.", "{n} refused sales settled.", settled).format(
                    n=settled
                )
            )

    @Slot()
    def z_report(self) -> None:
        """Reprint the Z report of the chosen closed session."""
        item = self.sessions.currentItem() if self.manager else None
        if item is None:
            self.say(_("Choose a closed session in the list first."))
            return
        try:
            self._show(self.sales.z_report(self.user, int(item.data(0, Qt.ItemDataRole.UserRole))))
        except (ServiceError, OSError) as exc:
            self.say(str(exc))

    def _show(self, report: TillReport) -> None:
        pdf = till_report_pdf(report, zone=self.sales.shop_zone(), shop=self.sales.shop_profile())
        name = f"{report.kind.lower()}-report-{report.session.register}-{report.session.id}.pdf"
        self.pdf_sink(name, pdf)

    @Slot()
    @Slot()
    def this_week(self) -> None:
        """Report from the first day of this week (the shop's first weekday) to today."""
        today = today_in(self.sales.shop_zone())
        day = date(today.year(), today.month(), today.day())
        self.from_edit.setDate(today.addDays((week_start(day) - day).days))
        self.to_edit.setDate(today)

    def sales_report(self) -> None:
        """The sales report for the chosen dates, made off the GUI thread."""
        first = self.from_edit.date()
        last = self.to_edit.date()
        date_from = date(first.year(), first.month(), first.day())
        date_to = date(last.year(), last.month(), last.day())
        sales, user = self.sales, self.user

        def work(_job: Job) -> bytes:
            report = sales.sales_summary(user, date_from, date_to)
            return sales_report_pdf(report, zone=sales.shop_zone())

        def show(pdf: bytes) -> None:
            try:
                self.pdf_sink(f"sales-{date_from}-{date_to}.pdf", pdf)
            except OSError as exc:
                self.say(str(exc))

        Operation(self, work, name="sales report", success=show, failure=self.say).with_dialog(
            _("Sales report"), _("Adding up the sales…"), REPORT_LOOK
        ).run_modal()
