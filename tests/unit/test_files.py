"""Exports are written whole or not at all, and never over a device or a folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from posapp.services.platform.files import FileTargetError, atomic_target, write_atomic


def test_write_atomic_replaces_the_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_a_failure_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "list.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_target(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["list.csv"]


@pytest.mark.skipif(not Path(os.devnull).exists(), reason="no null device")
def test_a_device_is_refused_and_left_alone() -> None:
    before = os.stat(os.devnull)
    with pytest.raises(FileTargetError, match="not a regular file"):
        write_atomic(Path(os.devnull), b"x")
    assert os.stat(os.devnull).st_rdev == before.st_rdev


def test_a_folder_or_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileTargetError, match="is a folder"):
        write_atomic(tmp_path, b"x")
    with pytest.raises(FileTargetError, match="no such folder"):
        write_atomic(tmp_path / "nope" / "a.pdf", b"x")
