"""A T-shirt template of 2 colours × 3 sizes, as the variants tests and screenshots use it."""

from __future__ import annotations

from itertools import product as cartesian

from posapp.services.catalog import AttributeDraft, TemplateDraft, VariantDraft

COLOURS = ("blue", "red")
SIZES = ("S", "M", "L")


def ean13(first12: str) -> str:
    """``first12`` with its EAN-13 check digit."""
    digits = [int(d) for d in first12]
    total = sum(digits[0::2]) + 3 * sum(digits[1::2])
    return first12 + str((10 - total % 10) % 10)


def shirt_barcode(index: int) -> str:
    """The barcode of the ``index``-th variant (0-based, colours outer, sizes inner)."""
    return ean13(f"2000000{index:05d}")


def shirt_rows() -> tuple[VariantDraft, ...]:
    """Six rows: TS-BLUE-S … TS-RED-L, each with a barcode; red ones cost 1.00 more."""
    return tuple(
        VariantDraft(
            values=(colour, size),
            sku=f"TS-{colour.upper()}-{size}",
            barcode=shirt_barcode(index),
            price_minor=1599 if colour == "red" else None,
        )
        for index, (colour, size) in enumerate(cartesian(COLOURS, SIZES))
    )


def shirt_draft(**fields: object) -> TemplateDraft:
    """The template draft; keyword arguments replace its fields."""
    values: dict[str, object] = {
        "code": "TSHIRT",
        "name": "T-shirt",
        "price_minor": 1499,
        "attributes": (AttributeDraft("Colour", COLOURS), AttributeDraft("Size", SIZES)),
        "variants": shirt_rows(),
        "tax_rate_bp": 2000,
    }
    values.update(fields)
    return TemplateDraft(**values)  # type: ignore[arg-type]
