"""Shared helpers of the catalog tests: staff, drafts and small prepared images."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from posapp.services.backend import Backend
from posapp.services.catalog.dto import PreparedImage, ProductDraft
from posapp.services.catalog.images import prepare_image
from posapp.services.platform.dto import UserDTO
from posapp.services.staff import users

PW = "correct horse battery"


def add_staff(backend: Backend) -> dict[str, UserDTO]:
    """One user per role, by role."""
    return {
        "admin": users.add_user(backend.uow(), None, "cat-admin", PW, "admin", full_name="Ada"),
        "manager": users.add_user(
            backend.uow(), None, "cat-manager", PW, "manager", full_name="Grace Hopper"
        ),
        "cashier": users.add_user(backend.uow(), None, "cat-cashier", "4321", "cashier"),
    }


def draft(
    sku: str = "APL-1", name: str = "Gala Apples", price: int = 349, **fields: Any
) -> ProductDraft:
    """A valid draft; keyword arguments override fields."""
    values: dict[str, object] = {"sku": sku, "name": name, "price_minor": price}
    values.update(fields)
    return ProductDraft(**values)  # type: ignore[arg-type]


def image(color: str = "red", size: tuple[int, int] = (120, 80), fmt: str = "PNG") -> PreparedImage:
    """A prepared (checked, re-encoded) image."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return prepare_image(buffer.getvalue(), f"{color}.{fmt.lower()}")
