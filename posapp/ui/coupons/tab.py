"""The Coupons tab: campaigns with live counts, a campaign's codes, the redemption log, reports.

It refreshes itself when the bus says a code was redeemed, a campaign ended or an order changed
state (a cancel or refund gives uses back). Long work (generating codes, the code sheet, the
effectiveness report, CSV export) runs on the thread pool behind a progress dialog with Cancel.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from posapp.config import data_dir
from posapp.events import CampaignEnded, CouponRedeemed, OrderStatusChanged
from posapp.i18n import _, ngettext, pgettext
from posapp.reports.coupon_effectiveness import render_effectiveness
from posapp.reports.coupon_sheet import render_code_sheet
from posapp.services.coupons import (
    SCOPE_PRODUCTS,
    CampaignDraft,
    CampaignRow,
    CouponsApi,
    OperationCancelledError,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.platform.files import write_atomic
from posapp.services.staff import Permission, has_permission
from posapp.ui.coupons.dialogs import CampaignDialog, GenerateDialog, ReportDialog
from posapp.ui.coupons.models import CampaignTableModel
from posapp.ui.coupons.pages import CodesPage, RedemptionLogPage, table_view
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.formatting import count_text, money_text
from posapp.ui.kit.lifetime import one_use
from posapp.ui.kit.operation import Job, Operation
from posapp.ui.kit.progress_dialog import DialogLook
from posapp.ui.kit.widgets import SPACING, PageHeader

if TYPE_CHECKING:
    from posapp.services.backend import Backend

REFRESH_DELAY_MS = 150
"""Bursts of events (a bulk checkout, a refund of many orders) cause one refresh."""
LOOK = DialogLook(object_name="couponTaskDialog")
"""The progress dialog of coupon work: a failure stays shown in it, with a Close button."""


class CouponsTab(QWidget):
    """Coupon campaigns, their codes, the redemption log and the effectiveness report."""

    def __init__(
        self, backend: Backend, bus: EventBus, user: UserDTO, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("couponsTab")
        self.setAccessibleName(_("Coupons"))
        self.backend, self.bus, self.user = backend, bus, user
        self.header = PageHeader(
            _("Coupons"), _("Campaigns, codes and how they performed."), "coupon", self
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4 * SPACING, 3 * SPACING, 4 * SPACING, 3 * SPACING)
        layout.setSpacing(2 * SPACING)
        layout.addWidget(self.header)
        self.coupons: CouponsApi = backend.coupons
        self.zone = self.coupons.zone()
        self.can_manage = has_permission(user, Permission.MANAGE_COUPONS)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._last_file: Path | None = None
        self._build(layout)
        bus.coupon_redeemed.connect(self._on_bus_coupon_redeemed)
        bus.campaign_ended.connect(self._on_bus_campaign_ended)
        bus.order_status_changed.connect(self._on_bus_order_status_changed)
        self.refresh()

    # -- building ------------------------------------------------------------------------

    def _action(
        self, text: str, key: str, slot: Callable[[], None], *, manage: bool = False
    ) -> QAction:
        action = QAction(text.replace("&", ""), self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        action.setVisible(self.can_manage or not manage)
        self.addAction(action)
        return action

    def _button(self, action: QAction, text: str, primary: bool = False) -> QPushButton:
        button = QPushButton(text, self)
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        button.setToolTip(f"{action.text()} ({shortcut})")
        button.setAccessibleDescription(_("Shortcut {keys}").format(keys=shortcut))
        button.clicked.connect(action.trigger)
        button.setVisible(action.isVisible())
        if primary:
            button.setProperty("variant", "primary")
            button.style().unpolish(button)
            button.style().polish(button)
        action.enabledChanged.connect(button.setEnabled)
        return button

    def _build(self, layout: QVBoxLayout) -> None:
        self.new_action = self._action(_("&New campaign"), "Ctrl+N", self.new_campaign, manage=True)
        self.edit_action = self._action(
            _("&Edit campaign"), "Ctrl+E", self.edit_campaign, manage=True
        )
        self.generate_action = self._action(
            _("&Generate codes"), "Ctrl+G", self.generate, manage=True
        )
        self.toggle_action = self._action(
            _("&Disable campaign"), "Ctrl+D", self.toggle_campaign, manage=True
        )
        self.csv_action = self._action(_("Export codes as CSV"), "Ctrl+Shift+S", self.export_csv)
        self.sheet_action = self._action(_("Print code sheet (PDF)"), "Ctrl+P", self.export_sheet)
        self.report_action = self._action(
            _("Effectiveness report (PDF)"), "Ctrl+R", self.build_report
        )
        self.code_toggle_action = self._action(
            _("Disable code"), "Ctrl+Shift+D", self.toggle_code, manage=True
        )
        self.refresh_action = self._action(_("Refresh"), "F5", self.refresh)
        self._build_toolbar(layout)

    def _build_toolbar(self, layout: QVBoxLayout) -> None:
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(_("Find a campaign"))
        self.search_edit.setAccessibleName(_("Find a campaign"))
        self.search_edit.setClearButtonEnabled(True)
        bar = QHBoxLayout()
        bar.setSpacing(SPACING)
        bar.addWidget(self.search_edit, 1)
        self.new_button = self._button(self.new_action, _("New campaign"), primary=True)
        self.edit_button = self._button(self.edit_action, _("Edit"))
        self.generate_button = self._button(self.generate_action, _("Generate codes"))
        self.toggle_button = self._button(self.toggle_action, _("Disable"))
        self.csv_button = self._button(self.csv_action, _("CSV"))
        self.sheet_button = self._button(self.sheet_action, _("Code sheet"))
        self.report_button = self._button(self.report_action, _("Report"))
        for button in (
            self.new_button,
            self.edit_button,
            self.generate_button,
            self.toggle_button,
            self.csv_button,
            self.sheet_button,
            self.report_button,
        ):
            bar.addWidget(button)
        layout.addLayout(bar)
        self.summary_label = QLabel(self)
        self.summary_label.setProperty("role", "muted")
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.summary_label)

        self._build_views(layout)

    def _build_views(self, layout: QVBoxLayout) -> None:
        self.campaigns = CampaignTableModel(self.zone, lambda: datetime.now(UTC))
        self.campaign_proxy = QSortFilterProxyModel(self)
        self.campaign_proxy.setSourceModel(self.campaigns)
        self.campaign_proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.campaign_proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.campaign_proxy.setFilterKeyColumn(0)
        self.campaign_view = table_view(self, _("Campaigns"))
        self.campaign_view.setModel(self.campaign_proxy)
        self.campaign_view.setSortingEnabled(True)
        header = self.campaign_view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.campaign_view.sortByColumn(4, Qt.SortOrder.DescendingOrder)
        self.campaign_view.selectionModel().currentRowChanged.connect(
            self._on_campaign_view_current_changed
        )
        self.campaign_view.doubleClicked.connect(self.edit_campaign)
        self.search_edit.textChanged.connect(self.campaign_proxy.setFilterFixedString)

        self.details = QTabWidget(self)
        self.details.setObjectName("couponDetails")
        self.details.addTab(self._codes_page(), _("Codes"))
        self.details.addTab(self._log_page(), _("Redemption log"))
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.campaign_view)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)

        self.message_label = QLabel(self)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setWordWrap(True)
        self.open_button = QPushButton(pgettext("file", "Open"), self)
        self.open_button.setProperty("variant", "link")
        self.open_button.clicked.connect(self._on_open_button_clicked)
        row = QHBoxLayout()
        row.addWidget(self.message_label, 1)
        row.addWidget(self.open_button)
        layout.addLayout(row)
        self._set_message("")

    def _codes_page(self) -> QWidget:
        self.code_toggle_button = self._button(self.code_toggle_action, _("Disable code"))
        page = CodesPage(self.coupons, self.user, self.zone, self.code_toggle_button, self)
        self.code_search, self.codes, self.code_view = page.code_search, page.codes, page.code_view
        self.code_search.textChanged.connect(self._on_code_search_text_changed)
        self.code_view.selectionModel().currentRowChanged.connect(self._update_actions)
        return page

    def _log_page(self) -> QWidget:
        self.log_page = RedemptionLogPage(self.coupons, self.user, self.zone, self)
        self.log = self.log_page.log
        return self.log_page

    # -- state ---------------------------------------------------------------------------

    def selected_row(self) -> CampaignRow | None:
        """The campaign row under the cursor."""
        index = self.campaign_view.currentIndex()
        if not index.isValid():
            return None
        return self.campaigns.row_at(self.campaign_proxy.mapToSource(index).row())

    def select_campaign(self, campaign_id: int) -> None:
        """Put the cursor on a campaign."""
        row = self.campaigns.row_of(campaign_id)
        if row >= 0:
            index = self.campaign_proxy.mapFromSource(self.campaigns.index(row, 0))
            self.campaign_view.setCurrentIndex(index)

    @Slot()
    def refresh(self) -> None:
        """Reload the campaigns (keeping the selection), the codes and the log."""
        selected = self.selected_row()
        try:
            rows = self.coupons.list_campaigns(self.user)
            cashiers = self.coupons.redemption_cashiers(self.user)
        except ServiceError as exc:
            self._set_message(str(exc), error=True)
            return
        self.campaigns.set_rows(rows)
        self.log_page.fill_filters(rows, cashiers)
        if selected is not None:
            self.select_campaign(selected.campaign.id)
        elif rows:
            self.campaign_view.setCurrentIndex(self.campaign_proxy.index(0, 0))
        self.codes.mark_stale()
        self.log.reload()
        issued = sum(r.codes_issued for r in rows)
        uses = sum(r.redemptions for r in rows)
        given = sum(r.discount_minor for r in rows)
        running = sum(1 for r in rows if r.campaign.status(datetime.now(UTC)) == "running")
        self.summary_label.setText(
            ngettext(
                "{count} campaign, {running} running",
                "{count} campaigns, {running} running",
                len(rows),
            ).format(count=len(rows), running=running)
            + " · "
            + ngettext("{count} code issued", "{count} codes issued", issued).format(
                count=count_text(issued)
            )
            + " · "
            + ngettext("{count} use", "{count} uses", uses).format(count=count_text(uses))
            + " · "
            + _("{amount} discount given").format(amount=money_text(given))
        )
        self._update_actions()

    @Slot()
    def _update_actions(self) -> None:
        row = self.selected_row()
        has = row is not None
        for action in (
            self.edit_action,
            self.generate_action,
            self.toggle_action,
            self.csv_action,
            self.sheet_action,
        ):
            action.setEnabled(has)
        if row is not None:
            self.toggle_action.setText(
                _("Enable campaign") if not row.campaign.active else _("Disable campaign")
            )
            self.toggle_button.setText(_("Enable") if not row.campaign.active else _("Disable"))
        code = self.codes.row_at(self.code_view.currentIndex().row())
        self.code_toggle_action.setEnabled(code is not None)
        self.code_toggle_button.setText(
            _("Enable code") if code and not code.active else _("Disable code")
        )

    def _set_message(self, text: str, *, error: bool = False, file: Path | None = None) -> None:
        self.message_label.setText(text)
        self.message_label.setObjectName("errorLabel" if error else "")
        self.message_label.setProperty("role", "muted")
        self.message_label.style().unpolish(self.message_label)
        self.message_label.style().polish(self.message_label)
        self.message_label.setVisible(bool(text))
        self._last_file = file
        self.open_button.setVisible(file is not None)

    # -- slots ---------------------------------------------------------------------------

    @Slot()
    def _on_campaign_view_current_changed(self) -> None:
        row = self.selected_row()
        ids = (
            []
            if row is None
            else self.coupons.code_ids(self.user, row.campaign.id, self.code_search.text())
        )
        self.codes.set_ids(ids)
        self._update_actions()

    @Slot()
    def _on_code_search_text_changed(self) -> None:
        self._on_campaign_view_current_changed()

    @Slot(object)
    def _on_bus_coupon_redeemed(self, event: CouponRedeemed) -> None:
        del event
        self._refresh_timer.start()

    @Slot(object)
    def _on_bus_campaign_ended(self, event: CampaignEnded) -> None:
        del event
        self._refresh_timer.start()

    @Slot(object)
    def _on_bus_order_status_changed(self, event: OrderStatusChanged) -> None:
        if event.new_status in {"cancelled", "refunded", "partly_refunded"}:
            self._refresh_timer.start()

    @Slot()
    def _on_open_button_clicked(self) -> None:
        if self._last_file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._last_file)))

    # -- actions -------------------------------------------------------------------------

    def _campaign_dialog(self, row: CampaignRow | None) -> CampaignDialog:
        coupons = self.coupons
        categories = coupons.category_choices(self.user)
        skus = ""
        if row is not None and row.campaign.product_ids:
            labels = coupons.product_labels(self.user, row.campaign.product_ids)
            skus = ", ".join(choice.label.split(" · ")[0] for choice in labels)
        holder: list[CampaignDialog] = []

        def submit(draft: CampaignDraft, shared_code: str) -> object:
            if draft.scope == SCOPE_PRODUCTS:
                found = coupons.products_by_sku(self.user, holder[0].product_skus())
                draft = dataclasses.replace(draft, product_ids=tuple(c.id for c in found))
            if row is None:
                return coupons.create_campaign(self.user, draft, shared_code)
            return coupons.update_campaign(self.user, row.campaign.id, draft)

        dialog = CampaignDialog(
            self.zone,
            datetime.now(UTC),
            categories,
            submit,
            row.campaign if row else None,
            skus,
            self,
        )
        holder.append(dialog)
        return dialog

    @Slot()
    def new_campaign(self) -> None:
        """Open the form for a new campaign."""
        with one_use(self._campaign_dialog(None)) as dialog:
            if not dialog.exec():
                return
            saved = dialog.saved
        self.refresh()
        self.select_campaign(getattr(saved, "id", 0))
        self._set_message(_("Campaign {name} created.").format(name=getattr(saved, "name", "")))

    @Slot()
    def edit_campaign(self) -> None:
        """Edit the selected campaign's rules."""
        row = self.selected_row()
        if row is None or not self.can_manage:
            return
        with one_use(self._campaign_dialog(row)) as dialog:
            accepted = dialog.exec()
        if accepted:
            self.refresh()
            self._set_message(_("Campaign {name} saved.").format(name=row.campaign.name))

    @Slot()
    def toggle_campaign(self) -> None:
        """Disable (at once) or enable the selected campaign."""
        row = self.selected_row()
        if row is None:
            return
        try:
            self.coupons.set_campaign_active(self.user, row.campaign.id, not row.campaign.active)
        except ServiceError as exc:
            self._set_message(str(exc), error=True)
            return
        self.refresh()
        state = (
            _("Campaign {name} enabled.")
            if not row.campaign.active
            else _("Campaign {name} disabled: its codes are refused at once.")
        )
        self._set_message(state.format(name=row.campaign.name))

    @Slot()
    def toggle_code(self) -> None:
        """Disable (at once) or enable the code under the cursor."""
        code = self.codes.row_at(self.code_view.currentIndex().row())
        if code is None:
            return
        try:
            self.coupons.set_code_active(self.user, code.id, not code.active)
        except ServiceError as exc:
            self._set_message(str(exc), error=True)
            return
        self.codes.mark_stale()
        self._update_actions()
        self._set_message(
            (_("Code {code} enabled.") if not code.active else _("Code {code} disabled.")).format(
                code=code.code
            )
        )

    def run_task(self, title: str, what: str, work: Callable[[Job], object]) -> Operation[object]:
        """Run ``work`` off the GUI thread behind a progress dialog; return the ended operation."""
        op = Operation(self, work, name=title, cancel_errors=(OperationCancelledError,))
        return op.with_dialog(title, what, LOOK).run_modal()

    @Slot()
    def generate(self) -> None:
        """Ask how many codes, then generate them with a progress bar and Cancel."""
        row = self.selected_row()
        coupons = self.coupons
        if row is None:
            return
        with one_use(GenerateDialog(row.campaign.name, self)) as ask:
            if not ask.exec():
                return
            count, prefix, groups = ask.count_box.value(), ask.prefix_edit.text(), ask.groups
        campaign_id = row.campaign.id

        def work(job: Job) -> object:
            return coupons.generate_codes(
                self.user,
                campaign_id,
                count,
                prefix=prefix,
                groups=groups,
                progress=job.progress,
                cancelled=job.cancelled,
            )

        done = self.run_task(
            _("Generate codes"),
            _("Generating {count} unique codes…").format(count=count_text(count)),
            work,
        )
        if done.result is not None:
            self._set_message(
                ngettext(
                    "{count} code generated for {campaign}.",
                    "{count} codes generated for {campaign}.",
                    count,
                ).format(count=count_text(count), campaign=row.campaign.name)
            )
        elif done.error:
            self._set_message(done.error, error=True)
        else:
            self._set_message(_("Generation cancelled: no code was kept."))
        self.refresh()

    def ask_save_path(self, title: str, suggested: str, file_filter: str) -> Path | None:
        """Ask where to save a file (tests replace this method)."""
        folder = data_dir() / "reports"
        name, _filter = QFileDialog.getSaveFileName(
            self, title, str(folder / suggested), file_filter
        )
        return Path(name) if name else None

    def _save(self, title: str, what: str, path: Path, make: Callable[[Job], bytes]) -> None:
        def work(job: Job) -> object:
            data = make(job)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data)
            return path

        done = self.run_task(title, what, work)
        if done.result is not None:
            self._set_message(_("Saved {file}").format(file=path), file=path)
        elif done.error:
            self._set_message(done.error, error=True)
        else:
            self._set_message(_("{what} cancelled.").format(what=title))

    def _slug(self, row: CampaignRow) -> str:
        keep = "".join(ch if ch.isalnum() else "-" for ch in row.campaign.name.lower())
        return "-".join(part for part in keep.split("-") if part)[:40] or "campaign"

    def _save_selected(
        self, title: str, what: str, name: str, file_filter: str, make: Callable[[int, Job], bytes]
    ) -> None:
        """Save what ``make(campaign_id, job)`` gives for the selected campaign, named after it."""
        row = self.selected_row()
        if row is None:
            return
        stem, dot, ext = name.rpartition(".")
        path = self.ask_save_path(title, f"{stem}-{self._slug(row)}{dot}{ext}", file_filter)
        if path is None:
            return
        self._save(title, what, path, partial(make, row.campaign.id))

    @Slot()
    def export_csv(self) -> None:
        """Save the selected campaign's codes as CSV."""
        coupons = self.coupons

        def make(campaign_id: int, _job: Job) -> bytes:
            return coupons.export_codes_csv(self.user, campaign_id).encode("utf-8-sig")

        what = _("Exporting the codes…")
        self._save_selected(_("Export codes"), what, "coupon-codes.csv", _("CSV (*.csv)"), make)

    @Slot()
    def export_sheet(self) -> None:
        """Save the selected campaign's printable code sheet as PDF."""
        coupons = self.coupons

        def make(campaign_id: int, job: Job) -> bytes:
            sheet = coupons.code_sheet(self.user, campaign_id)
            return render_code_sheet(sheet, progress=job.progress, cancelled=job.cancelled)

        what = _("Drawing the code sheet…")
        self._save_selected(_("Code sheet"), what, "coupon-sheet.pdf", _("PDF (*.pdf)"), make)

    @Slot()
    def build_report(self) -> None:
        """Ask for a period, then build the effectiveness report off the GUI thread."""
        coupons = self.coupons
        row = self.selected_row()
        with one_use(
            ReportDialog(datetime.now(self.zone).date(), row.campaign.name if row else None, self)
        ) as ask:
            if not ask.exec():
                return
            first, last = ask.period()
            only_selected = ask.only_selected.isChecked()
        ids = [row.campaign.id] if row is not None and only_selected else None
        path = self.ask_save_path(
            _("Effectiveness report"), f"coupons-{first}-{last}.pdf", _("PDF (*.pdf)")
        )
        if path is None:
            return

        def make(job: Job) -> bytes:
            def half(done: int, total: int) -> None:
                job.progress(done, 2 * total)

            report = coupons.effectiveness_report(
                self.user, first, last, campaign_ids=ids, progress=half, cancelled=job.cancelled
            )
            job.progress(3, 4)
            return render_effectiveness(report)

        self._save(_("Effectiveness report"), _("Building the effectiveness report…"), path, make)
