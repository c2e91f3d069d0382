"""Variants in the product CSV files: one row per variant with its template key and values.

Columns (beside the product's own): ``template`` (the template's code, its key; empty for a
product without variants), ``template_name`` (needed on at least one row of a new template)
and one ``attribute:<name>`` column per attribute (``attribute:Colour``, ``attribute:Size``).

Import: the rows are imported as products first (their SKU, barcode, price, stock, as any
product); then, in the same transaction, each template is found by its code or created, its
attributes and values added, and every variant linked to its values and renamed by the one
rule ("T-shirt, blue, M": the file's ``name`` of a variant row is not used). A problem is
reported with the row's line and the whole import is refused (nothing written): a row without
a value for one of its template's attributes, the same values twice in a template, a template
without a name, other attributes than those the template's variants already have. Variants
already stored but missing from the file stay as they are.

Export: when the catalog has templates, the three kinds of column follow the product's own;
one column per attribute name used by any template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from posapp.i18n import _
from posapp.models import AttributeValue, Product, ProductTemplate, TemplateAttribute, VariantValue
from posapp.services.catalog.csv_read import ATTRIBUTE_PREFIX, VARIANT_COLUMNS, Checker
from posapp.services.catalog.import_index import ImportSearchIndex
from posapp.services.catalog.rules import clean_name, clean_sku, escape_cell, sku_key
from posapp.services.catalog.variant_rules import ATTRIBUTES_MAX, search_keys, variant_name
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.uow import UnitOfWork

if TYPE_CHECKING:
    from sqlalchemy import Table

__all__ = [
    "VariantRow",
    "export_cells",
    "export_columns",
    "link_variants",
    "variant_row",
    "write_rows",
]


@dataclass(frozen=True, slots=True)
class VariantRow:
    """What an imported row says about its variant."""

    line: int
    sku_key: str
    template: str
    template_name: str
    values: dict[str, str]
    price_minor: int
    tax_rate_bp: int
    tax_included: bool
    category_id: int | None


def variant_row(line: int, values: dict[str, object]) -> VariantRow | None:
    """The variant part of a checked row, or None for a product without a template."""
    template = values.get("template")
    if not isinstance(template, str) or not template:
        return None
    attributes = values.get("attributes")
    category = values.get("category")
    rate = values.get("tax_rate", 0)
    price = values.get("price", 0)
    return VariantRow(
        line,
        sku_key(str(values["sku"])),
        template,
        str(values.get("template_name") or ""),
        {k: v for k, v in cast("dict[str, str]", attributes or {}).items() if v},
        price if isinstance(price, int) else 0,
        rate if isinstance(rate, int) else 0,
        bool(values.get("tax_included", True)),
        category if isinstance(category, int) else None,
    )


def link_variants(
    uow: UnitOfWork, checker: Checker, rows: Sequence[VariantRow], index: ImportSearchIndex
) -> None:
    """Make the templates of ``rows`` and link their variants (see the module docstring).

    Problems go to ``checker`` with their lines; nothing is changed once there is one (the
    caller's transaction then rolls back). ``index`` keeps SQLite's search index in step.
    """
    groups: dict[str, list[VariantRow]] = {}
    for row in rows:
        try:
            code = clean_sku(row.template)
        except ValidationError as exc:
            checker.problem(row.line, f"template: {exc}")
            continue
        groups.setdefault(sku_key(code), []).append(row)
    if checker.problem_count:
        return
    session = uow.session
    keys = [row.sku_key for row in rows]
    ids: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        found = session.execute(
            select(Product.sku_key, Product.id).where(
                Product.sku_key.in_(keys[start : start + 500])
            )
        )
        ids.update({str(key): int(pid) for key, pid in found})
    plans = [_plan(session, checker, key, group) for key, group in groups.items()]
    if _failed(checker):
        return
    changed = [ids[row.sku_key] for plan in plans if plan for row in plan[1]]
    index.forget(changed)  # SQLite's index learns the variants' new names and keys
    for plan in plans:
        if plan:
            _write(uow, plan[0], plan[1], plan[2], ids)
    index.add(changed, updated=True)


def _failed(checker: Checker) -> bool:
    return checker.problem_count > 0


_Plan = tuple[ProductTemplate, list[VariantRow], list[str]]


def _plan(session: Session, checker: Checker, key: str, group: list[VariantRow]) -> _Plan | None:
    """The template (found or new, not yet written) and its attribute names, or None."""
    template = session.scalar(select(ProductTemplate).where(ProductTemplate.code_key == key))
    names = {row.template_name for row in group if row.template_name}
    if len(names) > 1:
        line = next(
            r.line for r in group if r.template_name and r.template_name != group[0].template_name
        )
        checker.problem(
            line,
            _("template_name: {template} has two names in the file.").format(
                template=group[0].template
            ),
        )
        return None
    name = next(iter(names), template.name if template is not None else "")
    try:
        name = clean_name(name)
    except ValidationError as exc:
        checker.problem(group[0].line, f"template_name: {exc}")
        return None
    labels: list[str] = []
    folded: set[str] = set()
    for row in group:
        for label in row.values:
            if label.casefold() not in folded:
                folded.add(label.casefold())
                labels.append(label)
    if not labels or len(labels) > ATTRIBUTES_MAX:
        message = _("a variant of {template} has one to {attributes_max} attribute values.").format(
            template=group[0].template, attributes_max=ATTRIBUTES_MAX
        )
        checker.problem(group[0].line, message)
        return None
    if template is not None:
        stored = session.scalars(
            select(TemplateAttribute.name).where(TemplateAttribute.template_id == template.id)
        ).all()
        if stored and sorted(n.casefold() for n in stored) != sorted(folded):
            checker.problem(
                group[0].line,
                _("{template} has the attributes {stored}; the file gives {labels}.").format(
                    template=group[0].template, stored=", ".join(stored), labels=", ".join(labels)
                ),
            )
            return None
    seen: dict[tuple[str, ...], int] = {}
    for row in group:
        missing = [label for label in labels if label not in row.values]
        if missing:
            checker.problem(
                row.line,
                _("attribute:{missing}: give this variant a value.").format(missing=missing[0]),
            )
            continue
        combo = tuple(row.values[label].casefold() for label in labels)
        if combo in seen:
            checker.problem(
                row.line,
                _("the same values as the variant on line {seen}.").format(seen=seen[combo]),
            )
        seen.setdefault(combo, row.line)
    if template is None:
        first = group[0]
        template = ProductTemplate(
            code=first.template.strip(),
            code_key=key,
            name=name,
            category_id=first.category_id,
            price_minor=first.price_minor,
            tax_rate_bp=first.tax_rate_bp,
            tax_included=first.tax_included,
        )
    template.name = name
    return template, group, labels


def _write(
    uow: UnitOfWork,
    template: ProductTemplate,
    group: list[VariantRow],
    labels: list[str],
    ids: dict[str, int],
) -> None:
    session = uow.session
    now = uow.now()
    if template not in session:
        template.created_at = template.changed_at = now
        session.add(template)
    uow.flush()
    attributes = {
        a.name.casefold(): a
        for a in session.scalars(
            select(TemplateAttribute).where(TemplateAttribute.template_id == template.id)
        )
    }
    for position, label in enumerate(labels):
        if label.casefold() not in attributes:
            attribute = TemplateAttribute(template_id=template.id, name=label, position=position)
            session.add(attribute)
            attributes[label.casefold()] = attribute
    uow.flush()
    values: dict[tuple[int, str], AttributeValue] = {
        (v.attribute_id, v.value.casefold()): v
        for v in session.scalars(
            select(AttributeValue).where(
                AttributeValue.attribute_id.in_([a.id for a in attributes.values()])
            )
        )
    }
    for row in group:
        for label in labels:
            attribute = attributes[label.casefold()]
            if (attribute.id, row.values[label].casefold()) not in values:
                value = AttributeValue(attribute_id=attribute.id, value=row.values[label])
                value.position = len([k for k in values if k[0] == attribute.id])
                session.add(value)
                values[(attribute.id, row.values[label].casefold())] = value
    uow.flush()
    product_ids = [ids[row.sku_key] for row in group]
    session.execute(delete(VariantValue).where(VariantValue.product_id.in_(product_ids)))
    links: list[dict[str, int]] = []
    names: list[dict[str, object]] = []
    for row in group:
        chosen = [
            values[(attributes[lab.casefold()].id, row.values[lab].casefold())] for lab in labels
        ]
        texts = [value.value for value in chosen]
        links.extend(
            {"product_id": ids[row.sku_key], "attribute_id": v.attribute_id, "value_id": v.id}
            for v in chosen
        )
        names.append(
            {
                "b_id": ids[row.sku_key],
                "name": variant_name(template.name, texts),
                "search_keys": search_keys(template.name, texts),
                "template_id": template.id,
            }
        )
    session.execute(insert(VariantValue), links)
    table = cast("Table", Product.__table__)
    session.execute(update(table).where(table.c.id == bindparam("b_id")), names)


def export_columns(session: Session) -> tuple[str, ...]:
    """The variant columns of an export: none when the catalog has no template."""
    labels: list[str] = []
    rows = session.execute(
        select(TemplateAttribute.name).order_by(
            TemplateAttribute.template_id, TemplateAttribute.position, TemplateAttribute.id
        )
    ).scalars()
    for label in rows:
        if label.casefold() not in {known.casefold() for known in labels}:
            labels.append(label)
    has_templates = session.scalar(select(ProductTemplate.id).limit(1)) is not None
    if not has_templates:
        return ()
    return (*VARIANT_COLUMNS, *(f"{ATTRIBUTE_PREFIX}{label}" for label in labels))


def export_cells(
    session: Session, product_ids: Sequence[int], columns: tuple[str, ...]
) -> dict[int, list[str]]:
    """The variant cells of ``product_ids`` (variants only), in the order of ``columns``."""
    if not columns:
        return {}
    position = {c[len(ATTRIBUTE_PREFIX) :].casefold(): i for i, c in enumerate(columns)}
    rows = session.execute(
        select(
            Product.id,
            ProductTemplate.code,
            ProductTemplate.name,
            TemplateAttribute.name,
            AttributeValue.value,
        )
        .join(ProductTemplate, ProductTemplate.id == Product.template_id)
        .join(VariantValue, VariantValue.product_id == Product.id)
        .join(TemplateAttribute, TemplateAttribute.id == VariantValue.attribute_id)
        .join(AttributeValue, AttributeValue.id == VariantValue.value_id)
        .where(Product.id.in_(list(product_ids)))
    ).all()
    cells: dict[int, list[str]] = {}
    for product_id, code, name, label, value in rows:
        line = cells.setdefault(
            int(product_id), [escape_cell(code), escape_cell(name)] + [""] * (len(columns) - 2)
        )
        at = position.get(str(label).casefold())
        if at is not None:
            line[at] = escape_cell(str(value))
    return cells


def write_rows(
    writer: Any, session: Session, batch: list[list[str]], ids: list[int], extra: tuple[str, ...]
) -> None:
    """Write an export's rows, each followed by its variant cells (``extra`` columns)."""
    cells = export_cells(session, ids, extra)
    blank = [""] * len(extra)
    for product_id, row in zip(ids, batch, strict=True):
        writer.writerow([*row, *cells.get(product_id, blank)])
