"""Admin users → Settings: the shop's settings by group, each with its value, bounds and errors.

The groups (Shop profile, Register, Security, …) are listed on the left; the chosen group's
fields fill the card on the right. Each field shows the setting's current value, what it
accepts and its default; **Save changes** (Ctrl+S) sends every edited field at once through
``backend.shop.change_settings`` (all or none), and a refused value is explained under its own
field, with the page switched to it. **Revert** (Ctrl+Shift+R) puts the stored values back. A
change made elsewhere (another register, ``posapp settings set``) reloads the page when nothing
is being edited. Keyboard: Up/Down choose a group, Tab walks its fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from posapp.events import SettingChanged
from posapp.i18n import N_, _, ngettext
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.services.shop import GROUPS, SettingDTO, SettingsRefusedError
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.session import error_text
from posapp.ui.kit.widgets import (
    SPACING,
    message_label,
    plain_label,
    push_button,
    separator,
    show_message,
)
from posapp.ui.staff.dialogs import chevron_combo
from posapp.ui.staff.logo_field import LogoField
from posapp.ui.staff.printer_test import PrinterTestRow
from posapp.ui.staff.setting_row import lay_out_row
from posapp.ui.staff.tax_rates import TaxRatesSection

if TYPE_CHECKING:
    from posapp.services.catalog import CatalogApi
    from posapp.services.shop import ShopApi

GROUP_TEXT = {
    N_("Shop profile"): N_("Who the shop is, as printed on receipts, Z reports and statements."),
    N_("Register"): N_(
        "How the till sells: discounts, card payments, the cash count, scale barcodes."
    ),
    N_("Tax rates"): N_(
        "The rates products pick from; one of them is the default of new products."
    ),
    N_("Printer and drawer"): N_("The receipt printer and the cash drawer that opens through it."),
    N_("Security"): N_("When the till locks itself and how wrong passwords are counted."),
    N_("Customer accounts"): N_("When money leaving a customer account needs a manager."),
    N_("Region and time"): N_(
        "How dates, numbers and money are written, and the clock and calendar "
        "that receipts, reports and business days follow."
    ),
}
_UNITS = {"percent": "%", "money": ""}
_TEXT_LINES = 3
PROFILE_GROUP = N_("Shop profile")
TAX_GROUP = N_("Tax rates")
PRINTER_KEY = "orders.receipt_printer"
_SHORT = 40
"""Longer defaults (the notes and coins) are not repeated under the field."""


def _translated(text: str) -> str:
    """``text`` translated; empty stays empty (``_("")`` would be the catalog's header)."""
    return _(text) if text else ""


class SettingField(QWidget):
    """One setting: label and description on the left; editor, bounds and error on the right."""

    def __init__(self, setting: SettingDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setting = setting
        self.editor = _editor(setting, self)
        self.editor.setAccessibleName(_(setting.label))
        self.editor.setAccessibleDescription(_(setting.description))
        unit = plain_label(_translated(_UNITS.get(setting.kind, setting.unit)), self, "unitLabel")
        self.bounds_label = plain_label(self._bounds_text(), self, "boundsLabel")
        self.bounds_label.setWordWrap(True)

        editor_row = QHBoxLayout()
        editor_row.setSpacing(SPACING)
        editor_row.addWidget(self.editor, 1 if setting.kind not in _NARROW else 0)
        editor_row.addWidget(unit)
        if setting.kind in _NARROW:
            editor_row.addStretch(1)
        self.error_label = lay_out_row(
            self, _(setting.label), _(setting.description), editor_row, self.bounds_label
        )
        self._stored = ""
        self.load(setting)

    def _bounds_text(self) -> str:
        setting = self.setting
        if setting.kind == "text" and setting.bounds.startswith("text of"):
            accepts = (
                _("Several lines, at most {count} characters")
                if setting.multiline
                else _("At most {count} characters")
            ).format(count=setting.limit)
        elif setting.kind == "text":
            accepts = _("Accepts {bounds}").format(bounds=_translated(setting.bounds))
        elif setting.choices:
            accepts = ""
        else:
            accepts = setting.bounds[:1].upper() + setting.bounds[1:]
        parts = [accepts] if accepts else []
        default = _translated(dict(setting.choices).get(setting.default, setting.default))
        if default and setting.kind != "zone" and len(default) <= _SHORT:
            parts.append(_("Default: {value}").format(value=default))
        return "".join(f"{part}. " for part in parts).strip()

    def load(self, setting: SettingDTO) -> None:
        """Show ``setting``'s stored value and forget any edit or error."""
        self.setting = setting
        self._stored = _shown(setting, setting.value)
        self._put(self._stored)
        self.show_error("")

    def _put(self, text: str) -> None:
        editor = self.editor
        if isinstance(editor, QComboBox):
            index = editor.findData(text)
            editor.setCurrentIndex(max(0, index))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText(text)
        else:
            editor.setText(text)
            editor.setCursorPosition(0)

    def text(self) -> str:
        """The value as typed (or chosen)."""
        editor = self.editor
        if isinstance(editor, QComboBox):
            return str(editor.currentData())
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText()
        return editor.text()

    def is_dirty(self) -> bool:
        """Whether the value differs from the stored one."""
        return self.text().strip() != self._stored.strip()

    def revert(self) -> None:
        """Put the stored value back."""
        self._put(self._stored)
        self.show_error("")

    def show_error(self, text: str) -> None:
        """Show ``text`` under the field (``""`` hides it); the field's name is not repeated."""
        text = text.removeprefix(f"{self.setting.label}: ").removeprefix(
            f"{_(self.setting.label)}: "
        )
        show_message(self.error_label, text[:1].upper() + text[1:])
        self.editor.setProperty("invalid", bool(text))
        self.editor.style().unpolish(self.editor)
        self.editor.style().polish(self.editor)


_NARROW = frozenset({"int", "number", "percent", "money"})


def _editor(setting: SettingDTO, parent: QWidget) -> QLineEdit | QPlainTextEdit | QComboBox:
    """The editor of ``setting``: a list of choices, several lines, or one line."""
    if setting.choices:
        combo = chevron_combo(parent)
        combo.setMaxVisibleItems(12)
        for value, label in setting.choices:
            combo.addItem(_(label), value)
        return combo
    if setting.multiline:
        text = QPlainTextEdit(parent)
        text.setTabChangesFocus(True)
        text.setFixedHeight(text.fontMetrics().lineSpacing() * _TEXT_LINES + 24)
        return text
    line = QLineEdit(parent)
    if setting.limit:
        line.setMaxLength(setting.limit)
    if setting.kind in _NARROW:
        line.setAlignment(Qt.AlignmentFlag.AlignRight)
        line.setMaximumWidth(20 * SPACING)
    return line


def _shown(setting: SettingDTO, value: str) -> str:
    """A value as the editor shows it (a percentage without its ``%``: the unit says it)."""
    return value.removesuffix("%") if setting.kind == "percent" else value


class SettingsPage(QWidget):
    """The shop's settings by group, saved through ``backend.shop`` (admins only)."""

    def __init__(
        self,
        shop: ShopApi,
        bus: EventBus,
        user: UserDTO,
        parent: QWidget | None = None,
        *,
        catalog: CatalogApi | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsPage")
        self._shop, self._user = shop, user
        self.tax_rates = None if catalog is None else TaxRatesSection(catalog, user, self)
        self.fields: dict[str, SettingField] = {}
        self.groups = QListWidget(self)
        self.groups.setObjectName("settingsGroups")
        self.groups.setAccessibleName(_("Setting groups"))
        self.groups.setFixedWidth(28 * SPACING)
        self.groups.setFrameShape(QFrame.Shape.NoFrame)
        self.pages = QStackedWidget(self)
        self.logo = LogoField(shop, user, self)
        self.printer_test = PrinterTestRow(shop, user, self._typed_printer, self)
        self.logo.changed.connect(self._on_logo_changed)
        self.status_label = message_label("infoLabel", self, wrap=False)
        self.error_label = message_label("errorLabel", self)
        self.success_label = message_label("successLabel", self, wrap=False)
        self.revert_button = push_button(
            _("Revert"), _("Put the stored values back (Ctrl+Shift+R)"), self, "Ctrl+Shift+R"
        )
        self.save_button = push_button(
            _("Save changes"), _("Save every changed setting (Ctrl+S)"), self, "Ctrl+S"
        )
        self.save_button.setProperty("variant", "primary")
        self.revert_button.clicked.connect(self.revert)
        self.save_button.clicked.connect(self.save)
        self._build()
        self.groups.currentRowChanged.connect(self.pages.setCurrentIndex)
        bus.setting_changed.connect(self._on_bus_setting_changed)
        self.setFocusProxy(self.groups)
        self._loaded = False

    def _build(self) -> None:
        card = QFrame(self)
        card.setObjectName("card")
        footer = QHBoxLayout()
        footer.setContentsMargins(3 * SPACING, SPACING, 3 * SPACING, 2 * SPACING)
        footer.setSpacing(SPACING)
        for label in (self.status_label, self.success_label, self.error_label):
            footer.addWidget(label)
        footer.addStretch(1)
        footer.addWidget(self.revert_button)
        footer.addWidget(self.save_button)
        column = QVBoxLayout(card)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.pages, 1)
        column.addWidget(separator(card))
        column.addLayout(footer)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(3 * SPACING)
        row.addWidget(self.groups)
        row.addWidget(card, 1)

    def _group_page(self, group: str, settings: list[SettingDTO]) -> QScrollArea:
        body = QWidget()
        body.setObjectName("settingsBody")
        column = QVBoxLayout(body)
        column.setContentsMargins(4 * SPACING, 3 * SPACING, 4 * SPACING, 3 * SPACING)
        column.setSpacing(0)
        column.addWidget(plain_label(_(group), body, "groupTitle"))
        column.addSpacing(SPACING // 2)
        column.addWidget(plain_label(_translated(GROUP_TEXT.get(group, "")), body, "pageSubtitle"))
        column.addSpacing(SPACING)
        for index, setting in enumerate(settings):
            if index:
                column.addWidget(separator(body))
            field = self.fields[setting.key] = SettingField(setting, body)
            column.addWidget(field)
            if setting.key == PRINTER_KEY:
                column.addWidget(self.printer_test)
        if group == PROFILE_GROUP:
            column.addWidget(separator(body))
            column.addWidget(self.logo)
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setObjectName("settingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        return scroll

    def _tax_page(self, section: TaxRatesSection) -> QWidget:
        body = QWidget(self)
        body.setObjectName("settingsBody")
        column = QVBoxLayout(body)
        column.setContentsMargins(4 * SPACING, 3 * SPACING, 4 * SPACING, 3 * SPACING)
        column.setSpacing(0)
        column.addWidget(plain_label(_(TAX_GROUP), body, "groupTitle"))
        column.addSpacing(SPACING // 2)
        column.addWidget(plain_label(_(GROUP_TEXT[TAX_GROUP]), body, "pageSubtitle"))
        column.addSpacing(2 * SPACING)
        column.addWidget(section, 1)
        return body

    def load(self) -> None:
        """Read the settings and build (or refresh) the page."""
        try:
            settings = self._shop.list_settings(self._user)
        except ServiceError as exc:
            show_message(self.error_label, error_text(self, exc))
            return
        if not self.fields:
            for group in GROUPS:
                members = [s for s in settings if s.group == group]
                if members:
                    self.groups.addItem(_(group))
                    self.pages.addWidget(self._group_page(group, members))
            if self.tax_rates is not None:
                self.groups.insertItem(2, _(TAX_GROUP))
                self.pages.insertWidget(2, self._tax_page(self.tax_rates))
            self.groups.setCurrentRow(0)
            for field in self.fields.values():
                _on_edit(field, self._update_status)
        else:
            for setting in settings:
                self.fields[setting.key].load(setting)
        self.logo.load()
        if self.tax_rates is not None:
            self.tax_rates.load()
        self._loaded = True
        self._update_status()

    def _typed_printer(self) -> str:
        """The receipt printer's address as typed (the test page goes there)."""
        field = self.fields.get(PRINTER_KEY)
        return field.text() if field is not None else ""

    def ensure_loaded(self) -> None:
        """Load once, when the page is first shown."""
        if not self._loaded:
            self.load()

    def dirty_keys(self) -> list[str]:
        """The keys of the fields that differ from the stored values."""
        return [key for key, field in self.fields.items() if field.is_dirty()]

    @Slot()
    def _update_status(self) -> None:
        count = len(self.dirty_keys())
        self.save_button.setEnabled(count > 0)
        self.revert_button.setEnabled(count > 0)
        if count:
            show_message(self.success_label, "")
        text = (
            ngettext("{count} unsaved change", "{count} unsaved changes", count).format(count=count)
            if count
            else ""
        )
        if self.error_label.isVisibleTo(self):
            text = ""
        show_message(self.status_label, text)

    @Slot()
    def save(self) -> None:
        """Save every changed field through the facade (all or none)."""
        changes = {key: self.fields[key].text() for key in self.dirty_keys()}
        if not changes:
            return
        for field in self.fields.values():
            field.show_error("")
        show_message(self.error_label, "")
        try:
            saved = self._shop.change_settings(self._user, changes)
        except SettingsRefusedError as exc:
            for key, problem in exc.problems.items():
                self.fields[key].show_error(problem)
            self._show_field(next(iter(exc.problems)))
            show_message(self.status_label, "")
            show_message(self.error_label, _("Nothing was saved: correct the value marked in red."))
            return
        except ServiceError as exc:
            show_message(self.error_label, error_text(self, exc))
            return
        for setting in saved:
            self.fields[setting.key].load(setting)
        self._update_status()
        count = len(saved)
        show_message(
            self.success_label,
            ngettext("Saved {count} change.", "Saved {count} changes.", count).format(count=count),
        )

    @Slot()
    def revert(self) -> None:
        """Put every stored value back."""
        for field in self.fields.values():
            field.revert()
        show_message(self.error_label, "")
        self._update_status()

    def _show_field(self, key: str) -> None:
        field = self.fields[key]
        titles = [self.groups.item(row).text() for row in range(self.groups.count())]
        self.groups.setCurrentRow(titles.index(_(field.setting.group)))
        scroll = self.pages.currentWidget()
        if isinstance(scroll, QScrollArea):
            scroll.ensureWidgetVisible(field)
        field.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(str)
    def _on_logo_changed(self, text: str) -> None:
        show_message(self.error_label, "")
        show_message(self.success_label, text)

    @Slot(object)
    def _on_bus_setting_changed(self, _event: SettingChanged) -> None:
        if self._loaded and not self.dirty_keys():
            success = self.success_label.text() if self.success_label.isVisible() else ""
            self.load()
            show_message(self.success_label, success)


def _on_edit(field: SettingField, slot: Callable[[], None]) -> None:
    """Call ``slot`` whenever ``field`` is edited."""
    editor = field.editor
    if isinstance(editor, QComboBox):
        editor.currentIndexChanged.connect(slot)
    else:
        editor.textChanged.connect(slot)
