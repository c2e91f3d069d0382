"""``GET /api/v1/catalog/images/{id}`` over the real server: the stored bytes of an active
product's image with their real type, cacheable with an ETag; archived or unknown → 404."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from posapp.services.backend import Backend
from posapp.services.catalog import ProductDraft, prepare_image
from tests.api.conftest import Catalog, Shop


def png(width: int, height: int, colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "orange").save(buffer, "JPEG")
    return buffer.getvalue()


def product_with_images(backend: Backend, shop: Shop, sku: str) -> tuple[int, list[int]]:
    root = shop.users["root"]
    images = [prepare_image(jpeg(640, 480), "a.jpg"), prepare_image(png(300, 300, "#0a0"), "b")]
    draft = ProductDraft(sku=sku, name=f"Pictured {sku}", price_minor=250)
    created = backend.catalog.create_product(root, draft, images)
    shown = backend.catalog.public_product(created.id)
    return created.id, [image.id for image in shown.images]


def test_images_are_served_with_their_type_and_cache_headers(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    """JPEG and PNG bytes as stored, thumbnails smaller; public caching, an ETag, 304."""
    _, (photo, drawing) = product_with_images(backend, shop, "PIC-1")
    full = client.get(f"/api/v1/catalog/images/{photo}")
    assert full.status_code == 200
    assert full.headers["content-type"] == "image/jpeg"
    assert full.headers["cache-control"] == "public, max-age=3600"
    assert full.headers["x-content-type-options"] == "nosniff"
    assert Image.open(io.BytesIO(full.content)).size == (640, 480)
    thumb = client.get(f"/api/v1/catalog/images/{photo}", params={"size": "thumb"})
    assert thumb.headers["content-type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 160
    assert thumb.headers["etag"] != full.headers["etag"]
    other = client.get(f"/api/v1/catalog/images/{drawing}")
    assert other.headers["content-type"] == "image/png"
    assert other.content.startswith(b"\x89PNG")
    again = client.get(
        f"/api/v1/catalog/images/{photo}", headers={"If-None-Match": full.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert client.get("/api/v1/catalog/products").headers["cache-control"] == "no-store"


def test_archived_unknown_and_bad_ids_are_not_served(
    client: httpx.Client, backend: Backend, shop: Shop, catalog: Catalog
) -> None:
    """An archived product's image reads like an unknown one; odd ids and sizes are 4xx."""
    product_id, (photo, _) = product_with_images(backend, shop, "PIC-2")
    backend.catalog.set_archived(shop.users["root"], product_id, True, expected_version=None)
    for image_id in (photo, 999_999, 0, -1, 2**63, 10**30):
        answer = client.get(f"/api/v1/catalog/images/{image_id}")
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["cache-control"] == "no-store"
    for path in ("/api/v1/catalog/images/x", f"/api/v1/catalog/images/{photo}?size=huge"):
        assert client.get(path).status_code == 422
