"""Realistic demo data: stores, staff, a catalog with images, stock, customers, coupons, sales."""

from __future__ import annotations

import dataclasses
import io
import itertools
import random
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageColor, ImageDraw, ImageFont
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from posapp.models import (
    Base,
    Category,
    CouponCampaign,
    CouponCode,
    CouponRedemption,
    CouponScope,
    CustomerAccount,
    DiscountKind,
    LedgerAccount,
    LedgerAccountKind,
    LedgerEntry,
    LedgerTransaction,
    MovementKind,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    Payment,
    PaymentMethod,
    Product,
    ProductImage,
    Role,
    StockLevel,
    StockMovement,
    Store,
    StoreKind,
    User,
)
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.errors import ConflictError, ValidationError
from posapp.services.platform.settings import DEMO_LOGINS_KEY, put_setting
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import hash_password, username_key

NOT_EMPTY = "The database already has data; demo data goes only into an empty database."
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CUSTOMER_PIN = "1234"
IMAGE_SIZE, THUMB_SIZE = 256, 64
MAX_DAYS, MAX_PRODUCTS = 366, 10_000

# Staff: username, full name, role, password (a cashier's digits are a PIN).
_STAFF = (
    ("admin", "Priya Natarajan", Role.ADMIN, "admin-demo-pass"),
    ("manager", "Daniel Okafor", Role.MANAGER, "manager-demo-pass"),
    ("cashier1", "Sofia Lindqvist", Role.CASHIER, "1111"),
    ("cashier2", "Tom Brennan", Role.CASHIER, "2222"),
)
# Code, name, kind, address, phone (020 7946 0xxx is reserved by Ofcom for fiction).
_STORES = (
    (
        "HS01",
        "Harbour Street",
        StoreKind.STORE,
        "14 Harbour Street, London E14 3QT",
        "020 7946 0101",
    ),
    ("MS02", "Market Square", StoreKind.STORE, "3 Market Square, London SE10 9HZ", "020 7946 0202"),
    (
        "WH01",
        "Central Warehouse",
        StoreKind.WAREHOUSE,
        "Unit 7, Thames Trading Estate, London E16 2DQ",
        "020 7946 0303",
    ),
)

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
# Customers' first and last names (shuffled and paired by the seed).
_FIRST_NAMES = """Amara Lukas Mei Oliver Fatima Siobhán José Hannah Ravi Emma Kwame Chloé Noah Aisha
    Mateo Grace Yuki Ben Zoë Ibrahim Lucy Marek Sara Daniel Ella"""
_LAST_NAMES = """Nwosu Becker Chen Hughes Rahman Kelly Martins Schmidt Patel Johansson Mensah Dubois
    Williams Khan García O'Neill Tanaka Carter Adams Haddad Evans Nowak Rossi Cohen Thompson"""
_CARD_LAST4 = ("4242", "4242", "1881", "0005", "5100")

# How the simulated days behave (tuned so that every report and list has something to show).
_OPEN_HOUR, _OPEN_HOURS = 8, 12
_ORDERS_PER_DAY = (20, 40)
_LINE_COUNTS, _LINE_COUNT_WEIGHTS = (1, 2, 3, 4, 5, 6), (30, 25, 18, 12, 9, 6)
_QUANTITIES, _QUANTITY_WEIGHTS = (1, 2, 3, 4, 6), (72, 17, 6, 3, 2)
_P_CUSTOMER, _P_COUPON, _P_WELCOME, _P_ACCOUNT_PAY, _P_CARD = 0.25, 0.07, 0.4, 0.3, 0.55
_P_CANCEL, _P_REFUND, _P_LINE_DISCOUNT, _P_LOW_START, _P_OPT_IN = 0.025, 0.02, 0.03, 0.1, 0.4
_REPLENISH_EVERY_DAYS, _ARCHIVED_ONE_IN = 7, 40
_CUSTOMER_COUNT, _OVERDRAFT_COUNT = 25, 4
_SPRING_CODES, _WINTER_CODES = 200, 50
_BATCH_DAYS, _SATURDAY = 7, 5


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """How many of each thing :func:`load_demo` created."""

    stores: int
    users: int
    products: int
    customers: int
    campaigns: int
    codes: int
    orders: int


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
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return f"{first12}{(10 - total % 10) % 10}"


def account_number(seq: int) -> str:
    """Return the 10-digit account number of sequence ``seq``: 8 digits + ISO 7064 mod 97-10.

    A valid number satisfies ``int(number) % 97 == 1``, so a single mistyped digit or a swap of
    two neighbours is caught.
    """
    if not 0 < seq < 10**8:
        raise ValueError(f"account sequence out of range: {seq}")
    body = f"{seq:08d}"
    return f"{body}{98 - int(body + '00') % 97:02d}"


def _div_round(numerator: int, denominator: int) -> int:
    """Divide non-negative integers, rounding half to even (the policy of ``posapp.money``)."""
    quotient, remainder = divmod(numerator, denominator)
    if 2 * remainder > denominator or (2 * remainder == denominator and quotient % 2):
        quotient += 1
    return quotient


def _allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Share ``total`` by ``weights`` (largest remainder, ties to the earliest index)."""
    whole = sum(weights)
    splits = [divmod(total * w, whole) for w in weights]
    shares = [share for share, _ in splits]
    order = sorted(range(len(splits)), key=lambda i: (-splits[i][1], i))
    for index in order[: total - sum(shares)]:
        shares[index] += 1
    return shares


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if dejavu.exists():
        return ImageFont.truetype(str(dejavu), size)
    return ImageFont.load_default(size)


def product_image(name: str, colour: str, shape: int) -> tuple[bytes, bytes]:
    """Draw a product picture: PNG bytes at ``IMAGE_SIZE`` and at ``THUMB_SIZE`` pixels."""
    rgb = ImageColor.getrgb(colour)[:3]
    tint = tuple(c + (255 - c) * 3 // 4 for c in rgb)
    image = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), rgb)
    draw = ImageDraw.Draw(image)
    box = (40, 40, IMAGE_SIZE - 40, IMAGE_SIZE - 40)
    if shape == 0:
        draw.ellipse(box, fill=tint)
    elif shape == 1:
        draw.rounded_rectangle(box, radius=32, fill=tint)
    else:
        draw.regular_polygon((IMAGE_SIZE / 2, IMAGE_SIZE / 2, 92), 6, fill=tint)
    initials = "".join(w[0] for w in name.split() if w[0].isalpha())[:2].upper()
    font = _font(80)
    left, top, right, bottom = draw.textbbox((0, 0), initials, font=font)
    origin = ((IMAGE_SIZE - right - left) / 2, (IMAGE_SIZE - bottom - top) / 2)
    draw.text(origin, initials, fill=rgb, font=font)
    thumb = image.resize((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    return _png(image), _png(thumb)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded if ch.isalnum()).lower()


def load_demo(
    uow: UnitOfWork,
    *,
    seed: int = 7,
    days: int = 21,
    product_count: int = 240,
    now: datetime | None = None,
) -> DemoSummary:
    """Fill an empty database with a realistic shop, in one transaction.

    Two storefronts and a warehouse, four staff users (their log-ins are kept in the
    ``demo_logins`` setting), a category tree with ``product_count`` products and their images,
    stock with its movement ledger, customer accounts with opening deposits, three coupon
    campaigns, and ``days`` days of sales before ``now``. The same ``seed`` gives the same data.

    Raises:
        ConflictError: the database already has a user, store or product.
        ValidationError: ``days`` or ``product_count`` is out of range.
    """
    if not 0 <= days <= MAX_DAYS:
        raise ValidationError(f"Demo data covers 0 to {MAX_DAYS} days.")
    if not 1 <= product_count <= MAX_PRODUCTS:
        raise ValidationError(f"Demo data has 1 to {MAX_PRODUCTS} products.")
    with uow:
        _refuse_unless_empty(uow.session)
        when = (now or uow.now()).astimezone(UTC)
        summary = _DemoBuilder(uow, seed, when, days).build(product_count)
        counts = dataclasses.asdict(summary)
        uow.audit(AuditRecord("demo.load", None, "database", after=counts, reason=f"seed {seed}"))
        uow.commit()
    return summary


def _refuse_unless_empty(session: Session) -> None:
    for column in (User.id, Store.id, Product.id):
        if session.scalar(select(column).limit(1)) is not None:
            raise ConflictError(NOT_EMPTY)


@dataclass(slots=True)
class _Sale:
    """One simulated order and the rows that hang off it, inserted in dependency order."""

    order: Order
    lines: list[OrderLine]
    movements: list[_Row] = field(default_factory=list)
    changes: list[_Row] = field(default_factory=list)
    redemption: CouponRedemption | None = None
    ledger: LedgerTransaction | None = None
    payment: Payment | None = None
    refund: Payment | None = None


_Legs = list[tuple[LedgerAccount, int]]
_Row = dict[str, Any]
_Customer = tuple[CustomerAccount, LedgerAccount]


class _DemoBuilder:
    """Builds the demo data section by section inside one running unit of work."""

    def __init__(self, uow: UnitOfWork, seed: int, now: datetime, days: int) -> None:
        self.uow, self.session = uow, uow.session
        self.rng = random.Random(seed)
        # UUIDs come from their own seeded stream, so the data is reproducible down to the keys.
        self._uuids = random.Random(f"posapp-demo-uuids-{seed}")
        self.now, self.days = now, days
        self.start = (now - timedelta(days=days + 2)).replace(
            hour=7, minute=0, second=0, microsecond=0
        )
        self.users: dict[str, User] = {}
        self.on_hand: dict[tuple[int, int], int] = {}
        self.reorder: dict[tuple[int, int], tuple[int, int]] = {}
        self.pending_ledger: list[tuple[LedgerTransaction, _Legs]] = []
        self.customers: list[_Customer] = []
        self.welcomed: set[int] = set()
        self.next_spring = self.transfers = 0
        self.order_count = 0
        self.numbers: dict[int, int] = {}

    def new_uuid(self) -> uuid.UUID:
        """A random-looking version-4 UUID drawn from the seeded stream."""
        return uuid.UUID(int=self._uuids.getrandbits(128), version=4)

    def build(self, product_count: int) -> DemoSummary:
        """Create every section and return what was made."""
        self._add_stores()
        self._add_users()
        products = self._add_catalog(product_count)
        self._receive_stock(products)
        self._add_ledger_accounts()
        codes = self._add_coupons()
        self._add_sales()
        self._add_stock_levels()
        self.session.flush()
        return DemoSummary(
            stores=len(_STORES),
            users=len(_STAFF),
            products=len(products),
            customers=len(self.customers),
            campaigns=3,
            codes=codes,
            orders=self.order_count,
        )

    # -- stores and staff ------------------------------------------------------------------------

    def _add_stores(self) -> None:
        stores = [
            Store(
                code=code,
                name=name,
                kind=kind.value,
                address=address,
                phone=phone,
                active=True,
                created_at=self.start,
            )
            for code, name, kind, address, phone in _STORES
        ]
        self.session.add_all(stores)
        self.session.flush()
        self.storefronts = [s for s in stores if s.kind == StoreKind.STORE]
        self.warehouse = next(s for s in stores if s.kind == StoreKind.WAREHOUSE)

    def _add_users(self) -> None:
        for username, full_name, role, secret in _STAFF:
            digest = hash_password(secret)
            is_pin = role == Role.CASHIER
            self.users[username] = User(
                username=username,
                username_key=username_key(username),
                full_name=full_name,
                role=role.value,
                active=True,
                password_hash=None if is_pin else digest,
                pin_hash=digest if is_pin else None,
                created_at=self.start,
                changed_at=self.start,
            )
        self.session.add_all(self.users.values())
        self.session.flush()
        self.manager = self.users["manager"]
        self.cashiers = [self.users["cashier1"], self.users["cashier2"]]
        logins = [{"username": u, "password": p, "role": r.value} for u, _, r, p in _STAFF]
        put_setting(self.uow, DEMO_LOGINS_KEY, logins)

    # -- catalog ---------------------------------------------------------------------------------

    def _add_catalog(self, product_count: int) -> list[Product]:
        leaves = _parse_catalog(_CATALOG)
        categories = self._add_categories(leaves)
        specs = self._product_specs(leaves, product_count)
        products = [
            self._product(i, leaf, categories[leaf.name], name, base)
            for i, (leaf, name, base) in enumerate(specs, start=1)
        ]
        for index in self.rng.sample(range(len(products)), len(products) // _ARCHIVED_ONE_IN):
            products[index].active = False
        self.session.add_all(products)
        self.session.flush()
        colours = {leaf.name: leaf.colour for leaf in leaves}
        by_id = {c.id: c.name for c in categories.values()}
        self.session.add_all(self._image(p, colours[by_id[p.category_id or 0]]) for p in products)
        return products

    def _add_categories(self, leaves: list[_Leaf]) -> dict[str, Category]:
        parents = {
            name: Category(name=name, active=True)
            for name in dict.fromkeys(leaf.parent for leaf in leaves)
            if name
        }
        self.session.add_all(parents.values())
        self.session.flush()
        leaf_rows = {
            leaf.name: Category(
                name=leaf.name,
                active=True,
                parent_id=parents[leaf.parent].id if leaf.parent else None,
            )
            for leaf in leaves
        }
        self.session.add_all(leaf_rows.values())
        self.session.flush()
        return leaf_rows

    def _product_specs(self, leaves: list[_Leaf], count: int) -> list[tuple[_Leaf, str, int]]:
        """Pick ``count`` (leaf, name, base price) combinations, adding variants when needed."""
        combos = [
            (leaf, f"{brand} {item}", price * (90 + 12 * b) // 100)
            for leaf in leaves
            for b, brand in enumerate(leaf.brands)
            for item, price in leaf.items
        ]
        self.rng.shuffle(combos)
        specs: list[tuple[_Leaf, str, int]] = []
        for round_no in range(count // len(combos) + 1):
            variant = "" if round_no == 0 else _variant(round_no)
            for leaf, name, base in combos[: count - len(specs)]:
                specs.append(
                    (leaf, f"{name} {variant}".strip(), base * (100 + 15 * round_no) // 100)
                )
        order = {leaf.name: i for i, leaf in enumerate(leaves)}
        specs.sort(key=lambda spec: (order[spec[0].name], spec[1]))
        return specs

    def _product(self, seq: int, leaf: _Leaf, category: Category, name: str, base: int) -> Product:
        price = max(49, base * self.rng.randint(92, 110) // 1000 * 10 + 9)
        storage = {"Groceries": "Store in a cool, dry place.", "Drinks": "Best served chilled."}
        description = (
            f"{name}. {self.rng.choice(_BLURBS)} "
            f"{storage.get(leaf.parent or '', 'Made for everyday use.')}"
        )
        sku = f"{leaf.prefix}-{seq:04d}"
        return Product(
            sku=sku,
            sku_key=sku.strip().upper(),
            barcode=ean13(f"2{seq % 100:02d}{seq:09d}"),
            name=name,
            description=description,
            category_id=category.id,
            price_minor=price,
            cost_minor=price * self.rng.randint(45, 72) // 100,
            tax_rate_bp=leaf.tax_bp,
            tax_included=True,
            sold_by_weight=False,
            active=True,
            created_at=self.start,
            changed_at=self.start,
        )

    def _image(self, product: Product, colour: str) -> ProductImage:
        data, thumbnail = product_image(product.name, colour, self.rng.randrange(3))
        return ProductImage(
            product_id=product.id,
            storage_name=f"{self.new_uuid().hex}.png",
            content_type="image/png",
            width=IMAGE_SIZE,
            height=IMAGE_SIZE,
            byte_size=len(data),
            position=0,
            data=data,
            thumbnail=thumbnail,
            created_at=self.start,
        )

    # -- stock -----------------------------------------------------------------------------------

    def _receive_stock(self, products: list[Product]) -> None:
        self.sellable = [p for p in products if p.active]
        # A few best sellers and a long tail, as in any shop.
        weights = [min(self.rng.paretovariate(1.3), 12.0) for _ in self.sellable]
        self.cum_weights = list(itertools.accumulate(weights))
        movements = []
        for number, store in enumerate([*self.storefronts, self.warehouse], start=1001):
            details = self._movement_details(
                self.new_uuid(), f"PO-{number}", self.manager, self.start
            )
            for product in self.sellable:
                key = (store.id, product.id)
                self.on_hand[key], *reorder = self._initial_stock(store)
                self.reorder[key] = (reorder[0], reorder[1])
                movements.append(
                    _movement(
                        MovementKind.RECEIVE, key, self.on_hand[key], details, "Opening stock"
                    )
                )
        self._insert(StockMovement, movements)

    def _initial_stock(self, store: Store) -> tuple[int, int, int]:
        """Return (on hand, reorder point, reorder quantity) for a new stock level."""
        if store.kind == StoreKind.WAREHOUSE:
            return self.rng.randint(150, 400), 60, 240
        point = self.rng.randint(6, 15)
        if self.rng.random() < _P_LOW_START:
            return self.rng.randint(point, point + 8), point, self.rng.choice((24, 36, 48))
        return self.rng.randint(30, 90), point, self.rng.choice((24, 36, 48))

    def _replenish(self, day: date) -> None:
        """Transfer stock from the warehouse to every storefront line below its reorder point."""
        at = datetime.combine(day, time(_OPEN_HOUR - 1, 30), tzinfo=UTC)
        movements = []
        for store in self.storefronts:
            self.transfers += 1
            reference = f"TR-{self.transfers:04d}"
            details = self._movement_details(self.new_uuid(), reference, self.manager, at)
            for product in self.sellable:
                key, source = (store.id, product.id), (self.warehouse.id, product.id)
                point, wanted = self.reorder[key]
                quantity = min(wanted, self.on_hand[source])
                if self.on_hand[key] >= point or quantity <= 0:
                    continue
                self.on_hand[key] += quantity
                self.on_hand[source] -= quantity
                reason = "Weekly replenishment"
                movements.append(
                    _movement(MovementKind.TRANSFER_OUT, source, -quantity, details, reason)
                )
                movements.append(
                    _movement(MovementKind.TRANSFER_IN, key, quantity, details, reason)
                )
        self._insert(StockMovement, movements)

    @staticmethod
    def _movement_details(
        batch: uuid.UUID, reference: str, user: User, at: datetime, order_id: int | None = None
    ) -> _Row:
        """What the movements of one stock action share."""
        return {
            "batch_uuid": batch,
            "reference": reference,
            "user_id": user.id,
            "created_at": at,
            "order_id": order_id,
        }

    def _insert(self, model: type[Base], rows: list[_Row]) -> None:
        """Insert append-only rows that are never read back, in bulk (far cheaper than objects)."""
        if rows:
            # render_nulls: keep one statement for all rows, not one per pattern of NULLs.
            self.session.execute(insert(model).execution_options(render_nulls=True), rows)

    def _add_stock_levels(self) -> None:
        self.session.add_all(
            StockLevel(
                store_id=store_id,
                product_id=product_id,
                on_hand=on_hand,
                reorder_point=self.reorder[store_id, product_id][0],
                reorder_qty=self.reorder[store_id, product_id][1],
                changed_at=self.now,
            )
            for (store_id, product_id), on_hand in self.on_hand.items()
        )

    # -- customer accounts and the ledger --------------------------------------------------------

    def _add_ledger_accounts(self) -> None:
        def shop(kind: LedgerAccountKind, name: str, store_id: int | None = None) -> LedgerAccount:
            return LedgerAccount(
                kind=kind.value,
                name=name,
                store_id=store_id,
                balance_minor=0,
                overdraft_limit_minor=0,
                created_at=self.start,
            )

        kind = LedgerAccountKind.CASH_DRAWER
        self.drawers = {s.id: shop(kind, f"Cash drawer {s.code}", s.id) for s in self.storefronts}
        self.sales_clearing = shop(LedgerAccountKind.SALES_CLEARING, "Sales clearing")
        card_clearing = shop(LedgerAccountKind.CARD_CLEARING, "Card clearing")
        self.session.add_all([*self.drawers.values(), self.sales_clearing, card_clearing])
        self._add_customers()
        self._flush_ledger()

    def _add_customers(self) -> None:
        firsts = self.rng.sample(_FIRST_NAMES.split(), _CUSTOMER_COUNT)
        lasts = self.rng.sample(_LAST_NAMES.split(), _CUSTOMER_COUNT)
        overdrawn = self.rng.sample(range(_CUSTOMER_COUNT), _OVERDRAFT_COUNT)
        opened = [
            self.start - timedelta(days=self.rng.randint(1, 120), minutes=i)
            for i in range(_CUSTOMER_COUNT)
        ]
        ledgers = [
            LedgerAccount(
                kind=LedgerAccountKind.CUSTOMER.value,
                name=f"{first} {last}",
                balance_minor=0,
                overdraft_limit_minor=self.rng.choice((5000, 10000, 20000))
                if i in overdrawn
                else 0,
                created_at=opened[i],
            )
            for i, (first, last) in enumerate(zip(firsts, lasts, strict=True))
        ]
        self.session.add_all(ledgers)
        self.session.flush()
        # Every demo account has the same demo PIN: one hash saves a second of Argon2 work.
        pin_hash = hash_password(CUSTOMER_PIN)
        phones = self.rng.sample(range(1000), _CUSTOMER_COUNT)
        for i, ledger in enumerate(ledgers):
            opt_in = self.rng.random() < _P_OPT_IN
            tld = self.rng.choice(("com", "org", "net"))  # reserved domains: no real mailbox
            account = CustomerAccount(
                number=account_number(i + 1),
                ledger_account_id=ledger.id,
                holder_name=ledger.name,
                email=f"{_ascii(firsts[i])}.{_ascii(lasts[i])}@example.{tld}",
                phone=f"07700 900{phones[i]:03d}",  # Ofcom's range for fiction
                marketing_opt_in=opt_in,
                opt_changed_at=opened[i] if opt_in else None,
                pin_hash=pin_hash,
                created_at=opened[i],
                changed_at=opened[i],
            )
            self.customers.append((account, ledger))
            amount = self.rng.randrange(2000, 25_001, 500)
            drawer = self.drawers[self.rng.choice(self.storefronts).id]
            legs = [(ledger, amount), (drawer, -amount)]
            self._post(
                "deposit", opened[i], self.rng.choice(self.cashiers), legs, "Opening deposit"
            )
        self.session.add_all(account for account, _ in self.customers)

    def _post(
        self, kind: str, at: datetime, user: User, legs: _Legs, memo: str
    ) -> LedgerTransaction:
        """Record a balanced ledger transaction; its entries are written by ``_flush_ledger``."""
        assert sum(amount for _, amount in legs) == 0  # double entry
        transaction = LedgerTransaction(
            idempotency_key=self.new_uuid(), kind=kind, memo=memo, user_id=user.id, created_at=at
        )
        for account, amount in legs:
            account.balance_minor += amount
        self.pending_ledger.append((transaction, legs))
        return transaction

    def _flush_ledger(self) -> None:
        self.session.add_all(transaction for transaction, _ in self.pending_ledger)
        self.session.flush()
        entries = [
            {"transaction_id": txn.id, "ledger_account_id": account.id, "amount_minor": amount}
            for txn, legs in self.pending_ledger
            for account, amount in legs
        ]
        self._insert(LedgerEntry, entries)
        self.pending_ledger.clear()

    # -- coupons ---------------------------------------------------------------------------------

    def _add_coupons(self) -> int:
        winter_start = self.now - timedelta(days=120)
        self.spring = self._campaign(
            "Spring 15%",
            DiscountKind.PERCENT,
            1500,
            self.start,
            description="15 % off the whole basket, at most 50.00; one code per basket.",
            max_discount_minor=5000,
            ends_at=self.now + timedelta(days=30),
        )
        self.welcome = self._campaign(
            "Welcome 5",
            DiscountKind.FIXED,
            500,
            self.start - timedelta(days=60),
            description="5.00 off a first basket of 20.00 or more.",
            min_spend_minor=2000,
            usage_limit=500,
            per_customer_limit=1,
            single_use_codes=False,
        )
        winter = self._campaign(
            "Winter Warmers 10%",
            DiscountKind.PERCENT,
            1000,
            winter_start,
            description="10 % off baskets of 10.00 or more, last winter.",
            min_spend_minor=1000,
            ends_at=winter_start + timedelta(days=45),
            ended_at=winter_start + timedelta(days=45),
        )
        self.session.add_all([self.spring, self.welcome, winter])
        self.session.flush()
        self.spring_codes = self._codes(self.spring, "SPRING", _SPRING_CODES)
        self.welcome_code = self._code_row(self.welcome, "WELCOME5", max_uses=None)
        winter_codes = self._codes(winter, "WINTER", _WINTER_CODES)
        codes = [*self.spring_codes, self.welcome_code, *winter_codes]
        self.session.add_all(codes)
        self.session.flush()
        return len(codes)

    def _campaign(
        self, name: str, kind: DiscountKind, value: int, starts_at: datetime, **rules: Any
    ) -> CouponCampaign:
        """A campaign on the whole order; ``rules`` override the defaults below."""
        defaults: dict[str, Any] = {"min_spend_minor": 0, "single_use_codes": True}
        return CouponCampaign(
            name=name,
            kind=kind.value,
            value=value,
            scope=CouponScope.ORDER.value,
            starts_at=starts_at,
            used_count=0,
            active=True,
            stacks=False,
            created_by_id=self.users["admin"].id,
            created_at=min(starts_at, self.start),
            **(defaults | rules),
        )

    def _codes(self, campaign: CouponCampaign, prefix: str, count: int) -> list[CouponCode]:
        texts: dict[str, None] = {}  # ordered, unlike a set, so the ids are reproducible
        while len(texts) < count:
            groups = ("".join(self.rng.choices(CODE_ALPHABET, k=4)) for _ in range(2))
            texts["-".join((prefix, *groups))] = None
        return [self._code_row(campaign, text, max_uses=1) for text in texts]

    def _code_row(self, campaign: CouponCampaign, code: str, *, max_uses: int | None) -> CouponCode:
        key = code.replace("-", "").replace(" ", "").upper()
        return CouponCode(
            campaign_id=campaign.id,
            code=code,
            code_key=key,
            max_uses=max_uses,
            used_count=0,
            active=True,
            created_at=campaign.created_at,
        )

    # -- sales -----------------------------------------------------------------------------------

    def _add_sales(self) -> None:
        sales: list[_Sale] = []
        for day_no in range(self.days, 0, -1):
            day = (self.now - timedelta(days=day_no)).date()
            if day_no % _REPLENISH_EVERY_DAYS == 0 and day_no != self.days:
                self._replenish(day)
            for store in self.storefronts:
                sales.extend(self._day_of_sales(store, day))
            if day_no % _BATCH_DAYS == 0:  # bounded memory however many days are asked for
                self._flush_sales(sales)
                sales = []
        self._flush_sales(sales)

    def _day_of_sales(self, store: Store, day: date) -> Iterator[_Sale]:
        count = self.rng.randint(*_ORDERS_PER_DAY) + (8 if day.weekday() == _SATURDAY else 0)
        opening = datetime.combine(day, time(_OPEN_HOUR), tzinfo=UTC)
        seconds = sorted(self.rng.randrange(_OPEN_HOURS * 3600) for _ in range(count))
        for second in seconds:
            sale = self._sale(store, opening + timedelta(seconds=second))
            if sale is not None:
                yield sale

    def _sale(self, store: Store, at: datetime) -> _Sale | None:
        picked = self._take_stock(store)
        if not picked:
            return None
        cashier = self.rng.choice(self.cashiers)
        customer = self.rng.choice(self.customers) if self.rng.random() < _P_CUSTOMER else None
        lines = self._lines(picked)
        before_coupon = sum(line.total_minor for line in lines)
        coupon = self._pick_coupon(before_coupon, customer, at)
        self._apply_coupon(lines, coupon[2] if coupon else 0)
        self.numbers[store.id] = self.numbers.get(store.id, 0) + 1
        self.order_count += 1
        order = Order(
            sale_uuid=self.new_uuid(),
            number=f"{store.code}-{self.numbers[store.id]:06d}",
            store_id=store.id,
            register="till-1",
            cashier_id=cashier.id,
            customer_account_id=customer[0].id if customer else None,
            status=OrderStatus.PLACED.value,
            subtotal_minor=sum(line.quantity * line.unit_price_minor for line in lines),
            discount_minor=sum(line.discount_minor for line in lines),
            coupon_minor=sum(line.coupon_discount_minor for line in lines),
            tax_minor=sum(line.tax_minor for line in lines),
            total_minor=sum(line.total_minor for line in lines),
            paid_minor=0,
            refunded_minor=0,
            placed_at=at,
            created_at=at - timedelta(seconds=self.rng.randint(40, 300)),
        )
        sale = _Sale(order, lines)
        self._move_stock(sale, picked, MovementKind.SALE, at, cashier, "")
        self._change(sale, None, OrderStatus.PLACED, at, cashier)
        undone_at = self._finish(sale, picked, cashier, customer, at)
        if coupon:
            self._redeem(sale, coupon, cashier, at, undone_at)
        return sale

    def _take_stock(self, store: Store) -> list[tuple[Product, int]]:
        """Pick the order's products and take them from stock; skip what is out of stock."""
        count = self.rng.choices(_LINE_COUNTS, _LINE_COUNT_WEIGHTS)[0]
        wanted = self.rng.choices(self.sellable, cum_weights=self.cum_weights, k=count)
        picked = []
        for product in dict.fromkeys(wanted):
            quantity = self.rng.choices(_QUANTITIES, _QUANTITY_WEIGHTS)[0]
            key = (store.id, product.id)
            if self.on_hand[key] >= quantity:
                self.on_hand[key] -= quantity
                picked.append((product, quantity))
        return picked

    def _lines(self, picked: list[tuple[Product, int]]) -> list[OrderLine]:
        lines = []
        for line_no, (product, quantity) in enumerate(picked, start=1):
            gross = product.price_minor * quantity
            markdown = (
                _div_round(gross * 1000, 10_000) if self.rng.random() < _P_LINE_DISCOUNT else 0
            )
            lines.append(
                OrderLine(
                    line_no=line_no,
                    product_id=product.id,
                    sku=product.sku,
                    name=product.name,
                    quantity=quantity,
                    returned_qty=0,
                    list_price_minor=product.price_minor,
                    unit_price_minor=product.price_minor,
                    discount_minor=markdown,
                    order_discount_minor=0,
                    tax_rate_bp=product.tax_rate_bp,
                    tax_included=True,
                    total_minor=gross - markdown,
                )
            )
        return lines

    @staticmethod
    def _apply_coupon(lines: list[OrderLine], coupon: int) -> None:
        """Share the coupon over the lines, then settle each line's total and tax.

        The policy of ``posapp.services.sales.pricing``: a line's coupon share is in proportion to
        its amount after its own discount; its ``total_minor`` is what the customer pays for it (tax
        included, after every discount) and its tax is taken from that, half to even.
        """
        weights = [line.total_minor for line in lines]
        shares = _allocate(coupon, weights) if coupon else [0] * len(lines)
        for line, share in zip(lines, shares, strict=True):
            rate = line.tax_rate_bp
            line.coupon_discount_minor = share
            line.total_minor -= share
            line.tax_minor = _div_round(line.total_minor * rate, 10_000 + rate)

    def _pick_coupon(
        self, amount: int, customer: _Customer | None, at: datetime
    ) -> tuple[CouponCampaign, CouponCode, int] | None:
        """Maybe use a coupon on a basket of ``amount`` (after line discounts): its discount."""
        if self.rng.random() >= _P_COUPON:
            return None
        if (
            customer is not None
            and customer[0].id not in self.welcomed
            and amount >= self.welcome.min_spend_minor
            and self.rng.random() < _P_WELCOME
        ):
            self.welcomed.add(customer[0].id)
            return self.welcome, self.welcome_code, min(self.welcome.value, amount)
        if self.next_spring < len(self.spring_codes) and at >= self.spring.starts_at:
            code = self.spring_codes[self.next_spring]
            self.next_spring += 1
            off = _div_round(amount * self.spring.value, 10_000)
            return self.spring, code, min(off, self.spring.max_discount_minor or off)
        return None

    def _finish(
        self,
        sale: _Sale,
        picked: list[tuple[Product, int]],
        cashier: User,
        customer: _Customer | None,
        at: datetime,
    ) -> datetime | None:
        """Cancel, or pay and hand over (and perhaps later refund) the order.

        Returns:
            When the order was cancelled or refunded, None if it stands.
        """
        roll = self.rng.random()
        if roll < _P_CANCEL:
            cancelled_at = at + timedelta(seconds=self.rng.randint(30, 600))
            sale.order.status, sale.order.closed_at = OrderStatus.CANCELLED.value, cancelled_at
            self._change(
                sale,
                OrderStatus.PLACED,
                OrderStatus.CANCELLED,
                cancelled_at,
                cashier,
                "Customer changed their mind",
            )
            self._move_stock(sale, picked, MovementKind.RETURN, cancelled_at, cashier, "Cancelled")
            return cancelled_at
        closed_at = self._pay(sale, cashier, customer, at)
        if roll >= _P_CANCEL + _P_REFUND or sale.ledger is not None:
            return None
        refunded_at = min(closed_at + timedelta(minutes=self.rng.randint(10, 360)), self.now)
        self._refund(sale, cashier, refunded_at)
        self._move_stock(sale, picked, MovementKind.RETURN, refunded_at, cashier, "Customer return")
        return refunded_at

    def _pay(
        self, sale: _Sale, cashier: User, customer: _Customer | None, at: datetime
    ) -> datetime:
        order, total = sale.order, sale.order.total_minor
        paid_at = at + timedelta(seconds=self.rng.randint(20, 150))
        closed_at = paid_at + timedelta(seconds=self.rng.randint(5, 90))
        payment = Payment(
            payment_uuid=self.new_uuid(),
            amount_minor=total,
            tendered_minor=0,
            change_minor=0,
            user_id=cashier.id,
            created_at=paid_at,
        )
        if customer and self._may_pay_from_account(customer[1], total):
            payment.method, payment.customer_account_id = (
                PaymentMethod.ACCOUNT.value,
                customer[0].id,
            )
            legs = [(customer[1], -total), (self.sales_clearing, total)]
            sale.ledger = self._post("payment", paid_at, cashier, legs, f"Order {order.number}")
        elif self.rng.random() < _P_CARD:
            payment.method, payment.card_last4 = (
                PaymentMethod.CARD.value,
                self.rng.choice(_CARD_LAST4),
            )
            payment.card_reference = f"AUTH{self.rng.randint(100_000, 999_999)}"
        else:
            step = self.rng.choice((100, 500, 1000, 2000, 5000))
            payment.method, payment.tendered_minor = (
                PaymentMethod.CASH.value,
                -(-total // step) * step,
            )
            payment.change_minor = payment.tendered_minor - total
        sale.payment = payment
        order.status, order.paid_minor = OrderStatus.FULFILLED.value, total
        order.paid_at, order.closed_at = paid_at, closed_at
        self._change(sale, OrderStatus.PLACED, OrderStatus.PAID, paid_at, cashier)
        self._change(sale, OrderStatus.PAID, OrderStatus.FULFILLED, closed_at, cashier)
        return closed_at

    def _may_pay_from_account(self, ledger: LedgerAccount, total: int) -> bool:
        wants = self.rng.random() < _P_ACCOUNT_PAY
        return wants and ledger.balance_minor - total >= -ledger.overdraft_limit_minor

    def _refund(self, sale: _Sale, cashier: User, at: datetime) -> None:
        assert sale.payment is not None  # only paid orders are refunded
        order, paid = sale.order, sale.payment
        sale.refund = Payment(
            payment_uuid=self.new_uuid(),
            method=paid.method,
            amount_minor=-order.total_minor,
            tendered_minor=0,
            change_minor=0,
            card_reference=f"RFND{self.rng.randint(100_000, 999_999)}" if paid.card_last4 else None,
            card_last4=paid.card_last4,
            user_id=cashier.id,
            created_at=at,
        )
        order.status, order.refunded_minor = OrderStatus.REFUNDED.value, order.total_minor
        for line in sale.lines:
            line.returned_qty = line.quantity
        self._change(
            sale,
            OrderStatus.FULFILLED,
            OrderStatus.REFUNDED,
            at,
            cashier,
            "Returned with the receipt",
        )

    def _redeem(
        self,
        sale: _Sale,
        coupon: tuple[CouponCampaign, CouponCode, int],
        cashier: User,
        at: datetime,
        undone_at: datetime | None,
    ) -> None:
        """Record the code's use; a cancel or refund gives the use back (reversed, not counted)."""
        campaign, code, discount = coupon
        sale.redemption = CouponRedemption(
            code_id=code.id,
            campaign_id=campaign.id,
            customer_account_id=sale.order.customer_account_id,
            cashier_id=cashier.id,
            discount_minor=discount,
            redeemed_at=at,
            reversed_at=undone_at,
            reversed_by_id=cashier.id if undone_at else None,
        )
        if undone_at is None:
            code.used_count += 1
            campaign.used_count += 1

    def _move_stock(
        self,
        sale: _Sale,
        picked: list[tuple[Product, int]],
        kind: MovementKind,
        at: datetime,
        user: User,
        reason: str,
    ) -> None:
        """Write the order's stock movements: out for a sale, back in for a cancel or return."""
        sign = -1 if kind == MovementKind.SALE else 1
        details = self._movement_details(self.new_uuid(), sale.order.number, user, at)
        for product, quantity in picked:
            key = (sale.order.store_id, product.id)
            if sign > 0:
                self.on_hand[key] += quantity
            sale.movements.append(_movement(kind, key, sign * quantity, details, reason))

    def _change(
        self,
        sale: _Sale,
        old: OrderStatus | None,
        new: OrderStatus,
        at: datetime,
        user: User,
        note: str = "",
    ) -> None:
        approver = self.manager.id if new in {OrderStatus.CANCELLED, OrderStatus.REFUNDED} else None
        change = {
            "from_status": old.value if old else None,
            "to_status": new.value,
            "user_id": user.id,
            "approver_id": approver,
            "at": at,
            "note": note,
        }
        sale.changes.append(change)

    def _flush_sales(self, sales: list[_Sale]) -> None:
        """Insert a batch of sales: orders first, then what refers to them, in FK order."""
        if not sales:
            return
        self.session.add_all(sale.order for sale in sales)
        self.session.flush()
        for sale in sales:
            for row in (*sale.movements, *sale.changes):
                row["order_id"] = sale.order.id
            for child in (*sale.lines, sale.redemption, sale.ledger, sale.payment, sale.refund):
                if child is not None:
                    child.order_id = sale.order.id
        self.session.add_all(line for sale in sales for line in sale.lines)
        self.session.add_all(sale.redemption for sale in sales if sale.redemption is not None)
        self._insert(StockMovement, [row for sale in sales for row in sale.movements])
        self._insert(OrderStatusChange, [row for sale in sales for row in sale.changes])
        self._flush_ledger()
        for sale in sales:
            if sale.payment is not None and sale.ledger is not None:
                sale.payment.ledger_transaction_id = sale.ledger.id
        self.session.add_all(sale.payment for sale in sales if sale.payment is not None)
        self.session.flush()
        for sale in sales:
            if sale.refund is not None and sale.payment is not None:
                sale.refund.refund_of_id = sale.payment.id
                self.session.add(sale.refund)


def _movement(
    kind: MovementKind, at: tuple[int, int], quantity: int, details: _Row, reason: str
) -> _Row:
    """A stock movement row: ``at`` is the (location id, product id) it changes."""
    return {
        "kind": kind.value,
        "store_id": at[0],
        "product_id": at[1],
        "quantity": quantity,
        "reason": reason,
        **details,
    }


def _variant(round_no: int) -> str:
    name = _VARIANTS[(round_no - 1) % len(_VARIANTS)]
    return name if round_no <= len(_VARIANTS) else f"{name} {round_no}"
