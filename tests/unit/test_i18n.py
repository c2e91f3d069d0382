"""Translations (#18): catalogs load and merge; every language is complete and well formed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from posapp import i18n
from tests.i18n_tool import i18n_tool

ROOT = Path(__file__).resolve().parents[2]


PO_A = r"""
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Pay"
msgstr "Bezahlen"

msgid "{count} line"
msgid_plural "{count} lines"
msgstr[0] "{count} Position"
msgstr[1] "{count} Positionen"

msgid "Not yet"
msgstr ""
"""

PO_B = r"""
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"

msgctxt "stock"
msgid "Order"
msgstr "Bestellung"

#, fuzzy
msgid "Cancel"
msgstr "Kanzeln"
"""


@pytest.fixture
def catalogs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "a.po").write_text(PO_A, encoding="utf-8")
    (tmp_path / "de" / "b.po").write_text(PO_B, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n, "_loaded", {})
    yield tmp_path
    i18n.set_language("en")


def test_a_language_merges_its_files_and_skips_empty_and_fuzzy(catalogs: Path) -> None:
    assert i18n.set_language("de_DE.UTF-8") == "de"
    assert i18n.language() == "de"
    assert i18n._("Pay") == "Bezahlen"
    assert i18n.ngettext("{count} line", "{count} lines", 1).format(count=1) == "1 Position"
    assert i18n.ngettext("{count} line", "{count} lines", 3).format(count=3) == "3 Positionen"
    assert i18n.pgettext("stock", "Order") == "Bestellung"
    assert i18n._("Order") == "Order"  # no context: not the stock one
    assert i18n._("Not yet") == "Not yet"  # empty: English
    assert i18n._("Cancel") == "Cancel"  # fuzzy: English
    assert i18n.N_("Pay") == "Pay"


def test_a_language_posapp_does_not_ship_is_english(catalogs: Path) -> None:
    assert i18n.set_language("ja_JP") == "en"
    assert i18n._("Pay") == "Pay"
    assert i18n.language_of("de-AT") == "de"
    assert i18n.language_of("") == "en"


def test_the_checker_finds_missing_fields_and_conflicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = i18n_tool()
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "a.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Sale {number} saved."\nmsgstr "Verkauf gespeichert."\n\n'
        'msgid "Pay"\nmsgstr "Bezahlen"\n',
        encoding="utf-8",
    )
    (tmp_path / "de" / "b.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Pay"\nmsgstr "Zahlen"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(tool, "LOCALE_DIR", tmp_path)
    wanted = {
        "Pay": tool.Found("Pay", None, (("x.py", 1),)),
        "Refund": tool.Found("Refund", None, (("x.py", 2),)),
    }
    found = "\n".join(tool.problems("de", wanted))
    assert "has fields ['number'] but the translation has []" in found
    assert "translated differently in a.po and b.po" in found
    assert "not translated: 'Refund'" in found


@pytest.mark.parametrize("code", ["de", "fr", "es"])
def test_every_string_is_translated_well(code: str) -> None:
    tool = i18n_tool()
    report = tool.problems(code, tool.extract())
    assert not report, f"{len(report)} problems, e.g.:\n" + "\n".join(report[:30])
