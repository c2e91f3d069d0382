"""posapp's words in the user's language: gettext through Babel for UI, services and PDFs (#18).

One system everywhere: a user-visible string is written in English inside ``_()`` (or ``N_()``
where it must stay English until shown, such as a module-level table of labels), and
:func:`set_language` chooses the catalog every later ``_()`` reads. Services and reports are
Qt-free, so the screens, the messages services raise and the PDFs all translate the same way.

The catalogs are the ``.po`` files under ``posapp/locale/<language>/`` (several per language,
one per part of the app, so that people translating different parts never edit one file). They
are read with Babel when a language is first chosen and compiled in memory: no compiled ``.mo``
file is committed or built. ``scripts/i18n.py`` lists what is not translated yet.

Rules for a string:

* Whole sentences with named fields: ``_("Sale {number} saved.").format(number=n)`` — never an
  f-string inside ``_()`` (it cannot be looked up) and never a sentence glued from pieces.
* Counts through :func:`ngettext`: ``ngettext("{n} line", "{n} lines", n).format(n=n)``.
* The same English word meaning two things: :func:`pgettext` with a context.
* Product names, customer names, codes and anything a user typed are data: never translated.
"""

from __future__ import annotations

import gettext
import io
import threading
from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = [
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "_",
    "catalog_files",
    "language",
    "language_of",
    "ngettext",
    "pgettext",
    "set_language",
    "translations",
]

LANGUAGES: Final = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}
"""The languages posapp ships, each by its own name (English is the source: no catalog)."""

SOURCE_LANGUAGE: Final = "en"

LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
"""Where the ``.po`` files are: ``LOCALE_DIR / "de" / "register.po"`` and the like."""

_lock = threading.Lock()
_loaded: dict[str, gettext.NullTranslations] = {}
_current: list[tuple[str, gettext.NullTranslations]] = [
    (SOURCE_LANGUAGE, gettext.NullTranslations())
]


def _(message: str) -> str:
    """``message`` (English) in the current language."""
    return _current[0][1].gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it now (``_()`` it where shown)."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of ``singular``/``plural`` for ``count`` in the current language."""
    return _current[0][1].ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language where the same English means something else elsewhere."""
    return _current[0][1].pgettext(context, message)


def language() -> str:
    """The language ``_()`` translates into now (``"en"``, ``"de"``, ``"fr"`` or ``"es"``)."""
    return _current[0][0]


def language_of(locale_name: str) -> str:
    """The shipped language of a locale (``de_DE`` → ``de``, ``de-AT`` → ``de``); else ``"en"``."""
    code = locale_name.strip().replace("-", "_").split("_")[0].split(".")[0].lower()
    return code if code in LANGUAGES else SOURCE_LANGUAGE


def catalog_files(code: str) -> list[Path]:
    """The ``.po`` files of language ``code``, in the order they are merged (by name)."""
    return sorted((LOCALE_DIR / code).glob("*.po"))


def _compile(code: str) -> gettext.NullTranslations:
    merged = Catalog(locale=code, domain="posapp")
    for path in catalog_files(code):
        with path.open("rb") as handle:
            part = read_po(handle, locale=code)
        for message in part:
            if message.id and message.string and not message.fuzzy:
                merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translations(code: str) -> gettext.NullTranslations:
    """The catalog of language ``code`` (read and compiled once; English: none)."""
    code = language_of(code)
    if code == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    with _lock:
        found = _loaded.get(code)
        if found is None:
            found = _loaded[code] = _compile(code)
        return found


def set_language(locale_name: str) -> str:
    """Translate into the language of ``locale_name`` from now on; return the language chosen.

    A locale posapp has no translation for (``ja_JP``) means English.
    """
    code = language_of(locale_name)
    _current[0] = (code, translations(code))
    return code
