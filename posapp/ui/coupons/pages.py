"""The Coupons tab's two detail pages: a campaign's codes and the redemption log.

Each page owns its filters, its lazily paged model and its table; the tab
(:class:`posapp.ui.coupons.tab.CouponsTab`) puts them under the campaign list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posapp.i18n import _
from posapp.services.coupons import CampaignRow, Choice, CouponsApi, RedemptionFilter
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import Permission, has_permission
from posapp.ui.coupons.models import CodeTableModel, RedemptionLogModel
from posapp.ui.kit.widgets import SPACING


def table_view(parent: QWidget, name: str) -> QTableView:
    """A read-only table of whole rows, one selected at a time, named for screen readers."""
    view = QTableView(parent)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.setWordWrap(False)
    return view


class CodesPage(QWidget):
    """A campaign's codes: a search field, the enable/disable key, the table (paged by ids).

    ``toggle_button`` is the tab's button for its "Disable code" action; the page only places it.
    """

    def __init__(
        self,
        coupons: CouponsApi,
        user: UserDTO,
        zone: tzinfo,
        toggle_button: QPushButton,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.code_search = QLineEdit(self)
        self.code_search.setPlaceholderText(
            _("Find a code (spaces and dashes ignored)")
            if has_permission(user, Permission.MANAGE_COUPONS)
            else _("Find a code by its last group (codes show masked)")
        )
        self.code_search.setAccessibleName(_("Find a code"))
        self.code_search.setClearButtonEnabled(True)
        self.codes = CodeTableModel(coupons, user, zone)
        self.code_view = table_view(self, _("Codes of the campaign"))
        self.code_view.setModel(self.codes)
        # Fixed widths: sizing to contents would fetch every page of a 100,000-code campaign.
        metrics = self.code_view.fontMetrics()
        samples = ("SPRING-XXXX-XXXX-XXXX", _("used up"), _("10 of 10"), "$10,000.00")
        header = self.code_view.horizontalHeader()  # and no narrower than its header
        for number, sample in enumerate(samples):
            width = metrics.horizontalAdvance(sample) + 4 * SPACING
            self.code_view.setColumnWidth(number, max(width, header.sectionSizeHint(number)))
        top = QHBoxLayout()
        top.addWidget(self.code_search, 1)
        top.addWidget(toggle_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        column.addLayout(top)
        column.addWidget(self.code_view, 1)


class RedemptionLogPage(QWidget):
    """The redemption log: filters by campaign, cashier, code or order, and the table."""

    def __init__(
        self, coupons: CouponsApi, user: UserDTO, zone: tzinfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.log_campaign = QComboBox(self)
        self.log_campaign.setAccessibleName(_("Campaign filter"))
        self.log_cashier = QComboBox(self)
        self.log_cashier.setAccessibleName(_("Cashier filter"))
        self.log_text = QLineEdit(self)
        self.log_text.setPlaceholderText(_("Code or order number"))
        self.log_text.setAccessibleName(_("Code or order number filter"))
        self.log_text.setClearButtonEnabled(True)
        self.log_reversed = QCheckBox(_("Show given back"), self)
        self.log_reversed.setChecked(True)
        self.log = RedemptionLogModel(coupons, user, zone)
        self.log_view = table_view(self, _("Redemption log"))
        self.log_view.setModel(self.log)
        metrics = self.log_view.fontMetrics()
        samples = (
            "28 Oct 2026 10:41",
            "SPRING-XXXX-XXXX",
            "Winter Warmers 10%",
            "MAIN-000000",
            "Customer name",
            "Cashier name",
            "$1,000.00",
        )
        header = self.log_view.horizontalHeader()
        for number, sample in enumerate(samples):
            width = metrics.horizontalAdvance(sample) + 4 * SPACING
            self.log_view.setColumnWidth(number, max(width, header.sectionSizeHint(number)))
        filters = QHBoxLayout()
        for widget in (self.log_campaign, self.log_cashier):
            filters.addWidget(widget)
        filters.addWidget(self.log_text, 1)
        filters.addWidget(self.log_reversed)
        column = QVBoxLayout(self)
        column.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        column.addLayout(filters)
        column.addWidget(self.log_view, 1)
        self.log_campaign.currentIndexChanged.connect(self._on_filter_changed)
        self.log_cashier.currentIndexChanged.connect(self._on_filter_changed)
        self.log_text.textChanged.connect(self._on_filter_changed)
        self.log_reversed.toggled.connect(self._on_filter_changed)

    def fill_filters(self, rows: Sequence[CampaignRow], cashiers: Sequence[Choice]) -> None:
        """Offer these campaigns and cashiers in the filters, keeping what was chosen."""
        for combo, everything, items in (
            (
                self.log_campaign,
                _("All campaigns"),
                [(r.campaign.id, r.campaign.name) for r in rows],
            ),
            (self.log_cashier, _("All cashiers"), [(c.id, c.label) for c in cashiers]),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            for item_id, label in items:
                combo.addItem(label, item_id)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

    @Slot()
    def _on_filter_changed(self) -> None:
        self.log.set_filter(
            RedemptionFilter(
                campaign_id=self.log_campaign.currentData(),
                cashier_id=self.log_cashier.currentData(),
                text=self.log_text.text(),
                include_reversed=self.log_reversed.isChecked(),
            )
        )
