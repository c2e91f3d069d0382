"""What the Catalog tab needs from the services, as a protocol (the UI never imports SQLAlchemy).

``posapp.services.catalog.api.CatalogApi`` implements it. The UI never imports that module (it
brings SQLAlchemy in); it receives it from the backend as ``backend.catalog``, wired by the
composition root like ``backend.stock``. Tests may pass a fake.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, cast

from posapp.services.catalog.dto import (
    CategoryDTO,
    ExportReport,
    ImportOptions,
    ImportReport,
    LabelDTO,
    PreparedImage,
    ProductDraft,
    ProductDTO,
    ProductRow,
    SearchResult,
)
from posapp.services.platform.dto import UserDTO

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class CatalogPort(Protocol):
    """Catalog use cases for one register; every call names the acting user.

    Every method may be called from a worker thread (each opens its own unit of work).
    """

    def search(
        self, actor: UserDTO, text: str, *, include_archived: bool = False, limit: int | None = None
    ) -> SearchResult:
        """Ordered ids: every product by name for empty text, else the matches."""
        ...

    def rows(self, actor: UserDTO, ids: Sequence[int]) -> list[ProductRow]:
        """One page of table rows, in the order of ``ids``."""
        ...

    def product(self, actor: UserDTO, product_id: int) -> ProductDTO:
        """One product with its image thumbnails."""
        ...

    def image_data(self, actor: UserDTO, image_id: int) -> bytes:
        """The stored bytes of one image."""
        ...

    def lookup(self, actor: UserDTO, code: str) -> ProductDTO | None:
        """The product whose barcode or SKU is exactly ``code``."""
        ...

    def categories(self, actor: UserDTO) -> list[CategoryDTO]:
        """The category tree, depth-first."""
        ...

    def labels(self, actor: UserDTO, ids: Sequence[int]) -> list[LabelDTO]:
        """What the barcode labels of ``ids`` show."""
        ...

    def create_category(self, actor: UserDTO, name: str, parent_id: int | None) -> CategoryDTO:
        """Add a category."""
        ...

    def rename_category(self, actor: UserDTO, category_id: int, name: str) -> CategoryDTO:
        """Rename a category."""
        ...

    def create_product(
        self, actor: UserDTO, draft: ProductDraft, images: Sequence[PreparedImage] = ()
    ) -> ProductDTO:
        """Add a product with images."""
        ...

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
        ...

    def set_archived(
        self, actor: UserDTO, product_id: int, archived: bool, *, expected_version: int | None
    ) -> ProductDTO:
        """Archive or restore a product."""
        ...

    def prepare_image(self, path: str) -> PreparedImage:
        """Read, check and re-encode an image file."""
        ...

    def import_csv(
        self,
        actor: UserDTO,
        path: str,
        options: ImportOptions | None = None,
        progress: Progress = ...,
        cancelled: Cancelled = ...,
    ) -> ImportReport:
        """Import products from a CSV file, all or nothing."""
        ...

    def export_csv(
        self,
        actor: UserDTO,
        path: str,
        progress: Progress = ...,
        cancelled: Cancelled = ...,
    ) -> ExportReport:
        """Export every product to a CSV file."""
        ...


def catalog_of(backend: object) -> CatalogPort | None:
    """The backend's catalog services (``backend.catalog``), or None when not wired."""
    return cast("CatalogPort | None", getattr(backend, "catalog", None))
