"""The user's locale and language, and the shop's first day of the week on screen (issue #18).

:func:`apply_user_locale` makes the logged-in user's own locale (``UserDTO.locale``), else the
shop's (``shop.locale``, the process's :func:`posapp.formats.current_formats`), Qt's default
``QLocale``: every amount, count and date the screens format through ``ui.kit.formatting`` and
Qt's own widgets follows it. With neither, the locale the app started with stays.
:func:`apply_user_language` chooses the language of the screens the same way (the user's, else
the shop's, else the machine's: ``LANG``, read once by :func:`start_language` at start-up) for
posapp's own strings (:func:`posapp.i18n.set_language`) and for Qt's (``qtbase_<lang>.qm``
shipped with PySide6: the standard buttons of dialog button boxes and message boxes, the
context menus of text fields). Screens built earlier keep their words: the main window is
rebuilt when the language changes (see ``MainWindow.language_changed``).
:func:`start_weeks` makes date pickers' calendars start weeks on the shop's first day.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtWidgets import QDateTimeEdit

from posapp.formats import current_formats
from posapp.i18n import language, set_language

_before: list[QLocale] = []  # the default before a user's or the shop's locale replaced it
_machine: list[str] = [""]  # the machine's locale, read by start_language ("": English)
_qt_translators: list[QTranslator] = []  # Qt's own translation while one is installed


def start_language() -> str:
    """At start-up: the shop's language if a database is open, else the machine's (``LANG``).

    Call it before the first window is built; return the language chosen (``"de"``…).
    """
    _machine[0] = QLocale.system().name()  # honours LANG / LC_ALL / LC_MESSAGES
    return use_language(current_formats().locale or _machine[0])


def apply_user_language(user_locale: str) -> bool:
    """Speak this user's language, else the shop's, else the machine's; True if it changed."""
    before = language()
    return use_language(user_locale or current_formats().locale or _machine[0]) != before


def use_language(locale_name: str) -> str:
    """Posapp's strings and Qt's own in the language of ``locale_name``; return its code."""
    code = set_language(locale_name)
    app = QCoreApplication.instance()
    while _qt_translators:
        old = _qt_translators.pop()
        if app is not None:
            QCoreApplication.removeTranslator(old)
    if app is not None and code != "en":
        translator = QTranslator(app)
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load(f"qtbase_{code}", folder):
            QCoreApplication.installTranslator(translator)
            _qt_translators.append(translator)
    return code


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
