"""In German, French and Spanish, no English is left on any tab or dialog (issue #18).

The real main window, as an admin whose own language is the one under test, on a demo shop:
each opener of :data:`OPENERS` shows a tab or opens a dialog the way a person does (its button or
key), :func:`~tests.ui.language_walk.visible_texts` reads the screen, and the detector of
:mod:`tests.ui.language_walk` fails on English that is not a datum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from posapp.demo import load_demo
from posapp.models import User
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.staff import find_user
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.region import use_language
from posapp.ui.login_dialog import LoginDialog
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.view import RegisterView
from tests.conftest import make_database
from tests.ui.language_walk import (
    EnglishDetector,
    Opener,
    Seen,
    data_words,
    read_dialog,
    read_tab,
    visible_texts,
)

LANGUAGES = {"de": "de_DE", "fr": "fr_FR", "es": "es_ES"}
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def _orders(window: MainWindow) -> OrdersTab:
    page = window.show_tab("Orders")
    assert isinstance(page, OrdersTab)
    return page


def _register(window: MainWindow) -> RegisterView:
    tab = _orders(window)
    assert tab.register is not None
    tab.pages.setCurrentWidget(tab.register)
    return tab.register


def _with_till(window: MainWindow) -> RegisterView:
    """The register with its till open (through the service, as the till page would)."""
    register = _register(window)
    if register.till is None:
        store = next(store for store in register.sales.stores() if store.kind != "warehouse")
        register.sales.open_till(window.user, store.id, 10_000, None)
        register.refresh_till()
    return register


def _closed_till(window: MainWindow) -> RegisterView:
    """The register with its till closed (an earlier opener may have opened it)."""
    register = _register(window)
    if register.till is not None:
        register.new_sale()  # the sale in progress is dropped, as Esc Esc would
        register.sales.close_till(window.user, 10_000, None)
        register.refresh_till()
    return register


def _with_item(window: MainWindow) -> RegisterView:
    """The register with one item on the sale (a tile of the product grid clicked)."""
    register = _with_till(window)
    if register.cart.empty:
        tiles = [w for w in register.grid.findChildren(QWidget) if w.property("tile")]
        assert tiles, "the product grid is empty"
        tiles[0].click()  # type: ignore[attr-defined]
    assert not register.cart.empty
    register.select_line(register.cart.lines[0].line_no)
    return register


Open = Callable[[MainWindow], list[Seen]]


def _button(name: str, prepare: Callable[[MainWindow], RegisterView] = _register) -> Open:
    def open_(window: MainWindow) -> list[Seen]:
        register = prepare(window)
        return read_dialog(window, register.buttons[name].click)

    return open_


def _till_page(window: MainWindow) -> list[Seen]:
    tab = _orders(window)
    assert tab.till is not None
    tab.pages.setCurrentWidget(tab.till)
    return visible_texts(window)


def _till_button(attribute: str) -> Open:
    def open_(window: MainWindow) -> list[Seen]:
        _with_till(window)
        tab = _orders(window)
        assert tab.till is not None
        tab.pages.setCurrentWidget(tab.till)
        tab.till.refresh()
        return read_dialog(window, getattr(tab.till, attribute).click)

    return open_


def _approval(window: MainWindow) -> list[Seen]:
    """The manager's approval (a cashier meets it; an admin approves by themself)."""
    register = _with_item(window)
    return read_dialog(window, lambda: register.flow.approval("override_price"))


OPENERS: tuple[Opener, ...] = (
    Opener("register", "Orders", lambda w: (_register(w), visible_texts(w))[1]),
    Opener("register with a sale", "Orders", lambda w: (_with_item(w), visible_texts(w))[1]),
    Opener("open the till (Ctrl+O)", "Orders", _button("open_till", _closed_till)),
    Opener("find a product (F2)", "Orders", _button("search_product", _with_till)),
    Opener("attach a customer (F4)", "Orders", _button("attach_customer", _with_till)),
    Opener("quantity (F5)", "Orders", _button("change_quantity", _with_item)),
    Opener("line discount (F6)", "Orders", _button("line_discount", _with_item)),
    Opener("order discount (F7)", "Orders", _button("order_discount", _with_item)),
    Opener("coupons (F8)", "Orders", _button("coupons", _with_item)),
    Opener("parked sales (F10)", "Orders", _button("resume", _with_till)),
    Opener("price (F11)", "Orders", _button("change_price", _with_item)),
    Opener("payment (F12)", "Orders", lambda w: read_dialog(w, _with_item(w).pay_button.click)),
    Opener(
        "sell a gift card (Ctrl+G)",
        "Orders",
        lambda w: read_dialog(w, _with_till(w).giftcards.sell),
    ),
    Opener(
        "gift card balance (Ctrl+B)",
        "Orders",
        lambda w: read_dialog(w, _with_till(w).giftcards.balance),
    ),
    Opener("manager approval", "Orders", _approval),
    Opener("till page", "Orders", _till_page),
    Opener("cash in (Ctrl+I)", "Orders", _till_button("in_button")),
    Opener("cash out (Ctrl+U)", "Orders", _till_button("out_button")),
    Opener("close the till (Ctrl+Shift+C)", "Orders", _till_button("close_button")),
    Opener("language (Ctrl+Alt+L)", "Orders", lambda w: read_dialog(w, w.language_action.trigger)),
    Opener("stores tab", "Stores"),
    Opener("catalog tab", "Catalog"),
    Opener("coupons tab", "Coupons"),
    Opener("accounts tab", "Accounts"),
    Opener("admin users tab", "Admin users"),
    Opener("customers tab", "Customers"),
)
"""Every tab and the dialogs reachable from the register and the till; append yours."""


class Walk:
    """The demo shop once per module, and a fresh main window per opener."""

    def __init__(self, database: Database) -> None:
        self.database = database
        backend = Backend(database, register="walk-demo")
        load_demo(backend, seed=3, days=2, product_count=24, now=NOW)
        with backend.read_uow() as uow:
            names = uow.session.scalars(select(User.username).where(User.role == "admin")).all()
        self.admin = find_user(backend.read_uow(), names[0])
        self.data = data_words(backend)
        self.detectors = {code: EnglishDetector(code, self.data) for code in LANGUAGES}

        self.windows: dict[str, MainWindow] = {}

    def window(self, qtbot: QtBot, code: str) -> MainWindow:
        """The admin's main window in language ``code`` (one per language, kept between tests)."""
        use_language(LANGUAGES[code])  # conftest puts every test back in English
        window = self.windows.get(code)
        if window is None:
            bus = EventBus()
            backend = Backend(self.database, bus, register=f"walk-{code}")
            admin = backend.staff.set_user_locale(self.admin, self.admin.id, LANGUAGES[code])
            window = self.windows[code] = MainWindow(backend, bus, admin)
            window.show()
            window.activateWindow()
            qtbot.wait_until(window.isVisible, timeout=30_000)
        return window

    def close(self) -> None:
        for window in self.windows.values():
            window.close()
            window.deleteLater()


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    database = make_database("sqlite", tmp_path_factory.mktemp("walk"))
    walk = Walk(database)
    try:
        yield walk
    finally:
        walk.close()
        database.dispose()


@pytest.fixture
def back_in_english() -> Iterator[None]:
    before = QLocale()
    yield
    use_language("en")  # Qt's own translation too (conftest resets posapp's)
    QLocale.setDefault(before)  # the admin's locale, applied by the main window


def _cases() -> Iterator[object]:
    for code in LANGUAGES:
        for opener in OPENERS:
            yield pytest.param(code, opener, id=f"{code}-{opener.name}")


@pytest.mark.parametrize(("code", "opener"), list(_cases()))
def test_no_english_is_left_on_screen(
    qtbot: QtBot, walk: Walk, back_in_english: None, code: str, opener: Opener
) -> None:
    window = walk.window(qtbot, code)
    seen = read_tab(window, opener)
    assert seen, f"{opener.name}: nothing read"
    findings = walk.detectors[code].findings(seen)
    assert not findings, f"{code} {opener.name}:\n" + "\n".join(map(str, findings))


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_the_login_window_speaks_the_machines_language(
    qtbot: QtBot, walk: Walk, back_in_english: None, code: str
) -> None:
    use_language(LANGUAGES[code])
    dialog = LoginDialog(Backend(walk.database, register="walk-login"))
    qtbot.add_widget(dialog)
    dialog.show()
    findings = walk.detectors[code].findings(visible_texts(dialog))
    assert not findings, "\n".join(map(str, findings))


def test_the_detector_finds_english_and_leaves_data_alone(walk: Walk) -> None:
    detector = walk.detectors["de"]
    found = detector.findings(
        [
            Seen("a", "Pay   F12"),  # marked, shown untranslated
            Seen("b", "Receipt of the morning"),  # nobody marked it: its words give it away
            Seen("c", "Bezahlen   F12"),
            Seen("d", "Ctrl+Shift+D"),
        ]
    )
    assert [f.seen.where for f in found] == ["a", "b"]
    assert "receipt" in found[1].why
    assert detector.data  # the demo's names are data
    assert not detector.findings([Seen("e", name) for name in sorted(detector.data)[:50]])
