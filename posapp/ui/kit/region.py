"""The user's locale and the shop's first day of the week on screen (issue #18).

:func:`apply_user_locale` makes the logged-in user's own locale (``UserDTO.locale``), else the
shop's (``shop.locale``, the process's :func:`posapp.formats.current_formats`), Qt's default
``QLocale``: every amount, count and date the screens format through ``ui.kit.formatting`` and
Qt's own widgets follows it. With neither, the locale the app started with stays.
:func:`start_weeks` makes date pickers' calendars start weeks on the shop's first day.
"""

from __future__ import annotations

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QDateTimeEdit

from posapp.formats import current_formats

_before: list[QLocale] = []  # the default before a user's or the shop's locale replaced it


def apply_user_locale(user_locale: str) -> str:
    """Format this user's screens in their locale, else the shop's; return the one in force.

    With neither, the default the app had before either was applied comes back (and a default
    nobody here changed is left alone).
    """
    name = user_locale or current_formats().locale
    if name:
        if not _before:
            _before.append(QLocale())
        QLocale.setDefault(QLocale(name))
    elif _before:
        QLocale.setDefault(_before.pop())
    return name


def first_day_of_week() -> Qt.DayOfWeek:
    """The shop's first day of the week as Qt counts days (Monday is 1)."""
    return Qt.DayOfWeek(current_formats().first_weekday + 1)


def start_weeks(*edits: QDateTimeEdit) -> None:
    """Make the pop-up calendars of ``edits`` start their weeks on the shop's first day."""
    for edit in edits:
        if edit.calendarPopup():
            edit.calendarWidget().setFirstDayOfWeek(first_day_of_week())
