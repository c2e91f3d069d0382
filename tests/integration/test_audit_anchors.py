"""Issue #16, defect 4: Z reports carry the chain's anchor; older databases are keyed sensibly.

SQLite and PostgreSQL; the command line on SQLite.
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
import sqlalchemy as sa
from sqlalchemy import make_url

from posapp.cli import main as cli
from posapp.models import AuditEntry
from posapp.reports.till_reports import anchor_text, till_report_pdf
from posapp.services.backend import Backend
from posapp.services.platform.anchors import read_anchors
from posapp.services.platform.audit import KEYED_ACTION
from posapp.services.platform.backup import backup, restore
from posapp.services.platform.chain_key import ENV_AUDIT_KEY, anchor_path, forget_key, key_path
from posapp.services.platform.chain_verify import chain_status, verify_chain
from posapp.services.platform.db import Database, open_database
from posapp.services.platform.errors import DatabaseError
from posapp.services.sales import TillReport, tills
from posapp.services.staff import users
from tests.checkout_seed import Shop, seed_shop
from tests.integration.test_audit_chain import rehash, tamper, verify

PW = "correct horse battery"


@pytest.fixture
def shop(backend: Backend) -> Shop:
    return seed_shop(backend)


def _close(backend: Backend, shop: Shop) -> TillReport:
    tills.open_till(backend.uow(), shop.cashier, shop.store_id, 50_00)
    return tills.close_till(backend.uow(), shop.cashier, counted_minor=50_00)


def test_every_z_report_prints_and_files_the_chains_head(backend: Backend, shop: Shop) -> None:
    z = _close(backend, shop)
    with backend.read_uow() as uow:
        rows = uow.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) or 0
        before_close = uow.session.scalars(
            sa.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(2)
        ).all()[1]
    assert (z.session.chain_rows, z.session.chain_head) == (rows - 1, before_close)
    line = anchor_text(z)
    assert line == f"posapp-anchor rows={rows - 1} head={before_close}"
    text = pypdf.PdfReader(io.BytesIO(till_report_pdf(z))).pages[-1].extract_text()
    assert line in text.replace("\n", " ")
    reprint = tills.z_report(backend.read_uow(), shop.manager, z.session.id)
    assert anchor_text(reprint) == line
    filed = read_anchors(anchor_path(backend.database.url))
    assert [(a.rows, a.hash) for a in filed][-1] == (rows - 1, before_close)
    report = verify(backend, z_reports=True)
    assert report.ok, report.problem


def test_a_log_cut_before_a_z_report_is_caught(
    backend: Backend, shop: Shop, tmp_path: Path
) -> None:
    first = _close(backend, shop)
    second = _close(backend, shop)
    # Someone removes everything from the first close on, and the anchor file with it.
    anchor_path(backend.database.url).unlink()
    with backend.read_uow() as uow:
        cut = uow.session.scalar(
            sa.select(AuditEntry.id).where(
                AuditEntry.action == "till.closed", AuditEntry.object_id == first.session.id
            )
        )
    tamper(backend, f"DELETE FROM audit_log WHERE id >= {cut}")
    assert verify(backend).ok  # the chain alone cannot tell: it is a valid, shorter chain
    report = verify(backend, z_reports=True)
    assert report.problem == (
        f"till session {first.session.id} was closed but its Z row is missing from the log"
    )
    # The paper: the line printed on the second Z report, typed into a file.
    typed = tmp_path / "typed.txt"
    typed.write_text(f"# from the Z report of Monday\n{anchor_text(second)}\n")
    report = verify(backend, typed)
    assert "its newest rows were removed" in report.problem


def test_an_older_database_is_keyed_at_upgrade(backend: Backend, shop: Shop) -> None:
    users.add_user(backend.uow(), None, "extra", PW, "admin")
    # What a database of posapp before #16 looks like: SHA-256 rows, no header.
    tamper(backend, "DELETE FROM settings WHERE key = 'audit.chain'")
    rehash(backend, None)
    with backend.read_uow() as uow:
        old_rows = uow.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    assert old_rows
    anchors = anchor_path(backend.database.url)
    anchors.unlink(missing_ok=True)
    open_database(backend.database.url.render_as_string(hide_password=False)).dispose()
    report = verify(backend)
    assert report.ok, report.problem
    assert (report.legacy_rows, report.rows) == (old_rows, old_rows + 1)
    with backend.read_uow() as uow:
        last = uow.session.scalars(
            sa.select(AuditEntry.action).order_by(AuditEntry.id.desc())
        ).first()
    assert last == KEYED_ACTION
    assert [a.rows for a in read_anchors(anchors)] == [old_rows]
    assert "note=chain keyed" in anchors.read_text()
    with backend.database.engine.connect() as conn:
        status = chain_status(conn)
    assert f"({old_rows} older rows kept under the old rule)" in status
    # The old rows are fixed now: rewriting one and re-hashing by the old rule shows.
    tamper(backend, "UPDATE audit_log SET reason = 'x' WHERE id = (SELECT min(id) FROM audit_log)")
    rehash(backend, None)
    assert not verify(backend).ok


def test_a_register_with_another_key_is_refused(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def register_with(secret: str) -> None:  # a register process started with this secret
        monkeypatch.setenv(ENV_AUDIT_KEY, secret)
        forget_key(backend.database.url)

    try:
        register_with("the shop's secret, shared by every register")
        users.add_user(backend.uow(), None, "first", PW, "admin")
        register_with("a register someone set up with another secret")
        with pytest.raises(DatabaseError, match="audit key is not the one"):
            users.add_user(backend.uow(), None, "second", PW, "admin")
        register_with("too short")
        with pytest.raises(DatabaseError, match="at least 32 characters"):
            users.add_user(backend.uow(), None, "third", PW, "admin")
        register_with("the shop's secret, shared by every register")
        users.add_user(backend.uow(), None, "fourth", PW, "admin")
        report = verify(backend)
        assert report.ok, report.problem
        assert report.rows == 2
    finally:
        forget_key(backend.database.url)  # later tests on this URL use the run's key file


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
def test_cli_verify_with_anchors_and_z_reports(
    backend: Backend, shop: Shop, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ["--database-url", backend.database.url.render_as_string(hide_password=False)]
    z = _close(backend, shop)
    kept = tmp_path / "usb-stick.anchors"
    assert cli.main([*url, "audit", "anchor", "--to", str(kept)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("posapp-anchor rows=")
    assert out.endswith(f"Appended to {kept}\n")
    assert cli.main([*url, "audit", "verify", "--z-reports", "--anchor", str(kept)]) == 0
    assert capsys.readouterr().out.startswith("Audit log intact: ")
    tamper(backend, "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    assert cli.main([*url, "audit", "verify", "--anchor", str(kept)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("Audit log NOT intact: the log has ")
    assert "its newest rows were removed" in out
    tamper(backend, "DELETE FROM audit_log WHERE action = 'till.closed'")
    assert cli.main([*url, "audit", "verify", "--z-reports"]) == 1
    assert f"till session {z.session.id} was closed" in capsys.readouterr().out
    bad = tmp_path / "bad.anchors"
    bad.write_text("rows=12 head=nothex\n")
    assert cli.main([*url, "audit", "verify", "--anchor", str(bad)]) == 1
    assert "line 1: an anchor needs head=<64 hex digits>" in capsys.readouterr().err


def _verified(path: Path) -> bool:
    database = Database(f"sqlite:///{path}")
    try:
        with database.read_sessions() as session:
            report = verify_chain(session)
            return report.ok and report.rows > 0
    finally:
        database.dispose()


def test_a_backup_carries_its_key_and_a_restore_sets_the_old_one_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shops: dict[str, Path] = {}
    for name in ("theirs", "ours"):  # two machines: two data folders, two keys
        monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path / f"{name}-data"))
        path = tmp_path / name / "posapp.sqlite3"
        database = open_database(f"sqlite:///{path}")
        users.add_user(Backend(database).uow(), None, f"{name}-admin", PW, "admin")
        if name == "theirs":
            copy = backup(database, tmp_path / "theirs.sqlite3")
        database.dispose()
        shops[name] = path
    ours_key = key_path(make_url(f"sqlite:///{shops['ours']}")).read_bytes()
    assert copy.key is not None
    assert copy.key.read_bytes() != ours_key
    assert _verified(copy.path)
    live = Database(f"sqlite:///{shops['ours']}")
    restored = restore(live, copy.path)
    live.dispose()
    assert restored.kept_copy is not None
    assert restored.key is not None
    assert restored.key.read_bytes() == copy.key.read_bytes()
    set_aside = list(shops["ours"].parent.glob("posapp.sqlite3.audit-key.before-restore-*"))
    assert [p.read_bytes() for p in set_aside] == [ours_key]
    assert _verified(shops["ours"])  # their log, under their key
    assert _verified(restored.kept_copy)  # our old log, under our old key
