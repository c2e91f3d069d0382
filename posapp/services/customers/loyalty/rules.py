"""The shop's loyalty rules from its settings, read inside the caller's unit of work."""

from __future__ import annotations

from sqlalchemy import select

from posapp.models import Category
from posapp.services.customers.loyalty.dto import LoyaltyRules
from posapp.services.platform import registry
from posapp.services.platform.uow import UnitOfWork

__all__ = ["loyalty_rules"]


def _excluded(uow: UnitOfWork, text: str) -> frozenset[int]:
    """The category ids named in the setting and every subcategory under them."""
    roots = {int(part) for part in text.replace(" ", "").split(",") if part}
    if not roots:
        return frozenset()
    tree = uow.session.execute(select(Category.id, Category.parent_id)).all()
    children: dict[int, list[int]] = {}
    for category_id, parent_id in tree:
        if parent_id is not None:
            children.setdefault(int(parent_id), []).append(int(category_id))
    found: set[int] = set()
    todo = list(roots)
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo.extend(children.get(current, ()))
    return frozenset(found)


def loyalty_rules(uow: UnitOfWork) -> LoyaltyRules:
    """The loyalty settings as one value (see :class:`LoyaltyRules`)."""
    return LoyaltyRules(
        earn_per_unit=registry.read(uow, registry.POINTS_EARNED),
        rounding=registry.read(uow, registry.POINTS_ROUNDING),
        excluded=_excluded(uow, registry.read(uow, registry.POINTS_EXCLUDED)),
        points_per_unit=registry.read(uow, registry.POINTS_VALUE),
        expiry_days=registry.read(uow, registry.POINTS_EXPIRY_DAYS),
        scale=registry.shop_currency(uow).scale,
    )
