"""Print every figure the reliability suites measured, whatever the capture mode (CI too)."""

from __future__ import annotations

import pytest

from tests.reliability.figures import FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List the reliability figures after the results."""
    if not FIGURES:
        return
    terminalreporter.write_sep("=", "reliability figures")
    for line in FIGURES:
        terminalreporter.write_line(line)
