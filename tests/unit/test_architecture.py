"""The floor plan: no import cycle inside posapp, few modules directly in services/ and ui/, and no
module over 600 lines (migrations aside: they are history).

Plain grimp (what import-linter builds on); nothing is imported, so no Qt. Imports under
``TYPE_CHECKING`` and inside functions count: a cycle there is still two modules that cannot be
understood one without the other. The layers and the package faces are import-linter's
contracts in pyproject.toml.
"""

from __future__ import annotations

import graphlib
from pathlib import Path

import grimp
import pytest

MAX_MODULES_DIRECTLY_INSIDE = 12
MAX_MODULE_LINES = 600
POSAPP = Path(__file__).resolve().parents[2] / "posapp"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("posapp", cache_dir=None)


def _cycle(imports: dict[str, set[str]]) -> list[str]:
    """One import cycle among ``imports`` (module → what it imports), or [] when there is none."""
    try:
        graphlib.TopologicalSorter(imports).prepare()
    except graphlib.CycleError as error:
        return list(error.args[1])
    return []


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    assert _cycle(imports) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    imports = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert set(_cycle(imports)) == {"a", "b", "c"}


@pytest.mark.parametrize("package", ["posapp.services", "posapp.ui"])
def test_few_modules_directly_inside(graph: grimp.ImportGraph, package: str) -> None:
    children = graph.find_children(package)
    assert len(children) <= MAX_MODULES_DIRECTLY_INSIDE, sorted(children)


def test_no_module_over_600_lines() -> None:
    long = {
        str(path.relative_to(POSAPP)): lines
        for path in POSAPP.rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
