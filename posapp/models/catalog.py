"""The catalog: categories (a tree), tax rates, products and their images."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from posapp.models.base import Base, CreatedAtMixin, IdMixin, money_column, utcnow


class Category(IdMixin, Base):
    """A product category; categories form a tree through ``parent_id``."""

    __tablename__ = "categories"
    __table_args__ = (CheckConstraint("length(name) > 0", name="name_not_empty"),)

    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)


class TaxRate(IdMixin, CreatedAtMixin, Base):
    """A tax rate products pick from: its name, rate in basis points, and included or added.

    Rates are archived (``active`` False), never deleted: products and the audit log name them.
    A product keeps a copy of its rate's ``rate_bp`` and ``included`` (the register prices from
    the product row alone); changing a rate rewrites the copies of its products in the same
    transaction, and order lines keep the copy they took at the sale (migration 0024).
    ``is_default`` marks the one rate a new product starts with.
    """

    __tablename__ = "tax_rates"
    __table_args__ = (
        CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name="rate_range"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    name: Mapped[str] = mapped_column(String(60))
    # NFKC-normalised, case-folded name: two rates cannot share a name.
    name_key: Mapped[str] = mapped_column(String(60), unique=True)
    rate_bp: Mapped[int] = mapped_column(default=0)
    included: Mapped[bool] = mapped_column(default=True)
    is_default: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Product(IdMixin, CreatedAtMixin, Base):
    """A sellable item. Products are archived, never deleted, so past orders keep their lines.

    ``active`` False means archived. ``version`` is SQLAlchemy's version counter: an UPDATE that
    finds another version than it read changes nothing and raises (optimistic locking).

    Search indexes live outside the models (migrations 0004a, 0014, 0022): on SQLite the FTS5
    table ``products_fts`` of names, SKUs and search keys (trigram, external content, kept in
    step by triggers); on
    PostgreSQL the
    ``pg_trgm`` GIN index ``ix_products_search_trgm``. ``posapp.services.platform.schema_filter``
    hides them from the models-versus-migrations comparison.
    """

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price_minor >= 0", name="price_not_negative"),
        CheckConstraint("cost_minor >= 0", name="cost_not_negative"),
        CheckConstraint("tax_rate_bp >= 0 AND tax_rate_bp <= 10000", name="tax_rate_range"),
        CheckConstraint("length(sku) > 0", name="sku_not_empty"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        Index("ix_products_name", "name"),
        # The catalog's default listing: active products by name, read from the index alone;
        # with the SKU, the register's and the Stores tab's "contains" searches too (0014), and
        # with a variant's search keys, the register's walk over variants (0028).
        Index("ix_products_active_name", "active", "name", "id", "sku", "search_keys"),
    )

    sku: Mapped[str] = mapped_column(String(64))
    # Upper-cased, stripped SKU: SKUs differing only by case or spaces cannot coexist.
    sku_key: Mapped[str] = mapped_column(String(64), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    price_minor: Mapped[int] = money_column()
    cost_minor: Mapped[int] = money_column()
    # The rate from the tax rates table, with a copy of its figures (kept in step by the tax
    # rates service) that the register prices from.
    tax_rate_id: Mapped[int | None] = mapped_column(ForeignKey("tax_rates.id"), index=True)
    tax_rate_bp: Mapped[int] = mapped_column(default=0)
    tax_included: Mapped[bool] = mapped_column(default=True)
    # Kept in step with ``unit`` by the catalog: True when quantities count thousandths (kg, m,
    # l; :func:`posapp.units.is_measured`), for the code that predates units (migration 0020).
    sold_by_weight: Mapped[bool] = mapped_column(default=False)
    # What a quantity of this product counts (:mod:`posapp.units`): pc, g, kg, m or l.
    unit: Mapped[str] = mapped_column(String(4), default="pc", server_default="pc")
    active: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # A variant of a template (migration 0022): its name is the template's name and its
    # attribute values ("T-shirt, blue, M"), kept by the variants service; ``search_keys`` is
    # the lower-cased template name and values, also without punctuation ("t-shirt blue m
    # tshirt"), indexed beside the name so that searches find "tshirt blue".
    template_id: Mapped[int | None] = mapped_column(ForeignKey("product_templates.id"), index=True)
    search_keys: Mapped[str | None] = mapped_column(String(400))

    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", lazy="raise", order_by="ProductImage.position"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ProductImage(IdMixin, CreatedAtMixin, Base):
    """An image of a product, re-encoded on upload and kept with a thumbnail.

    Image bytes live in the database so that every register on a shared PostgreSQL sees them;
    ``storage_name`` is the generated name the image is known by (never the uploaded file name).
    """

    __tablename__ = "product_images"
    __table_args__ = (CheckConstraint("width > 0 AND height > 0", name="size_positive"),)

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    byte_size: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary)

    product: Mapped[Product] = relationship(back_populates="images", lazy="raise")


class ProductTemplate(IdMixin, CreatedAtMixin, Base):
    """What the variants of one article share: its name, code, category, default price and tax.

    The variants are products (``Product.template_id``), each with its own SKU, barcode, price
    and stock; ``code`` is the template's key in the CSV files (compared like a SKU).
    """

    __tablename__ = "product_templates"
    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("length(code) > 0", name="code_not_empty"),
        CheckConstraint("price_minor >= 0", name="price_not_negative"),
        CheckConstraint("tax_rate_bp >= 0 AND tax_rate_bp <= 10000", name="tax_rate_range"),
    )

    code: Mapped[str] = mapped_column(String(64))
    code_key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    price_minor: Mapped[int] = money_column()
    tax_rate_bp: Mapped[int] = mapped_column(default=0)
    tax_included: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class TemplateAttribute(IdMixin, Base):
    """One axis of a template's variants (``Colour``), in its place among the template's."""

    __tablename__ = "template_attributes"
    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        UniqueConstraint("template_id", "name", name="uq_template_attributes_template_name"),
    )

    template_id: Mapped[int] = mapped_column(ForeignKey("product_templates.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(default=0)


class AttributeValue(IdMixin, Base):
    """One value of an attribute (``blue``), in its place among the attribute's values."""

    __tablename__ = "attribute_values"
    __table_args__ = (
        CheckConstraint("length(value) > 0", name="value_not_empty"),
        UniqueConstraint("attribute_id", "value", name="uq_attribute_values_attribute_value"),
    )

    attribute_id: Mapped[int] = mapped_column(ForeignKey("template_attributes.id"), index=True)
    value: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(default=0)


class VariantValue(Base):
    """A variant's value of one attribute: one row per variant and attribute."""

    __tablename__ = "variant_values"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    attribute_id: Mapped[int] = mapped_column(
        ForeignKey("template_attributes.id"), primary_key=True
    )
    value_id: Mapped[int] = mapped_column(ForeignKey("attribute_values.id"), index=True)
