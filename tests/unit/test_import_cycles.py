"""Import cycles the house issue broke stay broken (read with grimp, which import-linter uses).

Lazy imports inside functions count too: a cycle through them still ties the modules together.
"""

from __future__ import annotations

import grimp
import pytest

BROKEN = [
    # posapp.app.main hands run_gui to the command line, which never imports the application.
    ("posapp.app", "posapp.cli"),
    # open_database migrates through migrate.py, which works on the engine and never imports db.
    ("posapp.services.platform.db", "posapp.services.platform.migrate"),
]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("posapp")


@pytest.mark.parametrize(("upper", "lower"), BROKEN)
def test_the_lower_module_never_imports_the_upper_one(
    graph: grimp.ImportGraph, upper: str, lower: str
) -> None:
    assert graph.find_shortest_chains(importer=upper, imported=lower, as_packages=True)
    assert not graph.find_shortest_chains(importer=lower, imported=upper, as_packages=True)
