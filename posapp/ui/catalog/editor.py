"""The product editor: every field of a product, and its images with a preview."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QLocale, QSize, Qt, Slot
from PySide6.QtGui import QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from posapp.formats import percent
from posapp.i18n import N_, _
from posapp.money import format_money
from posapp.services.catalog import (
    BARCODE_MAX,
    NAME_MAX,
    SKU_MAX,
    CatalogApi,
    CategoryDTO,
    FieldError,
    PreparedImage,
    ProductDraft,
    ProductDTO,
    parse_price,
    rate_name,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, ServiceError
from posapp.ui.kit.operation import Operation
from posapp.ui.kit.widgets import SPACING, message_label
from posapp.units import UNITS, Unit

MAX_IMAGES = 8
PREVIEW_SIZE = QSize(300, 300)
IMAGE_FILTER = N_("Images (*.png *.jpg *.jpeg *.webp);;All files (*)")


@dataclass(slots=True)
class ImageEntry:
    """One image in the editor: a stored one (``image_id``) or a new one (``prepared``)."""

    thumbnail: bytes
    image_id: int | None = None
    prepared: PreparedImage | None = None
    full: bytes | None = None
    caption: str = ""


def _kind(content_type: str) -> str:
    return content_type.rsplit("/", 1)[-1].upper()


def _pixmap(data: bytes) -> QPixmap:
    pixmap = QPixmap()
    pixmap.loadFromData(QByteArray(data))
    return pixmap


def shortcut(
    key: QKeySequence | QKeySequence.StandardKey | str,
    parent: QWidget,
    slot: Callable[[], None],
    context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
) -> QShortcut:
    """A keyboard shortcut on ``parent`` that calls ``slot``."""
    sequence = key if isinstance(key, QKeySequence) else QKeySequence(key)
    result = QShortcut(sequence, parent)
    result.setContext(context)
    result.activated.connect(slot)
    return result


def _plain(label: QLabel) -> QLabel:
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class ProductEditorDialog(QDialog):
    """Create or edit one product; ``saved`` holds the stored product after Save.

    Keyboard: Ctrl+S saves, Esc cancels, Ctrl+Shift+A adds an image, Delete removes the
    selected image when the image strip has the focus.
    """

    def __init__(
        self,
        catalog: CatalogApi,
        user: UserDTO,
        categories: list[CategoryDTO],
        product: ProductDTO | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("productEditor")
        self._catalog = catalog
        self._user = user
        self._categories = categories
        self.product = product
        self.saved: ProductDTO | None = None
        self.images: list[ImageEntry] = []
        self._image_check: Operation[PreparedImage] | None = None
        self._locale = QLocale()
        self.setWindowTitle(
            _("New product") if product is None else _("Edit {name}").format(name=product.name)
        )
        self.setAccessibleName(self.windowTitle())
        self._build()
        if product is not None:
            self._load(product)
        self._update_image_buttons()
        self.sku_edit.setFocus()

    # --- layout ------------------------------------------------------------------------------

    def _build_form(self) -> QFormLayout:
        self.sku_edit = self._line(SKU_MAX, _("e.g. APL-GALA-1KG"))
        self.barcode_edit = self._line(BARCODE_MAX, _("EAN-13, EAN-8, UPC-A or an internal code"))
        self.name_edit = self._line(NAME_MAX, _("What the receipt and the shelf label say"))
        self.category_combo = QComboBox(self)
        self.category_combo.addItem(_("No category"), None)
        for category in self._categories:  # depth-first: parents before their children
            self.category_combo.addItem(category.path, category.id)
        self.unit_combo = QComboBox(self)  # what a quantity counts; price and cost are per it
        for unit in UNITS:
            per = _("piece") if unit is Unit.PIECE else unit.value
            self.unit_combo.addItem(
                _("{unit} — price per {per}").format(unit=_(unit.label), per=per), unit.value
            )
        self.price_edit = self._line(20, f"0{self._locale.decimalPoint()}00")
        self.cost_edit = self._line(20, f"0{self._locale.decimalPoint()}00")
        self.tax_combo = self._tax_combo()
        self.description_edit = QPlainTextEdit(self)
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setFixedHeight(12 * SPACING)

        form = QFormLayout()
        form.setSpacing(SPACING + 4)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.fields: dict[str, QWidget] = {
            "sku": self.sku_edit,
            "barcode": self.barcode_edit,
            "name": self.name_edit,
            "category": self.category_combo,
            "unit": self.unit_combo,
            "price": self.price_edit,
            "cost": self.cost_edit,
            "tax_rate": self.tax_combo,
            "description": self.description_edit,
        }
        rows = (
            (_("&SKU:"), _("SKU"), self.sku_edit),
            (_("&Barcode:"), _("Barcode"), self.barcode_edit),
            (_("&Name:"), _("Name"), self.name_edit),
            (_("Ca&tegory:"), _("Category"), self.category_combo),
            (_("&Unit:"), _("Unit"), self.unit_combo),
            (_("&Price:"), _("Price"), self.price_edit),
            (_("C&ost:"), _("Cost"), self.cost_edit),
            (_("Ta&x rate:"), _("Tax rate"), self.tax_combo),
            (_("&Description:"), _("Description"), self.description_edit),
        )
        for text, name, widget in rows:
            if name:
                widget.setAccessibleName(name)
                buddy = QLabel(text, self)
                buddy.setBuddy(widget)
                form.addRow(buddy, widget)
            else:
                form.addRow("", widget)
        return form

    def _tax_combo(self) -> QComboBox:
        """The rates of the tax rates table (Settings → Tax rates), the default chosen."""
        combo = QComboBox(self)
        combo.setToolTip(_("The product's tax, from Admin users → Settings → Tax rates"))
        try:
            rates = self._catalog.tax_rates(self._user)
        except ServiceError:
            rates = ()
        self._rates = {rate.id: rate for rate in rates}
        for rate in rates:
            kind = _("{rate} included") if rate.included else _("{rate} added")
            figures = kind.format(rate=percent(rate.rate_bp, locale=""))
            named = rate.name == rate_name(rate.rate_bp, rate.included)  # says its figures
            combo.addItem(rate.name if named else f"{rate.name} — {figures}", rate.id)
        if not rates:  # a new shop: the product's own figures become the first rate
            combo.addItem(_("No tax (0%, included)"), None)
        return combo

    def _build(self) -> None:
        form = self._build_form()
        columns = QHBoxLayout()
        columns.setSpacing(4 * SPACING)
        columns.addLayout(form, 3)
        columns.addWidget(self._build_images(), 2)

        self.error_label = message_label("errorLabel", self)
        self.archived_label = _plain(
            QLabel(_("This product is archived: it is not sold until it is restored."), self)
        )
        self.archived_label.setObjectName("hintLabel")
        self.archived_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 3 * SPACING)
        layout.setSpacing(2 * SPACING)
        layout.addWidget(self.archived_label)
        layout.addLayout(columns)
        layout.addWidget(self.error_label)
        layout.addLayout(self._build_buttons())

    def _build_buttons(self) -> QHBoxLayout:
        self.reload_button = QPushButton(_("&Reload"), self)
        self.reload_button.setToolTip(
            _("Load the product as it is now saved (your changes are lost)")
        )
        self.reload_button.hide()
        self.reload_button.clicked.connect(self._on_reload_clicked)
        self.cancel_button = QPushButton(_("Cancel"), self)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton(_("&Save"), self)
        self.save_button.setProperty("variant", "primary")
        self.save_button.setDefault(True)
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.save_button.clicked.connect(self._on_save_clicked)
        shortcut(QKeySequence.StandardKey.Save, self, self._on_save_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reload_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        return buttons

    def _line(self, length: int, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setMaxLength(length)
        edit.setPlaceholderText(placeholder)
        return edit

    def _build_images(self) -> QWidget:
        box = QFrame(self)
        box.setObjectName("card")
        self.preview = QLabel(box)
        self.preview.setObjectName("imagePreview")
        self.preview.setFixedSize(PREVIEW_SIZE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setAccessibleName(_("Image preview"))
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.preview.setText(_("No image yet"))
        self.image_caption = _plain(QLabel(box))
        self.image_caption.setProperty("role", "muted")
        self.image_list = QListWidget(box)
        self.image_list.setAccessibleName(_("Images"))
        self.image_list.setViewMode(QListWidget.ViewMode.IconMode)
        self.image_list.setFlow(QListWidget.Flow.LeftToRight)
        self.image_list.setWrapping(False)
        self.image_list.setIconSize(QSize(48, 48))
        self.image_list.setGridSize(QSize(60, 60))
        self.image_list.setFixedHeight(9 * SPACING)
        self.image_list.setObjectName("imageStrip")
        self.image_list.setMovement(QListWidget.Movement.Static)
        self.image_list.currentRowChanged.connect(self._on_image_list_current_row_changed)
        shortcut(
            QKeySequence.StandardKey.Delete,
            self.image_list,
            self._on_remove_clicked,
            Qt.ShortcutContext.WidgetShortcut,
        )
        self.add_image_button = QPushButton(_("&Add image…"), box)
        self.add_image_button.setToolTip(_("Add a PNG, JPEG or WebP image (Ctrl+Shift+A)"))
        self.add_image_button.clicked.connect(self._on_add_clicked)
        shortcut("Ctrl+Shift+A", self, self._on_add_clicked)
        self.replace_image_button = QPushButton(_("Re&place…"), box)
        self.replace_image_button.setToolTip(_("Replace the selected image"))
        self.replace_image_button.clicked.connect(self._on_replace_clicked)
        self.remove_image_button = QPushButton(_("Re&move"), box)
        self.remove_image_button.setToolTip(_("Remove the selected image (Delete)"))
        self.remove_image_button.clicked.connect(self._on_remove_clicked)
        row = QHBoxLayout()
        for button in (self.add_image_button, self.replace_image_button, self.remove_image_button):
            row.addWidget(button)
        column = QVBoxLayout(box)
        column.setContentsMargins(2 * SPACING, 2 * SPACING, 2 * SPACING, 2 * SPACING)
        column.setSpacing(SPACING)
        column.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.image_caption)
        column.addWidget(self.image_list)
        column.addLayout(row)
        return box

    # --- loading -----------------------------------------------------------------------------

    def _money(self, minor: int) -> str:
        return format_money(
            minor, decimal_sep=self._locale.decimalPoint(), group_sep=self._locale.groupSeparator()
        )

    def _load(self, product: ProductDTO) -> None:
        self.product = product
        self.setWindowTitle(_("Edit {name}").format(name=product.name))
        self.sku_edit.setText(product.sku)
        self.barcode_edit.setText(product.barcode or "")
        self.name_edit.setText(product.name)
        index = self.category_combo.findData(product.category_id)
        self.category_combo.setCurrentIndex(max(0, index))
        self.unit_combo.setCurrentIndex(max(0, self.unit_combo.findData(product.unit)))
        self.price_edit.setText(self._money(product.price_minor))
        self.cost_edit.setText(self._money(product.cost_minor))
        index = self.tax_combo.findData(product.tax_rate_id)
        if index < 0:  # saved before the table (or by figures): keep its own figures
            kind = (
                _("{rate} included (this product's)")
                if product.tax_included
                else _("{rate} added (this product's)")
            )
            self.tax_combo.insertItem(
                0, kind.format(rate=percent(product.tax_rate_bp, locale="")), None
            )
            index = 0
        self.tax_combo.setCurrentIndex(index)
        self.description_edit.setPlainText(product.description)
        self.archived_label.setVisible(not product.active)
        self.images = [
            ImageEntry(
                image.thumbnail,
                image_id=image.id,
                caption=f"{image.width} × {image.height} · {_kind(image.content_type)}",
            )
            for image in product.images
        ]
        self._refresh_images(0 if self.images else -1)

    # --- images ------------------------------------------------------------------------------

    def _refresh_images(self, current: int) -> None:
        self.image_list.clear()
        for number, entry in enumerate(self.images, start=1):
            picture = _pixmap(entry.thumbnail)
            icon = QIcon(picture)
            icon.addPixmap(picture, QIcon.Mode.Selected)  # no darkened "selected" tint
            item = QListWidgetItem(icon, "")
            item.setToolTip(_("Image {number}").format(number=number))
            item.setData(
                Qt.ItemDataRole.AccessibleTextRole, _("Image {number}").format(number=number)
            )
            self.image_list.addItem(item)
        self.image_list.setCurrentRow(current)
        if current < 0:
            self._show_preview(None)
        self._update_image_buttons()

    def _show_preview(self, entry: ImageEntry | None) -> None:
        if entry is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(_("No image yet"))
            self.image_caption.setText(
                _("Up to {count} images: PNG, JPEG or WebP, 5 MB.").format(count=MAX_IMAGES)
            )
            return
        data = entry.full
        if data is None and entry.prepared is not None:
            data = entry.full = entry.prepared.data
        if data is None and entry.image_id is not None:
            try:
                data = entry.full = self._catalog.image_data(self._user, entry.image_id)
            except ServiceError as exc:
                self._show_error(str(exc))
        pixmap = _pixmap(data or entry.thumbnail)
        self.preview.setPixmap(
            pixmap.scaled(
                PREVIEW_SIZE,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        count = len(self.images)
        self.image_caption.setText(
            _("Image {number} of {count} · {caption}").format(
                number=self.image_list.currentRow() + 1, count=count, caption=entry.caption
            )
        )

    def _update_image_buttons(self) -> None:
        selected = self.image_list.currentRow() >= 0
        busy = self.image_busy
        self.add_image_button.setEnabled(len(self.images) < MAX_IMAGES and not busy)
        self.replace_image_button.setEnabled(selected and not busy)
        self.remove_image_button.setEnabled(selected and not busy)

    @Slot(int)
    def _on_image_list_current_row_changed(self, row: int) -> None:
        self._show_preview(self.images[row] if 0 <= row < len(self.images) else None)
        self._update_image_buttons()

    def add_image_file(self, path: str, *, replace_row: int | None = None) -> None:
        """Check and re-encode ``path`` off the GUI thread, then add it (or replace a row)."""
        self.error_label.hide()
        self.image_caption.setText(_("Checking the image…"))

        def done(result: PreparedImage) -> None:
            entry = ImageEntry(
                result.thumbnail,
                prepared=result,
                full=result.data,
                caption=_("{width} × {height} · new (from {format})").format(
                    width=result.width, height=result.height, format=result.source_format
                ),
            )
            if replace_row is not None and 0 <= replace_row < len(self.images):
                self.images[replace_row] = entry
                row = replace_row
            else:
                self.images.append(entry)
                row = len(self.images) - 1
            self._refresh_images(row)

        def failed(message: str) -> None:
            self._show_error(message)
            self._update_image_buttons()
            self._show_preview(self._current_entry())

        catalog = self._catalog
        self._image_check = Operation(
            self,
            lambda _job: catalog.prepare_image(path),
            name="image check",
            success=done,
            failure=failed,
        ).run()
        self._update_image_buttons()

    @property
    def image_busy(self) -> bool:
        """Whether an image is being checked."""
        return self._image_check is not None and self._image_check.running

    def _current_entry(self) -> ImageEntry | None:
        row = self.image_list.currentRow()
        return self.images[row] if 0 <= row < len(self.images) else None

    def _choose_file(self) -> str:
        path, _filter = QFileDialog.getOpenFileName(self, _("Choose an image"), "", _(IMAGE_FILTER))
        return path

    @Slot()
    def _on_add_clicked(self) -> None:
        if len(self.images) >= MAX_IMAGES or self.image_busy:
            return
        path = self._choose_file()
        if path:
            self.add_image_file(path)

    @Slot()
    def _on_replace_clicked(self) -> None:
        row = self.image_list.currentRow()
        if row < 0 or self.image_busy:
            return
        path = self._choose_file()
        if path:
            self.add_image_file(path, replace_row=row)

    @Slot()
    def _on_remove_clicked(self) -> None:
        row = self.image_list.currentRow()
        if 0 <= row < len(self.images):
            del self.images[row]
            self._refresh_images(min(row, len(self.images) - 1))

    # --- saving ------------------------------------------------------------------------------

    def _show_error(self, message: str, field: str | None = None) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        for name, widget in self.fields.items():
            widget.setProperty("invalid", name == field)
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        if field in self.fields:
            self.fields[field].setFocus()

    def draft(self) -> ProductDraft:
        """The fields as typed, money parsed with the locale's separators.

        Raises:
            FieldError: a price, cost or tax rate is not a number.
        """
        dec, group = self._locale.decimalPoint(), self._locale.groupSeparator()
        try:
            price = parse_price(
                self.price_edit.text(), _("Price"), decimal_sep=dec, group_sep=group
            )
        except ServiceError as exc:
            raise FieldError("price", str(exc)) from exc
        cost_text = self.cost_edit.text().strip() or "0"
        try:
            cost = parse_price(cost_text, _("Cost"), decimal_sep=dec, group_sep=group)
        except ServiceError as exc:
            raise FieldError("cost", str(exc)) from exc
        rate_id = self.tax_combo.currentData()
        chosen = self._rates.get(rate_id) if isinstance(rate_id, int) else None
        own = self.product
        rate_bp = chosen.rate_bp if chosen else own.tax_rate_bp if own else 0
        included = chosen.included if chosen else own.tax_included if own else True
        category = self.category_combo.currentData()
        return ProductDraft(
            sku=self.sku_edit.text(),
            name=self.name_edit.text(),
            price_minor=price,
            barcode=self.barcode_edit.text(),
            description=self.description_edit.toPlainText(),
            category_id=category if isinstance(category, int) else None,
            cost_minor=cost,
            tax_rate_bp=rate_bp,
            tax_included=included,
            tax_rate_id=chosen.id if chosen else None,
            unit=str(self.unit_combo.currentData() or Unit.PIECE),
        )

    def save(self) -> bool:
        """Validate and store; on failure show why (and keep the dialog open)."""
        if self.image_busy:
            self._show_error(_("Wait until the image has been checked."))
            return False
        try:
            draft = self.draft()
            if self.product is None:
                new = [entry.prepared for entry in self.images if entry.prepared is not None]
                self.saved = self._catalog.create_product(self._user, draft, new)
            else:
                wanted = [
                    entry.image_id if entry.image_id is not None else entry.prepared
                    for entry in self.images
                ]
                self.saved = self._catalog.update_product(
                    self._user,
                    self.product.id,
                    draft,
                    expected_version=self.product.version,
                    images=[item for item in wanted if item is not None],
                )
        except FieldError as exc:
            self._show_error(str(exc), exc.field)
            return False
        except ConflictError as exc:
            self._show_error(str(exc))
            self.reload_button.setVisible(self.product is not None)
            return False
        except ServiceError as exc:
            self._show_error(str(exc))
            return False
        return True

    @Slot()
    def _on_save_clicked(self) -> None:
        if self.save():
            self.accept()

    @Slot()
    def _on_reload_clicked(self) -> None:
        if self.product is None:
            return
        try:
            self._load(self._catalog.product(self._user, self.product.id))
        except ServiceError as exc:
            self._show_error(str(exc))
            return
        self.reload_button.hide()
        self.error_label.hide()

    def done(self, result: int) -> None:  # noqa: D102 - QDialog.done
        if self._image_check is not None:
            self._image_check.abandon()  # nobody waits for the image any more
        super().done(result)
