"""The floor plan: no import cycle inside posapp, and few modules directly in services/ and ui/.

Plain grimp (what import-linter builds on); nothing is imported, so no Qt. Imports under
``TYPE_CHECKING`` and inside functions count: a cycle there is still two modules that cannot be
understood one without the other. The layers and the package faces are import-linter's
contracts in pyproject.toml.
"""

from __future__ import annotations

from collections.abc import Iterator

import grimp
import pytest

KNOWN_CYCLES = frozenset(
    {
        frozenset({"posapp.app", "posapp.cli.main"}),
        frozenset({"posapp.services.platform.db", "posapp.services.platform.migrate"}),
    }
)
"""Cycles that other parts of issue #15 are breaking: remove each here when it lands."""

MAX_MODULES_DIRECTLY_INSIDE = 12


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("posapp", cache_dir=None)


def _cycles(graph: grimp.ImportGraph) -> Iterator[frozenset[str]]:
    """The strongly connected components of two or more modules (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imported = work[-1]
            nxt = next(imported, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.find_modules_directly_imported_by(nxt)))))
                elif nxt in on_stack:
                    low[module] = min(low[module], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == module:
                        break
                if len(component) > 1:
                    yield frozenset(component)


def test_no_import_cycles_but_the_known_ones(graph: grimp.ImportGraph) -> None:
    cycles = set(_cycles(graph))
    new = sorted(sorted(cycle) for cycle in cycles - KNOWN_CYCLES)
    assert not new, f"import cycles: {new}"
    gone = sorted(sorted(cycle) for cycle in KNOWN_CYCLES - cycles)
    assert not gone, f"broken at last, remove from KNOWN_CYCLES: {gone}"


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in (("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "d2")):
        graph.add_import(importer=importer, imported=imported)
    assert set(_cycles(graph)) == {frozenset({"a", "b", "c"})}


@pytest.mark.parametrize("package", ["posapp.services", "posapp.ui"])
def test_few_modules_directly_inside(graph: grimp.ImportGraph, package: str) -> None:
    children = graph.find_children(package)
    assert len(children) <= MAX_MODULES_DIRECTLY_INSIDE, sorted(children)
