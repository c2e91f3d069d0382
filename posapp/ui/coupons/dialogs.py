"""Dialogs of the Coupons tab: a campaign's rules, bulk generation, the report period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo

from PySide6.QtCore import QDate, Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QWidget,
)

from posapp.i18n import _, pgettext
from posapp.money import MoneyError, format_money, parse_money
from posapp.services.coupons import (
    FIXED,
    MAX_GROUPS,
    MIN_GROUPS,
    PERCENT,
    PREFIX_MAX,
    SCOPE_CATEGORIES,
    SCOPE_LABELS,
    SCOPE_PRODUCTS,
    SCOPES,
    CampaignDraft,
    CampaignDTO,
    Choice,
    parse_percent_bp,
    percent_text,
)
from posapp.services.platform.errors import ServiceError, ValidationError
from posapp.ui.kit.dialogs import Ok, Save, dialog_buttons, dialog_column
from posapp.ui.kit.region import start_weeks
from posapp.ui.kit.widgets import SPACING, message_label
from posapp.ui.kit.zoned import ZonedDateTimeEdit

Submit = Callable[[CampaignDraft, str], object]
LIMIT_MAX = 1_000_000_000
GENERATE_MAX = 1_000_000


def _limit_box(parent: QWidget, name: str) -> QSpinBox:
    box = QSpinBox(parent)
    box.setRange(0, LIMIT_MAX)
    box.setSpecialValueText(_("No limit"))
    box.setGroupSeparatorShown(True)
    box.setAccessibleName(name)
    return box


class CampaignDialog(QDialog):
    """Create or edit a campaign. ``submit(draft, shared_code)`` saves it or raises."""

    def __init__(
        self,
        zone: tzinfo,
        now: datetime,
        categories: list[Choice],
        submit: Submit,
        campaign: CampaignDTO | None = None,
        product_skus: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("campaignDialog")
        self.setWindowTitle(_("Edit campaign") if campaign else _("New campaign"))
        self.setMinimumWidth(70 * SPACING)
        self._zone = zone
        self._submit = submit
        self.saved: object = None
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(100)
        self.description_edit = QLineEdit(self)
        self.description_edit.setMaxLength(500)
        self.kind_combo = QComboBox(self)
        self.kind_combo.addItem(_("Percentage off"), PERCENT)
        self.kind_combo.addItem(_("Fixed amount off"), FIXED)
        self.value_edit = QLineEdit(self)
        self.scope_combo = QComboBox(self)
        for scope in SCOPES:
            self.scope_combo.addItem(_(SCOPE_LABELS[scope]), scope)
        self.products_edit = QLineEdit(product_skus, self)
        self.products_edit.setPlaceholderText(_("SKUs separated by commas"))
        self.categories_list = QListWidget(self)
        self.categories_list.setMaximumHeight(18 * SPACING)
        for choice in categories:
            item = QListWidgetItem("    " * choice.depth + choice.label)
            item.setData(Qt.ItemDataRole.UserRole, choice.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.categories_list.addItem(item)
        self._make_limits(zone, now)
        self.error_label = message_label("errorLabel", self)
        self._build_layout(campaign is None)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_combo_changed)
        self.scope_combo.currentIndexChanged.connect(self._on_scope_combo_changed)
        self.ends_check.toggled.connect(self.ends_edit.setEnabled)
        if campaign is not None:
            self._fill(campaign)
        self._on_kind_combo_changed()
        self._on_scope_combo_changed()
        self.ends_edit.setEnabled(self.ends_check.isChecked())

    def _make_limits(self, zone: tzinfo, now: datetime) -> None:
        self.min_spend_edit = QLineEdit(self)
        self.min_spend_edit.setPlaceholderText(pgettext("limit", "none"))
        self.max_discount_edit = QLineEdit(self)
        self.max_discount_edit.setPlaceholderText(pgettext("limit", "none"))
        # The shop's wall time whatever the PC's zone; a new campaign starts on the minute.
        now = now.replace(second=0, microsecond=0)
        self.starts_edit = ZonedDateTimeEdit(zone, now, self)
        self.starts_edit.setCalendarPopup(True)
        start_weeks(self.starts_edit)
        self.starts_edit.setDisplayFormat("dd MMM yyyy HH:mm")
        self.ends_check = QCheckBox(_("Ends"), self)
        self.ends_edit = ZonedDateTimeEdit(zone, now + timedelta(days=30), self)
        self.ends_edit.setCalendarPopup(True)
        start_weeks(self.ends_edit)
        self.ends_edit.setDisplayFormat("dd MMM yyyy HH:mm")
        self.usage_box = _limit_box(self, _("Total usage limit"))
        self.per_customer_box = _limit_box(self, _("Limit per customer"))
        self.single_use_check = QCheckBox(_("Each code can be used once"), self)
        self.single_use_check.setChecked(True)
        self.stacks_check = QCheckBox(_("Combines with other coupons that combine"), self)
        self.shared_edit = QLineEdit(self)
        self.shared_edit.setPlaceholderText(_("optional, e.g. WELCOME5"))
        self.zone_note = QLabel(
            _("Times are the shop's ({zone}).").format(zone=self.starts_edit.zone_name), self
        )
        self.zone_note.setProperty("role", "muted")

    def _build_layout(self, creating: bool) -> None:
        form = QFormLayout()
        form.setSpacing(SPACING)
        ends_row = QHBoxLayout()
        ends_row.addWidget(self.ends_check)
        ends_row.addWidget(self.ends_edit, 1)
        rows: list[tuple[str, QWidget | QHBoxLayout]] = [
            (_("&Name"), self.name_edit),
            (_("&Description"), self.description_edit),
            (_("Dis&count"), self.kind_combo),
            (_("&Value"), self.value_edit),
            (_("&Applies to"), self.scope_combo),
            (_("&Products"), self.products_edit),
            (_("Ca&tegories"), self.categories_list),
            (_("&Minimum spend"), self.min_spend_edit),
            (_("Ma&ximum discount"), self.max_discount_edit),
            (_("&Starts"), self.starts_edit),
            (_("&Expiry"), ends_row),
            ("", self.zone_note),
            (_("&Usage limit"), self.usage_box),
            (_("Per c&ustomer"), self.per_customer_box),
            ("", self.single_use_check),
            ("", self.stacks_check),
        ]
        if creating:
            rows.append((_("S&hared code"), self.shared_edit))
        else:
            self.shared_edit.hide()  # not in the form: it would float in the corner
        for label, field in rows:
            if isinstance(field, QWidget) and label:
                field.setAccessibleName(label.replace("&", ""))
            form.addRow(label, field)
        expiry = form.labelForField(ends_row)
        if isinstance(expiry, QLabel):  # a row of a layout has no buddy: Alt+E goes to Ends
            expiry.setBuddy(self.ends_check)
        self._form = form
        buttons = dialog_buttons(self, self._on_buttons_accepted, ok=Save)
        dialog_column(self, form, self.error_label, buttons, bottom=2 * SPACING)

    def _fill(self, c: CampaignDTO) -> None:
        self.name_edit.setText(c.name)
        self.description_edit.setText(c.description)
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(c.kind))
        self.value_edit.setText(
            percent_text(c.value) if c.kind == PERCENT else format_money(c.value, group_sep="")
        )
        self.scope_combo.setCurrentIndex(self.scope_combo.findData(c.scope))
        for row in range(self.categories_list.count()):
            item = self.categories_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) in c.category_ids:
                item.setCheckState(Qt.CheckState.Checked)
        if c.min_spend_minor:
            self.min_spend_edit.setText(format_money(c.min_spend_minor, group_sep=""))
        if c.max_discount_minor is not None:
            self.max_discount_edit.setText(format_money(c.max_discount_minor, group_sep=""))
        self.starts_edit.set_instant(c.starts_at)
        self.ends_check.setChecked(c.ends_at is not None)
        if c.ends_at is not None:
            self.ends_edit.set_instant(c.ends_at)
        self.usage_box.setValue(c.usage_limit or 0)
        self.per_customer_box.setValue(c.per_customer_limit or 0)
        self.single_use_check.setChecked(c.single_use_codes)
        self.stacks_check.setChecked(c.stacks)

    @Slot()
    def _on_kind_combo_changed(self) -> None:
        percent = self.kind_combo.currentData() == PERCENT
        self.value_edit.setPlaceholderText(_("e.g. 15 (per cent)") if percent else _("e.g. 5.00"))

    @Slot()
    def _on_scope_combo_changed(self) -> None:
        scope = self.scope_combo.currentData()
        self._form.setRowVisible(self.products_edit, scope == SCOPE_PRODUCTS)
        self._form.setRowVisible(self.categories_list, scope == SCOPE_CATEGORIES)

    def checked_categories(self) -> tuple[int, ...]:
        """The ids of the ticked categories."""
        ids = []
        for row in range(self.categories_list.count()):
            item = self.categories_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                ids.append(int(item.data(Qt.ItemDataRole.UserRole)))
        return tuple(ids)

    def product_skus(self) -> list[str]:
        """The SKUs typed for a products campaign."""
        return [
            part for part in self.products_edit.text().replace(";", ",").split(",") if part.strip()
        ]

    def draft(self, product_ids: tuple[int, ...] = ()) -> CampaignDraft:
        """The campaign as entered.

        Raises:
            ValidationError: a number cannot be read.
        """
        kind = str(self.kind_combo.currentData())
        raw = self.value_edit.text()
        try:
            value = parse_percent_bp(raw) if kind == PERCENT else parse_money(raw, allow_zero=False)
            min_spend = (
                parse_money(self.min_spend_edit.text()) if self.min_spend_edit.text().strip() else 0
            )
            cap_text = self.max_discount_edit.text().strip()
            cap = parse_money(cap_text, allow_zero=False) if cap_text else None
        except MoneyError as exc:
            raise ValidationError(str(exc)) from exc
        return CampaignDraft(
            name=self.name_edit.text(),
            kind=kind,
            value=value,
            starts_at=self.starts_edit.instant(),
            ends_at=self.ends_edit.instant() if self.ends_check.isChecked() else None,
            description=self.description_edit.text(),
            scope=str(self.scope_combo.currentData()),
            product_ids=product_ids,
            category_ids=self.checked_categories(),
            min_spend_minor=min_spend,
            max_discount_minor=cap,
            usage_limit=self.usage_box.value() or None,
            per_customer_limit=self.per_customer_box.value() or None,
            single_use_codes=self.single_use_check.isChecked(),
            stacks=self.stacks_check.isChecked(),
        )

    @Slot()
    def _on_buttons_accepted(self) -> None:
        try:
            self.saved = self._submit(self.draft(), self.shared_edit.text())
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.accept()


class GenerateDialog(QDialog):
    """How many codes to generate, with which prefix and length."""

    def __init__(self, campaign_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("generateDialog")
        self.setWindowTitle(_("Generate codes"))
        intro = QLabel(_("New unique codes for {campaign}.").format(campaign=campaign_name), self)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.count_box = QSpinBox(self)
        self.count_box.setRange(1, GENERATE_MAX)
        self.count_box.setValue(100)
        self.count_box.setGroupSeparatorShown(True)
        self.count_box.setAccessibleName(_("Number of codes"))
        self.prefix_edit = QLineEdit(self)
        self.prefix_edit.setMaxLength(PREFIX_MAX)
        self.prefix_edit.setPlaceholderText(_("optional, e.g. SPRING"))
        self.prefix_edit.setAccessibleName(_("Prefix"))
        self.groups_combo = QComboBox(self)
        for groups in range(MIN_GROUPS, MAX_GROUPS + 1):
            self.groups_combo.addItem(
                _("{groups} groups of 4 ({characters} characters)").format(
                    groups=groups, characters=groups * 4
                ),
                groups,
            )
        self.groups_combo.setAccessibleName(_("Code length"))
        form = QFormLayout()
        form.addRow(_("&Number of codes"), self.count_box)
        form.addRow(_("&Prefix"), self.prefix_edit)
        form.addRow(_("&Length"), self.groups_combo)
        buttons = dialog_buttons(self, self.accept, _("Generate"))
        buttons.button(Ok).setProperty("variant", "primary")
        dialog_column(self, intro, form, buttons, bottom=2 * SPACING)

    @property
    def groups(self) -> int:
        """The chosen number of groups."""
        return int(self.groups_combo.currentData())


class ReportDialog(QDialog):
    """The period (local days, inclusive) of the effectiveness report."""

    def __init__(
        self, today: date, selected_name: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reportDialog")
        self.setWindowTitle(_("Coupon effectiveness report"))
        self.from_edit = QDateEdit(QDate(today.year, today.month, 1), self)
        self.to_edit = QDateEdit(QDate(today.year, today.month, today.day), self)
        for edit, name in (
            (self.from_edit, pgettext("date", "From")),
            (self.to_edit, pgettext("date", "To")),
        ):
            edit.setCalendarPopup(True)
            start_weeks(edit)
            edit.setDisplayFormat("dd MMM yyyy")
            edit.setAccessibleName(name)
        self.only_selected = QCheckBox(
            _("Only {campaign}").format(campaign=selected_name)
            if selected_name
            else _("Only the selected campaign"),
            self,
        )
        self.only_selected.setEnabled(selected_name is not None)
        self.error_label = message_label("errorLabel", self)
        form = QFormLayout()
        form.addRow(_("&From"), self.from_edit)
        form.addRow(_("&To"), self.to_edit)
        form.addRow("", self.only_selected)
        buttons = dialog_buttons(self, self._on_buttons_accepted, _("Build PDF…"))
        dialog_column(self, form, self.error_label, buttons, bottom=2 * SPACING)

    def period(self) -> tuple[date, date]:
        """The chosen first and last day."""
        first = self.from_edit.date().toPython()
        last = self.to_edit.date().toPython()
        assert isinstance(first, date)
        assert isinstance(last, date)
        return first, last

    @Slot()
    def _on_buttons_accepted(self) -> None:
        first, last = self.period()
        if last < first:
            self.error_label.setText(_("The end date is before the start date."))
            self.error_label.show()
            return
        self.accept()
