"""posapp's own import-linter contract type: other packages import only a feature package's face.

Registered in pyproject.toml (``[tool.importlinter] contract_types``); ``lint-imports`` runs it
with the other contracts. Every subpackage of a container (``posapp.services``, ``posapp.ui``)
is a feature package whose ``__init__`` is its face, except the ground floors (``platform``,
``kit``: small modules imported directly, empty ``__init__``). A module outside a feature
package may import its face, never a module inside it; modules inside import each other directly,
never their own face (which imports them: that would be a cycle at import time). A new feature
package is covered as soon as it exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


@dataclass(frozen=True, slots=True)
class Breach:
    """One import of a module behind a face."""

    importer: str
    imported: str
    instead: str
    """What to import instead: the face, or a sibling module."""
    lines: tuple[int, ...]


class FacesContract(Contract):
    """Modules outside a feature package import only its face.

    Configuration options:
        containers: The packages whose subpackages are feature packages.
        ground_floors: Subpackages without a face (their modules are imported directly).
    """

    type_name = "faces"

    containers = fields.ListField(subfield=fields.ModuleField())
    ground_floors = fields.ListField(subfield=fields.ModuleField(), required=False)

    def _names(self, option: str) -> set[str]:
        return {module.name for module in getattr(self, option) or ()}

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        """Find every import of a module behind another package's face."""
        del verbose
        ground = self._names("ground_floors")
        breaches: list[Breach] = []
        for container in sorted(self._names("containers")):
            for package in sorted(graph.find_children(container) - ground):
                inside = graph.find_descendants(package)
                for importer in sorted(graph.find_modules_that_directly_import(package) & inside):
                    breaches.append(self._breach(graph, importer, package, "a sibling module"))
                for module in sorted(inside):
                    outsiders = graph.find_modules_that_directly_import(module) - inside
                    for importer in sorted(outsiders - {package}):
                        breaches.append(self._breach(graph, importer, module, package))
        return ContractCheck(kept=not breaches, metadata={"breaches": breaches})

    @staticmethod
    def _breach(graph: ImportGraph, importer: str, imported: str, instead: str) -> Breach:
        details = graph.get_import_details(importer=importer, imported=imported)
        lines = tuple(sorted(detail["line_number"] for detail in details))
        return Breach(importer, imported, instead, lines)

    def render_broken_contract(self, check: ContractCheck) -> None:
        """List each breach with what to import instead."""
        breaches: list[Breach] = check.metadata["breaches"]
        for breach in breaches:
            where = ", ".join(str(line) for line in breach.lines)
            output.print_error(
                f"- {breach.importer} -> {breach.imported} (l.{where}): "
                f"import {breach.instead} instead",
                bold=False,
            )
            output.new_line()
