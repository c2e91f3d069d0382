"""The demo's catalog: a category tree and products with pictures, added as a manager adds them."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache, partial
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont
from stdnum import ean

from posapp.demo.shop import Item, Shop
from posapp.services.catalog import (
    PreparedImage,
    ProductDraft,
    archive_product,
    create_category,
    create_product,
    prepare_image,
)

IMAGE_SIZE = 256
_ARCHIVED_ONE_IN = 40
_TRACKED_SHARE = 3
"""One product in this many (the best sellers) has reorder points."""

# The catalog: "Parent/Leaf | SKU prefix | tax bp | colour | brands", then "item = price;" lines.
_CATALOG = """
Groceries/Dairy | DAI | 700 | #2f6fba | Meadowfield, Alpine Dairy, Green Valley
    Whole Milk 1 l = 119; Semi-skimmed Milk 1 l = 109; Greek Yoghurt 500 g = 229;
    Natural Yoghurt 500 g = 149; Salted Butter 250 g = 259; Mature Cheddar 400 g = 389;
    Mozzarella 125 g = 99; Double Cream 300 ml = 169; Free-range Eggs x6 = 239;
    Cottage Cheese = 179
Groceries/Bakery | BAK | 700 | #b5651d | Stonebridge Bakery, Hearth & Loaf, Baker's Row
    White Sandwich Loaf 800 g = 135; Wholemeal Loaf 800 g = 149; Sourdough Boule = 329;
    Butter Croissants x4 = 219; Seeded Rolls x6 = 179; Bagels x5 = 199; Cinnamon Buns x4 = 259;
    Rye Bread 500 g = 229; Tortilla Wraps x8 = 169
Groceries/Fruit & Veg | FRV | 700 | #3c9a3c | Orchard Fresh, Field & Furrow
    Bananas 1 kg = 99; Braeburn Apples x6 = 199; Cherry Tomatoes 250 g = 149;
    Baby Spinach 200 g = 169; Carrots 1 kg = 79; Avocados x2 = 229; Blueberries 150 g = 249;
    Red Onions 1 kg = 119; Potatoes 2.5 kg = 229; Lemons x4 = 139; Broccoli 350 g = 89;
    Chestnut Mushrooms 300 g = 149
Groceries/Pantry | PAN | 700 | #c28f2c | Larder & Co, Casa Rossa, Golden Harvest
    Spaghetti 500 g = 119; Basmati Rice 1 kg = 249; Chopped Tomatoes 400 g = 69;
    Extra Virgin Olive Oil 500 ml = 599; Rolled Oats 1 kg = 159; Peanut Butter 340 g = 229;
    Strawberry Jam 370 g = 189; Chickpeas 400 g = 79; Plain Flour 1.5 kg = 109;
    Clear Honey 340 g = 349
Groceries/Snacks & Sweets | SNK | 700 | #d0457c | Crunchcraft, Cocoa Bay, Nutty Oak
    Sea Salt Crisps 150 g = 179; Dark Chocolate 100 g = 199; Milk Chocolate 100 g = 179;
    Salted Peanuts 200 g = 159; Oat Biscuits 300 g = 149; Popcorn 100 g = 129;
    Trail Mix 200 g = 279; Fruit Gums 150 g = 119
Drinks/Coffee & Tea | COF | 700 | #6f4e37 | Highland Roasters, Bluebird, Darjeeling House
    Ground Coffee 250 g = 449; Coffee Beans 1 kg = 1399; Instant Coffee 200 g = 599;
    English Breakfast Tea x80 = 349; Green Tea x40 = 249; Earl Grey x50 = 299;
    Peppermint Tea x20 = 189; Espresso Capsules x10 = 329
Drinks/Soft drinks | SFT | 1900 | #e0412f | Fizzwell, Clearspring, Sunny Grove
    Cola 1.5 l = 179; Sparkling Water 1 l = 69; Still Water 6x500 ml = 249; Orange Juice 1 l = 229;
    Apple Juice 1 l = 199; Cloudy Lemonade 2 l = 159; Ginger Beer 4x330 ml = 329;
    Energy Drink 250 ml = 139
Household/Cleaning | CLN | 1900 | #1e9aa8 | BrightHome, EcoLeaf
    Washing-up Liquid 500 ml = 149; Laundry Detergent 1.5 l = 899;
    Multi-surface Spray 750 ml = 229; Toilet Cleaner 750 ml = 179; Dishwasher Tablets x30 = 699;
    Glass Cleaner 500 ml = 199; Bin Bags x20 = 249; Scrub Sponges x6 = 129
Household/Kitchen & Paper | KIT | 1900 | #7a7f87 | Homestead, Everyday
    Kitchen Roll x4 = 399; Toilet Tissue x9 = 549; Aluminium Foil 10 m = 229;
    Cling Film 30 m = 169; Baking Paper 8 m = 199; Freezer Bags x50 = 179;
    Paper Napkins x100 = 149
Personal care | PER | 1900 | #8e5bb5 | Pure Botanics, Coastline, Dermaline
    Shampoo 250 ml = 349; Conditioner 250 ml = 349; Shower Gel 250 ml = 229;
    Toothpaste 75 ml = 199; Hand Soap 300 ml = 179; Deodorant 150 ml = 289;
    Body Lotion 400 ml = 499; Sun Cream SPF30 200 ml = 799; Lip Balm = 249
Stationery | STA | 1900 | #34495e | Inkwell, Papermill
    A4 Notebook = 299; Ballpoint Pens x10 = 249; Sticky Notes x4 = 349;
    Printer Paper 500 sheets = 549; Highlighters x4 = 299; HB Pencils x12 = 199;
    C5 Envelopes x50 = 399; Desk Stapler = 649
"""
_VARIANTS = ("Organic", "Value Pack", "Family Size", "Twin Pack", "Limited Edition")
_BLURBS = (
    "A customer favourite in both our shops.",
    "Great value for every day.",
    "Responsibly sourced from trusted suppliers.",
    "New in our range this season.",
    "Recommended by our staff.",
)
_STORAGE = {"Groceries": "Store in a cool, dry place.", "Drinks": "Best served chilled."}


@dataclass(slots=True)
class _Leaf:
    """One leaf category of the catalog text, with its brands and items."""

    parent: str | None
    name: str
    prefix: str
    tax_bp: int
    colour: str
    brands: list[str]
    items: list[tuple[str, int]] = field(default_factory=list)
    category_id: int = 0


@dataclass(frozen=True, slots=True)
class _Spec:
    """A product to add: its leaf, name, brand number and base price."""

    leaf: _Leaf
    name: str
    brand: int
    base_minor: int


def _parse_catalog(text: str) -> list[_Leaf]:
    leaves: list[_Leaf] = []
    for line in filter(str.strip, text.splitlines()):
        if not line[0].isspace():
            path, prefix, tax, colour, brands = (part.strip() for part in line.split("|"))
            parent, _, name = path.rpartition("/")
            brand_list = [b.strip() for b in brands.split(",")]
            leaves.append(_Leaf(parent or None, name, prefix, int(tax), colour, brand_list))
            continue
        for item in filter(str.strip, line.split(";")):
            name, _, price = item.rpartition("=")
            leaves[-1].items.append((name.strip(), int(price)))
    return leaves


def ean13(first12: str) -> str:
    """Return ``first12`` (twelve digits) completed with its EAN-13 check digit."""
    if len(first12) != 12 or not first12.isascii() or not first12.isdigit():  # noqa: PLR2004
        raise ValueError(f"an EAN-13 starts with twelve digits, not {first12!r}")
    return first12 + ean.calc_check_digit(first12)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    if dejavu.exists():
        return ImageFont.truetype(str(dejavu), size)
    return ImageFont.load_default(size)


def product_image(initials: str, colour: str, shape: int) -> bytes:
    """Draw a product picture (a shape with the product's initials on a clear background): PNG.

    Drawn at twice the size and scaled down, so the edges are smooth.
    """
    size, rgb = 2 * IMAGE_SIZE, ImageColor.getrgb(colour)[:3]
    tint = (*(c + (255 - c) * 4 // 5 for c in rgb), 255)
    image = Image.new("RGBA", (size, size), (*rgb, 0))
    draw = ImageDraw.Draw(image)
    box = (72, 72, size - 72, size - 72)
    if shape == 0:
        draw.ellipse(box, fill=rgb)
    elif shape == 1:
        draw.rounded_rectangle(box, radius=72, fill=rgb)
    else:
        draw.regular_polygon((size / 2, size / 2, 192), 6, fill=rgb)
    font = _font(160)
    left, top, right, bottom = draw.textbbox((0, 0), initials, font=font)
    draw.text(((size - right - left) / 2, (size - bottom - top) / 2), initials, tint, font)
    buffer = io.BytesIO()
    small = image.reduce(2)  # the mean of each 2 × 2 block
    small.save(buffer, "PNG", compress_level=1)  # the upload path re-encodes it anyway
    return buffer.getvalue()


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[0].isalpha())[:2].upper()


def add_catalog(shop: Shop, product_count: int) -> None:
    """The manager builds the category tree and adds the products, each with a picture.

    One product in forty is archived later (taken out of the range half-way through the sales).
    """
    leaves = _parse_catalog(_CATALOG)
    _add_categories(shop, leaves)
    rng = shop.rng
    items = []
    pictures: dict[tuple[str, str, int], PreparedImage] = {}  # products may share one
    for seq, spec in enumerate(_product_specs(shop, leaves, product_count), start=1):
        shop.clock.at = shop.later(rng.randint(15, 45))
        leaf = spec.leaf
        price = max(49, spec.base_minor * rng.randint(92, 110) // 1000 * 10 + 9)
        storage = _STORAGE.get(leaf.parent or "", "Made for everyday use.")
        sku = f"{leaf.prefix}-{seq:04d}"
        draft = ProductDraft(
            sku=sku,
            name=spec.name,
            price_minor=price,
            barcode=ean13(f"2{seq % 100:02d}{seq:09d}"),
            description=f"{spec.name}. {rng.choice(_BLURBS)} {storage}",
            category_id=leaf.category_id,
            cost_minor=price * rng.randint(45, 72) // 100,
            tax_rate_bp=leaf.tax_bp,
            tax_included=True,
        )
        look = (_initials(spec.name), leaf.colour, spec.brand % 3)
        if look not in pictures:  # prepared as the editor's upload path prepares a file
            pictures[look] = prepare_image(product_image(*look), f"{look[0]}.png")
        product = create_product(shop.uow(), shop.manager, draft, [pictures[look]])
        # A few best sellers and a long tail, as in any shop.
        items.append(Item(product, min(rng.paretovariate(1.3), 12.0), tracked=False))
    ranked = sorted(items, key=lambda item: -item.weight)
    best = {item.product.id for item in ranked[: len(ranked) // _TRACKED_SHARE]}
    shop.items = [Item(i.product, i.weight, i.product.id in best) for i in items]
    _cum_weights(shop)
    retired = rng.sample(shop.items, len(shop.items) // _ARCHIVED_ONE_IN)
    middle = shop.first_day + timedelta(days=(shop.today - shop.first_day).days // 2)
    at = shop.local(middle, 7, 15)
    for item in retired:
        shop.timeline.at(at, partial(_archive, shop, item))


def _archive(shop: Shop, item: Item) -> None:
    archive_product(shop.uow(), shop.manager, item.product.id)
    shop.items.remove(item)
    _cum_weights(shop)


def _cum_weights(shop: Shop) -> None:
    total, shop.cum_weights = 0.0, []
    for item in shop.items:
        total += item.weight
        shop.cum_weights.append(total)


def _add_categories(shop: Shop, leaves: list[_Leaf]) -> None:
    parents: dict[str, int] = {}
    for leaf in leaves:
        if leaf.parent and leaf.parent not in parents:
            shop.clock.at = shop.later(60)
            parents[leaf.parent] = create_category(shop.uow(), shop.manager, leaf.parent).id
        shop.clock.at = shop.later(60)
        parent_id = parents[leaf.parent] if leaf.parent else None
        leaf.category_id = create_category(shop.uow(), shop.manager, leaf.name, parent_id).id


def _product_specs(shop: Shop, leaves: list[_Leaf], count: int) -> list[_Spec]:
    """Pick ``count`` products (leaf, brand and item), adding variants when needed."""
    combos = [
        _Spec(leaf, f"{brand} {item}", b, price * (90 + 12 * b) // 100)
        for leaf in leaves
        for b, brand in enumerate(leaf.brands)
        for item, price in leaf.items
    ]
    shop.rng.shuffle(combos)
    specs: list[_Spec] = []
    for round_no in range(count // len(combos) + 1):
        variant = "" if round_no == 0 else _variant(round_no)
        specs.extend(
            _Spec(
                spec.leaf,
                f"{spec.name} {variant}".strip(),
                spec.brand,
                spec.base_minor * (100 + 15 * round_no) // 100,
            )
            for spec in combos[: count - len(specs)]
        )
    order = {leaf.name: i for i, leaf in enumerate(leaves)}
    specs.sort(key=lambda spec: (order[spec.leaf.name], spec.name))
    return specs


def _variant(round_no: int) -> str:
    name = _VARIANTS[(round_no - 1) % len(_VARIANTS)]
    return name if round_no <= len(_VARIANTS) else f"{name} {round_no}"
