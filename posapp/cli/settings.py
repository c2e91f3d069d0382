"""``posapp settings list|get KEY|set KEY VALUE``: the shop's settings, for scripts.

A thin edge over :attr:`Backend.shop <posapp.services.backend.Backend.shop>`, wired into
:mod:`posapp.cli.main` through :func:`register_cli`. Values are typed as on the Settings page
(``25`` or ``25%`` for the discount cap, ``200.00`` for an amount, ``Europe/Berlin`` for the time
zone) and validated by the same settings registry. A value the setting refuses, or a key it does
not know, prints one ``posapp: error: …`` line on standard error and exits with status 2 (a usage
error), changing nothing. The command line acts as the trusted local admin (``actor=None``);
the change is audited and announced like one made in the app.
"""

from __future__ import annotations

import argparse
import json
import sys

from posapp.cli.kit import EXIT_OK, EXIT_USAGE, PROG, Commands, command, group, open_backend, table
from posapp.config import AppConfig


def register_cli(commands: Commands) -> None:
    """Add ``settings list``, ``settings get`` and ``settings set`` to ``posapp``'s parser."""
    settings = group(commands, "settings", "the shop's settings")
    listing = command(
        settings,
        "list",
        settings_list,
        "list every setting with its value and what it accepts",
        "List every setting: its key, current value (* when it is the default) and what it "
        "accepts; or JSON for scripts.",
    )
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    get = command(settings, "get", settings_get, "print one setting's value")
    get.add_argument("key", help="a key from `posapp settings list`")
    change = command(
        settings,
        "set",
        settings_set,
        "change one setting",
        "Change one setting. The value is checked as in the app's Settings page; a bad value "
        "changes nothing and exits with status 2.",
    )
    change.add_argument("key", help="a key from `posapp settings list`")
    change.add_argument("value", help="the new value (quote it if it has spaces)")


def _refused(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def settings_list(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp settings list [--json]``."""
    from posapp.services.shop import list_settings  # noqa: PLC0415 - loads the services

    with open_backend(config) as backend:
        found = list_settings(backend.read_uow(), None)
    if args.json:
        rows = [
            {"key": s.key, "group": s.group, "label": s.label, "value": s.value,
             "default": s.default, "is_set": s.is_set, "accepts": s.bounds}
            for s in found
        ]  # fmt: skip
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    lines = [
        (s.key, (s.value.replace("\n", " / ") or "(empty)") + ("" if s.is_set else " *"), s.bounds)
        for s in found
    ]
    print(table(("KEY", "VALUE", "ACCEPTS"), lines))
    print("\n* the default (not set in this database)")
    return EXIT_OK


def settings_get(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp settings get KEY``: the value alone, as ``settings set`` takes it."""
    from posapp.services.shop import SettingValueError, setting  # noqa: PLC0415

    with open_backend(config) as backend:
        try:
            found = setting(backend.read_uow(), None, args.key)
        except SettingValueError as exc:
            return _refused(str(exc))
    print(found.value)
    return EXIT_OK


def settings_set(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp settings set KEY VALUE``."""
    from posapp.services.shop import SettingValueError, change_setting, setting  # noqa: PLC0415

    with open_backend(config) as backend:
        try:
            before = setting(backend.read_uow(), None, args.key)
            after = change_setting(backend.uow(), None, args.key, args.value)
        except SettingValueError as exc:
            return _refused(str(exc))
    if after.value == before.value and before.is_set:
        print(f"{after.key} is already {after.value!r}: nothing changed")
    else:
        print(f"{after.key} = {after.value!r} (was {before.value!r})")
    return EXIT_OK
