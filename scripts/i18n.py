"""What is translated and what is not: posapp's strings against its .po files (#18).

    python scripts/i18n.py check                      # every language complete and well formed
    python scripts/i18n.py missing de posapp/ui/catalog
    python scripts/i18n.py stub de posapp/locale/de/catalog.po posapp/ui/catalog

``missing`` lists the strings under the given paths that language ``de`` does not translate yet;
``stub`` appends them to a ``.po`` file with an empty ``msgstr`` (and where each is used) for a
translator to fill in. ``check`` exits 1 when a language misses a string, a translation loses or
adds a ``{field}``, two files translate one string differently, or a file is not valid.
The strings are found as Babel finds them: the English inside ``_()``, ``N_()``,
``ngettext()`` and ``pgettext()`` in ``posapp/``.
"""

from __future__ import annotations

import re
import string
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "posapp"
LOCALE_DIR = PACKAGE / "locale"
LANGUAGES = ("de", "fr", "es")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
_FIELD = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True, slots=True)
class Found:
    """One translatable string and where it is used."""

    msgid: str | tuple[str, str]
    context: str | None
    places: tuple[tuple[str, int], ...] = field(default=())

    @property
    def key(self) -> str:
        """The catalog's lookup key: the singular, after its context when it has one."""
        return _key(self.msgid, self.context)


def extract(paths: Iterable[Path] = (PACKAGE,)) -> dict[str, Found]:
    """Every translatable string under ``paths`` (folders or files), by its lookup key."""
    found: dict[str, Found] = {}
    for given in paths:
        path = given.resolve()
        folder = path if path.is_dir() else path.parent
        for name, line, message, _comments, context in extract_from_dir(
            str(folder),
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            strip_comment_tags=True,
        ):
            where = (folder / name).resolve()
            if path.is_file() and where != path:
                continue
            if "migrations" in where.parts:
                continue
            plural = isinstance(message, tuple)
            if plural and (None in message or len(message) != len(KEYWORDS["ngettext"])):
                continue  # a call the extractor could not read whole (not a literal)
            if not message:
                continue
            item = Found(message, context, ((str(where.relative_to(ROOT)), line),))
            before = found.get(item.key)
            if before is not None:
                item = Found(message, context, before.places + item.places)
            found[item.key] = item
    return found


def _key(message_id: str | tuple[str, ...], context: str | None) -> str:
    singular = message_id[0] if isinstance(message_id, (tuple, list)) else message_id
    return f"{context}\x04{singular}" if context else singular


def read_language(code: str) -> Iterator[tuple[Path, Catalog]]:
    """Each ``.po`` file of ``code`` with its catalog."""
    for path in sorted((LOCALE_DIR / code).glob("*.po")):
        with path.open("rb") as handle:
            yield path, read_po(handle, locale=code)


def translated(code: str) -> dict[str, tuple[Path, str | tuple[str, ...]]]:
    """What language ``code`` translates: key → (file, translation), non-empty only."""
    done: dict[str, tuple[Path, str | tuple[str, ...]]] = {}
    for path, catalog in read_language(code):
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            text = message.string
            filled = all(text) if isinstance(text, (tuple, list)) else bool(text)
            if filled:
                done[_key(message.id, message.context)] = (
                    path,
                    tuple(text) if isinstance(text, list) else text,
                )
    return done


def fields(text: str) -> set[str]:
    """The ``{field}`` names of a format string (``{{`` escapes left out)."""
    names = set()
    for _literal, name, _spec, _conversion in string.Formatter().parse(text):
        if name is not None:
            names.add(name)
    return names


def problems(code: str, wanted: dict[str, Found]) -> list[str]:
    """Why language ``code`` is not complete and well formed (empty: it is)."""
    found: list[str] = []
    seen: dict[str, tuple[Path, object]] = {}
    forms = Catalog(locale=code)  # the plural forms posapp.i18n compiles with (not a header's)
    for path, catalog in read_language(code):
        for message in catalog:
            if not message.id or message.fuzzy or not message.string:
                continue
            key = _key(message.id, message.context)
            text = (
                tuple(message.string)
                if isinstance(message.string, list | tuple)
                else message.string
            )
            before = seen.get(key)
            if before is not None and before[1] != text:
                found.append(
                    f"{code}: {message.id!r} is translated differently in "
                    f"{before[0].name} and {path.name}"
                )
            seen[key] = (path, text)
            sources = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
            targets = text if isinstance(text, tuple) else (text,)
            if isinstance(message.id, (tuple, list)) and len(targets) != forms.num_plurals:
                found.append(
                    f"{code}: {path.name}: {message.id[0]!r} has {len(targets)} plural forms; "
                    f"{code} has {forms.num_plurals} ({forms.plural_forms})"
                )
            want = set().union(*(fields(s) for s in sources))
            for target in targets:
                try:
                    have = fields(target)
                except ValueError:
                    found.append(
                        f"{code}: {path.name}: {message.id!r}: broken braces in {target!r}"
                    )
                    continue
                if have != want:
                    found.append(
                        f"{code}: {path.name}: {message.id!r} has fields {sorted(want)} "
                        f"but the translation has {sorted(have)}"
                    )
    for key, item in sorted(wanted.items()):
        if key not in seen:
            where = ", ".join(f"{file}:{line}" for file, line in item.places[:2])
            found.append(f"{code}: not translated: {item.msgid!r} ({where})")
    return found


def stub(code: str, out: Path, paths: list[Path]) -> int:
    """Append what ``code`` misses under ``paths`` to ``out``; return how many."""
    done = translated(code)
    catalog = Catalog(locale=code, domain="posapp", project="posapp")
    if out.exists():
        with out.open("rb") as handle:
            catalog = read_po(handle, locale=code)
    present = {_key(m.id, m.context) for m in catalog if m.id}
    added = 0
    for key, item in sorted(extract(paths).items(), key=lambda pair: pair[1].places[0]):
        if key in done or key in present:
            continue
        catalog.add(
            item.msgid,
            string=("", "") if isinstance(item.msgid, tuple) else "",
            locations=item.places,
            context=item.context,
        )
        added += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=False)
    return added


def main(argv: list[str]) -> int:
    """Run ``check``, ``missing`` or ``stub`` (see the module's text); return the exit code."""
    if not argv or argv[0] not in {"check", "missing", "stub"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "check":
        wanted = extract()
        report = [line for code in LANGUAGES for line in problems(code, wanted)]
        for line in report:
            print(line)
        print(f"{len(wanted)} strings; {len(report)} problems")
        return 1 if report else 0
    if command == "missing":
        code, paths = rest[0], [Path(p) for p in rest[1:]] or [PACKAGE]
        done = translated(code)
        missing = [item for key, item in extract(paths).items() if key not in done]
        for item in missing:
            file, line = item.places[0]
            print(f"{file}:{line}: {item.msgid!r}")
        print(f"{len(missing)} not translated into {code}")
        return 0
    code, out, paths = rest[0], Path(rest[1]), [Path(p) for p in rest[2:]]
    print(f"{stub(code, out, paths)} strings added to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
