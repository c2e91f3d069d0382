"""Walk the real main window in a language and find the English left on screen (issue #18).

Three parts, each reusable:

* :func:`visible_texts` reads what a person sees in a window: labels, buttons, group boxes, tab
  titles, table and tree headers (and the first rows' cells), placeholders, combo box items,
  window titles and the actions of menus.
* :class:`EnglishDetector` says which of those texts are English: (a) the text is an English
  string posapp marks for translation whose translation differs, or (b) it holds a word of the
  language's *English-only vocabulary* (the words of posapp's English strings that appear in no
  translation into that language), which also catches strings nobody marked. Data is not English
  to fix: the words of the database's names (products, categories, stores, staff, customers,
  coupons, what people typed) are left out.
* :data:`OPENERS` lists how to reach every tab and dialog: ``(name, tab, open)``, where ``open``
  gets the window and returns the texts it found. Another screen adds its dialogs by appending an
  :class:`Opener` (a tab to show and the keys or the button that opens the dialog).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import available_timezones

import sqlalchemy as sa
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QTabBar,
    QToolButton,
    QWidget,
)

from posapp import i18n
from posapp.currency import currency_codes, currency_name
from posapp.formats import locale_names
from posapp.services.backend import Backend
from posapp.ui.main_window import MainWindow
from tests.i18n_tool import i18n_tool

ROOT = Path(__file__).resolve().parents[2]
CELL_ROWS = 5  # cells of the first rows of each table or list are read too
WAIT_S = 30.0

DATA_COLUMNS = {
    "categories": ("name",),
    "customers": ("name", "address", "notes", "tags", "email"),
    "stores": ("code", "name", "address"),
    "suppliers": ("name", "contact", "email"),
    "tax_rates": ("name",),
    "ledger_accounts": ("name",),
    "product_templates": ("code", "name"),
    "template_attributes": ("name",),
    "attribute_values": ("value",),
    "users": ("username", "full_name"),
    "coupon_campaigns": ("name", "description"),
    "customer_accounts": ("holder_name", "email"),
    "products": ("sku", "name", "description"),
    "orders": ("note",),
    "parked_sales": ("label",),
    "till_sessions": ("register",),
    "ledger_transactions": ("memo",),
    "cash_movements": ("reason",),
    "stock_movements": ("reason", "reference"),
    "order_returns": ("reason",),
    "audit_log": ("action", "reason"),
    "email_outbox": ("subject", "to_name"),
}
"""The columns whose words are data (names and what people typed): never English to fix."""

DATA_KEYS = {"audit_log": ("before", "after")}
"""JSON columns whose keys are data (the audit log shows a change as ``key: before → after``)."""

NOT_WORDS = frozenset(
    {"ctrl", "shift", "alt", "del", "esc", "enter", "tab", "posapp", "pdf", "csv", "sku", "pin"}
)
"""Key names and product words that stay as they are in every language."""

_WORD = re.compile(r"[A-Za-z][A-Za-z']+")
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Seen:
    """One text on screen and where: ``Window title › ClassName#objectName``."""

    where: str
    text: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A text that is English, and why (``"marked"`` or the English words it holds)."""

    seen: Seen
    why: str

    def __str__(self) -> str:
        return f"{self.seen.where}: {self.seen.text!r} ({self.why})"


@cache
def _english_strings() -> tuple[str, ...]:
    """Every English string posapp marks (singulars and plurals, without context)."""
    found: list[str] = []
    for item in i18n_tool().extract().values():
        found.extend(item.msgid if isinstance(item.msgid, tuple) else (item.msgid,))
    return tuple(found)


def _words(text: str) -> set[str]:
    return {word.lower().strip("'") for word in _WORD.findall(_TAG.sub(" ", text))}


def _plain(text: str) -> str:
    """The text as read: no mnemonic ``&``, no markup, one line."""
    return " ".join(
        _TAG.sub(" ", text.replace("&&", "\0").replace("&", "").replace("\0", "&")).split()
    )


def data_words(backend: Backend) -> frozenset[str]:
    """The words of the database's names and typed texts (see :data:`DATA_COLUMNS`)."""
    words: set[str] = set()
    meta = sa.MetaData()
    with backend.database.engine.connect() as connection:
        meta.reflect(connection, only=[t for t in DATA_COLUMNS if _has(connection, t)])
        for name, table in meta.tables.items():
            if name not in DATA_COLUMNS:
                continue  # reflected for a foreign key
            columns = [table.c[c] for c in DATA_COLUMNS[name] if c in table.c]
            for row in connection.execute(sa.select(*columns)):
                for value in row:
                    if isinstance(value, str):
                        words |= _words(value)
    with backend.database.engine.connect() as connection:
        for name, keyed in DATA_KEYS.items():
            json_table = sa.table(name, *(sa.column(c) for c in keyed))
            for json_row in connection.execute(sa.select(*json_table.c)):
                for value in json_row:
                    words |= _json_keys(value)
    for login in backend.staff.demo_logins():  # shown on the login window
        words |= _words(f"{login.username} {login.password}")
    # The login window's footer shows the database file, elided in the middle when long: any
    # head or tail of its path is data ("/t…test-8/walk0/…" holds "test" from "pytest-8").
    path = backend.database.engine.url.database or ""
    for cut in range(len(path)):
        words |= _words(path[:cut]) | _words(path[cut:])
    return frozenset(words)


def _json_keys(value: object) -> set[str]:
    try:
        loaded = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return set()
    return {w for key in loaded for w in _words(str(key))} if isinstance(loaded, dict) else set()


def _has(connection: sa.Connection, table: str) -> bool:
    return sa.inspect(connection).has_table(table)


class EnglishDetector:
    """Finds the English among texts shown in language ``code`` (see the module's text)."""

    def __init__(self, code: str, data: Iterable[str] = ()) -> None:
        catalog = i18n.translations(code)
        english = _english_strings()
        self.marked = {
            _plain(text)
            for text in english
            if _plain(catalog.gettext(text)) != _plain(text) and _words(text)
        }
        translated: set[str] = set()
        for _path, text in i18n_tool().translated(code).values():  # plural forms and contexts too
            for form in text if isinstance(text, tuple) else (text,):
                translated |= _words(form)
        source: set[str] = set()
        for text in english:
            source |= _words(text)
        # Babel names the locales in this language (the language lists): its words, not ours.
        babel = {w for _id, name in locale_names((), code) for w in _words(name)}
        # …and the currencies (codes such as TRY are data too); time zones are ids
        # (America/Indiana/Tell_City).
        babel |= {w for c in currency_codes() for w in _words(f"{c} {currency_name(c, code)}")}
        babel |= {w for zone in available_timezones() for w in _words(zone.replace("_", " "))}
        self.data = frozenset(data) | babel
        self.vocabulary = frozenset(
            word
            for word in source - translated - self.data - NOT_WORDS
            if len(word) > 2  # "to", "of", "No" are also French, Spanish…
        )

    def findings(self, seen: Iterable[Seen]) -> list[Finding]:
        """The texts of ``seen`` that are English (each text once)."""
        found: dict[str, Finding] = {}
        for item in seen:
            text = _plain(item.text)
            if not text or text in found:
                continue
            words = _words(text)
            if words and words <= self.data:
                continue  # a datum (a name that happens to be an English word, say)
            if text in self.marked:
                found[text] = Finding(item, "marked, not translated on screen")
                continue
            english = sorted(w for w in _words(text) if w in self.vocabulary)
            if english:
                found[text] = Finding(item, "English words: " + ", ".join(english))
        return list(found.values())


# --- reading a window ------------------------------------------------------------------------


def _where(widget: QWidget) -> str:
    window = widget.window()
    name = widget.objectName()
    return f"{window.windowTitle() or type(window).__name__} › {type(widget).__name__}" + (
        f"#{name}" if name else ""
    )


def _view_texts(view: QAbstractItemView) -> Iterable[str]:
    model = view.model()
    hidden = getattr(view, "isColumnHidden", lambda _column: False)
    try:
        columns = model.columnCount(QModelIndex())
    except TypeError:  # a list model keeps columnCount private: one column
        columns = 1
    for column in range(columns):
        if not hidden(column):
            header = model.headerData(column, Qt.Orientation.Horizontal)
            if isinstance(header, str):
                yield header
    for row in range(min(model.rowCount(QModelIndex()), CELL_ROWS)):
        for column in range(columns):
            value = model.data(model.index(row, column, QModelIndex()))
            if isinstance(value, str):
                yield value


def _menu_texts(menu: QMenu) -> Iterable[str]:
    for action in menu.actions():
        if action.isVisible() and action.text():
            yield action.text()
        sub = action.menu()
        if isinstance(sub, QMenu):
            yield from _menu_texts(sub)


def visible_texts(root: QWidget) -> list[Seen]:
    """What a person reads in ``root`` and its visible children (see the module's text)."""
    seen: list[Seen] = []
    if root.isWindow() and root.windowTitle():
        seen.append(Seen(type(root).__name__, root.windowTitle()))
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) and widget is not root:
            continue
        texts: list[str] = []
        if isinstance(widget, QLabel):
            texts.append(widget.text())
        elif isinstance(widget, QAbstractButton):
            texts.append(widget.text())
            if isinstance(widget, QToolButton) and widget.menu() is not None:
                texts.extend(_menu_texts(widget.menu()))
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        elif isinstance(widget, QComboBox):
            texts.extend(widget.itemText(i) for i in range(widget.count()))
        elif isinstance(widget, QTabBar):
            texts.extend(widget.tabText(i) for i in range(widget.count()))
        elif isinstance(widget, QAbstractItemView):
            texts.extend(_view_texts(widget))
        seen.extend(Seen(_where(widget), text) for text in texts if text.strip())
    return seen


# --- opening what can be opened --------------------------------------------------------------


def _other_window(main: QWidget) -> QWidget | None:
    modal = QApplication.activeModalWidget()
    if modal is not None:
        return modal
    for widget in QApplication.topLevelWidgets():
        if widget is not main and isinstance(widget, QDialog) and widget.isVisible():
            return widget
    return None


def read_dialog(main: QWidget, trigger: Callable[[], object]) -> list[Seen]:
    """Run ``trigger`` (which opens a dialog, perhaps modal), read the dialog, close it.

    A modal dialog's ``exec()`` blocks ``trigger``: the reading runs from timers inside the
    dialog's event loop. Fails when no dialog opens within the time limit.
    """
    got: list[list[Seen]] = []
    errors: list[Exception] = []
    deadline = time.monotonic() + WAIT_S

    def look() -> None:
        dialog = _other_window(main)
        if dialog is None or not dialog.isVisible():
            if time.monotonic() < deadline:
                QTimer.singleShot(20, look)
            return
        QTest.qWait(50)  # let it lay out and fill itself
        try:
            got.append(visible_texts(dialog))
        except Exception as exc:  # closed all the same, else exec() would never return
            errors.append(exc)
            got.append([])
        finally:
            if isinstance(dialog, QDialog):
                dialog.reject()
            else:
                dialog.close()

    QTimer.singleShot(0, look)
    trigger()
    while not got and time.monotonic() < deadline:
        QTest.qWait(20)
    assert got, "no dialog opened"
    if errors:
        raise errors[0]
    return got[0]


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """Send a key to the focused widget, as the keyboard does."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the focus"
    QTest.keyClick(target, key, modifier)


@dataclass(frozen=True, slots=True)
class Opener:
    """How to reach one screen: the tab (English title) to show, then what opens it.

    ``open`` gets the main window (on ``tab``) and returns the texts it read; ``None`` reads the
    tab itself.
    """

    name: str
    tab: str
    open: Callable[[MainWindow], list[Seen]] | None = None


def read_tab(window: MainWindow, opener: Opener) -> list[Seen]:
    """Show ``opener``'s tab and read the window, or what ``opener`` opens."""
    page = window.show_tab(opener.tab)
    assert page is not None, f"{opener.tab} is not shown to this user"
    QTest.qWait(20)
    if opener.open is None:
        return visible_texts(window)
    return opener.open(window)
