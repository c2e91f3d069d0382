"""The Logo row of Admin users → Settings → Shop profile: a preview, Choose image…, Remove.

Unlike the text settings, a logo applies at once: the chosen file is checked, shrunk and stored
off the GUI thread (:class:`~posapp.ui.kit.operation.Operation` over ``backend.shop.set_logo``),
and a refusal (not an image, too large, a program…) is shown under the row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from posapp.i18n import N_, _
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.ui.kit.operation import Operation
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.session import error_text
from posapp.ui.kit.widgets import SPACING, plain_label, push_button, show_message
from posapp.ui.staff.setting_row import lay_out_row

if TYPE_CHECKING:
    from posapp.services.shop import ShopApi

IMAGE_FILTER = N_("Images (*.png *.jpg *.jpeg *.webp)")
PREVIEW_WIDTH, PREVIEW_HEIGHT = 30 * SPACING, 10 * SPACING
NO_LOGO = N_("No logo")


class LogoField(QWidget):
    """The shop's logo: what is stored, and buttons to choose another or remove it.

    Signals:
        changed(str): the logo was stored or removed; the text says which.
    """

    changed = Signal(str)

    def __init__(self, shop: ShopApi, user: UserDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shop, self._user = shop, user
        self._operation: Operation[bytes] | None = None
        self.preview = QLabel(_(NO_LOGO), self)
        self.preview.setObjectName("logoPreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setFixedSize(PREVIEW_WIDTH, PREVIEW_HEIGHT)
        self.preview.setAccessibleName(_("Logo preview"))
        self.choose_button = push_button(
            _("Choose image…"), _("Choose the logo's image file"), self
        )
        self.remove_button = push_button(_("Remove"), _("Print documents without a logo"), self)
        self.choose_button.clicked.connect(self._on_choose_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        bounds = plain_label(_("PNG, JPEG or WebP, at most 5 MB."), self, "boundsLabel")

        buttons = QVBoxLayout()
        buttons.setSpacing(SPACING)
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        editor = QHBoxLayout()
        editor.setSpacing(2 * SPACING)
        editor.addWidget(self.preview)
        editor.addLayout(buttons)
        editor.addStretch(1)
        about = _("Printed above the shop's name on receipts and statements. Applies at once.")
        self.error_label = lay_out_row(self, _("Logo"), about, editor, bounds)

    def load(self) -> None:
        """Show the stored logo."""
        try:
            self.show_logo(self._shop.shop_logo())
        except ServiceError as exc:
            show_message(self.error_label, error_text(self, exc))

    def show_logo(self, png: bytes) -> None:
        """Show ``png`` (``b""``: no logo)."""
        pixmap = QPixmap()
        if png and pixmap.loadFromData(png):
            self.preview.setPixmap(
                pixmap.scaled(
                    PREVIEW_WIDTH - 2 * SPACING,
                    PREVIEW_HEIGHT - 2 * SPACING,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.preview.clear()
            self.preview.setText(_(NO_LOGO))
        self.remove_button.setEnabled(bool(png))

    def is_busy(self) -> bool:
        """Whether a chosen file is being checked and stored."""
        return self._operation is not None and self._operation.running

    def set_logo_file(self, path: str) -> None:
        """Check, shrink and store the image at ``path`` off the GUI thread."""
        if self.is_busy():
            return
        show_message(self.error_label, "")
        self.choose_button.setEnabled(False)
        shop, user = self._shop, self._user

        def done(png: bytes) -> None:
            self.choose_button.setEnabled(True)
            self.show_logo(png)
            emit(self.changed, "Logo saved.")

        def failed(message: str) -> None:
            self.choose_button.setEnabled(True)
            show_message(self.error_label, message)

        self._operation = Operation(
            self, lambda _job: shop.set_logo(user, path), name="logo", success=done, failure=failed
        ).run()

    @Slot()
    def _on_choose_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Choose the shop's logo"), "", _(IMAGE_FILTER)
        )
        if path:
            self.set_logo_file(path)

    @Slot()
    def _on_remove_clicked(self) -> None:
        try:
            self._shop.remove_logo(self._user)
        except ServiceError as exc:
            show_message(self.error_label, error_text(self, exc))
            return
        show_message(self.error_label, "")
        self.show_logo(b"")
        emit(self.changed, "Logo removed.")
