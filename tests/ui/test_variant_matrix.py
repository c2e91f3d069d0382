"""Issue #20's variants, end to end on both databases: a 2 × 3 template made in the Catalog tab's
matrix editor from the keyboard, two variants sold by barcode at the register, their stock.

Also the editor's per-cell errors (nothing written) and its grid model (qtmodeltester).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from posapp.models import Product, ProductTemplate
from posapp.reports.purchasing import purchase_order_pdf
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.purchasing import PurchaseLineInput, ReceiveLine, SupplierInput
from posapp.services.stock import StockLine
from posapp.ui.catalog.tab import CatalogTab
from posapp.ui.catalog.variant_grid import VariantGridModel
from posapp.ui.catalog.variants_dialog import VariantMatrixDialog, error_cells
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.lifetime import open_once
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import Shop, shop_with_open_till
from tests.integration.variants_support import shirt_barcode
from tests.ui.lifetime_support import answering, focused, keys_in_dialog, press

pytestmark = pytest.mark.ui
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def backend(database: Database, bus: EventBus) -> Backend:
    return Backend(database, bus, register="till-1")


@pytest.fixture
def shop(backend: Backend) -> Shop:
    return shop_with_open_till(backend)


@pytest.fixture
def tab(qtbot: QtBot, backend: Backend, bus: EventBus, shop: Shop) -> CatalogTab:
    tab = CatalogTab(backend, bus, shop.manager)
    qtbot.add_widget(tab)
    tab.resize(1200, 760)
    with qtbot.wait_signal(tab.search_finished, timeout=30_000):
        tab.show()
    return tab


def open_matrix(qtbot: QtBot, tab: CatalogTab) -> VariantMatrixDialog:
    dialog = tab.open_variants()
    open_once(dialog)
    qtbot.wait_until(dialog.isVisible, timeout=30_000)
    dialog.activateWindow()
    qtbot.wait_until(dialog.isActiveWindow, timeout=30_000)
    return dialog


def type_into(widget: object, text: str) -> None:
    QTest.keyClicks(widget, text)  # type: ignore[arg-type]


def fill_shirt(qtbot: QtBot, dialog: VariantMatrixDialog) -> None:
    """The template's fields and two attributes typed, Tab between them, Ctrl+G: six rows."""
    qtbot.wait_until(dialog.code_edit.hasFocus, timeout=30_000)
    tab = Qt.Key.Key_Tab
    for step in ("TSHIRT", tab, "T-shirt", tab, "14.99", tab, "20", tab, tab, tab):
        keys_in_dialog(step)(dialog)
    assert focused() is dialog.attribute_edits[0][0]
    for step in ("Colour", tab, "blue, red", tab, "Size", tab, "S, M, L"):
        keys_in_dialog(step)(dialog)
    press(Qt.Key.Key_G, CTRL)
    assert dialog.model.rowCount() == 6
    qtbot.wait_until(dialog.grid.hasFocus, timeout=30_000)


def type_cell(
    qtbot: QtBot, dialog: VariantMatrixDialog, row: int, key: str, text: str, *, commit: bool = True
) -> None:
    """Move to the cell, type (the editor opens on the first key), Enter commits."""
    dialog.grid.setFocus()
    dialog.grid.setCurrentIndex(dialog.model.index(row, dialog.model.column_of(key)))
    if not text:  # F2 edits; select all and delete
        press(Qt.Key.Key_F2)
        press(Qt.Key.Key_A, CTRL)
        press(Qt.Key.Key_Delete)
    for char in text:  # the first key opens the cell's editor, which takes the rest
        QTest.keyClicks(focused(), char)
    if commit:
        press(Qt.Key.Key_Return)  # the delegate commits through a queued call
        qtbot.wait_until(lambda: getattr(dialog.model.rows[row], key) == text, timeout=30_000)


def _count(backend: Backend, model: type[object]) -> int:
    with backend.read_uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_template_of_six_variants_made_in_the_matrix_is_sold_by_barcode(
    qtbot: QtBot, tab: CatalogTab, backend: Backend, bus: EventBus, shop: Shop
) -> None:
    dialog = open_matrix(qtbot, tab)
    fill_shirt(qtbot, dialog)
    assert [row.sku for row in dialog.model.rows][:2] == ["TSHIRT-BLUE-S", "TSHIRT-BLUE-M"]
    for row in range(6):
        type_cell(qtbot, dialog, row, "barcode", shirt_barcode(row))
    type_cell(
        qtbot, dialog, 5, "price", "15.99", commit=False
    )  # red L costs more; Ctrl+S in the cell
    press(Qt.Key.Key_S, CTRL)
    assert not dialog.error_label.isVisible(), dialog.error_label.text()
    qtbot.wait_until(lambda: not dialog.isVisible(), timeout=30_000)
    saved = dialog.saved
    assert saved is not None
    assert [v.name for v in saved.variants][1] == "T-shirt, blue, M"
    assert [v.price_minor for v in saved.variants] == [1499] * 5 + [1599]
    qtbot.wait_until(lambda: tab.model.rowCount() == 6 + len(shop.products), timeout=30_000)
    assert "6 variants" in tab.status_label.text()

    ids = [v.product_id for v in saved.variants]
    lines = [StockLine(product_id, 5) for product_id in ids]
    backend.stock.receive_stock(shop.manager, shop.store_id, lines, reference="delivery")

    register = RegisterView(backend.sales, bus, shop.cashier)
    register.flow.receipt_sink = lambda _number, _pdf: None
    qtbot.add_widget(register)
    register.resize(1240, 720)
    register.show()
    register.activateWindow()
    qtbot.wait_until(register.scan_edit.hasFocus, timeout=30_000)
    for code in (shirt_barcode(1), shirt_barcode(5), shirt_barcode(5)):
        type_into(register.scan_edit, code)
        QTest.keyClick(register.scan_edit, Qt.Key.Key_Return)
    assert [(line.product.name, line.quantity) for line in register.cart.lines] == [
        ("T-shirt, blue, M", 1),
        ("T-shirt, red, L", 2),
    ]
    assert register.model.index(0, 0).data() is not None
    with answering(keys_in_dialog(Qt.Key.Key_Return, Qt.Key.Key_Return), PaymentDialog):
        QTest.keyClick(register.scan_edit, Qt.Key.Key_F12)
    qtbot.wait_until(lambda: register.cart.empty, timeout=30_000)
    order = register.flow.last_order
    assert order is not None
    detail = backend.sales.order_detail(shop.cashier, order.order_id)
    assert [line.name for line in detail.lines] == ["T-shirt, blue, M", "T-shirt, red, L"]
    assert detail.total_minor == 1499 + 2 * 1599
    rows = backend.stock.stock_rows(shop.manager, shop.store_id, ids)
    assert [row.on_hand for row in rows] == [5, 4, 5, 5, 5, 3]
    _reorder_blue_m(backend, shop, ids[1])


def _reorder_blue_m(backend: Backend, shop: Shop, blue_m: int) -> None:
    """Ten more blue M ordered from a supplier at 6.00, four of them delivered so far: the
    stock and what it is worth follow the delivery (#20's acceptance, end to end)."""
    manager = shop.manager
    supplier = backend.purchasing.save_supplier(manager, None, SupplierInput("Shirt Co")).id
    order = backend.purchasing.create_purchase_order(
        manager, supplier, shop.store_id, [PurchaseLineInput(blue_m, 10, cost_minor=600)]
    )
    backend.purchasing.send_purchase_order(manager, order.id, purchase_order_pdf)
    [line] = order.lines
    received = backend.purchasing.receive_purchase_order(
        manager, order.id, [ReceiveLine(line.id, 4)], reference="Shirt Co delivery 1"
    )
    assert received.order.status == "partly_received"
    assert [(x.ordered, x.received) for x in received.order.lines] == [(10, 4)]
    [level] = backend.stock.stock_rows(manager, shop.store_id, [blue_m])
    assert level.on_hand == 4 + 4
    valuation = backend.stock.inventory_valuation(manager, "MAIN")
    lines = {x.product_id: x for category in valuation.categories for x in category.lines}
    # The first five came in without a cost (the template has none): only the four at 6.00 count.
    assert (lines[blue_m].on_hand, lines[blue_m].value_minor) == (8, 4 * 600)
    assert valuation.value_minor == sum(x.value_minor for x in lines.values())


def test_bad_cells_are_tinted_and_nothing_is_saved(
    qtbot: QtBot, tab: CatalogTab, backend: Backend, shop: Shop
) -> None:
    dialog = open_matrix(qtbot, tab)
    fill_shirt(qtbot, dialog)
    type_cell(qtbot, dialog, 0, "price", "1,2,3")  # no amount
    type_cell(qtbot, dialog, 4, "price", "-1")
    type_cell(qtbot, dialog, 1, "barcode", "4006381333932")  # wrong check digit
    press(Qt.Key.Key_S, CTRL)
    assert set(error_cells(dialog)) == {(0, "price"), (4, "price")}  # read here: never sent
    assert dialog.error_label.isVisible()
    type_cell(qtbot, dialog, 0, "price", "")
    type_cell(qtbot, dialog, 4, "price", "")
    type_cell(qtbot, dialog, 2, "sku", "TSHIRT-BLUE-S")  # the same SKU as row 1
    type_cell(qtbot, dialog, 3, "barcode", "4006381333931")  # the apple's barcode
    press(Qt.Key.Key_S, CTRL)
    cells = error_cells(dialog)
    assert set(cells) == {(1, "barcode"), (2, "sku"), (3, "barcode")}
    assert "check digit" in cells[(1, "barcode")]
    assert "Apple Braeburn" in cells[(3, "barcode")]
    current = dialog.grid.currentIndex()
    assert (current.row(), dialog.model.key(current.column())) == min(cells)
    tint = dialog.model.index(2, dialog.model.column_of("sku")).data(Qt.ItemDataRole.BackgroundRole)
    assert tint is not None
    assert dialog.isVisible()
    assert dialog.saved is None
    assert _count(backend, ProductTemplate) == 0
    assert _count(backend, Product) == len(shop.products)
    dialog.reject()


def test_the_grid_model_passes_qtmodeltester(qtmodeltester: object, qtbot: QtBot) -> None:
    from posapp.ui.catalog.variant_grid import GridRow, combine

    model = VariantGridModel()
    rows = combine("TS", [("Colour", ["blue", "red"]), ("Size", ["S", "M"])], [])
    model.set_rows(["Colour", "Size"], rows)
    model.set_errors({(1, "sku"): "taken"})
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert rows[1].sku == "TS-BLUE-M"
    assert isinstance(rows[0], GridRow)
    again = combine("TS", [("Colour", ["blue"]), ("Size", ["S", "M", "L"])], rows)
    assert [r.sku for r in again] == ["TS-BLUE-S", "TS-BLUE-M", "TS-BLUE-L"]
    assert again[0] is rows[0]  # kept rows keep what was typed
