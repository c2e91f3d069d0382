"""The inventory valuation: what one store's stock on hand is worth, by category and product.

Values are the levels' own (``stock_levels.value_minor``, see
:mod:`posapp.services.stock.costing`), so the report's total is exactly the sum of its lines
and of what came in less what went out; the unit cost beside each is for reading.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import select

from posapp import units
from posapp.i18n import _
from posapp.models import Category, Product, StockLevel, Store
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import ACTIONS, Permission, authorize
from posapp.services.stock.costing import unit_cost
from posapp.services.stock.dto import InventoryValuation, ValuationCategory, ValuationLine
from posapp.services.stock.stores import CODE_MAX

__all__ = ["UNCATEGORISED", "inventory_valuation"]

UNCATEGORISED = "Uncategorised"

ACTIONS["stock.valuation.inventory_valuation"] = Permission.VIEW_REPORTS


def store_by_code(uow: UnitOfWork, code: str) -> Store:
    """The store whose code is ``code`` (any case, surrounding spaces ignored).

    Raises:
        ValidationError: an empty code.
        NotFoundError: no store has it.
    """
    key = unicodedata.normalize("NFKC", code).strip().upper()
    if not key:
        raise ValidationError(_("Name the store by its code."))
    # A code no store can have (too long, control characters such as NUL, which PostgreSQL
    # refuses in a query) is looked up nowhere.
    possible = len(key) <= CODE_MAX and not any(unicodedata.category(c) == "Cc" for c in key)
    store = uow.session.scalar(select(Store).where(Store.code == key)) if possible else None
    if store is None:
        shown = key[:CODE_MAX] + ("…" if len(key) > CODE_MAX else "")
        raise NotFoundError(_("No store with code {shown!r}.").format(shown=shown))
    return store


def inventory_valuation(
    uow: UnitOfWork, actor: UserDTO | None, store_code: str
) -> InventoryValuation:
    """What the stock on hand at the store with ``store_code`` is worth, now.

    ``actor`` None is the trusted local command line; a person needs VIEW_REPORTS (costs are
    the shop's own business). Inactive stores are valued too (they may still hold stock).
    Categories come in name order ("Uncategorised" last), products by name within them.

    Raises:
        ValidationError: an empty store code.
        NotFoundError: no store has the code.
        PermissionDeniedError: the actor may not see reports.
    """
    with uow:
        if actor is not None:
            authorize(uow, actor, Permission.VIEW_REPORTS)
        store = store_by_code(uow, store_code)
        rows = uow.session.execute(
            select(
                Category.id,
                Category.name,
                Product.id,
                Product.sku,
                Product.name,
                Product.sold_by_weight,
                Product.unit,
                StockLevel.on_hand,
                StockLevel.value_minor,
            )
            .join(Product, Product.id == StockLevel.product_id)
            .outerjoin(Category, Category.id == Product.category_id)
            .where(StockLevel.store_id == store.id, StockLevel.on_hand > 0)
            .order_by(Category.name.is_(None), Category.name, Category.id, Product.name, Product.id)
            .execution_options(yield_per=2000)
        )
        grouped: dict[int | None, list[ValuationLine]] = {}
        names: dict[int | None, str] = {}
        for category_id, category, pid, sku, name, weighed, code, on_hand, value in rows:
            unit = units.unit_or_weight(code, sold_by_weight=bool(weighed))
            line = ValuationLine(
                int(pid),
                sku,
                name,
                unit,
                int(on_hand),
                unit_cost(int(value), int(on_hand), units.scale_of(unit)),
                int(value),
            )
            grouped.setdefault(category_id, []).append(line)
            names[category_id] = category or UNCATEGORISED
        return InventoryValuation(
            store.code,
            store.name,
            uow.now(),
            tuple(ValuationCategory(names[key], tuple(lines)) for key, lines in grouped.items()),
        )
