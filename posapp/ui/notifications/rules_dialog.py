"""The admin's notification rules: which situation notifies which roles and which people."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from posapp.i18n import N_, _
from posapp.money import MoneyError, format_money, parse_money
from posapp.services.notifications import (
    MONEY_THRESHOLD_MAX,
    ROLES,
    TRIGGERS,
    NotificationRule,
    NotificationsApi,
    StaffChoice,
    TriggerSpec,
    default_rules,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.staff import role_word
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.session import error_text
from posapp.ui.kit.widgets import SPACING, PageHeader, message_label

COLUMNS: Final = (
    N_("Notify when"),
    N_("On"),
    N_("Admins"),
    N_("Managers"),
    N_("Cashiers"),
    N_("Threshold"),
    N_("Also"),
)
_ENABLED: Final = 1
_FIRST_ROLE: Final = 2
_THRESHOLD: Final = 5
_USERS: Final = 6
_CHECK_COLUMNS: Final = range(_ENABLED, _FIRST_ROLE + len(ROLES))


def threshold_text(spec: TriggerSpec, value: int | None, locale: QLocale | None = None) -> str:
    """How a rule's threshold reads in the table: "90 %", "$500.00", or "—"."""
    if value is None or spec.threshold == "none":
        return "—"
    if spec.threshold == "percent":
        return f"{value} %"
    return money_text(value, locale)


class RulesTableModel(QAbstractTableModel):
    """One row per trigger; "On" and the role columns are check boxes."""

    def __init__(self, rules: list[NotificationRule], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rules = {rule.trigger: rule for rule in rules}
        self.names: dict[int, str] = {}
        """Display names of users, for the "Also" column."""

    def rules(self) -> list[NotificationRule]:
        """Every rule as edited, in trigger order."""
        return [self.rule(row) for row in range(len(TRIGGERS))]

    def rule(self, row: int) -> NotificationRule:
        """The rule on ``row``."""
        spec = TRIGGERS[row]
        return self._rules.get(spec.key, spec.default_rule())

    def set_rule(self, row: int, rule: NotificationRule) -> None:
        """Replace the rule on ``row``."""
        self._rules[TRIGGERS[row].key] = rule
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def set_rules(self, rules: list[NotificationRule]) -> None:
        """Replace every rule."""
        self.beginResetModel()
        self._rules = {rule.trigger: rule for rule in rules}
        self.endResetModel()

    @override
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(TRIGGERS)

    @override
    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    @override
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(COLUMNS[section]) if 0 <= section < len(COLUMNS) else None
        return None

    def _checked(self, rule: NotificationRule, column: int) -> bool:
        if column == _ENABLED:
            return rule.enabled
        return ROLES[column - _FIRST_ROLE] in rule.roles

    @override
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid() or not 0 <= index.row() < len(TRIGGERS):
            return None
        reader = {
            Qt.ItemDataRole.DisplayRole: self._display,
            Qt.ItemDataRole.CheckStateRole: self._check_state,
            Qt.ItemDataRole.ToolTipRole: self._tooltip,
            Qt.ItemDataRole.AccessibleTextRole: self._accessible_text,
            Qt.ItemDataRole.TextAlignmentRole: self._alignment,
        }.get(role)  # type: ignore[call-overload]
        if reader is None:
            return None
        return reader(TRIGGERS[index.row()], self.rule(index.row()), index.column())

    def _display(self, spec: TriggerSpec, rule: NotificationRule, column: int) -> object:
        if column == 0:
            return _(spec.label)
        if column == _THRESHOLD:
            return threshold_text(spec, rule.threshold)
        if column == _USERS:
            names = [self.names.get(uid, f"#{uid}") for uid in rule.user_ids]
            return ", ".join(names) if names else "—"
        return None

    def _check_state(self, _spec: TriggerSpec, rule: NotificationRule, column: int) -> object:
        if column not in _CHECK_COLUMNS:
            return None
        return Qt.CheckState.Checked if self._checked(rule, column) else Qt.CheckState.Unchecked

    def _tooltip(self, spec: TriggerSpec, _rule: NotificationRule, column: int) -> object:
        return _(spec.description) if column == 0 else None

    def _accessible_text(self, spec: TriggerSpec, rule: NotificationRule, column: int) -> object:
        if column not in _CHECK_COLUMNS:
            return None
        state = _("on") if self._checked(rule, column) else _("off")
        return f"{_(spec.label)}: {_(COLUMNS[column])} {state}"

    def _alignment(self, _spec: TriggerSpec, _rule: NotificationRule, column: int) -> object:
        if column in _CHECK_COLUMNS or column == _THRESHOLD:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    @override
    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in _CHECK_COLUMNS:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    @override
    def setData(
        self, index: QModelIndex | QPersistentModelIndex, value: object, role: int = 0
    ) -> bool:
        if (
            not index.isValid()
            or role != Qt.ItemDataRole.CheckStateRole
            or index.column() not in _CHECK_COLUMNS
        ):
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value)
        rule = self.rule(index.row())
        if index.column() == _ENABLED:
            rule = replace(rule, enabled=checked)
        else:
            role_name = ROLES[index.column() - _FIRST_ROLE]
            roles = [r for r in rule.roles if r != role_name] + ([role_name] if checked else [])
            rule = replace(rule, roles=tuple(r for r in ROLES if r in roles))
        self.set_rule(index.row(), rule)
        return True


class NotificationRulesDialog(QDialog):
    """Edit who is told what. Space toggles a check box; Ctrl+S saves; Escape cancels."""

    def __init__(self, api: NotificationsApi, user: UserDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._user = user
        self._staff: list[StaffChoice] = []
        self.setObjectName("notificationRulesDialog")
        self.setWindowTitle(_("Notification rules"))
        self.resize(920, 760)
        header = PageHeader(
            _("Notification rules"),
            _(
                "Choose who is told when something needs attention. Staff see these in the bell "
                "and as toasts."
            ),
            "bell",
            self,
        )
        self.model = RulesTableModel(default_rules(), self)
        self._build_table()
        details = self._build_details()
        self.error_label = message_label("errorLabel", self)
        buttons = self._build_buttons()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 3 * SPACING)
        layout.setSpacing(2 * SPACING)
        layout.addWidget(header)
        layout.addWidget(self.table, 1)
        layout.addWidget(details)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self._load()
        self.table.selectRow(0)
        self.table.setFocus()

    def _build_buttons(self) -> QHBoxLayout:
        defaults = QPushButton(_("Restore &defaults"), self)
        defaults.setAutoDefault(False)
        defaults.clicked.connect(self._on_defaults_clicked)
        cancel = QPushButton(_("Cancel"), self)
        cancel.setAutoDefault(False)
        cancel.setToolTip(_("Close without saving (Esc)"))
        cancel.clicked.connect(self.reject)
        self.save_button = QPushButton(_("&Save"), self)
        self.save_button.setProperty("variant", "primary")
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.setToolTip(_("Save the rules (Ctrl+S)"))
        self.save_button.clicked.connect(self._on_save_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(defaults)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        return buttons

    def _build_table(self) -> None:
        self.table = QTableView(self)
        self.table.setObjectName("rulesTable")
        self.table.setAccessibleName(_("Notification rules"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        header_view = self.table.horizontalHeader()
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header_view.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setDefaultSectionSize(4 * SPACING + 4)
        rows_height = len(TRIGGERS) * (4 * SPACING + 4)
        self.table.setMinimumHeight(
            rows_height + self.table.horizontalHeader().sizeHint().height() + 4
        )
        header_view.setMinimumSectionSize(9 * SPACING)

    def _build_details(self) -> QWidget:
        box = QWidget(self)
        self.description = QLabel(box)
        self.description.setTextFormat(Qt.TextFormat.PlainText)
        self.description.setWordWrap(True)
        self.description.setProperty("role", "muted")
        self.threshold_edit = QLineEdit(box)
        self.threshold_edit.setAccessibleName(_("Threshold"))
        self.threshold_edit.editingFinished.connect(self._on_threshold_edited)
        self.threshold_label = QLabel(_("&Threshold"), box)
        self.threshold_label.setBuddy(self.threshold_edit)
        self.users_list = QListWidget(box)
        self.users_list.setMaximumHeight(16 * SPACING)
        self.users_list.setAccessibleName(_("Also notify these people"))
        self.users_list.itemChanged.connect(self._on_user_item_changed)
        users_label = QLabel(_("Also &notify"), box)
        users_label.setBuddy(self.users_list)
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.description)
        form.addRow(self.threshold_label, self.threshold_edit)
        form.addRow(users_label, self.users_list)
        return box

    def _load(self) -> None:
        try:
            rules = self._api.get_rules(self._user)
            self._staff = self._api.staff_choices(self._user)
        except ServiceError as exc:
            self._show_error(error_text(self, exc))
            self.save_button.setEnabled(False)
            return
        self.model.names = {s.id: s.display_name for s in self._staff}
        self.model.set_rules(rules)

    def current_row(self) -> int:
        """The selected rule's row (0 when none is selected)."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else 0

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        row = self.current_row()
        spec, rule = TRIGGERS[row], self.model.rule(row)
        self.description.setText(_(spec.description))
        has_threshold = spec.threshold != "none"
        self.threshold_edit.setEnabled(has_threshold)
        self.threshold_label.setText(
            {"percent": _("&Threshold (%)"), "money": _("&Threshold (amount)")}.get(
                spec.threshold, _("&Threshold")
            )
        )
        self.threshold_edit.setText(self._threshold_input(spec, rule.threshold))
        self.threshold_edit.setPlaceholderText(
            "" if has_threshold else _("This rule has no threshold")
        )
        self.users_list.blockSignals(True)
        self.users_list.clear()
        for staff in self._staff:
            label = f"{staff.display_name} ({role_word(staff.role)})" + (
                "" if staff.active else _(" — inactive")
            )
            item = QListWidgetItem(label, self.users_list)
            item.setData(Qt.ItemDataRole.UserRole, staff.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = staff.id in rule.user_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.users_list.blockSignals(False)

    @staticmethod
    def _threshold_input(spec: TriggerSpec, value: int | None) -> str:
        if value is None or spec.threshold == "none":
            return ""
        if spec.threshold == "percent":
            return str(value)
        locale = QLocale()
        return format_money(value, decimal_sep=locale.decimalPoint(), group_sep="")

    def _parse_threshold(self, spec: TriggerSpec, text: str) -> int:
        text = text.strip()
        if spec.threshold == "percent":
            if not text.isdigit() or not 1 <= int(text) <= 100:  # noqa: PLR2004
                raise ValueError(_("The threshold is a whole percentage from 1 to 100."))
            return int(text)
        locale = QLocale()
        try:
            value = parse_money(
                text,
                decimal_sep=locale.decimalPoint(),
                group_sep=locale.groupSeparator(),
                allow_zero=False,
                maximum=MONEY_THRESHOLD_MAX,
            )
        except MoneyError as exc:
            raise ValueError(f"Threshold: {exc}.") from exc
        return value

    @Slot()
    def _on_threshold_edited(self) -> None:
        row = self.current_row()
        spec = TRIGGERS[row]
        if spec.threshold == "none":
            return
        try:
            value = self._parse_threshold(spec, self.threshold_edit.text())
        except ValueError as exc:
            self.threshold_edit.setProperty("invalid", True)
            self._show_error(error_text(self, exc))
        else:
            self.threshold_edit.setProperty("invalid", False)
            self._show_error("")
            self.model.set_rule(row, replace(self.model.rule(row), threshold=value))
        self.threshold_edit.style().unpolish(self.threshold_edit)
        self.threshold_edit.style().polish(self.threshold_edit)

    @Slot(QListWidgetItem)
    def _on_user_item_changed(self, _item: QListWidgetItem) -> None:
        row = self.current_row()
        ids = tuple(
            int(self.users_list.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.users_list.count())
            if self.users_list.item(i).checkState() == Qt.CheckState.Checked
        )
        self.model.set_rule(row, replace(self.model.rule(row), user_ids=ids))

    @Slot()
    def _on_defaults_clicked(self) -> None:
        self.model.set_rules(default_rules())
        self.table.selectRow(self.current_row())
        self._on_selection_changed(QItemSelection(), QItemSelection())

    @Slot()
    def _on_save_clicked(self) -> None:
        self._on_threshold_edited()
        if self.error_label.isVisible():
            return
        try:
            saved = self._api.save_rules(self._user, self.model.rules())
        except ServiceError as exc:
            self._show_error(error_text(self, exc))
            return
        self.model.set_rules(saved)
        self.accept()
