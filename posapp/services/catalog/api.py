"""The catalog system as one object for the Catalog tab (``backend.catalog``).

Every method opens its own unit of work from the :class:`ServiceContext`, so a worker thread may
call it: reads in read units of work (no SQLite write lock), changes in write ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from posapp.services.catalog import categories as catalog_categories
from posapp.services.catalog import csv_io as product_csv
from posapp.services.catalog import products as catalog
from posapp.services.catalog.csv_io import ImportOptions
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
from posapp.services.platform.progress import Cancelled, Progress, never_cancelled, no_progress

if TYPE_CHECKING:
    from posapp.services.platform.context import ServiceContext


class CatalogApi:
    """Catalog use cases over one context; every call names the acting user."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    # reads

    def search(
        self, actor: UserDTO, text: str, *, include_archived: bool = False, limit: int | None = None
    ) -> SearchResult:
        """Ordered ids; see :func:`posapp.services.catalog.products.search_products`."""
        return catalog.search_products(
            self._context.read_uow(), actor, text, include_archived=include_archived, limit=limit
        )

    def rows(self, actor: UserDTO, ids: Sequence[int]) -> list[ProductRow]:
        """One page of table rows, in the order of ``ids``."""
        return catalog.product_page(self._context.read_uow(), actor, ids)

    def product(self, actor: UserDTO, product_id: int) -> ProductDTO:
        """One product with its image thumbnails."""
        return catalog.get_product(self._context.read_uow(), actor, product_id)

    def image_data(self, actor: UserDTO, image_id: int) -> bytes:
        """The stored bytes of one image."""
        return catalog.image_data(self._context.read_uow(), actor, image_id)

    def lookup(self, actor: UserDTO, code: str) -> ProductDTO | None:
        """The product whose barcode or SKU is exactly ``code`` (archived ones too)."""
        return catalog.lookup_product(self._context.read_uow(), actor, code, include_archived=True)

    def categories(self, actor: UserDTO) -> list[CategoryDTO]:
        """The category tree, depth-first."""
        return catalog_categories.list_categories(self._context.read_uow(), actor)

    def labels(self, actor: UserDTO, ids: Sequence[int]) -> list[LabelDTO]:
        """What the barcode labels of ``ids`` show."""
        return catalog.product_labels(self._context.read_uow(), actor, ids)

    # changes

    def create_category(self, actor: UserDTO, name: str, parent_id: int | None) -> CategoryDTO:
        """Add a category."""
        return catalog_categories.create_category(self._context.uow(), actor, name, parent_id)

    def rename_category(self, actor: UserDTO, category_id: int, name: str) -> CategoryDTO:
        """Rename a category."""
        return catalog_categories.update_category(
            self._context.uow(), actor, category_id, name=name
        )

    def create_product(
        self, actor: UserDTO, draft: ProductDraft, images: Sequence[PreparedImage] = ()
    ) -> ProductDTO:
        """Add a product with images."""
        return catalog.create_product(self._context.uow(), actor, draft, images)

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
            self._context.uow(),
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
        return action(self._context.uow(), actor, product_id, expected_version=expected_version)

    # files

    def prepare_image(self, path: str) -> PreparedImage:
        """Read, check and re-encode an image file (no database; may take a second)."""
        return prepare_image(read_image_file(path), path)

    def import_csv(
        self,
        actor: UserDTO,
        path: str,
        options: ImportOptions | None = None,
        progress: Progress = no_progress,
        cancelled: Cancelled = never_cancelled,
    ) -> ImportReport:
        """Import products from a CSV file, all or nothing."""
        return product_csv.import_file(
            self._context.uow(),
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
        progress: Progress = no_progress,
        cancelled: Cancelled = never_cancelled,
    ) -> ExportReport:
        """Export every product to a CSV file."""
        return product_csv.export_products(
            self._context.read_uow(), actor, path, progress=progress, cancelled=cancelled
        )
