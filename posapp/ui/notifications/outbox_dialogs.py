"""Dialogs of the outbox view: writing a promotion, and the mail server settings."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from posapp.i18n import _, ngettext
from posapp.services.notifications import (
    DEFAULT_PORTS,
    SECURITY_LABELS,
    SECURITY_MODES,
    NotificationsApi,
    SmtpSettings,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.ui.kit.operation import Operation
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.session import error_text
from posapp.ui.kit.widgets import SPACING, PageHeader, message_label

SUBJECT_MAX: Final = 200


class PromotionDialog(QDialog):
    """Write a promotion to every customer who opted in, optionally with a code each.

    Queuing runs on a worker thread with a busy bar; it is one transaction, so it either queues
    every email or none (there is nothing half-done to cancel).

    Signals:
        sent(int): the promotion was queued for this many customers.
    """

    sent = Signal(int)

    def __init__(self, api: NotificationsApi, user: UserDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._user = user
        self.setObjectName("promotionDialog")
        self.setWindowTitle(_("Write a promotion"))
        self.resize(620, 560)
        header = PageHeader(
            _("Write a promotion"),
            _("Emailed to every customer who agreed to hear about offers."),
            "coupon",
            self,
        )
        form = self._build_form()
        self.audience_label = QLabel(self)
        self.audience_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label = message_label("errorLabel", self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setAccessibleName(_("Queuing the emails"))
        self.progress.hide()

        self.cancel_button = QPushButton(_("Cancel"), self)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.send_button = QPushButton(_("&Send"), self)
        self.send_button.setProperty("variant", "primary")
        self.send_button.setShortcut("Ctrl+Return")
        self.send_button.setToolTip(_("Queue the emails (Ctrl+Enter)"))
        self.send_button.clicked.connect(self._on_send_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.audience_label, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 3 * SPACING)
        layout.setSpacing(2 * SPACING)
        layout.addWidget(header)
        layout.addLayout(form, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)
        self._load_campaigns()
        self.campaign_combo.currentIndexChanged.connect(self._update_audience)
        self._update_audience()

    def _build_form(self) -> QFormLayout:
        self.campaign_combo = QComboBox(self)
        self.campaign_combo.setAccessibleName(_("Coupon campaign"))
        self.campaign_combo.addItem(_("No code"), None)
        self.subject_edit = QLineEdit(self)
        self.subject_edit.setMaxLength(SUBJECT_MAX)
        self.subject_edit.setAccessibleName(_("Subject"))
        self.body_edit = QPlainTextEdit(self)
        self.body_edit.setAccessibleName(_("Message"))
        self.body_edit.setPlaceholderText(
            _("Dear {name},\n\nOur spring sale starts Monday. Show this code at the till: {code}")
        )
        hint = QLabel(_("{name} becomes the customer's name, {code} their own coupon code."), self)
        hint.setProperty("role", "muted")
        hint.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout()
        form.setSpacing(SPACING)
        form.addRow(_("&Campaign"), self.campaign_combo)
        form.addRow(_("&Subject"), self.subject_edit)
        form.addRow(_("&Message"), self.body_edit)
        form.addRow("", hint)
        return form

    def _load_campaigns(self) -> None:
        try:
            campaigns = self._api.promotion_campaigns(self._user)
        except ServiceError as exc:
            self._show_error(error_text(self, exc))
            return
        for campaign in campaigns:
            self.campaign_combo.addItem(
                _("{name} ({count} unused codes)").format(
                    name=campaign.name, count=campaign.unused_codes
                ),
                campaign.id,
            )

    def _campaign_id(self) -> int | None:
        data = self.campaign_combo.currentData()
        return int(data) if data is not None else None

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    @Slot()
    def _update_audience(self) -> None:
        try:
            audience = self._api.promotion_audience(self._user, self._campaign_id())
        except ServiceError as exc:
            self._show_error(error_text(self, exc))
            return
        self._show_error("")
        text = ngettext(
            "Goes to {count} customer", "Goes to {count} customers", audience.recipients
        ).format(count=audience.recipients)
        if audience.unused_codes is not None:
            text += " · " + ngettext(
                "{count} code left", "{count} codes left", audience.unused_codes
            ).format(count=audience.unused_codes)
        self.audience_label.setText(text + ".")

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        for widget in (self.send_button, self.cancel_button, self.subject_edit, self.body_edit,
                       self.campaign_combo):  # fmt: skip
            widget.setEnabled(not busy)

    @Slot()
    def _on_send_clicked(self) -> None:
        self._show_error("")
        self._set_busy(True)
        api, user = self._api, self._user
        subject, body = self.subject_edit.text(), self.body_edit.toPlainText()
        campaign_id = self._campaign_id()
        Operation(
            self,
            lambda _job: api.send_promotion(user, subject, body, campaign_id),
            name="promotion",
            success=self._on_sent,
            failure=self._on_send_failed,
            describe=lambda exc: error_text(self, exc),
        ).run()

    def _on_sent(self, count: int) -> None:
        self._set_busy(False)
        emit(self.sent, count)
        self.accept()

    def _on_send_failed(self, message: str) -> None:
        self._set_busy(False)
        self._show_error(message)


class SmtpSettingsDialog(QDialog):
    """The mail server: host, port, security, log-in and sender.

    The password never goes into the database: it is kept in the system keyring or a private
    file (see ``posapp.services.notifications.mailer``).
    """

    def __init__(self, api: NotificationsApi, user: UserDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._user = user
        self.setObjectName("smtpSettingsDialog")
        self.setWindowTitle(_("Mail server"))
        self.resize(560, 0)
        header = PageHeader(
            _("Mail server"), _("How customer emails leave the shop (SMTP)."), "database", self
        )
        self.error_label = message_label("errorLabel", self)
        form = self._build_form()
        cancel = QPushButton(_("Cancel"), self)
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        self.save_button = QPushButton(_("&Save"), self)
        self.save_button.setProperty("variant", "primary")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._on_save_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 3 * SPACING)
        layout.setSpacing(2 * SPACING)
        layout.addWidget(header)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.security_combo.currentIndexChanged.connect(self._on_security_changed)
        self._load()
        self.resize(560, max(self.sizeHint().height(), self.heightForWidth(560)))  # wrapped note

    def _build_form(self) -> QFormLayout:
        self.host_edit = QLineEdit(self)
        self.host_edit.setPlaceholderText("smtp.example.com")
        self.port_spin = QSpinBox(self)
        self.port_spin.setRange(1, 65535)
        self.security_combo = QComboBox(self)
        for mode in SECURITY_MODES:
            self.security_combo.addItem(_(SECURITY_LABELS[mode]), mode)
        self.username_edit = QLineEdit(self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.from_address_edit = QLineEdit(self)
        self.from_address_edit.setPlaceholderText("shop@example.com")
        self.from_name_edit = QLineEdit(self)
        self.from_name_edit.setPlaceholderText("Main Street Shop")
        self.timeout_spin = QSpinBox(self)
        self.timeout_spin.setRange(1, 300)
        self.timeout_spin.setSuffix(" s")
        note = QLabel(
            _(
                "The password is kept in the system keyring, or in a private file only you can "
                "read; never in the database. POSAPP_SMTP_PASSWORD overrides it."
            ),
            self,
        )
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        form = QFormLayout()
        form.setSpacing(SPACING)
        form.addRow(_("&Host"), self.host_edit)
        form.addRow(_("&Port"), self.port_spin)
        form.addRow(_("S&ecurity"), self.security_combo)
        form.addRow(_("&Username"), self.username_edit)
        form.addRow(_("Pass&word"), self.password_edit)
        form.addRow("", note)
        form.addRow(_("Sender &address"), self.from_address_edit)
        form.addRow(_("Sender &name"), self.from_name_edit)
        form.addRow(_("&Timeout"), self.timeout_spin)
        return form

    def _load(self) -> None:
        try:
            settings = self._api.get_smtp_settings(self._user)
            has_password = self._api.has_smtp_password(self._user)
        except ServiceError as exc:
            self.error_label.setText(error_text(self, exc))
            self.error_label.show()
            self.save_button.setEnabled(False)
            return
        self.host_edit.setText(settings.host)
        self.security_combo.setCurrentIndex(SECURITY_MODES.index(settings.security))
        self.port_spin.setValue(settings.port)
        self.username_edit.setText(settings.username)
        self.from_address_edit.setText(settings.from_address)
        self.from_name_edit.setText(settings.from_name)
        self.timeout_spin.setValue(settings.timeout_s)
        self.password_edit.setPlaceholderText(
            _("Stored — leave empty to keep it") if has_password else _("No password stored")
        )

    @Slot()
    def _on_security_changed(self) -> None:
        if self.port_spin.value() in DEFAULT_PORTS.values():
            self.port_spin.setValue(DEFAULT_PORTS[str(self.security_combo.currentData())])

    def settings(self) -> SmtpSettings:
        """The settings as entered."""
        return SmtpSettings(
            host=self.host_edit.text(),
            port=self.port_spin.value(),
            security=self.security_combo.currentData(),
            username=self.username_edit.text(),
            from_address=self.from_address_edit.text(),
            from_name=self.from_name_edit.text(),
            timeout_s=self.timeout_spin.value(),
        )

    @Slot()
    def _on_save_clicked(self) -> None:
        password = self.password_edit.text() or None
        try:
            self._api.save_smtp_settings(self._user, self.settings(), password)
        except ServiceError as exc:
            self.error_label.setText(error_text(self, exc))
            self.error_label.show()
            return
        self.accept()
