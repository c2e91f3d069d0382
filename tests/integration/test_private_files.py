"""Issue #16, defects 3 and 15: posapp's files are its owner's alone, and backups leave no litter.

Every test runs under umask 022, the usual default, under which a file made without care is
0644 (readable by every local user) and a folder 0755.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from posapp.cli import main as cli
from posapp.services.backend import Backend
from posapp.services.platform.backup import backup, restore
from posapp.services.platform.chain_key import key_path
from posapp.services.platform.db import open_database
from posapp.services.staff import users

PW = "correct horse battery"


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    """Run under umask 022 (what most systems give a user), then put the old one back."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    """The permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


def _fresh(folder: Path) -> tuple[Path, Backend]:
    path = folder / "posapp.sqlite3"
    database = open_database(f"sqlite:///{path}")
    backend = Backend(database)
    users.add_user(backend.uow(), None, "owner", PW, "admin")
    return path, backend


def test_data_folder_database_wal_and_shm_are_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    path, backend = _fresh(folder)
    try:
        wal, shm = path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
        assert wal.exists()
        assert shm.exists()
        assert mode(folder) == 0o700
        assert {p.name: mode(p) for p in (path, wal, shm)} == {
            path.name: 0o600,
            wal.name: 0o600,
            shm.name: 0o600,
        }
    finally:
        backend.database.dispose()


def test_backup_is_one_private_file(tmp_path: Path) -> None:
    _, backend = _fresh(tmp_path / "data")
    try:
        target = tmp_path / "backups" / "monday.sqlite3"
        report = backup(backend.database, target)
        assert report.path == target
        assert mode(target) == 0o600
        assert mode(target.parent) == 0o700
        # The copy and its audit key (its chain is keyed with it), both owner-only.
        names = ["monday.sqlite3", "monday.sqlite3.audit-key"]
        assert sorted(p.name for p in target.parent.iterdir()) == names
        assert report.key == target.parent / names[1]
        assert mode(report.key) == 0o600
    finally:
        backend.database.dispose()


def test_restore_keeps_a_private_copy_and_leaves_no_litter(tmp_path: Path) -> None:
    live, backend = _fresh(tmp_path / "data")
    target = tmp_path / "monday.sqlite3"
    backup(backend.database, target)
    report = restore(backend.database, target)
    assert report.kept_copy is not None
    assert mode(report.kept_copy) == 0o600
    assert mode(live) == 0o600
    names = ["data", "monday.sqlite3", "monday.sqlite3.audit-key"]
    assert sorted(p.name for p in tmp_path.iterdir()) == names
    assert not list(tmp_path.glob("*.before-restore-*-*"))
    backend.database.dispose()


def test_restore_into_a_new_file_says_so_truthfully(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, backend = _fresh(tmp_path / "data")
    target = tmp_path / "monday.sqlite3"
    backup(backend.database, target)
    backend.database.dispose()
    capsys.readouterr()
    fresh = tmp_path / "elsewhere" / "new.sqlite3"
    assert cli.main(["--database-url", f"sqlite:///{fresh}", "restore", str(target)]) == 0
    out = capsys.readouterr().out
    assert "None" not in out
    assert out == f"Restored {fresh} from {target} (there was no database there before)\n"
    assert mode(fresh) == 0o600
    key = key_path(make_url(f"sqlite:///{fresh}"))  # the data folder's: the same machine
    assert key.read_bytes() == target.with_name("monday.sqlite3.audit-key").read_bytes()
    assert mode(key) == 0o600
    assert mode(key.parent) == 0o700
    assert not list(fresh.parent.glob("*.before-restore-*"))


def test_backup_command_leaves_no_wal_or_shm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, backend = _fresh(tmp_path / "data")
    backend.database.dispose()
    target = tmp_path / "out" / "copy.sqlite3"
    assert cli.main(["--database-url", f"sqlite:///{path}", "backup", str(target)]) == 0
    out = capsys.readouterr().out
    assert "Backed up" in out
    assert f"Its audit key is beside it, in {target}.audit-key" in out
    names = ["copy.sqlite3", "copy.sqlite3.audit-key"]
    assert sorted(p.name for p in target.parent.iterdir()) == names
    assert mode(target) == 0o600


def test_db_upgrade_tightens_an_old_data_folder_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    path, backend = _fresh(folder)
    backend.database.dispose()
    old_copy = folder / "posapp.sqlite3.before-restore-20261101T000000Z"
    old_copy.write_bytes(path.read_bytes())
    (folder / "reports").mkdir()
    report = folder / "reports" / "z.pdf"
    report.write_bytes(b"%PDF-")
    # What an older posapp left under umask 022.
    for item in (folder, folder / "reports"):
        item.chmod(0o755)
    for item in (path, old_copy, report):
        item.chmod(0o644)
    monkeypatch.setenv("POSAPP_DATA_DIR", str(folder))
    monkeypatch.delenv("POSAPP_DATABASE_URL", raising=False)
    capsys.readouterr()
    assert cli.main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"Tightened the data folder {folder}: mode 0755 -> 0700" in out
    assert str(old_copy) in out
    assert mode(folder) == 0o700
    assert mode(folder / "reports") == 0o700
    assert {mode(p) for p in (path, old_copy, report)} == {0o600}
    # A second run has nothing left to do and says nothing about it.
    assert cli.main(["db", "upgrade"]) == 0
    assert "Tightened" not in capsys.readouterr().out


def test_db_upgrade_leaves_a_shared_folder_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    path, backend = _fresh(shared)
    backend.database.dispose()
    path.chmod(0o644)
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["--database-url", f"sqlite:///{path}", "db", "upgrade"]) == 0
    assert str(path) in capsys.readouterr().out
    assert mode(path) == 0o600
    assert mode(shared) == 0o755
