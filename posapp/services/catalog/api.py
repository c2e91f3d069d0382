"""The catalog system as one object for the Catalog tab (``backend.catalog``).

Every method opens its own unit of work from the :class:`ServiceContext`, so a worker thread may
call it: reads in read units of work (no SQLite write lock), changes in write ones. Most are use
cases declared with :func:`~posapp.services.platform.facade.reads` or
:func:`~posapp.services.platform.facade.writes`: their signatures and docstrings are their own.
"""

from __future__ import annotations

from pathlib import Path

from posapp.services.catalog import categories as catalog_categories
from posapp.services.catalog import csv_io as product_csv
from posapp.services.catalog import products as catalog
from posapp.services.catalog import public, variants
from posapp.services.catalog.csv_io import ImportOptions
from posapp.services.catalog.dto import (
    CategoryDTO,
    ExportReport,
    ImportReport,
    PreparedImage,
    ProductDTO,
)
from posapp.services.catalog.images import prepare_image, read_image_file
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.facade import Facade, reads, writes
from posapp.services.platform.progress import Cancelled, Progress, never_cancelled, no_progress


class CatalogApi(Facade):
    """Catalog use cases over one context; every call names the acting user."""

    # reads

    search = reads(catalog.search_products)
    rows = reads(catalog.product_page)
    product = reads(catalog.get_product)
    image_data = reads(catalog.image_data)

    def lookup(self, actor: UserDTO, code: str) -> ProductDTO | None:
        """The product whose barcode or SKU is exactly ``code`` (archived ones too)."""
        return catalog.lookup_product(self._context.read_uow(), actor, code, include_archived=True)

    categories = reads(catalog_categories.list_categories)
    templates = reads(variants.list_templates)
    template = reads(variants.get_template)
    template_of = reads(variants.template_of)
    labels = reads(catalog.product_labels)

    # the customers' reads (no acting user: active products, public fields only)
    public_products = reads(public.public_products)
    public_product = reads(public.public_product)
    public_categories = reads(public.public_categories)
    public_image = reads(public.public_image)

    # changes

    create_category = writes(catalog_categories.create_category)

    def rename_category(self, actor: UserDTO, category_id: int, name: str) -> CategoryDTO:
        """Rename a category."""
        return catalog_categories.update_category(
            self._context.uow(), actor, category_id, name=name
        )

    create_product = writes(catalog.create_product)
    update_product = writes(catalog.update_product)
    save_template = writes(variants.save_template)

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
