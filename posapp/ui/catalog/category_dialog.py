"""Categories: see the tree, add a category (top level or under the selected one), rename."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posapp.i18n import _
from posapp.services.catalog import CatalogApi, CategoryDTO
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ServiceError
from posapp.ui.kit.widgets import SPACING, message_label


class CategoryDialog(QDialog):
    """The category tree with Add, Add under, Rename; ``changed`` after any change."""

    def __init__(
        self, catalog: CatalogApi, user: UserDTO, *, editable: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("categoryDialog")
        self.setWindowTitle(_("Categories"))
        self.setMinimumSize(52 * SPACING, 56 * SPACING)
        self._catalog = catalog
        self._user = user
        self.changed = False
        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName(_("Categories"))
        self.error_label = message_label("errorLabel", self)
        self.add_button = QPushButton(_("&Add…"), self)
        self.add_button.setToolTip(_("Add a top-level category"))
        self.add_button.clicked.connect(self._on_add_clicked)
        self.add_under_button = QPushButton(_("Add &under…"), self)
        self.add_under_button.setToolTip(_("Add a category under the selected one"))
        self.add_under_button.clicked.connect(self._on_add_under_clicked)
        self.rename_button = QPushButton(_("&Rename…"), self)
        self.rename_button.clicked.connect(self._on_rename_clicked)
        close = QPushButton(_("Close"), self)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.add_under_button, self.rename_button):
            button.setVisible(editable)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3 * SPACING, 3 * SPACING, 3 * SPACING, 3 * SPACING)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.reload()

    def reload(self, select: int | None = None) -> None:
        """Read the tree again (and select ``select``)."""
        try:
            categories = self._catalog.categories(self._user)
        except ServiceError as exc:
            self._show_error(str(exc))
            return
        self.tree.clear()
        items: dict[int, QTreeWidgetItem] = {}
        for category in categories:
            parent = items.get(category.parent_id) if category.parent_id is not None else None
            item = QTreeWidgetItem([category.name])
            item.setData(0, Qt.ItemDataRole.UserRole, category.id)
            item.setToolTip(0, category.path)
            if parent is None:
                self.tree.addTopLevelItem(item)
            else:
                parent.addChild(item)
            items[category.id] = item
        self.tree.expandAll()
        if select in items:
            self.tree.setCurrentItem(items[select])

    def _selected(self) -> int | None:
        item = self.tree.currentItem()
        value = None if item is None else item.data(0, Qt.ItemDataRole.UserRole)
        return value if isinstance(value, int) else None

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def add_category(self, name: str, parent_id: int | None) -> CategoryDTO | None:
        """Add a category; show why not on failure."""
        try:
            category = self._catalog.create_category(self._user, name, parent_id)
        except ServiceError as exc:
            self._show_error(str(exc))
            return None
        self.error_label.hide()
        self.changed = True
        self.reload(category.id)
        return category

    def _ask(self, title: str, text: str = "") -> str | None:
        name, ok = QInputDialog.getText(self, title, _("Name:"), text=text)
        return name if ok else None

    @Slot()
    def _on_add_clicked(self) -> None:
        name = self._ask(_("New category"))
        if name is not None:
            self.add_category(name, None)

    @Slot()
    def _on_add_under_clicked(self) -> None:
        parent_id = self._selected()
        if parent_id is None:
            self._show_error(_("Select the category to add under."))
            return
        name = self._ask(_("New sub-category"))
        if name is not None:
            self.add_category(name, parent_id)

    @Slot()
    def _on_rename_clicked(self) -> None:
        category_id = self._selected()
        item = self.tree.currentItem()
        if category_id is None or item is None:
            self._show_error(_("Select the category to rename."))
            return
        name = self._ask(_("Rename category"), item.text(0))
        if name is None:
            return
        try:
            self._catalog.rename_category(self._user, category_id, name)
        except ServiceError as exc:
            self._show_error(str(exc))
            return
        self.changed = True
        self.reload(category_id)
