"""``scripts/i18n.py`` (the translation checker) loaded once for the tests that use it (#18)."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


@cache
def i18n_tool() -> ModuleType:
    """The checker script as a module (it is a script, not part of the ``posapp`` package)."""
    spec = importlib.util.spec_from_file_location("posapp_i18n_tool", ROOT / "scripts" / "i18n.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
