"""Categories: a tree of names (``Food > Fruit``) that products belong to.

Sibling names are unique ignoring case; a category cannot become its own ancestor; the tree is
at most ``MAX_DEPTH`` levels deep. Categories are deactivated, never deleted.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import select

from posapp.i18n import _
from posapp.models import Category
from posapp.services.catalog.dto import CategoryDTO
from posapp.services.catalog.rules import clean_category_name, path_key
from posapp.services.catalog.search import category_tree
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, NotFoundError, ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import Permission, authorize, requires

__all__ = [
    "MAX_DEPTH",
    "create_category",
    "find_category_by_path",
    "list_categories",
    "path_key",
    "paths_by_key",
    "update_category",
]

MAX_DEPTH: Final = 8


@requires(Permission.VIEW_CATALOG)
def list_categories(uow: UnitOfWork, actor: UserDTO) -> list[CategoryDTO]:
    """Every category, depth-first by name, with its path."""
    with uow:
        authorize(uow, actor, Permission.VIEW_CATALOG)
        return category_tree(uow.session)


def _parent_chain(uow: UnitOfWork, parent_id: int | None) -> list[int]:
    """Ids from ``parent_id`` up to the root (raises when it does not exist)."""
    chain: list[int] = []
    current = parent_id
    while current is not None:
        if current in chain:
            break
        row = uow.session.get(Category, current)
        if row is None:
            raise NotFoundError(_("No category with id {current}.").format(current=current))
        chain.append(current)
        current = row.parent_id
    return chain


def _check_sibling(uow: UnitOfWork, name: str, parent_id: int | None, own_id: int | None) -> None:
    query = select(Category.id, Category.name).where(
        Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    )
    for other_id, other_name in uow.session.execute(query):
        if other_id != own_id and other_name.casefold() == name.casefold():
            raise ConflictError(
                _("There is already a category {other_name!r} here.").format(other_name=other_name)
            )


def _dto(uow: UnitOfWork, category_id: int) -> CategoryDTO:
    for category in category_tree(uow.session):
        if category.id == category_id:
            return category
    raise NotFoundError(
        _("No category with id {category_id}.").format(category_id=category_id)
    )  # pragma: no cover - just added


@requires(Permission.MANAGE_PRODUCTS)
def create_category(
    uow: UnitOfWork, actor: UserDTO, name: str, parent_id: int | None = None
) -> CategoryDTO:
    """Add a category under ``parent_id`` (None: at the top).

    Raises:
        ValidationError: a bad name, or the tree would be too deep.
        ConflictError: a sibling has the same name (ignoring case).
        NotFoundError: the parent does not exist.
    """
    clean = clean_category_name(name)
    with uow:
        authorize(uow, actor, Permission.MANAGE_PRODUCTS)
        if len(_parent_chain(uow, parent_id)) >= MAX_DEPTH:
            raise ValidationError(
                _("Categories nest at most {max_depth} levels deep.").format(max_depth=MAX_DEPTH)
            )
        _check_sibling(uow, clean, parent_id, None)
        category = Category(name=clean, parent_id=parent_id, active=True)
        uow.session.add(category)
        uow.flush()
        uow.audit(
            AuditRecord(
                "category.create",
                actor.id,
                "category",
                category.id,
                None,
                {"name": clean, "parent_id": parent_id},
            )
        )
        dto = _dto(uow, category.id)
        uow.commit()
    return dto


@requires(Permission.MANAGE_PRODUCTS)
def update_category(
    uow: UnitOfWork,
    actor: UserDTO,
    category_id: int,
    *,
    name: str | None = None,
    parent_id: int | None = None,
    move: bool = False,
    active: bool | None = None,
) -> CategoryDTO:
    """Rename a category, move it (``move=True`` with the new ``parent_id``) or (de)activate it.

    Raises:
        ValidationError: a bad name, a move under itself or too deep.
        ConflictError: a sibling has the same name.
        NotFoundError: the category or the new parent does not exist.
    """
    clean = None if name is None else clean_category_name(name)
    with uow:
        authorize(uow, actor, Permission.MANAGE_PRODUCTS)
        category = uow.session.get(Category, category_id)
        if category is None:
            raise NotFoundError(
                _("No category with id {category_id}.").format(category_id=category_id)
            )
        before = {"name": category.name, "parent_id": category.parent_id, "active": category.active}
        new_parent = parent_id if move else category.parent_id
        if move:
            chain = _parent_chain(uow, new_parent)
            if category_id in chain:
                raise ValidationError(_("A category cannot be moved under itself or its children."))
            if len(chain) >= MAX_DEPTH:
                raise ValidationError(
                    _("Categories nest at most {max_depth} levels deep.").format(
                        max_depth=MAX_DEPTH
                    )
                )
        _check_sibling(uow, clean or category.name, new_parent, category_id)
        category.name = clean or category.name
        category.parent_id = new_parent
        if active is not None:
            category.active = active
        uow.flush()
        after = {"name": category.name, "parent_id": category.parent_id, "active": category.active}
        uow.audit(AuditRecord("category.edit", actor.id, "category", category_id, before, after))
        dto = _dto(uow, category_id)
        uow.commit()
    return dto


def find_category_by_path(paths: dict[str, int], path: str) -> int | None:
    """Look a typed path (``food > fruit``, any case and spacing) up in ``{path_key: id}``."""
    return paths.get(path_key(path))


def paths_by_key(categories: list[CategoryDTO]) -> dict[str, int]:
    """``{path_key: id}`` for :func:`find_category_by_path`."""
    return {path_key(category.path): category.id for category in categories}
