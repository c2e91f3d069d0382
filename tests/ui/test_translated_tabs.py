"""The Catalog, Stores, Coupons and Orders tabs speak German when German is chosen first (#18).

Real widgets, offscreen, on both databases: the language is set before the tab is built (as
the application does at start), then a handful of its labels, buttons, headers and status
lines are read back. Data (a product's or store's name) stays as it was typed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from posapp import i18n
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from posapp.ui.catalog.tab import CatalogTab
from posapp.ui.coupons.tab import CouponsTab
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.formatting import count_text
from posapp.ui.kit.tab import Tab
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.stores.tab import StoresTab
from tests.ui.seed import add_staff, add_store

pytestmark = pytest.mark.ui


@pytest.fixture
def german() -> Iterator[None]:
    i18n.set_language("de_DE.UTF-8")
    yield
    i18n.set_language("en")


@pytest.fixture
def manager(database: Database, bus: EventBus) -> tuple[Backend, UserDTO]:
    backend = Backend(database, bus, register="till-1")
    staff = add_staff(backend)
    add_store(backend, name="Harbour Street", code="HS01")
    return backend, staff["manager"]


def _texts(widget: QWidget) -> set[str]:
    """Every text a person reads on ``widget``: labels, buttons, fields, lists, tab names."""
    found: set[str] = set()
    for label in widget.findChildren(QLabel):
        found.add(label.text())
    for button in widget.findChildren(QAbstractButton):
        found.add(button.text().replace("&", ""))
    for edit in widget.findChildren(QLineEdit):
        found.add(edit.placeholderText())
    for combo in widget.findChildren(QComboBox):
        found.update(combo.itemText(i) for i in range(combo.count()))
    for tabs in widget.findChildren(QTabWidget):
        found.update(tabs.tabText(i).replace("&", "") for i in range(tabs.count()))
    return found


def _headers(widget: QWidget) -> set[str]:
    found: set[str] = set()
    for view in widget.findChildren(QWidget):
        model = getattr(view, "model", None)
        if not callable(model) or not hasattr(view, "horizontalHeader"):
            continue
        table = model()
        if table is None:
            continue
        for column in range(table.columnCount()):
            header = table.headerData(column, Qt.Orientation.Horizontal)
            if isinstance(header, str):
                found.add(header)
    return found


def _stores(tab: QWidget) -> None:
    assert isinstance(tab, StoresTab)
    assert tab.panel.stock_model.headerData(3, Qt.Orientation.Horizontal) == "Vorrätig"


TABS: dict[str, tuple[Callable[..., QWidget], set[str], set[str], set[str]]] = {
    # name: (how to build it, texts shown, table headers, English that must be gone)
    "catalog": (
        CatalogTab,
        {"Katalog", "Artikel, Preise, Barcodes, Steuersätze und Bilder.", "Archivierte anzeigen"},
        {"Artikelnummer", "Preis", "Einkaufspreis", "Kategorie"},
        {"Catalog", "Show archived", "Price"},
    ),
    "stores": (
        StoresTab,
        {"Filialen", "Nur niedrige Bestände", "Bestand", "Lieferantenbestellungen", "STANDORTE"},
        {"Artikelnummer", "Vorrätig", "Meldebestand", "Lieferant"},
        {"Stores", "Stock", "On hand"},
    ),
    "coupons": (
        CouponsTab,
        {"Coupons", "Aktionen, Codes und wie sie gewirkt haben.", "Neue Aktion", "Codeblatt"},
        {"Aktion", "Angebot", "Gilt für", "Eingelöst"},
        {"New campaign", "Campaign", "Redeemed"},
    ),
    "orders": (
        OrdersTab,
        {"Kasse", "Bestellungen", "Kassensitzung", "Nur meine Verkäufe", "Jeder Status"},
        {"Nummer", "Zeit", "Filiale", "Summe", "Erstattet"},
        {"Only my sales", "Number", "Refunded"},
    ),
}


@pytest.mark.usefixtures("german")
@pytest.mark.parametrize("name", sorted(TABS))
def test_the_tab_speaks_german(
    qtbot: QtBot, bus: EventBus, manager: tuple[Backend, UserDTO], name: str
) -> None:
    backend, user = manager
    build, shown, headers, english = TABS[name]
    tab = build(backend, bus, user)
    qtbot.add_widget(tab)
    tab.resize(1280, 760)
    tab.show()
    qtbot.wait_exposed(tab)
    if isinstance(tab, OrdersTab) and tab.orders is not None:
        tab.pages.setCurrentWidget(tab.orders)  # the order list builds its filters
    texts, columns = _texts(tab), _headers(tab)
    assert shown <= texts, f"missing: {shown - texts}"
    assert headers <= columns, f"missing: {headers - columns}"
    assert not english & (texts | columns), f"still English: {english & (texts | columns)}"
    if isinstance(tab, StoresTab):
        _stores(tab)
        assert tab.store is not None
        assert tab.store.name == "Harbour Street"  # data stays as typed
    assert isinstance(tab, (Tab, CouponsTab))


def test_counts_are_grouped_as_the_locale_writes_them() -> None:
    german, french = QLocale(QLocale.Language.German), QLocale(QLocale.Language.French)
    assert count_text(12385, QLocale(QLocale.Language.English)) == "12,385"
    assert count_text(12385, german) == "12.385"
    assert count_text(12385, french) == f"12{french.groupSeparator()}385"
    assert count_text(-7, german) == "-7"
