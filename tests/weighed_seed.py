"""Weighed goods for tests: cheese by the kilogram, a scale barcode layout, a stocked shop.

Built through the use cases (catalog, stock, shop settings), as the staff would.
"""

from __future__ import annotations

from stdnum import ean

from posapp.services.backend import Backend
from posapp.services.catalog import ProductDraft
from posapp.services.platform import registry
from posapp.services.stock import StockLine
from tests.checkout_seed import Shop

CHEESE_ITEM = "00042"
"""The cheese's item code in scale barcodes (prefix 21, five item digits, five weight digits)."""


def with_check(body: str) -> str:
    """An EAN-13 from its first twelve digits."""
    return body + ean.calc_check_digit(body)


CHEESE_BARCODE = with_check("21" + CHEESE_ITEM + "00000")
"""The cheese's own barcode: the scale code with a zero weight."""


def scale_code(grams: int, item: str = CHEESE_ITEM, prefix: str = "21") -> str:
    """The scale barcode of ``grams`` of the item (weight in kg with three decimals)."""
    return with_check(f"{prefix}{item}{grams:05d}")


def add_cheese(backend: Backend, shop: Shop, *, on_hand_g: int = 5_000) -> int:
    """Comté at 19.90 per kg (tax included 5.5 %), ``on_hand_g`` grams in the shop."""
    admin = shop.staff["admin"]
    product = backend.catalog.create_product(
        admin,
        ProductDraft(
            sku="CHE-001",
            name="Comté 18 months",
            price_minor=1990,
            barcode=CHEESE_BARCODE,
            cost_minor=1200,
            tax_rate_bp=550,
            tax_included=True,
            unit="kg",
        ),
    )
    backend.stock.receive_stock(
        admin, shop.store_id, [StockLine(product.id, on_hand_g)], reference="DN-CHEESE"
    )
    shop.products["cheese"] = product.id
    return product.id


def use_scale_barcodes(backend: Backend, shop: Shop, *, value: str = "weight") -> None:
    """Prefixes 21-22, five item digits, five value digits with three (weight) or two decimals."""
    backend.shop.change_settings(
        shop.staff["admin"],
        {
            registry.SCALE_PREFIXES.key: "21-22",
            registry.SCALE_ITEM_DIGITS.key: "5",
            registry.SCALE_VALUE.key: value,
            registry.SCALE_VALUE_DIGITS.key: "5",
            registry.SCALE_DECIMALS.key: "3" if value == "weight" else "2",
        },
    )
