"""The Catalog tab end to end on SQLite: create with an image, search, edit, archive, CSV."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from posapp.services.backend import Backend
from posapp.services.catalog import products as catalog
from posapp.services.catalog.dto import ProductDraft
from posapp.services.platform.dto import UserDTO
from posapp.ui.catalog.editor import ProductEditorDialog
from posapp.ui.catalog.import_dialogs import ImportDialog
from posapp.ui.catalog.model import COLUMN_KEYS
from posapp.ui.catalog.tab import CatalogTab
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.formatting import money_text

pytestmark = pytest.mark.ui


@pytest.fixture
def wired(ui_backend: Backend) -> Backend:
    return ui_backend


def make_tab(qtbot: QtBot, backend: Backend, bus: EventBus, user: UserDTO) -> CatalogTab:
    tab = CatalogTab(backend, bus, user)
    qtbot.add_widget(tab)
    tab.resize(1200, 760)
    with qtbot.wait_signal(tab.search_finished, timeout=10_000):
        tab.show()
    qtbot.wait_exposed(tab)
    return tab


@pytest.fixture
def tab(qtbot: QtBot, wired: Backend, bus: EventBus, staff: dict[str, UserDTO]) -> CatalogTab:
    return make_tab(qtbot, wired, bus, staff["manager"])


def png_file(tmp_path: Path, name: str = "apple.png", color: str = "red") -> Path:
    path = tmp_path / name
    Image.new("RGB", (320, 240), color).save(path, "PNG")
    return path


def search(qtbot: QtBot, tab: CatalogTab, text: str) -> list[str]:
    with qtbot.wait_signal(tab.search_finished, timeout=10_000):
        tab.search_edit.clear()
        QTest.keyClicks(tab.search_edit, text)
    return names(tab)


def names(tab: CatalogTab) -> list[str]:
    column = COLUMN_KEYS.index("name")
    return [str(tab.model.index(r, column).data()) for r in range(tab.model.rowCount())]


def add(backend: Backend, user: UserDTO, sku: str, name: str, **fields: object) -> int:
    values: dict[str, object] = {"sku": sku, "name": name, "price_minor": 199, **fields}
    return catalog.create_product(backend.uow(), user, ProductDraft(**values)).id  # type: ignore[arg-type]


def open_editor(
    qtbot: QtBot, tab: CatalogTab, product_id: int | None = None
) -> ProductEditorDialog:
    if product_id is None:
        tab.new_action.trigger()
    else:
        tab.edit_product(product_id)
    editor = tab.editor
    assert editor is not None
    # Not registered with qtbot: the editor is the tab's child and deletes itself when it
    # closes (the tab, registered, takes any that stay open with it).
    qtbot.wait_exposed(editor)
    return editor


def test_create_a_product_with_an_image_and_search_it(
    qtbot: QtBot, tab: CatalogTab, tmp_path: Path, qtmodeltester: ModelTester
) -> None:
    editor = open_editor(qtbot, tab)
    QTest.keyClicks(editor.sku_edit, "APL-GALA-1")
    QTest.keyClicks(editor.barcode_edit, "5012345678900")
    QTest.keyClicks(editor.name_edit, "Gala Apples 1 kg")
    QTest.keyClicks(editor.price_edit, "3.49")
    QTest.keyClicks(editor.tax_edit, "5.5")
    editor.add_image_file(str(png_file(tmp_path)))
    qtbot.wait_until(lambda: not editor.image_busy and len(editor.images) == 1)
    assert editor.image_list.count() == 1
    assert not editor.preview.pixmap().isNull()
    with qtbot.wait_signal(tab.search_finished, timeout=10_000):
        QTest.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert tab.editor is None
    assert "Saved “Gala Apples 1 kg”." in tab.status_label.text()
    assert search(qtbot, tab, "gala") == ["Gala Apples 1 kg"]
    column = COLUMN_KEYS.index("image")
    picture = tab.model.index(0, column).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(picture, QPixmap)
    assert not picture.isNull()
    assert tab.model.index(0, COLUMN_KEYS.index("price")).data() == money_text(349)
    assert search(qtbot, tab, "50123") == ["Gala Apples 1 kg"]
    assert search(qtbot, tab, "apl-g") == ["Gala Apples 1 kg"]
    assert search(qtbot, tab, "pear") == []
    assert tab.count_label.text() == "No product matches"
    qtmodeltester.check(tab.model)  # type: ignore[no-untyped-call]


def test_editor_points_at_the_bad_field_and_saves_nothing(
    qtbot: QtBot, tab: CatalogTab, wired: Backend, staff: dict[str, UserDTO]
) -> None:
    editor = open_editor(qtbot, tab)
    QTest.keyClicks(editor.sku_edit, "X-1")
    QTest.keyClicks(editor.name_edit, "Thing")
    QTest.keyClicks(editor.price_edit, "1e3")
    assert not editor.save()
    assert editor.error_label.isVisible()
    assert editor.error_label.text().startswith("Price:")
    assert editor.focusWidget() is editor.price_edit
    assert editor.price_edit.property("invalid") is True
    editor.price_edit.setText("1.00")
    editor.barcode_edit.setText("5012345678901")
    assert not editor.save()
    assert "check digit should be 0" in editor.error_label.text()
    assert editor.focusWidget() is editor.barcode_edit
    assert editor.error_label.textFormat() == Qt.TextFormat.PlainText
    editor.reject()
    assert catalog.search_products(wired.read_uow(), staff["admin"], "").ids == ()


def test_bad_images_are_refused_with_a_message(
    qtbot: QtBot, tab: CatalogTab, tmp_path: Path
) -> None:
    editor = open_editor(qtbot, tab)
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 100)
    editor.add_image_file(str(fake))
    qtbot.wait_until(lambda: not editor.image_busy)
    assert editor.error_label.text() == (
        "photo.jpg: this is a Windows program, not a PNG, JPEG or WebP image."
    )
    assert editor.images == []
    editor.reject()


def test_images_can_be_replaced_and_removed(
    qtbot: QtBot, tab: CatalogTab, wired: Backend, staff: dict[str, UserDTO], tmp_path: Path
) -> None:
    product_id = add(wired, staff["manager"], "IMG-1", "Pictured")
    editor = open_editor(qtbot, tab, product_id)
    editor.add_image_file(str(png_file(tmp_path, "a.png", "red")))
    qtbot.wait_until(lambda: len(editor.images) == 1 and not editor.image_busy)
    editor.add_image_file(str(png_file(tmp_path, "b.png", "blue")))
    qtbot.wait_until(lambda: len(editor.images) == 2 and not editor.image_busy)
    editor.add_image_file(str(png_file(tmp_path, "c.png", "green")), replace_row=0)
    qtbot.wait_until(lambda: not editor.image_busy and "green" not in str(editor.images))
    assert len(editor.images) == 2
    editor.image_list.setCurrentRow(1)
    editor.image_list.setFocus()
    QTest.keyClick(editor.image_list, Qt.Key.Key_Delete)
    assert len(editor.images) == 1
    assert editor.save()
    saved = editor.saved
    assert saved is not None
    assert len(saved.images) == 1
    editor.accept()


def test_a_conflicting_save_is_refused_and_can_be_reloaded(
    qtbot: QtBot, tab: CatalogTab, wired: Backend, staff: dict[str, UserDTO]
) -> None:
    product_id = add(wired, staff["manager"], "CON-1", "Shared")
    editor = open_editor(qtbot, tab, product_id)
    current = catalog.get_product(wired.read_uow(), staff["admin"], product_id)
    catalog.update_product(
        wired.uow(),
        staff["admin"],
        product_id,
        ProductDraft(sku="CON-1", name="Shared", price_minor=555),
        expected_version=current.version,
    )
    editor.price_edit.setText("9.99")
    assert not editor.save()
    assert "Ada Lovelace changed “Shared” after you opened it" in editor.error_label.text()
    assert editor.reload_button.isVisible()
    editor.reload_button.click()
    assert editor.price_edit.text() == "5.55"
    assert editor.save()
    editor.accept()


def test_archive_restore_and_show_archived(
    qtbot: QtBot, tab: CatalogTab, wired: Backend, staff: dict[str, UserDTO]
) -> None:
    add(wired, staff["manager"], "OLD-1", "Old stock")
    assert search(qtbot, tab, "old") == ["Old stock"]
    tab.select_row(0)
    assert tab.buttons["archive"].text().startswith("Archive")
    with qtbot.wait_signal(tab.search_finished, timeout=10_000):
        tab.archive_action.trigger()
    assert names(tab) == []
    with qtbot.wait_signal(tab.search_finished, timeout=10_000):
        tab.archived_check.setChecked(True)
    assert names(tab) == ["Old stock"]
    assert tab.model.index(0, COLUMN_KEYS.index("status")).data() == "Archived"
    tab.select_row(0)
    assert tab.buttons["archive"].text().startswith("Restore")
    with qtbot.wait_signal(tab.search_finished, timeout=10_000):
        tab.archive_action.trigger()
    assert tab.model.index(0, COLUMN_KEYS.index("status")).data() == "Active"


def test_names_show_as_plain_text(
    qtbot: QtBot, tab: CatalogTab, wired: Backend, staff: dict[str, UserDTO]
) -> None:
    add(wired, staff["manager"], "HTML-1", "<b>bold</b> <img src=x>")
    assert search(qtbot, tab, "bold") == ["<b>bold</b> <img src=x>"]


@pytest.mark.parametrize("text", ["\U0010ffff", "apl\U0010ffff", "\ud7ff", "12\U0010ffff"])
def test_the_search_box_takes_any_code_point(
    qtbot: QtBot, tab: CatalogTab, wired: Backend, staff: dict[str, UserDTO], text: str
) -> None:
    """Issue #16, defect 12: a text ending in U+10FFFF showed "Something went wrong"."""
    add(wired, staff["manager"], "APL-1", "Apples")
    with qtbot.wait_signal(tab.search_finished, timeout=10_000):
        tab.search_edit.setText(text)
    assert tab.status_label.text() == ""
    assert names(tab) == []
    assert tab.count_label.text() == "No product matches"
    add(wired, staff["manager"], "EDGE-1", f"{text} edge")
    with qtbot.wait_signal(tab.search_finished, timeout=10_000):
        tab.refresh()
    assert names(tab) == [f"{text} edge"]


def test_the_scanner_finds_the_exact_product(
    qtbot: QtBot, tab: CatalogTab, wired: Backend, staff: dict[str, UserDTO]
) -> None:
    add(wired, staff["manager"], "SCAN-1", "Scanned", barcode="96385074")
    add(wired, staff["manager"], "SCAN-2", "Other")
    search(qtbot, tab, "96385074")
    assert tab.model.result.exact_id is not None
    assert tab.current_id() == tab.model.result.exact_id
    QTest.keyClick(tab.search_edit, Qt.Key.Key_Return)
    editor = tab.editor
    assert editor is not None  # the tab's child: closed with it
    assert editor.name_edit.text() == "Scanned"
    editor.reject()
    tab.search_edit.clear()
    QTest.keyClicks(tab.search_edit, "SCAN-2")  # code and Enter before the search ran
    with qtbot.wait_signal(tab.search_finished, timeout=10_000):
        QTest.keyClick(tab.search_edit, Qt.Key.Key_Return)
    qtbot.wait_until(lambda: tab.editor is not None)
    assert tab.editor is not None
    assert tab.editor.name_edit.text() == "Other"
    tab.editor.reject()


def test_product_changes_from_elsewhere_refresh_the_table(
    qtbot: QtBot, tab: CatalogTab, wired: Backend, staff: dict[str, UserDTO]
) -> None:
    with qtbot.wait_signal(tab.search_finished, timeout=10_000):
        add(wired, staff["admin"], "BUS-1", "From another register")  # published on the bus
    assert names(tab) == ["From another register"]


def test_import_with_progress_report_and_cancel(
    qtbot: QtBot, tab: CatalogTab, tmp_path: Path
) -> None:
    dialog = tab.import_dialog()  # the tab's child, deleted when closed
    dialog.show()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"sku,name,price\nA,Apples,abc\nB,,1\n")
    dialog.start(str(bad))
    qtbot.wait_until(lambda: not dialog.running, timeout=10_000)
    report = dialog.report_view.toPlainText()
    assert "Nothing imported: 2 problems found." in report
    assert "Line 2: price: Enter an amount like 12.50 (not 'abc')." in report
    assert "Line 3: name: Enter a name." in report
    big = tmp_path / "big.csv"
    big.write_text("sku,name,price\n" + "".join(f"S{i},N {i},1\n" for i in range(20_000)))
    dialog.start(str(big))
    assert dialog.running
    assert dialog.cancel_button.text() == "Cancel import"
    dialog.cancel_button.click()
    qtbot.wait_until(lambda: not dialog.running, timeout=30_000)
    assert dialog.status.text() == "Import cancelled: nothing was changed."
    good = tmp_path / "good.csv"
    good.write_bytes(b"sku;name;price\nG-1;Grapes;2,50\n")
    with qtbot.wait_signal(dialog.imported, timeout=10_000):
        dialog.start(str(good))
    qtbot.wait_until(lambda: "Grapes" in names(tab), timeout=10_000)
    dialog.close()


def test_export_and_labels(
    qtbot: QtBot, tab: CatalogTab, wired: Backend, staff: dict[str, UserDTO], tmp_path: Path
) -> None:
    add(wired, staff["manager"], "=EXP", "Exported", barcode="5012345678900")
    add(wired, staff["manager"], "LAB-2", "Labelled")
    search(qtbot, tab, "")
    target = tmp_path / "products.csv"
    tab.export_to(str(target))  # the tab's child, deleted when closed
    qtbot.wait_until(target.exists, timeout=10_000)
    qtbot.wait_until(lambda: tab.status_label.text() == "Exported 2 products.", timeout=10_000)
    assert b"'=EXP" in target.read_bytes()
    tab.table.selectAll()
    pdf = tmp_path / "labels.pdf"
    assert tab.write_labels(str(pdf)) == 2
    text = PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text()
    assert "Exported" in text
    assert "Labelled" in text


def test_cashiers_look_but_cannot_change(
    qtbot: QtBot, wired: Backend, bus: EventBus, staff: dict[str, UserDTO]
) -> None:
    product_id = add(wired, staff["manager"], "LOOK-1", "Look only")
    tab = make_tab(qtbot, wired, bus, staff["cashier"])
    assert not tab.buttons["new"].isVisible()
    assert not tab.buttons["import"].isVisible()
    assert not tab.buttons["archive"].isVisible()
    assert tab.buttons["export"].isVisible()
    editor = open_editor(qtbot, tab, product_id)
    assert not editor.save_button.isEnabled()
    editor.reject()
    assert tab.editor is None or tab.editor is not editor


def test_keyboard_shortcuts(qtbot: QtBot, tab: CatalogTab) -> None:
    tab.table.setFocus()
    QTest.keyClick(tab, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert tab.search_edit.hasFocus()
    QTest.keyClick(tab, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editor = tab.editor
    assert isinstance(editor, QDialog)  # the tab's child, deleted when closed
    assert editor.windowTitle() == "New product"
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert not editor.isVisible()
    assert isinstance(tab.import_dialog(), ImportDialog)


def test_the_unit_is_chosen_by_keyboard_and_loaded_again(
    qtbot: QtBot, tab: CatalogTab, wired: Backend, staff: dict[str, UserDTO]
) -> None:
    """Issue #20: a product sold by the kilogram, its price per kg."""
    editor = open_editor(qtbot, tab)
    assert editor.unit_combo.currentData() == "pc"
    QTest.keyClicks(editor.sku_edit, "CHE-002")
    QTest.keyClicks(editor.name_edit, "Gouda")
    editor.unit_combo.setFocus()
    QTest.keyClicks(editor.unit_combo, "k")  # the combo's own keyboard search
    assert editor.unit_combo.currentData() == "kg"
    assert editor.unit_combo.currentText() == "kilogram (kg) — price per kg"
    QTest.keyClick(editor.unit_combo, Qt.Key.Key_Tab)  # on to the price, typed per kg
    assert editor.focusWidget() is editor.price_edit
    QTest.keyClicks(editor.price_edit, "15.90")
    if shots := os.environ.get("POSAPP_SCREENSHOT_DIR", ""):  # product_editor_unit.png
        editor.grab().save(str(Path(shots) / "product_editor_unit.png"))
    editor.activateWindow()  # a shortcut needs its window active
    qtbot.wait_until(editor.isActiveWindow)
    with qtbot.wait_signal(tab.search_finished, timeout=10_000):
        QTest.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    (product_id,) = wired.catalog.search(staff["admin"], "gouda").ids
    product = wired.catalog.product(staff["admin"], product_id)
    assert product is not None
    assert (product.unit, product.price_minor) == ("kg", 1590)
    editor = open_editor(qtbot, tab, product.id)
    assert editor.unit_combo.currentData() == "kg"
    editor.close()
