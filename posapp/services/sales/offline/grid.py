"""The register's product grid while the server is gone (#21): categories from the cache.

The grid's categories are those with products still sold, each with how many, by name, as the
server's :func:`posapp.services.sales.lookup.categories` lists them; a category's products come
from :meth:`~posapp.services.sales.offline.cache.OfflineCache.category_products`.
"""

from __future__ import annotations

from posapp.services.sales.dto import CategoryDTO
from posapp.services.sales.offline.cache import OfflineCache

__all__ = ["cached_categories"]


def cached_categories(cache: OfflineCache) -> list[CategoryDTO]:
    """The grid's categories as the cache holds them."""
    return [
        CategoryDTO(category.id, category.name, category.parent_id, count)
        for category, count in cache.categories()
    ]
