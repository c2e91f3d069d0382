"""The shop's logo: checked like a product image, shrunk, audited, printed on documents."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from posapp.events import RecordingPublisher, SettingChanged
from posapp.models import AuditEntry, Setting
from posapp.reports.statement import render_statement_pdf
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import PermissionDeniedError, ValidationError
from posapp.services.shop import LOGO_SIDE
from posapp.services.staff import add_user
from tests.unit.test_statement_pdf import _statement

PW = "correct horse battery"


@pytest.fixture
def staff(backend: Backend) -> dict[str, UserDTO]:
    return {
        role: add_user(backend.uow(), None, f"{role}1", PW, role) for role in ("admin", "manager")
    }


def picture(path: Path, size: tuple[int, int] = (1200, 400), fmt: str = "PNG") -> Path:
    Image.new("RGBA" if fmt == "PNG" else "RGB", size, (37, 99, 235)).save(path, format=fmt)
    return path


def _rows(backend: Backend) -> dict[str, str]:
    with backend.read_uow() as uow:
        return {row.key: row.value for row in uow.session.scalars(select(Setting))}


def test_a_logo_is_shrunk_stored_audited_and_announced(
    backend: Backend, publisher: RecordingPublisher, staff: dict[str, UserDTO], tmp_path: Path
) -> None:
    png = backend.shop.set_logo(staff["admin"], picture(tmp_path / "logo.png"))
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (LOGO_SIDE, LOGO_SIDE // 3)
    assert backend.shop.shop_logo() == png
    assert backend.shop.shop_profile().logo == png
    assert backend.sales.shop_profile().logo == png
    with backend.read_uow() as uow:
        before, after = uow.session.execute(
            select(AuditEntry.before, AuditEntry.after).where(
                AuditEntry.action == "setting.changed"
            )
        ).one()
    assert json.loads(before or "") == {"shop.logo": None}
    assert json.loads(after or "")["shop.logo"]["width"] == LOGO_SIDE
    assert [e.key for e in publisher.events if isinstance(e, SettingChanged)] == ["shop.logo"]

    backend.shop.remove_logo(staff["admin"])
    assert backend.shop.shop_logo() == b""
    assert backend.shop.shop_profile().logo == b""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty|0 bytes"),
        (b"GIF89a" + b"\x00" * 100, "GIF"),
        (b"MZ" + b"\x00" * 100, "program"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not an image|SVG|accept"),
    ],
)
def test_a_file_that_is_not_an_accepted_image_changes_nothing(
    backend: Backend,
    publisher: RecordingPublisher,
    staff: dict[str, UserDTO],
    tmp_path: Path,
    content: bytes,
    message: str,
) -> None:
    path = tmp_path / "logo.png"
    path.write_bytes(content)
    before = _rows(backend)
    with pytest.raises(ValidationError, match=message):
        backend.shop.set_logo(staff["admin"], path)
    assert _rows(backend) == before
    assert not [e for e in publisher.events if isinstance(e, SettingChanged)]


def test_only_an_admin_sets_the_logo(
    backend: Backend, staff: dict[str, UserDTO], tmp_path: Path
) -> None:
    with pytest.raises(PermissionDeniedError):
        backend.shop.set_logo(staff["manager"], picture(tmp_path / "logo.jpg", fmt="JPEG"))
    assert backend.shop.shop_logo() == b""


def test_the_statement_prints_the_logo(
    backend: Backend, staff: dict[str, UserDTO], tmp_path: Path
) -> None:
    backend.shop.set_logo(staff["admin"], picture(tmp_path / "logo.png"))
    out = io.BytesIO()
    render_statement_pdf(_statement(2), out, shop=backend.shop.shop_profile())
    assert len(PdfReader(io.BytesIO(out.getvalue())).pages[0].images) == 1
