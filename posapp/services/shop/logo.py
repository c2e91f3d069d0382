"""The shop's logo: checked like a product image, made small, stored as a setting.

A file goes through the catalog's image rules (:func:`posapp.services.catalog.prepare_image`:
type from the content, size and pixel limits, re-encoded without metadata), is scaled to at most
``LOGO_SIDE`` pixels on its long side and stored as PNG (transparency kept) in the ``shop.logo``
setting, base64 in JSON. Setting or removing it is audited (its size and fingerprint before and
after, never the picture) and announced with :class:`~posapp.events.SettingChanged`. Documents
read it with the rest of the profile (:func:`posapp.services.platform.registry.shop_profile`).
"""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path
from typing import Final

from PIL import Image

from posapp.services.catalog import prepare_image, read_image_file
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.registry import LOGO_KEY, logo_bytes
from posapp.services.platform.settings import get_setting, put_setting
from posapp.services.platform.uow import UnitOfWork
from posapp.services.shop.settings_admin import record_change
from posapp.services.staff import Permission, authorize

LOGO_SIDE: Final = 600
"""The stored logo's long side at most, in pixels (about 50 mm at 300 dpi)."""


def _summary(raw: object) -> dict[str, object] | None:
    """What the audit keeps of a stored logo: its size and fingerprint."""
    data = logo_bytes(raw)
    if not data:
        return None
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
    return {"width": width, "height": height, "sha256": hashlib.sha256(data).hexdigest()}


def prepare_logo(path: str | Path) -> bytes:
    """Read, check and shrink the image at ``path``; return the PNG to store (no database).

    Raises:
        ImageRejectedError: not an image posapp accepts; the message says why.
    """
    prepared = prepare_image(read_image_file(path), str(path))
    with Image.open(io.BytesIO(prepared.data)) as image:
        image.load()
        picture = image.convert("RGBA") if image.mode in {"P", "LA", "RGBA"} else image
        picture.thumbnail((LOGO_SIDE, LOGO_SIDE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _store(uow: UnitOfWork, actor: UserDTO | None, png: bytes | None) -> None:
    with uow:
        username = (
            "" if actor is None else authorize(uow, actor, Permission.MANAGE_SETTINGS).username
        )
        before = get_setting(uow, LOGO_KEY, None)
        value = None if png is None else {"png": base64.b64encode(png).decode("ascii")}
        if before == value:
            return
        put_setting(uow, LOGO_KEY, value)
        record_change(uow, actor, username, LOGO_KEY, (_summary(before), _summary(value)))
        uow.commit()


def set_logo(uow: UnitOfWork, actor: UserDTO | None, path: str | Path) -> bytes:
    """Make the image at ``path`` the shop's logo; return the PNG stored.

    The file is checked before anything is written (so a refused file changes nothing).

    Raises:
        ImageRejectedError: not an image posapp accepts.
        PermissionDeniedError: the actor may not manage the settings.
    """
    png = prepare_logo(path)
    _store(uow, actor, png)
    return png


def remove_logo(uow: UnitOfWork, actor: UserDTO | None) -> None:
    """Print documents without a logo.

    Raises:
        PermissionDeniedError: the actor may not manage the settings.
    """
    _store(uow, actor, None)


def shop_logo(uow: UnitOfWork) -> bytes:
    """The stored logo as PNG bytes, or ``b""`` when there is none."""
    with uow:
        return logo_bytes(get_setting(uow, LOGO_KEY, None))
