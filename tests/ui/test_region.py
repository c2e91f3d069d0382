"""The user's own locale on screen, the Language dialog, and calendars' first day (issue #18)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QDateEdit
from pytestqt.qtbot import QtBot

from posapp.currency import currency_for
from posapp.formats import Formats, current_formats, set_current_formats
from posapp.money import set_current_currency
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.ui.kit.formatting import money_text
from posapp.ui.kit.region import apply_user_locale, start_weeks
from posapp.ui.staff import LanguageDialog


@pytest.fixture(autouse=True)
def started_locale() -> Iterator[None]:
    """Each test ends in the locale the suite runs in."""
    before = QLocale()
    yield
    QLocale.setDefault(before)


def test_the_users_locale_wins_over_the_shops() -> None:
    set_current_currency(currency_for("EUR"))
    before = money_text(123456)  # in the suite's own locale
    set_current_formats(Formats(locale="en_GB"))
    assert apply_user_locale("de_DE") == "de_DE"
    assert money_text(123456) == "1.234,56\u00a0€"
    assert apply_user_locale("") == "en_GB"  # no own locale: the shop's
    assert money_text(123456) == "€1,234.56"
    set_current_formats(Formats())
    assert apply_user_locale("") == ""  # neither: the default from before comes back
    assert money_text(123456) == before


def test_the_language_dialog_stores_the_choice(
    qtbot: QtBot, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    cashier = staff["cashier"]
    dialog = LanguageDialog(ui_backend.staff, cashier)
    qtbot.add_widget(dialog)
    labels = [dialog.locale_combo.itemText(i) for i in range(dialog.locale_combo.count())]
    assert labels[0] == "As the shop (its locale)"
    assert not any(label.startswith("ja") for label in labels)  # only languages we ship
    dialog.locale_combo.setCurrentIndex(dialog.locale_combo.findData("fr_FR"))
    dialog.ok_button.click()
    assert dialog.saved is not None
    assert dialog.saved.locale == "fr_FR"
    assert ui_backend.staff.find_user(cashier.username).locale == "fr_FR"


@pytest.mark.parametrize(("first", "qt_day"), [(0, Qt.DayOfWeek.Monday), (6, Qt.DayOfWeek.Sunday)])
def test_calendars_start_weeks_on_the_shops_first_day(
    qtbot: QtBot, first: int, qt_day: Qt.DayOfWeek
) -> None:
    set_current_formats(Formats(first_weekday=first))
    edit = QDateEdit()
    qtbot.add_widget(edit)
    edit.setCalendarPopup(True)
    start_weeks(edit)
    assert edit.calendarWidget().firstDayOfWeek() == qt_day
    assert current_formats().first_weekday == first
