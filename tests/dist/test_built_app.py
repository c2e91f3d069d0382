"""`make dist` builds an app that runs on its own (#18): the command line and the login window.

Slow (the build takes minutes): CI runs it in its slow phase. The built executable is started
as a shop would start it, outside the project's virtual environment, on a fresh data folder.
"""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app folder ``make dist`` builds (in a temporary folder, not the checkout's dist/)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        ["make", "-C", str(ROOT), "dist", f"DIST_DIR={out}", f"DIST_WORK={out / 'work'}"],
        check=True,
        timeout=2000,
    )
    app = out / "posapp"
    for name in ("posapp", "posapp.desktop", "posapp.svg", "install.sh"):
        assert (app / name).is_file(), name
    return app


def _env(tmp_path: Path) -> dict[str, str]:
    """A shop's environment: no virtual environment, no source checkout on the path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "POSAPP_DATABASE_URL")
    }
    env["PATH"] = "/usr/bin:/bin"
    env["POSAPP_DATA_DIR"] = str(tmp_path / "data")
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def test_the_built_app_answers_help(built: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(built / "posapp"), "--help"],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: posapp")


def test_the_built_app_opens_its_login_window_on_a_fresh_data_folder(
    built: Path, tmp_path: Path
) -> None:
    env = _env(tmp_path) | {"POSAPP_QUIT_WHEN_READY": "1"}
    done = subprocess.run(
        [str(built / "posapp")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "posapp: ready: login window shown, database open" in done.stdout
    assert (tmp_path / "data" / "posapp.sqlite3").is_file()


def test_the_built_app_writes_a_pdf(built: Path, tmp_path: Path) -> None:
    """Reportlab's fonts and barcodes and the migrations travel with the app."""
    env = _env(tmp_path)
    today = datetime.now(UTC).date()
    year = [f"{today.year - 1}-01-01", f"{today.year + 1}-12-31"]
    sales = ["report", "sales", "--from", year[0], "--to", year[1]]
    for args in (["demo"], [*sales, "--out", str(tmp_path / "sales.pdf")]):
        done = subprocess.run(
            [str(built / "posapp"), *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "sales.pdf").read_bytes().startswith(b"%PDF")
