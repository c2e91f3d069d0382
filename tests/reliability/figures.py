"""Figures the SQLite reliability suites measured, printed at the end of the run (see conftest)."""

from __future__ import annotations

import os

FIGURES: list[str] = []
IN_CI = os.environ.get("CI", "").lower() == "true"


def report(line: str) -> None:
    """Keep ``line`` for the terminal summary (and print it for ``-s`` runs)."""
    FIGURES.append(line)
    print(line)


def env_int(name: str, *, local: int, ci: int) -> int:
    """An integer from the environment; otherwise ``ci`` under CI=true, else ``local``."""
    value = os.environ.get(name, "").strip()
    if value:
        return int(value)
    return ci if IN_CI else local
