"""The catalog services bound to a backend: what the Catalog tab calls.

It implements ``posapp.ui.catalog.port.CatalogPort`` structurally (services never import the
UI). The composition root exposes it as ``backend.catalog``; the UI never imports this module
(it brings SQLAlchemy in). Every method opens its own unit of work, so a worker thread may call
it: reads in read units of work (no SQLite write lock), changes in write ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from posapp.services.catalog import categories as catalog_categories
from posapp.services.catalog import csv_io as product_csv
from posapp.services.catalog import products as catalog
from posapp.services.catalog.csv_io import Cancelled, ImportOptions, Progress
from posapp.services.catalog.dto import (
    CategoryDTO,
    ExportReport,
    ImportReport,
    LabelDTO,
    PreparedImage,
    ProductDraft,
    ProductDTO,
    ProductRow,
    SearchResult,
)
from posapp.services.catalog.images import prepare_image, read_image_file
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.uow import UnitOfWork


class UowSource(Protocol):
    """Something that makes units of work (``posapp.services.backend.Backend``)."""

    def uow(self) -> UnitOfWork:
        """A unit of work that writes."""
        ...

    def read_uow(self) -> UnitOfWork:
        """A unit of work that only reads."""
        ...


def _ignore(done: int, total: int) -> None:
    """Drop progress."""


def _never() -> bool:
    return False


class CatalogApi:
    """Catalog use cases over one backend; every call names the acting user."""

    def __init__(self, backend: UowSource) -> None:
        self._backend = backend

    # reads

    def search(
        self, actor: UserDTO, text: str, *, include_archived: bool = False, limit: int | None = None
    ) -> SearchResult:
        """Ordered ids; see :func:`posapp.services.catalog.products.search_products`."""
        return catalog.search_products(
            self._backend.read_uow(), actor, text, include_archived=include_archived, limit=limit
        )

    def rows(self, actor: UserDTO, ids: Sequence[int]) -> list[ProductRow]:
        """One page of table rows, in the order of ``ids``."""
        return catalog.product_page(self._backend.read_uow(), actor, ids)

    def product(self, actor: UserDTO, product_id: int) -> ProductDTO:
        """One product with its image thumbnails."""
        return catalog.get_product(self._backend.read_uow(), actor, product_id)

    def image_data(self, actor: UserDTO, image_id: int) -> bytes:
        """The stored bytes of one image."""
        return catalog.image_data(self._backend.read_uow(), actor, image_id)

    def lookup(self, actor: UserDTO, code: str) -> ProductDTO | None:
        """The product whose barcode or SKU is exactly ``code`` (archived ones too)."""
        return catalog.lookup_product(self._backend.read_uow(), actor, code, include_archived=True)

    def categories(self, actor: UserDTO) -> list[CategoryDTO]:
        """The category tree, depth-first."""
        return catalog_categories.list_categories(self._backend.read_uow(), actor)

    def labels(self, actor: UserDTO, ids: Sequence[int]) -> list[LabelDTO]:
        """What the barcode labels of ``ids`` show."""
        return catalog.product_labels(self._backend.read_uow(), actor, ids)

    # changes

    def create_category(self, actor: UserDTO, name: str, parent_id: int | None) -> CategoryDTO:
        """Add a category."""
        return catalog_categories.create_category(self._backend.uow(), actor, name, parent_id)

    def rename_category(self, actor: UserDTO, category_id: int, name: str) -> CategoryDTO:
        """Rename a category."""
        return catalog_categories.update_category(
            self._backend.uow(), actor, category_id, name=name
        )

    def create_product(
        self, actor: UserDTO, draft: ProductDraft, images: Sequence[PreparedImage] = ()
    ) -> ProductDTO:
        """Add a product with images."""
        return catalog.create_product(self._backend.uow(), actor, draft, images)

    def update_product(
        self,
        actor: UserDTO,
        product_id: int,
        draft: ProductDraft,
        *,
        expected_version: int,
        images: Sequence[int | PreparedImage] | None = None,
    ) -> ProductDTO:
        """Save an edited product (ConflictError if someone saved it first)."""
        return catalog.update_product(
            self._backend.uow(),
            actor,
            product_id,
            draft,
            expected_version=expected_version,
            images=images,
        )

    def set_archived(
        self, actor: UserDTO, product_id: int, archived: bool, *, expected_version: int | None
    ) -> ProductDTO:
        """Archive or restore a product."""
        action = catalog.archive_product if archived else catalog.restore_product
        return action(self._backend.uow(), actor, product_id, expected_version=expected_version)

    # files

    def prepare_image(self, path: str) -> PreparedImage:
        """Read, check and re-encode an image file (no database; may take a second)."""
        return prepare_image(read_image_file(path), path)

    def import_csv(
        self,
        actor: UserDTO,
        path: str,
        options: ImportOptions | None = None,
        progress: Progress = _ignore,
        cancelled: Cancelled = _never,
    ) -> ImportReport:
        """Import products from a CSV file, all or nothing."""
        return product_csv.import_file(
            self._backend.uow(),
            actor,
            Path(path),
            options=options,
            progress=progress,
            cancelled=cancelled,
        )

    def export_csv(
        self,
        actor: UserDTO,
        path: str,
        progress: Progress = _ignore,
        cancelled: Cancelled = _never,
    ) -> ExportReport:
        """Export every product to a CSV file."""
        return product_csv.export_products(
            self._backend.read_uow(), actor, path, progress=progress, cancelled=cancelled
        )
